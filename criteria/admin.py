from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.access import access_for
from accounts.admin import PortalScopedAdmin
from core.admin import HistoryAdmin, ReadOnlyMixin
from criteria import selectors
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
from criteria.services import RESULT_FIELDS, workflow
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
class CriteriaSetAdmin(PortalScopedAdmin, admin.ModelAdmin):
    list_display = ["code", "name_vi", "first_year", "last_year", "classification"]
    inlines = [LevelInline, MeasureInline]


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    show_change_link = True
    fk_name = "level"
    fields = ["order", "number", "name_vi", "name_en", "group", "requires_level"]


@admin.register(Level)
class LevelAdmin(PortalScopedAdmin, admin.ModelAdmin):
    """The level's rule kind and numbers are read here, not written: they decide results, and
    only the loader (a set's first edition) and editions record and rescore what they change."""

    list_display = ["criteria_set", "rank", "code", "name_vi", "pilot", "rule"]
    list_filter = ["criteria_set", "pilot"]
    list_select_related = ["criteria_set"]
    readonly_fields = ["rule", "share", "mandatory_indicators"]
    inlines = [CriterionInline]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    show_change_link = True
    fields = ["order", "code", "name_vi", "measure", "comparison", "verified"]
    autocomplete_fields = ["measure"]


@admin.register(Criterion)
class CriterionAdmin(PortalScopedAdmin, admin.ModelAdmin):
    list_display = ["number", "name_vi", "level", "group"]
    list_filter = ["level__criteria_set", "level", "group"]
    list_select_related = ["level__criteria_set"]
    search_fields = ["number", "name_vi", "name_en"]
    inlines = [IndicatorInline]


@admin.register(Measure)
class MeasureAdmin(PortalScopedAdmin, admin.ModelAdmin):
    list_display = ["code", "name_vi", "unit", "value_type", "source", "criteria_set"]
    list_filter = ["criteria_set", "value_type", "source"]
    list_select_related = ["criteria_set"]
    search_fields = ["code", "name_vi", "name_en"]


THRESHOLD_FIELDS = [
    "scope",
    "class_value",
    "province",
    "value",
    "relative_to",
    "factor",
    "first_year",
    "last_year",
    "verified",
    "demo",
]


class ThresholdInline(admin.TabularInline):
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
class IndicatorAdmin(PortalScopedAdmin, admin.ModelAdmin):
    list_display = ["code", "name_vi", "level", "measure", "comparison", "verified"]
    list_filter = [
        ConfiguredFilter,
        "verified",
        "criterion__level__criteria_set",
        "criterion__level",
    ]
    list_select_related = ["criterion__level__criteria_set", "measure"]
    search_fields = ["code", "name_vi", "name_en", "measure__code"]
    autocomplete_fields = ["measure"]
    inlines = [ThresholdInline]

    @admin.display(description=_("level"), ordering="criterion__level__rank")
    def level(self, obj):
        return obj.criterion.level.code


class ReadOnlyAdmin(ReadOnlyMixin, HistoryAdmin):
    """For rows written only by the services (evidence files, closed years): the admin shows
    them and their history, and changes nothing."""


@admin.register(CommuneClass)
class CommuneClassAdmin(PortalScopedAdmin, ReadOnlyAdmin):
    """Assigned by the national office in bulk (criteria.services.classes), which checks each
    row and rescores the open assessments concerned."""

    list_display = ["commune", "criteria_set", "year", "class_value", "reason"]
    list_filter = ["criteria_set", "year", "class_value"]
    list_select_related = ["commune", "criteria_set"]
    search_fields = ["commune__code", "commune__name", "reason"]


@admin.register(Threshold)
class ThresholdAdmin(PortalScopedAdmin, ReadOnlyAdmin):
    """Read and searched here with their history; changed only by publishing an edition."""

    list_display = ["indicator", *THRESHOLD_FIELDS]
    list_filter = [
        "verified",
        "demo",
        "scope",
        "indicator__criterion__level__criteria_set",
        "indicator__criterion__level",
    ]
    list_select_related = ["indicator", "province", "relative_to"]
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
class EditionAdmin(PortalScopedAdmin, ReadOnlyMixin, admin.ModelAdmin):
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
    exclude = ["rules"]
    inlines = [EditionChangeInline]


VALUE_FIELDS = [
    "measure",
    "number",
    "flag",
    "not_applicable",
    "note",
    "evidence_url",
    "updated_by",
    "updated_at",
]


