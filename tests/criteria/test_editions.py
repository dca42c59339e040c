"""Editions: how the national office changes a set's rules. Each refusal names its row and
writes nothing; publishing rescores exactly the open assessments of its years and records the
edition on their results; approved ones keep theirs until re-judged, on the record."""

import datetime
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from accounts.models import SecurityEvent
from criteria.models import (
    Assessment,
    Edition,
    EditionChange,
    Indicator,
    Threshold,
    WorkflowStep,
)
from criteria.services import create_assessment, move, save_values
from criteria.services.editions import (
    ChangeEntry,
    add_changes,
    check_edition,
    discard_edition,
    draft_edition,
    preview_edition,
    publish_edition,
    publish_now,
    rejudge,
)
from tests.criteria.builders import first_edition

# Its module fixtures are built once: its tests stay on one worker (make test: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("criteria.test_editions")

PASSING = {"income": 55, "irrigation": 85, "plan": True}
DECISION = {"decision_number": "211/QĐ-TTg", "decision_date": datetime.date(2024, 3, 1)}


def threshold(**data) -> dict:
    base = {
        "level": "standard",
        "indicator": "1.1",
        "scope": "national",
        "value": "60",
        "first_year": 2024,
        "last_year": 2025,
        "source": "Quyết định 211/QĐ-TTg",
        "verified": True,
    }
    return {**base, **data}


def add(row=1, **data) -> ChangeEntry:
    return ChangeEntry(row, EditionChange.Kind.ADD_THRESHOLD, threshold(**data))


@pytest.fixture
def edition_1(small_set):
    return first_edition(small_set)


@pytest.fixture
def draft(small_set, edition_1, cast):
    return draft_edition(
        criteria_set=small_set,
        title="Thu nhập 2024-2025",
        first_year=2024,
        last_year=2025,
        user=cast.national,
    )


def _national_income(small_set):
    return Threshold.objects.get(
        indicator__criterion__level__code="standard", indicator__code="1.1", scope="national"
    )


def _assess(commune, year, approve=False):
    assessment = create_assessment(commune=commune, year=year)
    save_values(assessment=assessment, values=PASSING, version=1)
    if approve:
        move(assessment=assessment, version=assessment.version, action="submit")
        move(assessment=assessment, version=assessment.version, action="approve")
    return Assessment.objects.get(pk=assessment.pk)


def _refused(draft, *entries, user=None) -> dict:
    before = EditionChange.objects.count(), Threshold.objects.count()
    with pytest.raises(ValidationError) as caught:
        add_changes(edition=draft, entries=list(entries), user=user)
    assert (EditionChange.objects.count(), Threshold.objects.count()) == before
    return caught.value.message_dict


# --------------------------------------------------------------------------- checks


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"scope": "class", "class_value": "DBSH"}, "“DBSH” is not one of the set's classes"),
        ({"first_year": 1900}, "“1900” is not a year"),
        ({"first_year": 2019, "last_year": 2025}, "within the set's period, 2021-2025"),
        ({"indicator": "2.1", "value": "150"}, "value: A percentage is between 0 and 100."),
        ({"value": "-3"}, "value: The value cannot be negative."),
        ({"indicator": "9.9"}, "No indicator 9.9 at level “standard”"),
        ({"scope": "province", "province": "99"}, "“99” is not a province code"),
        ({"value": "abc"}, "“abc” is not a number"),
        ({"source": ""}, "Say where the number comes from"),
        ({"value": "", "factor": "1.1"}, "needs both the indicator and the factor"),
        (
            {"relative_level": "standard", "relative_indicator": "1.1", "factor": "2"},
            "not both",
        ),
        (
            {"value": "", "relative_level": "standard", "relative_indicator": "3.1", "factor": "2"},
            "Only a numeric indicator's threshold can be scaled",
        ),
        (
            {"value": "", "relative_level": "standard", "relative_indicator": "1.1", "factor": "2"},
            "cannot be relative to its own indicator",
        ),
        ({"indicator": "3.1"}, "A yes/no indicator takes no threshold"),
        ({"scope": "everywhere"}, "“everywhere” is not one of: national, class, province"),
        ({"verified": "perhaps"}, "Write yes or no"),
    ],
)
def test_a_wrong_threshold_is_refused_at_its_row_and_nothing_is_written(draft, data, expected):
    errors = _refused(draft, add(row=7, **data))
    assert list(errors) == ["row 7"]
    assert any(expected in message for message in errors["row 7"]), errors


def test_a_threshold_overlapping_a_stored_one_at_its_scope_is_refused(draft):
    # The stored national income threshold covers 2021-2025.
    errors = _refused(draft, add(row=2))
    assert (
        "Another threshold of 1.1 at this scope covers some of these years (2021-2025)"
        in (errors["row 2"][0])
    )


