"""Commune classes written in bulk by the national office, by file and by API: every refusal
names its row and writes nothing; an accepted batch upserts, keeps the history and rescores
the open assessments whose class changed, in a fixed number of queries."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from communes.models import Commune, Province
from criteria.models import Assessment, CommuneClass, CriteriaSet
from criteria.services import create_assessment, move, save_values
from criteria.services.classes import (
    ClassEntry,
    ClassesReport,
    assign_classes,
    import_classes,
    remove_class,
)
from criteria.services.values import NewAssessment, create_assessments
from tests.criteria.files import upload

pytestmark = pytest.mark.django_db

URL = "/api/v1/commune-classes/"
REGIONS = "btb, dbscl, dbsh, dhntb, dnb, tdmnpb, tn"


def entry(row, code="25930", year=2023, value="tdmnpb", reason="QĐ 861/QĐ-TTg"):
    return ClassEntry(row, code, year, value, reason)


def rural(count: int, province: str | None = None) -> list[Commune]:
    communes = Commune.objects.rural().filter(structure="2021").select_related("province__region")
    if province:
        communes = communes.filter(province__code=province)
    return list(communes.order_by("code")[:count])


def stored() -> set[tuple]:
    rows = CommuneClass.objects.values_list("commune__code", "year", "class_value", "reason")
    return set(rows)


@pytest.fixture
def existing(small_set, bach_dang, cast):
    """Bạch Đằng judged as the north's mountains in 2022, already on record."""
    assign_classes(criteria_set=small_set, entries=[entry(2, year=2022)], user=cast.national)
    return stored()


# --- every refusal names its row and writes nothing -------------------------------------------

WARD = Commune.Kind.PHUONG


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (entry(3, year=2020), "The year must fall within the set's period, 2021-2025."),
        (entry(3, year=2026), "The year must fall within the set's period, 2021-2025."),
        (entry(3, year="20x4"), "The year must be a number such as 2024, not “20x4”."),
        (entry(3, year="2023.0"), "The year must be a number such as 2024, not “2023.0”."),
        (entry(3, year=" "), "Give the year."),
        (entry(3, code="99999"), "No commune with code 99999 is on the map of 2023."),
        (entry(3, code=""), "Give the commune's code."),
        (entry(3, value="mountains"), f"“mountains” is not one of the set's classes: {REGIONS}."),
        (entry(3, value="1"), f"“1” is not one of the set's classes: {REGIONS}."),
        (entry(3, value=""), f"Give the class: one of {REGIONS}."),
        (entry(3, reason="  "), "Give the reason, e.g. the decision that assigns this class."),
        (entry(3, year=2024), "Commune 25930 is already given a class for 2024 in row 2."),
    ],
)
def test_a_bad_entry_is_refused_with_its_row_and_nothing_is_written(
    small_set, cast, existing, bad, message
):
    good = entry(2, year=2024)  # fine on its own: refused with the batch
    with pytest.raises(ValidationError) as error:
        assign_classes(criteria_set=small_set, entries=[good, bad], user=cast.national)
    assert error.value.message_dict == {"row 3": [message]}
    assert stored() == existing
    assert CommuneClass.history.count() == 1


def test_a_ward_is_not_given_a_class(small_set, cast):
    ward = Commune.objects.filter(structure="2021", kind=WARD).first()
    with pytest.raises(ValidationError) as error:
        assign_classes(
            criteria_set=small_set, entries=[entry(7, code=ward.code)], user=cast.national
        )
    assert error.value.message_dict == {
        "row 7": [
            f"{ward.name} ({ward.code}) is not a rural commune (xã): only xã are NTM subjects."
        ]
    }
    assert not CommuneClass.objects.exists()


def test_every_problem_of_every_row_is_named_at_once(small_set, cast):
    entries = [
        entry(2, code="99999", value="x", reason=""),
        entry(3),
        entry(5, year="soon"),
    ]
    with pytest.raises(ValidationError) as error:
        assign_classes(criteria_set=small_set, entries=entries, user=cast.national)
    assert error.value.message_dict == {
        "row 2": [
            "No commune with code 99999 is on the map of 2023.",
            f"“x” is not one of the set's classes: {REGIONS}.",
            "Give the reason, e.g. the decision that assigns this class.",
        ],
        "row 5": ["The year must be a number such as 2024, not “soon”."],
    }
    assert not CommuneClass.objects.exists()


