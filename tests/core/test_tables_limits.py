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
