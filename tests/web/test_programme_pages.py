"""The programme page through real HTTP requests: a province's records of a year, kind by kind,
with their figures and the steps each user may take; the forms that add, change and delete
records through programme.services; the workflow, one record or all of the year; the summary
the statistics API gives; and the scope (another province's record is a 404, a viewer's form a
403). Records are Bình Dương's (74) and Lạng Sơn's (20) of 2024, on the 2021 map."""

import datetime
import html
import itertools
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.access import access_for
from communes.models import Commune, Province
from programme import services
from programme.models import (
    Funding,
    FundingSource,
    HamletTitle,
    HistoricalFigure,
    ProductionModel,
    Step,
    Work,
    WorkKind,
    YearPlan,
)

pytestmark = pytest.mark.django_db

YEAR = 2024
PAGE = "/programme/"


@pytest.fixture
def kinds(db):
    call_command("load_programme_kinds", verbosity=0)


@pytest.fixture
def binh_duong(db):
    return Province.objects.get(structure="2021", code="74")


@pytest.fixture
def lang_son(db):
    return Province.objects.get(structure="2021", code="20")


def text(response) -> str:
    """What a person reads on the page: the body's text, tags and extra spaces removed."""
    body = response.content.decode()
    body = re.sub(r"<(script|style|head)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def rows(response, kind: str) -> dict[int, str]:
    """The rows of one section: {record id: the row's text}."""
    found = re.findall(
        rf'<tr id="{kind}-(\d+)"[^>]*>(.*?)</tr>', response.content.decode(), flags=re.S
    )
    return {int(pk): _plain(row) for pk, row in found}


def field_errors(response, field: str) -> str:
    """The errors shown under one field of a form."""
    body = response.content.decode()
    block = re.search(
        rf'<div class="field has-error[^"]*">(?:(?!</div>).)*?name="{field}".*?</div>', body, re.S
    )
    return _plain(block.group(0)) if block else ""


def total(response, name: str) -> str:
    found = re.search(rf'data-total="{name}">([^<]*)<', response.content.decode())
    return html.unescape(found.group(1)) if found else ""


def as_user(client, user):
    client.force_login(user)
    return client


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def create(model, user, **data):
    return services.create(model, access=access_for(user), user=user, data={"year": YEAR, **data})


def move(record, user, action, comment=""):
    return services.move(record, action=action, access=access_for(user), user=user, comment=comment)


def source(code: str) -> FundingSource:
    return FundingSource.objects.get(code=code)


@pytest.fixture
def entered(cast, kinds, binh_duong, bach_dang, lang_son):
    """Bình Dương's 2024: a central budget entry (approved), a community entry at Bạch Đằng
    (submitted), a road (draft) and a model garden (returned); Lạng Sơn's own funding."""
    officer, approver = cast.officer_74, cast.approver_74
    budget = create(
        Funding,
        officer,
        province=binh_duong,
        source=source("central_budget"),
        kind="actual",
        amount="1500",
    )
    move(budget, officer, "submit")
    budget = move(budget, approver, "approve")
    people = create(
        Funding,
        officer,
        commune=bach_dang,
        source=source("community_cash"),
        kind="actual",
        amount="500,25",
    )
    people = move(people, officer, "submit")
    road = create(
        Work,
        officer,
        commune=bach_dang,
        kind=WorkKind.objects.get(code="new_road"),
        mode="new",
        quantity="2,5",
        cost="3000",
    )
    garden = create(
        HamletTitle,
        officer,
        commune=bach_dang,
        kind="model_garden",
        holder="Hộ ông Nguyễn Văn A",
        decision_number="12/QĐ-UBND",
        decision_date=datetime.date(2024, 5, 20),
    )
    move(garden, officer, "submit")
    garden = move(garden, approver, "return", "Thiếu quyết định")
    theirs = create(
        Funding,
        cast.officer_20,
        province=lang_son,
        source=source("central_budget"),
        kind="actual",
        amount="99",
    )
    return budget, people, road, garden, theirs


# --- 1. the page ----------------------------------------------------------------------------------


def test_the_page_lists_the_records_of_the_year_with_their_figures(client, cast, entered):
    budget, people, road, garden, theirs = entered
    response = as_user(client, cast.officer_74).get(PAGE, {"year": YEAR})
    assert response.status_code == 200
    assert "Programme records · Tỉnh Bình Dương · 2024" in text(response)
    fundings = rows(response, "fundings")
    assert set(fundings) == {budget.pk, people.pk}  # not Lạng Sơn's
    assert fundings[budget.pk].startswith(
        "Approved Whole province Ngân sách trung ương Actual 1500"
    )
    assert fundings[people.pk].startswith(
        "Submitted Xã Bạch Đằng ↳ Đóng góp bằng tiền mặt Actual 500.25"
    )
    assert rows(response, "works")[road.pk].startswith(
        "Draft Xã Bạch Đằng, Thành phố Tân Uyên Đường giao thông mở mới New 2.5 km 3000"
    )
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert rows(response, "hamlet-titles")[garden.pk].startswith(
        f"Returned Thiếu quyết định · approver_74, {today} "  # why it came back
        "Xã Bạch Đằng, Thành phố Tân Uyên Model garden Hộ ông Nguyễn Văn A "
        "12/QĐ-UBND · 20/05/2024"
    )


def test_each_row_offers_the_steps_the_user_may_take_now(client, cast, entered):
    budget, people, road, garden, _theirs = entered
    officer = as_user(client, cast.officer_74).get(PAGE, {"year": YEAR})
    assert rows(officer, "works")[road.pk].endswith("Submit Edit Delete Delete this record")
    assert rows(officer, "hamlet-titles")[garden.pk].endswith(
        "Submit Edit Delete Delete this record"
    )
    assert rows(officer, "fundings")[people.pk].endswith("500.25")  # submitted: nothing to do
    assert rows(officer, "fundings")[budget.pk].endswith("1500")  # only approvers reopen

    approver = as_user(client, cast.approver_74).get(PAGE, {"year": YEAR})
    assert "Approve" in rows(approver, "fundings")[people.pk]
    assert "Return Say what to correct" in rows(approver, "fundings")[people.pk]
    assert "Reopen Say why" in rows(approver, "fundings")[budget.pk]
    assert "Edit" not in rows(approver, "fundings")[budget.pk]  # approved: locked


def test_a_national_user_chooses_the_province(client, cast, entered):
    budget, *_ = entered
    response = as_user(client, cast.national).get(PAGE, {"year": YEAR})
    assert "Choose a province to see its programme records." in text(response)
    response = client.get(PAGE, {"province": "74", "structure": "2021", "year": YEAR})
    assert budget.pk in rows(response, "fundings")
    assert f"/programme/fundings/new/?province=74&amp;structure=2021&amp;year={YEAR}" in (
        response.content.decode()
    )


def test_an_officer_of_a_province_of_the_old_map_starts_on_its_last_year(client, cast, kinds):
    response = as_user(client, cast.officer_74).get(PAGE)
    assert response.context["page"].year == 2025  # Bình Dương was merged on 1 July 2025


def test_the_menu_links_to_the_page_for_portal_roles_only(client, cast):
    link = f'href="{PAGE}"'
    assert link in as_user(client, cast.viewer_74).get("/").content.decode()
    assert link not in as_user(client, cast.no_role).get("/").content.decode()


# --- 2. adding, changing, deleting ----------------------------------------------------------------


def test_an_officer_adds_a_funding_entry_with_a_decimal_comma(client, cast, kinds, bach_dang):
    as_user(client, cast.officer_74)
    form = client.get(f"{PAGE}fundings/new/", {"year": YEAR})
    assert form.status_code == 200
    page = form.content.decode()
    assert "Ngân sách trung ương" in page and "— Đóng góp bằng tiền mặt" in page
    assert "Xã Bạch Đằng" in page and "Xã Hữu Kiên" not in page  # Lạng Sơn's commune
    response = client.post(
        f"{PAGE}fundings/new/?year={YEAR}",
        {
            "source": source("credit").pk,
            "kind": "actual",
            "amount": "1250,5",
            "commune": bach_dang.pk,
            "note": "",
        },
    )
    funding = Funding.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}?year={YEAR}#fundings-{funding.pk}"
    assert funding.amount == Decimal("1250.5")
    assert (funding.commune, funding.district) == (bach_dang, bach_dang.district)
    assert (funding.year, funding.status, funding.created_by) == (YEAR, "draft", cast.officer_74)


