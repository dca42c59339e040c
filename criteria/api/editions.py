"""Editions and thresholds in the API: how the national office governs a criteria set's rules,
and how a province's approvers set the numbers the law leaves to their province.

Everyone who may read a set reads its thresholds and its published editions; drafts (and
discarded drafts) are the national office's own. A threshold changes only through an edition
(criteria.services.editions does every check and every write): the national office adds
changes to a draft, checks and previews it, then publishes it with its legal source; a
province's approvers publish their own numbers at once, each write an edition of its own.

Every refusal of a batch has the one error shape, its ``errors`` keyed by "row N": the list
item's position counted from 1, or the file's row as a spreadsheet program numbers it.
"""

import re
from decimal import Decimal, InvalidOperation

import django_filters
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Prefetch, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from accounts.access import access_for
from accounts.models import Role
from communes.filters import code_filter
from communes.models import Province, structure_for_year
from core.api import ErrorSerializer, require
from core.filters import year_filter
from core.tables import MAX_ROWS, read_table
from core.text import MAX_TEXT
from criteria.api.classes import _criteria_set
from criteria.models import (
    CriteriaSet,
    Criterion,
    Edition,
    EditionChange,
    Indicator,
    Measure,
    Threshold,
)
from criteria.services import editions
from criteria.services.editions import THRESHOLD_KEYS, ChangeEntry, threshold_data

Kind = EditionChange.Kind
ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}

NATIONAL_ONLY = gettext_lazy("Only the national office drafts, checks and publishes editions.")
REJUDGE_NATIONAL_ONLY = gettext_lazy("Only the national office re-judges approved results.")
THRESHOLD_WRITERS = gettext_lazy(
    "Only the national office writes thresholds, through editions; a province's approvers "
    "write the numbers the law leaves to their province."
)
SET_NATIONALLY = gettext_lazy(
    "The law sets this number nationally: only the national office changes it, through an edition."
)
OTHER_PROVINCE = gettext_lazy(
    "This number is another province's: only that province's approvers set it."
)

# --- filters ----------------------------------------------------------------------------------


class EditionFilterSet(django_filters.FilterSet):
    criteria_set = django_filters.CharFilter(
        field_name="criteria_set__code", label=gettext_lazy("Criteria set code")
    )
    status = django_filters.ChoiceFilter(choices=Edition.Status.choices)


SET_PATH = "indicator__criterion__level__criteria_set__"


class ThresholdFilterSet(django_filters.FilterSet):
    criteria_set = django_filters.CharFilter(
        field_name=f"{SET_PATH}code", label=gettext_lazy("Criteria set code")
    )
    level = django_filters.CharFilter(
        field_name="indicator__criterion__level__code", label=gettext_lazy("Level code")
    )
    indicator = django_filters.CharFilter(
        field_name="indicator__code", label=gettext_lazy("Indicator code, e.g. 1.1")
    )
    scope = django_filters.ChoiceFilter(choices=Threshold.Scope.choices)
    class_value = django_filters.CharFilter(label=gettext_lazy("Region code or commune group"))
    province = code_filter("province__code", 2, gettext_lazy("Province code"))
    year = year_filter(
        method="filter_year",
        label=gettext_lazy("In force in this year (open years: the set's period)"),
    )

    def filter_year(self, queryset, name, value):
        year = int(value)
        starts = Q(first_year__lte=year) | Q(
            first_year__isnull=True, **{f"{SET_PATH}first_year__lte": year}
        )
        ends = Q(last_year__gte=year) | Q(
            last_year__isnull=True, **{f"{SET_PATH}last_year__gte": year}
        )
        return queryset.filter(starts, ends)


# --- shapes: editions -------------------------------------------------------------------------


class EditionChangeSerializer(serializers.ModelSerializer):
    threshold = serializers.IntegerField(
        source="threshold_id",
        allow_null=True,
        help_text="The threshold a change or removal concerns (null for an addition).",
    )
    data = serializers.DictField(help_text="The new row as typed, normalised (codes, not ids).")
    before = serializers.DictField(help_text="The row it replaces, as it then stood ({} if none).")
    by = serializers.CharField(source="created_by.username", allow_null=True, default=None)
    at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = EditionChange
        fields = ["id", "kind", "threshold", "data", "before", "reason", "by", "at"]


