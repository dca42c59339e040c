"""Editions and thresholds through the API, as the national office and a province's approvers
meet them: drafting, checking at the row, importing, previewing, publishing and re-judging;
who may write what; what a client reads of the edition a result was scored under."""

import datetime
import io
from urllib.parse import urlencode

import pytest
from openpyxl import Workbook

from communes.models import Province
from criteria.models import Assessment, Edition, EditionChange, Indicator, Threshold
from criteria.services import create_assessment, move, save_values
from criteria.services.editions import draft_edition
from tests.criteria.builders import first_edition
from tests.criteria.files import upload

# Its module fixtures are built once: its tests stay on one worker (make test: --dist loadgroup).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("criteria.test_editions_api")]

EDITIONS = "/api/v1/editions/"
THRESHOLDS = "/api/v1/thresholds/"
SET = "TEST-2021-2025"
PASSING = {"income": 55, "irrigation": 85, "plan": True}
REGIONS = "btb, dbscl, dbsh, dhntb, dnb, tdmnpb, tn"
DECISION = {"decision_number": "211/QĐ-TTg", "decision_date": "2024-03-01"}
NATIONAL_ONLY = "Only the national office drafts, checks and publishes editions."


def threshold(**data) -> dict:
    base = {
        "level": "standard",
        "indicator": "1.1",
        "scope": "national",
        "value": "60",
        "first_year": 2024,
        "last_year": 2025,
        "source": "Quyết định 211/QĐ-TTg",
        "verified": True,
    }
    return {**base, **data}


def add(**data) -> dict:
    return {"kind": "add_threshold", "data": threshold(**data), "reason": "211/QĐ-TTg"}


def end_in_2023(row: Threshold) -> dict:
    return {"kind": "change_threshold", "threshold_id": row.pk, "data": {"last_year": 2023}}


def income(scope="national", class_value="") -> Threshold:
    """A standard income row of the small set, as first loaded (from 2021)."""
    return Threshold.objects.get(
        indicator__criterion__level__code="standard",
        indicator__code="1.1",
        scope=scope,
        class_value=class_value,
        first_year=2021,
    )


def assess(commune, year, approve=False) -> Assessment:
    assessment = create_assessment(commune=commune, year=year)
    save_values(assessment=assessment, values=PASSING, version=1)
    if approve:
        move(assessment=assessment, version=assessment.version, action="submit")
        move(assessment=assessment, version=assessment.version, action="approve")
    return Assessment.objects.get(pk=assessment.pk)


def written() -> tuple[int, int, int]:
    """What a refused request must leave as it was."""
    return EditionChange.objects.count(), Threshold.objects.count(), Threshold.history.count()


@pytest.fixture
def edition_1(small_set):
    return first_edition(small_set)


@pytest.fixture
def national(api, cast):
    return api(cast.national)


@pytest.fixture
def draft(national, edition_1) -> dict:
    body = {"criteria_set": SET, "title": "Thu nhập 2024-2025", "first_year": 2024}
    response = national.post(EDITIONS, {**body, "last_year": 2025}, format="json")
    assert response.status_code == 201
    return response.json()


@pytest.fixture
def two_communes(small_set, bach_dang, lang_son_commune):
    """2024: Bạch Đằng's open assessment, a Lạng Sơn commune's approved one; both standard."""
    return assess(bach_dang, 2024), assess(lang_son_commune, 2024, approve=True)


# --- drafting, checking, previewing, publishing, re-judging -----------------------------------


def test_a_draft_is_opened_with_its_years_and_no_number(draft, cast):
    assert (draft["criteria_set"], draft["status"], draft["number"]) == (SET, "draft", None)
    assert (draft["years"], draft["created_by"], draft["changes"]) == ([2024, 2025], "national", [])


