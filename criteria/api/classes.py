"""Commune classes in the API: everyone reads which region or commune group a commune is
judged in, for a set and a year; only the national office writes them, in bulk, as JSON or as
a .csv/.xlsx file (criteria.services.classes does the checking and the writing).

Every refusal of a batch has the one error shape, its ``errors`` keyed by "row N": the list
item's position counted from 1, or the file's row as a spreadsheet program numbers it.
"""

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from accounts.access import access_for
from communes.api.serializers import UnitSummarySerializer
from communes.filters import code_filter
from communes.models import Structure
from core.api import ErrorSerializer, require
from core.filters import year_filter
from core.tables import MAX_ROWS
from criteria.models import CommuneClass, CriteriaSet
from criteria.services.classes import ClassEntry, assign_classes, import_classes

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer}

# --- filters and shapes -----------------------------------------------------------------------


class CommuneClassFilterSet(django_filters.FilterSet):
    criteria_set = django_filters.CharFilter(
        field_name="criteria_set__code", label=gettext_lazy("Criteria set code")
    )
    year = year_filter()
    # Codes are read on the map each row's year is kept on; structure narrows to one map.
    province = code_filter("commune__province__code", 2, gettext_lazy("Province code"))
    commune = code_filter("commune__code", 5, gettext_lazy("Commune code"))
    structure = django_filters.ChoiceFilter(
        field_name="commune__structure",
        choices=Structure.choices,
        label=gettext_lazy("Structure of the commune codes"),
    )


class CommuneClassSerializer(serializers.ModelSerializer):
    criteria_set = serializers.CharField(source="criteria_set.code")
    commune = UnitSummarySerializer()
    province = UnitSummarySerializer(source="commune.province")
    structure = serializers.CharField(source="commune.structure")

    class Meta:
        model = CommuneClass
        fields = [
            "id",
            "criteria_set",
            "commune",
            "province",
            "structure",
            "year",
            "class_value",
            "reason",
        ]


class AssignmentSerializer(serializers.Serializer):
    """One assignment (documentation only: the service checks each item, naming its row)."""

    commune_code = serializers.CharField(help_text="Commune code (5 digits) on the year's map.")
    year = serializers.IntegerField(help_text="A year of the set's period.")
    class_value = serializers.CharField(
        help_text="A region code (region-keyed sets) or commune group 1, 2 or 3."
    )
    reason = serializers.CharField(help_text="Why, e.g. the decision that assigns the class.")


@extend_schema_field(AssignmentSerializer(many=True))
class AssignmentsField(serializers.Field):
    """A list of objects, passed on as they are: a bad value in an item is refused by the
    service with the item's row, in the same shape as a file's errors."""

    def to_internal_value(self, data):
        if not isinstance(data, list) or not data:
            raise serializers.ValidationError(_("Send a non-empty list of assignments."))
        if len(data) > MAX_ROWS:
            message = _("Send at most %(max)d assignments at once.")
            raise serializers.ValidationError(message % {"max": MAX_ROWS})
        if not all(isinstance(item, dict) for item in data):
            raise serializers.ValidationError(_("Each assignment must be an object."))
        return data

    def to_representation(self, value):
        return value


class BulkClassesSerializer(serializers.Serializer):
    criteria_set = serializers.CharField(max_length=30, help_text="Code of the criteria set.")
    assignments = AssignmentsField()


class ImportClassesSerializer(serializers.Serializer):
    criteria_set = serializers.CharField(max_length=30, help_text="Code of the criteria set.")
    file = serializers.FileField(
        help_text=".csv (UTF-8) or .xlsx with the columns commune_code, year, class, reason."
    )


class ClassesReportSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rescored = serializers.IntegerField(
        help_text="Open assessments scored again because their commune's class changed."
    )


# --- the endpoint -----------------------------------------------------------------------------


def _text(value) -> str:
    return "" if value is None else str(value)