class EditionSerializer(serializers.ModelSerializer):
    criteria_set = serializers.CharField(source="criteria_set.code")
    years = serializers.SerializerMethodField(help_text="The years the edition applies to.")
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)
    published_by = serializers.CharField(
        source="published_by.username", allow_null=True, default=None
    )

    class Meta:
        model = Edition
        fields = [
            "id",
            "criteria_set",
            "number",
            "status",
            "title",
            "first_year",
            "last_year",
            "years",
            "reason",
            "decision_number",
            "decision_date",
            "legal_source",
            "created_by",
            "created_at",
            "published_by",
            "published_at",
            "rescored",
        ]
        extra_kwargs = {
            "number": {"help_text": "Given at publication, in order (null for a draft)."},
            "rescored": {"help_text": "Open assessments rescored when it was published."},
        }

    def get_years(self, obj) -> list[int]:
        return list(range(obj.first_year, obj.last_year + 1))


class EditionDetailSerializer(EditionSerializer):
    changes = EditionChangeSerializer(many=True, help_text="In the order they were added.")

    class Meta(EditionSerializer.Meta):
        fields = [*EditionSerializer.Meta.fields, "changes"]


class EditionCreateSerializer(serializers.Serializer):
    criteria_set = serializers.CharField(max_length=30, help_text="Code of the criteria set.")
    title = serializers.CharField(max_length=300, help_text="What the edition changes.")
    first_year = serializers.IntegerField(min_value=2000, max_value=2100)
    last_year = serializers.IntegerField(min_value=2000, max_value=2100)
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_TEXT
    )


class ChangeItemSerializer(serializers.Serializer):
    """One change (documentation only: each item is checked by the service, at its row)."""

    kind = serializers.ChoiceField(choices=Kind.choices)
    threshold_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="For change_threshold and remove_threshold: the threshold's id.",
    )
    data = serializers.DictField(
        required=False,
        help_text="The row's columns: for thresholds "
        + ", ".join(THRESHOLD_KEYS)
        + " (a change sends only what changes); for measures, criteria and indicators "
        "their codes and names.",
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)


@extend_schema_field(ChangeItemSerializer(many=True))
class ChangesField(serializers.Field):
    """A list of objects, passed on as they are: a bad item is refused with its row."""

    def to_internal_value(self, data):
        if not isinstance(data, list) or not data:
            raise serializers.ValidationError(_("Send a non-empty list of changes."))
        if len(data) > MAX_ROWS:
            message = _("Send at most %(max)d changes at once.")
            raise serializers.ValidationError(message % {"max": MAX_ROWS})
        if not all(isinstance(item, dict) for item in data):
            raise serializers.ValidationError(_("Each change must be an object."))
        return data

    def to_representation(self, value):
        return value


class ChangesSerializer(serializers.Serializer):
    changes = ChangesField()


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=".csv (UTF-8) or .xlsx: one threshold a row, with the columns "
        + ", ".join(THRESHOLD_KEYS)
        + ", and optionally action (add, change, remove), threshold_id and reason."
    )


class CheckSerializer(serializers.Serializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text='By "row N": the edition\'s Nth change, in the order they were added. '
        "Empty: the draft may be published.",
    )


class LevelChangeSerializer(serializers.Serializer):
    assessment = serializers.IntegerField(source="assessment_id")
    commune_code = serializers.CharField()
    commune_name = serializers.CharField()
    province_code = serializers.CharField()
    province_name = serializers.CharField()
    year = serializers.IntegerField()
    status = serializers.CharField()
    old = serializers.CharField(help_text="The stored level.")
    new = serializers.CharField(help_text="The level under the draft's rules.")


class ProvinceCountSerializer(serializers.Serializer):
    province_code = serializers.CharField()
    province_name = serializers.CharField()
    changes = serializers.IntegerField(help_text="Open assessments whose level would change.")

    def to_representation(self, instance):
        code, name, count = instance
        return {"province_code": code, "province_name": name, "changes": count}


class PreviewSerializer(serializers.Serializer):
    checked = serializers.IntegerField(help_text="Assessments of the edition's years scored.")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    by_province = ProvinceCountSerializer(many=True)
    changes = LevelChangeSerializer(
        many=True, help_text="Open assessments: rescored when the edition is published."
    )
    if_rejudged = LevelChangeSerializer(
        many=True,
        help_text="Approved assessments: they keep their result unless re-judged.",
    )


class PublishSerializer(serializers.Serializer):
    decision_number = serializers.CharField(
        max_length=60, allow_blank=True, help_text="The decision that makes this law."
    )
    decision_date = serializers.DateField(help_text="ISO date, not in the future.")
    legal_source = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_TEXT
    )