def test_an_officer_adds_a_hamlet_title_and_a_production_model(client, cast, kinds, bach_dang):
    as_user(client, cast.officer_74)
    response = client.post(
        f"{PAGE}hamlet-titles/new/?year={YEAR}",
        {
            "kind": "model_area",
            "commune": bach_dang.pk,
            "holder": "Ấp 3",
            "decision_number": "45/QĐ-UBND",
            "decision_date": "2024-09-02",
        },
    )
    assert response.status_code == 302
    title = HamletTitle.objects.get()
    assert (title.holder, title.decision_date) == ("Ấp 3", datetime.date(2024, 9, 2))
    other = Commune.objects.filter(province=bach_dang.province, structure="2021").exclude(
        pk=bach_dang.pk
    )[0]
    response = client.post(
        f"{PAGE}production-models/new/?year={YEAR}",
        {
            "name": "Trồng bưởi VietGAP",
            "communes": [bach_dang.pk, other.pk],
            "area_ha": "12,5",
            "funding": "",
            "stage": "under_way",
        },
    )
    assert response.status_code == 302
    model = ProductionModel.objects.get()
    assert model.area_ha == Decimal("12.5") and model.funding is None
    assert set(model.communes.all()) == {bach_dang, other}


def test_a_plan_target_and_a_province_figure(client, cast, kinds):
    as_user(client, cast.officer_74)
    response = client.post(
        f"{PAGE}plans/new/?year={YEAR}",
        {
            "kind": "model_gardens",
            "level": "",
            "value": "2",
            "value_max": "3",
            "district": "",
            "per_district": "on",
        },
    )
    assert response.status_code == 302
    plan = YearPlan.objects.get()
    assert (plan.per_district, plan.value, plan.value_max) == (True, 2, 3)
    response = client.post(
        f"{PAGE}figures/new/?year={YEAR}",
        {"kind": "average_criteria", "level": "", "value": "17,8"},
    )
    assert response.status_code == 302
    assert HistoricalFigure.objects.get().value == Decimal("17.8")
    listed = client.get(PAGE, {"year": YEAR})
    assert rows(listed, "plans")[plan.pk].startswith("Draft In each district")
    assert "2 – 3" in rows(listed, "plans")[plan.pk]


