"""Criteria sets as data, commune assessments and their results, and official recognitions.

A criteria set (one per programme period) has an ordered ladder of levels; each level has its
own criteria, each criterion indicators, each indicator judges one measure (a quantity entered
once per commune and year) against thresholds keyed by scope and years. The rules that judge
them live in criteria/scoring.py; nothing here decides a level.
"""

import datetime
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communes.models import Commune, District, Province
from core.formatting import localized


def no_set_message(year: int) -> str:
    return _("No criteria set is in force in %(year)d.") % {"year": year}


# The classes of a set keyed by commune group (2026-2030, Decision 51/2025/QĐ-TTg: groups 1,
# 2 and 3 instead of regions; shared/domain/notes-2026-2030.md, confirmed).
COMMUNE_GROUPS = frozenset({"1", "2", "3"})
# Group 2 is defined as "neither group 1 nor group 3" (notes-2026-2030 §2.2, confirmed): a
# commune assigned to neither is in group 2.
DEFAULT_COMMUNE_GROUP = "2"


class CriteriaSetQuerySet(models.QuerySet):
    def in_force(self, year: int) -> "CriteriaSetQuerySet":
        """Every set whose period covers ``year`` (normally one; see for_year)."""
        return self.filter(first_year__lte=year, last_year__gte=year)

    def governing(self, year: int) -> "CriteriaSetQuerySet":
        """The set that governs ``year`` as a one-row queryset (a subquery for other reads),
        the one answer every page, API and statistic uses. Empty: no set covers the year.
        Two sets whose periods overlap: the one that began last governs, as a newer law
        replaces an older one from its first year."""
        return self.in_force(year).order_by("-first_year", "-pk")[:1]

    def for_year(self, year: int) -> "CriteriaSet | None":
        """The set that governs ``year`` (see governing), or None."""
        return next(iter(self.governing(year)), None)

    def for_year_or_error(self, year: int) -> "CriteriaSet":
        criteria_set = self.for_year(year)
        if criteria_set is None:
            raise ValidationError({"year": [no_set_message(year)]})
        return criteria_set


