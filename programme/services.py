"""Writes of the programme records: create, change, workflow steps, and loading the categories.

Each is one transaction that checks everything before it writes: numbers are read by
core.numbers, texts by core.text, the province scope by accounts.access, and the workflow by
criteria.services.workflow's TRANSITIONS and may_take (the assessments' rules, not a copy).
Bad input is a ValidationError naming each field and why; a user outside the province is a
PermissionDenied; a step out of order or a stale version is a StateError (409 in the API).
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, Q
from django.utils.translation import gettext as _

from accounts.access import Access
from communes.models import Commune, District, Province, structure_for_year
from core.numbers import parse_decimal
from core.text import MAX_TEXT, clean_text
from criteria.models import YearClosure
from criteria.services.workflow import TRANSITIONS, may_take
from programme.models import (
    FIRST_YEAR,
    LAST_YEAR,
    LEVELLED,
    Funding,
    FundingSource,
    HamletTitle,
    HistoricalFigure,
    ProductionModel,
    Status,
    Step,
    Work,
    WorkKind,
    YearPlan,
)

Errors = dict[str, list[str]]


class StateError(Exception):
    """The request does not fit the record's current state: ``code`` is "stale_version",
    "locked" or "invalid_step"."""

    def __init__(self, message: str, code: str, **extra):
        super().__init__(message)
        self.code = code
        self.extra = extra


# --- reading input ------------------------------------------------------------------------------


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(str(message))


def _number(raw, field: str, errors: Errors, *, positive=False, optional=False, digits=15):
    """A non-negative number (positive if asked) with at most 3 decimals, or None."""
    if raw is None or raw == "":
        if not optional:
            _add(errors, field, _("This field is required."))
        return None
    try:
        number = parse_decimal(raw)
    except ValidationError as error:
        _add(errors, field, " ".join(error.messages))
        return None
    if number < 0 or (positive and number == 0):
        _add(errors, field, _("Enter a number above 0.") if positive else _("Enter 0 or more."))
    elif -number.as_tuple().exponent > 3:
        _add(errors, field, _("Write at most 3 decimals."))
    elif number.adjusted() >= digits:
        _add(errors, field, _("The number is too large."))
    return number


def _text(raw, field: str, errors: Errors, *, required=False, max_length=MAX_TEXT) -> str:
    try:
        text = clean_text(raw if isinstance(raw, str) else "", max_length=max_length)
    except ValidationError as error:
        _add(errors, field, " ".join(error.messages))
        return ""
    if required and not text:
        _add(errors, field, _("This field is required."))
    return text


def _year(raw, errors: Errors) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool) and FIRST_YEAR <= raw <= LAST_YEAR:
        return raw
    _add(errors, "year", _("Enter a year from %(a)d to %(b)d.") % {"a": FIRST_YEAR, "b": LAST_YEAR})
    return None


def _check_scope(access: Access, province_id: int) -> None:
    if not access.can_edit(province_id):
        raise PermissionDenied(
            _("Only officers of this province and national users enter its programme records.")
        )


def year_closed(province_id: int, year: int) -> bool:
    """Whether the province's year is closed (criteria's YearClosure): after the reporting
    deadline the province's figures of the year stand."""
    return YearClosure.objects.filter(province=province_id, year=year).exists()


def _closed_message(province_id: int, year: int) -> str | None:
    """Why a record of a closed province-year cannot change, or None."""
    if not year_closed(province_id, year):
        return None
    return _(
        "Year %(year)d of this province is closed: its records cannot change until the year is "
        "reopened."
    ) % {"year": year}


def _refuse_closed(record) -> None:
    message = _closed_message(record.province_id, record.year)
    if message:
        raise StateError(message, "year_closed")