def test_service_errors_come_back_at_their_fields_and_nothing_is_saved(client, cast, entered):
    budget, *_ = entered
    as_user(client, cast.officer_74)
    # The province total of the central budget is entered: a commune's would count it twice.
    response = client.post(
        f"{PAGE}fundings/new/?year={YEAR}",
        {
            "source": source("central_budget").pk,
            "kind": "actual",
            "amount": "10",
            "commune": Commune.objects.get(structure="2021", code="25930").pk,
        },
    )
    assert response.status_code == 400
    assert f"entry {budget.pk} already gives Ngân sách trung ương" in field_errors(
        response, "source"
    )
    assert "Nothing was saved." in text(response)
    response = client.post(
        f"{PAGE}fundings/new/?year={YEAR}",
        {"source": source("credit").pk, "kind": "actual", "amount": "12,3456"},
    )
    assert "Write at most 3 decimals." in field_errors(response, "amount")
    response = client.post(
        f"{PAGE}hamlet-titles/new/?year={YEAR}",
        {
            "kind": "model_area",
            "commune": Commune.objects.get(code="25930").pk,
            "holder": "Ấp 1",
            "decision_number": "1/QĐ",
            "decision_date": "2023-12-31",
        },
    )
    assert "The decision is dated before the title's year." in field_errors(
        response, "decision_date"
    )
    assert Funding.objects.count() == 3 and HamletTitle.objects.count() == 1