class CriteriaSet(models.Model):
    class Classification(models.TextChoices):
        REGION = "region", _("Region")
        COMMUNE_GROUP = "commune_group", _("Commune group")

    code = models.CharField(_("code"), max_length=30, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300)
    legal_basis = models.TextField(_("legal basis"))
    first_year = models.PositiveSmallIntegerField(_("first year"))
    last_year = models.PositiveSmallIntegerField(_("last year"))
    classification = models.CharField(
        _("classification of thresholds"), max_length=20, choices=Classification.choices
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = CriteriaSetQuerySet.as_manager()

    class Meta:
        ordering = ["first_year", "code"]
        verbose_name = _("criteria set")
        verbose_name_plural = _("criteria sets")
        constraints = [
            models.CheckConstraint(
                condition=Q(last_year__gte=F("first_year")), name="criteriaset_years_in_order"
            )
        ]

    def __str__(self) -> str:
        return self.code


class Level(models.Model):
    """A rung of a set's ladder and how it is met (criteria.scoring, "Level"): every criterion
    ("all"), or a share of its indicators with some of them mandatory ("share")."""

    class Rule(models.TextChoices):
        ALL = "all", _("Every criterion met")
        SHARE = "share", _("A share of the indicators passed, the mandatory ones among them")

    criteria_set = models.ForeignKey(
        CriteriaSet,
        verbose_name=_("criteria set"),
        on_delete=models.CASCADE,
        related_name="levels",
    )
    code = models.SlugField(_("code"), max_length=30)
    rank = models.PositiveSmallIntegerField(_("rank"), help_text=_("1 is the lowest level"))
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    pilot = models.BooleanField(
        _("pilot"),
        default=False,
        help_text=_(
            "The law introduces this level as a pilot (e.g. the modern commune, 2026-2030)."
        ),
    )
    rule = models.CharField(_("rule"), max_length=10, choices=Rule.choices, default=Rule.ALL)
    share = models.DecimalField(
        _("share of indicators"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_(
            "For the share rule only: e.g. 0.7 for at least seven in ten of the indicators."
        ),
    )
    # Codes, not a many-to-many: the rules are read in a fixed number of queries and kept as
    # data by editions; the loader and scoring.rule_problems check that each names an
    # indicator of this level.
    mandatory_indicators = models.JSONField(
        _("mandatory indicators"),
        default=list,
        blank=True,
        help_text=_("For the share rule only: codes of this level's indicators that must pass."),
    )

    class Meta:
        ordering = ["criteria_set", "rank"]
        verbose_name = _("level")
        verbose_name_plural = _("levels")
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "code"], name="level_unique_code"),
            models.UniqueConstraint(fields=["criteria_set", "rank"], name="level_unique_rank"),
            models.CheckConstraint(
                condition=Q(rule="all", share__isnull=True)
                | Q(rule="share", share__gt=0, share__lte=1),
                name="level_share_fits_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criteria_set.code} / {localized(self)}"


class Measure(models.Model):
    class ValueType(models.TextChoices):
        BOOL = "bool", _("Yes / no")
        NUMBER = "number", _("Number")
        # How many of something (villages, products, fields): a whole number.
        COUNT = "count", _("Count (a whole number)")
        PERCENT = "percent", _("Percentage (0-100)")
        MONEY = "money", _("Million VND per person per year")
        # A rate of change (income growth, 2026-2030): a fall is a negative number.
        CHANGE = "change", _("Change in % (may be negative)")

    class Source(models.TextChoices):
        ENTERED = "entered", _("Entered by hand")
        DERIVED = "derived", _("Derived from other data")

    criteria_set = models.ForeignKey(
        CriteriaSet,
        verbose_name=_("criteria set"),
        on_delete=models.CASCADE,
        related_name="measures",
    )
    code = models.SlugField(_("code"), max_length=60)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300)
    unit = models.CharField(_("unit"), max_length=50, blank=True)
    value_type = models.CharField(_("value type"), max_length=10, choices=ValueType.choices)
    allows_not_applicable = models.BooleanField(_("may be not applicable"), default=False)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.ENTERED
    )
    derived_from = models.CharField(
        _("derived from"),
        max_length=100,
        blank=True,
        help_text=_("Registry key of the data a derived measure is computed from."),
    )
    description_vi = models.TextField(_("description (Vietnamese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    class Meta:
        ordering = ["criteria_set", "code"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "code"], name="measure_unique_code"),
            models.CheckConstraint(
                condition=Q(source="entered", derived_from="") | ~Q(source="entered"),
                name="measure_entered_has_no_derivation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.name_vi}"


class Criterion(models.Model):
    class Group(models.TextChoices):
        PLANNING = "planning", _("Planning")
        INFRASTRUCTURE = "infrastructure", _("Socio-economic infrastructure")
        ECONOMY = "economy", _("Economy and production organisation")
        CULTURE_SOCIETY_ENVIRONMENT = (
            "culture_society_environment",
            _("Culture, society and environment"),
        )
        POLITICAL_SYSTEM = "political_system", _("Political system")

    level = models.ForeignKey(
        Level, verbose_name=_("level"), on_delete=models.CASCADE, related_name="criteria"
    )
    number = models.CharField(_("number"), max_length=10)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300)
    group = models.CharField(_("group"), max_length=40, choices=Group.choices, blank=True)
    source = models.TextField(_("source"))
    requires_level = models.ForeignKey(
        Level,
        verbose_name=_("met when this level is met"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["level", "order"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["level", "number"], name="criterion_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name_vi}"


class Indicator(models.Model):
    class Comparison(models.TextChoices):
        GTE = ">=", _("at least")
        LTE = "<=", _("at most")
        EQ = "==", _("equal to")
        TRUE = "true", _("achieved (yes)")

    criterion = models.ForeignKey(
        Criterion,
        verbose_name=_("criterion"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.PROTECT, related_name="indicators"
    )
    code = models.CharField(_("code"), max_length=20)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name_vi = models.TextField(_("name (Vietnamese)"))
    name_en = models.TextField(_("name (English)"))
    comparison = models.CharField(_("comparison"), max_length=4, choices=Comparison.choices)
    source = models.TextField(_("source"))
    verified = models.BooleanField(
        _("verified"),
        default=False,
        help_text=_("Whether the indicator's wording was checked against the legal text."),
    )
    set_by_province = models.BooleanField(
        _("number set by the province"),
        default=False,
        help_text=_(
            'The law leaves this indicator\'s number to each province ("UBND tỉnh quy định"): '
            "the province's approvers may write its province-scope thresholds."
        ),
    )

    class Meta:
        ordering = ["criterion", "order"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["criterion", "code"], name="indicator_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_vi[:60]}"


class Threshold(models.Model):
    class Scope(models.TextChoices):
        NATIONAL = "national", _("National")
        CLASS = "class", _("Region or commune group")
        PROVINCE = "province", _("Province")

    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="thresholds",
    )
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    class_value = models.CharField(
        _("region or commune group"),
        max_length=20,
        blank=True,
        help_text=_("Region code (2021-2025) or commune group (2026-2030), for class scope."),
    )
    province = models.ForeignKey(
        Province,
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4, null=True, blank=True)
    relative_to = models.ForeignKey(
        Indicator,
        verbose_name=_("relative to the threshold of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="relative_thresholds",
    )
    factor = models.DecimalField(_("factor"), max_digits=6, decimal_places=4, null=True, blank=True)
    first_year = models.PositiveSmallIntegerField(_("first year"), null=True, blank=True)
    last_year = models.PositiveSmallIntegerField(_("last year"), null=True, blank=True)
    source = models.TextField(_("source"))
    verified = models.BooleanField(
        _("verified"),
        default=False,
        help_text=_("Whether the value was read in the official text."),
    )
    demo = models.BooleanField(
        _("demo value"),
        default=False,
        help_text=_("Set by the demo data for a demo province, not by law."),
    )
    # Who changed which number, when, from what (admin shows it; the loader's saves count too).
    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "scope", "first_year"]
        verbose_name = _("threshold")
        verbose_name_plural = _("thresholds")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope="national", class_value="", province__isnull=True)
                    | (Q(scope="class", province__isnull=True) & ~Q(class_value=""))
                    | Q(scope="province", class_value="", province__isnull=False)
                ),
                name="threshold_scope_consistent",
            ),
            models.CheckConstraint(
                condition=(
                    Q(value__isnull=False, relative_to__isnull=True, factor__isnull=True)
                    | Q(value__isnull=True, relative_to__isnull=False, factor__isnull=False)
                ),
                name="threshold_absolute_or_relative",
            ),
            models.CheckConstraint(
                condition=Q(first_year__isnull=True)
                | Q(last_year__isnull=True)
                | Q(last_year__gte=F("first_year")),
                name="threshold_years_in_order",
            ),
            models.CheckConstraint(
                condition=Q(factor__isnull=True) | Q(factor__gt=0), name="threshold_factor_positive"
            ),
        ]

    def __str__(self) -> str:
        where = {"class": self.class_value, "province": getattr(self.province, "code", "")}
        return f"{self.indicator.code} {self.scope} {where.get(self.scope, '')}".strip()


class RulesVersion(models.Model):
    """One row: a token the database changes whenever a row of the rule tables (levels,
    criteria, indicators, measures, thresholds) is written, by triggers (criteria.rules_version).
    The rules compiled per process are kept under it."""

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("version of the rules")
        verbose_name_plural = _("versions of the rules")

    def __str__(self) -> str:
        return self.token


class CommuneClass(models.Model):
    """The class (region or commune group) a commune is judged in, for a set and a year,
    where it is not simply its province's region: an override or a yearly assignment."""

    commune = models.ForeignKey(
        Commune, verbose_name=_("commune"), on_delete=models.CASCADE, related_name="classes"
    )
    criteria_set = models.ForeignKey(
        CriteriaSet, verbose_name=_("criteria set"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    class_value = models.CharField(_("region or commune group"), max_length=20)
    reason = models.TextField(
        _("reason"),
        help_text=_(
            "E.g. especially difficult commune (judged at the northern "
            "midlands and mountains level), and the decision saying so."
        ),
    )

    # The reason for removing an assignment is longer than the default 100 characters allow.
    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))

    class Meta:
        verbose_name = _("commune class")
        verbose_name_plural = _("commune classes")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "criteria_set", "year"], name="communeclass_one_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.commune} {self.year}: {self.class_value}"