def test_an_empty_batch_is_refused(small_set, cast):
    with pytest.raises(ValidationError) as error:
        assign_classes(criteria_set=small_set, entries=[], user=cast.national)
    assert error.value.messages == ["There is no class assignment to write."]


# --- the map of the year, and sets keyed by commune group ------------------------------------


@pytest.fixture
def group_set(db):
    return CriteriaSet.objects.create(
        code="TEST-2026-2030",
        name_vi="Bộ thử 2026",
        name_en="Test set 2026",
        legal_basis="test",
        first_year=2026,
        last_year=2030,
        classification="commune_group",
    )


@pytest.fixture
def merged_commune(db):
    """A commune made up on the merged map (loaded for every test) with the old code of
    Bạch Đằng, 25930, which the real merged list leaves unused: the real list reuses old codes
    for other units the same way (09931 was Xã Cộng Hòa, is Xã Hưng Đạo)."""
    start = datetime.date(2025, 7, 1)
    province = Province.objects.get(structure="2025", code="79")
    return Commune.objects.create(
        structure="2025",
        code="25930",
        name="Xã Mới",
        kind="xa",
        province=province,
        valid_from=start,
    )


def test_a_code_is_read_on_the_map_of_its_year(
    small_set, group_set, merged_commune, bach_dang, cast
):
    assign_classes(criteria_set=small_set, entries=[entry(2, year=2025)], user=cast.national)
    new_map = [entry(2, year=2026, value="2")]
    assign_classes(criteria_set=group_set, entries=new_map, user=cast.national)
    rows = CommuneClass.objects.values_list("commune_id", "criteria_set__code", "class_value")
    assert set(rows) == {
        (bach_dang.pk, "TEST-2021-2025", "tdmnpb"),
        (merged_commune.pk, "TEST-2026-2030", "2"),
    }


def test_a_commune_of_the_old_map_is_unknown_on_the_new_one(group_set, merged_commune, cast):
    # An old commune whose code the merged list does not reuse.
    new_codes = Commune.objects.filter(structure="2025").values("code")
    old = Commune.objects.rural().filter(structure="2021", province__code="20")
    old = old.exclude(code__in=new_codes).order_by("code").first()
    with pytest.raises(ValidationError) as error:
        assign_classes(
            criteria_set=group_set, entries=[entry(2, old.code, 2027, "1")], user=cast.national
        )
    assert error.value.message_dict == {
        "row 2": [f"No commune with code {old.code} is on the map of 2027."]
    }


def test_a_group_keyed_set_takes_commune_groups(group_set, merged_commune, cast):
    with pytest.raises(ValidationError) as error:
        assign_classes(
            criteria_set=group_set, entries=[entry(2, year=2026, value="dnb")], user=cast.national
        )
    assert error.value.message_dict == {
        "row 2": ["“dnb” is not one of the set's classes: 1, 2, 3."]
    }


# --- upserting --------------------------------------------------------------------------------


def test_a_batch_creates_changes_and_keeps_rows(small_set, cast, existing):
    lang_son = rural(1, province="20")[0]
    report = assign_classes(
        criteria_set=small_set,
        entries=[
            entry(1, year=2022),  # as on record
            entry(2, year=2022, code=lang_son.code, value="tn"),  # new
        ],
        user=cast.national,
    )
    assert report == ClassesReport(created=1, changed=0, unchanged=1, rescored=0)
    report = assign_classes(
        criteria_set=small_set,
        entries=[entry(1, year=2022, value="tn", reason="QĐ 2/QĐ-TTg"), entry(2, year=2024)],
        user=cast.national,
    )
    assert report == ClassesReport(created=1, changed=1, unchanged=0, rescored=0)
    assert stored() == {
        ("25930", 2022, "tn", "QĐ 2/QĐ-TTg"),
        ("25930", 2024, "tdmnpb", "QĐ 861/QĐ-TTg"),
        (lang_son.code, 2022, "tn", "QĐ 861/QĐ-TTg"),
    }


def test_the_history_keeps_every_write_and_who_made_it(small_set, cast, existing):
    entries = [entry(1, year=2022, value="tn")]
    assign_classes(criteria_set=small_set, entries=entries, user=cast.national)
    history = CommuneClass.history.order_by("history_date", "history_id")
    assert [(h.history_type, h.class_value, h.history_user) for h in history] == [
        ("+", "tdmnpb", cast.national),
        ("~", "tn", cast.national),
    ]


