"""The programme API: a province's reported records, their workflow, and its yearly figures.

Reading is as for assessments (accounts.access.visible_work): approved records are public;
drafts, submissions and returned records are read by the staff of their province and national
users only, and are a 404 to others. Writing: officers and approvers of the province and
national users (accounts.access.can_edit, checked by programme.services); approving and
returning: the province's approvers (criteria.services.workflow.may_take). An anonymous write
is 401, another province's 403. The statistics read approved records only, for everyone.
"""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import Access, access_for
from communes.models import Commune, Province, Structure, structure_for_year
from core.api import Conflict, ConflictSerializer, ErrorSerializer
from core.filters import YEARS
from core.renderers import JSONRenderer
from criteria.api.imports import XLSX, FileView, XLSXRenderer
from programme import filters, report, selectors, services
from programme.api import serializers as s
from programme.models import (
    FIRST_YEAR,
    LAST_YEAR,
    Funding,
    FundingSource,
    HamletTitle,
    HistoricalFigure,
    ProductionModel,
    Work,
    WorkKind,
    YearPlan,
)

READ_ERRORS = {400: ErrorSerializer, 404: ErrorSerializer}
WRITE_ERRORS = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
    409: ConflictSerializer,
}
WHO_WRITES = (
    "Officers and approvers of the province, and national users; anonymous: 401, another "
    "province or a viewer: 403. Bad input is a 400 naming each field, and nothing is written. "
    "A new record is a draft; a submitted or approved one changes only by a workflow step (409). "
)
WHO_READS = (
    "Approved records are public; the others are read by the staff of their province and "
    "national users only. "
)


@contextmanager
def _conflicts_as_409():
    try:
        yield
    except services.StateError as error:
        raise Conflict(str(error), error.code, **error.extra) from None


def _schema(name: str, output, input_):
    return extend_schema_view(
        list=extend_schema(summary=f"List {name}", description=WHO_READS),
        retrieve=extend_schema(summary=f"One of the {name}", description=WHO_READS),
        create=extend_schema(
            summary=f"Record one of the {name}",
            description=WHO_WRITES,
            request=input_,
            responses={201: output, **WRITE_ERRORS},
        ),
        partial_update=extend_schema(
            summary=f"Change one of the {name}",
            description=WHO_WRITES
            + "Give the `version` you read (in the body or the query); a stale one is a 409.",
            request=input_,
            responses={200: output, **WRITE_ERRORS},
        ),
        destroy=extend_schema(
            summary=f"Delete one of the {name}",
            description=WHO_WRITES,
            responses={204: None, **WRITE_ERRORS},
        ),
        step=extend_schema(
            summary="Take a workflow step",
            description="submit (officers), approve, return (with a comment), reopen (with a "
            "comment): the assessments' rules. A step out of order or a stale `version` is a "
            "409; the step and the change are kept in the history.",
            request=s.ProgrammeStepInputSerializer,
            responses={200: output, **WRITE_ERRORS},
        ),
    )


class RecordViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [IsAuthenticatedOrReadOnly]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    model = None
    input_serializer = None
    related = ("province",)

    @cached_property
    def access(self) -> Access:
        return access_for(self.request.user)

    def get_queryset(self):
        queryset = selectors.visible(self.model, self.access).select_related(*self.related)
        return queryset.order_by(*self.model._meta.ordering)

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def _valid(self, *, partial=False) -> dict:
        serializer = self.input_serializer(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _render(self, record, code=status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=record.pk)).data, code)

    def create(self, request, *args, **kwargs):
        data = self._valid()
        data = services.resolve(self.model, data, data["year"], None)
        record = services.create(self.model, access=self.access, user=request.user, data=data)
        return self._render(record, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        record = self.get_object()
        data = self._valid(partial=True)
        data = services.resolve(
            self.model, data, data.get("year", record.year), record.province.structure
        )
        with _conflicts_as_409():
            record = services.update(
                record, access=self.access, user=request.user, version=_version(request), data=data
            )
        return self._render(record)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        with _conflicts_as_409():
            services.delete(self.get_object(), access=self.access, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def step(self, request, pk=None):
        record = self.get_object()
        serializer = s.ProgrammeStepInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with _conflicts_as_409():
            record = services.move(
                record,
                action=data["action"],
                access=self.access,
                user=request.user,
                comment=data.get("comment", ""),
                version=data.get("version"),
            )
        return self._render(record)


def _version(request) -> int:
    """The version the client read, required as for assessments: a change without it would
    overwrite whatever someone else saved since, unseen."""
    raw = request.query_params.get("version") or request.data.get("version")
    if raw is None or raw == "":
        raise ValidationError(
            {"version": [_("Give the version you read (a stale one is refused).")]}
        )
    if isinstance(raw, int) or (isinstance(raw, str) and raw.isascii() and raw.isdigit()):
        return int(raw)
    raise ValidationError({"version": [_("Enter a whole number.")]})


@_schema("fundings", s.FundingSerializer, s.FundingInputSerializer)
class FundingViewSet(RecordViewSet):
    model = Funding
    serializer_class = s.FundingSerializer
    input_serializer = s.FundingInputSerializer
    filterset_class = filters.FundingFilterSet
    related = ("province", "district", "commune", "source")


@_schema("works", s.WorkSerializer, s.WorkInputSerializer)
class WorkViewSet(RecordViewSet):
    model = Work
    serializer_class = s.WorkSerializer
    input_serializer = s.WorkInputSerializer
    filterset_class = filters.WorkFilterSet
    related = ("province", "commune", "kind")


@_schema("production models", s.ProductionModelSerializer, s.ProductionModelInputSerializer)
class ProductionModelViewSet(RecordViewSet):
    model = ProductionModel
    serializer_class = s.ProductionModelSerializer
    input_serializer = s.ProductionModelInputSerializer
    filterset_class = filters.ProductionModelFilterSet

    def get_queryset(self):
        communes = Prefetch("communes", Commune.objects.order_by("code"))
        return super().get_queryset().prefetch_related(communes)


@_schema("hamlet titles", s.HamletTitleSerializer, s.HamletTitleInputSerializer)
class HamletTitleViewSet(RecordViewSet):
    model = HamletTitle
    serializer_class = s.HamletTitleSerializer
    input_serializer = s.HamletTitleInputSerializer
    filterset_class = filters.HamletTitleFilterSet
    related = ("province", "commune__district")


@_schema("plan targets", s.YearPlanSerializer, s.YearPlanInputSerializer)
class YearPlanViewSet(RecordViewSet):
    model = YearPlan
    serializer_class = s.YearPlanSerializer
    input_serializer = s.YearPlanInputSerializer
    filterset_class = filters.YearPlanFilterSet
    related = ("province", "district")


@_schema("province figures", s.HistoricalFigureSerializer, s.HistoricalFigureInputSerializer)
class HistoricalFigureViewSet(RecordViewSet):
    model = HistoricalFigure
    serializer_class = s.HistoricalFigureSerializer
    input_serializer = s.HistoricalFigureInputSerializer
    filterset_class = filters.HistoricalFigureFilterSet


@extend_schema_view(
    list=extend_schema(summary="List the funding sources (data)"),
    retrieve=extend_schema(summary="One funding source"),
)
class FundingSourceViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.FundingSourceSerializer
    lookup_field = "code"
    pagination_class = None

    def get_queryset(self):
        return FundingSource.objects.select_related("parent")


@extend_schema_view(
    list=extend_schema(summary="List the kinds of work (data)"),
    retrieve=extend_schema(summary="One kind of work"),
)
class WorkKindViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.WorkKindSerializer
    lookup_field = "code"
    pagination_class = None

    def get_queryset(self):
        return WorkKind.objects.all()


class ReportQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=YEARS[0], max_value=YEARS[1])
    structure = serializers.ChoiceField(Structure.choices, required=False)


YEAR_PARAMETERS = [
    OpenApiParameter("year", OpenApiTypes.INT, required=True),
    OpenApiParameter("structure", OpenApiTypes.STR, enum=Structure.values),
]


def _province_and_year(request, code: str) -> tuple[Province, int]:
    query = ReportQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    year = query.validated_data["year"]
    structure = query.validated_data.get("structure") or structure_for_year(year)
    return get_object_or_404(Province, structure=structure, code=code), year


class ProvinceReportView(APIView):
    """Every figure of a province's year, from approved records only, for everyone."""

    @extend_schema(
        summary="A province's programme figures for a year",
        description="Resources by source (planned and actual, million VND) with shares, the "
        "people's contribution and the change on the previous year; works by kind; production "
        "models; hamlet titles per district; the province figures with their change; the "
        "year's plan with its progress and the next year's plan. Approved records only.",
        parameters=YEAR_PARAMETERS,
        responses={200: s.ProvinceReportSerializer, **READ_ERRORS},
    )
    def get(self, request, code):
        province, year = _province_and_year(request, code)
        found = selectors.province_report(province, year)
        return Response(s.ProvinceReportSerializer(found).data)


class PeriodQuerySerializer(serializers.Serializer):
    first_year = serializers.IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR)
    last_year = serializers.IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR)
    structure = serializers.ChoiceField(Structure.choices, required=False)

    def validate(self, data):
        if data["first_year"] > data["last_year"]:
            message = _("The period ends before it starts.")
            raise serializers.ValidationError({"last_year": [message]})
        return data