def test_one_bad_change_refuses_them_all_at_its_row(national, draft):
    before = written()
    changes = [add(scope="class", class_value="dbsh"), add(scope="class", class_value="DBSH")]
    response = national.post(f"{EDITIONS}{draft['id']}/changes/", {"changes": changes}, "json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "row 2": [f"class_value: “DBSH” is not one of the set's classes: {REGIONS}."]
    }
    assert written() == before


@pytest.fixture
def changed(national, draft, two_communes):
    """The draft with the income thresholds raised to 60 from 2024, nationally and in the
    Southeast (the old rows end in 2023)."""
    changes = [
        end_in_2023(income()),
        add(),
        end_in_2023(income("class", "dnb")),
        add(scope="class", class_value="dnb"),
    ]
    response = national.post(f"{EDITIONS}{draft['id']}/changes/", {"changes": changes}, "json")
    assert response.status_code == 201
    return response.json()


def test_changes_are_added_with_old_and_new_rows(changed, draft, national):
    assert [c["kind"] for c in changed] == ["change_threshold", "add_threshold"] * 2
    ended = changed[0]
    assert (ended["threshold"], ended["by"]) == (income().pk, "national")
    assert (ended["before"]["last_year"], ended["data"]["last_year"]) == (2025, 2023)
    assert changed[1]["data"]["value"] == "60" and changed[1]["before"] == {}
    detail = national.get(f"{EDITIONS}{draft['id']}/").json()
    assert [c["id"] for c in detail["changes"]] == [c["id"] for c in changed]
    assert national.get(f"{EDITIONS}{draft['id']}/check/").json() == {"errors": {}}


def test_the_preview_counts_what_publishing_would_change(changed, draft, national, two_communes):
    open_one, approved = two_communes
    preview = national.get(f"{EDITIONS}{draft['id']}/preview/").json()
    assert (preview["checked"], preview["errors"]) == (2, {})
    assert preview["by_province"] == [
        {
            "province_code": "74",
            "province_name": open_one.commune.province.name,
            "changes": 1,
        }
    ]
    assert [(c["assessment"], c["old"], c["new"]) for c in preview["changes"]] == [
        (open_one.pk, "standard", "none")
    ]
    assert [(c["assessment"], c["status"], c["new"]) for c in preview["if_rejudged"]] == [
        (approved.pk, "approved", "none")
    ]
    assert Assessment.objects.get(pk=open_one.pk).level == "standard"  # nothing written


@pytest.fixture
def published(changed, draft, national) -> dict:
    response = national.post(f"{EDITIONS}{draft['id']}/publish/", DECISION, "json")
    assert response.status_code == 200
    return response.json()


def test_publishing_numbers_the_edition_and_rescores_open_results(
    published, national, two_communes
):
    open_one, approved = two_communes
    assert (published["status"], published["number"], published["rescored"]) == (
        "published",
        2,
        1,
    )
    assert (published["decision_number"], published["decision_date"]) == (
        "211/QĐ-TTg",
        "2024-03-01",
    )
    assert published["published_at"] and published["years"] == [2024, 2025]
    detail = national.get(f"/api/v1/assessments/{open_one.pk}/").json()
    assert (detail["level"], detail["edition"], detail["result"]["level"]) == ("none", 2, "none")
    assert detail["result_basis"] == {
        "stored_edition": 2,
        "edition_in_force": 2,
        "breakdown": "live",
        "rejudge_pending": False,
    }
    assert income().last_year == 2023


