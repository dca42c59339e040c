"""Everything under /api/v1/, in one router: the index of the whole API."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts import api as accounts
from criteria.api import classes as criteria_classes
from criteria.api import editions as criteria_editions
from criteria.api import views as criteria
from ocop.api import views as ocop
from stats.api import kind_changes, units

router = DefaultRouter()
router.register("provinces", units.ProvinceViewSet, basename="province")
router.register("districts", units.DistrictViewSet, basename="district")
router.register("communes", units.CommuneViewSet, basename="commune")
router.register("kind-changes", kind_changes.KindChangeViewSet, basename="kind-change")
router.register("criteria-sets", criteria.CriteriaSetViewSet, basename="criteria-set")
router.register("commune-classes", criteria_classes.CommuneClassViewSet, basename="commune-class")
router.register("editions", criteria_editions.EditionViewSet, basename="edition")
router.register("thresholds", criteria_editions.ThresholdViewSet, basename="threshold")
router.register("assessments", criteria.AssessmentViewSet, basename="assessment")
router.register("recognitions", criteria.RecognitionViewSet, basename="recognition")
router.register("targets", criteria.TargetViewSet, basename="target")
router.register("ocop/producers", ocop.ProducerViewSet, basename="ocop-producer")
router.register("ocop/products", ocop.ProductViewSet, basename="ocop-product")
router.register("ocop/evaluations", ocop.EvaluationViewSet, basename="ocop-evaluation")

urlpatterns = [
    path("auth/token/", accounts.token, name="api-token"),
    path("auth/tokens/", accounts.tokens, name="api-tokens"),
    path("", include("stats.api.urls")),
    path("", include("criteria.api.imports")),
    path("", include("jobs.api")),
    path("", include("programme.api.urls")),
    *router.urls,
]
