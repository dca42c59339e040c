"""The public statistics endpoints: check the parameters, ask stats.selectors, shape the answer."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import access_for
from core.api import ErrorSerializer
from core.renderers import written
from stats import freshness
from stats import selectors as stats
from stats.api import serializers


def cached(name: str, params: dict, build):
    """freshness.cached, the answer kept as the JSON it is sent as (core.renderers.Written):
    read again, it is sent as it is."""
    return freshness.cached(name, params, lambda: written(build()))


ERRORS = {400: ErrorSerializer, 404: ErrorSerializer}

COUNTING = (
    "Counts approved assessments only, of the criteria set in force in `year`; recognitions "
    "in force on 31 December of `year`; rural communes (xã) and districts that exist in "
    "`year` on the chosen map. Level keys are those of the set in force, plus `none`. "
    "A target's `actual` is the number of communes recognised at its level or higher on "
    "31 December of the requested year. `ocop`: OCOP products of the unit's communes (of "
    "any kind) holding a certified rating (3 stars or more) in force on 31 December of `year`, "
    "or today while that is to come, by stars; their distinct producers; and those whose "
    "rating expires within 90 days of that day. A missing or bad `year`, or a year without a "
    "criteria set in force, is a 400; a unit not found on the map is a 404."
)

BLOCK = {
    "communes_total": 39,
    "assessed": 39,
    "computed": {"none": 0, "standard": 10, "advanced": 20, "model": 9},
    "recognized": {"none": 0, "standard": 10, "advanced": 20, "model": 9},
    "at_least": {
        "computed": {"standard": 39, "advanced": 29, "model": 9},
        "recognized": {"standard": 39, "advanced": 29, "model": 9},
    },
    "avg_criteria_met": 17.42,
    "ocop": {
        "products": 103,
        "by_stars": {"3": 93, "4": 10, "5": 0},
        "producers": 49,
        "expiring_90_days": 4,
    },
}
HEADER = {"year": 2023, "criteria_set": "NTM-2021-2025", "structure": "2021", "basis": "units"}
BINH_DUONG = {
    "unit": {"code": "74", "name": "Tỉnh Bình Dương"},
    **BLOCK,
    "districts_total": 9,
    "districts_recognized": {"standard": 3, "advanced": 0, "model": 0},
    "targets": [
        {"year": 2025, "level": "advanced", "target": 39, "target_percent": None, "actual": 29},
        {"year": 2025, "level": "model", "target": 8, "target_percent": 20.0, "actual": 9},
    ],
}
NATIONAL = {
    **HEADER,
    "unit": {"code": "VN", "name": "Việt Nam"},
    "communes_total": 7717,
    "assessed": 7600,
    "computed": {"none": 900, "standard": 4200, "advanced": 2000, "model": 500},
    "recognized": {"none": 1200, "standard": 4100, "advanced": 1900, "model": 517},
    "at_least": {
        "computed": {"standard": 6700, "advanced": 2500, "model": 500},
        "recognized": {"standard": 6517, "advanced": 2417, "model": 517},
    },
    "avg_criteria_met": 16.85,
    "districts_total": 696,
    "districts_recognized": {"standard": 180, "advanced": 20, "model": 5},
    "targets": [],
    "ocop": {
        "products": 12400,
        "by_stars": {"3": 8800, "4": 3500, "5": 100},
        "producers": 7100,
        "expiring_90_days": 610,
    },
    "provinces": [BINH_DUONG],
}


def _example(name: str, value: dict) -> OpenApiExample:
    return OpenApiExample(
        name, value=value, response_only=True, description="Illustrative figures."
    )


def _schema(summary: str, unit_note: str, response, example: dict, code_param: bool = True):
    parameters = [serializers.StatsQuerySerializer]
    if code_param:
        parameters.append(
            OpenApiParameter(
                "code",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="The unit's statistics-office code, unique within a structure.",
            )
        )
    return extend_schema(
        summary=summary,
        description=f"{unit_note} {COUNTING}",
        parameters=parameters,
        responses={200: response, **ERRORS},
        examples=[_example(summary, example)],
    )


class StatsView(APIView):
    """Public and read-only; the parameters are checked before anything is counted."""

    permission_classes = [AllowAny]

    def query(self) -> dict:
        params = serializers.StatsQuerySerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return params.validated_data

    def handle_exception(self, exc):
        # The selectors know nothing of HTTP: a unit they cannot find becomes a 404 here.
        if isinstance(exc, stats.UnitNotFound):
            exc = NotFound(str(exc))
        return super().handle_exception(exc)


class NationalStatsView(StatsView):
    @_schema(
        "Statistics of the country",
        "The country (`unit.code` `VN`; `targets` empty), then `provinces`: one row per "
        "province of the map, ordered by code, with the same keys.",
        serializers.NationalStatsSerializer,
        NATIONAL,
        code_param=False,
    )
    def get(self, request):
        query = self.query()
        return Response(
            cached(
                "national",
                query,
                lambda: serializers.NationalStatsSerializer(stats.national_stats(**query)).data,
            )
        )


class ProvinceStatsView(StatsView):
    @_schema(
        "Statistics of a province",
        "`code`: the province's code (e.g. `74`). `targets`: the province's own targets "
        "(those with no district).",
        serializers.ProvinceStatsSerializer,
        {**HEADER, **BINH_DUONG, "districts": []},
    )
    def get(self, request, code):
        query = self.query()
        return Response(
            cached(
                "province",
                {**query, "code": code},
                lambda: (
                    serializers.ProvinceStatsSerializer(stats.province_stats(code, **query)).data
                ),
            )
        )


class DistrictStatsView(StatsView):
    @_schema(
        "Statistics of a district",
        "`code`: the district's code (e.g. `723`); districts exist on the 2021 map only. "
        "`districts_total` and `districts_recognized` are null; `targets`: the district's.",
        serializers.StatsSerializer,
        {
            **HEADER,
            "unit": {"code": "723", "name": "Thành phố Tân Uyên"},
            "communes_total": 2,
            "assessed": 2,
            "computed": {"none": 0, "standard": 1, "advanced": 1, "model": 0},
            "recognized": {"none": 0, "standard": 1, "advanced": 1, "model": 0},
            "at_least": {
                "computed": {"standard": 2, "advanced": 1, "model": 0},
                "recognized": {"standard": 2, "advanced": 1, "model": 0},
            },
            "avg_criteria_met": 19.0,
            "ocop": {
                "products": 6,
                "by_stars": {"3": 5, "4": 1, "5": 0},
                "producers": 4,
                "expiring_90_days": 1,
            },
            "districts_total": None,
            "districts_recognized": None,
            "targets": [],
        },
    )
    def get(self, request, code):
        query = self.query()
        return Response(
            cached(
                "district",
                {**query, "code": code},
                lambda: serializers.StatsSerializer(stats.district_stats(code, **query)).data,
            )
        )


class TrendView(StatsView):
    @extend_schema(
        summary="Statistics year by year",
        description=(
            "The country's or a province's headline figures for each year of a range, each "
            "year with its own criteria set: communes, assessed, at least each level "
            "(computed and recognised) with shares, average criteria met and its "
            "denominator. One call for a trend chart; a year without a criteria set is a 400."
        ),
        parameters=[serializers.TrendQuerySerializer],
        responses={200: serializers.TrendSerializer, **ERRORS},
    )
    def get(self, request):
        params = serializers.TrendQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        query = params.validated_data

        def build():
            years = stats.trend(query["first_year"], query["last_year"], query.get("province"))
            return serializers.TrendSerializer({"unit": years[-1].unit, "years": years}).data

        return Response(cached("trend", dict(query), build))


class ProgressView(StatsView):
    """Data entry by province, drafts included: for the national office (every province) and
    a province's staff (its own); the public never sees it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Data entry progress by province",
        description=(
            "For each province (a province's staff: its own only; the national office: all), "
            "the year's assessments by status (draft, submitted, returned, approved) against "
            "its rural communes, and whether the year is closed. Needs a login with a portal "
            "role; drafts are counted here and nowhere public."
        ),
        parameters=[serializers.ProgressQuerySerializer],
        responses={200: serializers.ProgressSerializer, 403: ErrorSerializer, **ERRORS},
    )
    def get(self, request):
        params = serializers.ProgressQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        access = access_for(request.user)
        if not access.follows_entry:
            raise PermissionDenied(
                _("Only the national office and provincial staff follow data entry.")
            )
        provinces = None if access.country_wide else set(access.province_ids)
        frame, rows = stats.entry_progress(params.validated_data["year"], provinces)
        body = {
            "year": frame.year,
            "criteria_set": frame.ladder.criteria_set.code,
            "structure": frame.structure,
            "provinces": rows,
        }
        return Response(serializers.ProgressSerializer(body).data)