def test_an_approved_result_keeps_its_edition_until_re_judged(published, national, two_communes):
    _, approved = two_communes
    url = f"/api/v1/assessments/{approved.pk}/"
    detail = national.get(url).json()
    assert (detail["level"], detail["edition"], detail["result"]["level"]) == (
        "standard",
        1,
        "standard",
    )
    assert detail["result_basis"] == {
        "stored_edition": 1,
        "edition_in_force": 2,
        "breakdown": "edition 1 (approved under it)",
        "rejudge_pending": True,
    }
    listed = national.get("/api/v1/assessments/", {"status": "approved"}).json()["results"]
    assert [(a["id"], a["edition"]) for a in listed] == [(approved.pk, 1)]

    body = {"criteria_set": SET, "year": 2024, "reason": "Áp dụng 211/QĐ-TTg"}
    response = national.post(f"{EDITIONS}rejudge/", body, "json")

    assert response.status_code == 200
    assert response.json() == [
        {
            "assessment": approved.pk,
            "commune_code": approved.commune.code,
            "old": "standard",
            "new": "none",
        }
    ]
    detail = national.get(url).json()
    assert (detail["level"], detail["edition"]) == ("none", 2)
    assert detail["result_basis"]["breakdown"] == "live"
    assert detail["steps"][-1]["action"] == "rejudge"


def test_re_judging_needs_a_reason_and_an_edition_of_the_year(national, edition_1):
    body = {"criteria_set": SET, "year": 2024, "reason": " "}
    assert national.post(f"{EDITIONS}rejudge/", body, "json").json()["errors"] == {
        "reason": ["Say why these approved results are judged again."]
    }
    body = {"criteria_set": "NOPE", "year": 2024, "reason": "x"}
    response = national.post(f"{EDITIONS}rejudge/", body, "json")
    assert response.json()["errors"] == {"criteria_set": ["No criteria set has the code NOPE."]}


def test_the_criteria_set_says_which_edition_its_rules_stand_at(published, api):
    detail = api().get(f"/api/v1/criteria-sets/{SET}/").json()
    assert detail["edition"]["number"] == 2
    assert detail["edition"]["decision_date"] == "2024-03-01"
    assert detail["edition"]["title"] == "Thu nhập 2024-2025"
    assert detail["editions_in_force"] == {
        "2021": 1,
        "2022": 1,
        "2023": 1,
        "2024": 2,
        "2025": 2,
    }
    listed = api().get("/api/v1/criteria-sets/").json()
    assert [(s["code"], s["edition"]["number"]) for s in listed] == [(SET, 2)]


def test_the_criteria_set_list_costs_three_queries(
    api, small_set, edition_1, django_assert_num_queries
):
    # The sets, their levels, and the newest published edition of each.
    with django_assert_num_queries(3):
        listed = api().get("/api/v1/criteria-sets/").json()
    assert listed[0]["edition"]["number"] == 1


def test_a_set_with_no_edition_yet_says_so(api, small_set):
    assert api().get(f"/api/v1/criteria-sets/{SET}/").json()["edition"] is None


def test_publishing_needs_the_decision(national, changed, draft):
    url = f"{EDITIONS}{draft['id']}/publish/"
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    response = national.post(url, {"decision_number": "1/QĐ", "decision_date": tomorrow}, "json")
    assert response.json()["errors"] == {
        "decision_date": ["The decision's date cannot be in the future."]
    }
    response = national.post(url, {"decision_number": " ", "decision_date": "2024"}, "json")
    assert set(response.json()["errors"]) == {"decision_date"}
    assert Edition.objects.get(pk=draft["id"]).status == "draft"


def test_a_change_is_removed_and_a_discarded_draft_takes_no_more(national, changed, draft):
    url = f"{EDITIONS}{draft['id']}/changes/"
    assert national.delete(f"{url}{changed[1]['id']}/").status_code == 204
    assert national.delete(f"{url}{changed[1]['id']}/").status_code == 404
    assert EditionChange.objects.filter(edition_id=draft["id"]).count() == 3
    discarded = national.post(f"{EDITIONS}{draft['id']}/discard/")
    assert discarded.json()["status"] == "discarded"
    again = national.post(url, {"changes": [add(scope="class", class_value="tn")]}, "json")
    assert again.json()["errors"] == {
        "edition": ["This edition is no longer a draft: it was discarded."]
    }
    assert national.get(f"{EDITIONS}{draft['id']}/check/").status_code == 400