# --- rescoring --------------------------------------------------------------------------------

VALUES = {"income": 45, "irrigation": 90, "plan": True}  # standard, except in the Southeast (50)


@pytest.fixture
def binh_duong(small_set, bach_dang):
    """Two Bình Dương communes with the same values in 2023: a draft and an approved one."""
    other = next(c for c in rural(2, province="74") if c != bach_dang)
    draft = create_assessment(commune=bach_dang, year=2023)
    save_values(assessment=draft, values=VALUES, version=1)
    approved = create_assessment(commune=other, year=2023)
    save_values(assessment=approved, values=VALUES, version=1)
    move(assessment=approved, version=approved.version, action="submit")
    move(assessment=approved, version=approved.version, action="approve")
    return Assessment.objects.get(pk=draft.pk), Assessment.objects.get(pk=approved.pk)


def _scored(assessment) -> tuple[str, str]:
    assessment.refresh_from_db()
    return assessment.class_value, assessment.level


def test_open_assessments_are_rescored_and_approved_ones_keep_their_result(
    small_set, cast, binh_duong
):
    draft, approved = binh_duong
    assert _scored(draft) == _scored(approved) == ("dnb", "none")
    entries = [entry(2, draft.commune.code), entry(3, approved.commune.code)]
    report = assign_classes(criteria_set=small_set, entries=entries, user=cast.national)
    assert report == ClassesReport(created=2, changed=0, unchanged=0, rescored=1)
    assert _scored(draft) == ("tdmnpb", "standard")
    assert _scored(approved) == ("dnb", "none")


def test_only_a_changed_class_rescores(small_set, cast, binh_duong):
    draft, _approved = binh_duong
    assign_classes(criteria_set=small_set, entries=[entry(2)], user=cast.national)
    new_reason = [entry(2, reason="QĐ 861/QĐ-TTg, sửa đổi")]
    report = assign_classes(criteria_set=small_set, entries=new_reason, user=cast.national)
    assert report == ClassesReport(created=0, changed=1, unchanged=0, rescored=0)


def test_removing_a_class_rescores_and_the_history_keeps_it(small_set, cast, binh_duong):
    draft, _approved = binh_duong
    assign_classes(criteria_set=small_set, entries=[entry(2)], user=cast.national)
    row = CommuneClass.objects.get()
    # A reason as long as a decision's citation: kept whole (PostgreSQL checks the length).
    reason = "Nhập nhầm: xã không thuộc danh sách xã đặc biệt khó khăn. " * 4
    assert remove_class(assignment=row, user=cast.national, reason=reason) == 1
    assert _scored(draft) == ("dnb", "none")
    assert not CommuneClass.objects.exists()
    removed = CommuneClass.history.get(history_type="-")
    assert (removed.class_value, removed.history_change_reason) == ("tdmnpb", reason.strip())
    assert removed.history_user == cast.national


def test_a_class_is_not_removed_without_a_reason(small_set, cast, existing):
    with pytest.raises(ValidationError) as error:
        remove_class(assignment=CommuneClass.objects.get(), user=cast.national, reason=" ")
    assert error.value.message_dict == {"reason": ["Say why this class is removed."]}
    assert stored() == existing


def _count_queries(small_set, cast, communes) -> int:
    entries = [entry(n, c.code) for n, c in enumerate(communes, start=2)]
    with CaptureQueriesContext(connection) as queries:
        report = assign_classes(criteria_set=small_set, entries=entries, user=cast.national)
    assert report.created == report.rescored == len(communes)
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_batch(small_set, cast):
    communes = rural(55)
    create_assessments(entries=[NewAssessment(c, 2023, {}) for c in communes])
    # The checks' reads (structures, communes, regions), the stored rows, two bulk writes
    # with their history, then the rescoring of one year's assessments.
    assert _count_queries(small_set, cast, communes[:5]) == _count_queries(
        small_set, cast, communes[5:]
    )


# --- files ------------------------------------------------------------------------------------

HEADER = ["commune_code", "year", "class", "reason"]


def csv_file(rows, name="classes.csv", encoding="utf-8"):
    text = "\n".join(",".join(str(cell) for cell in row) for row in [HEADER, *rows])
    return upload(name, text.encode(encoding), "text/csv")