class EditionQuerySet(models.QuerySet):
    def published(self) -> "EditionQuerySet":
        return self.filter(status=Edition.Status.PUBLISHED)

    def in_force(self, year: int) -> "EditionQuerySet":
        """The published editions that apply to ``year``, newest first: the first one is the
        edition a result of that year is scored with (an edition changes only the rules of
        its own years, services.editions makes sure of it)."""
        covering = self.published().filter(first_year__lte=year, last_year__gte=year)
        return covering.order_by("-number")


class Edition(models.Model):
    """A criteria set as amended by one legal act: changes are drafted (EditionChange),
    validated, previewed, then published with the act's number and date and the years it
    applies to. Publishing applies the changes to the set's rows, keeps the rules as they
    then stand (``rules``, so that a result approved under this edition can be checked
    later), and rescores the open assessments of those years (criteria.services.editions)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        DISCARDED = "discarded", _("Discarded")

    criteria_set = models.ForeignKey(
        CriteriaSet,
        verbose_name=_("criteria set"),
        on_delete=models.CASCADE,
        related_name="editions",
    )
    # Given at publication, in the order editions are published (a draft has none yet).
    number = models.PositiveSmallIntegerField(_("number"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    title = models.CharField(_("title"), max_length=300)
    decision_number = models.CharField(_("decision number"), max_length=60, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    legal_source = models.TextField(_("legal source"), blank=True)
    first_year = models.PositiveSmallIntegerField(_("applies from"))
    last_year = models.PositiveSmallIntegerField(_("applies until"))
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("drafted at"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    rules = models.JSONField(_("rules as published"), null=True, blank=True, editable=False)
    rescored = models.PositiveIntegerField(_("assessments rescored"), default=0)

    objects = EditionQuerySet.as_manager()

    class Meta:
        ordering = ["criteria_set", "-number"]
        verbose_name = _("edition")
        verbose_name_plural = _("editions")
        constraints = [
            models.UniqueConstraint(
                fields=["criteria_set", "number"], name="edition_unique_number"
            ),
            # One draft at a time: two drafts of one set could each be valid and clash.
            models.UniqueConstraint(
                fields=["criteria_set"],
                condition=Q(status="draft"),
                name="edition_one_draft_per_set",
            ),
            models.CheckConstraint(
                condition=Q(last_year__gte=F("first_year")), name="edition_years_in_order"
            ),
            models.CheckConstraint(
                condition=~Q(status="published")
                | Q(decision_date__isnull=False, published_at__isnull=False, number__isnull=False)
                & ~Q(decision_number=""),
                name="edition_published_has_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criteria_set.code} #{self.number or '…'}"


class EditionChange(models.Model):
    """One drafted change of an edition: a threshold added, changed or removed, or (so that a
    set whose indicators are not all known yet can be completed) a measure, criterion or
    indicator added. ``data`` holds the new row as the office typed it (codes, not ids);
    ``before`` the row it replaces, kept for the record of old -> new."""

    class Kind(models.TextChoices):
        ADD_THRESHOLD = "add_threshold", _("Threshold added")
        CHANGE_THRESHOLD = "change_threshold", _("Threshold changed")
        REMOVE_THRESHOLD = "remove_threshold", _("Threshold removed")
        ADD_MEASURE = "add_measure", _("Measure added")
        ADD_CRITERION = "add_criterion", _("Criterion added")
        ADD_INDICATOR = "add_indicator", _("Indicator added")

    edition = models.ForeignKey(
        Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="changes"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    threshold = models.ForeignKey(
        Threshold,
        verbose_name=_("threshold"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    data = models.JSONField(_("new"), default=dict, blank=True)
    before = models.JSONField(_("old"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["edition", "pk"]
        verbose_name = _("edition change")
        verbose_name_plural = _("edition changes")

    def __str__(self) -> str:
        return f"{self.edition}: {self.get_kind_display()}"


class AssessmentQuerySet(models.QuerySet):
    def in_province(self, province: Province) -> "AssessmentQuerySet":
        return self.filter(commune__province=province)

    def approved(self) -> "AssessmentQuerySet":
        return self.filter(status=Assessment.Status.APPROVED)


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    commune = models.ForeignKey(
        Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="assessments"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    criteria_set = models.ForeignKey(
        CriteriaSet,
        verbose_name=_("criteria set"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # Optimistic locking: every save of values or status increments it.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The persisted result of the last scoring (see criteria.services.rescore).
    class_value = models.CharField(_("class scored with"), max_length=20, blank=True)
    level = models.CharField(_("computed level"), max_length=30, default="none", db_index=True)
    criteria_met = models.PositiveSmallIntegerField(_("criteria met at the first level"), default=0)
    criteria_met_by_level = models.JSONField(_("criteria met per level"), default=dict)
    complete = models.BooleanField(_("complete"), default=False)
    uses_unverified = models.BooleanField(_("uses unverified thresholds"), default=False)
    edition = models.ForeignKey(
        Edition,
        verbose_name=_("edition scored with"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)

    objects = AssessmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "commune__code"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "year", "criteria_set"],
                name="assessment_one_per_commune_year_set",
            ),
        ]
        indexes = [
            # The province overview and statistics: a year's assessments by status.
            models.Index(fields=["year", "status"], name="assessment_year_status"),
            # The API's list of a year, in key order: its pages are read off this index
            # instead of walking the key past every earlier year (8 ms for 2023 nationally).
            models.Index(fields=["year", "id"], name="assessment_year_order"),
        ]

    def __str__(self) -> str:
        return f"{self.commune} {self.year}"

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def is_editable(self) -> bool:
        """Values change only while the province works on it: draft, or returned to it."""
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class WorkflowStep(models.Model):
    """One step of an assessment's workflow, kept for the record."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        SUBMIT = "submit", _("Submitted")
        APPROVE = "approve", _("Approved")
        RETURN = "return", _("Returned")
        REOPEN = "reopen", _("Reopened")
        REJUDGE = "rejudge", _("Re-judged under a new edition")

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.CASCADE, related_name="steps"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=10, blank=True)
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
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["assessment", "at", "pk"]
        verbose_name = _("workflow step")
        verbose_name_plural = _("workflow steps")

    def __str__(self) -> str:
        return f"{self.assessment}: {self.action} {self.at:%Y-%m-%d %H:%M}"