def test_a_second_draft_of_the_set_is_refused(national, draft):
    body = {"criteria_set": SET, "title": "Khác", "first_year": 2021, "last_year": 2025}
    response = national.post(EDITIONS, body, "json")
    assert response.status_code == 400
    assert "already has a draft edition" in response.json()["errors"]["edition"][0]


# --- files ------------------------------------------------------------------------------------

HEADER = ["level", "indicator", "scope", "class_value", "value", "first_year", "last_year"]
HEADER += ["source", "verified"]
GOOD = ["standard", "1.1", "class", "dbsh", "45", "2024", "2025", "QĐ 211", "1"]
BAD = ["standard", "2.1", "national", "", "150", "2024", "2025", "QĐ 211", "1"]


def csv_file(rows, name="nguong.csv"):
    text = "\n".join(",".join(str(cell) for cell in row) for row in [HEADER, *rows])
    return upload(name, text.encode("utf-8"), "text/csv")


def xlsx_file(rows, name="nguong.xlsx"):
    book = Workbook()
    for row in [HEADER, *rows]:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return upload(name, buffer.getvalue())


@pytest.mark.parametrize("build", [csv_file, xlsx_file])
def test_a_file_with_a_bad_row_is_refused_at_that_row(national, draft, build):
    before = written()
    url = f"{EDITIONS}{draft['id']}/import/"
    response = national.post(url, {"file": build([GOOD, BAD])}, format="multipart")
    assert response.status_code == 400
    # The header is row 1: the second threshold is row 3.
    assert response.json()["errors"] == {"row 3": ["value: A percentage is between 0 and 100."]}
    assert written() == before


@pytest.mark.parametrize("build", [csv_file, xlsx_file])
def test_a_file_adds_its_rows_to_the_draft(national, draft, build):
    url = f"{EDITIONS}{draft['id']}/import/"
    tn = [*GOOD[:3], "tn", *GOOD[4:]]
    response = national.post(url, {"file": build([GOOD, tn])}, format="multipart")
    assert response.status_code == 201
    rows = [(c["kind"], c["data"]["class_value"], c["data"]["value"]) for c in response.json()]
    assert rows == [("add_threshold", "dbsh", "45"), ("add_threshold", "tn", "45")]


@pytest.mark.parametrize(
    ("file", "errors"),
    [
        (csv_file([GOOD], name="nguong.txt"), {"file": ["Upload a .csv or .xlsx file."]}),
        (
            upload("nguong.xlsx", b"not a workbook"),
            {"file": ["The file is not a readable .xlsx workbook."]},
        ),
        (
            upload("nguong.csv", b"level,indicator\nstandard,1.1\n"),
            {"file": ["The first row must name the columns; missing: scope, source."]},
        ),
        # A year the service would turn into an integer of ten million digits.
        (
            csv_file([[*GOOD[:5], "1e9999999", *GOOD[6:]]]),
            {"row 2": ["first_year: give a whole number such as 2024."]},
        ),
    ],
)
def test_a_malformed_file_is_refused_clearly(national, draft, file, errors):
    response = national.post(f"{EDITIONS}{draft['id']}/import/", {"file": file}, "multipart")
    assert (response.status_code, response.json()["errors"]) == (400, errors)
    assert not EditionChange.objects.exists()


