"""A unit's kind changes on a date, and the rural communes of a year follow: the rule
(communes.models: rural_q, Commune.is_rural_in), the service that records changes one by one
or from a file (communes.services.kind_changes), and its refusals. The changes here are made
up for the tests (their legal source says so): no real change is recorded in the fixtures."""

import datetime
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from communes.models import Commune, KindChange, kind_on_expression, rural_on_q
from communes.services.kind_changes import import_kind_changes, record_kind_change

pytestmark = pytest.mark.django_db

D = datetime.date
SOURCE = "Nghị quyết thử (test)"
XA, WARD, TOWNSHIP = Commune.Kind.XA, Commune.Kind.PHUONG, Commune.Kind.THI_TRAN


def unit(structure: str, province: str, kind: str, index: int = 0) -> Commune:
    units = Commune.objects.filter(structure=structure, province__code=province, kind=kind)
    return units.order_by("code")[index]


@pytest.fixture
def dong_nai_xa():
    """A xã of the merged Đồng Nai (75), listed as a xã on 1 July 2025."""
    return unit("2025", "75", XA)


@pytest.fixture
def binh_duong_ward():
    """A ward of Bình Dương (74) in the January 2025 list (its kinds are those of 1 January
    2025): a change dated before that day must lead to its listed kind."""
    return unit("2021", "74", WARD)


def rural_count(structure: str, province: str, year: int) -> int:
    return Commune.objects.rural(year).filter(structure=structure, province__code=province).count()


def change(commune, day, new_kind, old_kind=""):
    return record_kind_change(
        commune=commune, date=day, new_kind=new_kind, old_kind=old_kind, legal_source=SOURCE
    )


# --- the rule: rural at some time during the year ---------------------------------------------


def test_the_lists_give_the_rural_counts_before_any_change():
    assert rural_count("2021", "74", 2023) == 39  # the January 2025 list
    assert (
        rural_count("2025", "75", 2026)
        == Commune.objects.filter(structure="2025", province__code="75", kind=XA).count()
    )


def test_a_commune_turned_ward_is_rural_in_the_year_of_its_change_and_not_after(dong_nai_xa):
    before = {year: rural_count("2025", "75", year) for year in (2025, 2026, 2027)}
    recorded = change(dong_nai_xa, D(2026, 4, 30), WARD)
    assert (recorded.old_kind, recorded.new_kind) == (XA, WARD)  # the old kind from the list
    after = {year: rural_count("2025", "75", year) for year in (2025, 2026, 2027)}
    assert after == {2025: before[2025], 2026: before[2026], 2027: before[2027] - 1}
    assert [dong_nai_xa.is_rural_in(year) for year in (2025, 2026, 2027)] == [True, True, False]
    assert Commune.objects.filter(rural_on_q(D(2026, 4, 29)), pk=dong_nai_xa.pk).exists()
    assert not Commune.objects.filter(rural_on_q(D(2026, 4, 30)), pk=dong_nai_xa.pk).exists()


def test_a_ward_turned_xa_joins_the_count_in_the_year_of_its_change():
    ward = unit("2025", "75", WARD)
    before = rural_count("2025", "75", 2026)
    change(ward, D(2026, 9, 1), XA)
    assert rural_count("2025", "75", 2025) == before
    assert rural_count("2025", "75", 2026) == before + 1
    assert (ward.is_rural_in(2025), ward.is_rural_in(2026)) == (False, True)


def test_a_change_before_the_list_date_counts_the_years_before_it(binh_duong_ward):
    # The list of January 2025 shows it a ward; it was a xã until 1 March 2024.
    change(binh_duong_ward, D(2024, 3, 1), WARD, old_kind=XA)
    assert [rural_count("2021", "74", year) for year in (2023, 2024, 2025)] == [40, 40, 39]
    assert binh_duong_ward.kind == WARD  # the loaded kind stays the list's
    assert binh_duong_ward.kind_on(D(2024, 2, 29)) == XA


CHAINS = [
    [],
    [(D(2026, 4, 30), XA, WARD)],
    [(D(2026, 1, 1), XA, WARD)],
    [(D(2026, 3, 1), XA, TOWNSHIP), (D(2027, 6, 1), TOWNSHIP, XA)],
    [(D(2026, 3, 1), XA, WARD), (D(2026, 9, 1), WARD, XA), (D(2028, 1, 1), XA, WARD)],
]


@pytest.mark.parametrize("chain", CHAINS)
def test_the_query_and_the_loaded_commune_agree(dong_nai_xa, chain):
    KindChange.objects.bulk_create(
        KindChange(commune=dong_nai_xa, date=day, old_kind=old, new_kind=new, legal_source=SOURCE)
        for day, old, new in chain
    )
    commune = Commune.objects.prefetch_related("kind_changes").get(pk=dong_nai_xa.pk)
    for year in range(2025, 2030):
        in_sql = Commune.objects.rural(year).filter(pk=commune.pk).exists()
        assert in_sql == commune.is_rural_in(year), year
    for day in [D(2025, 12, 31), D(2026, 1, 1), D(2026, 4, 30), D(2026, 9, 1), D(2030, 1, 1)]:
        kind = Commune.objects.annotate(then=kind_on_expression(day)).get(pk=commune.pk).then
        assert kind == commune.kind_on(day), day


