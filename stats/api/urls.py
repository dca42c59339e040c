from django.urls import path

from stats.api import reports, views

urlpatterns = [
    path("stats/trend/", views.TrendView.as_view(), name="stats-trend"),
    path("stats/progress/", views.ProgressView.as_view(), name="stats-progress"),
    path("stats/national/", views.NationalStatsView.as_view(), name="stats-national"),
    path("stats/provinces/<str:code>/", views.ProvinceStatsView.as_view(), name="stats-province"),
    path(
        "stats/provinces/<str:code>/annual-report.<str:fmt>",
        reports.AnnualReportView.as_view(),
        name="stats-annual-report",
    ),
    path("stats/districts/<str:code>/", views.DistrictStatsView.as_view(), name="stats-district"),
    path("exports/report.xlsx", reports.ReportView.as_view(), name="export-report"),
]