# --- who may do what --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("no_role", 403), ("officer_74", 403), ("approver_74", 403)],
)
def test_only_the_national_office_writes_editions(api, cast, edition_1, small_set, who, status):
    draft = draft_edition(
        criteria_set=small_set, title="Nháp", first_year=2024, last_year=2025, user=cast.national
    )
    change = EditionChange.objects.create(edition=draft, kind="add_threshold", data={})
    client = api(getattr(cast, who) if who else None)
    url = f"{EDITIONS}{draft.pk}/"
    responses = [
        client.post(EDITIONS, {"criteria_set": SET, "title": "x", "first_year": 2021}, "json"),
        client.post(f"{url}changes/", {"changes": [add(scope="class", class_value="tn")]}, "json"),
        client.delete(f"{url}changes/{change.pk}/"),
        client.post(f"{url}import/", {"file": csv_file([GOOD])}, format="multipart"),
        client.post(f"{url}publish/", DECISION, "json"),
        client.post(f"{url}discard/"),
        client.post(f"{EDITIONS}rejudge/", {"criteria_set": SET, "year": 2024, "reason": "x"}),
    ]
    assert [r.status_code for r in responses] == [status] * len(responses)
    if status == 403:
        assert {r.json()["message"] for r in responses[:-1]} == {NATIONAL_ONLY}
        assert (
            responses[-1].json()["message"]
            == "Only the national office re-judges approved results."
        )
    draft.refresh_from_db()
    assert (draft.status, draft.changes.count(), Edition.objects.count()) == ("draft", 1, 2)


def test_drafts_are_the_national_offices_own(api, cast, draft, national):
    published = Edition.objects.get(number=1)
    for client in (api(), api(cast.officer_74), api(cast.approver_74)):
        listed = client.get(EDITIONS).json()["results"]
        assert [e["id"] for e in listed] == [published.pk]
        assert client.get(f"{EDITIONS}{draft['id']}/").status_code == 404
        assert client.get(f"{EDITIONS}{draft['id']}/preview/").status_code == 404
    listed = national.get(EDITIONS, {"criteria_set": SET}).json()["results"]
    assert [e["id"] for e in listed] == [draft["id"], published.pk]
    assert [e["id"] for e in national.get(EDITIONS, {"status": "draft"}).json()["results"]] == [
        draft["id"]
    ]
    assert national.get(EDITIONS, {"status": "nope"}).status_code == 400


# --- a province's own numbers -----------------------------------------------------------------

OWN = {
    "criteria_set": SET,
    "level": "standard",
    "indicator": "1.1",
    "scope": "province",
    "province": "74",
    "value": "60",
    "first_year": 2024,
    "last_year": 2025,
    "source": "Quyết định 12/2024/QĐ-UBND tỉnh Bình Dương",
    "decision_number": "12/2024/QĐ-UBND",
    "decision_date": "2024-04-02",
}


@pytest.fixture
def left_to_provinces(small_set):
    """The law leaves standard 1.1's number to each province."""
    Indicator.objects.filter(criterion__level__code="standard", code="1.1").update(
        set_by_province=True
    )


def test_an_approver_sets_the_provinces_own_number_at_once(
    api, cast, left_to_provinces, edition_1, two_communes
):
    open_one, approved = two_communes
    response = api(cast.approver_74).post(THRESHOLDS, OWN, "json")

    assert response.status_code == 201
    edition = response.json()
    assert (edition["status"], edition["number"], edition["years"]) == (
        "published",
        2,
        [2024, 2025],
    )
    assert (edition["decision_number"], edition["rescored"]) == ("12/2024/QĐ-UBND", 1)
    assert "Bình Dương" in edition["title"]
    assert [(c["kind"], c["data"]["province"], c["by"]) for c in edition["changes"]] == [
        ("add_threshold", "74", "approver_74")
    ]
    row = Threshold.objects.get(scope="province")
    assert (row.province.code, row.value, row.first_year) == ("74", 60, 2024)
    open_one.refresh_from_db()
    assert (open_one.level, open_one.edition_id) == ("none", edition["id"])
    approved.refresh_from_db()
    assert (approved.level, approved.edition.number) == ("standard", 1)  # another province

    changed = api(cast.approver_74).patch(
        f"{THRESHOLDS}{row.pk}/", {"value": "50", **{k: OWN[k] for k in DECISION}}, "json"
    )
    assert (changed.status_code, changed.json()["number"]) == (201, 3)
    assert Threshold.objects.get(pk=row.pk).value == 50
    open_one.refresh_from_db()
    assert open_one.level == "standard"
    decision = urlencode({"decision_number": "13/2024/QĐ-UBND", "decision_date": "2024-05-02"})
    removed = api(cast.approver_74).delete(f"{THRESHOLDS}{row.pk}/?{decision}")
    assert (removed.status_code, removed.json()["number"]) == (201, 4)
    assert removed.json()["changes"][0]["before"]["value"] == "50"
    assert not Threshold.objects.filter(scope="province").exists()