def test_the_statistics_count_the_rural_communes_of_the_year(api, small_set, binh_duong_ward):
    # stats.selectors counts communes and assessments through rural_q (with a prefix).
    def total(year):
        body = api().get("/api/v1/stats/provinces/74/", {"year": year}).json()
        return body["communes_total"]

    before = (total(2023), total(2025))
    change(binh_duong_ward, D(2024, 3, 1), WARD, old_kind=XA)
    assert (total(2023), total(2025)) == (before[0] + 1, before[1])


# --- the service's refusals: each names its field, nothing is written ------------------------


@pytest.mark.parametrize(
    ("who", "day", "new", "old", "field", "message"),
    [
        (
            "dong_nai",
            D(2025, 6, 1),
            WARD,
            "",
            "date",
            "{name} exists from 2025-07-01 to …: a change on 2025-06-01 is outside.",
        ),
        (
            "binh_duong",
            D(2025, 7, 1),
            XA,
            "",
            "date",
            "{name} exists from … to 2025-06-30: a change on 2025-07-01 is outside.",
        ),
        (
            "dong_nai",
            D(2026, 4, 30),
            WARD,
            TOWNSHIP,
            "old_kind",
            "Before 2026-04-30 {name} was Rural commune (xã) (as the unit list of 2025-07-01 "
            "records), not Township (thị trấn).",
        ),
        (
            "dong_nai",
            D(2026, 4, 30),
            XA,
            "",
            "new_kind",
            "The new kind is the kind it already had: Rural commune (xã).",
        ),
        (
            "binh_duong",
            D(2024, 3, 1),
            WARD,
            "",
            "old_kind",
            "Give the old kind: the unit list of 2025-01-01 shows {name} after this change, "
            "not before.",
        ),
        (
            "binh_duong",
            D(2024, 3, 1),
            TOWNSHIP,
            XA,
            "new_kind",
            "From 2024-03-01 {name} is Urban ward (phường) (as the unit list of 2025-01-01 "
            "records), not Township (thị trấn).",
        ),
        (
            "dong_nai",
            D(2026, 4, 30),
            "village",
            "",
            "new_kind",
            "“village” is not a kind of unit: one of dac_khu, phuong, thi_tran, xa.",
        ),
    ],
)
def test_a_bad_change_is_refused_naming_its_field(
    dong_nai_xa, binh_duong_ward, who, day, new, old, field, message
):
    commune = dong_nai_xa if who == "dong_nai" else binh_duong_ward
    with pytest.raises(ValidationError) as error:
        change(commune, day, new, old)
    name = f"{commune.name} ({commune.code})"
    assert error.value.message_dict == {field: [message.format(name=name)]}
    assert not KindChange.objects.exists()


def test_a_change_must_agree_with_the_next_one_and_one_day_holds_one(dong_nai_xa):
    change(dong_nai_xa, D(2026, 4, 30), WARD)
    name = f"{dong_nai_xa.name} ({dong_nai_xa.code})"
    with pytest.raises(ValidationError) as error:
        change(dong_nai_xa, D(2026, 2, 1), TOWNSHIP)
    assert error.value.message_dict == {
        "new_kind": [
            f"From 2026-02-01 {name} is Rural commune (xã) (the change of 2026-04-30 starts "
            "from it), not Township (thị trấn)."
        ]
    }
    with pytest.raises(ValidationError) as error:
        change(dong_nai_xa, D(2026, 4, 30), TOWNSHIP, old_kind=XA)
    assert error.value.message_dict == {
        "date": [
            f"{name} already changes kind on 2026-04-30: a change is already recorded on that day."
        ]
    }
    # Later, it starts from the ward it became.
    assert change(dong_nai_xa, D(2027, 1, 1), XA).old_kind == WARD
    assert KindChange.objects.count() == 2


def test_each_change_keeps_its_history(dong_nai_xa, cast):
    recorded = record_kind_change(
        commune=dong_nai_xa,
        date="2026-04-30",
        new_kind="Phường",  # the Vietnamese name does too
        legal_source=SOURCE,
        note="thử",
        user=cast.national,
    )
    history = recorded.history.get()
    assert (history.history_type, history.history_user, history.new_kind) == (
        "+",
        cast.national,
        WARD,
    )


# --- from a file: every error at its row, nothing written -------------------------------------

HEADER = ["structure", "code", "date", "new_kind", "legal_source", "note"]


def csv_file(rows, header=HEADER):
    text = "\n".join(",".join(str(cell) for cell in row) for row in [header, *rows])
    return SimpleUploadedFile("changes.csv", text.encode(), "text/csv")


def xlsx_file(rows, header=HEADER):
    book = Workbook()
    for row in [header, *rows]:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("changes.xlsx", buffer.getvalue())