class RejudgeSerializer(serializers.Serializer):
    criteria_set = serializers.CharField(max_length=30, help_text="Code of the criteria set.")
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    province = serializers.RegexField(
        r"^[0-9]{2}$", required=False, allow_null=True, help_text="Only this province's results."
    )
    reason = serializers.CharField(
        allow_blank=True, max_length=MAX_TEXT, help_text="Why: kept in each history."
    )


class RejudgedSerializer(serializers.Serializer):
    assessment = serializers.IntegerField(source="assessment_id")
    commune_code = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()


# --- shapes: thresholds -----------------------------------------------------------------------


class ThresholdRowSerializer(serializers.Serializer):
    """A threshold as the office reads and types it (services.editions.threshold_data): codes,
    not ids; numbers as text, exactly as stored. What a write sends back has this shape."""

    id = serializers.IntegerField()
    criteria_set = serializers.CharField()
    level = serializers.CharField()
    indicator = serializers.CharField()
    scope = serializers.ChoiceField(choices=Threshold.Scope.choices)
    class_value = serializers.CharField(help_text="Region or commune group (class scope).")
    province = serializers.CharField(help_text="Province code (province scope).")
    first_year = serializers.IntegerField(allow_null=True, help_text="Null: the set's first.")
    last_year = serializers.IntegerField(allow_null=True, help_text="Null: the set's last.")
    value = serializers.CharField(help_text="The number, as text; empty for a relative one.")
    relative_level = serializers.CharField()
    relative_indicator = serializers.CharField()
    factor = serializers.CharField(help_text="x the other indicator's threshold, as text.")
    source = serializers.CharField()
    verified = serializers.BooleanField()
    demo = serializers.BooleanField(help_text="Set by the demo data, not by law.")
    history = serializers.URLField(
        allow_null=True,
        help_text="The page with the row's history (who changed which number, when, under "
        "which edition), for users who may open the admin; null for others.",
    )

    def to_representation(self, instance):
        history = None
        if self.context.get("history"):
            url = reverse("admin:criteria_threshold_history", args=[instance.pk])
            history = self.context["request"].build_absolute_uri(url)
        return {
            "id": instance.pk,
            "criteria_set": instance.indicator.criterion.level.criteria_set.code,
            **threshold_data(instance),
            "demo": instance.demo,
            "history": history,
        }


class ThresholdInputSerializer(serializers.Serializer):
    """A threshold write. The national office names its draft ``edition``; a province's
    approver names the ``criteria_set`` and the province's decision instead."""

    edition = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="National office: the draft."
    )
    criteria_set = serializers.CharField(
        required=False, max_length=30, help_text="Province approvers (POST): the set's code."
    )
    level = serializers.CharField(required=False, allow_blank=True)
    indicator = serializers.CharField(required=False, allow_blank=True)
    scope = serializers.CharField(required=False, allow_blank=True, help_text="See ThresholdRow.")
    class_value = serializers.CharField(required=False, allow_blank=True)
    province = serializers.CharField(required=False, allow_blank=True)
    first_year = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=9999
    )
    last_year = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=9999
    )
    value = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    relative_level = serializers.CharField(required=False, allow_blank=True)
    relative_indicator = serializers.CharField(required=False, allow_blank=True)
    factor = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    source = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    verified = serializers.BooleanField(required=False)
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_TEXT
    )
    decision_number = serializers.CharField(
        required=False, allow_blank=True, max_length=60, help_text="Province approvers."
    )
    decision_date = serializers.DateField(
        required=False, allow_null=True, help_text="Province approvers: the decision's date."
    )

    def validate_factor(self, value):
        problem = _factor_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value


class ThresholdRemoveSerializer(serializers.Serializer):
    """DELETE's query parameters: as for a write, the national office's draft or a province
    approver's decision."""

    edition = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="National office: the draft."
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_TEXT
    )
    decision_number = serializers.CharField(required=False, allow_blank=True, max_length=60)
    decision_date = serializers.DateField(required=False, allow_null=True)


# --- checking the shape of changes before the service reads them ------------------------------