PROVINCE_REFUSALS = [
    ("approver_74", {"province": "20"}, "another province's"),
    ("approver_20", {}, "another province's"),
    ("approver_74", {"indicator": "2.1", "value": "70"}, "The law sets this number nationally"),
    ("approver_74", {"scope": "national", "province": ""}, "The law sets this number nationally"),
    ("officer_74", {}, "Only the national office writes thresholds"),
    ("viewer_74", {}, "Only the national office writes thresholds"),
]


@pytest.mark.parametrize(("who", "change", "message"), PROVINCE_REFUSALS)
def test_other_writes_of_a_province_are_refused(
    api, cast, left_to_provinces, edition_1, who, change, message
):
    before = written()
    response = api(getattr(cast, who)).post(THRESHOLDS, {**OWN, **change}, "json")
    assert response.status_code == 403
    assert message in response.json()["message"]
    assert written() == before
    assert Edition.objects.count() == 1


def test_an_approver_cannot_change_a_national_number(api, cast, left_to_provinces, edition_1):
    url = f"{THRESHOLDS}{income().pk}/"
    response = api(cast.approver_74).patch(url, {"value": "30", **DECISION}, "json")
    assert response.status_code == 403
    assert "The law sets this number nationally" in response.json()["message"]
    assert api().patch(url, {"value": "30"}, "json").status_code == 401
    assert api(cast.approver_74).delete(url).status_code == 403
    assert income().value == 40


def test_a_provinces_number_needs_its_decision(api, cast, left_to_provinces, edition_1):
    body = {k: v for k, v in OWN.items() if k not in DECISION}
    response = api(cast.approver_74).post(THRESHOLDS, body, "json")
    assert set(response.json()["errors"]) == {"decision_number", "decision_date"}
    assert not Threshold.objects.filter(scope="province").exists()


# --- the national office's threshold writes go into a draft -----------------------------------


def test_national_threshold_writes_are_drafted_not_applied(national, draft):
    stored = income()
    body = {"edition": draft["id"], **threshold(scope="class", class_value="tn")}
    added = national.post(THRESHOLDS, body, "json")
    assert (added.status_code, added.json()["kind"]) == (202, "add_threshold")
    changed = national.patch(
        f"{THRESHOLDS}{stored.pk}/", {"edition": draft["id"], "last_year": 2023}, "json"
    )
    assert (changed.status_code, changed.json()["kind"]) == (202, "change_threshold")
    assert changed.json()["data"]["last_year"] == 2023
    # A row of the edition's years only (removing a 2021-2025 row would change 2021-2023).
    late = Threshold.objects.create(
        indicator=stored.indicator,
        scope="class",
        class_value="dbsh",
        value=45,
        source="x",
        first_year=2024,
        last_year=2025,
    )
    removed = national.delete(f"{THRESHOLDS}{late.pk}/?edition={draft['id']}")
    assert (removed.status_code, removed.json()["kind"]) == (202, "remove_threshold")
    assert removed.json()["before"]["class_value"] == "dbsh"
    # Nothing changes before publication.
    assert income().last_year == 2025
    assert Threshold.objects.filter(pk=late.pk).exists()
    assert not Threshold.objects.filter(class_value="tn").exists()
    assert national.post(THRESHOLDS, threshold(), "json").json()["errors"] == {
        "edition": ["Name the draft edition this change joins (the edition's id)."]
    }


# --- reading thresholds -----------------------------------------------------------------------


