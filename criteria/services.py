"""Write operations on assessments. Views, admin, API and commands all call these.

Saving values rescores the assessment in the same transaction; nothing rescores behind the
caller's back (no signals). Bad input raises ValidationError naming the measure and the reason,
and writes nothing.
"""

import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from communes.models import Commune, Province
from communes.selectors import structure_for_year
from criteria import scoring, selectors
from criteria.models import (
    Assessment,
    AssessmentValue,
    ClosureException,
    CriteriaSet,
    CriterionResult,
    Evidence,
    Level,
    Measure,
    Recognition,
    Target,
    WorkflowStep,
    YearClosure,
)

MAX_INTEGER_DIGITS = 10  # AssessmentValue.number holds 14 digits, 4 after the point
EVIDENCE_URL_LENGTH = AssessmentValue._meta.get_field("evidence_url").max_length


class StaleVersionError(Exception):
    """The assessment changed since the caller read it."""

    def __init__(self, current_version: int):
        super().__init__(
            _(
                "This assessment was changed by someone else (now version %(v)d). "
                "Reload it, check the changes and save again."
            )
            % {"v": current_version}
        )
        self.current_version = current_version


class LockedError(Exception):
    """The assessment is submitted or approved, so its values cannot change."""


class WorkflowError(Exception):
    """The step does not fit the assessment's status (e.g. approving a draft)."""


class YearClosedError(Exception):
    """The year is closed for the commune's province, and the commune is not open by
    exception: its assessment can no longer be created, saved, submitted or reopened."""

    def __init__(self, closure: YearClosure):
        super().__init__(
            _(
                "Year %(year)d of %(province)s is closed (since %(date)s): its assessments can "
                "no longer be created, saved, submitted or reopened. An approver can reopen a "
                "commune by exception."
            )
            % {
                "year": closure.year,
                "province": closure.province.name,
                "date": date_format(timezone.localtime(closure.closed_at), "SHORT_DATE_FORMAT"),
            }
        )
        self.closure = closure


def _refuse_if_closed(commune_id: int, year: int) -> None:
    """Raise YearClosedError if the year is closed for this commune."""
    closure = YearClosure.objects.blocking(commune_id, year).select_related("province").first()
    if closure is not None:
        raise YearClosedError(closure)


# --- values -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedValue:
    number: Decimal | None = None
    flag: bool | None = None
    not_applicable: bool = False
    note: str = ""
    evidence_url: str = ""

    @property
    def is_empty(self) -> bool:
        return self.number is None and self.flag is None and not self.not_applicable


def _parse_number(measure: Measure, raw: object) -> Decimal:
    if isinstance(raw, bool):
        raise ValidationError(_("Enter a number, not yes/no."))
    try:
        number = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError(_("“%(raw)s” is not a number.") % {"raw": raw}) from None
    if not number.is_finite():
        raise ValidationError(_("Enter a finite number."))
    if number < 0:
        raise ValidationError(_("The value cannot be negative."))
    if measure.value_type == Measure.ValueType.PERCENT and number > 100:
        raise ValidationError(_("A percentage is between 0 and 100."))
    if number.as_tuple().exponent < -4 or number.adjusted() >= MAX_INTEGER_DIGITS:
        raise ValidationError(_("Use at most 10 digits before and 4 after the decimal point."))
    return number


