"""Write operations on the OCOP registry. Admin, API, commands and imports all call these.

Each runs in one transaction and checks its input before saving: bad input raises
ValidationError keyed by field, saying why, and writes nothing. Stars and validity are computed by
ocop/rating.py, never typed. A write that can change which products are certified tells criteria
(registry.changed) inside the same transaction, so that the open NTM assessments of the communes
concerned are rescored with it or not at all.

Every save leaves a history row (django-simple-history): who, when, and the row as it became.
The user is the request's (the history middleware) or, where a caller gives one, ``user``.
Free text is stored as core.text says: names within their column, descriptions and reasons
within MAX_TEXT characters.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from communes.models import Commune, Lineage
from core.errors import AlreadyExistsError
from core.text import MAX_TEXT, clean_text, text_problem
from criteria import registry
from ocop import rating
from ocop.models import Evaluation, Producer, Product

CERTIFIED_PRODUCTS = "ocop.certified_products"  # registry key read by the 2021-2025 criteria
PARTS = ("part_a", "part_b", "part_c")

Errors = dict[str, list[str | ValidationError]]


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _validate(instance: Model, errors: Errors) -> None:
    """Raise the service's own errors together with the model's (fields, choices,
    constraints). Where both speak of the same problem the service's message, keyed by field,
    is the more specific: a field it names keeps its message, and the model's form-wide
    messages (its constraints restated by the service) are dropped."""
    try:
        # The fields the service refused already are left out, with the constraints on them
        # (whose check would ask the database about text it may not even accept).
        instance.full_clean(exclude=list(errors))
    except ValidationError as error:
        for field, messages in error.error_dict.items():
            if field != NON_FIELD_ERRORS or not errors:
                errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)


def _text(value, field: str, errors: Errors, max_length: int = MAX_TEXT) -> str:
    """``value`` stripped, or as given with an error at ``field`` if it cannot be stored."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    try:
        return clean_text(text, max_length=max_length)
    except ValidationError as error:
        errors.setdefault(field, []).extend(error.messages)
        return text.strip()


def _column(model: type[Model], field: str) -> int:
    return model._meta.get_field(field).max_length


def _by(instance: Model, user) -> None:
    """Name ``user`` in the history row of the instance's next save; without one, the
    request's user is named (simple_history's middleware)."""
    if user is not None and user.is_authenticated:
        instance._history_user = user


def _certification_changed(commune_ids) -> None:
    registry.changed(CERTIFIED_PRODUCTS, sorted(set(commune_ids)))


def _day(value: datetime.date) -> str:
    return date_format(value, "d/m/Y")


def _as_date(value) -> datetime.date | None:
    # A datetime is a date too, but cannot be compared with one.
    is_date = isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)
    return value if is_date else None


# --- producers and products ------------------------------------------------------------------


EDITABLE_PRODUCER_FIELDS = ("name", "kind", "commune", "tax_code")
PRODUCER_TEXTS = {field: _column(Producer, field) for field in ("name", "tax_code")}


def check_producer(*, producer: Producer | None = None, **changes) -> Producer:
    """The producer as it would be saved, unsaved: a new one, or ``producer`` with
    ``changes``; every problem with them raised together, keyed by field. A producer moves to
    another province only with no product left behind (place_problem)."""
    unknown = set(changes) - set(EDITABLE_PRODUCER_FIELDS)
    if unknown:
        raise ValidationError({field: [_("This field cannot be changed.")] for field in unknown})
    errors: Errors = {}
    if producer is None or producer.pk is None:
        checked, changes = Producer(), {"tax_code": "", **changes}
    else:
        checked = Producer.objects.get(pk=producer.pk)
    before = checked.commune_id
    for field, value in changes.items():
        if field in PRODUCER_TEXTS:
            value = _text(value, field, errors, PRODUCER_TEXTS[field])
        setattr(checked, field, value)
    _check_tax_code(checked, errors)
    if checked.pk and checked.commune_id and checked.commune_id != before:
        _check_products_follow(checked, errors)
    _validate(checked, errors)
    return checked


def _check_tax_code(producer: Producer, errors: Errors) -> None:
    if "tax_code" in errors:
        return  # refused already (it may hold text no database can even be asked about)
    holder = _tax_code_holder(producer)
    if holder:
        _add(errors, "tax_code", _tax_code_taken(producer, holder))


