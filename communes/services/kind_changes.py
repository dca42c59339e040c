"""Recording that a commune-level unit's kind changed on a date (a xã made a ward, a township
made a xã...), one at a time or in bulk from a .csv/.xlsx file.

Each commune's changes form a chain that agrees with its loaded kind, which is its kind on the
list's date (Commune.kind_as_of): a change dated after that day starts from the kind the unit
had the day before; a change dated on or before it must lead to the kind it had next (the next
change's old kind, or the listed kind). The rule that reads the chain (the kind on a day, the
rural communes of a year) is communes.models'. Everything is checked before anything is
written; a batch is written in a fixed number of queries, with its history.
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from communes.models import Commune, KindChange, Structure
from communes.text import fold
from core.tables import read_rows
from core.text import as_stored, clean_text

IMPORT_COLUMNS = ("structure", "code", "date", "new_kind", "legal_source")
OPTIONAL_COLUMNS = ("note", "old_kind")
KINDS = {value for value, _label in Commune.Kind.choices}
LEGAL_SOURCE_LENGTH = KindChange._meta.get_field("legal_source").max_length


@dataclass(frozen=True)
class KindChangeEntry:
    """One change as a user sent it, not yet checked. ``row`` numbers it in errors (a file's
    row, an API list item's position); None for a single change, whose errors name fields."""

    row: int | None
    structure: str
    code: str
    date: str | datetime.date
    new_kind: str
    legal_source: str
    note: str = ""
    old_kind: str = ""  # optional: the kind before the change, when the list cannot tell it


# --- reading an entry -------------------------------------------------------------------------


def _kind(raw: str) -> str:
    """A kind code from its code or its Vietnamese name, with or without diacritics."""
    return fold(raw).replace(" ", "_")


def _kind_error(raw: str, *, required: bool) -> str | None:
    value = _kind(raw)
    if value in KINDS or (not value and not required):
        return None
    names = {"value": raw.strip(), "allowed": ", ".join(sorted(KINDS))}
    if not value:
        return _("Give the new kind: one of %(allowed)s.") % names
    return _("“%(value)s” is not a kind of unit: one of %(allowed)s.") % names


def _date(raw: str | datetime.date) -> datetime.date | None:
    """A day written 2026-04-30 or 30/04/2026 (a spreadsheet's date cell reads as
    2026-04-30 00:00:00)."""
    if isinstance(raw, datetime.date):
        return raw
    text = str(raw).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _text_errors(entry: KindChangeEntry) -> list[tuple[str, str]]:
    errors = []
    source = entry.legal_source.strip()
    if not source:
        message = _("Give the legal source: the decision or resolution that changes the kind.")
        errors.append(("legal_source", message))
    elif len(source) > LEGAL_SOURCE_LENGTH:
        message = _("The legal source has more than %(max)d characters.")
        errors.append(("legal_source", message % {"max": LEGAL_SOURCE_LENGTH}))
    for field, value in (("legal_source", entry.legal_source), ("note", entry.note)):
        try:
            clean_text(value)  # the note at most MAX_TEXT; no character no database stores
        except ValidationError as error:
            errors.append((field, error.messages[0]))
    return errors


# --- the batch's lookups, loaded once ---------------------------------------------------------


@dataclass
class _Lookup:
    communes: dict[tuple[str, str], Commune]  # (structure, code) -> commune, row-locked
    existing: dict[int, list[KindChange]]  # commune id -> its stored changes


def _lookup(entries: Sequence[KindChangeEntry]) -> _Lookup:
    """The communes named and their stored changes: 2 queries. The communes are locked, so
    that two batches cannot each extend the same chain unseen by the other."""
    wanted = {(e.structure.strip(), e.code.strip()) for e in entries}
    communes = Commune.objects.select_for_update().filter(
        structure__in={structure for structure, _code in wanted},
        code__in={code for _structure, code in wanted},
    )
    by_key = {(c.structure, c.code): c for c in communes}
    existing = defaultdict(list)
    for change in KindChange.objects.filter(commune__in=[c.pk for c in by_key.values()]):
        existing[change.commune_id].append(change)
    return _Lookup(by_key, existing)


# --- checking ---------------------------------------------------------------------------------


@dataclass
class _Step:
    """A change in a commune's chain: stored (entry None) or sent (entry set)."""

    date: datetime.date
    old_kind: str  # "" while a sent entry leaves it to the chain
    new_kind: str
    entry: KindChangeEntry | None = None


def _commune(entry: KindChangeEntry, lookup: _Lookup) -> tuple[Commune | None, list]:
    structure, code = entry.structure.strip(), entry.code.strip()
    if structure not in Structure.values:
        names = {"value": structure, "allowed": ", ".join(Structure.values)}
        return None, [("structure", _("The structure must be one of %(allowed)s.") % names)]
    if not code:
        return None, [("code", _("Give the unit's code."))]
    commune = lookup.communes.get((structure, code))
    if commune is None:
        message = _("No commune-level unit has the code %(code)s in structure %(structure)s.")
        return None, [("code", message % {"code": code, "structure": structure})]
    return commune, []


def _validity_error(commune: Commune, day: datetime.date) -> str | None:
    if (commune.valid_from is None or commune.valid_from <= day) and (
        commune.valid_to is None or day <= commune.valid_to
    ):
        return None
    names = {
        **_names(commune),
        "date": day.isoformat(),
        "start": commune.valid_from.isoformat() if commune.valid_from else "…",
        "end": commune.valid_to.isoformat() if commune.valid_to else "…",
    }
    return _("%(commune)s exists from %(start)s to %(end)s: a change on %(date)s is outside.") % (
        names
    )


def _entry_errors(entry: KindChangeEntry, lookup: _Lookup):
    """The checks of one entry alone; its commune and date when they can be read."""
    commune, errors = _commune(entry, lookup)
    day = _date(entry.date)
    if day is None:
        message = _("The date must be a day such as 2026-04-30, not “%(value)s”.")
        errors.append(("date", message % {"value": str(entry.date).strip()}))
    elif commune is not None and (problem := _validity_error(commune, day)):
        errors.append(("date", problem))
    for field, required in (("new_kind", True), ("old_kind", False)):
        if problem := _kind_error(getattr(entry, field), required=required):
            errors.append((field, problem))
    errors += _text_errors(entry)
    return commune, day, errors


def _label(kind: str) -> str:
    return str(Commune.Kind(kind).label)


def _listed(commune: Commune) -> str:
    if commune.kind_as_of is None:
        return _("the unit list")
    return _("the unit list of %(date)s") % {"date": commune.kind_as_of.isoformat()}


def _chain_errors(commune: Commune, steps: list[_Step]) -> dict[int, list]:
    """The problems of each sent step (keyed by its position) in the commune's whole chain,
    stored and sent changes together, ordered by date; fills in the old kinds left out."""
    as_of, listed = commune.kind_as_of, commune.kind
    errors = defaultdict(list)
    for i, step in enumerate(steps):
        if step.entry is None:
            continue
        before, after = _neighbours(steps, i, as_of, listed, commune)
        if not step.old_kind and before is None:
            message = _(
                "Give the old kind: %(listed)s shows %(commune)s after this change, not before."
            )
            errors[i].append(
                ("old_kind", message % {"listed": _listed(commune), **_names(commune)})
            )
            continue
        if before is not None and step.old_kind and step.old_kind != before[0]:
            message = _("Before %(date)s %(commune)s was %(kind)s (%(why)s), not %(old)s.")
            names = {"kind": _label(before[0]), "why": before[1], "old": _label(step.old_kind)}
            errors[i].append(
                ("old_kind", message % {"date": step.date, **_names(commune), **names})
            )
        step.old_kind = step.old_kind or before[0]
        if after is not None and step.new_kind != after[0]:
            message = _("From %(date)s %(commune)s is %(kind)s (%(why)s), not %(new)s.")
            names = {"kind": _label(after[0]), "why": after[1], "new": _label(step.new_kind)}
            errors[i].append(
                ("new_kind", message % {"date": step.date, **_names(commune), **names})
            )
        if step.old_kind == step.new_kind:
            message = _("The new kind is the kind it already had: %(kind)s.")
            errors[i].append(("new_kind", message % {"kind": _label(step.new_kind)}))
    return errors


def _names(commune: Commune) -> dict:
    return {"commune": f"{commune.name} ({commune.code})"}


def _neighbours(steps: list[_Step], i: int, as_of, listed: str, commune: Commune):
    """(kind, why) the unit had just before step i, and the kind it must have from its date
    on; None where the chain does not say."""
    step = steps[i]
    previous = steps[i - 1] if i else None
    following = steps[i + 1] if i + 1 < len(steps) else None
    before = after = None
    if previous is not None:
        why = _("as the change of %(date)s records") % {"date": previous.date}
        before = (previous.new_kind, why)
    elif as_of is None or step.date > as_of:
        before = (listed, _("as %(listed)s records") % {"listed": _listed(commune)})
    if following is not None and following.old_kind:
        why = _("the change of %(date)s starts from it") % {"date": following.date}
        after = (following.old_kind, why)
    elif as_of is not None and step.date <= as_of and (following is None or following.date > as_of):
        after = (listed, _("as %(listed)s records") % {"listed": _listed(commune)})
    return before, after


def _checked(entries: Sequence[KindChangeEntry]) -> tuple[list[KindChange], dict]:
    """The changes to write, and every problem keyed by entry index."""
    lookup = _lookup(entries)
    errors: dict[int, list] = defaultdict(list)
    sent: dict[int, list[tuple[int, _Step]]] = defaultdict(list)
    taken: dict[tuple[int, datetime.date], str] = {}
    for c_id, changes in lookup.existing.items():
        for change in changes:
            taken[(c_id, change.date)] = _("a change is already recorded on that day")
    communes = {}
    for index, entry in enumerate(entries):
        commune, day, problems = _entry_errors(entry, lookup)
        errors[index] += problems
        if commune is None or day is None or problems:
            continue
        if (commune.pk, day) in taken:
            message = _("%(commune)s already changes kind on %(date)s: %(why)s.")
            names = {"date": day, "why": taken[(commune.pk, day)], **_names(commune)}
            errors[index].append(("date", message % names))
            continue
        taken[(commune.pk, day)] = _("in row %(row)s") % {"row": entry.row}
        step = _Step(day, _kind(entry.old_kind), _kind(entry.new_kind), entry)
        communes[commune.pk] = commune
        sent[commune.pk].append((index, step))
    valid = []
    for c_id, items in sent.items():
        stored = [_Step(c.date, c.old_kind, c.new_kind) for c in lookup.existing[c_id]]
        steps = sorted(stored + [step for _index, step in items], key=lambda s: s.date)
        position = {id(step): index for index, step in items}
        for i, problems in _chain_errors(communes[c_id], steps).items():
            errors[position[id(steps[i])]] += problems
        valid += [_change(communes[c_id], step) for _index, step in items]
    return valid, {index: problems for index, problems in errors.items() if problems}


def _change(commune: Commune, step: _Step) -> KindChange:
    entry = step.entry
    return KindChange(
        commune=commune,
        date=step.date,
        old_kind=step.old_kind,
        new_kind=step.new_kind,
        legal_source=as_stored(entry.legal_source),
        note=as_stored(entry.note),
    )


# --- writing ----------------------------------------------------------------------------------


@transaction.atomic
def record_kind_changes(*, entries: Sequence[KindChangeEntry], user=None) -> list[KindChange]:
    """Record every change, or none: any problem raises ValidationError keyed by "row N"
    (the entry's row) with every message of that row. 3 queries and the bulk inserts."""
    if not entries:
        raise ValidationError(_("There is no kind change to record."))
    valid, errors = _checked(entries)
    if errors:
        raise ValidationError(
            {
                _("row %(n)d") % {"n": entries[index].row}: [message for _f, message in found]
                for index, found in sorted(errors.items())
            }
        )
    return bulk_create_with_history(valid, KindChange, default_user=user)


@transaction.atomic
def record_kind_change(
    *,
    commune: Commune,
    date: datetime.date | str,
    new_kind: str,
    legal_source: str,
    note: str = "",
    old_kind: str = "",
    user=None,
) -> KindChange:
    """Record that ``commune`` became ``new_kind`` on ``date``. ``old_kind`` may be left out
    where the chain tells it (after the list's date, or after an earlier change); given, it
    must be the kind the unit had the day before. Problems raise ValidationError keyed by
    field: the date outside the unit's validity, a second change on one day, an old kind
    that is not the unit's kind then, a new kind that contradicts the list or the next change."""
    entry = KindChangeEntry(
        None, commune.structure, commune.code, date, new_kind, legal_source, note, old_kind
    )
    valid, errors = _checked([entry])
    if errors:
        by_field = defaultdict(list)
        for field, message in errors[0]:
            by_field[field].append(message)
        raise ValidationError(dict(by_field))
    return bulk_create_with_history(valid, KindChange, default_user=user)[0]


def import_kind_changes(*, upload, user=None) -> list[KindChange]:
    """record_kind_changes from a .csv or .xlsx file with the columns structure, code, date,
    new_kind, legal_source (and optionally note, old_kind); errors name the file's rows as
    the user's spreadsheet program numbers them, and nothing is written."""
    rows = read_rows(upload, IMPORT_COLUMNS)
    entries = [
        KindChangeEntry(
            row.number,
            *(row.get(column) for column in IMPORT_COLUMNS),
            *(row.get(column) for column in OPTIONAL_COLUMNS),
        )
        for row in rows
    ]
    return record_kind_changes(entries=entries, user=user)
