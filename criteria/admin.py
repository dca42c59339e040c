import csv

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Subquery
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.access import access_for
from accounts.admin import PortalScopedAdmin
from communes.admin import FoldedSearch
from communes.models import Region
from core.admin import HistoryAdmin, ReadOnlyMixin, number_column
from core.formatting import localized
from criteria import selectors
from criteria.labels import (
    COMPARISONS,
    CRITERION_STATUSES,
    OUTCOMES,
    class_label,
    level_label,
    threshold_scope,
    value_text,
)
from criteria.models import (
    Assessment,
    AssessmentValue,
    ClosureException,
    CommuneClass,
    CriteriaSet,
    Criterion,
    Edition,
    EditionChange,
    Evidence,
    Indicator,
    Level,
    Measure,
    Recognition,
    Target,
    Threshold,
    WorkflowStep,
    YearClosure,
)
from criteria.services import exports, workflow
from criteria.services.errors import StaleVersionError, WorkflowError, YearClosedError
from criteria.services.results import rescore_open


class LevelInline(admin.TabularInline):
    model = Level
    extra = 0
    show_change_link = True
    fields = ["rank", "code", "name_vi", "name_en", "legal_basis", "pilot", "rule", "share"]
    readonly_fields = ["rule", "share"]


class MeasureInline(admin.TabularInline):
    model = Measure
    extra = 0
    fields = [
        "code",
        "name_vi",
        "unit",
        "value_type",
        "allows_not_applicable",
        "source",
        "derived_from",
    ]


@admin.register(CriteriaSet)
class CriteriaSetAdmin(PortalScopedAdmin, FoldedSearch, admin.ModelAdmin):
    list_display = ["code", "name_vi", "first_year", "last_year", "classification"]
    search_fields = ["code", "name_vi", "name_en"]
    folded_name_fields = ("name_vi",)
    inlines = [LevelInline, MeasureInline]


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    show_change_link = True
    fk_name = "level"
    fields = ["order", "number", "name_vi", "name_en", "group", "requires_level"]


@admin.register(Level)
class LevelAdmin(PortalScopedAdmin, FoldedSearch, admin.ModelAdmin):
    """The level's rule kind and numbers are read here, not written: they decide results, and
    only the loader (a set's first edition) and editions record and rescore what they change."""

    list_display = ["criteria_set", "rank", "code", "name_vi", "pilot", "rule"]
    list_filter = ["criteria_set", "pilot"]
    list_select_related = ["criteria_set"]
    search_fields = ["code", "name_vi", "name_en"]
    folded_name_fields = ("name_vi",)
    folded_name_fields = ("name_vi",)
    readonly_fields = ["rule", "share", "mandatory_indicators"]
    inlines = [CriterionInline]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    show_change_link = True
    fields = ["order", "code", "name_vi", "measure", "comparison", "verified"]
    autocomplete_fields = ["measure"]


@admin.register(Criterion)
class CriterionAdmin(PortalScopedAdmin, FoldedSearch, admin.ModelAdmin):
    list_display = ["number", "name_vi", "level", "group"]
    list_filter = ["level__criteria_set", "level", "group"]
    list_select_related = ["level__criteria_set"]
    search_fields = ["number", "name_vi", "name_en"]
    folded_name_fields = ("name_vi",)
    inlines = [IndicatorInline]


@admin.register(Measure)
class MeasureAdmin(PortalScopedAdmin, FoldedSearch, admin.ModelAdmin):
    list_display = ["code", "name_vi", "unit", "value_type", "source", "criteria_set"]
    list_filter = ["criteria_set", "value_type", "source"]
    list_select_related = ["criteria_set"]
    search_fields = ["code", "name_vi", "name_en"]
    folded_name_fields = ("name_vi",)


THRESHOLD_FIELDS = [
    "scope",
    "class_name",
    "province",
    "threshold",
    "relative_to",
    "factor",
    "first_year",
    "last_year",
    "verified",
    "demo",
]


