"""The class a commune is judged in (its region overridden, 2021-2025; its commune group,
2026-2030), for a criteria set and a year, written in bulk by the national office from a file
or the API. Every entry is checked before anything is written, and each refusal names its
row; the rows are then upserted with their history in a fixed number of queries, and the open
assessments whose class changed are rescored in the same transaction."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from communes.models import Commune, structures_for_years
from core.tables import read_rows
from core.text import as_stored
from criteria.models import Assessment, CommuneClass, CriteriaSet
from criteria.services.results import rescore_open
from criteria.services.texts import field_text, text_problem_at
from criteria.services.thresholds import allowed_classes

IMPORT_COLUMNS = ("commune_code", "year", "class", "reason")


@dataclass(frozen=True)
class ClassEntry:
    """One assignment as the office sent it, not yet checked."""

    row: int  # the number shown in errors: a file's row, or an API list item's index + 1
    commune_code: str
    year: int | str
    class_value: str
    reason: str


@dataclass(frozen=True)
class ClassesReport:
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    rescored: int = 0  # open assessments scored again because their commune's class changed


# --- checking a batch -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Valid:
    """An entry that passed every check: what is written."""

    commune: Commune
    year: int
    class_value: str
    reason: str


@dataclass(frozen=True)
class _Lookup:
    """What the checks read, loaded once for the whole batch (4 queries at most)."""

    criteria_set: CriteriaSet
    allowed: frozenset[str]  # the set's classes (thresholds.allowed_classes, the one answer)
    structures: dict[int, str | None]  # year -> the map its data is kept on
    communes: dict[tuple[str, str], Commune]  # (structure, code) -> commune


def _year(raw: int | str, criteria_set: CriteriaSet) -> tuple[int | None, str | None]:
    """The entry's year, or why it is not one of the set's years."""
    text = str(raw).strip()
    if not text:
        return None, _("Give the year.")
    # Digits only: an API client's true, 2024.5 or "2024.0" is not a year.
    if isinstance(raw, bool) or not (text.isascii() and text.isdigit()):
        message = _("The year must be a number such as 2024, not “%(value)s”.")
        return None, message % {"value": text}
    year = int(text)
    if not criteria_set.first_year <= year <= criteria_set.last_year:
        message = _("The year must fall within the set's period, %(first)d-%(last)d.")
        return None, message % {"first": criteria_set.first_year, "last": criteria_set.last_year}
    return year, None


def _lookup(criteria_set: CriteriaSet, entries: Sequence[ClassEntry]) -> _Lookup:
    years = {_year(e.year, criteria_set)[0] for e in entries} - {None}
    structures = structures_for_years(years)
    # Codes are unique only within a structure: read them on the maps of these years, and
    # match each entry on its own year's map below (never by code alone).
    communes = Commune.objects.filter(
        structure__in=set(structures.values()),
        code__in={e.commune_code.strip() for e in entries},
    ).prefetch_related("kind_changes")  # for is_rural_in(year)
    return _Lookup(
        criteria_set,
        frozenset(allowed_classes(criteria_set)),
        structures,
        {(c.structure, c.code): c for c in communes},
    )


def _commune(code: str, year: int, lookup: _Lookup) -> tuple[Commune | None, str | None]:
    """The rural commune with this code on the map of ``year``, or why there is none."""
    if not code:
        return None, _("Give the commune's code.")
    structure = lookup.structures[year]
    commune = lookup.communes.get((structure, code))
    # is_on_map: the map rule (communes.models.on_map_q) for a loaded unit.
    if commune is None or not commune.is_on_map(year, structure):
        message = _("No commune with code %(code)s is on the map of %(year)d.")
        return None, message % {"code": code, "year": year}
    if not commune.is_rural_in(year):
        message = _("%(name)s (%(code)s) is not a rural commune (xã): only xã are NTM subjects.")
        return None, message % {"name": commune.name, "code": code}
    return commune, None


def _class_error(value: str, allowed: frozenset[str]) -> str | None:
    if value in allowed:
        return None
    names = {"value": value, "allowed": ", ".join(sorted(allowed))}
    if not value:
        return _("Give the class: one of %(allowed)s.") % names
    return _("“%(value)s” is not one of the set's classes: %(allowed)s.") % names


def _check(entry: ClassEntry, lookup: _Lookup, seen: dict) -> tuple[list[str], _Valid | None]:
    """The entry's problems, or the entry as it will be written. ``seen`` maps each
    (code, year) already met in the batch to its row, so that a repeat is refused."""
    code, class_value = entry.commune_code.strip(), entry.class_value.strip()
    reason = (entry.reason or "").strip()
    year, year_error = _year(entry.year, lookup.criteria_set)
    commune, commune_error = _commune(code, year, lookup) if year else (None, None)
    errors = [year_error, commune_error, _class_error(class_value, lookup.allowed)]
    if not reason:
        errors.append(_("Give the reason, e.g. the decision that assigns this class."))
    errors.append(text_problem_at("reason", reason))
    if year and code and (code, year) in seen:
        message = _("Commune %(code)s is already given a class for %(year)d in row %(row)d.")
        errors.append(message % {"code": code, "year": year, "row": seen[(code, year)]})
    elif year and code:
        seen[(code, year)] = entry.row
    errors = [error for error in errors if error]
    return errors, None if errors else _Valid(commune, year, class_value, as_stored(reason))


def _checked(criteria_set: CriteriaSet, entries: Sequence[ClassEntry]) -> list[_Valid]:
    """Every entry checked; any problem raises ValidationError {"row N": [messages]}."""
    if not entries:
        raise ValidationError(_("There is no class assignment to write."))
    lookup, seen = _lookup(criteria_set, entries), {}
    errors, valid = {}, []
    for entry in entries:
        problems, item = _check(entry, lookup, seen)
        if problems:
            errors[_("row %(n)d") % {"n": entry.row}] = problems
        else:
            valid.append(item)
    if errors:
        raise ValidationError(errors)
    return valid


# --- writing ----------------------------------------------------------------------------------


def _existing(
    criteria_set: CriteriaSet, valid: list[_Valid]
) -> dict[tuple[int, int], CommuneClass]:
    """The stored rows of these communes and years, row-locked: 1 query."""
    rows = CommuneClass.objects.select_for_update().filter(
        criteria_set=criteria_set,
        commune__in={v.commune.pk for v in valid},
        year__in={v.year for v in valid},
    )
    return {(row.commune_id, row.year): row for row in rows}


def _sorted(criteria_set: CriteriaSet, valid: list[_Valid], existing: dict):
    """The rows to create, the rows to change (each with whether its class changed), and how
    many already say exactly this."""
    new, changed, unchanged = [], [], 0
    for v in valid:
        row = existing.get((v.commune.pk, v.year))
        if row is None:
            new.append(
                CommuneClass(
                    commune=v.commune,
                    criteria_set=criteria_set,
                    year=v.year,
                    class_value=v.class_value,
                    reason=v.reason,
                )
            )
        elif (row.class_value, row.reason) == (v.class_value, v.reason):
            unchanged += 1
        else:
            changed.append((row, row.class_value != v.class_value))
            row.class_value, row.reason = v.class_value, v.reason
    return new, changed, unchanged


def _rescore(criteria_set_id: int, rows: Iterable[CommuneClass]) -> int:
    """Rescore the open assessments of these rows' communes and years under the set (approved
    ones keep the class they were approved with): 1 query to find them, then rescore_open."""
    pairs = {(row.commune_id, row.year) for row in rows}
    if not pairs:
        return 0
    candidates = Assessment.objects.filter(
        criteria_set_id=criteria_set_id,
        commune_id__in={commune for commune, _year in pairs},
        year__in={year for _commune, year in pairs},
    ).values_list("pk", "commune_id", "year")
    ids = [pk for pk, commune, year in candidates if (commune, year) in pairs]
    return rescore_open(ids) if ids else 0


@transaction.atomic
def assign_classes(
    *, criteria_set: CriteriaSet, entries: Sequence[ClassEntry], user
) -> ClassesReport:
    """Upsert the class of each entry's commune and year under ``criteria_set``: all or
    nothing, with a history row for each row written, and the open assessments whose class
    changed rescored. A fixed number of queries for a batch of one year, whatever its size."""
    valid = _checked(criteria_set, entries)
    new, changed, unchanged = _sorted(criteria_set, valid, _existing(criteria_set, valid))
    # The history-aware bulk writes keep the audit trail that plain bulk writes would skip.
    bulk_create_with_history(new, CommuneClass, default_user=user)
    rows = [row for row, _class_changed in changed]
    bulk_update_with_history(rows, CommuneClass, ["class_value", "reason"], default_user=user)
    reclassed = [*new, *(row for row, class_changed in changed if class_changed)]
    rescored = _rescore(criteria_set.pk, reclassed)
    return ClassesReport(len(new), len(changed), unchanged, rescored)


def import_classes(*, criteria_set: CriteriaSet, upload, user) -> ClassesReport:
    """assign_classes from a .csv or .xlsx file with the columns commune_code, year, class and
    reason; errors name the file's rows as the user's spreadsheet program numbers them."""
    rows = read_rows(upload, IMPORT_COLUMNS)
    entries = [
        ClassEntry(r.number, r.get("commune_code"), r.get("year"), r.get("class"), r.get("reason"))
        for r in rows
    ]
    return assign_classes(criteria_set=criteria_set, entries=entries, user=user)


@transaction.atomic
def remove_class(*, assignment: CommuneClass, user, reason: str) -> int:
    """Delete one assignment (the commune is judged in its default class again; the history
    keeps the row, who removed it and why) and rescore its open assessment. Returns how many
    assessments were rescored."""
    reason = field_text("reason", reason, required=_("Say why this class is removed."))
    assignment._history_user, assignment._change_reason = user, reason
    assignment.delete()
    return _rescore(assignment.criteria_set_id, [assignment])
