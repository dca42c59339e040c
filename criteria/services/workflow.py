"""The assessment workflow: submit, approve, return, reopen, each step on record."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import security
from accounts.access import Access
from core.text import clean_text
from criteria.models import (
    Assessment,
    WorkflowStep,
)
from criteria.services.bulk import copy_to_history, refuse_if_any_closed
from criteria.services.closures import refuse_if_closed
from criteria.services.errors import StaleVersionError, WorkflowError
from criteria.services.locks import hold_sets_of
from criteria.services.values import locked_current

S = Assessment.Status


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    needs_comment: bool = False
    # Refused once the year is closed; approving and returning stay open, so that the
    # approver can finish the queue after the deadline.
    open_year_only: bool = False
    # Who may take it (accounts.access): the province's editors, or only its approvers.
    approvers_only: bool = True


TRANSITIONS = {
    WorkflowStep.Action.SUBMIT: Transition(
        (S.DRAFT, S.RETURNED), S.SUBMITTED, open_year_only=True, approvers_only=False
    ),
    WorkflowStep.Action.APPROVE: Transition((S.SUBMITTED,), S.APPROVED),
    WorkflowStep.Action.RETURN: Transition((S.SUBMITTED,), S.RETURNED, needs_comment=True),
    # Reopening an approved assessment sends it back to the province, to be submitted and
    # approved again; the reason stays on record.
    WorkflowStep.Action.REOPEN: Transition(
        (S.APPROVED,), S.RETURNED, needs_comment=True, open_year_only=True
    ),
}


def may_take(access: Access, action: str, province_id: int) -> bool:
    """Whether this user may take the step in this province at all (the assessment's status
    and the year's closure are move()'s checks). Pages and API both ask this."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        return False
    if transition.approvers_only:
        return access.can_approve(province_id)
    return access.can_edit(province_id)


def available_steps(assessment: Assessment, access: Access, *, closed: bool = False) -> list[str]:
    """The steps this user may take on the assessment now (in a closed year, only those that
    move() still allows)."""
    province_id = assessment.commune.province_id
    return [
        action
        for action, transition in TRANSITIONS.items()
        if assessment.status in transition.sources
        and not (closed and transition.open_year_only)
        and may_take(access, action, province_id)
    ]


VERBS = {
    # The verbs as the refusal message says them (gettext_lazy by name, for makemessages).
    WorkflowStep.Action.SUBMIT: gettext_lazy("submit"),
    WorkflowStep.Action.APPROVE: gettext_lazy("approve"),
    WorkflowStep.Action.RETURN: gettext_lazy("return"),
    WorkflowStep.Action.REOPEN: gettext_lazy("reopen"),
}


def _refusal(action: str, current: Assessment, transition: Transition) -> str:
    allowed = ", ".join(str(S(s).label).lower() for s in transition.sources)
    return _("Cannot %(verb)s: the assessment is %(status)s (only when %(allowed)s).") % {
        "verb": VERBS[action],
        "status": current.get_status_display().lower(),
        "allowed": allowed,
    }