WHOLE_NUMBER_KEYS = ("first_year", "last_year", "order")
WHOLE_NUMBER = re.compile(r"^\s*[0-9]{1,4}\s*$")
ITEM_KEYS = {"kind", "threshold_id", "data", "reason"}
STRUCTURE_MODELS = {
    Kind.ADD_MEASURE: Measure,
    Kind.ADD_CRITERION: Criterion,
    Kind.ADD_INDICATOR: Indicator,
}
TARGETED = (Kind.CHANGE_THRESHOLD, Kind.REMOVE_THRESHOLD)


def _text(value) -> str:
    return "" if value is None else str(value)


def _factor_problem(value) -> str:
    """The factor column holds 2 digits before the point and 4 after: a larger number is
    refused here (a text that is no number at all is the service's to name)."""
    try:
        number = Decimal(_text(value).strip().replace(",", "."))
    except InvalidOperation:
        return ""
    if number.is_finite() and (number.adjusted() >= 2 or number.as_tuple().exponent < -4):
        return _("Use at most 2 digits before and 4 after the decimal point.")
    return ""


def _value_problem(kind: str, key: str, value) -> str:
    if value is not None and not isinstance(value, (str, int, float, bool)):
        return _("give a single value, not a list or an object.")
    if isinstance(value, str) and "\x00" in value:
        return _("the text contains a null character.")
    if key in WHOLE_NUMBER_KEYS and value not in (None, ""):
        whole = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 9999
        if not (whole or (isinstance(value, str) and WHOLE_NUMBER.match(value))):
            return _("give a whole number such as 2024.")
    if key == "factor":
        return _factor_problem(value)
    return _too_long(kind, key, _text(value))


def _too_long(kind: str, key: str, text: str) -> str:
    """New measures, criteria and indicators keep their codes and names in columns of a
    fixed length: a longer text is refused with the column's limit."""
    model = STRUCTURE_MODELS.get(kind)
    field = next((f for f in model._meta.fields if f.name == key), None) if model else None
    limit = getattr(field, "max_length", None)
    if limit and len(text) > limit:
        return _("at most %(n)d characters.") % {"n": limit}
    return ""


def _data_problems(kind: str, data: dict) -> list[str]:
    problems = []
    if kind in editions.THRESHOLD_KINDS:
        unknown = sorted(set(data) - set(THRESHOLD_KEYS))
        if unknown:
            message = _("Unknown columns: %(keys)s (a threshold has: %(known)s).")
            keys, known = ", ".join(unknown), ", ".join(THRESHOLD_KEYS)
            problems.append(message % {"keys": keys, "known": known})
    for key, value in data.items():
        problem = _value_problem(kind, key, value)
        if problem:
            problems.append(f"{key}: {problem}")
    return problems


def _item_problems(item: dict) -> list[str]:
    problems = []
    unknown = sorted(set(item) - ITEM_KEYS)
    if unknown:
        problems.append(_("Unknown keys: %(keys)s.") % {"keys": ", ".join(unknown)})
    kind, data, threshold_id = item.get("kind"), _data(item), item.get("threshold_id")
    if kind not in Kind.values:
        problems.append(_("Unknown kind of change “%(kind)s”.") % {"kind": _text(kind)})
    targeted = kind in TARGETED
    if targeted and not (isinstance(threshold_id, int) and not isinstance(threshold_id, bool)):
        problems.append(_("threshold_id: a change or removal names the threshold's id."))
    if not targeted and threshold_id is not None:
        problems.append(_("threshold_id: only a change or a removal names a threshold."))
    if not isinstance(data, dict):
        problems.append(_("data: send the row's columns as an object."))
    elif kind in Kind.values:
        problems += _data_problems(kind, data)
    if not isinstance(item.get("reason") or "", str):
        problems.append(_("reason: give a text."))
    return problems


def _data(item: dict):
    data = item.get("data")
    return {} if data is None else data


def _entries(items: list[dict]) -> list[ChangeEntry]:
    """The items as the service reads them, each numbered from 1 as the client counts; a
    malformed item is refused at its row, and then nothing is checked or written."""
    entries, errors = [], {}
    for row, item in enumerate(items, start=1):
        problems = _item_problems(item)
        if problems:
            errors[editions.row_label(row)] = problems
            continue
        entries.append(
            ChangeEntry(
                row,
                item["kind"],
                _data(item),
                item.get("threshold_id"),
                item.get("reason") or "",
            )
        )
    if errors:
        raise ValidationError(errors)
    return entries


