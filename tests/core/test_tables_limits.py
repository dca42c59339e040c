"""An uploaded workbook is a ZIP package: one that would unpack past core.files' limits (a zip
bomb renamed .xlsx) is refused with a clear error before openpyxl unpacks anything, in the
service and as a 400 from the API, and nothing is imported. A sheet is read no further than
one row past the row limit."""

import io
import random
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from core import files, tables
from core.tables import read_rows, read_table
from criteria.models import CommuneClass
from tests.criteria.files import declaring, upload, with_zeros

MiB = 1024 * 1024
HEADER = ["commune_code", "year", "class", "reason"]
RATIO_MESSAGE = (
    "times its packed size, more than the 100 times of a real document: it is refused as a "
    "possible zip bomb."
)


def workbook(rows=(("25930", 2023, "tdmnpb", "QĐ 861"),)) -> bytes:
    book = Workbook()
    for row in [HEADER, *rows]:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


BOMB = with_zeros(workbook(), "xl/media/image1.bin", 4 * MiB)


@pytest.fixture
def opened(monkeypatch):
    """The files openpyxl was asked to open."""
    calls = []
    real = openpyxl.load_workbook

    def load_workbook(file, *args, **kwargs):
        calls.append(file)
        return real(file, *args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", load_workbook)
    return calls


def refusal(content: bytes, name="classes.xlsx") -> list[str]:
    with pytest.raises(ValidationError) as error:
        read_table(upload(name, content), tuple(HEADER))
    return error.value.messages


def test_a_real_workbook_is_read(opened):
    [row] = read_table(upload("classes.xlsx", workbook()), tuple(HEADER))
    assert (row.number, row.get("commune_code"), row.get("year")) == (2, "25930", "2023")
    assert len(opened) == 1


def test_a_workbook_packed_like_a_zip_bomb_is_refused_before_openpyxl_opens_it(opened):
    assert len(BOMB) < 30_000  # 4 MiB in a few kilobytes
    [message] = refusal(BOMB, "bom.xlsx")
    assert message.startswith("“bom.xlsx” unpacks to ") and message.endswith(RATIO_MESSAGE)
    assert opened == []


def test_a_sheet_that_declares_a_gibibyte_is_refused_before_openpyxl_opens_it(opened):
    bomb = declaring(workbook(), "xl/worksheets/sheet1.xml", 1024 * MiB)
    assert refusal(bomb) == [
        "“classes.xlsx” would unpack to 1.0\xa0GB, more than the 100.0\xa0MB a document may "
        "hold: it is refused as a possible zip bomb."
    ]
    assert opened == []


def test_the_unpacked_size_limit_is_the_module_constant(monkeypatch):
    # A picture packs hardly at all: 2 MiB of it stays 2 MiB, far below the ratio limit.
    content = workbook()
    buffer = io.BytesIO(content)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("xl/media/image1.png", random.Random(5).randbytes(2 * MiB))
    content = buffer.getvalue()
    assert len(read_table(upload("classes.xlsx", content), tuple(HEADER))) == 1
    monkeypatch.setattr(files, "ZIP_MAX_UNPACKED_BYTES", MiB)
    assert refusal(content) == [
        "“classes.xlsx” would unpack to 2.0\xa0MB, more than the 1.0\xa0MB a document may "
        "hold: it is refused as a possible zip bomb."
    ]


def test_an_import_reports_it_under_file():
    with pytest.raises(ValidationError) as error:
        read_rows(upload("bom.xlsx", BOMB), tuple(HEADER))
    [message] = error.value.message_dict["file"]
    assert message.endswith(RATIO_MESSAGE)


def test_the_import_api_answers_400_naming_the_file_and_imports_nothing(api, cast, small_set):
    response = api(cast.national).post(
        "/api/v1/commune-classes/import/",
        {"criteria_set": "TEST-2021-2025", "file": upload("bom.xlsx", BOMB)},
        format="multipart",
    )
    assert response.status_code == 400
    [message] = response.json()["errors"]["file"]
    assert message.startswith("“bom.xlsx” unpacks to ") and message.endswith(RATIO_MESSAGE)
    assert not CommuneClass.objects.exists()


def test_a_damaged_workbook_is_still_unreadable_not_an_error():
    content = workbook()
    assert refusal(b"PK\x03\x04" + content[4:200]) == ["The file is not a readable .xlsx workbook."]


def test_a_sheet_past_the_row_limit_is_refused(monkeypatch):
    monkeypatch.setattr(tables, "MAX_ROWS", 5)
    rows = [("25930", 2023, "tdmnpb", f"QĐ {n}") for n in range(50)]
    assert refusal(workbook(rows)) == ["The file has more than 5 rows."]
    assert len(read_table(upload("classes.xlsx", workbook(rows[:5])), tuple(HEADER))) == 5


def _merged(*ranges: str, rows=(("25930", 2023, "tdmnpb", "QĐ 861"), ("25931", 2023, "", ""))):
    book = Workbook()
    for row in [HEADER, *rows]:
        book.active.append(list(row))
    for cells in ranges:
        book.active.merge_cells(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_cells_merged_below_the_header_are_refused_not_read_as_empty():
    """A merged range keeps its value in its first cell: the class of row 3, merged with row
    2's, was read as empty."""
    [message] = refusal(_merged("C2:C3", "D2:D3"))
    assert message == (
        "Cells C2:C3, D2:D3 are merged. A spreadsheet keeps a merged range's value in its "
        "first cell alone: the others would be read as empty. Unmerge the cells and fill "
        "each one."
    )


def test_cells_merged_in_the_header_alone_are_read():
    [first, second] = read_table(upload("classes.xlsx", _merged("E1:F1", "A9:A9")), tuple(HEADER))
    assert (first.get("class"), second.get("class")) == ("tdmnpb", "")


@pytest.mark.parametrize(
    ("cells", "first_row", "columns", "hides"),
    [
        ("B5:B7", 5, [2], True),  # B6, B7
        ("B5:B7", 7, [2], True),  # B7
        ("B5:B7", 8, [2], False),  # below the range
        ("B5:B7", 1, [1, 3], False),  # other columns
        ("B5:D5", 5, [2], False),  # only its first cell in column B
        ("B5:D5", 5, [4], True),  # D5
        ("B5:B5", 1, None, False),  # one cell hides nothing
        ("A1:C1", 2, None, False),  # the header alone
        ("A1:A2", 2, None, True),  # A2
        ("A1:XFD1048576", 2, [5], True),  # a whole sheet: worked out from the bounds
    ],
)
def test_what_a_merged_range_hides(cells, first_row, columns, hides):
    from openpyxl.utils.cell import range_boundaries

    found = tables.MergedRange(cells, *range_boundaries(cells))
    assert found.hides(first_row, columns) is hides


def test_merged_ranges_are_read_under_any_namespace_prefix_and_across_chunks(monkeypatch):
    """The ranges come from the sheet's XML (openpyxl's read-only mode skips them), read in
    chunks: an element cut between two chunks is still found, and found once."""
    content = _merged("C2:C3")
    sheet_xml = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    xml = parts[sheet_xml].decode()
    namespace = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    xml = xml.replace(namespace, namespace.replace("xmlns=", "xmlns:x=")).replace("<", "<x:")
    parts[sheet_xml] = xml.replace("<x:/", "</x:").replace("<x:?xml", "<?xml").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, data in parts.items():
            package.writestr(name, data)
    assert b"<x:mergeCell " in parts[sheet_xml]
    at = parts[sheet_xml].index(b"mergeCell ") + 5
    monkeypatch.setattr(tables, "_CHUNK", at)  # the first chunk ends inside the element
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()), read_only=True)
    assert [found.ref for found in tables.merged_ranges(book.worksheets[0])] == ["C2:C3"]


@pytest.mark.parametrize(
    ("typed", "read"),
    [(2024.0, "2024"), (55.5, "55.5"), (0.00001, "0.00001"), (1.5e16, "15000000000000000")],
)
def test_a_number_in_a_workbook_is_read_as_written_not_in_exponent_notation(typed, read):
    """Python writes 0.00001 as 1e-05, which no import reads as a number: the error then said
    "not a number" of what the officer typed as a number."""
    [row] = read_table(
        upload("classes.xlsx", workbook([("25930", 2023, typed, "")])), tuple(HEADER)
    )
    assert row.get("class") == read
