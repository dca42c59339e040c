"""The national office reviews criteria sets and assessments in Django admin."""

import re
from html import unescape

import pytest

from communes.models import Commune
from criteria.models import Assessment, Evidence, Target, Threshold, WorkflowStep, YearClosure
from criteria.services import (
    attach_evidence,
    close_year,
    create_assessment,
    move,
    open_commune_by_exception,
    save_values,
)
from tests.criteria.builders import indicator, measure
from tests.criteria.files import PDF, upload

pytestmark = pytest.mark.django_db


def result_rows(html: str) -> dict[tuple[str, str], list[str]]:
    """The admin's result table: (level code, indicator code) -> the cells' texts."""
    table = re.search(r'<table class="ntm-result">.*?</table>', html, re.S).group(0)
    rows = {}
    row = r'<tr data-level="([^"]+)" data-indicator="([^"]+)"[^>]*>(.*?)</tr>'
    for level, code, body in re.findall(row, table, re.S):
        cells = re.findall(r"<td>(.*?)</td>", body, re.S)
        rows[level, code] = [" ".join(unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells]
    return rows


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
    assert response.status_code == 200
    rows = result_rows(response.content.decode())
    # Income 45 fails the national 60 of the advanced level; irrigation is missing; the plan
    # passes: each line names its level, criterion and indicator, writes numbers as the pages
    # do, says where the threshold applies, and the outcome in words.
    assert rows["advanced", "1.1"] == [
        "Advanced",
        "1. Criterion 1 Not met",
        "1.1 1.1",
        "45 triệu đồng/người/năm",
        "≥ 60 triệu đồng/người/năm · nationwide test",
        "Fail",
    ]
    assert rows["advanced", "2.1"][3:] == ["—", "required: yes", "Missing"]
    assert rows["standard", "3.1"][0] == "Standard"
    assert rows["standard", "3.1"][3:] == ["Yes", "required: yes", "Pass"]
    page = " ".join(" ".join(cells) for cells in rows.values())
    for code in ("fail", "pass", "missing", "not_met", "True", ".0000", "national ", ">="):
        assert code not in page
    vietnamese = admin_client.get(
        f"/admin/criteria/assessment/{assessment.pk}/change/", HTTP_ACCEPT_LANGUAGE="vi"
    )
    rows = result_rows(vietnamese.content.decode())
    assert rows["advanced", "1.1"][4] == "≥ 60 triệu đồng/người/năm · toàn quốc test"
    assert rows["advanced", "1.1"][5] == "Không đạt"
    assert rows["standard", "3.1"][3:] == ["Có", "bắt buộc: có", "Đạt"]


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


# The review actions: the same service as the pages and the API (workflow.move_many).

ASSESSMENTS = "/admin/criteria/assessment/"


def _staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def submitted(small_set, bach_dang):
    """Two submitted assessments of Bình Dương (74)."""
    communes = Commune.objects.rural().filter(structure="2021", province__code="74")[:2]
    found = []
    for commune in communes:
        assessment = create_assessment(commune=commune, year=2023)
        save_values(assessment=assessment, values={"income": 70, "plan": True}, version=1)
        move(assessment=assessment, action="submit", version=assessment.version)
        found.append(assessment)
    return found


def _chosen(action, assessments) -> dict:
    return {"action": action, "_selected_action": [a.pk for a in assessments]}


def _confirmed(action, assessments, comment="", **versions) -> dict:
    read = {f"version_{a.pk}": versions.get(str(a.pk), a.version) for a in assessments}
    return _chosen(action, assessments) | {"confirm": "yes", "comment": comment} | read


def _trail(assessments) -> tuple[int, int]:
    ids = [a.pk for a in assessments]
    steps = WorkflowStep.objects.filter(assessment__in=ids).count()
    return steps, Assessment.history.filter(id__in=ids).count()


def _statuses(assessments) -> list[str]:
    return [Assessment.objects.get(pk=a.pk).status for a in assessments]


def test_an_approver_approves_the_selected_after_reading_their_versions(client, cast, submitted):
    client.force_login(_staff(cast.approver_74))
    page = client.post(ASSESSMENTS, _chosen("approve_selected", submitted))
    assert page.status_code == 200
    body = page.content.decode()
    for a in submitted:
        assert f'name="version_{a.pk}" value="{a.version}"' in body
    steps, history = _trail(submitted)
    done = client.post(ASSESSMENTS, _confirmed("approve_selected", submitted), follow=True)
    assert "2 assessments approved." in done.content.decode()
    assert _statuses(submitted) == ["approved", "approved"]
    # a step and a history row each, as workflow.move_many writes them
    assert _trail(submitted) == (steps + 2, history + 2)
    last = WorkflowStep.objects.filter(assessment=submitted[0]).latest("pk")
    assert (last.action, last.user) == ("approve", cast.approver_74)


def test_a_stale_version_refuses_the_batch_and_moves_nothing(client, cast, submitted):
    client.force_login(_staff(cast.approver_74))
    trail = _trail(submitted)
    stale = {str(submitted[1].pk): submitted[1].version - 1}
    done = client.post(ASSESSMENTS, _confirmed("approve_selected", submitted, **stale), follow=True)
    assert "was changed by someone else" in done.content.decode()
    assert _statuses(submitted) == ["submitted", "submitted"]
    assert _trail(submitted) == trail


def test_an_approver_of_another_province_moves_nothing(client, cast, submitted):
    client.force_login(_staff(cast.approver_20))
    trail = _trail(submitted)
    done = client.post(ASSESSMENTS, _confirmed("approve_selected", submitted), follow=True)
    assert "No items have been changed." in done.content.decode()  # as if none were chosen
    assert _statuses(submitted) == ["submitted", "submitted"]
    assert _trail(submitted) == trail


def test_returning_the_selected_needs_one_comment_for_all(client, cast, submitted):
    client.force_login(_staff(cast.national))
    again = client.post(ASSESSMENTS, _confirmed("return_selected", submitted))
    assert again.status_code == 200 and "This field is required" in again.content.decode()
    assert _statuses(submitted) == ["submitted", "submitted"]
    client.post(ASSESSMENTS, _confirmed("return_selected", submitted, comment="Thiếu minh chứng"))
    assert _statuses(submitted) == ["returned", "returned"]
    comments = WorkflowStep.objects.filter(assessment__in=submitted, action="return")
    assert {step.comment for step in comments} == {"Thiếu minh chứng"}


def test_the_review_actions_are_offered_to_approvers_only(client, cast, admin_client, submitted):
    client.force_login(_staff(cast.approver_74))
    offered = client.get(ASSESSMENTS).context["action_form"].fields["action"].choices
    names = {name for name, _label in offered}
    assert {"approve_selected", "return_selected", "rescore_selected"} <= names


def test_rescoring_the_selected_leaves_approved_results_alone(client, cast, submitted):
    approved, open_one = submitted
    move(assessment=approved, action="approve", version=approved.version)
    Assessment.objects.filter(pk__in=[a.pk for a in submitted]).update(criteria_met=0)
    client.force_login(_staff(cast.national))
    done = client.post(ASSESSMENTS, _chosen("rescore_selected", submitted), follow=True)
    assert "1 open assessment rescored" in done.content.decode()
    assert Assessment.objects.get(pk=approved.pk).criteria_met == 0  # as it was approved
    assert Assessment.objects.get(pk=open_one.pk).criteria_met > 0