def test_an_officer_changes_a_draft_and_a_stale_version_changes_nothing(client, cast, entered):
    _budget, _people, road, *_ = entered
    as_user(client, cast.officer_74)
    url = f"{PAGE}works/{road.pk}/"
    form = client.get(url)
    assert 'name="quantity" value="2.5"' in form.content.decode()  # as typed, not "2.500"
    assert 'name="cost" value="3000"' in form.content.decode()
    in_vietnamese = client.get(url, headers={"accept-language": "vi"}).content.decode()
    assert 'name="quantity" value="2,5"' in in_vietnamese  # read back as 2.5 all the same
    body = {
        "kind": road.kind_id,
        "mode": "upgraded",
        "quantity": "3,75",
        "cost": "",
        "commune": road.commune_id,
        "version": road.version,
    }
    response = client.post(url, body)
    assert response.status_code == 302
    road.refresh_from_db()
    assert (road.mode, road.quantity, road.cost, road.version) == (
        "upgraded",
        Decimal("3.75"),
        None,
        2,
    )

    stale = client.post(url, {**body, "quantity": "9", "version": 1}, follow=True)
    assert "changed by someone else (now version 2)" in messages_of(stale)
    road.refresh_from_db()
    assert road.quantity == Decimal("3.75") and road.version == 2


def test_a_submitted_record_is_not_changed_nor_deleted(client, cast, entered):
    _budget, people, *_ = entered
    as_user(client, cast.officer_74)
    response = client.get(f"{PAGE}fundings/{people.pk}/", follow=True)
    assert "cannot be changed" in messages_of(response)
    response = client.post(f"{PAGE}fundings/{people.pk}/delete/", follow=True)
    assert "return or reopen it before deleting it" in messages_of(response)
    assert Funding.objects.filter(pk=people.pk).exists()


def test_an_officer_deletes_a_draft(client, cast, entered):
    _budget, _people, road, *_ = entered
    as_user(client, cast.officer_74)
    stale = client.post(
        f"{PAGE}works/{road.pk}/delete/", {"version": road.version + 1}, follow=True
    )
    assert "changed by someone else" in messages_of(stale)  # read before someone's change
    assert Work.objects.filter(pk=road.pk).exists()
    response = client.post(f"{PAGE}works/{road.pk}/delete/", {"version": road.version})
    assert response.status_code == 302
    assert not Work.objects.filter(pk=road.pk).exists()


# --- 3. scope -------------------------------------------------------------------------------------


def test_another_province_record_is_a_404(client, cast, entered):
    *_, theirs = entered
    as_user(client, cast.officer_74)
    assert client.get(f"{PAGE}fundings/{theirs.pk}/").status_code == 404
    assert client.post(f"{PAGE}fundings/{theirs.pk}/delete/").status_code == 404
    step = {"action": "submit", "version": theirs.version}
    assert client.post(f"{PAGE}fundings/{theirs.pk}/step/", step).status_code == 404
    assert client.get(f"{PAGE}nonsense/new/").status_code == 404
    assert Funding.objects.filter(pk=theirs.pk, status="draft").exists()


def test_a_viewer_reads_the_page_but_gets_403_on_forms_and_steps(client, cast, entered):
    _budget, people, road, *_ = entered
    as_user(client, cast.viewer_74)
    page = client.get(PAGE, {"year": YEAR})
    assert road.pk in rows(page, "works")
    assert "Submit" not in rows(page, "works")[road.pk]
    assert "data-add" not in page.content.decode()
    assert client.get(f"{PAGE}works/new/", {"year": YEAR}).status_code == 403
    assert client.get(f"{PAGE}works/{road.pk}/").status_code == 403
    assert client.post(f"{PAGE}works/{road.pk}/delete/").status_code == 403
    step = {"action": "submit", "version": road.version}
    assert client.post(f"{PAGE}works/{road.pk}/step/", step).status_code == 403
    assert Work.objects.get(pk=road.pk).status == "draft"


def test_the_page_needs_a_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- 4. workflow ----------------------------------------------------------------------------------