def test_two_rows_of_one_file_that_overlap_are_refused_at_the_second(draft, small_set):
    errors = _refused(
        draft,
        add(row=2, scope="class", class_value="dbsh", first_year=2024, last_year=2025),
        add(row=3, scope="class", class_value="dbsh", first_year=2025, last_year=2025),
    )
    assert list(errors) == ["row 3"]


def test_relative_thresholds_in_a_cycle_are_refused(draft, small_set):
    # advanced 1.1 = 1.2 x standard 1.1 (class dbsh), and standard 1.1 (class dbsh) = 0.8 x
    # advanced 1.1: each on its own is fine, together they form a cycle.
    relative = {"value": "", "factor": "1.2", "scope": "class", "class_value": "dbsh"}
    errors = _refused(
        draft,
        add(
            row=2, level="advanced", relative_level="standard", relative_indicator="1.1", **relative
        ),
        add(
            row=3,
            **{**relative, "factor": "0.8"},
            relative_level="advanced",
            relative_indicator="1.1",
        ),
    )
    assert any("cycle" in message for messages in errors.values() for message in messages)


def test_a_change_outside_the_editions_years_is_refused(draft, small_set):
    stored = _national_income(small_set)
    errors = _refused(
        draft,
        ChangeEntry(4, EditionChange.Kind.CHANGE_THRESHOLD, {"value": "45"}, stored.pk),
    )
    assert (
        "This change affects 2021, 2022, 2023, outside the years the edition applies to"
        in (errors["row 4"][0])
    )


def test_ending_a_row_and_adding_its_successor_inside_the_years_is_accepted(draft, small_set):
    stored = _national_income(small_set)
    changes = add_changes(
        edition=draft,
        entries=[
            ChangeEntry(1, EditionChange.Kind.CHANGE_THRESHOLD, {"last_year": 2023}, stored.pk),
            add(row=2, value="60"),
        ],
        user=None,
    )
    assert [c.kind for c in changes] == ["change_threshold", "add_threshold"]
    assert changes[0].before["last_year"] == 2025 and changes[0].data["last_year"] == 2023
    assert check_edition(draft) == {}


def test_structure_may_be_added_only_for_the_whole_period(draft):
    entry = ChangeEntry(
        1,
        EditionChange.Kind.ADD_MEASURE,
        {"code": "forest", "name_vi": "Độ che phủ rừng", "value_type": "percent"},
    )
    errors = _refused(draft, entry)
    assert "add them in an edition for 2021-2025" in errors["row 1"][0]


def test_a_draft_needs_a_title_and_years_inside_the_period_and_is_alone(small_set, draft, cast):
    with pytest.raises(ValidationError) as caught:
        draft_edition(criteria_set=small_set, title=" ", first_year=2020, last_year=2024, user=None)
    assert set(caught.value.message_dict) == {"title", "first_year", "edition"}


# --------------------------------------------------------------------------- publishing


def test_publishing_rescores_the_open_assessments_of_its_years_and_keeps_approved_ones(
    small_set, edition_1, draft, bach_dang, lang_son_commune, cast
):
    from communes.models import Commune

    others = list(
        Commune.objects.rural()
        .filter(structure="2021", province__code="74")
        .exclude(pk=bach_dang.pk)[:2]
    )
    open_2024 = [_assess(bach_dang, 2024), *(_assess(c, 2024) for c in others)]
    open_2023 = _assess(bach_dang, 2023)  # outside the edition's years
    approved = _assess(lang_son_commune, 2024, approve=True)
    assert {a.level for a in [*open_2024, open_2023, approved]} == {"standard"}
    assert {a.edition_id for a in [*open_2024, approved]} == {edition_1.pk}
    stored = _national_income(small_set)
    southeast = Threshold.objects.get(indicator=stored.indicator, class_value="dnb")
    change = EditionChange.Kind.CHANGE_THRESHOLD
    add_changes(
        edition=draft,
        entries=[
            ChangeEntry(1, change, {"last_year": 2023}, stored.pk),
            add(row=2, value="60"),  # Lạng Sơn (no class row) now needs 60
            ChangeEntry(3, change, {"last_year": 2023}, southeast.pk),
            add(row=4, scope="class", class_value="dnb", value="60"),
        ],
        user=cast.national,
    )

    preview = preview_edition(draft)
    assert preview.errors == {}
    assert preview.checked == 4
    assert sorted((c.commune_code, c.old, c.new) for c in preview.changes) == sorted(
        (a.commune.code, "standard", "none") for a in open_2024
    )
    assert preview.by_province() == [("74", open_2024[0].commune.province.name, 3)]
    assert [(c.commune_code, c.new) for c in preview.if_rejudged] == [
        (lang_son_commune.code, "none")
    ]

    published = publish_edition(edition=draft, **DECISION, user=cast.national)

    assert (published.number, published.status, published.rescored) == (2, "published", 3)
    for assessment in open_2024:
        assessment.refresh_from_db()
        assert (assessment.level, assessment.edition_id) == ("none", published.pk)
    open_2023.refresh_from_db()
    approved.refresh_from_db()
    assert (open_2023.level, open_2023.edition_id) == ("standard", edition_1.pk)
    assert (approved.level, approved.edition_id) == ("standard", edition_1.pk)
    # Stored and live agree everywhere: the approved one is checked under its own edition.
    out = StringIO()
    call_command("verify_results", stdout=out)
    assert out.getvalue().strip() == "checked 5 assessment(s): 0 stored result(s) disagree"
    # Each threshold's history names the user and the edition.
    history = Threshold.history.filter(history_user=cast.national)
    assert history.count() == 4
    assert {h.history_change_reason for h in history} == {"Thu nhập 2024-2025 (211/QĐ-TTg)"}
    assert published.rules["levels"][0]["criteria"][0]["indicators"][0]["thresholds"]