def _tax_code_holder(producer: Producer) -> Producer | None:
    holders = Producer.objects.filter(tax_code=producer.tax_code).exclude(pk=producer.pk)
    return holders.first() if producer.tax_code else None


def _tax_code_taken(producer: Producer, holder: Producer) -> str:
    return _("Tax code %(code)s is already registered to %(holder)s.") % {
        "code": producer.tax_code,
        "holder": holder.name,
    }


@transaction.atomic
def create_producer(
    *, name: str, kind: str, commune: Commune, tax_code: str = "", user=None
) -> Producer:
    """A new producer. One whose tax code is registered already is an AlreadyExistsError
    naming the holder (a 409 with its id), also when two creations race."""

    def build():
        return check_producer(name=name, kind=kind, commune=commune, tax_code=tax_code)

    return _create_once(build, Producer(tax_code=tax_code.strip()), TAX_CODE_TAKEN, user)


# --- creating once -------------------------------------------------------------------------
# A second creation of the same producer, product or rating is a conflict with the first, not
# bad input: the API answers 409 with the stored one's id (core.api).


@dataclass(frozen=True)
class Uniqueness:
    """What makes a record one of a kind: the field a duplicate is reported at, the stored
    record a new one would duplicate (or None), and how the refusal reads."""

    field: str
    holder: Callable[[Model], Model | None]
    message: Callable[[Model, Model], str]


def _create_once(build: Callable[[], Model], probe: Model, rule: Uniqueness, user) -> Model:
    """Save what build() checked. A duplicate as the one problem, found by the check, by the
    model's own check of its constraint (a NON_FIELD_ERRORS one), or by the database's when a
    racing request stored it in between, is an AlreadyExistsError with the stored one's id."""
    try:
        instance = build()
    except ValidationError as error:
        raise _existing(rule, probe, error) or error from None
    _by(instance, user)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        raise _existing(rule, instance, ValidationError({})) or error from None
    return instance


def _existing(rule: Uniqueness, probe: Model, error: ValidationError) -> AlreadyExistsError | None:
    others = set(getattr(error, "error_dict", {})) - {rule.field, NON_FIELD_ERRORS}
    if others or _unstorable(probe):
        return None  # other problems stay a 400 (and text no database stores matches nothing)
    holder = rule.holder(probe)
    if holder is None:
        return None
    return AlreadyExistsError(rule.message(probe, holder), holder.pk, field=rule.field)


def _unstorable(probe: Model) -> bool:
    return any(isinstance(v, str) and text_problem(v) for v in vars(probe).values())


@transaction.atomic
def update_producer(*, producer: Producer, user=None, **changes) -> Producer:
    """Change some of a producer's fields. It may move within its province (its products
    stay where they count), and to another province only with none of them left behind."""
    locked = Producer.objects.select_for_update().get(pk=producer.pk)
    current = check_producer(producer=locked, **changes)
    _by(current, user)
    current.save()
    return current


def _check_products_follow(producer: Producer, errors: Errors) -> None:
    """The producer's products still count in its province once it has moved."""
    products = producer.products.select_related("commune__province")
    left = [p for p in products if place_problem(producer, p.commune)]
    if left:
        message = _(
            "%(commune)s is in %(province)s, but products of this producer count for communes "
            "elsewhere (%(products)s): a product counts in its producer's province."
        )
        names = ", ".join(f"{p.name} ({p.commune.province.name})" for p in left)
        values = {"commune": producer.commune.name, "province": producer.commune.province.name}
        _add(errors, "commune", message % {**values, "products": names})


# --- where a product counts ------------------------------------------------------------------


def place_problem(producer: Producer, commune: Commune) -> str:
    """Why a product of ``producer`` cannot count for ``commune``, or "".

    A product counts in its producer's province: its commune (where it comes from, for NTM
    indicator 13.2) may be any commune of that province, never one of another province. The
    provinces are compared on one map. On the same map (both communes of the 2021 structure,
    or both of the 2025 one) they are the same province. Across the reorganisation of 1 July
    2025 (a producer registered on the old map, a product placed on the new one, or the
    reverse) the commune's province must be the one the producer's province went into, or
    came from: some commune of the old province went into the new province (communes
    lineage). A province whose communes no lineage links to the other map has no province
    there, so its products are placed on its own map."""
    home = producer.commune
    if commune.structure == home.structure:
        same = commune.province_id == home.province_id
    else:
        linked = Q(old__province_id=home.province_id, new__province_id=commune.province_id)
        linked |= Q(new__province_id=home.province_id, old__province_id=commune.province_id)
        same = Lineage.objects.filter(linked).exists()
    if same:
        return ""
    message = _(
        "%(commune)s is in %(province)s, but the producer %(producer)s is in %(home)s: a "
        "product counts in its producer's province."
    )
    return message % {
        "commune": commune.name,
        "province": commune.province.name,
        "producer": producer.name,
        "home": home.province.name,
    }


