"""The national office's criteria pages, through the test client as the office meets them:
the set with what is unconfigured, a draft's grid and file import (every error at its row,
nothing written), the preview, publishing and re-judging; nobody else gets in."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from openpyxl import Workbook

from criteria.models import Assessment, CommuneClass, Edition, EditionChange, Threshold
from criteria.services import create_assessment, move, save_values
from criteria.services.editions import threshold_data
from tests.criteria.builders import first_edition
from tests.criteria.files import upload
from web.viewmodels.criteria_sets import seen

PASSING = {"income": 55, "irrigation": 85, "plan": True}
HEADER = "level,indicator,scope,class_value,province,first_year,last_year,value,source,verified"


def _login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def office(client, cast):
    return _login(client, cast.national)


@pytest.fixture
def draft(small_set, cast):
    first_edition(small_set)
    return Edition.objects.create(
        criteria_set=small_set,
        title="Thu nhập 2024-2025",
        first_year=2024,
        last_year=2025,
        created_by=cast.national,
    )


def _page(edition, name="pages:edition"):
    return reverse(name, args=[edition.criteria_set.code, edition.pk])


def _csv(*lines, name="nguong.csv"):
    return upload(name, "\n".join([HEADER, *lines]).encode(), "text/csv")


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize("who", ["officer_74", "approver_74", "viewer_74"])
def test_only_the_national_office_opens_the_criteria_pages(client, cast, small_set, who):
    _login(client, getattr(cast, who))
    for url in (
        reverse("pages:criteria-sets"),
        reverse("pages:criteria-set", args=[small_set.code]),
        reverse("pages:commune-classes", args=[small_set.code]),
    ):
        assert client.get(url).status_code == 403
    response = client.post(reverse("pages:new-draft", args=[small_set.code]), {"title": "x"})
    assert response.status_code == 403
    assert not Edition.objects.exists()


def test_the_set_page_shows_thresholds_and_what_is_unconfigured(
    office, small_set, django_assert_max_num_queries
):
    Threshold.objects.filter(indicator__code="2.1").delete()
    url = reverse("pages:criteria-set", args=[small_set.code])
    # Session, user, access, the set, 4 for levels/criteria/indicators/thresholds, editions,
    # the header's province: whatever the number of indicators.
    # +3: the session renewed (savepoint, update, release), the idle timeout
    with django_assert_max_num_queries(14):
        response = office.get(url)
    text = _text(response)
    assert 'data-total="numeric">3<' in text  # income twice, irrigation
    assert 'data-total="unconfigured">1<' in text  # irrigation has no threshold left
    assert "Threshold not configured" in text or "Chưa cấu hình ngưỡng" in text


def test_a_draft_is_opened_from_the_set_page(office, small_set, cast):
    response = office.post(
        reverse("pages:new-draft", args=[small_set.code]),
        {"title": "Thu nhập", "first_year": 2024, "last_year": 2025},
    )
    edition = Edition.objects.get()
    assert response.status_code == 302 and response.url == _page(edition)
    assert (edition.status, edition.created_by) == ("draft", cast.national)


def test_a_file_with_a_wrong_row_imports_nothing_and_names_the_row(office, draft):
    bad = _csv(
        "standard,1.1,class,dbsh,,2024,2025,45,QĐ 211,1",
        "standard,2.1,national,,,2024,2025,150,QĐ 211,1",
    )
    response = office.post(_page(draft, "pages:edition-import"), {"file": bad})
    assert response.status_code == 400
    text = _text(response)
    assert "row 3: value: A percentage is between 0 and 100." in text or "dòng 3" in text
    assert not EditionChange.objects.exists()

    good = _csv("standard,1.1,class,dbsh,,2024,2025,45,QĐ 211,1")
    response = office.post(_page(draft, "pages:edition-import"), {"file": good})
    assert response.status_code == 302
    change = EditionChange.objects.get()
    assert (change.kind, change.data["class_value"], change.data["value"]) == (
        "add_threshold",
        "dbsh",
        "45",
    )


def test_an_xlsx_file_is_read_like_a_csv(office, draft):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["standard", "1.1", "class", "dbsh", None, 2024, 2025, 45, "QĐ 211", 1])
    content = io.BytesIO()
    book.save(content)
    response = office.post(
        _page(draft, "pages:edition-import"), {"file": upload("nguong.xlsx", content.getvalue())}
    )
    assert response.status_code == 302
    assert EditionChange.objects.get().data["first_year"] == 2024


def _grid_post(draft, rows: list[dict], initial: int = 0) -> dict:
    data = {
        "rows-TOTAL_FORMS": str(len(rows)),
        "rows-INITIAL_FORMS": str(initial),
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data |= {f"rows-{i}-{key}": value for key, value in row.items()}
    return data


def test_the_grid_adds_a_threshold_and_shows_an_error_at_its_line(office, draft, small_set):
    # The grid of one indicator: its 2 stored thresholds, then 3 empty lines.
    url = _page(draft) + "?indicator=standard:1.1"
    response = office.get(url)
    assert response.content.decode().count('data-grid-row="') == 5
    stored = Threshold.objects.filter(
        indicator__code="1.1", indicator__criterion__level__code="standard"
    )
    rows = [
        {
            "seen": seen(threshold_data(t)),
            "threshold_id": t.pk,
            "indicator": "standard:1.1",
            "scope": t.scope,
            "class_value": t.class_value,
            "first_year": "2021",
            "last_year": "2025",
            "value": format(t.value.normalize(), "f"),
            "source": t.source,
            "verified": "on",
        }
        for t in stored.order_by("scope", "first_year")  # as the grid lists them
    ]
    new = {
        "indicator": "standard:1.1",
        "scope": "class",
        "class_value": "dbsh",
        "first_year": "1900",
        "last_year": "2025",
        "value": "45",
        "source": "QĐ 211",
        "verified": "on",
    }
    response = office.post(url, _grid_post(draft, [*rows, new], initial=len(rows)))
    assert response.status_code == 400
    assert "“1900” is not a year" in response.content.decode()
    assert not EditionChange.objects.exists()

    response = office.post(
        url, _grid_post(draft, [*rows, {**new, "first_year": "2024"}], len(rows))
    )
    assert response.status_code == 302
    change = EditionChange.objects.get()
    assert (change.kind, change.data["class_value"], change.data["first_year"]) == (
        "add_threshold",
        "dbsh",
        2024,
    )


def test_preview_then_publish_changes_an_open_assessments_level(
    office, draft, small_set, bach_dang, cast
):
    assessment = create_assessment(commune=bach_dang, year=2024)
    save_values(assessment=assessment, values=PASSING, version=1)
    southeast = Threshold.objects.get(class_value="dnb")
    EditionChange.objects.create(
        edition=draft, kind="change_threshold", threshold=southeast, data={"last_year": 2023}
    )
    office.post(
        _page(draft, "pages:edition-import"),
        {"file": _csv("standard,1.1,class,dnb,,2024,2025,60,QĐ 211,1")},
    )
    preview = office.get(_page(draft, "pages:edition-preview"))
    text = _text(preview)
    assert 'data-changes="1"' in text
    assert f'data-commune="{bach_dang.code}"' in text

    response = office.post(
        _page(draft, "pages:edition-publish"),
        {
            "decision_number": "211/QĐ-TTg",
            "decision_date": "2024-03-01",
            "legal_source": "Công báo",
        },
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    draft.refresh_from_db()
    assert (draft.status, draft.number, draft.rescored) == ("published", 2, 1)
    assert (assessment.level, assessment.edition_id) == ("none", draft.pk)
    page = office.get(_page(draft))
    assert "211/QĐ-TTg" in page.content.decode()


def test_publishing_without_a_decision_says_why_and_changes_nothing(office, draft):
    office.post(
        _page(draft, "pages:edition-import"),
        {"file": _csv("standard,1.1,class,dbsh,,2024,2025,45,QĐ 211,1")},
    )
    response = office.post(_page(draft, "pages:edition-publish"), {}, follow=True)
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert not Threshold.objects.filter(class_value="dbsh").exists()
    assert "decision" in _text(response).lower() or "quyết định" in _text(response).lower()


def test_re_judging_from_the_set_page(office, small_set, draft, lang_son_commune, cast):
    assessment = create_assessment(commune=lang_son_commune, year=2024)
    save_values(assessment=assessment, values=PASSING, version=1)
    move(assessment=assessment, version=assessment.version, action="submit")
    move(assessment=assessment, version=assessment.version, action="approve")
    national = Threshold.objects.get(
        scope="national", indicator__code="1.1", indicator__criterion__level__code="standard"
    )
    EditionChange.objects.create(
        edition=draft, kind="change_threshold", threshold=national, data={"last_year": 2023}
    )
    office.post(
        _page(draft, "pages:edition-import"),
        {"file": _csv("standard,1.1,national,,,2024,2025,60,QĐ 211,1")},
    )
    office.post(
        _page(draft, "pages:edition-publish"),
        {"decision_number": "211/QĐ-TTg", "decision_date": "2024-03-01"},
    )
    assert Assessment.objects.get(pk=assessment.pk).level == "standard"
    response = office.post(
        reverse("pages:rejudge", args=[small_set.code]),
        {"year": 2024, "reason": "Áp dụng 211"},
        follow=True,
    )
    assert Assessment.objects.get(pk=assessment.pk).level == "none"
    assert "1" in _text(response)


def test_commune_classes_by_file(office, small_set, bach_dang):
    url = reverse("pages:commune-classes", args=[small_set.code])
    bad = upload(
        "lop.csv", f"commune_code,year,class,reason\n{bach_dang.code},2023,DBSH,QĐ 1\n".encode()
    )
    response = office.post(url, {"file": bad})
    assert response.status_code == 400
    assert "row 2" in _text(response)
    assert not CommuneClass.objects.exists()
    good = upload(
        "lop.csv", f"commune_code,year,class,reason\n{bach_dang.code},2023,tdmnpb,QĐ 1\n".encode()
    )
    assert office.post(url, {"file": good}).status_code == 302
    assert CommuneClass.objects.get().class_value == "tdmnpb"
    assert bach_dang.name in office.get(url).content.decode()


def test_a_published_edition_shows_its_changes_old_and_new(office, draft, small_set, cast):
    today = datetime.date(2024, 3, 1)
    office.post(
        _page(draft, "pages:edition-import"),
        {"file": _csv("standard,1.1,class,dbsh,,2024,2025,45,QĐ 211,1")},
    )
    office.post(
        _page(draft, "pages:edition-publish"),
        {"decision_number": "211/QĐ-TTg", "decision_date": today.isoformat()},
    )
    text = _text(office.get(_page(draft)))
    assert "standard 1.1 · class dbsh · 2024–2025 · 45" in text
    assert 'name="rows-TOTAL_FORMS"' not in text  # no grid on a published edition


def test_a_grid_line_changed_by_someone_else_meanwhile_is_refused(office, draft, small_set):
    national = Threshold.objects.get(
        scope="national", indicator__code="1.1", indicator__criterion__level__code="standard"
    )
    shown = seen(threshold_data(national))
    Threshold.objects.filter(pk=national.pk).update(source="Công báo")  # meanwhile
    line = {
        "seen": shown,
        "threshold_id": national.pk,
        "indicator": "standard:1.1",
        "scope": "national",
        "first_year": "2021",
        "last_year": "2023",
        "value": "40",
        "source": "test",
        "verified": "on",
    }
    url = _page(draft) + "?indicator=standard:1.1"
    response = office.post(url, _grid_post(draft, [line], initial=1))
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert not EditionChange.objects.exists()


def _new_indicator(**extra) -> dict:
    fields = {
        "level": "standard",
        "criterion": "4",
        "criterion_name": "Môi trường",
        "measure": "forest",
        "measure_name": "Độ che phủ rừng",
        "value_type": "percent",
        "unit": "%",
        "code": "4.1",
        "name_vi": "Tỷ lệ che phủ rừng",
        "comparison": ">=",
        "source": "Quyết định 51/2025/QĐ-TTg",
    }
    return {f"new-{key}": value for key, value in {**fields, **extra}.items()}


def test_an_indicator_with_its_new_criterion_and_measure_is_added_to_a_whole_period_draft(
    office, small_set, cast
):
    first_edition(small_set)
    whole = Edition.objects.create(
        criteria_set=small_set, title="Bổ sung", first_year=2021, last_year=2025
    )
    response = office.post(_page(whole, "pages:edition-indicator"), _new_indicator())
    assert response.status_code == 302
    kinds = list(EditionChange.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["add_measure", "add_criterion", "add_indicator"]
    assert EditionChange.objects.last().created_by == cast.national


def test_an_indicator_is_refused_in_a_draft_for_some_years_only(office, draft):
    response = office.post(_page(draft, "pages:edition-indicator"), _new_indicator())
    assert response.status_code == 400
    assert "add them in an edition for 2021-2025" in _text(response)
    assert not EditionChange.objects.exists()


# --- free texts past the documented length --------------------------------------------------


@pytest.fixture
def with_a_change(office, draft):
    office.post(
        _page(draft, "pages:edition-import"),
        {"file": _csv("standard,1.1,class,dbsh,,2024,2025,45,QĐ 211,1")},
    )
    assert draft.changes.count() == 1
    return draft


LONG_TEXTS = {
    # form: (the page it posts to, its other fields, the field of the text)
    "draft reason": (
        lambda s, d: reverse("pages:new-draft", args=[s.code]),
        {"title": "Thu nhập 2026", "first_year": 2024, "last_year": 2025},
        "reason",
    ),
    "legal source": (
        lambda s, d: _page(d, "pages:edition-publish"),
        {"decision_number": "211/QĐ-TTg", "decision_date": "2024-03-01"},
        "legal_source",
    ),
    "re-judging reason": (
        lambda s, d: reverse("pages:rejudge", args=[s.code]),
        {"year": 2024},
        "reason",
    ),
}


@pytest.mark.parametrize("name", LONG_TEXTS)
def test_a_text_past_the_limit_is_refused_on_the_page_and_nothing_is_written(
    office, small_set, with_a_change, name
):
    url, data, field = LONG_TEXTS[name]
    editions = list(Edition.objects.values_list("pk", "status", "reason", "legal_source"))
    response = office.post(url(small_set, with_a_change), {**data, field: "x" * 2001}, follow=True)
    shown = _text(response)
    assert "2000" in shown and "2001" in shown
    assert list(Edition.objects.values_list("pk", "status", "reason", "legal_source")) == editions
    assert not Threshold.objects.filter(class_value="dbsh").exists()
    assert not Assessment.objects.filter(steps__action="rejudge").exists()
