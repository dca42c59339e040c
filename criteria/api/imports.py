"""Spreadsheets through the API: POST /api/v1/imports/ (the long CSV, services.imports) and
GET /api/v1/exports/values.csv (the same CSV, services.exports). Thin: the services check the
file, who may import what, and write."""

import io

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import access_for
from communes.models import Province
from core.api import ErrorSerializer, refused_import
from core.renderers import JSONRenderer
from criteria import jobs as criteria_jobs
from criteria.services import exports
from criteria.services.imports import (
    APPROVED,
    DRAFT,
    ImportRefused,
    import_access,
    import_values,
)
from jobs import services as jobs

COLUMNS = ",".join(exports.COLUMNS)


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=f"The long CSV (UTF-8, with or without BOM), header row {COLUMNS}."
    )
    dry_run = serializers.BooleanField(
        default=False, help_text="Check and count what would change; write nothing."
    )
    status = serializers.ChoiceField(
        choices=[DRAFT, APPROVED],
        default=DRAFT,
        help_text="approved: approvers of the province and the national office only; the "
        "assessments are submitted and approved as by hand.",
    )
    background = serializers.BooleanField(
        default=False,
        help_text="Run as a background job (for a long file): 202 with the job, whose "
        "progress and result (the same report, or `refused` with every error) are read at "
        "/api/v1/jobs/<id>/.",
    )


class ImportJobSerializer(serializers.Serializer):
    job = serializers.IntegerField(help_text="The job's id.")
    url = serializers.CharField(help_text="Where to follow it: /api/v1/jobs/<id>/.")
    status = serializers.CharField(help_text="queued, running, done or failed.")


class ValuesRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The file's row; the header is row 1.")
    column = serializers.CharField()
    value = serializers.CharField()
    message = serializers.CharField()


class ValuesImportReportSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    status = serializers.CharField()
    rows = serializers.IntegerField()
    assessments_created = serializers.IntegerField()
    assessments_changed = serializers.IntegerField()
    assessments_unchanged = serializers.IntegerField()
    assessments_approved = serializers.IntegerField()
    assessments_left_open = serializers.IntegerField(
        help_text="With approved: the assessments of the file that it leaves as they are and "
        "that are not approved (drafts, returned or submitted ones it does not change): an "
        "import approves only what it creates or changes."
    )
    values_created = serializers.IntegerField()
    values_changed = serializers.IntegerField()
    values_cleared = serializers.IntegerField()
    values_unchanged = serializers.IntegerField()
    error_count = serializers.IntegerField()
    errors = ValuesRowErrorSerializer(many=True)


class RefusedValuesImportSerializer(ErrorSerializer):
    """400 for a refused file: the one error shape, plus the whole report."""

    report = ValuesImportReportSerializer(required=False)


class ImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Import assessments' values from the long CSV",
        description="All or nothing: a file with any error is refused (400) and nothing is "
        "written; `errors.file` lists every error as text and `report.errors` each with its "
        "row, column, value and reason. Officers import their province's communes only. A "
        "valid file answers 201 with the counts (200 for a dry run); values equal to the "
        "stored ones are not rewritten, so the same file twice changes nothing.",
        request={"multipart/form-data": ImportRequestSerializer},
        responses={
            200: ValuesImportReportSerializer,
            201: ValuesImportReportSerializer,
            202: ImportJobSerializer,
            400: RefusedValuesImportSerializer,
            401: ErrorSerializer,
            403: ErrorSerializer,
        },
    )
    def post(self, request):
        params = ImportRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        options = params.validated_data
        if options["background"]:
            return _in_background(request, options)
        try:
            report = import_values(
                file=options["file"],
                user=request.user,
                status=options["status"],
                dry_run=options["dry_run"],
            )
        except ImportRefused as refused:
            return refused_import(refused)
        code = status.HTTP_200_OK if report.dry_run else status.HTTP_201_CREATED
        return Response(report.as_dict(), status=code)