def test_re_judging_approved_results_is_explicit_and_recorded(
    small_set, edition_1, draft, lang_son_commune, cast
):
    approved = _assess(lang_son_commune, 2024, approve=True)
    stored = _national_income(small_set)
    add_changes(
        edition=draft,
        entries=[
            ChangeEntry(1, EditionChange.Kind.CHANGE_THRESHOLD, {"last_year": 2023}, stored.pk),
            add(row=2, value="60"),
        ],
        user=cast.national,
    )
    published = publish_edition(edition=draft, **DECISION, user=cast.national)
    with pytest.raises(ValidationError) as caught:
        rejudge(criteria_set=small_set, year=2024, user=cast.national, reason=" ")
    assert "reason" in caught.value.message_dict

    done = rejudge(
        criteria_set=small_set, year=2024, user=cast.national, reason="Áp dụng 211/QĐ-TTg"
    )

    assert [(r.old, r.new) for r in done] == [("standard", "none")]
    approved.refresh_from_db()
    assert (approved.status, approved.level, approved.edition_id) == (
        "approved",
        "none",
        published.pk,
    )
    step = WorkflowStep.objects.get(assessment=approved, action="rejudge")
    assert step.user == cast.national
    assert step.comment == "Áp dụng 211/QĐ-TTg (edition 2): standard -> none"
    latest = approved.history.first()
    assert (latest.level, latest.history_user, latest.history_change_reason) == (
        "none",
        cast.national,
        "Áp dụng 211/QĐ-TTg (edition 2)",
    )
    assert rejudge(criteria_set=small_set, year=2024, user=cast.national, reason="again") == []
    # The security log has the publication and the re-judgement, with who and what.
    events = SecurityEvent.objects.filter(kind__in=["edition_published", "results_rejudged"])
    assert [(e.kind, e.username, e.detail) for e in events.order_by("pk")] == [
        (
            "edition_published",
            "national",
            {"criteria_set": small_set.code, "edition": 2, "decision": "211/QĐ-TTg", "rescored": 0},
        ),
        (
            "results_rejudged",
            "national",
            {
                "criteria_set": small_set.code,
                "year": 2024,
                "province": None,
                "edition": 2,
                "count": 1,
                "reason": "Áp dụng 211/QĐ-TTg",
            },
        ),
    ]


def test_publishing_needs_its_decision_and_changes(draft, cast):
    with pytest.raises(ValidationError) as caught:
        publish_edition(edition=draft, decision_number="", decision_date=None, user=cast.national)
    assert set(caught.value.message_dict) == {"decision_number", "decision_date", "edition"}
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    with pytest.raises(ValidationError, match="cannot be in the future"):
        publish_edition(
            edition=draft, decision_number="1/QĐ", decision_date=tomorrow, user=cast.national
        )
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_discarded_draft_takes_no_more_changes(draft, cast):
    discard_edition(edition=draft, user=cast.national)
    with pytest.raises(ValidationError, match="no longer a draft"):
        add_changes(edition=draft, entries=[add(scope="class", class_value="dbsh")], user=None)


