"""Programme records from a spreadsheet through the API: POST /api/v1/programme/imports/ (the
file of one kind of record, programme.imports) and its templates. Thin: the service checks the
file, who may import what, and writes."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ErrorSerializer, refused_import
from core.renderers import JSONRenderer
from criteria.api.imports import XLSX, CSVRenderer, FileView, XLSXRenderer
from programme import imports

KIND_COLUMNS = "; ".join(f"{kind}: {','.join(cols)}" for kind, cols in imports.COLUMNS.items())


class ProgrammeImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=".csv (UTF-8, with or without BOM) or .xlsx (first sheet), a header row of "
        f"the kind's columns, then one record a row. Columns: {KIND_COLUMNS}."
    )
    kind = serializers.ChoiceField(choices=list(imports.KINDS), help_text="The kind of record.")
    status = serializers.ChoiceField(
        choices=list(imports.STATUSES),
        default=imports.DRAFT,
        help_text="submitted: each record is submitted; approved (the province's approvers and "
        "national users only): submitted and approved, as by hand.",
    )
    dry_run = serializers.BooleanField(
        default=False, help_text="Check and count what would be created; write nothing."
    )


class ProgrammeRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The file's row; the header is row 1.")
    column = serializers.CharField(help_text="The column, `row` for the whole row.")
    value = serializers.CharField()
    message = serializers.CharField()


class ProgrammeImportedSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    record = serializers.CharField()


class ProgrammeImportReportSerializer(serializers.Serializer):
    kind = serializers.CharField()
    dry_run = serializers.BooleanField()
    status = serializers.CharField()
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    submitted = serializers.IntegerField(help_text="Records left submitted.")
    approved = serializers.IntegerField()
    error_count = serializers.IntegerField()
    errors = ProgrammeRowErrorSerializer(many=True)
    records = ProgrammeImportedSerializer(
        many=True, help_text=f"The first {imports.MAX_PREVIEW} records created, by row."
    )


class RefusedProgrammeImportSerializer(ErrorSerializer):
    """400 for a refused file: the one error shape, plus the whole report."""

    report = ProgrammeImportReportSerializer(required=False)


class ProgrammeImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Import programme records of one kind from a spreadsheet",
        description="Each row is entered as by hand (the province scope, numbers, no double "
        "counting of funding). All or nothing: a file with any error is refused (400) and "
        "nothing is written; `errors.file` lists every error as text and `report.errors` each "
        "with its row, column, value and reason. A valid file answers 201 with the counts "
        "(200 for a dry run). Anonymous: 401; a user who may not enter records: 403.",
        request={"multipart/form-data": ProgrammeImportRequestSerializer},
        responses={
            200: ProgrammeImportReportSerializer,
            201: ProgrammeImportReportSerializer,
            400: RefusedProgrammeImportSerializer,
            401: ErrorSerializer,
            403: ErrorSerializer,
        },
    )
    def post(self, request):
        params = ProgrammeImportRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        options = params.validated_data
        try:
            report = imports.import_records(
                options["kind"],
                options["file"],
                user=request.user,
                status=options["status"],
                dry_run=options["dry_run"],
            )
        except imports.ProgrammeImportRefused as refused:
            return refused_import(refused)
        code = status.HTTP_200_OK if report.dry_run else status.HTTP_201_CREATED
        return Response(report.as_dict(), status=code)


class TemplateQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(imports.KINDS))


KIND_PARAMETER = OpenApiParameter("kind", OpenApiTypes.STR, required=True, enum=list(imports.KINDS))
TEMPLATE_ERRORS = {400: ErrorSerializer}


def _kind(request) -> str:
    query = TemplateQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data["kind"]


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class TemplateCSVView(FileView):
    renderer_classes = [CSVRenderer, JSONRenderer]

    @extend_schema(
        summary="The CSV template of a kind of programme record",
        description="The header row the import reads, for the kind.",
        parameters=[KIND_PARAMETER],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The header row."),
            **TEMPLATE_ERRORS,
        },
    )
    def get(self, request):
        kind = _kind(request)
        content = imports.template_csv(kind)
        return _attachment(content, "text/csv; charset=utf-8", f"ntm-{kind}.csv")


class TemplateXLSXView(FileView):
    renderer_classes = [XLSXRenderer, JSONRenderer]

    @extend_schema(
        summary="The Excel template of a kind of programme record",
        description="The first sheet has the header row the import reads; the second lists "
        "the codes its columns take (funding sources and kinds of work from the data, the "
        "choices) with their Vietnamese and English names.",
        parameters=[KIND_PARAMETER],
        responses={
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="The workbook."),
            **TEMPLATE_ERRORS,
        },
    )
    def get(self, request):
        kind = _kind(request)
        return _attachment(imports.template_xlsx(kind), XLSX, f"ntm-{kind}.xlsx")
