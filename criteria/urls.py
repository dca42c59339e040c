"""The officer pages (the API has its own URLs under /api/v1/)."""

from django.urls import path

from criteria import views

app_name = "pages"

COMMUNE = "communes/<str:structure>/<str:code>/"
ASSESSMENT = f"{COMMUNE}<int:year>/"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("approvals/", views.approvals, name="approvals"),
    path(COMMUNE, views.commune_detail, name="commune"),
    path(f"{COMMUNE}new/", views.create_assessment, name="create"),
    path(ASSESSMENT, views.assessment_detail, name="assessment"),
    path(f"{ASSESSMENT}<str:action>/", views.assessment_step, name="step"),
]
