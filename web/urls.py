"""Every page of the portal (the API has its own URLs under /api/v1/). The officer pages keep
the "pages" namespace, the OCOP pages, under /ocop/, the "ocop" one, and the programme
records' pages, under /programme/, the "programme" one."""

from django.urls import include, path

from web.views import (
    approvals,
    assessments,
    communes,
    criteria_sets,
    dashboard,
    evidence,
    imports,
    ocop,
    overview,
    programme,
)

COMMUNE = "communes/<str:structure>/<str:code>/"
ASSESSMENT = f"{COMMUNE}<int:year>/"
EVIDENCE = f"{ASSESSMENT}evidence/"
PROVINCE_YEAR = "approvals/<str:structure>/<str:code>/<int:year>/"
CRITERIA_SET = "criteria/<str:code>/"
EDITION = f"{CRITERIA_SET}editions/<int:pk>/"

officer_pages = [
    path("", overview.overview, name="overview"),
    path("approvals/", approvals.approvals, name="approvals"),
    path("approvals/approve/", approvals.approve_selected, name="approve-selected"),
    path("imports/", imports.import_page, name="import"),
    path("imports/confirm/", imports.import_confirm, name="import-confirm"),
    path("imports/template.xlsx", imports.import_template, name="import-template"),
    path(f"{PROVINCE_YEAR}close/", approvals.close_year, name="close-year"),
    path(f"{PROVINCE_YEAR}close/confirm/", approvals.confirm_close, name="close-year-confirm"),
    path(f"{PROVINCE_YEAR}reopen/", approvals.reopen_year, name="reopen-year"),
    path(f"{PROVINCE_YEAR}exceptions/", approvals.open_commune, name="open-commune"),
    # The national office's pages: criteria sets, their editions and commune classes.
    path("criteria/", criteria_sets.criteria_sets, name="criteria-sets"),
    path(CRITERIA_SET, criteria_sets.criteria_set, name="criteria-set"),
    path(f"{CRITERIA_SET}editions/new/", criteria_sets.new_draft, name="new-draft"),
    path(f"{CRITERIA_SET}rejudge/", criteria_sets.rejudge, name="rejudge"),
    path(f"{CRITERIA_SET}classes/", criteria_sets.commune_classes, name="commune-classes"),
    path(EDITION, criteria_sets.edition_page, name="edition"),
    path(f"{EDITION}import/", criteria_sets.edition_import, name="edition-import"),
    path(f"{EDITION}indicators/", criteria_sets.edition_indicator, name="edition-indicator"),
    path(f"{EDITION}preview/", criteria_sets.edition_preview, name="edition-preview"),
    path(f"{EDITION}publish/", criteria_sets.edition_publish, name="edition-publish"),
    path(f"{EDITION}discard/", criteria_sets.edition_discard, name="edition-discard"),
    path(
        f"{EDITION}changes/<int:change>/remove/",
        criteria_sets.change_remove,
        name="edition-change-remove",
    ),
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

programme_pages = [
    path("", programme.records, name="records"),
    path("bulk/", programme.bulk_step, name="bulk"),
    path("import/", programme.import_check, name="import"),
    path("import/confirm/", programme.import_confirm, name="import-confirm"),
    path("<slug:kind>/new/", programme.record_new, name="new"),
    path("<slug:kind>/<int:pk>/", programme.record_edit, name="edit"),
    path("<slug:kind>/<int:pk>/delete/", programme.record_delete, name="delete"),
    path("<slug:kind>/<int:pk>/step/", programme.record_step, name="step"),
]

# Public: no login; the figures come from the public API.
dashboard_pages = [
    path("", dashboard.national, name="national"),
    path("provinces/<str:code>/", dashboard.province, name="province"),
    path("communes/<str:structure>/<str:code>/", dashboard.commune, name="commune"),
]

urlpatterns = [
    path("dashboard/", include((dashboard_pages, "dashboard"))),
    path("ocop/", include((ocop_pages, "ocop"))),
    path("programme/", include((programme_pages, "programme"))),
    path("", include((officer_pages, "pages"))),
]
