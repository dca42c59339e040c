"""Every free text a person writes into the criteria records (a step's comment, a revocation's
reason, a target's source, an edition's reason and legal source, a change's reason, a
threshold's source, a re-judging's reason, a class's reason) is held to core.text's documented
MAX_TEXT characters: one more is a 400 naming the field, and nothing is written; MAX_TEXT
itself is stored."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError

from core.text import MAX_TEXT
from criteria.models import (
    ClosureException,
    CommuneClass,
    Edition,
    EditionChange,
    Recognition,
    Target,
    Threshold,
    WorkflowStep,
    YearClosure,
)
from criteria.services import (
    close_year,
    create_assessment,
    move,
    open_commune_by_exception,
    record_recognition,
    reopen_year,
    revoke_recognition,
    set_target,
)
from criteria.services.classes import ClassEntry, assign_classes, remove_class
from criteria.services.editions import (
    ChangeEntry,
    add_changes,
    draft_edition,
    publish_edition,
    publish_now,
    rejudge,
)
from tests.criteria.builders import first_edition

pytestmark = pytest.mark.django_db

SET = "TEST-2021-2025"
LONG, LONGEST = "đ" * (MAX_TEXT + 1), "đ" * MAX_TEXT  # characters, not bytes
THRESHOLD = {
    "level": "standard",
    "indicator": "1.1",
    "scope": "class",  # the small set has none for the Central Highlands
    "class_value": "tn",
    "value": "60",
    "first_year": 2024,
    "last_year": 2025,
    "source": "Quyết định 211/QĐ-TTg",
}


@dataclass
class Case:
    """One free text through the API: the request carrying ``text``, where the 400 names it,
    and what a refusal must leave as it was."""

    user: str
    url: str
    body: Callable[[str], dict]
    named: Callable[[dict], list[str]]  # the 400's messages about the text
    written: Callable[[], object]
    status: int = 200
    method: str = "post"


def at(field: str) -> Callable[[dict], list[str]]:
    return lambda errors: errors.get(field, [])


def at_row(column: str) -> Callable[[dict], list[str]]:
    """A list item's problem: at its row, naming its column as the row's other problems do."""
    return lambda errors: [m for m in errors.get("row 1", []) if m.startswith(f"{column}: ")]


def _submitted(commune) -> str:
    assessment = create_assessment(commune=commune, year=2023)
    move(assessment=assessment, action="submit", version=assessment.version)
    return f"/api/v1/assessments/{assessment.pk}/return/"


def _recognised(commune) -> str:
    recognition = record_recognition(
        level_code="standard",
        title_year=2023,
        decision_number="12/QĐ-UBND",
        decision_date=datetime.date(2024, 1, 15),
        issuer="UBND tỉnh Bình Dương",
        commune=commune,
    )
    return f"/api/v1/recognitions/{recognition.pk}/revoke/"


def _draft(small_set, cast) -> Edition:
    first_edition(small_set)
    return draft_edition(
        criteria_set=small_set,
        title="Thu nhập",
        first_year=2024,
        last_year=2025,
        user=cast.national,
    )


def _with_a_change(small_set, cast) -> Edition:
    draft = _draft(small_set, cast)
    add_changes(edition=draft, entries=[ChangeEntry(1, "add_threshold", THRESHOLD)], user=None)
    return draft


def _case(name: str, small_set, bach_dang, cast) -> Case:
    if name == "step comment":
        return Case(
            "approver_74",
            _submitted(bach_dang),
            lambda text: {"version": 2, "comment": text},
            at("comment"),
            lambda: list(WorkflowStep.objects.values_list("action", "comment")),
        )
    if name == "revocation reason":
        return Case(
            "approver_74",
            _recognised(bach_dang),
            lambda text: {"revoked_date": "2024-06-01", "reason": text},
            at("reason"),
            lambda: list(Recognition.objects.values_list("revoked_date", "revoked_reason")),
        )
    if name == "target source":
        return Case(
            "approver_74",
            "/api/v1/targets/",
            lambda text: {
                "province": "74",
                "year": 2025,
                "level": "advanced",
                "percent": "40",
                "source": text,
            },
            at("source"),
            lambda: list(Target.objects.values_list("source")),
            status=201,
        )
    if name == "edition reason":
        first_edition(small_set)
        return Case(
            "national",
            "/api/v1/editions/",
            lambda text: {
                "criteria_set": SET,
                "title": "Thu nhập",
                "first_year": 2024,
                "last_year": 2025,
                "reason": text,
            },
            at("reason"),
            lambda: list(Edition.objects.values_list("pk", "reason")),
            status=201,
        )
    if name == "change reason":
        draft = _draft(small_set, cast)
        return Case(
            "national",
            f"/api/v1/editions/{draft.pk}/changes/",
            lambda text: {
                "changes": [{"kind": "add_threshold", "data": THRESHOLD, "reason": text}]
            },
            at_row("reason"),
            lambda: list(EditionChange.objects.values_list("reason")),
            status=201,
        )
    if name == "threshold change reason":
        draft = _draft(small_set, cast)
        return Case(
            "national",
            "/api/v1/thresholds/",
            lambda text: {**THRESHOLD, "edition": draft.pk, "reason": text},
            at("reason"),
            lambda: list(EditionChange.objects.values_list("reason")),
            status=202,
        )
    if name == "threshold source":
        draft = _draft(small_set, cast)
        return Case(
            "national",
            f"/api/v1/editions/{draft.pk}/changes/",
            lambda text: {
                "changes": [{"kind": "add_threshold", "data": {**THRESHOLD, "source": text}}]
            },
            at_row("source"),
            lambda: list(EditionChange.objects.values_list("data")),
            status=201,
        )
    if name == "legal source":
        draft = _with_a_change(small_set, cast)
        return Case(
            "national",
            f"/api/v1/editions/{draft.pk}/publish/",
            lambda text: {
                "decision_number": "211/QĐ-TTg",
                "decision_date": "2024-03-01",
                "legal_source": text,
            },
            at("legal_source"),
            lambda: list(Edition.objects.values_list("status", "legal_source")),
        )
    if name == "re-judging reason":
        first_edition(small_set)
        return Case(
            "national",
            "/api/v1/editions/rejudge/",
            lambda text: {"criteria_set": SET, "year": 2024, "reason": text},
            at("reason"),
            lambda: list(WorkflowStep.objects.values_list("comment")),
        )
    if name == "class reason":
        return Case(
            "national",
            "/api/v1/commune-classes/bulk/",
            lambda text: {
                "criteria_set": SET,
                "assignments": [
                    {"commune_code": "25930", "year": 2023, "class_value": "tn", "reason": text}
                ],
            },
            at_row("reason"),
            lambda: list(CommuneClass.objects.values_list("reason")),
        )
    raise AssertionError(name)


CASES = [
    "step comment",
    "revocation reason",
    "target source",
    "edition reason",
    "change reason",
    "threshold change reason",
    "threshold source",
    "legal source",
    "re-judging reason",
    "class reason",
]


@pytest.mark.parametrize("name", CASES)
def test_a_text_past_the_limit_is_a_400_naming_it_and_the_limit_is_stored(
    name, api, cast, small_set, bach_dang
):
    case = _case(name, small_set, bach_dang, cast)
    client = api(getattr(cast, case.user))
    send = getattr(client, case.method)
    before = case.written()

    refused = send(case.url, case.body(LONG), format="json")

    assert refused.status_code == 400, refused.json()
    named = case.named(refused.json()["errors"])
    assert len(named) == 1, refused.json()["errors"]
    assert str(MAX_TEXT) in named[0]
    assert case.written() == before

    accepted = send(case.url, case.body(LONGEST), format="json")
    assert accepted.status_code == case.status, accepted.json()
    if name != "re-judging reason":  # nothing approved to judge again: nothing to store
        assert case.written() != before
        assert LONGEST in str(case.written())


# --- the services hold the rule for every caller (pages, admin, imports) ----------------------


class Ready:
    """What the service calls act on: the set's first edition, 2023 closed in Bình Dương, a
    recognition of Bạch Đằng, its class for 2023; a draft with a change only when asked."""

    def __init__(self, small_set, bach_dang):
        self.set, self.commune = small_set, bach_dang
        first_edition(small_set)
        self.closure = close_year(province=bach_dang.province, year=2023)
        self.recognition = Recognition.objects.get(pk=_recognised(bach_dang).split("/")[-3])
        entry = ClassEntry(1, "25930", 2023, "tn", "QĐ 861")
        assign_classes(criteria_set=small_set, entries=[entry], user=None)
        self._draft = None

    def draft(self) -> Edition:
        if self._draft is None:
            self._draft = draft_edition(
                criteria_set=self.set, title="T", first_year=2024, last_year=2025, user=None
            )
            entries = [ChangeEntry(1, "add_threshold", THRESHOLD)]
            add_changes(edition=self._draft, entries=entries, user=None)
        return self._draft


SERVICES = {
    "close_year note": (
        "note",
        lambda text, r: close_year(province=r.commune.province, year=2024, note=text),
    ),
    "reopen_year reason": (
        "reason",
        lambda text, r: reopen_year(province=r.commune.province, year=2023, reason=text),
    ),
    "open_commune_by_exception reason": (
        "reason",
        lambda text, r: open_commune_by_exception(
            closure=r.closure, commune=r.commune, reason=text
        ),
    ),
    "revoke_recognition reason": (
        "reason",
        lambda text, r: revoke_recognition(
            recognition=r.recognition, revoked_date=datetime.date(2024, 6, 1), reason=text
        ),
    ),
    "set_target source": (
        "source",
        lambda text, r: set_target(
            level_code="advanced", year=2025, province=r.commune.province, percent=40, source=text
        ),
    ),
    "draft_edition reason": (
        "reason",
        lambda text, r: draft_edition(
            criteria_set=r.set, title="T", first_year=2024, last_year=2025, user=None, reason=text
        ),
    ),
    "publish_edition legal_source": (
        "legal_source",
        lambda text, r: publish_edition(
            edition=r.draft(),
            decision_number="211/QĐ-TTg",
            decision_date=datetime.date(2024, 3, 1),
            legal_source=text,
            user=None,
        ),
    ),
    "publish_now reason": (
        "reason",
        lambda text, r: publish_now(
            criteria_set=r.set,
            title="T",
            first_year=2024,
            last_year=2025,
            entries=[ChangeEntry(1, "add_threshold", THRESHOLD)],
            decision_number="12/QĐ-UBND",
            decision_date=datetime.date(2024, 3, 1),
            user=None,
            reason=text,
        ),
    ),
    "rejudge reason": (
        "reason",
        lambda text, r: rejudge(criteria_set=r.set, year=2024, user=None, reason=text),
    ),
    "remove_class reason": (
        "reason",
        lambda text, r: remove_class(assignment=CommuneClass.objects.get(), user=None, reason=text),
    ),
}
ROWS = (YearClosure, ClosureException, Edition, EditionChange, Threshold, Target, CommuneClass)


def _rows() -> list:
    revoked = list(Recognition.objects.values_list("revoked_reason", flat=True))
    return [model.objects.count() for model in ROWS] + revoked


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_refuses_a_text_past_the_limit_at_its_field(name, small_set, bach_dang):
    ready = Ready(small_set, bach_dang)
    field, call = SERVICES[name]
    if name == "publish_edition legal_source":
        ready.draft()
    before = _rows()
    with pytest.raises(ValidationError) as refused:
        call(LONG, ready)
    assert field in refused.value.message_dict
    assert str(MAX_TEXT) in " ".join(refused.value.message_dict[field])
    assert _rows() == before
    call(LONGEST, ready)  # the limit itself is stored
    assert _rows() != before or name == "rejudge reason"  # (nothing approved to judge again)


def test_a_class_entry_past_the_limit_is_refused_at_its_row(small_set):
    entry = ClassEntry(7, "25930", 2023, "tn", LONG)
    with pytest.raises(ValidationError) as refused:
        assign_classes(criteria_set=small_set, entries=[entry], user=None)
    [problem] = refused.value.message_dict["row 7"]
    assert problem.startswith("reason: ") and str(MAX_TEXT) in problem
    assert not CommuneClass.objects.exists()
