"""GET /api/v1/exports/report.xlsx: a province's report workbook for a year (stats.reports).
Public like the statistics: the public gets approved assessments only, a province's staff and
the national office what they may see. Its labels follow the request's language.

GET /api/v1/stats/provinces/<code>/annual-report.<docx|xlsx|txt>: the province's annual report
on the programme (stats.annual), in Vietnamese, approved records only, for everyone."""

from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response

from accounts.access import access_for
from core.api import ErrorSerializer
from core.renderers import JSONRenderer
from criteria.api.imports import XLSX, FileView, XLSXRenderer
from stats import annual, reports
from stats.api.serializers import AnnualReportSerializer
from stats.selectors import UnitNotFound


class ReportQuerySerializer(serializers.Serializer):
    province = serializers.RegexField(
        r"^[0-9]{2}$", help_text="The province's code on the year's map, e.g. 74."
    )
    year = serializers.IntegerField(
        min_value=2000,
        max_value=2100,
        help_text="The year reported (2000 to 2100); a criteria set must be in force in it.",
    )


class ReportView(FileView):
    renderer_classes = [XLSXRenderer, JSONRenderer]

    @extend_schema(
        summary="The report workbook of a province's year",
        description=(
            "An .xlsx of three sheets. `Tổng hợp`: the province's statistics for the year as "
            "/api/v1/stats/provinces/{code}/ gives them (approved assessments only: communes, "
            "assessed, computed and recognised levels with at least each level and shares, "
            "average criteria met and over how many, districts, targets and progress, OCOP by "
            "stars and group, the criteria most failed), with the date it was made, the "
            "criteria set and the map. `Xã`: one row per rural commune on the year's map: "
            "code, name, district, the assessment's status, computed level, criteria met per "
            "level (17/19), the level recognised on 31 December, then each criterion's result "
            "(met, not met, incomplete). `Công nhận`: the province's recognition decisions "
            "bearing on the year. Only what the caller may see: the public gets approved "
            "assessments only, a province's staff their province's work in progress too. "
            "Text beginning with =, +, - or @ gets an apostrophe in front (never a formula). "
            "Labels follow the request's language (Vietnamese by default). A bad parameter, or "
            "a year without a criteria set, is a 400; a province not on the year's map a 404."
        ),
        parameters=[ReportQuerySerializer],
        responses={
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="The workbook."),
            400: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def get(self, request):
        params = ReportQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        year = params.validated_data["year"]
        try:
            province = reports.report_province(params.validated_data["province"], year)
        except UnitNotFound as error:
            raise NotFound(str(error)) from None
        book = reports.province_workbook(
            province, year, access_for(request.user), language=translation.get_language()
        )
        response = HttpResponse(book, content_type=XLSX)
        name = f"ntm-report-{province.code}-{year}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class AnnualQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(
        min_value=2000,
        max_value=2100,
        help_text="The year reported (2000 to 2100); a criteria set must be in force in it.",
    )


class TextRenderer(BaseRenderer):
    media_type = "text/plain"
    format = "txt"
    charset = "utf-8"


class DOCXRenderer(BaseRenderer):
    media_type = annual.DOCX
    format = "docx"
    charset = None


class AnnualReportView(FileView):
    renderer_classes = [DOCXRenderer, XLSXRenderer, TextRenderer, JSONRenderer]

    @extend_schema(
        summary="A province's annual report on the programme (Word, Excel or text)",
        description=(
            "The province's report for a year, in Vietnamese: communes by level on 31 December "
            "with those recognised in the year, the share of the rural communes and the change "
            "on the previous year; the average criteria met and its change; districts; OCOP "
            "products by stars; resources mobilised by source with shares; works built; "
            "production models; hamlet titles; this year's plan with its progress and next "
            "year's plan; an appendix of the recognition decisions of the year, the hamlet "
            "titles' decisions and the province's reported figures used. The communes' "
            "figures are counted from the portal's records where it holds the province's "
            "communes for the year, and are the province's reported figures otherwise; each "
            "says which. `json`: the report's figures (the programme's under `programme`, as "
            "/api/v1/programme/stats/provinces/{code}/ gives them); `docx`: a Word document; "
            "`xlsx`: the text, then the statistics "
            "workbook's sheets and the programme's; `txt`: plain text. Approved records only, "
            "for everyone. A bad year, or one without a criteria set, is a 400; a province not "
            "on the year's map or another format a 404."
        ),
        parameters=[
            AnnualQuerySerializer,
            OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, pattern="^[0-9]{2}$"),
            OpenApiParameter(
                "fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=[*annual.FORMATS, "json"]
            ),
        ],
        responses={
            (200, annual.DOCX): OpenApiResponse(OpenApiTypes.BINARY, description="Word."),
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="The workbook."),
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="Text."),
            (200, "application/json"): AnnualReportSerializer,
            400: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def get(self, request, code, fmt):
        if fmt not in annual.FORMATS and fmt != "json":
            raise NotFound(_("No report in the format “%(fmt)s”.") % {"fmt": fmt})
        params = AnnualQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        year = params.validated_data["year"]
        try:
            province = reports.report_province(code, year)
        except UnitNotFound as error:
            raise NotFound(str(error)) from None
        if fmt == "json":
            return Response(AnnualReportSerializer(annual.annual_report(province, year)).data)
        content, content_type, name = annual.write(province, year, fmt)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