class AssessmentValue(models.Model):
    # No index of its own: the unique (assessment, measure) below leads with it and serves every
    # lookup by assessment; a second index only slowed a national import's half a million rows.
    assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("assessment"),
        on_delete=models.CASCADE,
        related_name="values",
        db_index=False,
    )
    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.DecimalField(
        _("number"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    flag = models.BooleanField(_("yes / no"), null=True, blank=True)
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    note = models.TextField(_("note"), blank=True)
    evidence_url = models.URLField(_("evidence link"), blank=True)
    # Copied from the previous year when the assessment was created (services.values), until
    # an officer confirms or changes it.
    carried_forward = models.BooleanField(_("carried forward"), default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # The history is read by assessment (selectors.value_history) and by row (the admin);
    # never by measure or by who last saved: those columns are not indexed there.
    history = HistoricalRecords(no_db_index=["measure", "updated_by"])

    class Meta:
        verbose_name = _("value")
        verbose_name_plural = _("values")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "measure"], name="value_one_per_assessment_measure"
            ),
            models.CheckConstraint(
                condition=Q(number__isnull=True) | Q(flag__isnull=True), name="value_number_or_flag"
            ),
            models.CheckConstraint(
                condition=Q(not_applicable=False)
                | (Q(number__isnull=True, flag__isnull=True) & ~Q(note="")),
                name="value_not_applicable_has_note_and_no_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment}: {self.measure.code}"


def evidence_path(evidence: "Evidence", filename: str) -> str:
    """A generated name in the assessment's folder: nothing the uploader typed reaches the
    file system (the original name stays in the row, for display and download)."""
    extension = Path(filename).suffix.lower()
    return f"evidence/{evidence.assessment_id}/{uuid.uuid4().hex}{extension}"


class Evidence(models.Model):
    """A file supporting one measure's value (a decision, a survey table, a photo). Served only
    through the officer pages' download view, which checks the user's province; never from a
    public media URL."""

    assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("assessment"),
        on_delete=models.CASCADE,
        related_name="evidence_files",
    )
    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=255)
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "uploaded_at", "pk"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="evidence_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment}: {self.measure.code} {self.original_name}"