def _checked(action: str, comment: str) -> tuple[Transition, str]:
    """The step's transition and its comment, stripped; an unknown step or a missing comment
    is refused."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError({"action": _("Unknown step “%(a)s”.") % {"a": action}})
    try:
        comment = clean_text(comment)
    except ValidationError as error:
        raise ValidationError({"comment": error.messages}) from None
    if transition.needs_comment and not comment:
        raise ValidationError({"comment": _("Say why (a comment is required for this step).")})
    return transition, comment


def _refuse_unless_from(current: Assessment, action: str, transition: Transition) -> None:
    if current.status not in transition.sources:
        raise WorkflowError(_refusal(action, current, transition))


def _take(current: Assessment, action: str, transition: Transition, comment: str, user):
    """The step on record, and the assessment moved (in memory: the caller saves it)."""
    step = WorkflowStep(
        assessment=current,
        action=action,
        from_status=current.status,
        to_status=transition.target,
        comment=comment,
        user=user,
    )
    current.status, current.updated_by = transition.target, user
    current.version += 1
    return step


MOVED_FIELDS = ["status", "version", "updated_by", "updated_at"]


def _no_version() -> ValidationError:
    return ValidationError(
        {"version": _("Give the version of the assessment you read before taking this step.")}
    )


def _as_moved(assessment: Assessment, current: Assessment) -> None:
    """The caller's copy as the step left the row (as save_values refreshes it), so that it
    can take the next step with the version it now holds."""
    for name in MOVED_FIELDS:
        setattr(assessment, name, getattr(current, name))


@transaction.atomic
def move(
    *, assessment: Assessment, action: str, version: int, user=None, comment: str = ""
) -> Assessment:
    """Move an assessment one workflow step (submit, approve, return, reopen) and record it.
    ``version`` is the one the person read: the step is taken on what they saw, and a stale
    version is refused (StaleVersionError) with nothing written. Who may take which step is
    the caller's check (may_take); in a closed year only approving and returning are left."""
    transition, comment = _checked(action, comment)
    if version is None:
        raise _no_version()
    current = locked_current(assessment, version)
    if transition.open_year_only:
        refuse_if_closed(current.commune_id, current.year)
    _refuse_unless_from(current, action, transition)
    _take(current, action, transition, comment, user).save()
    current.save(update_fields=MOVED_FIELDS)
    _as_moved(assessment, current)
    _log_step(action, [current], user)
    return current


def _log_step(action: str, moved: list[Assessment], user) -> None:
    """Approving, returning and reopening decide what the public sees: the security log has
    them (submitting is the officer's routine)."""
    if action != "submit":
        security.record(
            security.Kind.STEP_TAKEN,
            user=user,
            action=action,
            years=sorted({a.year for a in moved}),
            count=len(moved),
            assessments=[a.pk for a in moved[:LOGGED_IDS]],
        )


LOGGED_IDS = 100  # a batch's event names this many assessments, and counts them all


@transaction.atomic
def move_many(
    *,
    assessments: Iterable[Assessment],
    action: str,
    versions: Mapping[int, int],
    user=None,
    comment: str = "",
) -> list[Assessment]:
    """move() for many assessments at once (an approver's batch, the demo): the same checks,
    all made before anything is written, and the same rows (a step each, and a history row of
    each assessment moved), in a few statements. ``versions`` maps each assessment's id to
    the version the person read: one missing or stale refuses the whole batch, naming the
    commune. Returns the assessments as moved (the caller's copies are moved too)."""
    transition, comment = _checked(action, comment)
    given = list(assessments)
    ids = [assessment.pk for assessment in given]
    hold_sets_of(ids)
    moving = list(
        Assessment.objects.select_for_update()
        .filter(pk__in=ids)
        .select_related("commune")
        .order_by("pk")
    )
    if len(moving) != len(set(ids)):
        raise Assessment.DoesNotExist("Some of the assessments to move do not exist.")
    for current in moving:
        read = versions.get(current.pk)
        if read is None:
            raise _no_version()
        if current.version != read:
            raise StaleVersionError(current.version, commune=current.commune.name)
    if transition.open_year_only:
        refuse_if_any_closed((current.commune, current.year) for current in moving)
    for current in moving:
        _refuse_unless_from(current, action, transition)
    steps = [_take(current, action, transition, comment, user) for current in moving]
    WorkflowStep.objects.bulk_create(steps)
    now = timezone.now()
    moved = Assessment.objects.filter(pk__in=ids)
    moved.update(
        status=transition.target, version=F("version") + 1, updated_by=user, updated_at=now
    )
    copy_to_history(moved, user=user, change="~")
    by_id = {}
    for current in moving:
        current.updated_at = now
        by_id[current.pk] = current
    for assessment in given:
        _as_moved(assessment, by_id[assessment.pk])
    _log_step(action, moving, user)
    return moving