def _in_background(request, options) -> Response:
    """Check who may import with that status now (403 at once), keep the file, and start the
    import as a job (inline when no broker is configured, then already finished)."""
    import_access(request.user, options["status"])
    job = jobs.start(
        "import_values",
        user=request.user,
        params={
            "file": criteria_jobs.keep_for_import(options["file"]),
            "status": options["status"],
            "dry_run": options["dry_run"],
            "user": request.user.pk,
        },
    )
    url = reverse("job-detail", args=[job.pk])
    body = {"job": job.pk, "url": url, "status": job.status}
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": url})


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"


class ExportQuerySerializer(serializers.Serializer):
    province = serializers.CharField(max_length=2, help_text="Province code, e.g. 74.")
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    commune = serializers.CharField(
        required=False, max_length=5, help_text="Only this commune (its code)."
    )


class FileView(APIView):
    """A file for anyone, of what they may see; its errors in the API's JSON shape, whatever
    the client accepts."""

    permission_classes = [AllowAny]

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response):  # an error: the file itself passes as it is
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


class ExportView(FileView):
    renderer_classes = [CSVRenderer, JSONRenderer]

    @extend_schema(
        summary="Export assessments' values as the long CSV",
        description=f"One value a row ({COLUMNS}), streamed, in the format the import reads: "
        "export then import changes nothing. Only what the caller may see: the public gets "
        "approved assessments only, a province's staff their province's work too. Notes "
        "beginning with =, +, - or @ get an apostrophe in front (no formula injection); "
        "the import removes it.",
        parameters=[
            OpenApiParameter("province", OpenApiTypes.STR, required=True),
            OpenApiParameter("year", OpenApiTypes.INT, required=True),
            OpenApiParameter("commune", OpenApiTypes.STR),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV."),
            400: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def get(self, request):
        province, year, commune = _export_query(request)
        lines = exports.csv_lines(
            province=province,
            year=year,
            access=access_for(request.user),
            commune_codes=[commune] if commune else None,
        )
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        return _attachment(response, f"ntm-values-{province.code}-{year}.csv")


def _export_query(request) -> tuple[Province, int, str | None]:
    params = ExportQuerySerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    query = params.validated_data
    year = query["year"]
    province = Province.objects.on_map(year).filter(code=query["province"]).first()
    if province is None:
        raise NotFound(_("No province with code %(code)s.") % {"code": query["province"]})
    return province, year, query.get("commune")


def _attachment(response, name: str):
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class XLSXRenderer(BaseRenderer):
    media_type = XLSX
    format = "xlsx"
    charset = None


class TemplateView(FileView):
    renderer_classes = [XLSXRenderer, JSONRenderer]

    @extend_schema(
        summary="The Excel template of a province's year",
        description="One row per rural commune on the year's map, filled with the values the "
        "caller may see; one column per measure (its code in row 1, the Vietnamese name in "
        "row 2), a note column after each measure that may be not applicable; yes/no "
        "columns take có/không. The second sheet gives the threshold each indicator is judged "
        "against, by region or commune group. POST the filled workbook to /api/v1/imports/.",
        parameters=[
            OpenApiParameter("province", OpenApiTypes.STR, required=True),
            OpenApiParameter("year", OpenApiTypes.INT, required=True),
        ],
        responses={
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="The workbook."),
            400: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def get(self, request):
        province, year, _commune = _export_query(request)
        book = io.BytesIO()
        exports.write_template(book, province=province, year=year, access=access_for(request.user))
        response = HttpResponse(book.getvalue(), content_type=XLSX)
        return _attachment(response, f"ntm-template-{province.code}-{year}.xlsx")


urlpatterns = [
    path("imports/", ImportView.as_view(), name="import"),
    path("exports/values.csv", ExportView.as_view(), name="export-values"),
    path("exports/template.xlsx", TemplateView.as_view(), name="export-template"),
]
