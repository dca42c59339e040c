"""What a province reports beside commune levels: resources mobilised by source, works built,
production development models, hamlet titles (model residential areas, model gardens), yearly
plans and the province figures of the years before the portal's data.

Funding sources and kinds of work are DATA (fixtures/programme/kinds.json, loaded by
``manage.py load_programme_kinds``), not code. Every record carries the assessments' workflow
status (draft, submitted, approved, returned), moved by programme.services.move with the rules
of criteria.services.workflow; the public reads approved records only.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communes.models import Commune, District, Province
from criteria.models import Assessment

FIRST_YEAR = 2011  # the programme began in 2010; its first full year of reporting is 2011
LAST_YEAR = 2100
Status = Assessment.Status  # one workflow, one set of statuses


def _years(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(year__gte=FIRST_YEAR, year__lte=LAST_YEAR),
        name=f"{prefix}_year_in_range",
        violation_error_message=_("The year must be from 2011 to 2100."),
    )


def _not_negative(prefix: str, field: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0}) | Q(**{f"{field}__isnull": True}),
        name=f"{prefix}_{field}_not_negative",
    )


class Category(models.Model):
    """A category the province reports by (data, ordered)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name_vi


class FundingSource(Category):
    """A source of capital: central budget, local budget, credit, community... A sub-source
    (the community's cash, land, working days) names its parent; a parent has no parent."""

    class Group(models.TextChoices):
        BUDGET = "budget", _("State budget")
        OTHER = "other", _("Other mobilised capital")

    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="parts",
    )
    group = models.CharField(_("group"), max_length=10, choices=Group.choices)
    # The people's own contribution (the reports' "nhân dân đóng góp"): the community source.
    community = models.BooleanField(_("contributed by the people"), default=False)

    class Meta(Category.Meta):
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")

    @property
    def root(self) -> "FundingSource":
        return self.parent or self


class WorkKind(Category):
    """A kind of work built: new road (km), concrete pavement (km), school works (count)..."""

    unit = models.CharField(_("unit"), max_length=20)

    class Meta(Category.Meta):
        verbose_name = _("kind of work")
        verbose_name_plural = _("kinds of work")


class Reported(models.Model):
    """What every record shares: its province, year, workflow status and version."""

    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # Optimistic locking: every change and every workflow step increments it.
    version = models.PositiveIntegerField(_("version"), default=1)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_locked(self) -> bool:
        """Approved and submitted records are changed only by a workflow step."""
        return self.status in (Status.SUBMITTED, Status.APPROVED)