def test_an_approver_approves_and_returns_with_the_steps_written(client, cast, entered):
    budget, people, _road, _garden, _theirs = entered
    as_user(client, cast.approver_74)
    url = f"{PAGE}fundings/{people.pk}/step/"
    refused = client.post(url, {"action": "return", "version": people.version}, follow=True)
    assert "a comment is required" in messages_of(refused)
    assert Funding.objects.get(pk=people.pk).status == "submitted"

    response = client.post(url, {"action": "approve", "version": people.version})
    assert response["Location"] == f"{PAGE}?year={YEAR}#fundings-{people.pk}"
    assert Funding.objects.get(pk=people.pk).status == "approved"
    reopened = client.post(
        f"{PAGE}fundings/{budget.pk}/step/",
        {"action": "reopen", "version": budget.version, "comment": "Sai số liệu"},
    )
    assert reopened.status_code == 302
    steps = Step.objects.filter(record_type="funding").order_by("pk")
    assert [(s.record_id, s.action, s.user, s.comment) for s in steps][-2:] == [
        (people.pk, "approve", cast.approver_74, ""),
        (budget.pk, "reopen", cast.approver_74, "Sai số liệu"),
    ]
    assert Funding.objects.get(pk=budget.pk).status == "returned"


def test_a_step_on_a_stale_version_does_nothing(client, cast, entered):
    _budget, people, *_ = entered
    as_user(client, cast.approver_74)
    stale = {"action": "approve", "version": people.version - 1}
    response = client.post(f"{PAGE}fundings/{people.pk}/step/", stale, follow=True)
    assert "changed by someone else" in messages_of(response)
    assert Funding.objects.get(pk=people.pk).status == "submitted"


def test_an_officer_may_not_approve(client, cast, entered):
    _budget, people, *_ = entered
    step = {"action": "approve", "version": people.version}
    response = as_user(client, cast.officer_74).post(f"{PAGE}fundings/{people.pk}/step/", step)
    assert response.status_code == 403
    assert Funding.objects.get(pk=people.pk).status == "submitted"


def _bulk(response, action: str) -> dict:
    """The bulk form's fields as the page renders them."""
    body = response.content.decode()
    form = re.search(rf'<form[^>]*data-bulk="{action}".*?</form>', body, re.S).group(0)
    fields = re.findall(r'name="(\w+)" value="([^"]*)"', form)
    data = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


def test_an_officer_submits_all_drafts_and_an_approver_approves_all(client, cast, entered):
    _budget, people, road, garden, theirs = entered
    as_user(client, cast.officer_74)
    page = client.get(PAGE, {"year": YEAR})
    data = _bulk(page, "submit")
    assert data["records"] == [f"works:{road.pk}:{road.version}"]  # drafts only
    response = client.post(f"{PAGE}bulk/", data, follow=True)
    assert "1 record submitted for approval." in messages_of(response)
    assert Work.objects.get(pk=road.pk).status == "submitted"

    as_user(client, cast.approver_74)
    data = _bulk(client.get(PAGE, {"year": YEAR}), "approve")
    assert sorted(data["records"]) == sorted(
        [f"fundings:{people.pk}:{people.version}", f"works:{road.pk}:{road.version + 1}"]
    )
    response = client.post(f"{PAGE}bulk/", data, follow=True)
    assert "2 records approved." in messages_of(response)
    assert Work.objects.get(pk=road.pk).status == "approved"
    assert Funding.objects.get(pk=people.pk).status == "approved"
    assert Step.objects.filter(action="approve", user=cast.approver_74).count() == 3
    assert Funding.objects.get(pk=theirs.pk).status == "draft"
    assert HamletTitle.objects.get(pk=garden.pk).status == "returned"


def test_a_bulk_step_with_one_stale_record_moves_none(client, cast, entered):
    _budget, people, road, *_ = entered
    move(road, cast.officer_74, "submit")
    as_user(client, cast.approver_74)
    data = {
        "action": "approve",
        "year": YEAR,
        "records": [f"fundings:{people.pk}:{people.version}", f"works:{road.pk}:{road.version}"],
    }
    response = client.post(f"{PAGE}bulk/", data, follow=True)
    assert "Nothing was done." in messages_of(response)
    assert Funding.objects.get(pk=people.pk).status == "submitted"