def _check_file(upload) -> None:
    """The file's cells, shaped as a list item's are, before the service reads the file: an
    error names the file's row. (The service reads the file again from its start.)"""
    try:
        rows = read_table(upload, editions.FILE_REQUIRED)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    finally:
        upload.seek(0)
    errors = {}
    for row in rows:
        data = {key: row.get(key) for key in THRESHOLD_KEYS if key in row.cells}
        problems = _data_problems(Kind.ADD_THRESHOLD, data)
        if problems:
            errors[editions.row_label(row.number)] = problems
    if errors:
        raise ValidationError(errors)


# --- editions ---------------------------------------------------------------------------------

WRITES = (
    "National office only (403 for others; 401 without a login). Every refusal writes "
    "nothing and has the one error shape."
)
CHANGES_EXAMPLE = OpenApiExample(
    "End the national income row in 2023 and add its successor",
    request_only=True,
    value={
        "changes": [
            {
                "kind": "change_threshold",
                "threshold_id": 12,
                "data": {"last_year": 2023},
                "reason": "Quyết định 211/QĐ-TTg",
            },
            {
                "kind": "add_threshold",
                "data": {
                    "level": "standard",
                    "indicator": "10.1",
                    "scope": "national",
                    "value": "60",
                    "first_year": 2024,
                    "last_year": 2025,
                    "source": "Quyết định 211/QĐ-TTg",
                    "verified": True,
                },
                "reason": "Quyết định 211/QĐ-TTg",
            },
        ]
    },
)
CHANGE_ID = OpenApiParameter("change_id", OpenApiTypes.INT, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(
        summary="Editions of the criteria sets",
        description="Published editions for everyone, newest first; drafts and discarded "
        "drafts only for the national office.",
        responses={200: EditionSerializer(many=True), 400: ErrorSerializer},
    ),
    retrieve=extend_schema(
        summary="One edition, with its changes (old -> new)",
        responses={200: EditionDetailSerializer, 404: ErrorSerializer},
    ),
    create=extend_schema(
        summary="Draft an edition",
        description=WRITES + " One draft per set at a time; its years lie within the set's "
        "period. Changes are added to it, then it is checked, previewed and published.",
        request=EditionCreateSerializer,
        responses={201: EditionDetailSerializer, **ERRORS},
    ),
    changes=extend_schema(
        summary="Add changes to a draft",
        description=WRITES + " Every change is checked with all the draft's changes (a cycle "
        "of relative thresholds may take two rows; two rows at one scope must not overlap; "
        'a change must stay inside the edition\'s years): any error gets 400 keyed "row N" '
        "(the item's position from 1), and nothing is added.",
        request=ChangesSerializer,
        responses={201: EditionChangeSerializer(many=True), **ERRORS},
        examples=[CHANGES_EXAMPLE],
    ),
    remove_change=extend_schema(
        summary="Remove a change from a draft",
        description=WRITES,
        parameters=[CHANGE_ID],
        request=None,
        responses={204: None, **ERRORS},
    ),
    import_=extend_schema(
        summary="Add a spreadsheet's thresholds to a draft",
        description=WRITES + ' Errors are keyed "row N", the file\'s row as a spreadsheet '
        "program numbers it (the header is row 1); any error adds nothing.",
        request={"multipart/form-data": ImportSerializer},
        responses={201: EditionChangeSerializer(many=True), **ERRORS},
    ),
    check=extend_schema(
        summary="Check a draft as it stands",
        description="National office (drafts are theirs alone). Checked against the rules as "
        "they stand now, after any edition published since the changes were added.",
        responses={200: CheckSerializer, **ERRORS},
    ),
    preview=extend_schema(
        summary="What publishing a draft would do to the communes' levels",
        description="Every assessment of the edition's years scored under the draft's rules, "
        "without writing: open ones whose level would change (rescored at publication), "
        "counted by province, and approved ones that would change if re-judged.",
        responses={200: PreviewSerializer, **ERRORS},
    ),
    publish=extend_schema(
        summary="Publish a draft",
        description=WRITES + " Applies the changes (each threshold's history names the user "
        "and the edition), numbers the edition, keeps its rules, and rescores the open "
        "assessments of its years, in one transaction. Approved assessments keep their "
        "result and edition until re-judged.",
        request=PublishSerializer,
        responses={200: EditionDetailSerializer, **ERRORS},
    ),
    discard=extend_schema(
        summary="Discard a draft",
        description=WRITES,
        request=None,
        responses={200: EditionDetailSerializer, **ERRORS},
    ),
    rejudge=extend_schema(
        summary="Re-judge approved results under the edition in force",
        description="National office only. The approved assessments of the year (of one "
        "province, if given) approved under an older edition are scored again under the "
        "edition in force; the reason goes into each one's history and workflow.",
        request=RejudgeSerializer,
        responses={200: RejudgedSerializer(many=True), **ERRORS},
    ),
)
class EditionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    filterset_class = EditionFilterSet
    serializer_class = EditionSerializer
    # Writes need a login first (401), as everywhere in the API; then the national role (403).
    permission_classes = [IsAuthenticatedOrReadOnly]

    def get_queryset(self):
        found = Edition.objects.select_related("criteria_set", "created_by", "published_by")
        if not access_for(self.request.user).is_national:
            found = found.published()
        if self.action == "retrieve":
            changes = EditionChange.objects.select_related("created_by").order_by("pk")
            found = found.prefetch_related(Prefetch("changes", queryset=changes))
        order = ("criteria_set__first_year", "criteria_set__code")
        return found.order_by(*order, F("number").desc(nulls_first=True), "-pk")

    def retrieve(self, request, *args, **kwargs):
        return Response(EditionDetailSerializer(self.get_object()).data)

    def create(self, request, *args, **kwargs):
        self._check_national()
        data = self._valid(EditionCreateSerializer)
        edition = editions.draft_edition(
            criteria_set=_criteria_set(data["criteria_set"]),
            title=data["title"],
            first_year=data["first_year"],
            last_year=data["last_year"],
            reason=data["reason"],
            user=request.user,
        )
        return self._edition(edition, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def changes(self, request, pk=None):
        self._check_national()
        edition = self.get_object()
        entries = _entries(self._valid(ChangesSerializer)["changes"])
        created = editions.add_changes(edition=edition, entries=entries, user=request.user)
        return Response(EditionChangeSerializer(created, many=True).data, status.HTTP_201_CREATED)

    @action(
        detail=True,
        methods=["delete"],
        url_path=r"changes/(?P<change_id>[0-9]+)",
        url_name="change",
    )
    def remove_change(self, request, pk=None, change_id=None):
        self._check_national()
        change = _found(self.get_object().changes.filter(pk=change_id).first())
        # The service locks the draft's row, which PostgreSQL allows only in a transaction.
        with transaction.atomic():
            editions.remove_change(change=change)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(
        detail=True,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_(self, request, pk=None):
        self._check_national()
        edition = self.get_object()
        upload = self._valid(ImportSerializer)["file"]
        _check_file(upload)
        created = editions.import_thresholds(edition=edition, upload=upload, user=request.user)
        return Response(EditionChangeSerializer(created, many=True).data, status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def check(self, request, pk=None):
        return Response({"errors": editions.check_edition(self._draft())})

    @action(detail=True, methods=["get"])
    def preview(self, request, pk=None):
        return Response(PreviewSerializer(editions.preview_edition(self._draft())).data)

    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        self._check_national()
        edition = self.get_object()
        data = self._valid(PublishSerializer)
        editions.publish_edition(edition=edition, **data, user=request.user)
        return self._edition(edition)

    @action(detail=True, methods=["post"])
    def discard(self, request, pk=None):
        self._check_national()
        edition = self.get_object()
        editions.discard_edition(edition=edition, user=request.user)
        return self._edition(edition)

    @action(detail=False, methods=["post"])
    def rejudge(self, request):
        self._check_national(REJUDGE_NATIONAL_ONLY)
        data = self._valid(RejudgeSerializer)
        done = editions.rejudge(
            criteria_set=_criteria_set(data["criteria_set"]),
            year=data["year"],
            province_code=data.get("province"),
            reason=data["reason"],
            user=request.user,
        )
        return Response(RejudgedSerializer(done, many=True).data)

    def _draft(self) -> Edition:
        """The edition, if it is still a draft: a published one's changes are its record."""
        edition = self.get_object()
        if edition.status != Edition.Status.DRAFT:
            message = _("This edition is no longer a draft: it was %(status)s.")
            status_name = edition.get_status_display().lower()
            raise ValidationError({"edition": [message % {"status": status_name}]})
        return edition

    def _edition(self, edition: Edition, code=status.HTTP_200_OK) -> Response:
        fresh = _fresh_edition(edition)
        return Response(EditionDetailSerializer(fresh).data, code)

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _check_national(self, message=NATIONAL_ONLY) -> None:
        access = access_for(self.request.user)
        require(access.is_national, authenticated=access.authenticated, message=str(message))


def _fresh_edition(edition: Edition) -> Edition:
    changes = EditionChange.objects.select_related("created_by").order_by("pk")
    found = Edition.objects.select_related("criteria_set", "created_by", "published_by")
    return found.prefetch_related(Prefetch("changes", queryset=changes)).get(pk=edition.pk)


def _found(obj):
    if obj is None:
        raise NotFound(_("No such change in this edition."))
    return obj


# --- thresholds -------------------------------------------------------------------------------

PRECEDENCE = (
    "Which threshold judges a commune: among an indicator's thresholds in force that year "
    "(open years count as the set's first or last), the most specific scope wins: province > "
    "region or commune group (`class`, the commune's class that year) > national. Within one "
    "scope the latest `first_year` wins (an open start counts as earliest); rows of one scope "
    "whose years overlap are refused when written, so that no tie is left to declaration "
    "order. A relative threshold is `factor` x the other indicator's threshold, resolved the "
    "same way (a cycle is refused)."
)
THRESHOLD_WRITES = (
    "Writes go through editions: the threshold itself changes only when the edition is "
    "published. The national office names its draft `edition` and gets 202 with the drafted "
    "change (checked with all the draft's changes; errors keyed \"row 1\"). A province's "
    "approver may write a province-scope threshold of their own province on an indicator "
    "whose number the law leaves to the province (`set_by_province`), giving the province's "
    "`decision_number` and `decision_date`: it is published at once as an edition of its "
    "own, the open assessments of its years rescored, and the answer is 201 with that "
    "edition. Anyone else gets 403 saying why (the law sets the number nationally; another "
    "province's number); no login, 401."
)
PROVINCE_EXAMPLE = OpenApiExample(
    "Bình Dương's own number, by its decision",
    request_only=True,
    value={
        "criteria_set": "NTM-2021-2025",
        "level": "advanced",
        "indicator": "5.2",
        "scope": "province",
        "province": "74",
        "value": "95",
        "first_year": 2024,
        "last_year": 2025,
        "source": "Quyết định 12/2024/QĐ-UBND tỉnh Bình Dương",
        "decision_number": "12/2024/QĐ-UBND",
        "decision_date": "2024-04-02",
    },
)


def _write_schema(summary: str, ok: int):
    return extend_schema(
        summary=summary,
        description=THRESHOLD_WRITES,
        request=ThresholdInputSerializer,
        responses={ok: EditionDetailSerializer, 202: EditionChangeSerializer, **ERRORS},
        examples=[PROVINCE_EXAMPLE],
    )


@extend_schema_view(
    list=extend_schema(
        summary="Thresholds of the criteria sets",
        description=PRECEDENCE + " " + THRESHOLD_WRITES,
        responses={200: ThresholdRowSerializer(many=True), 400: ErrorSerializer},
    ),
    retrieve=extend_schema(
        summary="One threshold",
        description=PRECEDENCE,
        responses={200: ThresholdRowSerializer, 404: ErrorSerializer},
    ),
    create=_write_schema("Add a threshold (through an edition)", 201),
    partial_update=_write_schema("Change a threshold (through an edition)", 201),
    destroy=extend_schema(
        summary="Remove a threshold (through an edition)",
        description=THRESHOLD_WRITES + " The draft or the decision come as query parameters.",
        parameters=[ThresholdRemoveSerializer],
        request=None,
        responses={201: EditionDetailSerializer, 202: EditionChangeSerializer, **ERRORS},
    ),
)
class ThresholdViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Thresholds are public rules of judgement, like the criteria sets: everyone reads them."""

    filterset_class = ThresholdFilterSet
    serializer_class = ThresholdRowSerializer
    permission_classes = [IsAuthenticatedOrReadOnly]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        rows = Threshold.objects.select_related(
            "indicator__criterion__level__criteria_set", "province", "relative_to__criterion__level"
        )
        return rows.order_by(
            f"{SET_PATH}first_year",
            f"{SET_PATH}code",
            "indicator__criterion__level__rank",
            "indicator__criterion__order",
            "indicator__order",
            "scope",
            "class_value",
            "province__code",
            "first_year",
            "pk",
        )

    def get_serializer_context(self):
        user = self.request.user
        may_open = user.is_staff and user.has_perm("criteria.view_threshold")
        return {**super().get_serializer_context(), "history": may_open}

    def create(self, request, *args, **kwargs):
        return self._write(Kind.ADD_THRESHOLD, None, self._valid(ThresholdInputSerializer))

    def partial_update(self, request, *args, **kwargs):
        threshold = self.get_object()
        return self._write(Kind.CHANGE_THRESHOLD, threshold, self._valid(ThresholdInputSerializer))

    def destroy(self, request, *args, **kwargs):
        threshold = self.get_object()
        data = self._valid(ThresholdRemoveSerializer, request.query_params)
        return self._write(Kind.REMOVE_THRESHOLD, threshold, data)

    def _write(self, kind: str, threshold: Threshold | None, data: dict) -> Response:
        fields = {key: data[key] for key in THRESHOLD_KEYS if key in data}
        target = threshold.pk if threshold else None
        entry = ChangeEntry(1, kind, fields, target, data.get("reason", ""))
        access = access_for(self.request.user)
        if access.is_national:
            return self._drafted(entry, data.get("edition"))
        return self._province_number(access, entry, threshold, data)

    def _drafted(self, entry: ChangeEntry, edition_id: int | None) -> Response:
        if edition_id is None:
            message = _("Name the draft edition this change joins (the edition's id).")
            raise ValidationError({"edition": [message]})
        edition = Edition.objects.filter(pk=edition_id).first()
        if edition is None:
            raise ValidationError({"edition": [_("No edition %(id)d.") % {"id": edition_id}]})
        change = editions.add_changes(edition=edition, entries=[entry], user=self.request.user)
        return Response(EditionChangeSerializer(change[0]).data, status.HTTP_202_ACCEPTED)

    def _province_number(self, access, entry, threshold, data) -> Response:
        """A province approver's own number, published at once as an edition of its own."""
        require(access.role == Role.APPROVER, authenticated=True, message=str(THRESHOLD_WRITERS))
        if threshold is None:
            criteria_set = _criteria_set(data.get("criteria_set") or "")
            rows = [entry.data]
        else:
            criteria_set = threshold.indicator.criterion.level.criteria_set
            before = threshold_data(threshold)
            rows = [before, {**before, **entry.data}]
        province = None
        for row in rows:
            province = _check_province_row(access, criteria_set, row)
        first, last = _years(rows[-1], criteria_set)
        title = _("%(province)s's own number: %(level)s %(indicator)s") % {
            "province": province.name,
            "level": _text(rows[-1].get("level")),
            "indicator": _text(rows[-1].get("indicator")),
        }
        edition = editions.publish_now(
            criteria_set=criteria_set,
            title=title[:300],
            first_year=first,
            last_year=last,
            entries=[entry],
            decision_number=data.get("decision_number") or "",
            decision_date=data.get("decision_date"),
            user=self.request.user,
            reason=entry.reason,
        )
        fresh = _fresh_edition(edition)
        return Response(EditionDetailSerializer(fresh).data, status.HTTP_201_CREATED)

    def _valid(self, serializer_class, data=None) -> dict:
        serializer = serializer_class(data=self.request.data if data is None else data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def _check_province_row(access, criteria_set: CriteriaSet, row: dict) -> Province:
    """Refuse (403) a province approver's write of a row that is not their province's own
    number: a province-scope threshold of their province, on an indicator the law leaves to
    the province (Indicator.set_by_province)."""
    level, code = _text(row.get("level")).strip(), _text(row.get("indicator")).strip()
    indicator = Indicator.objects.filter(
        criterion__level__criteria_set=criteria_set, criterion__level__code=level, code=code
    ).first()
    if indicator is None:
        message = _("No indicator %(code)s at level “%(level)s” in %(set)s.")
        raise ValidationError(
            {"indicator": [message % {"code": code, "level": level, "set": criteria_set}]}
        )
    own_number = editions.left_to_the_province(indicator, row.get("scope"))
    require(own_number, authenticated=True, message=str(SET_NATIONALLY))
    structure = structure_for_year(criteria_set.first_year)
    code = _text(row.get("province")).strip()
    province = Province.objects.filter(structure=structure, code=code).first()
    ours = province is not None and access.can_approve(province.pk)
    require(ours, authenticated=True, message=str(OTHER_PROVINCE))
    return province


def _years(row: dict, criteria_set: CriteriaSet) -> tuple[int, int]:
    """The years a province's edition applies to: the row's, open ends the set's."""
    first, last = row.get("first_year"), row.get("last_year")
    return (
        int(first) if first not in (None, "") else criteria_set.first_year,
        int(last) if last not in (None, "") else criteria_set.last_year,
    )
