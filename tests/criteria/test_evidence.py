"""Evidence files: officers attach them to a measure while the province works on the
assessment; the content decides the type; a refusal stores nothing; only the province's staff
download them, through a view that checks the scope, never from a public media URL."""

import re

import pytest
from django.core.exceptions import ValidationError

from criteria.models import Evidence
from criteria.services import (
    LockedError,
    attach_evidence,
    create_assessment,
    move,
    remove_evidence,
)
from tests.criteria.files import (
    JPEG,
    PDF,
    PNG,
    PROGRAM,
    SAMPLES,
    ooxml,
    package,
    stored_files,
    upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(small_set, bach_dang, cast):
    return create_assessment(commune=bach_dang, year=2023, user=cast.officer_74)


def attach(draft, user, name="quyet-dinh.pdf", content=PDF, measure="plan"):
    return attach_evidence(
        assessment=draft, measure_code=measure, upload=upload(name, content), user=user
    )


# --- the service ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SAMPLES))
def test_each_accepted_kind_is_stored_under_a_generated_name(draft, cast, media, name):
    content, content_type = SAMPLES[name]
    evidence = attach(draft, cast.officer_74, name, content)
    extension = name.rsplit(".", 1)[1].lower()
    assert re.fullmatch(rf"evidence/{draft.pk}/[0-9a-f]{{32}}\.{extension}", evidence.file.name)
    assert (media / evidence.file.name).read_bytes() == content
    assert stored_files(media) == [media / evidence.file.name]
    evidence.refresh_from_db()
    assert (evidence.original_name, evidence.content_type) == (name, content_type)
    assert (evidence.size, evidence.measure.code) == (len(content), "plan")
    assert evidence.uploaded_by == cast.officer_74
    record = evidence.history.get()
    assert (record.history_type, record.history_user) == ("+", cast.officer_74)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/Quyết định số 1.pdf", "Quyết định số 1.pdf"),
        ("Quyết định\r\nSet-Cookie: x\x07.pdf", "Quyết địnhSet-Cookie: x.pdf"),
        ("\x00.pdf", "evidence.pdf"),
    ],
)
def test_an_unsafe_original_name_is_cleaned_and_reaches_only_the_row(
    draft, cast, media, name, shown
):
    evidence = attach(draft, cast.officer_74, name)
    assert evidence.original_name == shown
    assert re.fullmatch(rf"evidence/{draft.pk}/[0-9a-f]{{32}}\.pdf", evidence.file.name)


REFUSALS = [
    ("tool.exe", PROGRAM, "“tool.exe” cannot be attached: attach a PDF, a JPEG or PNG image"),
    ("bao-cao.doc", PDF, "“bao-cao.doc” cannot be attached"),
    ("no-extension", PDF, "“no-extension” cannot be attached"),
    ("scan.pdf", PROGRAM, "“scan.pdf” is not a real PDF file: its content does not match"),
    ("anh.jpg", PNG, "“anh.jpg” is not a real JPEG file"),
    ("so-do.png", JPEG, "“so-do.png” is not a real PNG file"),
    ("any.docx", package({"readme.txt": b"hi"}), "“any.docx” is not a real DOCX file"),
    ("sheet.xlsx", ooxml("word/"), "“sheet.xlsx” is not a real XLSX file"),
    ("broken.docx", b"PK\x03\x04 not really a zip", "“broken.docx” is not a real DOCX file"),
    ("text.odt", SAMPLES["thong-ke.ods"][0], "“text.odt” is not a real ODT file"),
    ("empty.pdf", b"", "“empty.pdf” is empty."),
]


@pytest.mark.parametrize(("name", "content", "message"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_wrong_or_empty_file_is_refused_and_nothing_is_stored(
    draft, cast, media, name, content, message
):
    with pytest.raises(ValidationError) as error:
        attach(draft, cast.officer_74, name, content)
    assert message in error.value.message_dict["file"][0]
    assert not Evidence.objects.exists() and stored_files(media) == []


def test_the_size_limit_is_the_setting(draft, cast, media, settings):
    settings.NTM_EVIDENCE_MAX_BYTES = len(PDF)
    attach(draft, cast.officer_74, "exactly.pdf", PDF)
    with pytest.raises(ValidationError) as error:
        attach(draft, cast.officer_74, "larger.pdf", PDF + b"x")
    assert error.value.message_dict["file"] == [
        f"“larger.pdf” is too large ({len(PDF) + 1}\xa0bytes): the limit is {len(PDF)}\xa0bytes."
    ]
    assert [e.original_name for e in Evidence.objects.all()] == ["exactly.pdf"]
    assert len(stored_files(media)) == 1


def test_the_default_limit_is_ten_megabytes(draft, cast, media, settings):
    assert settings.NTM_EVIDENCE_MAX_BYTES == 10 * 1024 * 1024
    with pytest.raises(ValidationError) as error:
        attach(draft, cast.officer_74, "big.pdf", PDF + b"0" * (10 * 1024 * 1024))
    assert error.value.messages == ["“big.pdf” is too large (10.0\xa0MB): the limit is 10.0\xa0MB."]
    assert stored_files(media) == []


def test_an_unknown_measure_is_refused(draft, cast, media):
    with pytest.raises(ValidationError) as error:
        attach(draft, cast.officer_74, measure="rainfall")
    assert error.value.message_dict == {
        "measure": ["Unknown measure “rainfall” in TEST-2021-2025."]
    }
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        (["submit"], "submitted for approval"),
        (["submit", "approve"], "approved and locked"),
    ],
)
def test_no_file_is_attached_or_removed_once_submitted(draft, cast, media, steps, message):
    kept = attach(draft, cast.officer_74)
    for step in steps:
        move(assessment=draft, version=draft.version, action=step)
    with pytest.raises(LockedError, match=message):
        attach(draft, cast.officer_74, "late.pdf")
    with pytest.raises(LockedError, match=message):
        remove_evidence(evidence=kept, user=cast.officer_74)
    assert list(Evidence.objects.all()) == [kept]
    assert stored_files(media) == [media / kept.file.name]


def test_a_returned_assessment_takes_files_again(draft, cast, media):
    move(assessment=draft, version=draft.version, action="submit")
    move(assessment=draft, version=draft.version, action="return", comment="Thiếu minh chứng")
    assert attach(draft, cast.officer_74).assessment == draft


def test_removing_deletes_the_row_and_then_the_file_and_keeps_the_history(
    draft, cast, media, django_capture_on_commit_callbacks
):
    evidence = attach(draft, cast.officer_74)
    pk = evidence.pk
    with django_capture_on_commit_callbacks(execute=True):
        remove_evidence(evidence=evidence, user=cast.approver_74)
    assert not Evidence.objects.exists() and stored_files(media) == []
    history = Evidence.history.filter(id=pk).order_by("history_date")
    assert [(h.history_type, h.history_user, h.original_name) for h in history] == [
        ("+", cast.officer_74, "quyet-dinh.pdf"),
        ("-", cast.approver_74, "quyet-dinh.pdf"),
    ]


def test_a_removal_that_is_rolled_back_keeps_the_file(draft, cast, media):
    evidence = attach(draft, cast.officer_74)
    # Inside the test's transaction nothing commits: the file must still be there.
    remove_evidence(evidence=evidence, user=cast.officer_74)
    assert stored_files(media) == [media / evidence.file.name]