def test_a_bulk_step_on_another_province_record_moves_nothing(client, cast, entered):
    *_, theirs = entered
    as_user(client, cast.officer_74)
    data = {"action": "submit", "year": YEAR, "records": [f"fundings:{theirs.pk}:1"]}
    response = client.post(f"{PAGE}bulk/", data, follow=True)
    assert "no longer there" in messages_of(response)
    assert Funding.objects.get(pk=theirs.pk).status == "draft"


# --- 5. the summary -------------------------------------------------------------------------------


def test_the_summary_gives_the_api_figures(client, api, cast, entered):
    _budget, people, road, garden, _theirs = entered
    for record, user, action in (
        (people, cast.approver_74, "approve"),
        (road, cast.officer_74, "submit"),
    ):
        move(record, user, action)
    move(Work.objects.get(pk=road.pk), cast.approver_74, "approve")
    report = (
        api(cast.officer_74)
        .get("/api/v1/programme/stats/provinces/74/", {"year": YEAR, "structure": "2021"})
        .json()
    )
    actual = report["resources"]["actual"]
    assert Decimal(str(actual["total"])) == Decimal("2000.25")

    response = as_user(client, cast.officer_74).get(PAGE, {"year": YEAR})
    assert total(response, "resources") == "2000.25"
    assert total(response, "budget-share") == f"{actual['by_group']['budget']['share']} %"
    assert total(response, "budget-share") == "74.99 %"
    assert total(response, "other-share") == "25.01 %"
    assert total(response, "model-gardens") == "0"  # the returned garden does not count
    page = text(response)
    assert "Đường giao thông mở mới (km) 2.5 0 2.5 3000" in page
    links = re.findall(r'href="([^"]*annual-report[^"]*)"', response.content.decode())
    assert [html.unescape(link) for link in links] == [
        f"/api/v1/stats/provinces/74/annual-report.docx?year={YEAR}",
        f"/api/v1/stats/provinces/74/annual-report.xlsx?year={YEAR}",
    ]


# --- 6. queries -----------------------------------------------------------------------------------


def test_the_page_costs_the_same_queries_however_many_records(client, cast, kinds, bach_dang):
    as_user(client, cast.approver_74)
    officer = cast.officer_74
    numbers = itertools.count(1)

    def add(n: int) -> None:
        for i in (next(numbers) for _ in range(n)):
            create(
                Work,
                officer,
                commune=bach_dang,
                kind=WorkKind.objects.get(code="school"),
                mode="new",
                quantity=str(i),
            )
            model = create(
                ProductionModel,
                officer,
                province=bach_dang.province,
                name=f"M {i}",
                communes=[bach_dang],
            )
            move(model, officer, "submit")
            move(model, cast.approver_74, "return", f"Thiếu {i}")
            create(
                HamletTitle,
                officer,
                commune=bach_dang,
                kind="model_area",
                holder=f"Ấp {i}",
                decision_number=f"{i}/QĐ",
                decision_date=datetime.date(2024, 3, 1),
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PAGE, {"year": YEAR}).status_code == 200
        return len(queries)

    add(1)
    one = count()
    add(4)
    # The session, the user, the role and the province (twice: the page's and the menu's);
    # one query a kind of record and the models' communes (7); why the returned ones were
    # returned; whether the year is closed; province_report's eleven; the session saved.
    assert count() == one
    assert one <= 27


# --- 7. import ------------------------------------------------------------------------------------


def _csv(*lines: str) -> SimpleUploadedFile:
    content = "\n".join(lines).encode()
    return SimpleUploadedFile("fundings.csv", content, content_type="text/csv")


FUNDINGS_CSV = "year,province,district,commune,source,kind,amount,note"


