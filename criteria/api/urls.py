from rest_framework.routers import SimpleRouter

from criteria.api import views

router = SimpleRouter()
router.register("criteria-sets", views.CriteriaSetViewSet, basename="criteria-set")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("recognitions", views.RecognitionViewSet, basename="recognition")
router.register("targets", views.TargetViewSet, basename="target")

urlpatterns = router.urls