def test_a_change_made_stale_by_another_publication_is_refused_at_publication(
    small_set, draft, cast
):
    stored = _national_income(small_set)
    add_changes(
        edition=draft,
        entries=[
            ChangeEntry(1, EditionChange.Kind.CHANGE_THRESHOLD, {"last_year": 2023}, stored.pk)
        ],
        user=cast.national,
    )
    # Meanwhile another edition changes the same row.
    publish_now(
        criteria_set=small_set,
        title="Sửa nguồn",
        first_year=2021,
        last_year=2025,
        entries=[
            ChangeEntry(1, EditionChange.Kind.CHANGE_THRESHOLD, {"source": "Công báo"}, stored.pk)
        ],
        user=cast.national,
        **DECISION,
    )
    with pytest.raises(ValidationError, match="changed by someone else"):
        publish_edition(edition=draft, **DECISION, user=cast.national)
    stored.refresh_from_db()
    assert (stored.last_year, stored.source) == (2025, "Công báo")


def test_an_edition_covering_the_period_completes_a_set_with_new_indicators(
    small_set, edition_1, bach_dang, cast
):
    assessment = _assess(bach_dang, 2023)
    edition = draft_edition(
        criteria_set=small_set, title="Bổ sung", first_year=2021, last_year=2025, user=None
    )
    kind = EditionChange.Kind
    add_changes(
        edition=edition,
        entries=[
            ChangeEntry(
                1,
                kind.ADD_MEASURE,
                {"code": "forest", "name_vi": "Độ che phủ rừng", "value_type": "percent"},
            ),
            ChangeEntry(
                2,
                kind.ADD_CRITERION,
                {"level": "standard", "number": "4", "name_vi": "Môi trường", "source": "QĐ"},
            ),
            ChangeEntry(
                3,
                kind.ADD_INDICATOR,
                {
                    "level": "standard",
                    "criterion": "4",
                    "code": "4.1",
                    "measure": "forest",
                    "comparison": ">=",
                    "name_vi": "Độ che phủ rừng",
                    "source": "QĐ",
                },
            ),
            add(row=4, indicator="4.1", value="40", first_year="", last_year=""),
        ],
        user=cast.national,
    )
    publish_edition(edition=edition, **DECISION, user=cast.national)
    indicator = Indicator.objects.get(criterion__level__code="standard", code="4.1")
    assert indicator.thresholds.get().value == 40
    assessment.refresh_from_db()
    # The new criterion has no value yet: standard is no longer met, and says so.
    assert (assessment.level, assessment.criteria_met_by_level["standard"]) == ("none", [3, 4])
    assert Edition.objects.get(pk=edition.pk).rescored == 1


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"first_year": "1e9999999"}, "is not a number"),
        ({"value": "9" * 11}, "at most 10 digits"),
        ({"value": "1.123456"}, "4 decimals"),
        (
            {
                "value": "",
                "relative_level": "advanced",
                "relative_indicator": "1.1",
                "factor": "123",
            },
            "factor:",
        ),
        ({"scope": "class", "class_value": "x" * 30}, "class_value:"),
    ],
)
def test_numbers_and_texts_the_database_could_not_hold_are_refused_at_their_row(
    draft, data, expected
):
    errors = _refused(draft, add(row=5, **data))
    assert any(expected in message for message in errors["row 5"]), errors


def test_a_stored_changes_error_is_named_by_its_place_in_the_draft(draft, small_set):
    stored = _national_income(small_set)
    change = EditionChange.Kind.CHANGE_THRESHOLD
    add_changes(
        edition=draft, entries=[ChangeEntry(1, change, {"last_year": 2023}, stored.pk)], user=None
    )
    Threshold.objects.filter(pk=stored.pk).update(source="Công báo")  # by someone else, since
    assert list(check_edition(draft)) == ["change 1"]


def test_a_published_addition_names_the_threshold_it_created(draft, small_set, cast):
    add_changes(
        edition=draft, entries=[add(scope="class", class_value="dbsh", value="45")], user=None
    )
    publish_edition(edition=draft, **DECISION, user=cast.national)
    change = EditionChange.objects.get(edition=draft)
    assert change.threshold.class_value == "dbsh"


def test_a_null_character_from_a_file_is_refused_not_stored(draft):
    errors = _refused(draft, add(row=2, source="Quyết\x00định"))
    assert "source: The text contains a null character." in errors["row 2"]


def test_a_row_changed_twice_in_a_draft_is_written_once_as_last_changed(small_set, edition_1, cast):
    edition = draft_edition(
        criteria_set=small_set, title="Hai lần", first_year=2021, last_year=2025, user=None
    )
    stored = _national_income(small_set)
    change = EditionChange.Kind.CHANGE_THRESHOLD
    add_changes(
        edition=edition, entries=[ChangeEntry(1, change, {"value": "41"}, stored.pk)], user=None
    )
    add_changes(
        edition=edition, entries=[ChangeEntry(1, change, {"value": "42"}, stored.pk)], user=None
    )
    history_before = stored.history.count()
    publish_edition(edition=edition, **DECISION, user=cast.national)
    stored.refresh_from_db()
    assert stored.value == 42
    assert stored.history.count() == history_before + 1
