"""Evidence files on the entry page, through real HTTP requests: attached beside each measure,
listed with download links, downloaded only by the province's staff, removed while the
province works on the assessment; a refused file is explained and nothing is stored."""

import html
import re

import pytest

from criteria.models import Evidence
from criteria.services import attach_evidence, create_assessment, move
from tests.criteria.files import PDF, PROGRAM, stored_files, upload
from tests.web.test_assessment_pages import PAGE, as_user, text

pytestmark = pytest.mark.django_db

UPLOAD = f"{PAGE}evidence/"


@pytest.fixture(autouse=True)
def _vietnamese_by_default(settings):
    settings.LANGUAGE_CODE = "vi"


@pytest.fixture
def draft(small_set, bach_dang, cast):
    return create_assessment(commune=bach_dang, year=2023, user=cast.officer_74)


def attach(assessment, user, name="quyet-dinh.pdf"):
    return attach_evidence(
        assessment=assessment, measure_code="plan", upload=upload(name, PDF), user=user
    )


def post_file(client, name="quyet-dinh.pdf", content=PDF, **extra):
    return client.post(UPLOAD, {"measure": "plan", "file": upload(name, content)}, **extra)


def evidence_block(response, code="plan") -> str:
    """The text of one measure's evidence block."""
    body = response.content.decode()
    block = re.search(rf'<div class="evidence" id="evidence-{code}".*?</div>', body, re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", block.group(0))).split())


def test_an_officer_attaches_a_file_and_sees_it_listed(client, cast, draft, media):
    as_user(client, cast.officer_74)
    body = client.get(PAGE).content.decode()
    # A multipart form per measure, outside the entry form (forms cannot nest).
    assert re.search(
        r'<form method="post" enctype="multipart/form-data" id="evidence-upload-plan"', body
    )
    assert '<input type="file" name="file" id="evidence-file-plan" form="evidence-upload-plan"' in (
        body
    )
    assert "tối đa 10,0 MB" in text(client.get(PAGE))

    response = post_file(client)
    assert (response.status_code, response["Location"]) == (302, f"{PAGE}#measure-plan")
    page = client.get(PAGE)
    assert "Đã đính kèm “quyet-dinh.pdf”." in text(page)
    evidence = Evidence.objects.get()
    assert f'href="{PAGE}evidence/{evidence.pk}/"' in page.content.decode()
    assert re.match(
        rf"Tệp minh chứng quyet-dinh\.pdf · {len(PDF)} byte · officer_74 ·", evidence_block(page)
    )
    assert "/media/" not in page.content.decode()


@pytest.mark.parametrize("who", ["officer_74", "viewer_74", "approver_74", "national"])
def test_the_province_staff_download_the_file(client, cast, draft, media, who):
    evidence = attach(draft, cast.officer_74, "Quyết định 12.pdf")
    response = as_user(client, getattr(cast, who)).get(f"{PAGE}evidence/{evidence.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh%2012.pdf"
    )
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("who", ["officer_20", "approver_20", "no_role"])
def test_another_province_gets_a_404_for_every_evidence_url(client, cast, draft, media, who):
    evidence = attach(draft, cast.officer_74)
    as_user(client, getattr(cast, who))
    for response in (
        client.get(f"{PAGE}evidence/{evidence.pk}/"),
        post_file(client),
        client.post(f"{PAGE}evidence/{evidence.pk}/remove/"),
    ):
        assert response.status_code == 404
        assert "Bạch Đằng" not in response.content.decode()
    assert list(Evidence.objects.all()) == [evidence]
    assert stored_files(media) == [media / evidence.file.name]


def test_an_anonymous_visitor_is_sent_to_log_in(client, cast, draft, media):
    evidence = attach(draft, cast.officer_74)
    for method, url in [
        (client.get, f"{PAGE}evidence/{evidence.pk}/"),
        (client.post, UPLOAD),
        (client.post, f"{PAGE}evidence/{evidence.pk}/remove/"),
    ]:
        response = method(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"
    assert Evidence.objects.count() == 1 and len(stored_files(media)) == 1


def test_a_file_of_another_year_is_not_reached_through_this_one(client, cast, draft, media):
    other = create_assessment(commune=draft.commune, year=2022)
    evidence = attach(other, cast.officer_74)
    as_user(client, cast.officer_74)
    assert client.get(f"{PAGE}evidence/{evidence.pk}/").status_code == 404
    assert client.post(f"{PAGE}evidence/{evidence.pk}/remove/").status_code == 404
    assert Evidence.objects.count() == 1


def test_a_missing_file_is_a_404_not_an_error(client, cast, draft, media):
    evidence = attach(draft, cast.officer_74)
    (media / evidence.file.name).unlink()
    response = as_user(client, cast.officer_74).get(f"{PAGE}evidence/{evidence.pk}/")
    assert response.status_code == 404


def test_a_viewer_cannot_attach_or_remove(client, cast, draft, media):
    evidence = attach(draft, cast.officer_74)
    as_user(client, cast.viewer_74)
    body = client.get(PAGE).content.decode()
    assert "evidence-upload-plan" not in body and f'href="{PAGE}evidence/{evidence.pk}/"' in body
    assert post_file(client).status_code == 403
    assert client.post(f"{PAGE}evidence/{evidence.pk}/remove/").status_code == 403
    assert list(Evidence.objects.all()) == [evidence] and len(stored_files(media)) == 1


def test_a_refused_file_is_explained_beside_its_measure_and_nothing_is_stored(
    client, cast, draft, media
):
    response = post_file(as_user(client, cast.officer_74), "scan.pdf", PROGRAM)
    assert response.status_code == 400
    message = "“scan.pdf” không phải là tệp PDF thật: nội dung của tệp không khớp với tên tệp."
    assert f"Chưa đính kèm tệp nào. {message}" in text(response)
    assert message in evidence_block(response)
    assert 'name="income"' in response.content.decode()  # the entry form is still there
    assert not Evidence.objects.exists() and stored_files(media) == []


def test_posting_without_a_file_says_to_choose_one(client, cast, draft, media):
    response = as_user(client, cast.officer_74).post(UPLOAD, {"measure": "plan"})
    assert response.status_code == 400
    assert "Hãy chọn một tệp để đính kèm." in evidence_block(response)
    assert not Evidence.objects.exists()


def test_the_officer_removes_a_file_from_the_page(
    client, cast, draft, media, django_capture_on_commit_callbacks
):
    pk = attach(draft, cast.officer_74).pk
    as_user(client, cast.officer_74)
    assert f'form="evidence-remove-{pk}"' in client.get(PAGE).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{PAGE}evidence/{pk}/remove/")
    assert response["Location"] == f"{PAGE}#measure-plan"
    page = client.get(PAGE)
    assert "Đã gỡ “quyet-dinh.pdf”." in text(page)
    assert "quyet-dinh.pdf" not in evidence_block(page)
    assert not Evidence.objects.exists() and stored_files(media) == []
    assert client.post(f"{PAGE}evidence/{pk}/remove/").status_code == 404
    removed = Evidence.history.get(id=pk, history_type="-")
    assert removed.history_user == cast.officer_74


def test_a_submitted_assessment_lists_its_files_read_only(client, cast, draft, media):
    evidence = attach(draft, cast.officer_74)
    move(assessment=draft, version=draft.version, action="submit")
    as_user(client, cast.officer_74)
    page = client.get(PAGE)
    assert f'href="{PAGE}evidence/{evidence.pk}/"' in page.content.decode()
    assert "evidence-upload-plan" not in page.content.decode()
    assert "evidence-remove-" not in page.content.decode()
    refused = post_file(client, "late.pdf", follow=True)
    assert "Kết quả đánh giá này đã gửi phê duyệt" in text(refused)
    removal = client.post(f"{PAGE}evidence/{evidence.pk}/remove/", follow=True)
    assert "Kết quả đánh giá này đã gửi phê duyệt" in text(removal)
    assert list(Evidence.objects.all()) == [evidence] and len(stored_files(media)) == 1