def test_an_officer_checks_then_confirms_an_import(client, cast, kinds):
    as_user(client, cast.officer_74)
    assert 'id="import-form"' in client.get(PAGE, {"year": YEAR}).content.decode()
    upload = _csv(
        FUNDINGS_CSV, f'{YEAR},74,,,credit,actual,"1250,5",', f"{YEAR},74,,,enterprises,actual,300,"
    )
    response = client.post(
        f"{PAGE}import/", {"kind": "fundings", "status": "draft", "year": YEAR, "file": upload}
    )
    assert response.status_code == 200
    assert "2 records will be added." in text(response)
    assert not Funding.objects.exists()  # checked only
    token = re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)

    response = client.post(f"{PAGE}import/confirm/", {"token": token, "year": YEAR})
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}?year={YEAR}#fundings"
    assert sorted(Funding.objects.values_list("amount", "status")) == [
        (Decimal("300"), "draft"),
        (Decimal("1250.5"), "draft"),
    ]
    again = client.post(f"{PAGE}import/confirm/", {"token": token, "year": YEAR})
    assert again.status_code == 400  # a file is imported once
    assert Funding.objects.count() == 2


def test_a_file_with_an_error_is_refused_whole(client, cast, kinds):
    as_user(client, cast.officer_74)
    upload = _csv(FUNDINGS_CSV, f"{YEAR},74,,,credit,actual,100,", f"{YEAR},74,,,nowhere,actual,1,")
    response = client.post(
        f"{PAGE}import/", {"kind": "fundings", "status": "draft", "year": YEAR, "file": upload}
    )
    assert response.status_code == 400
    errors = re.findall(r'<tr data-row="(\d+)">(.*?)</tr>', response.content.decode(), re.S)
    assert [(row, "nowhere" in _plain(cells)) for row, cells in errors] == [("3", True)]
    assert "confirm-import" not in response.content.decode()
    assert not Funding.objects.exists()


def test_a_viewer_may_not_import(client, cast, kinds):
    as_user(client, cast.viewer_74)
    assert 'id="import-form"' not in client.get(PAGE, {"year": YEAR}).content.decode()
    upload = _csv(FUNDINGS_CSV, f"{YEAR},74,,,credit,actual,100,")
    response = client.post(
        f"{PAGE}import/", {"kind": "fundings", "status": "draft", "year": YEAR, "file": upload}
    )
    assert response.status_code == 403
    assert not Funding.objects.exists()


def test_an_officer_may_not_import_approved_records(client, cast, kinds):
    as_user(client, cast.officer_74)
    upload = _csv(FUNDINGS_CSV, f"{YEAR},74,,,credit,actual,100,")
    response = client.post(
        f"{PAGE}import/", {"kind": "fundings", "status": "approved", "year": YEAR, "file": upload}
    )
    assert response.status_code == 400
    assert 'value="approved"' not in response.content.decode()
    assert not Funding.objects.exists()


def test_a_closed_year_refuses_new_records_and_submissions_with_a_message(
    client, cast, entered, small_set, binh_duong
):
    from criteria.services.closures import close_year

    _budget, people, road, *_ = entered
    close_year(province=binh_duong, year=YEAR, user=cast.approver_74)
    as_user(client, cast.officer_74)
    step = {"action": "submit", "version": road.version}
    response = client.post(f"{PAGE}works/{road.pk}/step/", step, follow=True)
    assert "closed" in messages_of(response) and "Nothing was done." in messages_of(response)
    response = client.post(
        f"{PAGE}fundings/new/?year={YEAR}",
        {"source": source("credit").pk, "kind": "actual", "amount": "5"},
    )
    assert response.status_code == 400
    assert f"Year {YEAR} of this province is closed" in text(response)
    assert Work.objects.get(pk=road.pk).status == "draft" and Funding.objects.count() == 3
    # The page no longer offers what the closed year refuses: no submit, no edit, no delete.
    page = client.get(PAGE, {"year": YEAR}).content.decode()
    assert 'data-step="submit"' not in page and "data-edit" not in page
    assert "data-delete" not in page
    # What was submitted before the deadline can still be approved.
    as_user(client, cast.approver_74)
    step = {"action": "approve", "version": people.version}
    client.post(f"{PAGE}fundings/{people.pk}/step/", step)
    assert Funding.objects.get(pk=people.pk).status == "approved"