def _parse_flag(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    raise ValidationError(_("Answer yes (true) or no (false)."))


def parse_value(measure: Measure, raw: object) -> ParsedValue:
    """One submitted value: None (clear), a plain value, or a dict with "value", "note" and
    "evidence_url" (a web link to the supporting document), or {"not_applicable": true,
    "note": "..."}. A bad value and a bad link are reported together."""
    if measure.source == Measure.Source.DERIVED:
        raise ValidationError(_("This value is computed from other data and cannot be entered."))
    payload = raw if isinstance(raw, dict) else {"value": raw}
    unknown = set(payload) - {"value", "note", "not_applicable", "evidence_url"}
    if unknown:
        raise ValidationError(_("Unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(unknown))})
    messages, parsed, evidence_url = [], None, ""
    try:
        parsed = _parse_payload(measure, payload, str(payload.get("note") or "").strip())
    except ValidationError as error:
        messages += error.messages
    try:
        evidence_url = _parse_evidence_url(payload.get("evidence_url"))
    except ValidationError as error:
        messages += error.messages
    if messages:
        raise ValidationError(messages)
    return replace(parsed, evidence_url=evidence_url)


def _parse_payload(measure: Measure, payload: dict, note: str) -> ParsedValue:
    if payload.get("not_applicable"):
        return _not_applicable(measure, payload, note)
    value = payload.get("value")
    if value is None or value == "":
        return ParsedValue(note=note)
    if measure.value_type == Measure.ValueType.BOOL:
        return ParsedValue(flag=_parse_flag(value), note=note)
    return ParsedValue(number=_parse_number(measure, value), note=note)


def _parse_evidence_url(raw: object) -> str:
    url = str(raw or "").strip()
    if not url:
        return ""
    if len(url) > EVIDENCE_URL_LENGTH:
        raise ValidationError(
            _("The evidence link is too long (at most %(n)d characters).")
            % {"n": EVIDENCE_URL_LENGTH}
        )
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError(
            _("The evidence link must be a web address (http:// or https://).")
        ) from None
    return url


def _not_applicable(measure: Measure, payload: dict, note: str) -> ParsedValue:
    if not measure.allows_not_applicable:
        raise ValidationError(_("This indicator cannot be marked not applicable."))
    if payload.get("value") not in (None, ""):
        raise ValidationError(_("A value marked not applicable cannot also have a value."))
    if not note:
        raise ValidationError(_("Say why the indicator does not apply (a note is required)."))
    return ParsedValue(not_applicable=True, note=note)


def parse_values(criteria_set: CriteriaSet, raw_values: Mapping[str, object]) -> dict:
    """Every submitted value checked against its measure; all problems reported together."""
    measures = {m.code: m for m in criteria_set.measures.filter(code__in=list(raw_values))}
    parsed, errors = {}, {}
    for code, raw in raw_values.items():
        measure = measures.get(code)
        if measure is None:
            errors[code] = [
                _("Unknown measure “%(code)s” in %(set)s.")
                % {"code": code, "set": criteria_set.code}
            ]
            continue
        try:
            parsed[measure] = parse_value(measure, raw)
        except ValidationError as error:
            errors[code] = error.messages
    if errors:
        raise ValidationError(errors)
    return parsed


# --- assessments ------------------------------------------------------------------------


def criteria_set_for_year(year: int) -> CriteriaSet:
    sets = list(CriteriaSet.objects.in_force(year)[:2])
    if len(sets) != 1:
        raise ValidationError(
            {"year": _("No single criteria set is in force for %(year)d.") % {"year": year}}
        )
    return sets[0]


@transaction.atomic
def create_assessment(*, commune: Commune, year: int, user=None) -> Assessment:
    if not commune.is_rural:
        raise ValidationError({"commune": _("Only rural communes (xã) are assessed.")})
    _refuse_if_closed(commune.pk, year)
    criteria_set = criteria_set_for_year(year)
    if Assessment.objects.filter(commune=commune, year=year, criteria_set=criteria_set).exists():
        raise ValidationError(
            {
                "year": _("%(commune)s already has an assessment for %(year)d.")
                % {"commune": commune.name, "year": year}
            }
        )
    assessment = Assessment.objects.create(
        commune=commune, year=year, criteria_set=criteria_set, created_by=user, updated_by=user
    )
    WorkflowStep.objects.create(
        assessment=assessment, action="create", to_status=assessment.status, user=user
    )
    rescore(assessment)
    return assessment


def _write_values(assessment: Assessment, parsed: dict, user) -> None:
    existing = {v.measure_id: v for v in assessment.values.all()}
    empty = [m.pk for m, p in parsed.items() if p.is_empty and not p.note and not p.evidence_url]
    for measure_id in empty:
        if measure_id in existing:
            # One by one, so that the audit trail records who cleared the value.
            existing[measure_id]._history_user = user
            existing[measure_id].delete()
    new, changed = [], []
    fields = [
        "number",
        "flag",
        "not_applicable",
        "note",
        "evidence_url",
        "updated_by",
        "updated_at",
    ]
    for measure, value in parsed.items():
        if measure.pk in empty:
            continue
        row = existing.get(measure.pk) or AssessmentValue(assessment=assessment, measure=measure)
        row.number, row.flag, row.not_applicable = value.number, value.flag, value.not_applicable
        row.note, row.evidence_url = value.note, value.evidence_url
        row.updated_by, row.updated_at = user, timezone.now()
        (changed if row.pk else new).append(row)
    # The history-aware bulk writes keep the audit trail that plain bulk writes would skip.
    bulk_create_with_history(new, AssessmentValue, default_user=user)
    bulk_update_with_history(changed, AssessmentValue, fields, default_user=user)


@transaction.atomic
def save_values(
    *, assessment: Assessment, values: Mapping[str, object], version: int, user=None
) -> scoring.AssessmentResult:
    """Save some of an assessment's values and rescore it. A stale version, a submitted or
    approved assessment, or a closed year is refused and nothing changes."""
    current = _locked_current(assessment, version)
    # The closed year first: "an approver can reopen it" would not hold in a closed year.
    _refuse_if_closed(current.commune_id, current.year)
    if not current.is_editable:
        raise LockedError(_locked_message(current))
    parsed = parse_values(current.criteria_set, values)
    _write_values(current, parsed, user)
    current.version += 1
    current.updated_by = user
    current.save(update_fields=["version", "updated_by", "updated_at"])
    result = rescore(current)
    assessment.refresh_from_db()
    return result


def _locked_current(assessment: Assessment, version: int | None) -> Assessment:
    """The assessment as stored, row-locked; a stale version is refused."""
    current = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if version is not None and current.version != version:
        raise StaleVersionError(current.version)
    return current


def _locked_message(assessment: Assessment) -> str:
    if assessment.is_locked:
        return _("This assessment is approved and locked; an approver can reopen it.")
    return _("This assessment is submitted for approval; the approver can return it for changes.")


# --- workflow ---------------------------------------------------------------------------

S = Assessment.Status


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    needs_comment: bool = False
    # Refused once the year is closed; approving and returning stay open, so that the
    # approver can finish the queue after the deadline.
    open_year_only: bool = False


TRANSITIONS = {
    WorkflowStep.Action.SUBMIT: Transition((S.DRAFT, S.RETURNED), S.SUBMITTED, open_year_only=True),
    WorkflowStep.Action.APPROVE: Transition((S.SUBMITTED,), S.APPROVED),
    WorkflowStep.Action.RETURN: Transition((S.SUBMITTED,), S.RETURNED, needs_comment=True),
    # Reopening an approved assessment sends it back to the province, to be submitted and
    # approved again; the reason stays on record.
    WorkflowStep.Action.REOPEN: Transition(
        (S.APPROVED,), S.RETURNED, needs_comment=True, open_year_only=True
    ),
}


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


@transaction.atomic
def move(
    *, assessment: Assessment, action: str, user=None, comment: str = "", version=None
) -> Assessment:
    """Move an assessment one workflow step (submit, approve, return, reopen) and record it.
    Who may take which step is the caller's check (accounts.access); in a closed year only
    approving and returning are left."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError({"action": _("Unknown step “%(a)s”.") % {"a": action}})
    comment = (comment or "").strip()
    if transition.needs_comment and not comment:
        raise ValidationError({"comment": _("Say why (a comment is required for this step).")})
    current = _locked_current(assessment, version)
    if transition.open_year_only:
        _refuse_if_closed(current.commune_id, current.year)
    if current.status not in transition.sources:
        raise WorkflowError(_refusal(action, current, transition))
    WorkflowStep.objects.create(
        assessment=current,
        action=action,
        from_status=current.status,
        to_status=transition.target,
        comment=comment,
        user=user,
    )
    current.status, current.updated_by = transition.target, user
    current.version += 1
    current.save(update_fields=["status", "version", "updated_by", "updated_at"])
    return current


# --- evidence files ---------------------------------------------------------------------


@dataclass(frozen=True)
class FileKind:
    """A type of evidence file the portal accepts, recognised by its leading bytes."""

    label: str
    content_type: str
    signature: bytes
    ooxml_folder: str = ""  # an OOXML package's main folder (word/, xl/)
    odf: bool = False  # an ODF package names its type in its "mimetype" member


ZIP = b"PK\x03\x04"
JPEG = FileKind("JPEG", "image/jpeg", b"\xff\xd8\xff")
OOXML = "application/vnd.openxmlformats-officedocument."
ODF = "application/vnd.oasis.opendocument."
EVIDENCE_KINDS = {
    ".pdf": FileKind("PDF", "application/pdf", b"%PDF-"),
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".png": FileKind("PNG", "image/png", b"\x89PNG\r\n\x1a\n"),
    ".docx": FileKind("DOCX", f"{OOXML}wordprocessingml.document", ZIP, ooxml_folder="word/"),
    ".xlsx": FileKind("XLSX", f"{OOXML}spreadsheetml.sheet", ZIP, ooxml_folder="xl/"),
    ".odt": FileKind("ODT", f"{ODF}text", ZIP, odf=True),
    ".ods": FileKind("ODS", f"{ODF}spreadsheet", ZIP, odf=True),
}
# What a damaged or hostile ZIP can raise while its directory is read.
BAD_ZIP = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, RuntimeError)


def _package_matches(upload, kind: FileKind) -> bool:
    """Whether a ZIP file is the office document its extension claims (any ZIP renamed .docx
    is not a document)."""
    try:
        with zipfile.ZipFile(upload) as package:
            names = set(package.namelist())
            if kind.odf:
                if "mimetype" not in names:
                    return False
                with package.open("mimetype") as member:
                    return member.read(100) == kind.content_type.encode()
            folder = kind.ooxml_folder
            return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)
    except (*BAD_ZIP, NotImplementedError):
        return False


def _content_matches(upload, kind: FileKind) -> bool:
    upload.seek(0)
    head = upload.read(len(kind.signature))
    matches = head == kind.signature and (
        not (kind.ooxml_folder or kind.odf) or _package_matches(upload, kind)
    )
    upload.seek(0)
    return matches


def check_evidence_file(upload) -> tuple[str, FileKind]:
    """The upload's extension and kind, or a ValidationError saying what is wrong with it.
    The content decides, not the name alone: a renamed program is refused."""
    if upload is None:
        raise ValidationError({"file": _("Choose a file to attach.")})
    name = upload.name or ""
    extension = Path(name).suffix.lower()
    kind = EVIDENCE_KINDS.get(extension)
    if kind is None:
        raise ValidationError({"file": _wrong_type(name)})
    if not upload.size:
        raise ValidationError({"file": _("“%(name)s” is empty.") % {"name": name}})
    limit = settings.NTM_EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise ValidationError({"file": _too_large(name, upload.size, limit)})
    if not _content_matches(upload, kind):
        message = _("“%(name)s” is not a real %(kind)s file: its content does not match its name.")
        raise ValidationError({"file": message % {"name": name, "kind": kind.label}})
    return extension, kind


def _wrong_type(name: str) -> str:
    return _(
        "“%(name)s” cannot be attached: attach a PDF, a JPEG or PNG image, or an office "
        "document (docx, xlsx, odt, ods)."
    ) % {"name": name}


def _too_large(name: str, size: int, limit: int) -> str:
    return _("“%(name)s” is too large (%(size)s): the limit is %(limit)s.") % {
        "name": name,
        "size": filesizeformat(size),
        "limit": filesizeformat(limit),
    }


def _display_name(name: str, extension: str) -> str:
    """The uploaded name as people see it and download it again: no folders, and no control
    characters (a line break would break the download's header)."""
    name = "".join(char for char in Path(name).name if char.isprintable()).strip()
    return name[-255:] if len(name) > len(extension) else f"evidence{extension}"


def _evidence_measure(assessment: Assessment, code: str) -> Measure:
    measure = assessment.criteria_set.measures.filter(code=code).first()
    if measure is None:
        raise ValidationError(
            {
                "measure": _("Unknown measure “%(code)s” in %(set)s.")
                % {"code": code, "set": assessment.criteria_set.code}
            }
        )
    return measure


def _open_for_changes(assessment: Assessment) -> Assessment:
    """The assessment, row-locked (so that no file slips in while it is being submitted),
    if the province may still change it (open, in a year not closed); else the refusal that
    says why."""
    current = _locked_current(assessment, None)
    _refuse_if_closed(current.commune_id, current.year)
    if not current.is_editable:
        raise LockedError(_locked_message(current))
    return current


@transaction.atomic
def attach_evidence(*, assessment: Assessment, measure_code: str, upload, user=None) -> Evidence:
    """Attach a file to one measure of an assessment the province is working on. Every check
    comes before the file is stored, so a refusal leaves nothing behind."""
    current = _open_for_changes(assessment)
    measure = _evidence_measure(current, measure_code)
    extension, kind = check_evidence_file(upload)
    evidence = Evidence(
        assessment=current,
        measure=measure,
        original_name=_display_name(upload.name, extension),
        content_type=kind.content_type,
        size=upload.size,
        uploaded_by=user,
    )
    evidence.file.save(f"evidence{extension}", upload, save=False)
    evidence._history_user = user
    try:
        evidence.save()
    except Exception:
        # The row was not written: the stored file would belong to nothing.
        evidence.file.delete(save=False)
        raise
    return evidence


@transaction.atomic
def remove_evidence(*, evidence: Evidence, user=None) -> None:
    """Remove a file while the province works on the assessment; the history keeps the row."""
    _open_for_changes(evidence.assessment)
    storage, name = evidence.file.storage, evidence.file.name
    evidence._history_user = user
    evidence.delete()
    # The file goes only once the removal is committed: a rollback keeps the row and its file.
    transaction.on_commit(lambda: storage.delete(name))


# --- closing a year ---------------------------------------------------------------------


@transaction.atomic
def close_year(*, province: Province, year: int, user=None, note: str = "") -> YearClosure:
    """Close a province's year after the reporting deadline: from now on none of its
    assessments can be created, saved, submitted or reopened, except in communes reopened by
    exception. Approving and returning what was submitted stay possible."""
    # Row-lock the province: two approvers closing at once get one closure and one refusal.
    Province.objects.select_for_update().filter(pk=province.pk).first()
    names = {"year": year, "province": province.name}
    if not CriteriaSet.objects.in_force(year).exists():
        raise ValidationError({"year": _("No criteria set is in force in %(year)d.") % names})
    if structure_for_year(year) != province.structure:
        message = _("%(province)s is not on the administrative map of %(year)d.")
        raise ValidationError({"year": message % names})
    if YearClosure.objects.filter(province=province, year=year).exists():
        message = _("Year %(year)d of %(province)s is already closed.")
        raise ValidationError({"year": message % names})
    closure = YearClosure(province=province, year=year, closed_by=user, note=(note or "").strip())
    closure._history_user = user
    closure.save()
    return closure


def _closure(province: Province, year: int, **exactly) -> YearClosure:
    """The province's closure of the year, row-locked; a year that is not closed is refused."""
    closures = YearClosure.objects.select_for_update().select_related("province")
    closure = closures.filter(province=province, year=year, **exactly).first()
    if closure is None:
        message = _("Year %(year)d of %(province)s is not closed.")
        raise ValidationError({"year": message % {"year": year, "province": province.name}})
    return closure


def _reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": message})
    return reason


@transaction.atomic
def reopen_year(*, province: Province, year: int, reason: str, user=None) -> None:
    """Reopen a closed year for the whole province (e.g. the deadline was extended). The
    closure and its exceptions go; the history keeps them, with who reopened and why."""
    reason = _reason(reason, _("Say why the year is reopened."))
    closure = _closure(province, year)
    # One by one, so that the history records who removed each exception, and why.
    for row in [*closure.exceptions.all(), closure]:
        row._history_user, row._change_reason = user, reason
        row.delete()


@transaction.atomic
def open_commune_by_exception(
    *, closure: YearClosure, commune: Commune, reason: str, user=None
) -> ClosureException:
    """Reopen one commune of a closed year: its assessment can be created, saved, submitted
    and reopened again while the rest of the province stays closed."""
    reason = _reason(reason, _("Say why this commune is reopened."))
    closure = _closure(closure.province, closure.year, pk=closure.pk)
    names = {"commune": commune.name, "province": closure.province.name}
    if commune.province_id != closure.province_id or not commune.is_rural:
        message = _("%(commune)s is not a rural commune of %(province)s.")
        raise ValidationError({"commune": message % names})
    if closure.exceptions.filter(commune=commune).exists():
        message = _("%(commune)s is already open by exception.")
        raise ValidationError({"commune": message % names})
    exception = ClosureException(closure=closure, commune=commune, reason=reason, opened_by=user)
    exception._history_user = user
    exception.save()
    return exception


# --- scoring ----------------------------------------------------------------------------


def _apply_result(assessment: Assessment, class_value: str, result: scoring.AssessmentResult):
    first = min(result.levels, key=lambda level: level.rank) if result.levels else None
    assessment.class_value = class_value
    assessment.level = result.level
    assessment.criteria_met = first.criteria_met if first else 0
    assessment.criteria_met_by_level = {
        level.code: [level.criteria_met, level.criteria_total] for level in result.levels
    }
    assessment.complete = all(level.complete for level in result.levels)
    assessment.uses_unverified = result.uses_unverified
    assessment.scored_at = timezone.now()


RESULT_FIELDS = [
    "class_value",
    "level",
    "criteria_met",
    "criteria_met_by_level",
    "complete",
    "uses_unverified",
    "scored_at",
]


def _criterion_rows(assessment: Assessment, result: scoring.AssessmentResult, ids: dict):
    return [
        CriterionResult(
            assessment=assessment, criterion_id=ids[(c.level, c.code)], status=c.status.value
        )
        for level in result.levels
        for c in level.criteria
    ]


def _criterion_ids(criteria_set: CriteriaSet) -> dict[tuple[str, str], int]:
    rows = criteria_set.levels.values_list("code", "criteria__number", "criteria__id")
    return {(level, number): pk for level, number, pk in rows if pk is not None}


@transaction.atomic
def rescore_many(assessments: list[Assessment]) -> dict[int, scoring.AssessmentResult]:
    """Score assessments (of any sets and years) and store their results with bulk writes."""
    by_set: dict[int, list[Assessment]] = {}
    for assessment in assessments:
        by_set.setdefault(assessment.criteria_set_id, []).append(assessment)
    results = {}
    for group in by_set.values():
        results |= _rescore_group(group[0].criteria_set, group)
    return results


def _rescore_group(criteria_set: CriteriaSet, assessments: list[Assessment]) -> dict:
    scored = selectors.results_for(criteria_set, assessments)
    ids = _criterion_ids(criteria_set)
    rows = []
    for a in assessments:
        class_value, result = scored[a.pk]
        _apply_result(a, class_value, result)
        rows += _criterion_rows(a, result, ids)
    Assessment.objects.bulk_update(assessments, RESULT_FIELDS, batch_size=500)
    CriterionResult.objects.filter(assessment__in=assessments).delete()
    CriterionResult.objects.bulk_create(rows, batch_size=1000)
    return {pk: result for pk, (_, result) in scored.items()}


def rescore(assessment: Assessment) -> scoring.AssessmentResult:
    """Score one assessment, store the result, and return the full breakdown."""
    loaded = selectors.assessments_for_scoring([assessment.pk]).get()
    return rescore_many([loaded])[loaded.pk]


def recompute(
    *, year: int | None = None, province_code: str | None = None, batch_size: int = 500
) -> int:
    """Rescore many assessments in batches, e.g. after thresholds changed."""
    queryset = Assessment.objects.order_by("pk")
    if year is not None:
        queryset = queryset.filter(year=year)
    if province_code is not None:
        queryset = queryset.filter(commune__province__code=province_code)
    ids = list(queryset.values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        batch = list(selectors.assessments_for_scoring(ids[start : start + batch_size]))
        rescore_many(batch)
    return len(ids)


def rescore_for_derived_change(key: str, commune_ids) -> int:
    """Rescore the open assessments of these communes whose set derives a measure from ``key``.
    Approved assessments are locked: their result stays the one that was approved."""
    ids = list(
        Assessment.objects.filter(
            commune_id__in=list(commune_ids),
            criteria_set__measures__derived_from=key,
        )
        .exclude(status=Assessment.Status.APPROVED)
        .values_list("pk", flat=True)
        .distinct()
    )
    if ids:
        rescore_many(list(selectors.assessments_for_scoring(ids)))
    return len(ids)


# --- recognitions and targets -------------------------------------------------------------


def level_for_year(code: str, year: int) -> Level:
    """The level ``code`` of the criteria set in force in ``year``."""
    level = Level.objects.filter(criteria_set=criteria_set_for_year(year), code=code).first()
    if level is None:
        raise ValidationError(
            {
                "level": _("No level “%(code)s” in the criteria set of %(year)d.")
                % {"code": code, "year": year}
            }
        )
    return level


def _full_clean(instance) -> None:
    # The model's own checks (constraints, field limits) with messages keyed by field.
    instance.full_clean(validate_unique=True, validate_constraints=True)


@transaction.atomic
def record_recognition(
    *,
    level_code: str,
    title_year: int,
    decision_number: str,
    decision_date,
    issuer: str,
    commune: Commune | None = None,
    district=None,
) -> Recognition:
    """Record an official decision recognising a commune or a district at a level."""
    if (commune is None) == (district is None):
        raise ValidationError(_("A recognition is for one commune or one district."))
    if commune is not None and not commune.is_rural:
        raise ValidationError({"commune": _("Only rural communes (xã) are recognised.")})
    if decision_date > timezone.localdate():
        raise ValidationError({"decision_date": _("The decision date cannot be in the future.")})
    if title_year > decision_date.year:
        raise ValidationError(
            {"title_year": _("The title year cannot come after the decision date.")}
        )
    recognition = Recognition(
        commune=commune,
        district=district,
        level=level_for_year(level_code, title_year),
        title_year=title_year,
        decision_number=decision_number.strip(),
        decision_date=decision_date,
        issuer=issuer.strip(),
    )
    _full_clean(recognition)
    recognition.save()
    return recognition


@transaction.atomic
def revoke_recognition(
    *, recognition: Recognition, revoked_date, reason: str, decision: str = ""
) -> Recognition:
    if recognition.revoked_date is not None:
        raise WorkflowError(_("This recognition was already revoked."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the recognition is revoked.")})
    if revoked_date < recognition.decision_date:
        raise ValidationError(
            {"revoked_date": _("A recognition cannot be revoked before it was decided.")}
        )
    recognition.revoked_date = revoked_date
    recognition.revoked_reason = reason.strip()
    recognition.revoked_decision = (decision or "").strip()
    recognition.save(update_fields=["revoked_date", "revoked_reason", "revoked_decision"])
    return recognition


@transaction.atomic
def set_target(*, target: Target | None = None, level_code: str, year: int, **fields) -> Target:
    """Create or change a province's (or district's) target for a year."""
    target = target or Target()
    for name, value in fields.items():
        setattr(target, name, value)
    target.year, target.level = year, level_for_year(level_code, year)
    if target.district_id and target.district.province_id != target.province_id:
        raise ValidationError({"district": _("The district is not in this province.")})
    _full_clean(target)
    target.save()
    return target
