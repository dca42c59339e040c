"""Every page of the portal (the API has its own URLs under /api/v1/). The officer pages keep
the "pages" namespace and the OCOP pages, under /ocop/, the "ocop" one."""

from django.urls import include, path

from web.views import approvals, assessments, communes, evidence, ocop, overview

COMMUNE = "communes/<str:structure>/<str:code>/"
ASSESSMENT = f"{COMMUNE}<int:year>/"
EVIDENCE = f"{ASSESSMENT}evidence/"
PROVINCE_YEAR = "approvals/<str:structure>/<str:code>/<int:year>/"

officer_pages = [
    path("", overview.overview, name="overview"),
    path("approvals/", approvals.approvals, name="approvals"),
    path(f"{PROVINCE_YEAR}close/", approvals.close_year, name="close-year"),
    path(f"{PROVINCE_YEAR}reopen/", approvals.reopen_year, name="reopen-year"),
    path(f"{PROVINCE_YEAR}exceptions/", approvals.open_commune, name="open-commune"),
    path(COMMUNE, communes.commune_detail, name="commune"),
    path(f"{COMMUNE}new/", communes.create_assessment, name="create"),
    path(ASSESSMENT, assessments.assessment_detail, name="assessment"),
    # Before the workflow steps, whose <action> would otherwise catch "evidence".
    path(f"{ASSESSMENT}evidence/", evidence.evidence_upload, name="evidence-upload"),
    path(f"{ASSESSMENT}evidence/<int:pk>/", evidence.evidence_download, name="evidence"),
    path(
        f"{ASSESSMENT}evidence/<int:pk>/remove/", evidence.evidence_remove, name="evidence-remove"
    ),
    path(f"{ASSESSMENT}<str:action>/", assessments.assessment_step, name="step"),
]

ocop_pages = [
    path("", ocop.product_list, name="products"),
    path("producers/new/", ocop.producer_new, name="producer_new"),
    path("products/new/", ocop.product_new, name="product_new"),
    path("products/<int:pk>/", ocop.product_detail, name="product"),
    path("products/<int:pk>/evaluate/", ocop.evaluate, name="evaluate"),
    path("evaluations/<int:pk>/revoke/", ocop.revoke, name="revoke"),
]

urlpatterns = [
    path("ocop/", include((ocop_pages, "ocop"))),
    path("", include((officer_pages, "pages"))),
]
