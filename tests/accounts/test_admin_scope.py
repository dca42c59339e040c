"""Django admin for the people who review, through the portal's access policy: the national
office reads everything; a provincial approver reads the reference data and its own
province's work, and another province's rows are not there for it (404); officers and
viewers use the pages, not the admin."""

import datetime

import pytest

from communes.models import Commune
from criteria.models import Recognition, Target
from criteria.services import (
    attach_evidence,
    close_year,
    create_assessment,
    open_commune_by_exception,
    save_values,
)
from ocop import services as ocop
from tests.criteria.files import PDF, upload
from tests.ocop.builders import evaluate

pytestmark = pytest.mark.django_db

SCOPED = [
    "criteria/assessment",
    "criteria/assessmentvalue",
    "criteria/evidence",
    "criteria/yearclosure",
    "criteria/closureexception",
    "criteria/recognition",
    "criteria/target",
    "ocop/producer",
    "ocop/product",
    "ocop/evaluation",
]
REFERENCE = [
    "communes/region",
    "communes/province",
    "communes/district",
    "communes/commune",
    "communes/kindchange",
    "communes/lineage",
    "criteria/criteriaset",
    "criteria/level",
    "criteria/criterion",
    "criteria/measure",
    "criteria/indicator",
    "criteria/threshold",
    "criteria/communeclass",
    "criteria/edition",
]


def staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def _work_of(commune, small_set, n: int, year: int = 2024) -> dict:
    """One row of each kind of a province's work, in this commune."""
    assessment = create_assessment(commune=commune, year=2023)
    save_values(assessment=assessment, values={"plan": True}, version=1)
    evidence = attach_evidence(
        assessment=assessment, measure_code="plan", upload=upload("qd.pdf", PDF)
    )
    closure = close_year(province=commune.province, year=year)
    exception = open_commune_by_exception(closure=closure, commune=commune, reason="Sửa")
    standard = small_set.levels.get(code="standard")
    recognition = Recognition.objects.create(
        commune=commune,
        level=standard,
        title_year=2023,
        decision_number=f"{n}/QĐ-UBND",
        decision_date=datetime.date(2024, 1, 10),
        issuer="UBND tỉnh",
    )
    target = Target.objects.create(province=commune.province, year=year, level=standard, count=3)
    producer = ocop.create_producer(name=f"HTX {n}", kind="cooperative", commune=commune)
    product = ocop.create_product(producer=producer, name=f"Sản phẩm {n}", group="food")
    evaluation = evaluate(product, datetime.date.today() - datetime.timedelta(days=30 + n))
    return {
        "criteria/assessment": assessment,
        "criteria/assessmentvalue": assessment.values.first(),
        "criteria/evidence": evidence,
        "criteria/yearclosure": closure,
        "criteria/closureexception": exception,
        "criteria/recognition": recognition,
        "criteria/target": target,
        "ocop/producer": producer,
        "ocop/product": product,
        "ocop/evaluation": evaluation,
    }


@pytest.fixture
def work(small_set, bach_dang, lang_son_commune):
    """The same work in Bình Dương (74) and Lạng Sơn (20)."""
    return {"74": _work_of(bach_dang, small_set, 1), "20": _work_of(lang_son_commune, small_set, 2)}


def _listed(response) -> set:
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.mark.parametrize("model", SCOPED)
def test_a_provincial_approver_lists_and_opens_only_its_province(client, cast, work, model):
    client.force_login(staff(cast.approver_74))
    response = client.get(f"/admin/{model}/")
    assert response.status_code == 200
    assert _listed(response) == {work["74"][model].pk}
    own, other = work["74"][model].pk, work["20"][model].pk
    for page in ("change", "history"):
        assert client.get(f"/admin/{model}/{own}/{page}/").status_code == 200
    for page in ("change", "history"):
        assert client.get(f"/admin/{model}/{other}/{page}/").status_code == 404
    # as a row that does not exist
    assert client.get(f"/admin/{model}/987654/change/").status_code == 404


@pytest.mark.parametrize("model", SCOPED)
def test_the_national_office_lists_every_province(client, cast, work, model):
    client.force_login(staff(cast.national))
    response = client.get(f"/admin/{model}/")
    assert response.status_code == 200
    assert _listed(response) == {work["74"][model].pk, work["20"][model].pk}
    assert client.get(f"/admin/{model}/{work['20'][model].pk}/change/").status_code == 200
    # A malformed id is a row not found, not a 500 from the history's lookup.
    for page in ("history", "history/1"):
        assert client.get(f"/admin/{model}/abc/{page}/").status_code == 404


@pytest.mark.parametrize("role", ["viewer_74", "officer_74", "no_role"])
@pytest.mark.parametrize("model", SCOPED + REFERENCE)
def test_officers_and_viewers_do_not_use_the_admin(client, cast, small_set, role, model):
    client.force_login(staff(getattr(cast, role)))
    assert client.get(f"/admin/{model}/").status_code == 403


