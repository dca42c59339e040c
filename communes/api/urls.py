from rest_framework.routers import DefaultRouter

from communes.api import views

router = DefaultRouter()
router.register("provinces", views.ProvinceViewSet, basename="province")
router.register("districts", views.DistrictViewSet, basename="district")
router.register("communes", views.CommuneViewSet, basename="commune")

urlpatterns = router.urls