def _raise(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


# --- codes --------------------------------------------------------------------------------------


class Codes:
    """Units and categories found by code, remembered: the API looks up a record's few codes;
    an import loads a whole file's first (load), one query per kind of unit and year."""

    def __init__(self):
        self.found: dict[tuple, Model | None] = {}

    def load(self, model, year: int, structure: str | None, codes) -> None:
        """Find ``codes`` of ``model`` (a unit) on the map of ``year`` at once."""
        codes = set(codes) - {None}
        for code in codes:
            self.found[(model, year, structure, code)] = None
        for unit in self._units(model, year, structure).filter(code__in=codes):
            self.found[(model, year, structure, unit.code)] = unit

    def load_categories(self, model) -> None:
        for category in model.objects.all():
            self.found[(model, category.code)] = category

    def unit(self, model, code: str, year: int, structure: str | None):
        key = (model, year, structure, code)
        if key not in self.found:
            self.found[key] = self._units(model, year, structure).filter(code=code).first()
        return self.found[key]

    def category(self, model, code: str):
        if (model, code) not in self.found:
            self.found[(model, code)] = model.objects.filter(code=code).first()
        return self.found[(model, code)]

    @staticmethod
    def _units(model, year: int, structure: str | None):
        related = {Province: (), District: ("province",), Commune: ("province", "district")}
        return model.objects.on_map(year, structure).select_related(*related[model])


def resolve(model, data: dict, year: int, structure: str | None, codes: Codes | None = None):
    """The input's codes (province, district, commune, communes; a funding's source, a work's
    kind) as the objects create and update take, found on the map of ``year`` (of
    ``structure``, default the map the year's data is kept on). Every unknown code is a
    ValidationError under its field."""
    codes = codes or Codes()
    structure = data.pop("structure", None) or structure or structure_for_year(year)
    errors: Errors = {}

    def unit(unit_model, code, field):
        if code is None:
            return None
        found = codes.unit(unit_model, code, year, structure)
        if found is None:
            message = _("No unit with code %(code)s on the map of %(year)d.")
            _add(errors, field, message % {"code": code, "year": year})
        return found

    for name, unit_model in (("province", Province), ("district", District), ("commune", Commune)):
        if name in data:
            data[name] = unit(unit_model, data[name], name)
    if "communes" in data:
        data["communes"] = [unit(Commune, code, "communes") for code in data["communes"]]
    categories = {Funding: ("source", FundingSource), Work: ("kind", WorkKind)}
    name, category_model = categories.get(model, (None, None))
    if name in data:
        code = data[name]
        data[name] = codes.category(category_model, code)
        if data[name] is None:
            _add(errors, name, _("Unknown code “%(code)s”.") % {"code": code})
    _raise(errors)
    return data


# --- places -------------------------------------------------------------------------------------


def _place(model: type[Model], fields: dict, errors: Errors) -> None:
    """The record's places agree: a commune sets its district (where the record has one) and
    its province; a district or commune given besides must be in them."""
    commune, district = fields.get("commune"), fields.get("district")
    if commune is not None and model is Funding:
        if district is None:
            fields["district"] = district = commune.district
        elif commune.district_id != district.pk:
            _add(errors, "commune", _("The commune is not in this district."))
    unit = commune or district
    province = fields.get("province") or (unit.province if unit is not None else None)
    fields["province"] = province
    if province is None:
        return
    if commune is not None and commune.province_id != province.pk:
        _add(errors, "commune", _("The commune is not in this province."))
    if district is not None and district.province_id != province.pk:
        _add(errors, "district", _("The district is not in this province."))


def _units_in_province(record, errors: Errors) -> None:
    for commune in getattr(record, "_communes", None) or []:
        if commune.province_id != record.province_id:
            message = _("%(commune)s is not in this province.") % {"commune": commune.name}
            _add(errors, "communes", message)


# --- per record kind: which fields, and how each is read ---------------------------------------

# Each reader takes (raw value, errors) and returns the value to store.
Reader = Callable[[object, Errors], object]


def _n(field: str, **options) -> Reader:
    return lambda raw, errors: _number(raw, field, errors, **options)


def _t(field: str, **options) -> Reader:
    return lambda raw, errors: _text(raw, field, errors, **options)


def _as_is(raw, errors):
    return raw


COMMON: dict[str, Reader] = {"year": lambda raw, errors: _year(raw, errors), "note": _t("note")}
READERS: dict[type[Model], dict[str, Reader]] = {
    Funding: {
        "source": _as_is,
        "kind": _as_is,
        "amount": _n("amount", digits=15),
        "district": _as_is,
        "commune": _as_is,
    },
    Work: {
        "commune": _as_is,
        "kind": _as_is,
        "mode": _as_is,
        "quantity": _n("quantity", positive=True, digits=11),
        "cost": _n("cost", optional=True),
    },
    ProductionModel: {
        "name": _t("name", required=True, max_length=255),
        "area_ha": _n("area_ha", optional=True, digits=9),
        "funding": _n("funding", optional=True),
        "stage": _as_is,
        "communes": _as_is,
    },
    HamletTitle: {
        "kind": _as_is,
        "commune": _as_is,
        "holder": _t("holder", required=True, max_length=255),
        "decision_number": _t("decision_number", required=True, max_length=50),
        "decision_date": _as_is,
    },
    YearPlan: {
        "district": _as_is,
        "per_district": _as_is,
        "kind": _as_is,
        "level": _t("level", max_length=30),
        "value": _n("value", digits=9),
        "value_max": _n("value_max", optional=True, digits=9),
    },
    HistoricalFigure: {
        "kind": _as_is,
        "level": _t("level", max_length=30),
        "value": _n("value", digits=9),
    },
}
REQUIRED = {
    Funding: ("province", "year", "source", "kind", "amount"),
    Work: ("commune", "year", "kind", "mode", "quantity"),
    ProductionModel: ("province", "year", "name"),
    HamletTitle: ("commune", "year", "kind", "holder", "decision_number", "decision_date"),
    YearPlan: ("province", "year", "kind", "value"),
    HistoricalFigure: ("province", "year", "kind", "value"),
}


def _read(model: type[Model], data: dict, errors: Errors) -> dict:
    readers = {**COMMON, **READERS[model]}
    fields = {}
    for name, raw in data.items():
        if name == "province":
            fields[name] = raw
        elif name in readers:
            fields[name] = readers[name](raw, errors)
        else:
            _add(errors, name, _("Unknown field."))
    return fields


def _check_kind_rules(record, errors: Errors) -> None:
    """The rules of one kind of record beyond its fields' own."""
    if isinstance(record, YearPlan | HistoricalFigure):
        if record.kind in LEVELLED and not record.level:
            _add(errors, "level", _("Name the level these communes are counted at."))
        if record.kind not in LEVELLED and record.level:
            _add(errors, "level", _("Only a count of communes names a level."))
    if isinstance(record, YearPlan):
        if record.per_district and record.district_id:
            _add(errors, "district", _("Give a district or “in each district”, not both."))
        bounds = (record.value, record.value_max)
        if None not in bounds and bounds[1] < bounds[0]:
            _add(errors, "value_max", _("The upper bound is below the lower one."))
    decided = getattr(record, "decision_date", None)
    if isinstance(record, HamletTitle) and decided and record.year and decided.year < record.year:
        _add(errors, "decision_date", _("The decision is dated before the title's year."))


def _missing(model: type[Model], fields: dict, errors: Errors) -> None:
    for name in REQUIRED[model]:
        if fields.get(name) is None and name not in errors:
            _add(errors, name, _("This field is required."))


# --- funding: no double counting ----------------------------------------------------------------


def overlapping(funding: Funding):
    """The stored entries that would count the same money as ``funding`` (models.Funding)."""
    source = funding.source
    if source.parent_id:
        sources = Q(source=source) | Q(source_id=source.parent_id)
    else:
        sources = Q(source=source) | Q(source__parent=source)
    if funding.commune_id:
        places = Q(commune=funding.commune_id) | Q(commune__isnull=True, district__isnull=True)
        if funding.district_id:
            places |= Q(commune__isnull=True, district=funding.district_id)
    elif funding.district_id:
        places = Q(district=funding.district_id) | Q(district__isnull=True, commune__isnull=True)
    else:
        places = Q()
    same = Funding.objects.filter(
        province=funding.province_id, year=funding.year, kind=funding.kind
    ).exclude(pk=funding.pk)
    return same.filter(sources, places).select_related("source", "district", "commune")


def _where(funding: Funding) -> str:
    unit = funding.commune or funding.district or funding.province
    return unit.name


def _check_overlap(funding: Funding, errors: Errors) -> None:
    if funding.source_id is None or funding.year is None or errors:
        return
    other = overlapping(funding).first()
    if other is not None:
        message = _(
            "This would count the same money twice: entry %(id)s already gives %(source)s of "
            "%(place)s for %(year)d (%(kind)s). Change that entry, or delete it to enter the "
            "detail instead."
        ) % {
            "id": other.pk,
            "source": other.source.name_vi,
            "place": _where(other),
            "year": other.year,
            "kind": other.get_kind_display().lower(),
        }
        _add(errors, "source", message)


# --- create, change -----------------------------------------------------------------------------


def _save(record, user, errors: Errors) -> None:
    _check_kind_rules(record, errors)
    _units_in_province(record, errors)
    if isinstance(record, Funding):
        Province.objects.select_for_update().filter(pk=record.province_id).first()
        _check_overlap(record, errors)
    _raise(errors)
    record.validate_constraints()
    record._history_user = user
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise ValidationError({"non_field_errors": [_("This record exists already.")]}) from None
    communes = getattr(record, "_communes", None)
    if communes is not None:
        record.communes.set(communes)


@transaction.atomic
def create(model: type[Model], *, access: Access, user=None, data: dict) -> Model:
    """A new record of ``model`` (a draft) from ``data``: places as objects (province, district,
    commune, communes), categories as objects (source, kind of work), the rest as given."""
    errors: Errors = {}
    fields = _read(model, data, errors)
    _place(model, fields, errors)
    _missing(model, fields, errors)
    if fields.get("province") is None:
        _raise(errors)
    _check_scope(access, fields["province"].pk)
    if fields.get("year") is not None:
        closed = _closed_message(fields["province"].pk, fields["year"])
        if closed:
            _add(errors, "year", closed)
    communes = fields.pop("communes", None)
    record = model(**fields, created_by=user)
    if communes is not None:
        record._communes = communes
    _save(record, user, errors)
    return record


@transaction.atomic
def update(record: Model, *, access: Access, user=None, version=None, data: dict) -> Model:
    """Change some fields of a draft or returned record. Its province stays: a record moves
    only inside it."""
    _check_scope(access, record.province_id)
    current = type(record).objects.select_for_update().get(pk=record.pk)
    _refuse_stale(current, version)
    _refuse_closed(current)
    if current.is_locked:
        message = _("This record is %(status)s: return or reopen it before changing it.")
        raise StateError(message % {"status": current.get_status_display().lower()}, "locked")
    errors: Errors = {}
    fields = _read(type(record), data, errors)
    if "province" in fields and fields["province"] != current.province:
        _add(errors, "province", _("A record stays in its province."))
    fields["province"] = current.province
    _place(type(record), fields, errors)
    fields.pop("province")
    communes = fields.pop("communes", None)
    for name, value in fields.items():
        if value is None and name in REQUIRED[type(record)]:
            _add(errors, name, _("This field is required."))
        setattr(current, name, value)
    if communes is not None:
        current._communes = communes
    current.version += 1
    _save(current, user, errors)
    return current


def _refuse_stale(current, version) -> None:
    if version is not None and version != current.version:
        message = _(
            "This record was changed by someone else (now version %(v)d). Reload it and try again."
        )
        raise StateError(
            message % {"v": current.version}, "stale_version", current_version=current.version
        )


@transaction.atomic
def delete(record: Model, *, access: Access, user=None, version=None) -> None:
    """Delete a draft or returned record (e.g. a province total replaced by its detail); with
    ``version``, only if nobody changed it since it was read."""
    _check_scope(access, record.province_id)
    current = type(record).objects.select_for_update().get(pk=record.pk)
    _refuse_stale(current, version)
    _refuse_closed(current)
    if current.is_locked:
        message = _("This record is %(status)s: return or reopen it before deleting it.")
        raise StateError(message % {"status": current.get_status_display().lower()}, "locked")
    current._history_user = user
    current.delete()


# --- workflow -----------------------------------------------------------------------------------

# As for assessments: a closed year takes no new submission and no reopening; what was
# submitted before the deadline can still be approved or returned.
CLOSED_YEAR_REFUSES = ("submit", "reopen")


def available_steps(record, access: Access, *, closed: bool = False) -> list[str]:
    """The steps this user may take on the record now (the assessments' rules); in a closed
    year (``closed``, see year_closed), only those move() still allows."""
    return [
        action
        for action, transition in TRANSITIONS.items()
        if record.status in transition.sources
        and may_take(access, action, record.province_id)
        and not (closed and action in CLOSED_YEAR_REFUSES)
    ]


@transaction.atomic
def move(record, *, action: str, access: Access, user=None, comment="", version=None):
    """Take a workflow step (submit, approve, return, reopen) on a record, with the rules of
    criteria.services.workflow; the step is kept (Step) and the record's history has the
    change. A closed province-year (criteria's YearClosure) refuses submitting and reopening."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError({"action": [_("Unknown step “%(a)s”.") % {"a": action}]})
    if not may_take(access, action, record.province_id):
        raise PermissionDenied(_("You may not take this step on this province's records."))
    errors: Errors = {}
    comment = _text(comment, "comment", errors)
    if transition.needs_comment and not comment and not errors:
        _add(errors, "comment", _("Say why (a comment is required for this step)."))
    _raise(errors)
    current = type(record).objects.select_for_update().get(pk=record.pk)
    _refuse_stale(current, version)
    if action in CLOSED_YEAR_REFUSES:
        _refuse_closed(current)
    if current.status not in transition.sources:
        allowed = ", ".join(str(Status(s).label).lower() for s in transition.sources)
        message = _("Cannot take this step: the record is %(status)s (only when %(allowed)s).")
        values = {"status": current.get_status_display().lower(), "allowed": allowed}
        raise StateError(message % values, "invalid_step")
    Step.objects.create(
        record_type=current._meta.model_name,
        record_id=current.pk,
        action=action,
        from_status=current.status,
        to_status=transition.target,
        comment=comment,
        user=user,
    )
    current.status = transition.target
    current.version += 1
    current._history_user = user
    current.save(update_fields=["status", "version", "updated_at"])
    return current


# --- categories ---------------------------------------------------------------------------------


@transaction.atomic
def load_kinds(data: dict) -> tuple[int, int]:
    """Create or update the funding sources and kinds of work of ``data`` (the fixture's shape),
    by code. A parent source comes before its parts; a part has no parts. Returns the counts."""
    sources = data.get("funding_sources", [])
    for row in sources:
        parent = None
        if row.get("parent"):
            parent = FundingSource.objects.filter(code=row["parent"], parent=None).first()
            if parent is None:
                message = _("Source %(code)s: its parent %(parent)s is not loaded before it.")
                raise ValidationError(message % {"code": row["code"], "parent": row["parent"]})
        values = {k: row[k] for k in ("name_vi", "name_en", "group", "order")}
        values["community"] = bool(row.get("community"))
        FundingSource.objects.update_or_create(
            code=row["code"], defaults={**values, "parent": parent}
        )
    kinds = data.get("work_kinds", [])
    for row in kinds:
        values = {k: row[k] for k in ("name_vi", "name_en", "unit", "order")}
        WorkKind.objects.update_or_create(code=row["code"], defaults=values)
    return len(sources), len(kinds)