class AssessmentValueInline(admin.TabularInline):
    model = AssessmentValue
    extra = 0
    fields = [*VALUE_FIELDS, "history"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # values are entered through the services, which rescore

    @admin.display(description=_("history"))
    def history(self, obj):
        url = reverse("admin:criteria_assessmentvalue_history", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("changes"))


@admin.register(AssessmentValue)
class AssessmentValueAdmin(PortalScopedAdmin, ReadOnlyAdmin):
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
class AssessmentAdmin(PortalScopedAdmin, HistoryAdmin):
    """Read here with its values, results and history, and never changed: its status moves
    only through the workflow (criteria.services.workflow, on the pages and the API), which
    checks who may take the step, records it and counts the version."""

    province_field = "commune__province"

    list_display = [
        "commune",
        "province",
        "year",
        "status",
        "level",
        "criteria_met",
        "complete",
        "uses_unverified",
        "version",
    ]
    list_filter = ["year", "status", "level", "commune__province__region", "commune__province"]
    list_select_related = ["commune__province"]
    search_fields = ["commune__code", "commune__search_key"]
    readonly_fields = [
        "commune",
        "year",
        "criteria_set",
        "status",
        "version",
        *(name.removesuffix("_id") for name in RESULT_FIELDS),
        "created_by",
        "created_at",
        "updated_by",
        "updated_at",
        "breakdown",
        "gap",
    ]
    fields = readonly_fields
    inlines = [AssessmentValueInline]
    actions = ["approve_selected", "return_selected", "rescore_selected"]
    move_template = "admin/criteria/assessment/move_selected.html"

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
        selected = list(queryset.select_related("commune").order_by("pk"))
        if not selected:
            return self._nothing_selected(request)
        if any(not access.can_edit(a.commune.province_id) for a in selected):
            self.message_user(request, gettext("Nothing was rescored."), messages.ERROR)
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

    @admin.display(description=_("province"), ordering="commune__province__code")
    def province(self, obj):
        return obj.commune.province.name

    def _result(self, obj):
        if not hasattr(obj, "_result"):
            obj._result = selectors.result_for(obj)
        return obj._result

    @admin.display(description=_("scoring breakdown"))
    def breakdown(self, obj):
        rows = (
            (level.code, c.code, c.status, i.code, i.outcome, _fmt(i.value), _threshold(i))
            for level in self._result(obj).levels
            for c in level.criteria
            for i in c.indicators
        )
        return _table(rows)

    @admin.display(description=_("gap to the next level"))
    def gap(self, obj):
        result = self._result(obj)
        if result.next_level is None:
            return _("every level is met")
        rows = (
            (result.next_level, i.criterion, "", i.code, i.outcome, _fmt(i.value), _threshold(i))
            for i in result.gap
        )
        return _table(rows)


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
class EvidenceAdmin(PortalScopedAdmin, ReadOnlyAdmin):
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


def _fmt(value) -> str:
    return "—" if value is None else str(value)


def _threshold(indicator_result) -> str:
    t = indicator_result.threshold
    if indicator_result.comparison == "true":
        return _("yes")
    if t is None:
        return _("not configured")
    mark = "" if t.verified else " ⚠ " + str(_("unverified"))
    return f"{indicator_result.comparison} {t.value} ({t.scope} {t.scope_value}){mark}".strip()


def _table(rows) -> str:
    head = format_html(
        "<tr><th>{}</th><th>{}</th><th></th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        _("level"),
        _("criterion"),
        _("indicator"),
        _("result"),
        _("value"),
        _("threshold"),
    )
    body = format_html_join("", "<tr>" + "<td>{}</td>" * 7 + "</tr>", rows)
    return format_html("<table>{}{}</table>", head, body)


@admin.register(Recognition)
class RecognitionAdmin(PortalScopedAdmin, HistoryAdmin):
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
    list_filter = ["level", "title_year", "revoked_date"]
    list_select_related = ["commune", "district", "level__criteria_set"]  # the level names its set
    search_fields = ["decision_number", "commune__search_key", "district__search_key"]
    autocomplete_fields = ["commune", "district"]


@admin.register(Target)
class TargetAdmin(PortalScopedAdmin, HistoryAdmin):
    """Targets with the history of each: who set or changed it, when, old -> new."""

    province_field = "province"

    list_display = ["province", "district", "year", "level", "count", "percent"]
    list_filter = ["year", "level", "province"]
    list_select_related = ["province", "district", "level__criteria_set"]  # the level names its set
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
class YearClosureAdmin(PortalScopedAdmin, ReadOnlyAdmin):
    province_field = "province"
    list_display = ["province", "year", "closed_by", "closed_at", "note"]
    list_filter = ["year", "province__structure"]
    list_select_related = ["province", "closed_by"]
    search_fields = ["province__code", "province__search_key"]
    fields = readonly_fields = ["province", "year", "closed_by", "closed_at", "note"]
    inlines = [ClosureExceptionInline]


@admin.register(ClosureException)
class ClosureExceptionAdmin(PortalScopedAdmin, ReadOnlyAdmin):
    province_field = "closure__province"
    list_display = ["closure", "commune", "reason", "opened_by", "opened_at"]
    list_filter = ["closure__year", "closure__province"]
    list_select_related = ["closure__province", "commune", "opened_by"]
    search_fields = ["commune__code", "commune__search_key"]
    fields = readonly_fields = ["closure", "commune", "reason", "opened_by", "opened_at"]
