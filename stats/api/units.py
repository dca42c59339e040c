"""Provinces, districts and communes with their NTM picture for a year (``?year=Y``).

The plain unit endpoints come from communes.api; this layer, above communes and criteria,
adds each commune's assessment and recognised level, and each district's and province's
communes counted by computed level. What a user sees follows accounts.access: approved
assessments for everyone, a province's unfinished work for its staff.
"""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers

from accounts.access import access_for
from communes.api import serializers as unit_serializers
from communes.api import views as unit_views
from core.api import CountedRows, iso_date, kept_page
from criteria.filters import CommuneYearFilterSet, DistrictYearFilterSet, ProvinceYearFilterSet
from criteria.selectors import levels_by_unit, predecessors_with_results

LEVEL_COUNTS = serializers.DictField(
    child=serializers.IntegerField(),
    allow_null=True,
    read_only=True,
    help_text="With year: the communes assessed that year by computed level (those this user "
    "may see: approved ones, or every one for the province's staff); null without year.",
)


class YearAssessmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    level = serializers.CharField()
    criteria_met = serializers.IntegerField()


POINT_HELP = (
    "{} of the commune's point for the map, in WGS 84 degrees (at most 6 decimals), from "
    "the vietnamadminunits package (fixtures/coordinates/); null where the source has no "
    "reliable point."
)


class CommuneYearSerializer(unit_serializers.CommuneSerializer):
    latitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        coerce_to_string=False,
        read_only=True,
        allow_null=True,
        min_value=-90,
        max_value=90,
        help_text=POINT_HELP.format("Latitude"),
    )
    longitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        coerce_to_string=False,
        read_only=True,
        allow_null=True,
        min_value=-180,
        max_value=180,
        help_text=POINT_HELP.format("Longitude"),
    )
    assessment = serializers.SerializerMethodField(
        help_text="With year: the commune's assessment this user may see, else null."
    )
    recognized_level = serializers.CharField(
        read_only=True,
        allow_null=True,
        default=None,
        help_text="With year: the highest level recognised and not revoked on 31 December.",
    )

    class Meta(unit_serializers.CommuneSerializer.Meta):
        fields = [*unit_serializers.CommuneSerializer.Meta.fields, "latitude", "longitude"]
        fields += ["assessment", "recognized_level"]

    def get_assessment(self, obj) -> YearAssessmentSerializer(allow_null=True):
        if getattr(obj, "assessment_id", None) is None:
            return None
        return {
            "id": obj.assessment_id,
            "status": obj.assessment_status,
            "level": obj.computed_level,
            "criteria_met": obj.criteria_met,
        }


# What a page of the commune list reads: plain rows, no model instances (commune_rows writes
# them; a test holds them equal to CommuneYearSerializer's declared fields).
COMMUNE_ROW_FIELDS = (
    "code",
    "name",
    "kind",
    "rural_today",
    "structure",
    "province__code",
    "province__name",
    "district_id",
    "district__code",
    "district__name",
    "province__region_id",
    "province__region__code",
    "province__region__name_vi",
    "province__region__name_en",
    "valid_from",
    "valid_to",
    "latitude",
    "longitude",
)
YEAR_FIELDS = ("assessment_id", "assessment_status", "computed_level", "criteria_met")


def commune_row_fields(queryset) -> tuple[str, ...]:
    """COMMUNE_ROW_FIELDS, and the year's annotations where the filters added them."""
    year = [
        name for name in (*YEAR_FIELDS, "recognized_level") if name in queryset.query.annotations
    ]
    return (*COMMUNE_ROW_FIELDS, *year)


def _number(value):
    """A coordinate as DecimalField's data is written (a JSON number), made a float here
    rather than by the JSON writer's fallback, value by value."""
    return None if value is None else float(value)


def commune_rows(rows) -> list[dict]:
    """CommuneYearSerializer's data for rows read with commune_row_fields, in plain code."""
    return [
        {
            "code": row["code"],
            "name": row["name"],
            "kind": row["kind"],
            "is_rural": None if row["rural_today"] is None else bool(row["rural_today"]),
            "structure": row["structure"],
            "province": {"code": row["province__code"], "name": row["province__name"]},
            "district": None
            if row["district_id"] is None
            else {"code": row["district__code"], "name": row["district__name"]},
            "region": None
            if row["province__region_id"] is None
            else {
                "code": row["province__region__code"],
                "name_vi": row["province__region__name_vi"],
                "name_en": row["province__region__name_en"],
            },
            "valid_from": iso_date(row["valid_from"]),
            "valid_to": iso_date(row["valid_to"]),
            "latitude": _number(row["latitude"]),
            "longitude": _number(row["longitude"]),
            "assessment": None
            if row.get("assessment_id") is None
            else {
                "id": row["assessment_id"],
                "status": row["assessment_status"],
                "level": row["computed_level"],
                "criteria_met": row["criteria_met"],
            },
            "recognized_level": row.get("recognized_level"),
        }
        for row in rows
    ]


class PredecessorResultSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    criteria_set = serializers.CharField(source="criteria_set.code")
    status = serializers.CharField()
    level = serializers.CharField(help_text="Computed level under the set of its time.")
    criteria_met_by_level = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField())
    )


class PredecessorTitleSerializer(serializers.Serializer):
    level = serializers.CharField(source="level.code")
    criteria_set = serializers.CharField(source="level.criteria_set.code")
    title_year = serializers.IntegerField()
    decision_number = serializers.CharField()
    decision_date = serializers.DateField()
    revoked_date = serializers.DateField(allow_null=True)


