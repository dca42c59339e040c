"""The national office reviews criteria sets and assessments in Django admin."""

import pytest

from communes.models import Commune
from criteria.models import Evidence, Threshold, YearClosure
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
    # session, user, two counts, the page with communes and provinces joined, filter sidebars
    with django_assert_max_num_queries(10):
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
