"""The import page through real HTTP requests: a file is checked (nothing written) and its
changes shown commune by commune, or every error; confirming applies it; the checked file is
kept on the server for its uploader only; the Excel template downloads from the page."""

import io
import os
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from criteria.models import Assessment, AssessmentValue, WorkflowStep
from criteria.services import create_assessment, move, save_values
from tests.criteria.test_one_answer import _set
from tests.web.test_assessment_pages import as_user, text

pytestmark = pytest.mark.django_db

PAGE, CONFIRM, TEMPLATE = "/imports/", "/imports/confirm/", "/imports/template.xlsx"
HEADER = "commune_code,year,measure_code,value,note\n"


@pytest.fixture
def neighbour(small_set, bach_dang):
    return bach_dang.province.communes.rural(2023).exclude(pk=bach_dang.pk).order_by("code")[0]


def _csv(body: str, name: str = "values.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (HEADER + body).encode(), content_type="text/csv")


def _good(neighbour) -> str:
    return (
        '25930,2023,income,"55,5",\n25930,2023,irrigation,85,\n25930,2023,plan,có,\n'
        f"{neighbour.code},2023,income,30,\n"
    )


def _snapshot() -> tuple:
    return (
        list(Assessment.objects.order_by("pk").values_list("pk", "version", "status", "level")),
        list(AssessmentValue.objects.order_by("pk").values_list("pk", "number", "flag", "note")),
        WorkflowStep.objects.count(),
    )


def _check(client, upload, status="draft"):
    return client.post(PAGE, {"file": upload, "status": status})


def _token(response) -> str:
    found = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert found, "the preview offers no confirmation"
    return found.group(1)


def _preview_rows(response) -> dict[str, str]:
    body = response.content.decode()
    section = re.search(r'<section class="card" id="preview".*?</section>', body, re.S)
    found = re.findall(r'<tr data-commune="(\d+)">(.*?)</tr>', section.group(0), re.S)
    return {code: " ".join(re.sub(r"<[^>]+>", " ", row).split()) for code, row in found}


def _pending(media, *, beside: bool = False) -> list[str]:
    """The files kept for confirmation (``beside``: with what each check found)."""
    root = media / "imports" / "pending"
    names = [name for _d, _s, names in os.walk(root) for name in names] if root.exists() else []
    return [name for name in names if beside or not name.endswith(".seen.json")]


def test_the_preview_writes_nothing_and_lists_each_commune(
    client, cast, bach_dang, neighbour, media
):
    before = _snapshot()
    response = _check(as_user(client, cast.officer_74), _csv(_good(neighbour)))
    assert response.status_code == 200
    assert _snapshot() == before
    rows = _preview_rows(response)
    assert rows["25930"] == "Xã Bạch Đằng 25930 2023 created 3 0 0"
    assert rows[neighbour.code] == f"{neighbour.name} {neighbour.code} 2023 created 1 0 0"
    page = text(response)
    assert "Assessments created 2" in page and "Values created 4" in page
    assert "Confirm the import" in page
    assert len(_pending(media)) == 1  # kept on the server, not in the page


def test_confirming_applies_the_file_and_links_to_the_overview(
    client, cast, bach_dang, neighbour, media
):
    client = as_user(client, cast.officer_74)
    token = _token(_check(client, _csv(_good(neighbour))))
    response = client.post(CONFIRM, {"token": token}, follow=True)
    assessment = Assessment.objects.get(commune=bach_dang, year=2023)
    values = {v.measure.code: v for v in assessment.values.select_related("measure")}
    assert (str(values["income"].number), values["plan"].flag) == ("55.5000", True)
    assert (assessment.status, assessment.level) == ("draft", "standard")
    assert Assessment.objects.filter(commune=neighbour, year=2023).exists()
    page = text(response)
    assert "Imported: 2 assessment(s) created and 0 changed; 4 value(s) created" in page
    assert 'href="/?year=2023"' in response.content.decode()
    assert _pending(media, beside=True) == []  # the file is forgotten once applied
    again = client.post(CONFIRM, {"token": token})  # the same confirmation twice
    assert "no longer kept" in text(again)


def test_a_changed_assessment_shows_as_changed_with_its_counts(client, cast, bach_dang, neighbour):
    assessment = create_assessment(commune=bach_dang, year=2023)
    save_values(assessment=assessment, values={"income": 30, "irrigation": 85}, version=1)
    body = "25930,2023,income,31,\n25930,2023,irrigation,,\n25930,2023,plan,1,\n"
    response = _check(as_user(client, cast.officer_74), _csv(body))
    assert _preview_rows(response)["25930"] == "Xã Bạch Đằng 25930 2023 changed 1 1 1"
    # Each stored value the file overwrites, before and after (a new one is not listed).
    body = response.content.decode()
    section = re.search(r'<details class="import-values".*?</details>', body, re.S).group(0)
    lines = re.findall(r'<tr data-measure="(\w+)" data-row="(\d+)">(.*?)</tr>', section, re.S)
    shown = {m: (row, " ".join(re.sub(r"<[^>]+>", " ", cells).split())) for m, row, cells in lines}
    assert shown == {
        "income": (
            "2",
            "Xã Bạch Đằng (25930) 2023 income income 2 "
            "30 triệu đồng/người/năm 31 triệu đồng/người/năm",
        ),  # name, code; values with their unit, as the entry page shows them
        "irrigation": ("3", "Xã Bạch Đằng (25930) 2023 irrigation irrigation 3 85 % cleared"),
    }
    assert "2 stored values changed or cleared" in text(response)


def test_a_refused_file_lists_every_error_and_writes_nothing(
    client, cast, small_set, bach_dang, media
):
    body = (
        "25930,2023,income,lots,\n"  # not a number
        "99999,2023,income,50,\n"  # no such commune
        "25930,2023,nothing,1,\n"  # no such measure
        "25930,2023,plan,maybe,\n"  # not yes/no
    )
    before = _snapshot()
    response = _check(as_user(client, cast.officer_74), _csv(body))
    assert _snapshot() == before
    body = response.content.decode()
    errors = re.findall(
        r'<tr data-row="(\d+)"><td class="num"[^>]*>\d+</td><td[^>]*>([^<]*)</td>', body
    )
    assert errors == [
        ("2", "value"),
        ("3", "commune_code"),
        ("4", "measure_code"),
        ("5", "value"),
    ]
    page = text(response)
    assert "The file was refused (4 errors); nothing was imported." in page
    assert "No commune has this code." in page and "lots" in page
    assert 'name="token"' not in body and _pending(media) == []


def test_an_officer_of_another_province_is_refused_by_the_service(
    client, cast, small_set, bach_dang
):
    before = _snapshot()
    response = _check(as_user(client, cast.officer_20), _csv("25930,2023,income,50,\n"))
    assert _snapshot() == before
    assert "Xã Bạch Đằng is in Tỉnh Bình Dương: you may import only your province." in text(
        response
    )


def test_an_officer_is_not_offered_approved_and_cannot_send_it(client, cast, small_set, bach_dang):
    client = as_user(client, cast.officer_74)
    assert 'value="approved"' not in client.get(PAGE).content.decode()
    before = _snapshot()
    response = _check(client, _csv("25930,2023,income,50,\n"), status="approved")
    assert response.status_code == 400 and _snapshot() == before
    assert "Select a valid choice" in text(response)


def test_an_approver_imports_approved(client, cast, bach_dang, neighbour):
    client = as_user(client, cast.approver_74)
    assert 'value="approved"' in client.get(PAGE).content.decode()
    response = _check(client, _csv(_good(neighbour)), status="approved")
    assert "Assessments approved 2" in text(response)
    done = client.post(CONFIRM, {"token": _token(response)}, follow=True)
    assert "2 assessment(s) approved." in text(done)
    assessment = Assessment.objects.get(commune=bach_dang, year=2023)
    assert assessment.status == "approved"
    assert list(assessment.steps.values_list("action", flat=True)) == [
        "create",
        "submit",
        "approve",
    ]


def test_another_users_token_cannot_be_confirmed(client, cast, bach_dang, neighbour):
    token = _token(_check(as_user(client, cast.officer_74), _csv(_good(neighbour))))
    before = _snapshot()
    response = as_user(client, cast.approver_74).post(CONFIRM, {"token": token})
    assert _snapshot() == before
    assert "no longer kept (or is not yours)" in text(response)
    as_user(client, cast.officer_74).post(CONFIRM, {"token": token})  # still the owner's
    assert Assessment.objects.filter(commune=bach_dang, year=2023).exists()


@pytest.mark.parametrize("token", ["../../etc/passwd", "x", "a" * 30])
def test_a_forged_token_finds_nothing(client, cast, token):
    response = as_user(client, cast.officer_74).post(CONFIRM, {"token": token})
    assert "no longer kept" in text(response)


def test_a_file_older_than_an_hour_is_no_longer_kept(client, cast, bach_dang, neighbour, media):
    client = as_user(client, cast.officer_74)
    token = _token(_check(client, _csv(_good(neighbour))))
    hour_ago = time.time() - 3700
    for path in (media / "imports" / "pending").rglob("*.csv"):
        os.utime(path, (hour_ago, hour_ago))
    response = client.post(CONFIRM, {"token": token})
    assert "no longer kept" in text(response)
    assert not Assessment.objects.filter(commune=bach_dang, year=2023).exists()
    _check(client, _csv(_good(neighbour)))  # a new upload sweeps the expired one
    assert len(_pending(media)) == 1


def test_confirm_checks_again_and_writes_nothing_if_the_data_moved_on(
    client, cast, bach_dang, neighbour
):
    assessment = create_assessment(commune=bach_dang, year=2023)
    client = as_user(client, cast.officer_74)
    token = _token(_check(client, _csv(_good(neighbour))))
    move(assessment=assessment, action="submit", version=assessment.version)  # meanwhile
    before = _snapshot()
    response = client.post(CONFIRM, {"token": token})
    assert _snapshot() == before
    assert "The file was refused" in text(response)


def test_confirm_writes_nothing_if_an_assessment_was_saved_after_the_preview(
    client, cast, bach_dang, neighbour
):
    """The preview said what the file would change; someone saves the commune's values before
    the confirmation: confirming would overwrite a save the preview did not show."""
    assessment = create_assessment(commune=bach_dang, year=2023)
    save_values(assessment=assessment, values={"income": 30}, version=1)
    client = as_user(client, cast.officer_74)
    token = _token(_check(client, _csv(_good(neighbour))))
    save_values(assessment=assessment, values={"income": 40}, version=2, user=cast.approver_74)
    before = _snapshot()
    response = client.post(CONFIRM, {"token": token})
    assert response.status_code == 400
    assert _snapshot() == before
    page = text(response)
    assert "Xã Bạch Đằng's assessment of 2023 was saved by someone else after the preview" in page
    assert neighbour.name not in page.split("was saved by someone else")[0]  # only the one moved
    assert AssessmentValue.objects.get(assessment=assessment, measure__code="income").number == 40


def test_confirm_writes_nothing_if_an_assessment_was_created_after_the_preview(
    client, cast, bach_dang, neighbour
):
    client = as_user(client, cast.officer_74)
    token = _token(_check(client, _csv(_good(neighbour))))  # both to be created
    create_assessment(commune=neighbour, year=2023, user=cast.approver_74)
    before = _snapshot()
    response = client.post(CONFIRM, {"token": token})
    assert _snapshot() == before
    assert f"{neighbour.name}'s assessment of 2023 was saved by someone else" in text(response)
    assert not Assessment.objects.filter(commune=bach_dang, year=2023).exists()


def test_a_save_to_a_commune_the_file_leaves_as_it_is_does_not_refuse(
    client, cast, bach_dang, neighbour
):
    assessment = create_assessment(commune=bach_dang, year=2023)
    save_values(assessment=assessment, values={"income": 30}, version=1)
    client = as_user(client, cast.officer_74)
    body = f"25930,2023,income,30,\n{neighbour.code},2023,income,30,\n"
    token = _token(_check(client, _csv(body)))
    save_values(assessment=assessment, values={"irrigation": 70}, version=2)  # meanwhile
    assert client.post(CONFIRM, {"token": token}).status_code == 302
    assert Assessment.objects.filter(commune=neighbour, year=2023).exists()


def test_confirming_what_was_previewed_after_an_unrelated_save_applies_it(
    client, cast, bach_dang, neighbour, small_set
):
    """A save elsewhere in the province is no reason to refuse."""
    client = as_user(client, cast.officer_74)
    token = _token(_check(client, _csv(_good(neighbour))))
    other = bach_dang.province.communes.rural(2023).exclude(pk__in=[bach_dang.pk, neighbour.pk])
    create_assessment(commune=other.order_by("code")[0], year=2023)
    assert client.post(CONFIRM, {"token": token}).status_code == 302
    assert Assessment.objects.filter(commune=bach_dang, year=2023).exists()


@pytest.mark.parametrize(
    "upload, message",
    [
        (None, "Choose a file to import."),
        (SimpleUploadedFile("values.csv", b""), "The file is empty."),
        (SimpleUploadedFile("values.pdf", b"%PDF-1.4"), "Upload the long CSV (.csv) or"),
    ],
)
def test_a_missing_empty_or_foreign_file_is_refused_clearly(client, cast, upload, message):
    data = {"status": "draft"} | ({"file": upload} if upload else {})
    response = as_user(client, cast.officer_74).post(PAGE, data)
    assert response.status_code == 400
    assert message in text(response)


def test_a_file_over_the_limit_is_refused(client, cast, monkeypatch):
    monkeypatch.setattr("core.tables.MAX_BYTES", 10)
    response = _check(as_user(client, cast.officer_74), _csv("25930,2023,income,50,\n"))
    assert "The file is larger than 5 MB." in text(response)


def test_the_page_is_for_those_who_import(client, cast):
    assert as_user(client, cast.viewer_74).get(PAGE).status_code == 403
    assert as_user(client, cast.no_role).get(PAGE).status_code == 403
    client.logout()
    assert client.get(PAGE).status_code == 302


def test_an_officer_downloads_the_template_of_their_province(client, cast, small_set, bach_dang):
    response = as_user(client, cast.officer_74).get(TEMPLATE, {"year": 2023})
    assert response.status_code == 200
    assert 'filename="ntm-template-74-2023.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    codes = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert "25930" in codes


def test_the_template_offers_the_years_whose_map_holds_the_province(client, cast, small_set):
    """Bình Dương went into Hồ Chí Minh City on 1 July 2025: its officer is offered its own
    years, the latest by default. Before, 2026 was offered first, and its download failed."""
    _set("LATER", 2026, 2030)
    page = as_user(client, cast.officer_74).get(PAGE).content.decode()
    template = page[page.index('id="id_year"') :]
    template = template[: template.index("</select>")]
    assert '<option value="2025" selected>' in template
    assert "2026" not in template
    refused = client.get(TEMPLATE, {"year": 2026}, follow=True)
    assert "Select a valid choice" in text(refused)
    lang_son = as_user(client, cast.officer_20).get(PAGE).content.decode()  # on both maps
    assert '<option value="2026" selected>' in lang_son


def test_a_national_user_chooses_the_province(client, cast, small_set, bach_dang):
    client = as_user(client, cast.national)
    assert 'name="province"' in client.get(PAGE).content.decode()
    response = client.get(TEMPLATE, {"year": 2023, "province": "74"})
    assert 'filename="ntm-template-74-2023.xlsx"' in response["Content-Disposition"]
    refused = client.get(TEMPLATE, {"year": 2023, "province": "zz"}, follow=True)
    assert "Select a valid choice" in text(refused)


def test_approving_by_file_leaves_what_the_file_does_not_change(client, cast, bach_dang, neighbour):
    """A file that leaves a submitted assessment's values as they are does not approve it: the
    approver approves it from the queue, having read it. Before, it did, and the template,
    which holds every commune, approved the province's drafts, returned and submitted ones
    with one changed value. The preview says what is left, and offers nothing to confirm."""
    assessment = create_assessment(commune=bach_dang, year=2023)
    save_values(assessment=assessment, values={"income": 55, "irrigation": 85}, version=1)
    move(assessment=assessment, action="submit", version=2)
    client = as_user(client, cast.approver_74)
    before = _snapshot()
    checked = _check(client, _csv("25930,2023,income,55,\n"), status="approved")
    assert "Assessments not approved: the file does not change them 1" in text(checked)
    assert 'name="token"' not in checked.content.decode()
    assert _snapshot() == before
    assert Assessment.objects.get(pk=assessment.pk).status == "submitted"
