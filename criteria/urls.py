"""The officer pages (the API has its own URLs under /api/v1/)."""

from django.urls import path

from criteria import views

app_name = "pages"

COMMUNE = "communes/<str:structure>/<str:code>/"
ASSESSMENT = f"{COMMUNE}<int:year>/"
PROVINCE_YEAR = "approvals/<str:structure>/<str:code>/<int:year>/"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("approvals/", views.approvals, name="approvals"),
    path(f"{PROVINCE_YEAR}close/", views.close_year, name="close-year"),
    path(f"{PROVINCE_YEAR}reopen/", views.reopen_year, name="reopen-year"),
    path(f"{PROVINCE_YEAR}exceptions/", views.open_commune, name="open-commune"),
    path(COMMUNE, views.commune_detail, name="commune"),
    path(f"{COMMUNE}new/", views.create_assessment, name="create"),
    path(ASSESSMENT, views.assessment_detail, name="assessment"),
    # Before the workflow steps, whose <action> would otherwise catch "evidence".
    path(f"{ASSESSMENT}evidence/", views.evidence_upload, name="evidence-upload"),
    path(f"{ASSESSMENT}evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path(f"{ASSESSMENT}evidence/<int:pk>/remove/", views.evidence_remove, name="evidence-remove"),
    path(f"{ASSESSMENT}<str:action>/", views.assessment_step, name="step"),
]
