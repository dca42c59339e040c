"""Creating assessments and saving their values: every value checked against its measure,
with optimistic locking, rescored in the same transaction."""

import datetime
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from communes.models import Commune, structure_for_year, structures_for_years
from communes.selectors import predecessors, successors
from core.errors import AlreadyExistsError
from core.numbers import parse_decimal
from core.text import clean_text
from criteria import scoring, selectors
from criteria.models import (
    Assessment,
    AssessmentValue,
    CriteriaSet,
    Measure,
    WorkflowStep,
)
from criteria.services.bulk import (
    copy_to_history,
    insert_rows,
    refuse_if_any_closed,
    update_rows,
)
from criteria.services.closures import refuse_if_closed
from criteria.services.errors import LockedError, StaleVersionError
from criteria.services.locks import hold_sets
from criteria.services.results import rescore, rescore_many

MAX_INTEGER_DIGITS = 10  # AssessmentValue.number holds 14 digits, 4 after the point
EVIDENCE_URL_LENGTH = AssessmentValue._meta.get_field("evidence_url").max_length


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
    if isinstance(raw, str) and raw.strip().endswith("%"):  # "85%", as a spreadsheet shows it
        if measure.value_type != Measure.ValueType.PERCENT:
            raise ValidationError(_("Only a percentage is written with a % sign."))
        raw = raw.strip()[:-1]
    number = parse_decimal(raw)  # core.numbers: one rule for how a number is written
    if number < 0 and measure.value_type != Measure.ValueType.CHANGE:
        raise ValidationError(_("The value cannot be negative."))
    if measure.value_type == Measure.ValueType.PERCENT and number > 100:
        raise ValidationError(_("A percentage is between 0 and 100."))
    if measure.value_type == Measure.ValueType.COUNT and number != number.to_integral_value():
        raise ValidationError(_("A count is a whole number."))
    if number.as_tuple().exponent < -4 or number.adjusted() >= MAX_INTEGER_DIGITS:
        raise ValidationError(_("Use at most 10 digits before and 4 after the decimal point."))
    return number


# How a yes/no is written in text (a file's cell, a form's field), in any case: the one rule
# for every import. "đạt"/"không đạt" (met / not met) are how provinces' spreadsheets say it.
FLAG_WORDS = {
    "1": True,
    "true": True,
    "có": True,
    "đạt": True,
    "0": False,
    "false": False,
    "không": False,
    "không đạt": False,
}


