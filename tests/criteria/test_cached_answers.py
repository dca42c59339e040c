"""An assessment's detail and the pages of the assessments', communes' and OCOP products'
lists from the cache, never stale (core.answers under stats.freshness's count of writes): the
second read is one query; any committed write they read, by any path, is seen by the next read;
users who see different things never share an entry."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import answers
from criteria.models import AssessmentValue, Threshold
from criteria.services import create_assessment, move, save_values
from stats import freshness
from tests.criteria.builders import approved

pytestmark = pytest.mark.django_db

URL = "/api/v1/assessments/"


@pytest.fixture
def draft(cast, small_set, bach_dang):
    """Bạch Đằng (74, Southeast: income >= 50), 2023: entered and submitted by its officer."""
    assessment = create_assessment(commune=bach_dang, year=2023, user=cast.officer_74)
    save_values(
        assessment=assessment,
        values={"income": 45, "irrigation": 85, "plan": True},
        version=1,
        user=cast.officer_74,
    )
    return move(assessment=assessment, action="submit", version=2, user=cast.officer_74)


def _detail(client, assessment, status=200, **params):
    response = client.get(f"{URL}{assessment.pk}/", params)
    assert response.status_code == status, response.content
    return response.json()


def test_the_second_read_is_one_query(api, small_set, bach_dang, django_assert_num_queries):
    assessment = approved(bach_dang, {"income": 55, "irrigation": 85, "plan": True})
    client = api()
    first = _detail(client, assessment)
    assert first["level"] == "standard" and first["values"]["income"]["value"] == 55
    with django_assert_num_queries(1):  # the count of writes; nothing built again
        assert _detail(client, assessment) == first


def test_without_a_version_every_read_is_built(api, small_set, bach_dang, monkeypatch):
    assessment = approved(bach_dang, {"income": 55, "irrigation": 85, "plan": True})
    monkeypatch.setattr(answers, "_provider", [])
    client = api()
    _detail(client, assessment)
    with CaptureQueriesContext(connection) as queries:
        _detail(client, assessment)
    assert len(queries) > 3  # read again: the assessment, its values, its steps...


def test_a_saved_value_is_read_at_once(api, cast, draft):
    client = api(cast.officer_74)
    assert _detail(client, draft)["values"]["income"]["value"] == 45
    move(assessment=draft, action="return", version=3, user=cast.approver_74, comment="Sửa")
    save_values(assessment=draft, values={"income": 65}, version=4, user=cast.officer_74)
    after = _detail(client, draft)
    assert after["values"]["income"]["value"] == 65
    assert after["status"] == "returned" and after["version"] == 5
    advanced = after["result"]["levels"][1]
    assert advanced["code"] == "advanced" and advanced["criteria_met"] == 1  # income >= 60 now


def test_a_write_by_raw_sql_is_read_at_once(api, cast, draft):
    """No write path can forget it: the count is kept by triggers, not by the services."""
    client = api(cast.officer_74)
    assert _detail(client, draft)["values"]["irrigation"]["value"] == 85
    value = AssessmentValue.objects.get(assessment=draft, measure__code="irrigation")
    with connection.cursor() as cursor:
        table = AssessmentValue._meta.db_table
        cursor.execute(f"UPDATE {table} SET number = 70 WHERE id = %s", [value.pk])
    after = _detail(client, draft)
    assert after["values"]["irrigation"]["value"] == 70
    statuses = {c["code"]: c["status"] for c in after["result"]["levels"][0]["criteria"]}
    assert statuses["2"] == "not_met"  # the live breakdown scored the new value


def test_a_changed_threshold_is_read_at_once(api, cast, draft):
    client = api(cast.officer_74)

    def income_met(detail):
        standard = detail["result"]["levels"][0]
        return {c["code"]: c["status"] for c in standard["criteria"]}["1"]

    assert income_met(_detail(client, draft)) == "not_met"  # 45 < 50 in the Southeast
    Threshold.objects.filter(
        indicator__code="1.1", indicator__criterion__level__code="standard", scope="class"
    ).update(value=Decimal("44"))
    assert income_met(_detail(client, draft)) == "met"


def test_a_step_and_a_renamed_user_are_read_at_once(api, cast, draft):
    client = api(cast.approver_74)
    assert [s["user"] for s in _detail(client, draft)["steps"]] == ["officer_74"] * 2
    move(assessment=draft, action="approve", version=3, user=cast.approver_74)
    steps = _detail(client, draft)["steps"]
    assert [s["action"] for s in steps][-1] == "approve"
    get_user_model().objects.filter(pk=cast.officer_74.pk).update(username="can_bo_74")
    assert _detail(client, draft)["steps"][0]["user"] == "can_bo_74"


def test_a_login_leaves_the_cache_alone(api, cast, draft, django_assert_num_queries):
    """A user's last login is written on every login: it is not what the detail shows, so it
    does not count as a change (else each login would empty the cache)."""
    client = api(cast.officer_74)
    before = freshness.version()
    _detail(client, draft)
    get_user_model().objects.filter(pk=cast.approver_74.pk).update(last_login="2026-01-01T00:00Z")
    assert freshness.version() == before


def test_the_public_never_gets_what_the_staff_see(api, cast, draft):
    """The staff's answer is kept first; the public, users of another province and a login with
    no role still get theirs: no draft, no names."""
    assert _detail(api(cast.officer_74), draft)["steps"][0]["user"] == "officer_74"
    for who in (None, cast.officer_20, cast.no_role):
        _detail(api(who), draft, status=404)  # a submitted assessment is the province's own
    move(assessment=draft, action="approve", version=3, user=cast.approver_74)
    assert _detail(api(cast.national), draft)["steps"][-1]["user"] == "approver_74"
    for who in (None, cast.officer_20, cast.no_role):
        steps = _detail(api(who), draft)["steps"]
        assert [s["user"] for s in steps] == [None] * 3  # create, submit, approve
    assert _detail(api(cast.viewer_74), draft)["steps"][-1]["user"] == "approver_74"


def test_a_404_is_not_kept(api, cast, draft):
    _detail(api(), draft, status=404)
    move(assessment=draft, action="approve", version=3, user=cast.approver_74)
    assert _detail(api(), draft)["status"] == "approved"


def test_a_lookup_narrowed_by_filters_is_read_each_time(api, small_set, bach_dang):
    assessment = approved(bach_dang, {"income": 55, "irrigation": 85, "plan": True})
    client = api()
    assert _detail(client, assessment)["year"] == 2023
    _detail(client, assessment, status=404, year=2022)  # not the one asked for
    assert _detail(client, assessment, year=2023)["year"] == 2023


# --- the lists' pages ----------------------------------------------------------------------

LISTS = (
    "/api/v1/assessments/?year=2023",
    "/api/v1/communes/?year=2023&province=74&page_size=500",
    "/api/v1/ocop/products/?page_size=500",  # its freshness: tests/ocop/test_api.py
)


def _page(client, path, status=200, **extra):
    response = client.get(path, **extra)
    assert response.status_code == status, response.content
    return response.json()


@pytest.mark.parametrize("path", LISTS)
def test_a_page_read_again_is_one_query(api, cast, draft, path, django_assert_num_queries):
    client = api(cast.officer_74)
    first = _page(client, path)
    with django_assert_num_queries(1):
        assert _page(client, path) == first


def test_a_step_is_on_the_next_page_read(api, cast, draft):
    """The staff's page shows the submitted assessment; the public's shows none; once
    approved, both show it at once."""
    staff, public = api(cast.officer_74), api()
    (row,) = _page(staff, LISTS[0])["results"]
    assert row["status"] == "submitted"
    assert _page(public, LISTS[0])["results"] == []
    communes = {r["code"]: r for r in _page(public, LISTS[1])["results"]}
    assert communes["25930"]["assessment"] is None

    move(assessment=draft, action="approve", version=3, user=cast.approver_74)

    assert [r["status"] for r in _page(staff, LISTS[0])["results"]] == ["approved"]
    assert [r["status"] for r in _page(public, LISTS[0])["results"]] == ["approved"]
    communes = {r["code"]: r for r in _page(public, LISTS[1])["results"]}
    assert communes["25930"]["assessment"]["status"] == "approved"


def test_a_raw_write_is_on_the_next_page_read(api, cast, draft):
    client = api(cast.officer_74)
    assert _page(client, LISTS[0])["results"][0]["level"] == "none"
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE criteria_assessment SET level = 'advanced' WHERE id = %s", [draft.pk]
        )
    assert _page(client, LISTS[0])["results"][0]["level"] == "advanced"
    communes = {r["code"]: r for r in _page(client, LISTS[1])["results"]}
    assert communes["25930"]["assessment"]["level"] == "advanced"


def test_each_host_gets_its_own_links(api, cast, draft):
    """The page names the next one by its full address: a page built for one host is never
    served to another."""
    client = api(cast.national)
    path = "/api/v1/communes/?year=2023&province=74&page_size=2"
    one = _page(client, path, HTTP_HOST="localhost")
    other = _page(client, path, HTTP_HOST="127.0.0.1")
    assert one["next"].startswith("http://localhost/")
    assert other["next"].startswith("http://127.0.0.1/")


def test_a_bad_query_is_answered_each_time(api, cast, draft):
    client = api()
    for _ in range(2):
        body = _page(client, "/api/v1/communes/?level=standard", status=400)
        assert "Give a year" in str(body)


@pytest.mark.parametrize("path", ["detail", *LISTS])
def test_every_table_the_answers_read_is_watched(api, cast, draft, path, monkeypatch):
    """Each table a cached answer is built from has its triggers (or none could change it): a
    table added to an answer without a trigger would serve it stale."""
    move(assessment=draft, action="approve", version=3, user=cast.approver_74)
    monkeypatch.setattr(answers, "_provider", [])  # built each time: every read is seen
    path = f"{URL}{draft.pk}/" if path == "detail" else path
    tables = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    with CaptureQueriesContext(connection) as queries:
        for who in (None, cast.approver_74):
            assert api(who).get(path).status_code == 200
    read = {
        table
        for query in queries.captured_queries
        for table in tables
        if f'"{table}"' in query["sql"]
    }
    # Read but never changed by users (fixtures only), or read for the login, not the answer.
    unwatched = {"communes_region", "accounts_portalaccess"}
    watched = set(freshness.TABLES) | set(freshness.COLUMNS)
    assert read - unwatched <= watched, read - unwatched - watched
    # The check looks at the real queries.
    assert ("ocop_product" if "ocop" in path else "criteria_assessment") in read
    if path.endswith(f"{draft.pk}/"):
        assert {"criteria_assessmentvalue", "criteria_workflowstep"} <= read


def test_users_of_one_sight_see_the_same(cast, draft, lang_son_commune):
    """Access.sight names what an answer may be shared by: users with the same sight must see
    the same rows (visible_work) and the same staff details (sees_staff_details), else one of
    them would be served what the other may see. Held here against the policy itself, so a
    change to it that splits a sight fails."""
    from accounts.access import ANONYMOUS, access_for, visible_work
    from communes.models import Province
    from criteria.models import Assessment

    create_assessment(commune=lang_son_commune, year=2023, user=cast.officer_20)
    approved(lang_son_commune, {"income": 55}, year=2024)
    provinces = list(Province.objects.values_list("pk", flat=True))
    users = [None, *vars(cast).values()]
    seen_by: dict[str, set] = {}
    for user in users:
        access = access_for(user) if user else ANONYMOUS
        rows = frozenset(Assessment.objects.filter(visible_work(access)).values_list("pk"))
        staff = frozenset(pk for pk in provinces if access.sees_staff_details(pk))
        seen_by.setdefault(access.sight, set()).add((rows, staff))
    assert all(len(seen) == 1 for seen in seen_by.values()), seen_by.keys()
    assert {"public", "country", "province:" + str(draft.commune.province_id)} <= set(seen_by)