def test_a_file_records_every_change(dong_nai_xa, cast):
    ward = unit("2025", "75", WARD)
    rows = [
        ["2025", dong_nai_xa.code, "2026-04-30", "phuong", SOURCE, "thử"],
        ["2025", dong_nai_xa.code, "01/01/2028", "xa", SOURCE, ""],
        ["2025", ward.code, "2026-09-01", "xã", SOURCE, ""],
    ]
    created = import_kind_changes(upload=csv_file(rows), user=cast.national)
    assert len(created) == 3
    chain = KindChange.objects.filter(commune=dong_nai_xa).values_list("old_kind", "new_kind")
    assert list(chain) == [(XA, WARD), (WARD, XA)]  # each old kind from the chain
    assert KindChange.history.count() == 3


def test_an_xlsx_date_cell_is_read_as_its_day(dong_nai_xa, cast):
    rows = [["2025", dong_nai_xa.code, datetime.datetime(2026, 4, 30), "phuong", SOURCE, ""]]
    (created,) = import_kind_changes(upload=xlsx_file(rows), user=cast.national)
    assert created.date == D(2026, 4, 30)


@pytest.mark.parametrize("build", [csv_file, xlsx_file])
def test_every_file_error_is_named_at_its_row_and_nothing_is_written(
    dong_nai_xa, binh_duong_ward, cast, build
):
    name = f"{dong_nai_xa.name} ({dong_nai_xa.code})"
    rows = [
        ["2025", dong_nai_xa.code, "2026-04-30", "phuong", SOURCE, ""],  # fine alone
        ["2025", dong_nai_xa.code, "2026-04-30", "thi_tran", SOURCE, ""],
        ["2025", "99999", "2026-04-30", "phuong", SOURCE, ""],
        ["1999", dong_nai_xa.code, "30.4.2026", "ward", "", ""],
        ["", "", "", "", "", ""],  # blank: skipped, still counted
        ["2021", binh_duong_ward.code, "2024-03-01", "phuong", SOURCE, ""],
    ]
    with pytest.raises(ValidationError) as error:
        import_kind_changes(upload=build(rows), user=cast.national)
    ward = f"{binh_duong_ward.name} ({binh_duong_ward.code})"
    assert error.value.message_dict == {
        "row 3": [f"{name} already changes kind on 2026-04-30: in row 2."],
        "row 4": ["No commune-level unit has the code 99999 in structure 2025."],
        "row 5": [
            "The structure must be one of 2021, 2025.",
            "The date must be a day such as 2026-04-30, not “30.4.2026”.",
            "“ward” is not a kind of unit: one of dac_khu, phuong, thi_tran, xa.",
            "Give the legal source: the decision or resolution that changes the kind.",
        ],
        "row 7": [
            f"Give the old kind: the unit list of 2025-01-01 shows {ward} after this change, "
            "not before."
        ],
    }
    assert not KindChange.objects.exists()


def test_a_file_with_an_old_kind_column_fills_what_the_list_cannot_tell(binh_duong_ward, cast):
    header = [*HEADER, "old_kind"]
    rows = [["2021", binh_duong_ward.code, "2024-03-01", "phuong", SOURCE, "", "xa"]]
    (created,) = import_kind_changes(upload=csv_file(rows, header), user=cast.national)
    assert (created.old_kind, created.new_kind) == (XA, WARD)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (csv_file([], header=["structure", "code"]), "The first row must name the columns;"),
        (csv_file([]), "The file has no rows below its header."),
    ],
)
def test_an_unreadable_file_is_refused_under_file(cast, upload, message):
    with pytest.raises(ValidationError) as error:
        import_kind_changes(upload=upload, user=cast.national)
    assert list(error.value.message_dict) == ["file"]
    assert error.value.message_dict["file"][0].startswith(message)


def test_the_command_records_a_file_or_says_every_error(tmp_path, dong_nai_xa):
    from django.core.management import CommandError, call_command

    from communes.services.kind_changes import IMPORT_COLUMNS

    path = tmp_path / "changes.csv"
    path.write_text(
        ",".join(IMPORT_COLUMNS) + f"\n2025,{dong_nai_xa.code},2026-04-30,phuong,\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="row 2: Give the legal source"):
        call_command("import_kind_changes", str(path))
    path.write_text(path.read_text(encoding="utf-8").replace(",\n", f",{SOURCE}\n"))
    out = io.StringIO()
    call_command("import_kind_changes", str(path), stdout=out)
    assert out.getvalue() == "1 changes of kind recorded\n"


def test_the_committed_file_of_real_changes_holds_only_its_header():
    # No source in the domain notes gives a change's unit, date and decision: nothing is
    # recorded until one does (README: Administrative units).
    from communes.services.kind_changes import IMPORT_COLUMNS, OPTIONAL_COLUMNS

    path = Path(settings.BASE_DIR) / "fixtures" / "kind_changes.csv"
    assert path.read_text(encoding="utf-8").splitlines() == [
        ",".join([*IMPORT_COLUMNS, *OPTIONAL_COLUMNS])
    ]