def _parse_flag(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        # NFC: a file may write "không" with combining marks; inner spaces count once.
        word = unicodedata.normalize("NFC", " ".join(raw.split())).casefold()
        if word in FLAG_WORDS:
            return FLAG_WORDS[word]
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
        parsed = _parse_payload(measure, payload, clean_text(str(payload.get("note") or "")))
    except ValidationError as error:
        messages += error.messages
    try:
        evidence_url = _parse_evidence_url(payload.get("evidence_url"))
    except ValidationError as error:
        messages += error.messages
    if messages:
        raise ValidationError(messages)
    # replace() only when needed: it is a third of the cost of parsing a plain value.
    return replace(parsed, evidence_url=evidence_url) if evidence_url else parsed


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
    return _parse_with(measures, criteria_set, raw_values)


def _parse_with(
    measures: Mapping[str, Measure], criteria_set: CriteriaSet, raw_values: Mapping[str, object]
) -> dict:
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


def criteria_set_for_year(year: int) -> CriteriaSet:
    """The set that governs ``year`` (CriteriaSet.objects.for_year), or a 400 saying none does."""
    return CriteriaSet.objects.for_year_or_error(year)


def _refuse_unless_rural(commune: Commune, year: int) -> None:
    """Refuse a commune that was not a xã at any time during ``year`` (communes.models'
    rule), naming the change of kind that explains it, if any."""
    if commune.is_rural_in(year):
        return
    change = commune.kind_change_explaining(year)
    if change is None:
        raise ValidationError({"commune": _("Only rural communes (xã) are assessed.")})
    names = {"commune": commune.name, "year": year, "date": change.date.isoformat()}
    if change.date.year <= year:
        message = _(
            "%(commune)s was not a rural commune (xã) in %(year)d: it became %(kind)s on %(date)s."
        )
        names["kind"] = change.get_new_kind_display()
    else:
        message = _(
            "%(commune)s was not a rural commune (xã) in %(year)d: it was %(kind)s until %(date)s."
        )
        names["kind"] = change.get_old_kind_display()
    raise ValidationError({"commune": message % names})


def _refuse_unless_on_map(commune: Commune, year: int, structure: str | None) -> None:
    """Refuse a unit that is not on the map ``year`` is assessed on (communes.models: the
    structure in force on 1 January, a unit valid at some time in the year), naming its
    validity and where that year's assessment belongs: its successors or predecessors."""
    if commune.is_on_map(year, structure):
        return
    names = {"commune": f"{commune.name} ({commune.code})", "year": year}
    if commune.valid_to is not None and commune.valid_to < datetime.date(year, 1, 1):
        units = [link.new for link in successors(commune)]
        message = _(
            "%(commune)s existed until %(date)s; %(year)d is assessed on the map since then, "
            "on the commune(s) it went into: %(units)s."
        )
        names["date"] = commune.valid_to.isoformat()
    else:
        units = [link.old for link in predecessors(commune)]
        message = _(
            "%(commune)s exists from %(date)s; %(year)d is assessed on the map of that year, "
            "on the commune(s) it was formed from: %(units)s."
        )
        names["date"] = commune.valid_from.isoformat() if commune.valid_from else "?"
    names["units"] = ", ".join(f"{u.name} ({u.code})" for u in units) or _("none on record")
    raise ValidationError({"commune": message % names})


def _already_assessed(commune: Commune, year: int) -> AlreadyExistsError:
    existing = Assessment.objects.filter(commune=commune, year=year).values_list("pk", flat=True)
    message = _("%(commune)s already has an assessment for %(year)d.") % {
        "commune": commune.name,
        "year": year,
    }
    return AlreadyExistsError(message, existing.first(), field="year")


def _created_step(assessment: Assessment, user) -> WorkflowStep:
    return WorkflowStep(
        assessment=assessment,
        action=WorkflowStep.Action.CREATE,
        to_status=assessment.status,
        user=user,
    )


@transaction.atomic
def create_assessment(
    *, commune: Commune, year: int, user=None, carry_forward: bool = True
) -> Assessment:
    """A commune's year, under the set governing it, starting from the previous year's values
    (carried forward, unless ``carry_forward`` is false), scored."""
    criteria_set = criteria_set_for_year(year)
    _refuse_unless_on_map(commune, year, structure_for_year(year))
    _refuse_unless_rural(commune, year)
    refuse_if_closed(commune.pk, year)
    hold_sets([criteria_set.pk])
    if Assessment.objects.filter(commune=commune, year=year, criteria_set=criteria_set).exists():
        raise _already_assessed(commune, year)
    try:
        with transaction.atomic():  # a savepoint: the race's loser is told, not a 500
            assessment = Assessment.objects.create(
                commune=commune,
                year=year,
                criteria_set=criteria_set,
                created_by=user,
                updated_by=user,
            )
    except IntegrityError:
        raise _already_assessed(commune, year) from None
    _created_step(assessment, user).save()
    if carry_forward:
        _carry_forward(assessment, user)
    rescore(assessment)
    return assessment


CARRIED_FIELDS = ["measure_id", "number", "flag", "not_applicable", "note"]


def _carry_forward(assessment: Assessment, user) -> None:
    """Last year's values of the commune under the same criteria set as the starting point of
    the new year, each marked carried forward until an officer confirms or changes it
    (save_values clears the mark): in bulk, each with its "+" history row. Evidence links
    are left behind: they prove last year's value, not this year's."""
    previous = AssessmentValue.objects.filter(
        assessment__commune_id=assessment.commune_id,
        assessment__year=assessment.year - 1,
        assessment__criteria_set_id=assessment.criteria_set_id,
        measure__source=Measure.Source.ENTERED,
    ).exclude(number__isnull=True, flag__isnull=True, not_applicable=False, note="")
    now = timezone.now()
    rows = [
        {
            **dict(zip(CARRIED_FIELDS, values, strict=True)),
            "assessment_id": assessment.pk,
            "carried_forward": True,
            "updated_by_id": user.pk if user else None,
            "updated_at": now,
        }
        for values in previous.values_list(*CARRIED_FIELDS)
    ]
    if not rows:
        return
    insert_rows(AssessmentValue, rows)
    reason = _("Carried forward from %(year)d") % {"year": assessment.year - 1}
    copy_to_history(assessment.values.all(), user=user, reason=reason)


@dataclass(frozen=True)
class NewAssessment:
    """One assessment for create_assessments: a commune's year and its values, as an officer
    would send them to save_values ({measure code: raw value})."""

    commune: Commune
    year: int
    values: Mapping[str, object]


@transaction.atomic
def create_assessments(*, entries: Sequence[NewAssessment], user=None) -> list[Assessment]:
    """create_assessment then save_values, for many communes and years at once (an import, the
    demo): the same checks, all made before anything is written, and the same rows (each
    assessment with its "create" step and a history row for each of the two saves, each value
    with its history row, the stored results), in a few statements per table. Scored once,
    after the values: the second history row shows the assessment before its first scoring.
    Returns the assessments as scored, in the order of ``entries``. Nothing is carried
    forward from the previous year: the entries give the year's values themselves (so these
    are create_assessment(carry_forward=False)'s rows)."""
    if not entries:
        return []
    sets = _check_new(entries)
    parsed = [_parse_entry(entry, sets) for entry in entries]
    created = bulk_create_with_history(
        [
            Assessment(
                commune=entry.commune,
                year=entry.year,
                criteria_set=sets[entry.year][0],
                created_by=user,
                updated_by=user,
            )
            for entry in entries
        ],
        Assessment,
        default_user=user,
    )
    ids = [a.pk for a in created]
    WorkflowStep.objects.bulk_create([_created_step(a, user) for a in created])
    _insert_values(list(zip(created, parsed, strict=True)), user)
    _count_save(ids, user)
    scored = {a.pk: a for a in selectors.assessments_for_scoring(ids)}
    rescore_many(list(scored.values()))
    return [scored[pk] for pk in ids]


def _check_new(entries: Sequence[NewAssessment]) -> dict[int, tuple[CriteriaSet, dict]]:
    """create_assessment's checks for every entry; {year: (its set, its measures by code)}."""
    prefetch_related_objects([entry.commune for entry in entries], "kind_changes")
    sets = {}
    for year in sorted({entry.year for entry in entries}):
        criteria_set = criteria_set_for_year(year)
        sets[year] = (criteria_set, {m.code: m for m in criteria_set.measures.all()})
    maps = structures_for_years({entry.year for entry in entries})
    for entry in entries:
        _refuse_unless_on_map(entry.commune, entry.year, maps[entry.year])
        _refuse_unless_rural(entry.commune, entry.year)
    refuse_if_any_closed((entry.commune, entry.year) for entry in entries)
    hold_sets(criteria_set.pk for criteria_set, _measures in sets.values())
    taken = set(
        Assessment.objects.filter(
            commune__in={entry.commune.pk for entry in entries}, year__in=list(sets)
        ).values_list("commune_id", "year", "criteria_set_id")
    )
    for entry in entries:
        key = (entry.commune.pk, entry.year, sets[entry.year][0].pk)
        if key in taken:
            raise _already_assessed(entry.commune, entry.year)
        taken.add(key)
    return sets


def _parse_entry(entry: NewAssessment, sets: dict) -> dict:
    criteria_set, measures = sets[entry.year]
    try:
        return _parse_with(measures, criteria_set, entry.values)
    except ValidationError as error:
        where = f"{entry.commune.name} ({entry.commune.code}) {entry.year}"
        raise ValidationError(
            {f"{where}: {code}": messages for code, messages in error.message_dict.items()}
        ) from None


def _clears(value: ParsedValue) -> bool:
    """Whether saving this value removes the stored one rather than writing a row."""
    return value.is_empty and not value.note and not value.evidence_url


def _insert_values(assessments_values: list[tuple[Assessment, dict]], user) -> None:
    """The values of new assessments and their "+" history rows, as _write_values writes them."""
    now = timezone.now()
    rows = [
        {
            "assessment_id": assessment.pk,
            "measure_id": measure.pk,
            "number": value.number,
            "flag": value.flag,
            "not_applicable": value.not_applicable,
            "note": value.note,
            "evidence_url": value.evidence_url,
            "updated_by_id": user.pk if user else None,
            "updated_at": now,
        }
        for assessment, parsed in assessments_values
        for measure, value in parsed.items()
        if not _clears(value)
    ]
    insert_rows(AssessmentValue, rows)
    created = [assessment.pk for assessment, _parsed in assessments_values]
    copy_to_history(AssessmentValue.objects.filter(assessment__in=created), user=user)


def _count_save(ids: list[int], user) -> None:
    """What save_values does to the assessment itself: a new version, by this user, on record."""
    saved = Assessment.objects.filter(pk__in=ids)
    saved.update(version=F("version") + 1, updated_by=user, updated_at=timezone.now())
    copy_to_history(saved, user=user, change="~")


@dataclass(frozen=True)
class ValueWrite:
    """One value of an existing assessment for write_values_many: the value to store (or to
    clear, when it _clears) and the stored row it replaces, if any."""

    assessment_id: int
    measure_id: int
    value: ParsedValue
    stored_id: int | None = None


VALUE_FIELDS = ["number", "flag", "not_applicable", "note", "evidence_url"]
IDS_PER_QUERY = 500  # keys in one IN (...): within SQLite's limit of bound parameters


def write_values_many(*, writes: Sequence[ValueWrite], user=None) -> list[Assessment]:
    """_write_values then save_values' count and rescoring, for many assessments at once (an
    import): the same rows and history rows ("+" new, "~" changed, "-" cleared, by ``user``),
    a new version of each assessment, each rescored once, in a few statements per table. The
    caller holds the assessments (locked, open, in an open year) and has parsed the values.
    Returns the assessments as rescored."""
    if not writes:
        return []
    now = timezone.now()
    ids = sorted({write.assessment_id for write in writes})
    cleared = [w.stored_id for w in writes if _clears(w.value) and w.stored_id]
    _clear_values(cleared, user)
    new = [w for w in writes if not _clears(w.value) and not w.stored_id]
    insert_rows(AssessmentValue, [_value_row(w, user, now) for w in new])
    with_new = sorted({w.assessment_id for w in new})
    for start in range(0, len(with_new), IDS_PER_QUERY):
        batch = with_new[start : start + IDS_PER_QUERY]
        # The rows just inserted, by their stamp: no other writer touches these locked
        # assessments' values, and the changed rows are stamped later.
        inserted = AssessmentValue.objects.filter(assessment__in=batch, updated_at=now)
        copy_to_history(inserted, user=user)
    changed = [w for w in writes if not _clears(w.value) and w.stored_id]
    later = timezone.now()  # after the inserts' stamp, which told the new rows apart
    rows = [{"pk": w.stored_id, **_value_row(w, user, later)} for w in changed]
    update_rows(
        AssessmentValue, rows, [*VALUE_FIELDS, "carried_forward", "updated_by_id", "updated_at"]
    )
    _copy_ids_to_history([w.stored_id for w in changed], user, "~")
    _count_save(ids, user)
    assessments = list(selectors.assessments_for_scoring(ids))
    rescore_many(assessments)
    return assessments


def _value_row(write: ValueWrite, user, now) -> dict:
    value = write.value
    return {
        "assessment_id": write.assessment_id,
        "measure_id": write.measure_id,
        **{name: getattr(value, name) for name in VALUE_FIELDS},
        "carried_forward": False,  # written from a file: no longer last year's copy
        "updated_by_id": user.pk if user else None,
        "updated_at": now,
    }


def _clear_values(value_ids: list[int], user) -> None:
    """Delete stored values with their "-" history row, as deleting each one records it. A
    plain DELETE: QuerySet.delete() would load each row and have simple_history record it a
    second time, without the user. No table refers to a value's row."""
    _copy_ids_to_history(value_ids, user, "-")
    connection = connections[router.db_for_write(AssessmentValue)]
    meta, quote = AssessmentValue._meta, connection.ops.quote_name
    delete = f"DELETE FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} IN"
    with connection.cursor() as cursor:
        for start in range(0, len(value_ids), IDS_PER_QUERY):
            batch = value_ids[start : start + IDS_PER_QUERY]
            cursor.execute(f"{delete} ({', '.join(['%s'] * len(batch))})", batch)


def _copy_ids_to_history(value_ids: list[int], user, change: str) -> None:
    for start in range(0, len(value_ids), IDS_PER_QUERY):
        batch = AssessmentValue.objects.filter(pk__in=value_ids[start : start + IDS_PER_QUERY])
        copy_to_history(batch, user=user, change=change)


def _write_values(assessment: Assessment, parsed: dict, user) -> None:
    existing = {v.measure_id: v for v in assessment.values.all()}
    empty = [m.pk for m, p in parsed.items() if _clears(p)]
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
        "carried_forward",
        "updated_by",
        "updated_at",
    ]
    for measure, value in parsed.items():
        if measure.pk in empty:
            continue
        row = existing.get(measure.pk) or AssessmentValue(assessment=assessment, measure=measure)
        row.number, row.flag, row.not_applicable = value.number, value.flag, value.not_applicable
        row.note, row.evidence_url = value.note, value.evidence_url
        row.carried_forward = False  # saved by a person: confirmed or changed
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
    current = locked_current(assessment, version)
    # The closed year first: "an approver can reopen it" would not hold in a closed year.
    refuse_if_closed(current.commune_id, current.year)
    if not current.is_editable:
        raise LockedError(locked_message(current))
    parsed = parse_values(current.criteria_set, values)
    _write_values(current, parsed, user)
    current.version += 1
    current.updated_by = user
    current.save(update_fields=["version", "updated_by", "updated_at"])
    result = rescore(current)
    assessment.refresh_from_db()
    return result


def locked_current(assessment: Assessment, version: int | None) -> Assessment:
    """The assessment as stored, row-locked (after its set's row: services.locks); a stale
    version is refused."""
    hold_sets([assessment.criteria_set_id])
    current = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if version is not None and current.version != version:
        raise StaleVersionError(current.version)
    return current


def locked_message(assessment: Assessment) -> str:
    if assessment.is_locked:
        return _("This assessment is approved and locked; an approver can reopen it.")
    return _("This assessment is submitted for approval; the approver can return it for changes.")