class ProvinceResourcesView(APIView):
    """A province's resources over a period, from approved records only, for everyone."""

    @extend_schema(
        summary="A province's resources over a period of years",
        description="Capital mobilised from `first_year` to `last_year` (both included), planned "
        "and actual, in million VND: the total, by group (state budget / other mobilised "
        "capital) and by source with shares, the people's contribution and its share, and "
        "each year's totals. For a programme period (2021-2025) or the programme so far "
        "(from 2011). The province is the one of that code on the map of `structure`, by "
        "default the map of `last_year`: its records, and for a province of the map since 1 "
        "July 2025, those of the provinces that went into it (their years before it). "
        "Approved records only.",
        parameters=[
            PeriodQuerySerializer,
            OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, pattern="^[0-9]{2}$"),
        ],
        responses={200: s.PeriodResourcesSerializer, **READ_ERRORS},
    )
    def get(self, request, code):
        query = PeriodQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        first, last = query.validated_data["first_year"], query.validated_data["last_year"]
        structure = query.validated_data.get("structure") or structure_for_year(last)
        province = get_object_or_404(Province, structure=structure, code=code)
        found = selectors.period_resources(province, first, last)
        return Response(s.PeriodResourcesSerializer(found).data)


class ProvinceWorkbookView(FileView):
    renderer_classes = [XLSXRenderer, JSONRenderer]

    @extend_schema(
        summary="The programme sections of a province's annual report, as XLSX",
        description="Sheets: `Báo cáo` (the sections' Vietnamese paragraphs), `Nguồn vốn` "
        "(planned and actual by source and part, with shares), `Công trình` (works by kind), "
        "`Kiểu mẫu theo huyện` (hamlet titles per district), `Phụ lục quyết định` (each "
        "approved hamlet title with its decision and record id). Approved records only.",
        parameters=YEAR_PARAMETERS,
        responses={
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="The workbook."),
            **READ_ERRORS,
        },
    )
    def get(self, request, code):
        province, year = _province_and_year(request, code)
        response = HttpResponse(report.workbook(province, year), content_type=XLSX)
        name = f"ntm-programme-{province.code}-{year}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