def _province_rows(count: int) -> None:
    indicator = Indicator.objects.get(criterion__level__code="standard", code="1.1")
    provinces = Province.objects.filter(structure="2021").order_by("code")[:count]
    Threshold.objects.bulk_create(
        Threshold(indicator=indicator, scope="province", province=p, value=45, source="QĐ tỉnh")
        for p in provinces
    )


@pytest.mark.parametrize(("count", "page_size", "queries"), [(3, 50, 1), (30, 50, 1), (30, 10, 2)])
def test_the_threshold_list_costs_a_fixed_number_of_queries_whatever_its_length(
    api, small_set, count, page_size, queries, django_assert_num_queries
):
    _province_rows(count)
    # The page with indicator, level, set, province and relative joined; the count only for
    # a full page (a page that is not full ends the list: core.api.ReadFirstPaginator).
    with django_assert_num_queries(queries):
        body = api().get(THRESHOLDS, {"scope": "province", "page_size": page_size}).json()
    assert body["count"] == count and len(body["results"]) == min(count, page_size)


def test_everyone_reads_the_thresholds_filtered(api, small_set):
    rows = api().get(THRESHOLDS, {"criteria_set": SET, "level": "standard"}).json()["results"]
    assert rows[0] == {
        "id": income("class", "dnb").pk,
        "criteria_set": SET,
        "level": "standard",
        "indicator": "1.1",
        "scope": "class",
        "class_value": "dnb",
        "province": "",
        "first_year": 2021,
        "last_year": 2025,
        "value": "50",
        "relative_level": "",
        "relative_indicator": "",
        "factor": "",
        "source": "test",
        "verified": True,
        "demo": False,
        "history": None,
    }

    def found(**filters) -> list[tuple]:
        rows = api().get(THRESHOLDS, filters).json()["results"]
        return [(r["level"], r["indicator"], r["scope"], r["class_value"]) for r in rows]

    assert found(level="advanced") == [("advanced", "1.1", "national", "")]
    assert found(indicator="2.1") == [("standard", "2.1", "national", "")]
    assert found(class_value="dnb") == found(scope="class") == [("standard", "1.1", "class", "dnb")]
    Threshold.objects.filter(scope="class").update(first_year=2024, last_year=None)
    assert len(found(year=2023)) == 3
    assert len(found(year=2025)) == 4
    assert found(year=2026) == []
    assert api().get(THRESHOLDS, {"province": "7"}).status_code == 400