def _entries(items: list[dict]) -> list[ClassEntry]:
    """The items as the service reads them, each numbered from 1 as the client counts."""
    return [
        ClassEntry(
            row=number,
            commune_code=_text(item.get("commune_code")),
            year=_text(item.get("year")),  # a JSON 2024 and "2024" alike; the service checks
            class_value=_text(item.get("class_value")),
            reason=_text(item.get("reason")),
        )
        for number, item in enumerate(items, start=1)
    ]


def _criteria_set(code: str) -> CriteriaSet:
    criteria_set = CriteriaSet.objects.filter(code=code).first()
    if criteria_set is None:
        message = _("No criteria set has the code %(code)s.") % {"code": code}
        raise ValidationError({"criteria_set": [message]})
    return criteria_set


BULK_EXAMPLE = OpenApiExample(
    "Two communes of Lạng Sơn judged as the northern midlands and mountains in 2024",
    request_only=True,
    value={
        "criteria_set": "NTM-2021-2025",
        "assignments": [
            {
                "commune_code": "06100",
                "year": 2024,
                "class_value": "tdmnpb",
                "reason": "Xã đặc biệt khó khăn, QĐ 861/QĐ-TTg",
            },
            {
                "commune_code": "06103",
                "year": 2024,
                "class_value": "tdmnpb",
                "reason": "Xã đặc biệt khó khăn, QĐ 861/QĐ-TTg",
            },
        ],
    },
)
WRITES = (
    "National office only. Every item is checked first: any error (unknown or non-rural "
    "commune on the year's map, a year outside the set's period, a class that is not one of "
    "the set's, an empty reason, the same commune and year twice) gets 400 with `errors` "
    'keyed by "row N", and nothing is written. Existing assignments are updated; the open '
    "assessments whose class changed are rescored."
)


@extend_schema_view(
    list=extend_schema(
        summary="Commune classes (region overrides, commune groups)",
        responses={200: CommuneClassSerializer(many=True), 400: ErrorSerializer},
    ),
    retrieve=extend_schema(responses={200: CommuneClassSerializer, 404: ErrorSerializer}),
    bulk=extend_schema(
        summary="Assign commune classes in bulk",
        description=WRITES + " Rows are numbered from 1 in list order.",
        request=BulkClassesSerializer,
        responses={200: ClassesReportSerializer, **ERRORS},
        examples=[BULK_EXAMPLE],
    ),
    import_=extend_schema(
        summary="Assign commune classes from a .csv or .xlsx file",
        description=WRITES + " Rows are the file's, the header being row 1.",
        request={"multipart/form-data": ImportClassesSerializer},
        responses={200: ClassesReportSerializer, **ERRORS},
    ),
)
class CommuneClassViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Classes are public rules of judgement, like the criteria sets: everyone reads them."""

    filterset_class = CommuneClassFilterSet
    serializer_class = CommuneClassSerializer
    # Writes need a login first (401), as everywhere in the API; then the national role (403).
    permission_classes = [IsAuthenticatedOrReadOnly]

    def get_queryset(self):
        rows = CommuneClass.objects.select_related("criteria_set", "commune__province")
        return rows.order_by("criteria_set__first_year", "year", "commune__code", "pk")

    @action(detail=False, methods=["post"], parser_classes=[JSONParser])
    def bulk(self, request):
        self._check_national()
        data = self._valid(BulkClassesSerializer)
        report = assign_classes(
            criteria_set=_criteria_set(data["criteria_set"]),
            entries=_entries(data["assignments"]),
            user=request.user,
        )
        return Response(ClassesReportSerializer(report).data)

    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_(self, request):
        self._check_national()
        data = self._valid(ImportClassesSerializer)
        report = import_classes(
            criteria_set=_criteria_set(data["criteria_set"]), upload=data["file"], user=request.user
        )
        return Response(ClassesReportSerializer(report).data)

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _check_national(self) -> None:
        access = access_for(self.request.user)
        message = _("Only the national office assigns commune classes.")
        require(access.is_national, authenticated=access.authenticated, message=message)