def xlsx_file(rows, name="classes.xlsx"):
    book = Workbook()
    for row in [HEADER, *rows]:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return upload(name, buffer.getvalue())


def test_a_csv_file_is_imported(small_set, cast, bach_dang):
    lang_son = rural(1, province="20")[0]
    rows = [["25930", "2023", "tdmnpb", "QĐ 861"], [lang_son.code, "2024", "dbsh", "QĐ 9"]]
    report = import_classes(criteria_set=small_set, upload=csv_file(rows), user=cast.national)
    assert (report.created, report.changed, report.unchanged) == (2, 0, 0)
    assert stored() == {
        ("25930", 2023, "tdmnpb", "QĐ 861"),
        (lang_son.code, 2024, "dbsh", "QĐ 9"),
    }


def test_an_xlsx_file_is_imported_with_its_numbers_as_excel_keeps_them(small_set, cast):
    # Excel stores a typed year as a number: 2023 arrives as an int, 2024.0 as a float.
    rows = [["25930", 2023, "tdmnpb", "QĐ 861"], ["25930", 2024.0, "tn", "QĐ 9"]]
    report = import_classes(criteria_set=small_set, upload=xlsx_file(rows), user=cast.national)
    assert (report.created, report.changed, report.unchanged) == (2, 0, 0)
    assert stored() == {("25930", 2023, "tdmnpb", "QĐ 861"), ("25930", 2024, "tn", "QĐ 9")}


@pytest.mark.parametrize("build", [csv_file, xlsx_file])
def test_a_file_error_names_the_row_the_user_sees(small_set, cast, build):
    rows = [["25930", "2023", "tdmnpb", "QĐ 861"], ["", "", "", ""], ["25930", "2023", "tn", "x"]]
    with pytest.raises(ValidationError) as error:
        import_classes(criteria_set=small_set, upload=build(rows), user=cast.national)
    # The header is row 1 and the blank row 3 is skipped, but still counted.
    assert error.value.message_dict == {
        "row 4": ["Commune 25930 is already given a class for 2023 in row 2."]
    }
    assert not CommuneClass.objects.exists()


NOT_UTF8 = "The CSV file is not UTF-8 text."


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (csv_file([["25930", "2023", "dnb", "Nghị quyết"]], encoding="utf-16"), NOT_UTF8),
        (csv_file([["25930", "2023", "dnb", "Lý do"]], encoding="latin-1"), NOT_UTF8),
        (
            upload("classes.csv", b"commune_code,year,class\n25930,2023,dnb\n"),
            "The first row must name the columns; missing: reason.",
        ),
        (
            csv_file([["25930", "2023", "dnb", "x"]], name="classes.txt"),
            "Upload a .csv or .xlsx file.",
        ),
        (upload("classes.xlsx", b"not a workbook"), "The file is not a readable .xlsx workbook."),
        (csv_file([]), "The file has no rows below its header."),
    ],
)
def test_a_malformed_file_is_refused_clearly(small_set, cast, file, message):
    with pytest.raises(ValidationError) as error:
        import_classes(criteria_set=small_set, upload=file, user=cast.national)
    assert error.value.message_dict == {"file": [message]}
    assert not CommuneClass.objects.exists()


# --- the API ----------------------------------------------------------------------------------


def _bulk(**changes) -> dict:
    item = {"commune_code": "25930", "year": 2023, "class_value": "tdmnpb", "reason": "QĐ 861"}
    return {"criteria_set": "TEST-2021-2025", "assignments": [{**item, **changes}]}


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("no_role", 403), ("officer_74", 403), ("approver_74", 403), ("national", 200)],
)
def test_only_the_national_office_writes_classes(api, cast, small_set, bach_dang, who, status):
    client = api(getattr(cast, who) if who else None)
    bulk = client.post(f"{URL}bulk/", _bulk(), format="json")
    file = csv_file([["25930", "2024", "tn", "QĐ 9"]])
    imported = client.post(
        f"{URL}import/", {"criteria_set": "TEST-2021-2025", "file": file}, format="multipart"
    )
    assert (bulk.status_code, imported.status_code) == (status, status)
    assert CommuneClass.objects.count() == (2 if status == 200 else 0)
    if status == 403:
        assert bulk.json()["message"] == "Only the national office assigns commune classes."