def _check_product_name(product: Product, errors: Errors) -> None:
    if "name" in errors:
        return  # refused already (it may hold text no database can even be asked about)
    holder = _same_product(product)
    if holder:
        _add(errors, "name", _product_named(product, holder))


def _same_product(product: Product) -> Product | None:
    same = Product.objects.filter(producer_id=product.producer_id, name=product.name)
    return same.exclude(pk=product.pk).first() if product.producer_id else None


def _product_named(product: Product, holder: Product) -> str:
    return _("%(producer)s already has a product named “%(name)s”.") % {
        "producer": holder.producer.name,
        "name": holder.name,
    }


EDITABLE_PRODUCT_FIELDS = ("name", "group", "commune", "sub_group", "description", "active")
PRODUCT_TEXTS = {"name": _column(Product, "name"), "sub_group": _column(Product, "sub_group")}
PRODUCT_TEXTS["description"] = MAX_TEXT


def check_product(*, product: Product | None = None, producer: Producer | None = None, **changes):
    """The product as it would be saved, unsaved: a new one of ``producer``, or ``product``
    with ``changes``; every problem with them raised together, keyed by field."""
    unknown = set(changes) - set(EDITABLE_PRODUCT_FIELDS)
    if product is not None and producer is not None:
        unknown.add("producer")  # a product changes hands by being registered again
    if unknown:
        raise ValidationError({field: [_("This field cannot be changed.")] for field in unknown})
    errors: Errors = {}
    if product is None:
        checked = Product(producer=producer, active=True)
        changes = {"sub_group": "", "description": "", **changes}
        if changes.get("commune") is None:
            changes["commune"] = producer.commune  # where its producer is, unless told
    else:
        checked = Product.objects.select_related("producer__commune").get(pk=product.pk)
    for field, value in changes.items():
        if field in PRODUCT_TEXTS:
            value = _text(value, field, errors, PRODUCT_TEXTS[field])
        setattr(checked, field, value)
    _check_product_name(checked, errors)
    if checked.producer_id and checked.commune_id:
        problem = place_problem(checked.producer, checked.commune)
        if problem:
            _add(errors, "commune", problem)
    _validate(checked, errors)
    return checked


@transaction.atomic
def create_product(
    *,
    producer: Producer,
    name: str,
    group: str,
    commune: Commune | None = None,
    sub_group: str = "",
    description: str = "",
    active: bool = True,
    user=None,
) -> Product:
    """Register a product; it counts for its producer's commune unless ``commune`` says
    where in the producer's province it comes from (place_problem). A new product has no
    rating, so no commune is rescored."""

    def build():
        return check_product(
            producer=producer,
            name=name,
            group=group,
            commune=commune,
            sub_group=sub_group,
            description=description,
            active=active,
        )

    probe = Product(producer=producer, name=(name or "").strip())
    return _create_once(build, probe, PRODUCT_NAMED, user)


@transaction.atomic
def update_product(*, product: Product, user=None, **changes) -> Product:
    """Change some of a product's fields; moving it to another commune rescores both."""
    if "producer" in changes:
        raise ValidationError({"producer": [_("This field cannot be changed.")]})
    locked = Product.objects.select_for_update().values_list("commune_id", flat=True)
    old_commune = locked.get(pk=product.pk)
    current = check_product(product=product, **changes)
    _by(current, user)
    current.save()
    if current.commune_id != old_commune and current.evaluations.exists():
        _certification_changed([old_commune, current.commune_id])
    return current


# --- evaluations -----------------------------------------------------------------------------


def _decimal(raw, field: str, errors: Errors) -> Decimal | None:
    """A score or part with at most two decimals, or None (with an error) if it is not one."""
    if raw is None or raw == "" or isinstance(raw, bool):
        _add(errors, field, _("A number is required here."))
        return None
    try:
        number = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        _add(errors, field, _("“%(raw)s” is not a number.") % {"raw": raw})
        return None
    if not number.is_finite() or number.as_tuple().exponent < -2:
        _add(errors, field, _("Enter a number with at most two decimals."))
        return None
    return number