class YearClosureQuerySet(models.QuerySet):
    def blocking(self, commune_id: int, year: int) -> "YearClosureQuerySet":
        """The closure of the commune's province for the year, unless the commune was reopened
        by exception."""
        return self.filter(year=year, province__communes=commune_id).exclude(
            exceptions__commune=commune_id
        )


class YearClosure(models.Model):
    """A province's year closed after the reporting deadline: its assessments can no longer be
    created, saved, submitted or reopened (criteria.services checks), except in communes
    reopened by exception. Reopening the year deletes the row; the history keeps who, when
    and why."""

    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    objects = YearClosureQuerySet.as_manager()
    # The reason for reopening a year is longer than the default 100 characters allow.
    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))

    class Meta:
        ordering = ["-year", "province__code"]
        verbose_name = _("closed year")
        verbose_name_plural = _("closed years")
        constraints = [
            models.UniqueConstraint(
                fields=["province", "year"], name="yearclosure_one_per_province_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.province} {self.year}"


class ClosureException(models.Model):
    """A commune reopened, with a reason, in a closed year: its assessment can be worked on
    again while the rest of the province stays closed."""

    closure = models.ForeignKey(
        YearClosure,
        verbose_name=_("closed year"),
        on_delete=models.CASCADE,
        related_name="exceptions",
    )
    commune = models.ForeignKey(
        Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)

    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))

    class Meta:
        ordering = ["closure", "commune__code"]
        verbose_name = _("commune open by exception")
        verbose_name_plural = _("communes open by exception")
        constraints = [
            models.UniqueConstraint(
                fields=["closure", "commune"], name="closureexception_one_per_commune"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="closureexception_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.closure}: {self.commune}"


class CriterionResult(models.Model):
    class Status(models.TextChoices):
        MET = "met", _("Met")
        NOT_MET = "not_met", _("Not met")
        INCOMPLETE = "incomplete", _("Incomplete")

    assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("assessment"),
        on_delete=models.CASCADE,
        related_name="criterion_results",
        db_index=False,  # the unique (assessment, criterion) below leads with it
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)

    class Meta:
        verbose_name = _("criterion result")
        verbose_name_plural = _("criterion results")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"], name="criterionresult_one_per_criterion"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment}: {self.criterion.number} {self.status}"


class RecognitionQuerySet(models.QuerySet):
    def in_force(self, year: int) -> "RecognitionQuerySet":
        """Titles held on 31 December of ``year``: decided by then, for that year or an
        earlier one, and not revoked by then."""
        year_end = datetime.date(year, 12, 31)
        return self.filter(decision_date__lte=year_end, title_year__lte=year).filter(
            Q(revoked_date__isnull=True) | Q(revoked_date__gt=year_end)
        )

    def held(self, year: int, criteria_set=None) -> "RecognitionQuerySet":
        """The titles a unit holds for ``year`` (on 31 December), highest level first, on the
        ladder of ``criteria_set`` (a set or its id; by default the set governing the year):
        another period's levels are other levels. Filter by unit and take the first: that is
        the recognised level every page, API and statistic shows."""
        if criteria_set is None:
            on_ladder = Q(level__criteria_set__in=CriteriaSet.objects.governing(year))
        else:
            on_ladder = Q(level__criteria_set=criteria_set)
        return self.in_force(year).filter(on_ladder).order_by("-level__rank")


class Recognition(models.Model):
    """An official decision recognising a commune or district at a level (or revoking it)."""

    commune = models.ForeignKey(
        Commune,
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recognitions",
    )
    district = models.ForeignKey(
        District,
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recognitions",
    )
    level = models.ForeignKey(
        Level, verbose_name=_("level"), on_delete=models.PROTECT, related_name="recognitions"
    )
    title_year = models.PositiveSmallIntegerField(_("year the title is for"))
    decision_number = models.CharField(_("decision number"), max_length=50)
    decision_date = models.DateField(_("decision date"))
    issuer = models.CharField(_("issuing body"), max_length=200)
    revoked_date = models.DateField(_("revoked on"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revocation"), blank=True)
    revoked_decision = models.CharField(_("revoking decision"), max_length=50, blank=True)

    objects = RecognitionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-decision_date"]
        verbose_name = _("recognition")
        verbose_name_plural = _("recognitions")
        constraints = [
            models.CheckConstraint(
                condition=Q(commune__isnull=False, district__isnull=True)
                | Q(commune__isnull=True, district__isnull=False),
                name="recognition_commune_or_district",
            ),
            models.CheckConstraint(
                condition=Q(revoked_date__isnull=True) | Q(revoked_date__gte=F("decision_date")),
                name="recognition_revoked_after_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision_number} {self.level.code} {self.title_year}"


class Target(models.Model):
    """A province's (or district's) plan: by a year, so many communes at a level."""

    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.CASCADE, related_name="targets"
    )
    district = models.ForeignKey(
        District,
        verbose_name=_("district"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="targets",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    level = models.ForeignKey(
        Level, verbose_name=_("level"), on_delete=models.PROTECT, related_name="targets"
    )
    count = models.PositiveIntegerField(_("number of communes"), null=True, blank=True)
    percent = models.DecimalField(
        _("percentage of communes"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    source = models.TextField(_("source"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["province", "year", "level__rank"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(count__isnull=False, percent__isnull=True)
                | Q(count__isnull=True, percent__isnull=False),
                name="target_count_or_percent",
            ),
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__gte=0, percent__lte=100),
                name="target_percent_0_100",
            ),
        ]

    def __str__(self) -> str:
        amount = f"{self.count}" if self.count is not None else f"{self.percent}%"
        return f"{self.province} {self.year}: {amount} {self.level.code}"
