"""The OCOP registry: producers (chủ thể), their products, and the evaluations that rate them.

Stars and validity are computed by ocop/rating.py when ocop.services records an evaluation, and
stored so that lists and filters can query them; the constraints below keep stored rows within
the rules whatever writes them.
"""

import datetime

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from communes.models import Commune
from communes.text import fold
from ocop import rating

# A company's tax code has 10 digits, a branch's 10 + "-" + 3; since 2025 individuals and
# household businesses use their 12-digit personal identification number.
TAX_CODE = RegexValidator(
    r"^([0-9]{10}(-[0-9]{3})?|[0-9]{12})$",  # ASCII only: \d takes full-width digits too
    _("A tax code has 10 digits, 10 digits then -NNN for a branch, or 12 digits."),
)


class SearchableQuerySet(models.QuerySet):
    def search(self, term: str):
        """Rows whose folded name contains every word of the term, with or without diacritics."""
        words = Q()
        for word in fold(term).split():
            words &= Q(search_key__contains=word)
        return self.filter(words)


class Producer(models.Model):
    """An OCOP subject (chủ thể): who makes and registers the products."""

    class Kind(models.TextChoices):
        COOPERATIVE = "cooperative", _("Cooperative (hợp tác xã)")
        COOPERATIVE_GROUP = "cooperative_group", _("Cooperative group (tổ hợp tác)")
        ENTERPRISE = "enterprise", _("Enterprise (doanh nghiệp)")
        HOUSEHOLD_BUSINESS = "household_business", _("Household business (hộ kinh doanh)")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    commune = models.ForeignKey(
        Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="ocop_producers"
    )
    tax_code = models.CharField(_("tax code"), max_length=14, blank=True, validators=[TAX_CODE])
    # Folded copy of the name (communes.text.fold), kept in step by save().
    search_key = models.CharField(_("search key"), max_length=255, editable=False)

    objects = SearchableQuerySet.as_manager()
    # Who changed what and when, old and new (admin shows it; ocop.services name the user).
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("OCOP producer")
        verbose_name_plural = _("OCOP producers")
        constraints = [
            models.UniqueConstraint(
                fields=["tax_code"],
                condition=~Q(tax_code=""),
                name="producer_unique_tax_code",
                violation_error_message=_("Another producer has this tax code."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_key = fold(self.name)
        super().save(*args, **kwargs)


# What ProductQuerySet.with_current annotates of a product's current evaluation.
CURRENT = ("id", "stars", "decision_date", "valid_until", "revoked_date")


class ProductQuerySet(SearchableQuerySet):
    def with_current(
        self, day: datetime.date, *, latest_is_current: bool = False, fields=CURRENT
    ) -> "ProductQuerySet":
        """Annotate each product with its current evaluation on ``day`` (rating.current: the
        latest decided on or before it): current_id, current_stars, current_decision_date,
        current_valid_until, current_revoked_date (``fields`` of them); all None for a product
        not yet evaluated.

        A product whose latest evaluation (kept on it by the database, ocop.latest) is
        decided on or before ``day`` has it as its current one: read through a join. Only the
        others (an earlier day than their latest decision, or never evaluated) are searched
        for their latest decided by then: on today's lists, none but the unevaluated.

        ``latest_is_current``: the caller has found no evaluation decided after ``day``
        (ocop.selectors.latest_is_current), so every product's latest is its current one:
        the join alone, which the database plans by what its columns hold (it cannot weigh
        the search's expressions, and sorted every certified product of a list to find the
        first page)."""
        if latest_is_current:
            return self.annotate(
                **{f"current_{field}": F(f"latest_evaluation__{field}") for field in fields}
            )
        latest = Evaluation.objects.filter(
            product=models.OuterRef("pk"), decision_date__lte=day
        ).order_by("-decision_date", "-pk")
        kept = Q(latest_evaluation__decision_date__lte=day)
        return self.annotate(
            **{
                f"current_{field}": models.Case(
                    models.When(kept, then=F(f"latest_evaluation__{field}")),
                    default=models.Subquery(latest.values(field)[:1]),
                )
                for field in fields
            }
        )

    # The SQL form of rating.status_on, for filters over a queryset annotated by
    # with_current(day); tests/ocop/test_selectors.py checks that the two agree.

    def in_force_on(self, day: datetime.date) -> "ProductQuerySet":
        return self.filter(rating_in_force(day, "current_"))

    def revoked_on(self, day: datetime.date) -> "ProductQuerySet":
        return self.filter(current_revoked_date__lte=day)

    def expired_on(self, day: datetime.date) -> "ProductQuerySet":
        return self.filter(_not_revoked(day, "current_"), current_valid_until__lt=day)

    def expiring_within(self, day: datetime.date, days: int) -> "ProductQuerySet":
        horizon = day + datetime.timedelta(days=days)
        return self.in_force_on(day).filter(current_valid_until__lt=horizon)

    def certified_on(self, day: datetime.date) -> "ProductQuerySet":
        return self.in_force_on(day).filter(current_stars__gte=rating.CERTIFIED_MIN_STARS)


def rating_in_force(day: datetime.date, prefix: str = "") -> Q:
    """The SQL form of rating.in_force on an evaluation's fields (named ``prefix`` + field:
    "current_" for a product annotated by with_current)."""
    return _not_revoked(day, prefix) & Q(**{f"{prefix}valid_until__gte": day})


def _not_revoked(day: datetime.date, prefix: str) -> Q:
    return Q(**{f"{prefix}revoked_date__isnull": True}) | Q(**{f"{prefix}revoked_date__gt": day})


class Product(models.Model):
    class Group(models.TextChoices):
        """The six product groups of the 2021-2025 programme (919/QĐ-TTg)."""

        FOOD = "food", _("Food (thực phẩm)")
        DRINKS = "drinks", _("Drinks (đồ uống)")
        HERBS = "herbs", _("Medicinal herbs and herb products (thảo dược)")
        HANDICRAFTS = "handicrafts", _("Handicrafts (thủ công mỹ nghệ)")
        ORNAMENTALS = "ornamentals", _("Ornamental plants and animals (sinh vật cảnh)")
        TOURISM = "tourism", _("Community tourism, eco-tourism and tourist sites (du lịch)")

    name = models.CharField(_("name"), max_length=255)
    producer = models.ForeignKey(
        Producer, verbose_name=_("producer"), on_delete=models.PROTECT, related_name="products"
    )
    # The commune the product is counted for (advanced NTM indicator 13.2): where its producer
    # is, unless the product's origin is elsewhere.
    commune = models.ForeignKey(
        Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="ocop_products"
    )
    group = models.CharField(_("product group"), max_length=20, choices=Group.choices)
    sub_group = models.CharField(_("sub-group"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(
        # In context: Django's own catalogue says "active" of a user account.
        pgettext_lazy("product", "active"),
        default=True,
        help_text=_(
            "Still produced and listed. Does not end a rating: only expiry or revocation does."
        ),
    )
    # Folded copy of the name (communes.text.fold), kept in step by save().
    search_key = models.CharField(_("search key"), max_length=255, editable=False)
    # The latest evaluation recorded (latest decision date, then the latest recorded), kept by
    # the database itself (ocop.latest: triggers on the evaluations), so that a product's rating
    # today is a join (ProductQuerySet.with_current), not a search through its evaluations.
    latest_evaluation = models.ForeignKey(
        "Evaluation",
        verbose_name=_("latest evaluation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = ProductQuerySet.as_manager()
    # The pointer is derived from the evaluations, which have a history of their own.
    history = HistoricalRecords(excluded_fields=["latest_evaluation"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("OCOP product")
        verbose_name_plural = _("OCOP products")
        # Serves the lists' order (name, then id): a page is read in order, not sorted out of
        # every product that passes the filters.
        indexes = [models.Index(fields=["name", "id"], name="product_by_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["producer", "name"],
                name="product_unique_name_per_producer",
                violation_error_message=_("This producer already has a product of that name."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_key = fold(self.name)
        super().save(*args, **kwargs)


def _parts_within_scheme() -> Q:
    """Parts A, B and C each within the maximum of the scheme in force on the decision date
    (rating.SCORE_SCHEMES), or no parts at all."""
    condition = Q(part_a__isnull=True, part_b__isnull=True, part_c__isnull=True)
    ends = [scheme.from_date for scheme in rating.SCORE_SCHEMES[1:]] + [None]
    for scheme, end in zip(rating.SCORE_SCHEMES, ends, strict=True):
        a, b, c = scheme.maxima
        in_scheme = Q(part_a__gte=0, part_a__lte=a, part_b__gte=0, part_b__lte=b)
        in_scheme &= Q(part_c__gte=0, part_c__lte=c)
        if scheme.from_date is not None:
            in_scheme &= Q(decision_date__gte=scheme.from_date)
        if end is not None:
            in_scheme &= Q(decision_date__lt=end)
        condition |= in_scheme
    return condition


def _stars_within_level_cap() -> Q:
    condition = Q()
    for level, most in rating.MAX_STARS.items():
        condition |= Q(level=level.value, stars__lte=most)
    return condition


class Evaluation(models.Model):
    """One official rating of a product: a council's score and the decision recognising it."""

    class Level(models.TextChoices):
        DISTRICT = rating.Level.DISTRICT.value, _("District")
        PROVINCE = rating.Level.PROVINCE.value, _("Province")
        CENTRAL = rating.Level.CENTRAL.value, _("Central")

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="evaluations"
    )
    score = models.DecimalField(_("score (out of 100)"), max_digits=5, decimal_places=2)
    part_a = models.DecimalField(
        _("part A: product and community strength"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
    )
    part_b = models.DecimalField(
        _("part B: marketing capability"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    part_c = models.DecimalField(
        _("part C: product quality"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    level = models.CharField(
        _("evaluating level"),
        max_length=10,
        choices=Level.choices,
        help_text=_("Districts evaluated until 5 July 2025 (1489/QĐ-TTg: none since 6 July)."),
    )
    stars = models.PositiveSmallIntegerField(_("stars"))
    decision_number = models.CharField(_("decision number"), max_length=50)
    decision_date = models.DateField(_("decision date"))
    valid_until = models.DateField(_("valid until (last day)"))
    revoked_date = models.DateField(_("revoked on"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revocation"), blank=True)
    revoked_decision = models.CharField(_("revoking decision"), max_length=50, blank=True)

    # Who recorded and who revoked the rating, and when: the history row of each save.
    history = HistoricalRecords()

    class Meta:
        ordering = ["-decision_date", "-pk"]
        verbose_name = _("OCOP evaluation")
        verbose_name_plural = _("OCOP evaluations")
        # Serves "the latest evaluation of a product on a day": ProductQuerySet.with_current
        # and the certified-products count behind NTM indicator 13.2.
        indexes = [
            models.Index(fields=["product", "-decision_date"], name="evaluation_product_latest"),
            # Serves "is any evaluation decided after this day?" (selectors.latest_is_current).
            models.Index(fields=["decision_date"], name="evaluation_decided"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "decision_number", "decision_date"],
                name="evaluation_one_per_product_decision",
                violation_error_message=_("This decision is already recorded for this product."),
            ),
            models.CheckConstraint(
                condition=Q(score__gte=rating.MIN_SCORE, score__lte=rating.MAX_SCORE),
                name="evaluation_score_0_100",
                violation_error_message=_("The score is between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(part_a__isnull=True, part_b__isnull=True, part_c__isnull=True)
                | Q(part_a__isnull=False, part_b__isnull=False, part_c__isnull=False),
                name="evaluation_parts_all_or_none",
                violation_error_message=_("Give all three parts (A, B, C) or none."),
            ),
            models.CheckConstraint(
                condition=_parts_within_scheme(),
                name="evaluation_parts_in_range",
                violation_error_message=_("A part is outside its range for the decision date."),
            ),
            # Rounded because SQLite adds decimals as floats (33.33 + 33.33 + 33.34).
            models.CheckConstraint(
                condition=Q(part_a__isnull=True)
                | Q(score=Round(F("part_a") + F("part_b") + F("part_c"), 2)),
                name="evaluation_parts_add_up",
                violation_error_message=_("Parts A, B and C must add up to the score."),
            ),
            models.CheckConstraint(
                condition=Q(stars__gte=1, stars__lte=5),
                name="evaluation_stars_1_5",
                violation_error_message=_("Stars are between 1 and 5."),
            ),
            models.CheckConstraint(
                condition=_stars_within_level_cap(),
                name="evaluation_stars_within_level_cap",
                violation_error_message=_("The evaluating level cannot award that many stars."),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gt=F("decision_date")),
                name="evaluation_valid_after_decision",
                violation_error_message=_("The validity must end after the decision date."),
            ),
            models.CheckConstraint(
                condition=Q(revoked_date__isnull=True) | Q(revoked_date__gte=F("decision_date")),
                name="evaluation_revoked_after_decision",
                violation_error_message=_("A rating cannot be revoked before it was decided."),
            ),
            models.CheckConstraint(
                condition=Q(revoked_date__isnull=True, revoked_reason="", revoked_decision="")
                | (Q(revoked_date__isnull=False) & ~Q(revoked_reason="") & ~Q(revoked_decision="")),
                name="evaluation_revocation_complete",
                violation_error_message=_(
                    "A revocation has a date, a reason and a decision; a rating in force has none."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.stars}★ ({self.decision_number})"

    def as_rule_data(self) -> rating.Evaluation:
        return rating.Evaluation(
            decision_date=self.decision_date,
            stars=self.stars,
            valid_until=self.valid_until,
            revoked_date=self.revoked_date,
            key=self.pk or 0,
        )