def _check_score(raw, errors: Errors) -> Decimal | None:
    score = _decimal(raw, "score", errors)
    if score is not None and not rating.MIN_SCORE <= score <= rating.MAX_SCORE:
        _add(errors, "score", _("The score is between 0 and 100, not %(s)s.") % {"s": score})
        return None
    return score


def _check_parts(raw: dict, decided: datetime.date | None, errors: Errors) -> dict | None:
    """The three parts within their scheme's maxima, or None if none is given."""
    given = {field: value for field, value in raw.items() if value not in (None, "")}
    if not given:
        return None
    for field in set(PARTS) - set(given):
        _add(errors, field, _("Give all three parts (A, B, C) or none; this one is missing."))
    parts = {field: _decimal(value, field, errors) for field, value in given.items()}
    scheme = rating.scheme_on(decided or timezone.localdate())
    maxima = dict(zip(PARTS, scheme.maxima, strict=True))
    for field, value in parts.items():
        most = maxima[field]
        if value is not None and not 0 <= value <= most:
            message = _("This part is between 0 and %(most)s under %(source)s, not %(v)s.")
            _add(errors, field, message % {"most": most, "source": scheme.source, "v": value})
    return parts


def _check_sum(score: Decimal | None, parts: dict | None, errors: Errors) -> None:
    values = list((parts or {}).values())
    if score is None or len(values) != len(PARTS) or None in values:
        return
    if sum(values) != score:
        message = _("Parts A + B + C add up to %(sum)s, not to the score %(score)s.")
        _add(errors, "score", message % {"sum": sum(values), "score": score})


def _check_level(level: str, decided: datetime.date | None, errors: Errors) -> None:
    if level not in Evaluation.Level.values:
        known = ", ".join(Evaluation.Level.values)
        _add(errors, "level", _("Unknown level “%(l)s”: use %(k)s.") % {"l": level, "k": known})
        return
    rule = rating.withdrawal(level, decided) if decided else None
    if rule is not None:
        message = _(
            "Since %(since)s the %(level)s level no longer evaluates OCOP products (%(source)s); "
            "a decision of %(day)s comes from the province or the central level."
        )
        label = Evaluation.Level(level).label
        values = {"since": _day(rule.from_date), "level": label, "source": rule.source}
        _add(errors, "level", message % {**values, "day": _day(decided)})


def _check_decision(number: str, decided: datetime.date | None, errors: Errors) -> None:
    if not number:
        _add(errors, "decision_number", _("Give the number of the decision."))
    if decided is None:
        _add(errors, "decision_date", _("Give the date of the decision."))
    elif decided > timezone.localdate():
        _add(errors, "decision_date", _("%(d)s is in the future.") % {"d": _day(decided)})


def _check_duplicate(evaluation: Evaluation, errors: Errors) -> None:
    if "decision_number" in errors:
        return  # refused already (it may hold text no database can even be asked about)
    holder = _same_evaluation(evaluation)
    if holder:
        _add(errors, "decision_number", _evaluation_recorded(evaluation, holder))


def _same_evaluation(evaluation: Evaluation) -> Evaluation | None:
    same = Evaluation.objects.filter(
        product_id=evaluation.product_id,
        decision_number=evaluation.decision_number,
        decision_date=evaluation.decision_date,
    )
    return same.exclude(pk=evaluation.pk).first() if evaluation.product_id else None


def _evaluation_recorded(evaluation: Evaluation, holder: Evaluation) -> str:
    return _("This decision is already recorded for this product.")


def check_evaluation(
    *,
    product: Product,
    score,
    level: str,
    decision_number: str,
    decision_date: datetime.date,
    part_a=None,
    part_b=None,
    part_c=None,
) -> Evaluation:
    """The evaluation to record, with its stars and validity computed, unsaved; every
    problem with the input raised together."""
    errors: Errors = {}
    decided = _as_date(decision_date)
    number = _text(
        decision_number, "decision_number", errors, _column(Evaluation, "decision_number")
    )
    checked_score = _check_score(score, errors)
    parts = _check_parts(dict(zip(PARTS, (part_a, part_b, part_c), strict=True)), decided, errors)
    _check_sum(checked_score, parts, errors)
    _check_level(level, decided, errors)
    _check_decision(number, decided, errors)
    if errors:
        raise ValidationError(errors)
    evaluation = Evaluation(
        product=product,
        score=checked_score,
        level=level,
        stars=rating.stars_for(checked_score, level),
        decision_number=number,
        decision_date=decided,
        valid_until=rating.valid_until(decided),
        **(parts or {}),
    )
    _check_duplicate(evaluation, errors)
    _validate(evaluation, errors)
    return evaluation