def test_a_bulk_write_answers_with_the_report(api, cast, small_set, bach_dang):
    response = api(cast.national).post(f"{URL}bulk/", _bulk(), format="json")
    assert response.json() == {"created": 1, "changed": 0, "unchanged": 0, "rescored": 0}
    again = api(cast.national).post(f"{URL}bulk/", _bulk(class_value="tn"), format="json")
    assert again.json() == {"created": 0, "changed": 1, "unchanged": 0, "rescored": 0}


def test_bad_items_get_400_with_their_rows_in_the_one_error_shape(api, cast, small_set):
    body = _bulk()
    body["assignments"].append({"commune_code": "25930", "year": "2031", "class_value": "tn"})
    response = api(cast.national).post(f"{URL}bulk/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "code": "invalid",
        "message": "Invalid input.",
        "errors": {
            "row 2": [
                "The year must fall within the set's period, 2021-2025.",
                "Give the reason, e.g. the decision that assigns this class.",
            ]
        },
    }
    assert not CommuneClass.objects.exists()


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {**_bulk(), "criteria_set": "NOPE"},
            {"criteria_set": ["No criteria set has the code NOPE."]},
        ),
        (
            {**_bulk(), "assignments": []},
            {"assignments": ["Send a non-empty list of assignments."]},
        ),
        (
            {**_bulk(), "assignments": ["25930"]},
            {"assignments": ["Each assignment must be an object."]},
        ),
    ],
)
def test_a_malformed_request_gets_400(api, cast, small_set, body, errors):
    response = api(cast.national).post(f"{URL}bulk/", body, format="json")
    assert (response.status_code, response.json()["errors"]) == (400, errors)


def test_a_malformed_upload_gets_400_naming_the_file(api, cast, small_set):
    file = csv_file([["25930", "2023", "dnb", "x"]], name="classes.txt")
    response = api(cast.national).post(
        f"{URL}import/", {"criteria_set": "TEST-2021-2025", "file": file}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"file": ["Upload a .csv or .xlsx file."]}


def test_everyone_reads_the_classes_filtered(api, cast, small_set, group_set, merged_commune):
    lang_son = rural(3, province="20")
    entries = [entry(n, c.code, 2024, "tdmnpb") for n, c in enumerate(lang_son, start=2)]
    entries.append(entry(9, "25930", 2023, "dnb"))
    assign_classes(criteria_set=small_set, entries=entries, user=cast.national)
    assign_classes(criteria_set=group_set, entries=[entry(2, "25930", 2026, "3")], user=None)

    def codes(**filters) -> list[tuple[str, int]]:
        rows = api().get(URL, filters).json()["results"]
        return [(row["commune"]["code"], row["year"]) for row in rows]

    assert len(codes()) == 5
    assert codes(province="20") == [(c.code, 2024) for c in lang_son]
    assert codes(commune="25930") == [("25930", 2023), ("25930", 2026)]
    assert codes(commune="25930", structure="2025") == [("25930", 2026)]
    assert codes(criteria_set="TEST-2026-2030") == [("25930", 2026)]
    assert codes(year=2023) == [("25930", 2023)]
    assert api().get(URL, {"province": "7"}).status_code == 400


def test_the_list_costs_two_queries_whatever_its_length(
    api, cast, small_set, django_assert_num_queries
):
    communes = rural(40)
    entries = [entry(n, c.code) for n, c in enumerate(communes, start=2)]
    assign_classes(criteria_set=small_set, entries=entries, user=cast.national)
    # The page's count, and the page with its set, commune and province joined.
    with django_assert_num_queries(2):
        body = api().get(URL, {"page_size": 40}).json()
    assert body["count"] == len(body["results"]) == 40
    assert body["results"][0]["province"]["code"] == communes[0].province.code


def test_a_reason_typed_decomposed_is_stored_composed(small_set, bach_dang, cast):
    """Checked as stored text and then stored as typed: a reason written with decomposed
    letters (NFD) stayed so, unlike the same words typed on the portal."""
    import unicodedata

    typed = unicodedata.normalize("NFD", " Quyết định số 861/QĐ-TTg\r\n")
    assign_classes(criteria_set=small_set, entries=[entry(2, reason=typed)], user=cast.national)
    assert CommuneClass.objects.get().reason == "Quyết định số 861/QĐ-TTg"
