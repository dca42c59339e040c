"""Closing a year for a province: from then on none of its assessments of that year can be
created, saved, submitted or reopened (approving and returning stay open, to finish the
queue), except in communes reopened by exception; every closing, exception and reopening is
on record."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from communes.models import Commune, Province
from criteria.models import AssessmentValue, ClosureException, Evidence, YearClosure
from criteria.services import (
    YearClosedError,
    attach_evidence,
    close_year,
    create_assessment,
    move,
    open_commune_by_exception,
    remove_evidence,
    reopen_year,
    save_values,
)
from tests.criteria.files import PDF, stored_files, upload

pytestmark = pytest.mark.django_db

CLOSED = "Year 2023 of Tỉnh Bình Dương is closed (since {day}): its assessments can no longer"


@pytest.fixture
def province(bach_dang):
    return bach_dang.province


@pytest.fixture
def neighbour(bach_dang):
    """Another rural commune of Bình Dương."""
    return Commune.objects.rural().filter(province__code="74").exclude(pk=bach_dang.pk).first()


@pytest.fixture
def draft(small_set, bach_dang):
    return create_assessment(commune=bach_dang, year=2023)


def closed_message() -> str:
    return CLOSED.format(day=timezone.localdate().strftime("%m/%d/%Y"))


def attach(assessment, name="qd.pdf"):
    return attach_evidence(
        assessment=assessment, measure_code="plan", upload=upload(name, PDF), user=None
    )


# --- closing ------------------------------------------------------------------------------------


def test_closing_records_who_when_and_the_note(province, small_set, cast):
    closure = close_year(province=province, year=2023, user=cast.approver_74, note=" Hết hạn ")
    assert (closure.province, closure.year, closure.closed_by) == (province, 2023, cast.approver_74)
    assert closure.note == "Hết hạn" and closure.closed_at is not None
    record = closure.history.get()
    assert (record.history_type, record.history_user) == ("+", cast.approver_74)


def test_a_year_is_closed_once(province, small_set):
    close_year(province=province, year=2023)
    with pytest.raises(ValidationError) as error:
        close_year(province=province, year=2023)
    assert error.value.message_dict == {"year": ["Year 2023 of Tỉnh Bình Dương is already closed."]}
    assert YearClosure.objects.count() == 1


def test_the_database_keeps_one_closure_per_province_and_year(province, small_set):
    close_year(province=province, year=2023)
    with pytest.raises(IntegrityError), transaction.atomic():
        YearClosure.objects.create(province=province, year=2023)


def test_a_year_without_a_criteria_set_cannot_be_closed(province, small_set):
    with pytest.raises(ValidationError) as error:
        close_year(province=province, year=2019)
    assert error.value.message_dict == {"year": ["No criteria set is in force in 2019."]}
    assert not YearClosure.objects.exists()


def test_a_province_of_another_map_cannot_close_the_year(province, small_set):
    merged = Province.objects.create(
        structure="2025",
        code="74",
        name="Tỉnh Hợp Nhất",
        region=province.region,
        kind="tinh",
        valid_from=datetime.date(2025, 7, 1),
    )
    with pytest.raises(ValidationError) as error:
        close_year(province=merged, year=2023)
    assert error.value.message_dict == {
        "year": ["Tỉnh Hợp Nhất is not on the administrative map of 2023."]
    }


# --- what a closed year refuses -----------------------------------------------------------------


def test_no_assessment_can_be_created_in_a_closed_year(province, small_set, neighbour):
    close_year(province=province, year=2023)
    with pytest.raises(YearClosedError) as error:
        create_assessment(commune=neighbour, year=2023)
    assert str(error.value).startswith(closed_message())
    assert str(error.value).endswith("An approver can reopen a commune by exception.")
    assert not neighbour.assessments.exists()


def test_values_cannot_be_saved_in_a_closed_year(province, draft):
    close_year(province=province, year=2023)
    with pytest.raises(YearClosedError, match="is closed"):
        save_values(assessment=draft, values={"income": 50}, version=1)
    draft.refresh_from_db()
    assert draft.version == 1 and not AssessmentValue.objects.exists()


def test_the_closed_year_comes_before_the_lock_in_the_refusal(province, draft):
    move(assessment=draft, version=draft.version, action="submit")
    move(assessment=draft, version=draft.version, action="approve")
    close_year(province=province, year=2023)
    # "An approver can reopen it" would not hold: the closed year is the reason.
    with pytest.raises(YearClosedError):
        save_values(assessment=draft, values={"income": 50}, version=3)


def test_submitting_and_reopening_are_refused_approving_and_returning_are_not(
    province, small_set, bach_dang, neighbour
):
    draft = create_assessment(commune=bach_dang, year=2023)
    submitted = create_assessment(commune=neighbour, year=2023)
    move(assessment=submitted, version=submitted.version, action="submit")
    close_year(province=province, year=2023)

    with pytest.raises(YearClosedError):
        move(assessment=draft, version=draft.version, action="submit")
    returned = move(
        assessment=submitted, version=submitted.version, action="return", comment="Thiếu số liệu"
    )
    assert returned.status == "returned"
    with pytest.raises(YearClosedError):
        move(
            assessment=submitted, version=submitted.version, action="submit"
        )  # the returned one stays with the province

    open_commune_by_exception(
        closure=YearClosure.objects.get(), commune=neighbour, reason="Đã bổ sung"
    )
    move(assessment=submitted, version=submitted.version, action="submit")
    assert (
        move(assessment=submitted, version=submitted.version, action="approve").status == "approved"
    )
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_an_approved_assessment_cannot_be_reopened_in_a_closed_year(province, draft):
    move(assessment=draft, version=draft.version, action="submit")
    move(assessment=draft, version=draft.version, action="approve")
    close_year(province=province, year=2023)
    with pytest.raises(YearClosedError):
        move(assessment=draft, version=draft.version, action="reopen", comment="Sai số liệu")
    draft.refresh_from_db()
    assert (draft.status, draft.steps.count()) == ("approved", 3)


def test_evidence_files_cannot_be_attached_or_removed_in_a_closed_year(
    province, draft, media, django_capture_on_commit_callbacks
):
    kept = attach(draft)
    close_year(province=province, year=2023)
    with pytest.raises(YearClosedError):
        attach(draft, "late.pdf")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(YearClosedError):
        remove_evidence(evidence=kept)
    assert list(Evidence.objects.all()) == [kept]
    assert stored_files(media) == [media / kept.file.name]


def test_other_years_and_other_provinces_stay_open(
    province, small_set, bach_dang, lang_son_commune
):
    close_year(province=province, year=2023)
    last_year = create_assessment(commune=bach_dang, year=2022)
    save_values(assessment=last_year, values={"income": 50}, version=1)
    lang_son = create_assessment(commune=lang_son_commune, year=2023)
    save_values(assessment=lang_son, values={"income": 50}, version=1)
    move(assessment=lang_son, version=lang_son.version, action="submit")
    assert AssessmentValue.objects.count() == 2


# --- exceptions ---------------------------------------------------------------------------------


def test_a_commune_reopened_by_exception_is_worked_on_while_the_others_stay_closed(
    province, small_set, bach_dang, neighbour, cast
):
    draft = create_assessment(commune=bach_dang, year=2023)
    closure = close_year(province=province, year=2023)
    exception = open_commune_by_exception(
        closure=closure, commune=bach_dang, reason=" Số liệu thu nhập sai ", user=cast.approver_74
    )
    assert (exception.reason, exception.opened_by) == ("Số liệu thu nhập sai", cast.approver_74)
    assert exception.history.get().history_user == cast.approver_74

    save_values(assessment=draft, values={"income": 50}, version=1)
    attach(draft)
    move(assessment=draft, version=draft.version, action="submit")
    with pytest.raises(YearClosedError):
        create_assessment(commune=neighbour, year=2023)


def test_an_exception_needs_a_reason(province, small_set, bach_dang):
    closure = close_year(province=province, year=2023)
    with pytest.raises(ValidationError) as error:
        open_commune_by_exception(closure=closure, commune=bach_dang, reason="  ")
    assert error.value.message_dict == {"reason": ["Say why this commune is reopened."]}
    assert not ClosureException.objects.exists()


def test_an_exception_is_for_a_rural_commune_of_the_province_once(
    province, small_set, bach_dang, lang_son_commune
):
    closure = close_year(province=province, year=2023)
    ward = Commune.objects.filter(province=province).exclude(kind="xa").first()
    for commune in (lang_son_commune, ward):
        with pytest.raises(ValidationError) as error:
            open_commune_by_exception(closure=closure, commune=commune, reason="x")
        assert error.value.message_dict == {
            "commune": [f"{commune.name} is not a rural commune of Tỉnh Bình Dương."]
        }
    open_commune_by_exception(closure=closure, commune=bach_dang, reason="x")
    with pytest.raises(ValidationError) as error:
        open_commune_by_exception(closure=closure, commune=bach_dang, reason="y")
    assert error.value.message_dict == {"commune": ["Xã Bạch Đằng is already open by exception."]}
    assert ClosureException.objects.count() == 1


def test_an_exception_to_a_year_reopened_meanwhile_is_refused(province, small_set, bach_dang):
    closure = close_year(province=province, year=2023)
    reopen_year(province=province, year=2023, reason="Gia hạn")
    with pytest.raises(ValidationError, match="Year 2023 of Tỉnh Bình Dương is not closed"):
        open_commune_by_exception(closure=closure, commune=bach_dang, reason="x")


# --- reopening the year -------------------------------------------------------------------------


def test_reopening_the_year_needs_a_reason_and_a_closed_year(province, small_set):
    with pytest.raises(ValidationError) as error:
        reopen_year(province=province, year=2023, reason="Gia hạn")
    assert error.value.message_dict == {"year": ["Year 2023 of Tỉnh Bình Dương is not closed."]}
    close_year(province=province, year=2023)
    with pytest.raises(ValidationError) as error:
        reopen_year(province=province, year=2023, reason="")
    assert error.value.message_dict == {"reason": ["Say why the year is reopened."]}
    assert YearClosure.objects.count() == 1


def test_reopening_the_year_opens_it_again_and_keeps_the_record(province, draft, bach_dang, cast):
    closure = close_year(province=province, year=2023, user=cast.approver_74, note="Hết hạn")
    open_commune_by_exception(closure=closure, commune=bach_dang, reason="Sai", user=cast.national)
    reopen_year(province=province, year=2023, reason="Gia hạn đến 31/3", user=cast.national)

    assert not YearClosure.objects.exists() and not ClosureException.objects.exists()
    save_values(assessment=draft, values={"income": 50}, version=1)
    history = YearClosure.history.filter(province=province, year=2023).order_by("history_date")
    assert [(h.history_type, h.history_user, h.history_change_reason) for h in history] == [
        ("+", cast.approver_74, None),
        ("-", cast.national, "Gia hạn đến 31/3"),
    ]
    removed = ClosureException.history.get(history_type="-")
    assert (removed.history_user, removed.history_change_reason) == (
        cast.national,
        "Gia hạn đến 31/3",
    )
    again = close_year(province=province, year=2023)  # and it can be closed again later
    assert again.pk != closure.pk