def test_staff_get_the_history_link(api, small_set, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", "a@example.com", "pass-phrase-1")
    row = api(admin).get(f"{THRESHOLDS}{income().pk}/").json()
    assert row["history"] == f"http://testserver/admin/criteria/threshold/{income().pk}/history/"


# --- hostile rules never reach the rules, and never get a 500 ---------------------------------

RELATIVE = {"value": "", "factor": "1.2", "scope": "class", "class_value": "dbsh"}
CYCLE = [
    add(level="advanced", relative_level="standard", relative_indicator="1.1", **RELATIVE),
    add(**{**RELATIVE, "factor": "0.8"}, relative_level="advanced", relative_indicator="1.1"),
]


@pytest.mark.parametrize(
    ("changes", "row", "expected"),
    [
        (CYCLE, None, "cycle"),
        ([add(scope="class", class_value="DBSH")], "row 1", "is not one of the set's classes"),
        ([add(first_year=1900)], "row 1", "“1900” is not a year"),
        ([add(indicator="2.1", value="150")], "row 1", "A percentage is between 0 and 100."),
        ([add(first_year="1e9999999")], "row 1", "give a whole number such as 2024"),
        ([add(factor="99999", value="")], "row 1", "at most 2 digits before"),
        ([{**add(), "threshold_id": 1}], "row 1", "only a change or a removal names"),
        ([{"kind": "change_threshold", "data": {}}], "row 1", "names the threshold's id"),
        ([{"kind": "add_threshold", "data": ["x"]}], "row 1", "as an object"),
        ([{"kind": "rename", "data": {}}], "row 1", "Unknown kind of change “rename”"),
        ([{"kind": "add_threshold", "data": {"valeu": "1"}}], "row 1", "Unknown columns: valeu"),
        ([add(source={"a": 1})], "row 1", "source: give a single value"),
        ([add(source="x\x00y")], "row 1", "null character"),
        (
            [{"kind": "add_measure", "data": {"code": "m" * 61, "name_vi": "x"}}],
            "row 1",
            "code: at most 60 characters",
        ),
        (
            [{"kind": "change_threshold", "threshold_id": 10**12, "data": {}}],
            "row 1",
            "is not one of this set's thresholds",
        ),
    ],
)
def test_hostile_changes_get_400_and_write_nothing(national, draft, changes, row, expected):
    before = written()
    response = national.post(f"{EDITIONS}{draft['id']}/changes/", {"changes": changes}, "json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    messages = errors[row] if row else [m for ms in errors.values() for m in ms]
    assert any(expected in message for message in messages), errors
    assert written() == before


@pytest.mark.parametrize(
    "body",
    [
        {"changes": []},
        {"changes": "x"},
        {"changes": [1]},
        {},
    ],
)
def test_a_malformed_list_of_changes_gets_400(national, draft, body):
    response = national.post(f"{EDITIONS}{draft['id']}/changes/", body, "json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"changes"}


@pytest.mark.parametrize(
    "change",
    [
        {"scope": "class", "class_value": "DBSH"},
        {"first_year": 1900},
        {"indicator": "2.1", "value": "150"},
        {"factor": "1e9", "value": ""},
        {"first_year": "1e9999999"},
    ],
)
def test_hostile_threshold_writes_get_400(national, draft, change):
    before = written()
    body = {"edition": draft["id"], **threshold(**change)}
    response = national.post(THRESHOLDS, body, "json")
    assert response.status_code == 400
    assert written() == before


# --- a new change never takes a stored change's row -------------------------------------------


def test_a_new_change_keeps_its_own_old_row(national, draft):
    national.post(f"{EDITIONS}{draft['id']}/changes/", {"changes": [end_in_2023(income())]}, "json")
    added = national.post(
        f"{EDITIONS}{draft['id']}/changes/",
        {"changes": [add(scope="class", class_value="tn")]},
        "json",
    )
    assert added.json()[0]["before"] == {}


# --- the schema -------------------------------------------------------------------------------


def test_the_schema_documents_editions_thresholds_and_their_precedence(client):
    import yaml

    paths = yaml.safe_load(client.get("/api/schema/").content)["paths"]
    assert {
        "/api/v1/editions/",
        "/api/v1/editions/{id}/",
        "/api/v1/editions/{id}/changes/",
        "/api/v1/editions/{id}/changes/{change_id}/",
        "/api/v1/editions/{id}/import/",
        "/api/v1/editions/{id}/check/",
        "/api/v1/editions/{id}/preview/",
        "/api/v1/editions/{id}/publish/",
        "/api/v1/editions/{id}/discard/",
        "/api/v1/editions/rejudge/",
        "/api/v1/thresholds/",
        "/api/v1/thresholds/{id}/",
    } <= set(paths)
    listed = paths["/api/v1/thresholds/"]["get"]["description"]
    assert "province > region or commune group (`class`" in listed
    assert "the latest `first_year` wins" in listed
    assert "overlap are refused when written" in listed
    assert "changes only when the edition is published" in listed
    assert set(paths["/api/v1/thresholds/"]["post"]["responses"]) >= {"201", "202", "403"}
    params = {p["name"] for p in paths["/api/v1/thresholds/"]["get"]["parameters"]}
    assert params >= {"criteria_set", "level", "indicator", "scope", "class_value"}
    assert params >= {"province", "year"}