@transaction.atomic
def record_evaluation(
    *,
    product: Product,
    score,
    level: str,
    decision_number: str,
    decision_date: datetime.date,
    part_a=None,
    part_b=None,
    part_c=None,
    user=None,
) -> Evaluation:
    """Record an evaluation with its stars and validity. It rescores the product's commune
    when it can change what is certified: when it certifies, or when it supersedes an earlier
    evaluation (a newer rating replaces the older ones, see ocop/rating.py)."""

    def build():
        return check_evaluation(
            product=product,
            score=score,
            level=level,
            decision_number=decision_number,
            decision_date=decision_date,
            part_a=part_a,
            part_b=part_b,
            part_c=part_c,
        )

    supersedes = product.evaluations.exists()
    probe = Evaluation(
        product=product,
        decision_number=(decision_number or "").strip(),
        decision_date=_as_date(decision_date),
    )
    evaluation = _create_once(build, probe, EVALUATION_RECORDED, user)
    if evaluation.stars >= rating.CERTIFIED_MIN_STARS or supersedes:
        _certification_changed([product.commune_id])
    return evaluation


def check_revocation(
    *, evaluation: Evaluation, revoked_date: datetime.date, reason: str, decision: str
) -> tuple[str, str]:
    """The reason and the revoking decision as they would be stored; every problem with the
    revocation raised together."""
    errors: Errors = {}
    if evaluation.revoked_date is not None:
        message = _("This rating was already revoked on %(d)s by %(n)s.")
        day, number = _day(evaluation.revoked_date), evaluation.revoked_decision
        _add(errors, "revoked_date", message % {"d": day, "n": number})
    if _as_date(revoked_date) is None:
        _add(errors, "revoked_date", _("Give the date of the revocation."))
    elif revoked_date < evaluation.decision_date:
        message = _("The revocation (%(r)s) cannot be before the decision it revokes (%(d)s).")
        values = {"r": _day(revoked_date), "d": _day(evaluation.decision_date)}
        _add(errors, "revoked_date", message % values)
    elif revoked_date > timezone.localdate():
        _add(errors, "revoked_date", _("%(d)s is in the future.") % {"d": _day(revoked_date)})
    reason = _text(reason, "revoked_reason", errors)
    if not reason and "revoked_reason" not in errors:
        _add(errors, "revoked_reason", _("Say why the rating is revoked."))
    longest = _column(Evaluation, "revoked_decision")
    decision = _text(decision, "revoked_decision", errors, longest)
    if not decision and "revoked_decision" not in errors:
        _add(errors, "revoked_decision", _("Give the number of the revoking decision."))
    if errors:
        raise ValidationError(errors)
    return reason, decision


@transaction.atomic
def revoke_evaluation(
    *,
    evaluation: Evaluation,
    revoked_date: datetime.date,
    reason: str,
    decision: str,
    user=None,
) -> Evaluation:
    """Revoke a rating from ``revoked_date``. Who revoked it, and when, is the history row of
    this save (Evaluation.history: history_user, history_date)."""
    current = Evaluation.objects.select_for_update().select_related("product").get(pk=evaluation.pk)
    reason, decision = check_revocation(
        evaluation=current, revoked_date=revoked_date, reason=reason, decision=decision
    )
    current.revoked_date = revoked_date
    current.revoked_reason, current.revoked_decision = reason, decision
    _by(current, user)
    current.save(update_fields=["revoked_date", "revoked_reason", "revoked_decision"])
    if current.stars >= rating.CERTIFIED_MIN_STARS:
        _certification_changed([current.product.commune_id])
    return current


TAX_CODE_TAKEN = Uniqueness("tax_code", _tax_code_holder, _tax_code_taken)
PRODUCT_NAMED = Uniqueness("name", _same_product, _product_named)
EVALUATION_RECORDED = Uniqueness("decision_number", _same_evaluation, _evaluation_recorded)