@pytest.mark.parametrize("model", REFERENCE)
def test_reference_data_is_read_by_an_approver_and_not_changed(client, cast, small_set, model):
    client.force_login(staff(cast.approver_74))
    assert client.get(f"/admin/{model}/").status_code == 200
    assert client.get(f"/admin/{model}/add/").status_code == 403


def test_a_criteria_set_is_read_not_changed_by_an_approver(client, cast, small_set):
    client.force_login(staff(cast.approver_74))
    url = f"/admin/criteria/criteriaset/{small_set.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and "Nâng cao" in page.content.decode()  # its levels inline
    assert client.post(url, {"name_vi": "Đổi"}).status_code == 403
    small_set.refresh_from_db()
    assert small_set.name_vi == "Bộ thử"


def test_scoped_rows_stay_read_only_for_an_approver(client, cast, work):
    client.force_login(staff(cast.approver_74))
    producer = work["74"]["ocop/producer"]
    assert client.post(f"/admin/ocop/producer/{producer.pk}/change/", {}).status_code == 403
    assert client.get("/admin/ocop/producer/add/").status_code == 403
    target = work["74"]["criteria/target"]
    assert client.post(f"/admin/criteria/target/{target.pk}/delete/").status_code == 403
    assert Target.objects.filter(pk=target.pk).exists()


def _index_models(response) -> set[str]:
    return {
        f"{app['app_label']}/{model['object_name'].lower()}"
        for app in response.context["app_list"]
        for model in app["models"]
    }


def test_the_admin_index_shows_an_approver_only_what_it_may_read(client, cast, small_set):
    client.force_login(staff(cast.approver_74))
    response = client.get("/admin/")
    assert response.status_code == 200
    programme = [
        f"programme/{name}"
        for name in (
            "funding",
            "work",
            "productionmodel",
            "hamlettitle",
            "yearplan",
            "historicalfigure",
            "fundingsource",
            "workkind",
        )
    ]  # its own province's records (tests/programme/test_admin.py); not the steps
    assert _index_models(response) == set(SCOPED + REFERENCE + programme)
    assert client.get("/admin/accounts/").status_code in (200, 404)
    assert client.get("/admin/accounts/securityevent/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403
    assert client.get("/admin/auth/user/").status_code == 403


def test_the_national_office_reads_the_security_log_and_not_the_accounts(client, cast):
    client.force_login(staff(cast.national))
    assert "accounts/securityevent" in _index_models(client.get("/admin/"))
    assert client.get("/admin/accounts/securityevent/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.post("/admin/auth/group/add/", {"name": "x"}).status_code == 403


def test_an_officer_with_a_staff_login_reads_nothing_in_the_admin(client, cast):
    client.force_login(staff(cast.officer_74))
    assert _index_models(client.get("/admin/")) == set()
    assert client.get("/admin/communes/commune/").status_code == 403


def test_an_approver_changelist_costs_fixed_queries(
    client, cast, small_set, bach_dang, django_assert_max_num_queries
):
    client.force_login(staff(cast.approver_74))
    communes = list(Commune.objects.rural().filter(structure="2021", province__code="74")[:6])
    create_assessment(commune=communes[0], year=2023)
    # a superuser's list costs 13; the approver's portal role is read as well
    with django_assert_max_num_queries(15) as one:
        client.get("/admin/criteria/assessment/")
    for commune in communes[1:]:
        create_assessment(commune=commune, year=2023)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get("/admin/criteria/assessment/")
    assert len(_listed(response)) == 6


@pytest.mark.parametrize("model", SCOPED)
def test_an_approver_list_costs_the_same_queries_for_one_row_or_more(
    client, cast, work, small_set, model, django_assert_max_num_queries
):
    client.force_login(staff(cast.approver_74))
    client.get(f"/admin/{model}/")  # the session renewed once
    with django_assert_max_num_queries(40) as one:
        assert len(_listed(client.get(f"/admin/{model}/"))) == 1
    more = Commune.objects.rural().filter(structure="2021", province__code="74")
    for n, commune in enumerate(more.exclude(code="25930")[:2], start=3):
        _work_of(commune, small_set, n, year=2019 + n)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(_listed(client.get(f"/admin/{model}/"))) >= 3


def test_a_malformed_id_in_any_admin_history_is_not_found_not_a_500(admin_client, small_set):
    """simple_history's lookup raised on "abc" for a numeric key (the users', kind changes'
    and every scoped history): a 500. Django's own history redirects, as for a missing row."""
    from django.contrib import admin

    answered = {}
    for model, model_admin in admin.site._registry.items():
        if hasattr(model_admin, "history_view"):
            base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/abc/history/"
            for url in (base, base + "1/"):
                answered[url] = admin_client.get(url).status_code
    assert "/admin/auth/user/abc/history/1/" in answered
    assert {url: code for url, code in answered.items() if code not in (302, 404)} == {}