class ThresholdColumns:
    """A threshold as people read it: the region's name, the number without trailing zeros,
    with the comparison and the unit of its indicator's measure."""

    def get_queryset(self, request):
        return with_class_names(super().get_queryset(request).select_related("indicator__measure"))

    @admin.display(description=_("region or group"), ordering="class_value")
    def class_name(self, obj):
        return class_label(obj.class_value, localized(obj, "class_name")) if obj.class_value else ""

    @admin.display(description=_("threshold"), ordering="value")
    def threshold(self, obj):
        if obj.value is None:
            return "—"
        comparison = COMPARISONS.get(obj.indicator.comparison, obj.indicator.comparison)
        return f"{comparison} {value_text(obj.value, obj.indicator.measure.unit)}"


class ThresholdInline(ThresholdColumns, admin.TabularInline):
    """The indicator's thresholds, to read: they change only by publishing an edition (the
    national office's criteria pages or the API), which checks, records and rescores."""

    model = Threshold
    extra = 0
    fk_name = "indicator"
    fields = [*THRESHOLD_FIELDS, "source"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ConfiguredFilter(admin.SimpleListFilter):
    title = _("threshold")
    parameter_name = "configured"

    def lookups(self, request, model_admin):
        return [("no", _("not configured")), ("yes", _("configured"))]

    def queryset(self, request, queryset):
        has_threshold = Exists(Threshold.objects.filter(indicator=OuterRef("pk")))
        if self.value() == "no":
            return queryset.exclude(comparison="true").filter(~has_threshold)
        if self.value() == "yes":
            return queryset.filter(has_threshold)
        return queryset


@admin.register(Indicator)
class IndicatorAdmin(PortalScopedAdmin, FoldedSearch, admin.ModelAdmin):
    list_display = ["code", "name_vi", "level", "measure", "comparison", "verified"]
    list_filter = [
        ConfiguredFilter,
        "verified",
        "criterion__level__criteria_set",
        "criterion__level",
    ]
    list_select_related = ["criterion__level__criteria_set", "measure"]
    search_fields = ["code", "name_vi", "name_en", "measure__code"]
    folded_name_fields = ("name_vi",)
    autocomplete_fields = ["measure"]
    inlines = [ThresholdInline]

    @admin.display(description=_("level"), ordering="criterion__level__rank")
    def level(self, obj):
        return obj.criterion.level.code


class ReadOnlyAdmin(ReadOnlyMixin, HistoryAdmin):
    """For rows written only by the services (evidence files, closed years): the admin shows
    them and their history, and changes nothing."""


@admin.register(CommuneClass)
class CommuneClassAdmin(PortalScopedAdmin, FoldedSearch, ReadOnlyAdmin):
    """Assigned by the national office in bulk (criteria.services.classes), which checks each
    row and rescores the open assessments concerned."""

    list_display = ["commune", "criteria_set", "year", "class_name", "reason"]
    fields = readonly_fields = list_display
    list_filter = ["criteria_set", "year", "class_value", "commune__province"]
    list_select_related = ["commune", "criteria_set"]
    search_fields = ["commune__code", "commune__search_key", "reason"]

    def get_queryset(self, request):
        return with_class_names(super().get_queryset(request))

    @admin.display(description=_("region or group"), ordering="class_value")
    def class_name(self, obj):
        return class_label(obj.class_value, localized(obj, "class_name"))


@admin.register(Threshold)
class ThresholdAdmin(ThresholdColumns, PortalScopedAdmin, FoldedSearch, ReadOnlyAdmin):
    """Read and searched here with their history; changed only by publishing an edition."""

    list_display = ["indicator", *THRESHOLD_FIELDS]
    fields = readonly_fields = ["indicator", *THRESHOLD_FIELDS, "source"]
    list_filter = [
        "verified",
        "demo",
        "scope",
        "indicator__criterion__level__criteria_set",
        "indicator__criterion__level",
    ]
    list_select_related = ["indicator__measure", "province", "relative_to"]
    search_fields = ["indicator__code", "source", "class_value", "province__code"]


class EditionChangeInline(admin.TabularInline):
    model = EditionChange
    extra = 0
    fields = ["kind", "threshold", "before", "data", "reason", "created_by", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Edition)
class EditionAdmin(PortalScopedAdmin, FoldedSearch, ReadOnlyMixin, admin.ModelAdmin):
    """Editions are drafted and published in the national office's pages or the API; here
    they are read with every change, old and new."""

    list_display = [
        "criteria_set",
        "number",
        "title",
        "status",
        "decision_number",
        "decision_date",
        "first_year",
        "last_year",
        "published_at",
        "rescored",
    ]
    list_filter = ["criteria_set", "status"]
    search_fields = ["title", "decision_number", "legal_source"]
    folded_name_fields = ("title",)
    exclude = ["rules"]
    inlines = [EditionChangeInline]


VALUE_FIELDS = [
    "measure",
    "value",
    "not_applicable",
    "note",
    "evidence_url",
    "updated_by",
    "updated_at",
]


class ValueColumns:
    @admin.display(description=_("value"))
    def value(self, obj):
        if obj.not_applicable:
            return OUTCOMES["not_applicable"]
        stored = obj.flag if obj.measure.value_type == Measure.ValueType.BOOL else obj.number
        unit = "" if isinstance(stored, bool) else obj.measure.unit
        return value_text(stored, unit)


class AssessmentValueInline(ValueColumns, admin.TabularInline):
    model = AssessmentValue
    extra = 0
    fields = [*VALUE_FIELDS, "history"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # values are entered through the services, which rescore

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("measure", "updated_by")

    @admin.display(description=_("history"))
    def history(self, obj):
        url = reverse("admin:criteria_assessmentvalue_history", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("changes"))


@admin.register(AssessmentValue)
class AssessmentValueAdmin(ValueColumns, PortalScopedAdmin, FoldedSearch, ReadOnlyAdmin):
    """Read only: values change through the officer pages and the API (the services)."""

    province_field = "assessment__commune__province"

    list_display = ["assessment", *VALUE_FIELDS]
    list_filter = ["assessment__year", "assessment__commune__province"]
    list_select_related = ["assessment__commune", "measure", "updated_by"]
    search_fields = [
        "assessment__commune__code",
        "assessment__commune__search_key",
        "measure__code",
    ]
    readonly_fields = ["assessment", *VALUE_FIELDS]


def with_level_names(queryset, set_field: str = "criteria_set", code_field: str = "level"):
    """Each row's computed level with its name in both languages (level_name_vi/_en), read
    by the list's one query instead of a query per row."""
    level = Level.objects.filter(criteria_set=OuterRef(set_field), code=OuterRef(code_field))
    return queryset.annotate(
        level_name_vi=Subquery(level.values("name_vi")[:1]),
        level_name_en=Subquery(level.values("name_en")[:1]),
    )


def with_class_names(queryset, field: str = "class_value"):
    """Each row's class with the region's name when it is a region (class_name_vi/_en)."""
    region = Region.objects.filter(code=OuterRef(field))
    return queryset.annotate(
        class_name_vi=Subquery(region.values("name_vi")[:1]),
        class_name_en=Subquery(region.values("name_en")[:1]),
    )


class LevelFilter(admin.SimpleListFilter):
    """Computed levels by name (the codes of every set's ladder, each once)."""

    title = _("computed level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        names = {}
        for level in Level.objects.order_by("rank", "criteria_set__first_year"):
            names.setdefault(level.code, localized(level))
        return [("none", level_label("none")), *names.items()]

    def queryset(self, request, queryset):
        return queryset.filter(level=self.value()) if self.value() else queryset


class _ResultNames:
    """The names behind an assessment's result codes (its set's levels, criteria, indicators
    and their measures), read in three queries and kept on the assessment for the page."""

    def __new__(cls, assessment):
        if not hasattr(assessment, "_result_names"):
            assessment._result_names = super().__new__(cls)
            assessment._result_names._load(assessment)
        return assessment._result_names

    def _load(self, assessment):
        self.province = assessment.commune.province
        set_id = assessment.criteria_set_id
        self.levels = {level.code: level for level in Level.objects.filter(criteria_set=set_id)}
        self.criteria = {
            (c.level.code, c.number): c
            for c in Criterion.objects.filter(level__criteria_set=set_id).select_related("level")
        }
        self.indicators = {
            (i.criterion.level.code, i.code): i
            for i in Indicator.objects.filter(criterion__level__criteria_set=set_id).select_related(
                "criterion__level", "measure"
            )
        }
        self.regions = {region.code: region for region in Region.objects.all()}

    def row(self, result, criterion_status: str = "") -> dict:
        """One indicator's line: criterion, indicator, value, threshold with its scope and
        source, outcome; every code with its name."""
        indicator = self.indicators.get((result.level, result.code))
        unit = indicator.measure.unit if indicator else ""
        return {
            "level": localized(self.levels.get(result.level)) or result.level,
            "level_code": result.level,
            "criterion": localized(self.criteria.get((result.level, result.criterion))),
            "criterion_number": result.criterion,
            "criterion_status": CRITERION_STATUSES.get(criterion_status, criterion_status),
            "indicator": localized(indicator),
            "indicator_code": result.code,
            "value": value_text(result.value, unit if not isinstance(result.value, bool) else ""),
            "outcome": result.outcome,
            "outcome_label": OUTCOMES.get(str(result.outcome), result.outcome),
            "threshold": self._threshold(result, unit),
            "note": result.note or result.problem,
        }

    def _threshold(self, result, unit: str) -> dict:
        t = result.threshold
        if result.comparison == "true":
            return {"text": gettext("required: yes")}
        if t is None:
            return {"text": gettext("not configured"), "missing": True}
        where = threshold_scope(t, self.regions, self.province.name)
        value = value_text(t.value, unit)
        text = f"{COMPARISONS.get(str(result.comparison), result.comparison)} {value}"
        return {
            "text": text,
            "where": where,
            "source": t.source,
            "verified": t.verified,
            "demo": t.demo,
        }


class MoveForm(forms.Form):
    """The intermediate page of the approve and return actions: one comment for all, and the
    version of each assessment as the reviewer read it (hidden), which the service checks."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, assessments, needs_comment: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].required = needs_comment
        for assessment in assessments:
            self.fields[f"version_{assessment.pk}"] = forms.IntegerField(
                widget=forms.HiddenInput, initial=assessment.version
            )

    def versions(self) -> dict[int, int]:
        return {
            int(name.removeprefix("version_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("version_")
        }


@admin.register(Assessment)
class AssessmentAdmin(PortalScopedAdmin, FoldedSearch, HistoryAdmin):
    """Read here with its values, results and history, and never changed: its status moves
    only through the workflow (criteria.services.workflow, on the pages and the API), which
    checks who may take the step, records it and counts the version."""

    province_field = "commune__province"

    list_display = [
        "commune",
        "province",
        "year",
        "status",
        "level_name",
        "criteria_met",
        "complete",
        "uses_unverified",
        "version",
    ]
    list_filter = [
        "year",
        "status",
        LevelFilter,
        "commune__province__region",
        "commune__province",
    ]
    list_select_related = ["commune__province"]
    search_fields = ["commune__code", "commune__search_key"]
    readonly_fields = [
        "commune",
        "year",
        "criteria_set",
        "status",
        "version",
        "class_name",
        "level_name",
        "criteria_met_table",
        "complete",
        "uses_unverified",
        "scored_at",
        "edition",
        "created_by",
        "created_at",
        "updated_by",
        "updated_at",
        "breakdown",
        "gap",
    ]
    fields = readonly_fields
    inlines = [AssessmentValueInline]
    actions = ["approve_selected", "return_selected", "rescore_selected", "export_selected"]
    move_template = "admin/criteria/assessment/move_selected.html"

    def history_labels(self, request) -> dict:
        """The computed level by its name in the assessment's set, the class by its region's
        name or as a commune group (2 queries a page, for the names)."""
        levels = list(Level.objects.all())
        names = {(level.criteria_set_id, level.code): localized(level) for level in levels}
        ranks = {(level.criteria_set_id, level.code): level.rank for level in levels}
        regions = {region.code: localized(region) for region in Region.objects.all()}

        def level(record, code):
            return level_label(code, names.get((record.criteria_set_id, code), ""))

        def commune_class(record, value):
            return class_label(value, regions.get(value, ""))

        def met_by_level(record, value):  # {"standard": [17, 19], ...}: "Chuẩn 17/19 · ..."
            if not isinstance(value, dict) or not value:
                return value or "—"
            key = record.criteria_set_id
            ladder = sorted(value.items(), key=lambda item: ranks.get((key, item[0]), 0))
            return " · ".join(
                f"{names.get((key, code)) or code} {met}/{total}" for code, (met, total) in ladder
            )  # up the ladder: PostgreSQL keeps a JSON object's keys in its own order

        return {"level": level, "class_value": commune_class, "criteria_met_by_level": met_by_level}

    def has_change_permission(self, request, obj=None):
        return False

    def has_approve_permission(self, request):
        """Whether the user approves and returns anywhere (which assessments: may_take)."""
        access = access_for(request.user)
        return access.is_national or access.can_approve(access.province_id or 0)

    def has_rescore_permission(self, request):
        access = access_for(request.user)
        return access.is_national or access.can_edit(access.province_id or 0)

    @admin.action(description=_("Approve the selected assessments"), permissions=["approve"])
    def approve_selected(self, request, queryset):
        return self._move_selected(request, queryset, WorkflowStep.Action.APPROVE)

    @admin.action(
        description=_("Return the selected assessments with one comment"), permissions=["approve"]
    )
    def return_selected(self, request, queryset):
        return self._move_selected(request, queryset, WorkflowStep.Action.RETURN)

    def _move_selected(self, request, queryset, action):
        """Through workflow.move_many, as the pages and the API: the same checks (who may take
        the step, the status, the versions read), steps and history rows; one refusal and
        nothing in the batch moves."""
        assessments = list(queryset.select_related("commune__province").order_by("pk"))
        if not assessments:  # none of them is among the rows the user sees
            return self._nothing_selected(request)
        access = access_for(request.user)
        refused = [
            a for a in assessments if not workflow.may_take(access, action, a.commune.province_id)
        ]
        if refused:
            self.message_user(
                request,
                gettext("You may not %(verb)s the assessment of %(commune)s: nothing was done.")
                % {"verb": workflow.VERBS[action], "commune": refused[0].commune.name},
                messages.ERROR,
            )
            return None
        needs_comment = workflow.TRANSITIONS[action].needs_comment
        form = MoveForm(
            request.POST if "confirm" in request.POST else None,
            assessments=assessments,
            needs_comment=needs_comment,
        )
        if not form.is_bound or not form.is_valid():
            return self._move_page(request, assessments, action, form)
        try:
            moved = workflow.move_many(
                assessments=assessments,
                action=action,
                versions=form.versions(),
                user=request.user,
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        except (StaleVersionError, WorkflowError, YearClosedError) as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            done = {
                WorkflowStep.Action.APPROVE: ngettext(
                    "%(count)d assessment approved.", "%(count)d assessments approved.", len(moved)
                ),
                WorkflowStep.Action.RETURN: ngettext(
                    "%(count)d assessment returned.", "%(count)d assessments returned.", len(moved)
                ),
            }[action]
            self.message_user(request, done % {"count": len(moved)}, messages.SUCCESS)
        return None

    def _move_page(self, request, assessments, action, form):
        context = {
            **self.admin_site.each_context(request),
            "title": {
                WorkflowStep.Action.APPROVE: _("Approve the selected assessments"),
                WorkflowStep.Action.RETURN: _("Return the selected assessments"),
            }[action],
            "opts": self.model._meta,
            "assessments": assessments,
            "form": form,
            "action": f"{action}_selected",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, self.move_template, context)

    def _nothing_selected(self, request):
        message = gettext(
            "Items must be selected in order to perform actions on them. No items have been "
            "changed."
        )  # Django's own words when nothing is selected
        self.message_user(request, message, messages.WARNING)

    @admin.action(description=_("Rescore the selected assessments"), permissions=["rescore"])
    def rescore_selected(self, request, queryset):
        """Scored again from their values, as after a threshold change (services.results):
        approved ones keep the result they were approved with."""
        access = access_for(request.user)
        selected = list(queryset.select_related("commune__province").order_by("pk"))
        if not selected:
            return self._nothing_selected(request)
        refused = [a for a in selected if not access.can_edit(a.commune.province_id)]
        if refused:
            self.message_user(
                request,
                gettext(
                    "You may not rescore the assessment of %(commune)s (%(province)s): "
                    "nothing was rescored."
                )
                % {"commune": refused[0].commune.name, "province": refused[0].commune.province},
                messages.ERROR,
            )
            return
        rescored = rescore_open([a.pk for a in selected])
        self.message_user(
            request,
            ngettext(
                "%(count)d open assessment rescored; approved ones keep their approved result.",
                "%(count)d open assessments rescored; approved ones keep their approved result.",
                rescored,
            )
            % {"count": rescored},
            messages.SUCCESS,
        )

    def get_queryset(self, request):
        return with_class_names(with_level_names(super().get_queryset(request)))

    @admin.action(description=_("Export the values of the selected assessments (CSV)"))
    def export_selected(self, request, queryset):
        """The long CSV of the values the reader may see (criteria.services.exports), which
        the import reads back: by province and year, the selected communes."""
        selected = queryset.select_related("commune__province").order_by(
            "commune__province__code", "year", "commune__code"
        )
        groups = {}
        for assessment in selected:
            key = (assessment.commune.province, assessment.year)
            groups.setdefault(key, []).append(assessment.commune.code)
        if not groups:
            return self._nothing_selected(request)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="ntm-values.csv"'
        response.write("\ufeff")  # a BOM: spreadsheet programs then read UTF-8
        writer = csv.writer(response, lineterminator="\n")
        access = access_for(request.user)
        for n, ((province, year), codes) in enumerate(groups.items()):
            rows = exports.value_rows(
                province=province, year=year, access=access, commune_codes=codes
            )
            header = next(rows)
            if n == 0:
                writer.writerow(header)
            writer.writerows(rows)
        return response

    @admin.display(description=_("province"), ordering="commune__province__code")
    def province(self, obj):
        return obj.commune.province.name

    @admin.display(description=_("computed level"), ordering="level")
    def level_name(self, obj):
        return level_label(obj.level, localized(obj, "level_name"))

    @admin.display(description=_("class scored with"))
    def class_name(self, obj):
        return class_label(obj.class_value, localized(obj, "class_name"))

    @admin.display(description=_("criteria met per level"))
    def criteria_met_table(self, obj):
        levels = _ResultNames(obj).levels
        rows = [
            (localized(levels.get(code)) or code, met, total)
            for code, (met, total) in obj.criteria_met_by_level.items()
        ]
        return render_to_string("admin/criteria/assessment/criteria_met.html", {"rows": rows})

    def _result(self, obj):
        if not hasattr(obj, "_result"):
            obj._result = selectors.result_for(obj)
        return obj._result

    @admin.display(description=_("scoring breakdown"))
    def breakdown(self, obj):
        names = _ResultNames(obj)
        rows = [
            names.row(i, criterion_status=c.status)
            for level in self._result(obj).levels
            for c in level.criteria
            for i in c.indicators
        ]
        return render_to_string("admin/criteria/assessment/result.html", {"rows": rows})

    @admin.display(description=_("gap to the next level"))
    def gap(self, obj):
        result = self._result(obj)
        if result.next_level is None:
            return _("every level is met")
        names = _ResultNames(obj)
        rows = [names.row(i) for i in result.gap]
        return render_to_string("admin/criteria/assessment/result.html", {"rows": rows})


EVIDENCE_FIELDS = [
    "assessment",
    "measure",
    "original_name",
    "content_type",
    "size",
    "uploaded_by",
    "uploaded_at",
]


@admin.register(Evidence)
class EvidenceAdmin(PortalScopedAdmin, FoldedSearch, ReadOnlyAdmin):
    """Read only: files are attached and removed on the officer pages, whose services check
    them; a download goes through the pages' view, which checks the province (the file's
    media URL is never served)."""

    province_field = "assessment__commune__province"

    list_display = [*EVIDENCE_FIELDS, "download"]
    list_filter = ["assessment__year", "assessment__commune__province"]
    list_select_related = ["assessment__commune", "measure", "uploaded_by"]
    search_fields = [
        "original_name",
        "assessment__commune__code",
        "assessment__commune__search_key",
        "measure__code",
    ]
    readonly_fields = [*EVIDENCE_FIELDS, "download"]
    fields = readonly_fields

    @admin.display(description=_("file"))
    def download(self, obj):
        commune, year = obj.assessment.commune, obj.assessment.year
        url = reverse("pages:evidence", args=[commune.structure, commune.code, year, obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("download"))


@admin.register(Recognition)
class RecognitionAdmin(PortalScopedAdmin, FoldedSearch, HistoryAdmin):
    province_field = ("commune__province", "district__province")
    list_display = [
        "decision_number",
        "decision_date",
        "commune",
        "district",
        "level",
        "title_year",
        "issuer",
        "revoked_date",
    ]
    list_filter = [
        "level",
        "title_year",
        "revoked_date",
        ("commune__province", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["commune", "district", "level__criteria_set"]  # the level names its set
    search_fields = ["decision_number", "commune__search_key", "district__search_key"]
    autocomplete_fields = ["commune", "district"]


@admin.register(Target)
class TargetAdmin(PortalScopedAdmin, FoldedSearch, HistoryAdmin):
    """Targets with the history of each: who set or changed it, when, old -> new."""

    province_field = "province"

    list_display = [
        "province",
        "district",
        "year",
        "level",
        "count",
        number_column("percent", _("percentage of communes")),
    ]
    list_filter = ["year", "level", "province"]
    list_select_related = ["province", "district", "level__criteria_set"]  # the level names its set
    search_fields = ["province__code", "province__search_key", "district__search_key"]
    autocomplete_fields = ["province", "district"]


class ClosureExceptionInline(admin.TabularInline):
    model = ClosureException
    extra = 0
    fields = ["commune", "reason", "opened_by", "opened_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(YearClosure)
class YearClosureAdmin(PortalScopedAdmin, FoldedSearch, ReadOnlyAdmin):
    province_field = "province"
    list_display = ["province", "year", "closed_by", "closed_at", "note"]
    list_filter = ["year", "province__structure"]
    list_select_related = ["province", "closed_by"]
    search_fields = ["province__code", "province__search_key"]
    fields = readonly_fields = ["province", "year", "closed_by", "closed_at", "note"]
    inlines = [ClosureExceptionInline]


@admin.register(ClosureException)
class ClosureExceptionAdmin(PortalScopedAdmin, FoldedSearch, ReadOnlyAdmin):
    province_field = "closure__province"
    list_display = ["closure", "commune", "reason", "opened_by", "opened_at"]
    list_filter = ["closure__year", "closure__province"]
    list_select_related = ["closure__province", "commune", "opened_by"]
    search_fields = ["commune__code", "commune__search_key"]
    fields = readonly_fields = ["closure", "commune", "reason", "opened_by", "opened_at"]