class PredecessorSerializer(serializers.Serializer):
    code = serializers.CharField(source="link.old.code")
    name = serializers.CharField(source="link.old.name")
    structure = serializers.CharField(source="link.old.structure")
    province = unit_serializers.UnitSummarySerializer(source="link.old.province")
    how = serializers.CharField(source="link.how")
    partial = serializers.BooleanField(
        source="link.is_partial", help_text="It went in only in part (the rest elsewhere)."
    )
    results = PredecessorResultSerializer(
        source="assessments",
        many=True,
        help_text="Its assessments this user may see, newest first, under the sets of their time.",
    )
    titles = PredecessorTitleSerializer(
        source="recognitions", many=True, help_text="Its titles: history, not carried over."
    )


class CommuneDetailSerializer(CommuneYearSerializer):
    predecessors = serializers.SerializerMethodField(
        help_text="For a unit of the map since 1 July 2025: the old communes it was formed "
        "from (lineage), with their results and titles under the sets of their time."
    )

    class Meta(CommuneYearSerializer.Meta):
        fields = [*CommuneYearSerializer.Meta.fields, "predecessors"]

    def get_predecessors(self, obj) -> PredecessorSerializer(many=True):
        found = predecessors_with_results(obj, access_for(self.context["request"].user))
        return PredecessorSerializer(found, many=True).data


class DistrictYearSerializer(unit_serializers.DistrictSerializer):
    recognized_level = serializers.CharField(read_only=True, allow_null=True, default=None)
    communes_by_level = LEVEL_COUNTS

    class Meta(unit_serializers.DistrictSerializer.Meta):
        fields = [*unit_serializers.DistrictSerializer.Meta.fields, "recognized_level"]
        fields += ["communes_by_level"]


class ProvinceYearSerializer(unit_serializers.ProvinceSerializer):
    communes_by_level = LEVEL_COUNTS

    class Meta(unit_serializers.ProvinceSerializer.Meta):
        fields = [*unit_serializers.ProvinceSerializer.Meta.fields, "communes_by_level"]


class LevelCountsMixin:
    """Attach each listed unit's communes by level, in one grouped query per page."""

    unit_field = ""

    def get_serializer(self, *args, **kwargs):
        year = self.request.query_params.get("year")
        if args and year and self.action in ("list", "retrieve"):
            units = args[0] if kwargs.get("many") else [args[0]]
            counts = levels_by_unit(
                access_for(self.request.user), int(year), self.unit_field, [u.pk for u in units]
            )
            for unit in units:
                unit.communes_by_level = counts.get(unit.pk, {})
        return super().get_serializer(*args, **kwargs)


@extend_schema_view(list=extend_schema(summary="List provinces (with year: communes by level)"))
class ProvinceViewSet(LevelCountsMixin, unit_views.ProvinceViewSet):
    serializer_class = ProvinceYearSerializer
    filterset_class = ProvinceYearFilterSet
    unit_field = "commune__province"


@extend_schema_view(
    list=extend_schema(summary="List districts (with year: recognised level, communes by level)")
)
class DistrictViewSet(LevelCountsMixin, unit_views.DistrictViewSet):
    serializer_class = DistrictYearSerializer
    filterset_class = DistrictYearFilterSet
    unit_field = "commune__district"


@extend_schema_view(
    list=extend_schema(
        summary="List communes (with year: assessment and recognised level, filters on them)",
        responses={
            200: CommuneYearSerializer(many=True),
            **unit_views.BAD_REQUEST,
            **unit_views.NOT_FOUND,
        },
        examples=[
            OpenApiExample(
                "Rural communes of Bình Dương that met at least 17 criteria in 2023",
                request_only=True,
                value="?province=74&kind=xa&year=2023&min_criteria_met=17",
            )
        ],
    )
)
@extend_schema_view(
    retrieve=extend_schema(
        summary="One commune, by code (with year: its assessment and recognised level)",
        description="A unit of the map since 1 July 2025 also lists its `predecessors`: the "
        "old communes it was formed from, each with how it went in (`partial` when only in "
        "part) and its results and titles under the sets of their time. Titles do not carry "
        "over to the new unit.",
        responses={
            200: CommuneDetailSerializer,
            **unit_views.BAD_REQUEST,
            **unit_views.NOT_FOUND,
        },
        examples=[
            OpenApiExample(
                "Xã Bạch Đằng in 2023",
                response_only=True,
                value={
                    **unit_views.BACH_DANG.value,
                    "latitude": 11.039809,
                    "longitude": 106.80014,
                    "assessment": {
                        "id": 17,
                        "status": "approved",
                        "level": "standard",
                        "criteria_met": 19,
                    },
                    "recognized_level": "standard",
                    "predecessors": [],
                },
            )
        ],
    )
)
class CommuneViewSet(unit_views.CommuneViewSet):
    serializer_class = CommuneYearSerializer
    filterset_class = CommuneYearFilterSet

    def get_serializer_class(self):
        if self.action == "retrieve":
            return CommuneDetailSerializer
        return CommuneYearSerializer

    def list(self, request, *args, **kwargs):
        return kept_page("communes", request, access_for(request.user).sight, self._page)

    def _page(self) -> dict:
        communes = self.filter_queryset(self.get_queryset())
        rows = CountedRows(communes.values(*commune_row_fields(communes)), communes)
        return self.get_paginated_response(commune_rows(self.paginate_queryset(rows))).data
