"""The national office reviews criteria sets and assessments in Django admin."""

import pytest

from communes.models import Commune
from criteria.models import Assessment, Evidence, Target, Threshold, WorkflowStep, YearClosure
from criteria.services import (
    attach_evidence,
    close_year,
    create_assessment,
    open_commune_by_exception,
    save_values,
)
from tests.criteria.builders import indicator, measure
from tests.criteria.files import PDF, upload

pytestmark = pytest.mark.django_db


def _listed(response):
    return list(response.context["cl"].result_list)


def test_unconfigured_filter_lists_numeric_indicators_without_threshold(admin_client, small_set):
    standard = small_set.levels.get(code="standard")
    indicator(standard, "4", "4.1", measure(small_set, "poverty", "percent"), "<=")
    response = admin_client.get("/admin/criteria/indicator/", {"configured": "no"})
    assert [(i.code, i.measure.code) for i in _listed(response)] == [("4.1", "poverty")]
    configured = admin_client.get("/admin/criteria/indicator/", {"configured": "yes"})
    assert {i.measure.code for i in _listed(configured)} == {"income", "irrigation"}


def test_thresholds_filter_by_verified(admin_client, small_set):
    Threshold.objects.filter(indicator__code="2.1").update(verified=False)
    response = admin_client.get("/admin/criteria/threshold/", {"verified__exact": "0"})
    assert [t.indicator.code for t in _listed(response)] == ["2.1"]


def test_set_page_shows_its_levels_and_measures_inline(admin_client, small_set):
    response = admin_client.get(f"/admin/criteria/criteriaset/{small_set.pk}/change/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nâng cao" in html and "irrigation" in html


def test_assessment_page_shows_breakdown_and_gap(admin_client, small_set, bach_dang):
    assessment = create_assessment(commune=bach_dang, year=2023)
    save_values(assessment=assessment, values={"income": 45, "plan": True}, version=1)
    response = admin_client.get(f"/admin/criteria/assessment/{assessment.pk}/change/")
    html = response.content.decode()
    assert response.status_code == 200
    # Income 45 fails the Southeast's 50; irrigation is missing; the plan passes.
    assert "<td>1.1</td><td>fail</td><td>45.0000</td><td>&gt;= 50.0000 (class dnb)</td>" in html
    assert "<td>2.1</td><td>missing</td><td>—</td><td>&gt;= 80.0000 (national )</td>" in html
    assert "<td>3.1</td><td>pass</td><td>True</td>" in html


def test_assessment_list_filters_and_costs_fixed_queries(
    admin_client, small_set, django_assert_max_num_queries
):
    communes = Commune.objects.rural().filter(structure="2021", province__code="74")[:8]
    for n, commune in enumerate(communes):
        assessment = create_assessment(commune=commune, year=2023)
        if n % 2:
            save_values(
                assessment=assessment,
                values={"income": 70, "irrigation": 90, "plan": True},
                version=1,
            )
    # session, user, two counts, the page with communes and provinces joined, filter sidebars;
    # the session renewed (savepoint, update, release: the idle timeout)
    with django_assert_max_num_queries(13):
        response = admin_client.get("/admin/criteria/assessment/", {"level": "standard"})
    assert len(_listed(response)) == 4
    assert {a.level for a in _listed(response)} == {"standard"}


def test_evidence_files_are_listed_read_only_with_a_checked_download(
    admin_client, small_set, bach_dang
):
    assessment = create_assessment(commune=bach_dang, year=2023)
    evidence = attach_evidence(
        assessment=assessment, measure_code="plan", upload=upload("qd.pdf", PDF)
    )
    listing = admin_client.get("/admin/criteria/evidence/")
    assert _listed(listing) == [evidence]
    body = listing.content.decode()
    download = f"/communes/2021/25930/2023/evidence/{evidence.pk}/"
    assert f'href="{download}"' in body and "/media/" not in body
    assert admin_client.get(download).status_code == 200  # a superuser covers every province
    change = admin_client.get(f"/admin/criteria/evidence/{evidence.pk}/change/")
    assert change.status_code == 200 and "/media/" not in change.content.decode()
    assert admin_client.get(f"/admin/criteria/evidence/{evidence.pk}/history/").status_code == 200
    assert admin_client.post(f"/admin/criteria/evidence/{evidence.pk}/delete/").status_code == 403
    assert Evidence.objects.count() == 1


def test_closed_years_show_their_exceptions_and_history_read_only(
    admin_client, small_set, bach_dang
):
    closure = close_year(province=bach_dang.province, year=2023, note="Hết hạn")
    open_commune_by_exception(closure=closure, commune=bach_dang, reason="Sửa số liệu")
    listing = admin_client.get("/admin/criteria/yearclosure/")
    assert _listed(listing) == [closure]
    change = admin_client.get(f"/admin/criteria/yearclosure/{closure.pk}/change/")
    assert change.status_code == 200 and "Sửa số liệu" in change.content.decode()
    history = admin_client.get(f"/admin/criteria/yearclosure/{closure.pk}/history/")
    assert history.status_code == 200
    assert admin_client.post(f"/admin/criteria/yearclosure/{closure.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/criteria/closureexception/").status_code == 200
    assert YearClosure.objects.count() == 1


def _management_forms(page) -> dict:
    """The inline formsets' management data of an admin change page, as it was rendered."""
    data = {}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
    return data


def test_an_assessment_status_cannot_be_set_in_admin(admin_client, small_set, bach_dang):
    """The status moves through the workflow only (who may take the step, its record, the
    version); the admin page shows it and changes nothing."""
    draft = create_assessment(commune=bach_dang, year=2023)
    url = f"/admin/criteria/assessment/{draft.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    assert not {"status", "version"} & set(page.context["adminform"].form.fields)
    steps = list(draft.steps.values_list("action", flat=True))
    history_rows = draft.history.count()
    data = _management_forms(page) | {"status": "approved", "version": 7, "_save": "Save"}
    assert admin_client.post(url, data).status_code == 403
    draft.refresh_from_db()
    assert (draft.status, draft.version) == (Assessment.Status.DRAFT, 1)
    assert list(draft.steps.values_list("action", flat=True)) == steps == ["create"]
    assert not WorkflowStep.objects.filter(assessment=draft, to_status="approved").exists()
    assert draft.history.count() == history_rows


def test_targets_keep_who_set_and_changed_them(admin_client, api, cast, small_set):
    target = {"province": "74", "year": 2025, "level": "advanced", "percent": "40"}
    pk = api(cast.approver_74).post("/api/v1/targets/", target, "json").json()["id"]
    changed = api(cast.national).patch(f"/api/v1/targets/{pk}/", {"count": 30}, "json")
    assert changed.status_code == 200
    first, second = Target.objects.get(pk=pk).history.order_by("history_date", "history_id")
    assert (first.history_type, first.history_user) == ("+", cast.approver_74)
    assert (second.history_type, second.history_user) == ("~", cast.national)
    diff = {(c.field, c.old, c.new) for c in second.diff_against(first).changes}
    assert diff == {("count", None, 30), ("percent", 40, None)}
    page = admin_client.get(f"/admin/criteria/target/{pk}/history/")
    assert page.status_code == 200 and "national" in page.content.decode()
    assert api(cast.approver_74).delete(f"/api/v1/targets/{pk}/").status_code == 204
    removed = Target.history.filter(id=pk).latest()
    assert (removed.history_type, removed.history_user) == ("-", cast.approver_74)
