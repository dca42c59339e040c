"""Everything under /api/v1/programme/ (included by ntm_portal.api_urls)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from programme.api import imports, views

router = SimpleRouter()
router.register("programme/funding-sources", views.FundingSourceViewSet, "programme-source")
router.register("programme/work-kinds", views.WorkKindViewSet, "programme-work-kind")
router.register("programme/fundings", views.FundingViewSet, "programme-funding")
router.register("programme/works", views.WorkViewSet, "programme-work")
router.register("programme/production-models", views.ProductionModelViewSet, "programme-model")
router.register("programme/hamlet-titles", views.HamletTitleViewSet, "programme-hamlet-title")
router.register("programme/plans", views.YearPlanViewSet, "programme-plan")
router.register("programme/figures", views.HistoricalFigureViewSet, "programme-figure")

urlpatterns = [
    path("programme/imports/", imports.ProgrammeImportView.as_view(), name="programme-import"),
    path(
        "programme/imports/template.csv",
        imports.TemplateCSVView.as_view(),
        name="programme-import-template-csv",
    ),
    path(
        "programme/imports/template.xlsx",
        imports.TemplateXLSXView.as_view(),
        name="programme-import-template-xlsx",
    ),
    path(
        "programme/stats/provinces/<str:code>/",
        views.ProvinceReportView.as_view(),
        name="programme-province-stats",
    ),
    path(
        "programme/stats/provinces/<str:code>/resources/",
        views.ProvinceResourcesView.as_view(),
        name="programme-province-resources",
    ),
    path(
        "programme/stats/provinces/<str:code>/report.xlsx",
        views.ProvinceWorkbookView.as_view(),
        name="programme-province-workbook",
    ),
    *router.urls,
]