class Funding(Reported):
    """Capital from one source in one year, planned or actual, in million VND, entered at the
    level the province knows it: the province, a district, or a commune.

    No double counting: two entries of the same province, year, plan/actual and source family
    (a source and its parts) OVERLAP when one's place contains the other's (the province
    contains its districts and communes, a district its communes; a place contains itself) and
    their sources are the same or one is the other's parent. programme.services refuses an
    overlapping entry, naming the one it overlaps, so every stored amount counts once and the
    totals are plain sums: replace a province total by commune detail by deleting it first.
    """

    class Kind(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ACTUAL = "actual", _("Actual")

    district = models.ForeignKey(
        District,
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    commune = models.ForeignKey(
        Commune,
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.ForeignKey(
        FundingSource, verbose_name=_("source"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("planned or actual"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("amount (million VND)"), max_digits=18, decimal_places=3)

    history = HistoricalRecords()

    class Meta:
        ordering = ["province", "year", "source__order", "pk"]
        verbose_name = _("funding")
        verbose_name_plural = _("fundings")
        constraints = [
            _years("funding"),
            _not_negative("funding", "amount"),
        ]
        # The statistics read a province's year.
        indexes = [models.Index(fields=["province", "year"], name="funding_province_year")]

    def __str__(self) -> str:
        return f"{self.source_id} {self.year} {self.kind}: {self.amount}"


class Work(Reported):
    """A work built in a commune: its kind (with its unit), new or upgraded, quantity, cost."""

    class Mode(models.TextChoices):
        NEW = "new", _("New")
        UPGRADED = "upgraded", _("Upgraded or repaired")

    commune = models.ForeignKey(
        Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.ForeignKey(
        WorkKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="+"
    )
    mode = models.CharField(_("new or upgraded"), max_length=10, choices=Mode.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    cost = models.DecimalField(
        _("cost (million VND)"), max_digits=18, decimal_places=3, null=True, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["province", "year", "kind__order", "pk"]
        verbose_name = _("work")
        verbose_name_plural = _("works")
        constraints = [
            _years("work"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="work_quantity_positive"),
            _not_negative("work", "cost"),
        ]
        indexes = [models.Index(fields=["province", "year"], name="work_province_year")]

    def __str__(self) -> str:
        return f"{self.kind_id} {self.year}: {self.quantity}"


class ProductionModel(Reported):
    """A production development model (mô hình phát triển sản xuất): its communes, area,
    funding and stage."""

    class Stage(models.TextChoices):
        PLANNED = "planned", _("Planned")
        UNDER_WAY = "under_way", _("Under way")
        COMPLETED = "completed", _("Completed")

    name = models.CharField(_("name"), max_length=255)
    communes = models.ManyToManyField(Commune, verbose_name=_("communes"), related_name="+")
    area_ha = models.DecimalField(
        _("area (ha)"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    funding = models.DecimalField(
        _("funding (million VND)"), max_digits=18, decimal_places=3, null=True, blank=True
    )
    stage = models.CharField(
        _("stage"), max_length=10, choices=Stage.choices, default=Stage.UNDER_WAY
    )

    history = HistoricalRecords(m2m_fields=[communes])

    class Meta:
        ordering = ["province", "year", "name", "pk"]
        verbose_name = _("production model")
        verbose_name_plural = _("production models")
        constraints = [
            _years("production_model"),
            _not_negative("production_model", "area_ha"),
            _not_negative("production_model", "funding"),
        ]

    def __str__(self) -> str:
        return self.name


class HamletTitle(Reported):
    """A model residential area (khu dân cư kiểu mẫu) or model garden (vườn mẫu) recognised for
    a hamlet or a household, by a decision."""

    class Kind(models.TextChoices):
        MODEL_AREA = "model_area", _("Model residential area")
        MODEL_GARDEN = "model_garden", _("Model garden")

    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    commune = models.ForeignKey(
        Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="+"
    )
    holder = models.CharField(_("hamlet or household"), max_length=255)
    decision_number = models.CharField(_("decision number"), max_length=50)
    decision_date = models.DateField(_("decision date"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["province", "year", "kind", "decision_date", "pk"]
        verbose_name = _("hamlet title")
        verbose_name_plural = _("hamlet titles")
        constraints = [
            _years("hamlet_title"),
            models.UniqueConstraint(
                fields=["kind", "commune", "holder", "year"],
                name="hamlet_title_once_a_year",
                violation_error_message=_("This title is recorded already for that year."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder} ({self.year})"


class Figure(models.TextChoices):
    """What a plan target or a province figure counts."""

    MORE_COMMUNES = "more_communes", _("More communes recognised at a level in the year")
    COMMUNES_AT_LEVEL = "communes_at_level", _("Communes holding a level at the end of the year")
    AVERAGE_CRITERIA = "average_criteria", _("Average criteria met per commune")
    MODEL_AREAS = "model_areas", _("Model residential areas")
    MODEL_GARDENS = "model_gardens", _("Model gardens")


LEVELLED = (Figure.MORE_COMMUNES, Figure.COMMUNES_AT_LEVEL)


def _level_when_levelled(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(Q(kind__in=LEVELLED) & ~Q(level="")) | (~Q(kind__in=LEVELLED) & Q(level="")),
        name=f"{prefix}_level_iff_levelled",
        violation_error_message=_("A count of communes names its level; other figures do not."),
    )


class YearPlan(Reported):
    """A target of the province's plan for a year: for the province, for one district, or for
    each district (``per_district``), with an optional upper bound ("2 to 3 in each district")."""

    district = models.ForeignKey(
        District,
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    per_district = models.BooleanField(_("in each district"), default=False)
    kind = models.CharField(_("target"), max_length=20, choices=Figure.choices)
    level = models.CharField(_("level"), max_length=30, blank=True)
    value = models.DecimalField(_("at least"), max_digits=12, decimal_places=3)
    value_max = models.DecimalField(
        _("at most"), max_digits=12, decimal_places=3, null=True, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["province", "year", "kind", "level", "pk"]
        verbose_name = _("plan target")
        verbose_name_plural = _("plan targets")
        constraints = [
            _years("year_plan"),
            _level_when_levelled("year_plan"),
            _not_negative("year_plan", "value"),
            models.CheckConstraint(
                condition=Q(value_max__isnull=True) | Q(value_max__gte=models.F("value")),
                name="year_plan_bounds_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(per_district=True, district__isnull=False),
                name="year_plan_district_or_each",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.kind} {self.level}: {self.value}"


class HistoricalFigure(Reported):
    """A province figure as reported (e.g. the 2020 average criteria per commune), for years
    before the portal's commune data, so that year-on-year changes are computed."""

    kind = models.CharField(_("figure"), max_length=20, choices=Figure.choices)
    level = models.CharField(_("level"), max_length=30, blank=True)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=3)

    history = HistoricalRecords()

    class Meta:
        ordering = ["province", "year", "kind", "level"]
        verbose_name = _("province figure")
        verbose_name_plural = _("province figures")
        constraints = [
            _years("historical_figure"),
            _level_when_levelled("historical_figure"),
            _not_negative("historical_figure", "value"),
            models.UniqueConstraint(
                fields=["province", "year", "kind", "level"],
                name="historical_figure_once",
                violation_error_message=_("This figure is recorded already for that year."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.kind} {self.level}: {self.value}"


class Step(models.Model):
    """One workflow step of a programme record, kept for the record."""

    record_type = models.CharField(_("record type"), max_length=30)
    record_id = models.PositiveBigIntegerField(_("record"))
    action = models.CharField(_("action"), max_length=10)
    from_status = models.CharField(_("from"), max_length=10)
    to_status = models.CharField(_("to"), max_length=10)
    comment = models.TextField(_("comment"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["record_type", "record_id", "at", "pk"]
        verbose_name = _("workflow step")
        verbose_name_plural = _("workflow steps")
        # A record's steps, in order.
        indexes = [models.Index(fields=["record_type", "record_id"], name="programme_step_record")]

    def __str__(self) -> str:
        return f"{self.record_type} {self.record_id}: {self.action}"


RECORDS = {
    model._meta.model_name: model
    for model in (Funding, Work, ProductionModel, HamletTitle, YearPlan, HistoricalFigure)
}
