"""What every API endpoint shares: pagination and the one shape of an error (settings name
Pagination and exception_handler in REST_FRAMEWORK).

Every error body is {"status": 400, "code": "invalid", "message": "...", "errors": {...}},
where "errors" maps a field name to its messages (400 only).
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core import answers
from core.errors import AlreadyExistsError
from core.renderers import written


class Conflict(exceptions.APIException):
    """409: the request does not fit the resource's current state (a stale version, a locked
    assessment, a workflow step out of order). Extra keys (e.g. current_version) join the body."""

    status_code = 409
    default_detail = "Conflict with the current state of the resource."
    default_code = "conflict"

    def __init__(self, detail=None, code=None, **extra):
        super().__init__(detail, code)
        self.extra = extra


def require(allowed: bool, *, authenticated: bool, message: str) -> None:
    """Refuse an action the user may not take: 403 with the reason for a logged-in user,
    401 for a stranger (who is told how to authenticate)."""
    if not allowed:
        if authenticated:
            raise exceptions.PermissionDenied(message)
        raise exceptions.NotAuthenticated()


class ReadFirstPaginator(Paginator):
    """Django's paginator, reading the first page before counting: a first page that is not
    full is the whole list, so the count is known without its query (a province's communes,
    a commune's assessments: most lists fit a page). Any other page is counted first, as
    Django does (a page number past the end is refused before anything is read)."""

    def page(self, number):
        if self.orphans or "count" in self.__dict__ or str(number).strip() != "1":
            return super().page(number)
        rows = list(self.object_list[: self.per_page])
        if len(rows) < self.per_page:
            self.count = len(rows)  # the whole list
        return self._get_page(rows, self.validate_number(number), self)


class Pagination(PageNumberPagination):
    """Pages of 50 by default, up to 500. A page past the end (or 0) is a 404, as DRF has it;
    a page_size that is not a whole number from 1 is a 400 (DRF would silently ignore it).
    A first page that is not full is not counted by a query (ReadFirstPaginator)."""

    django_paginator_class = ReadFirstPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and (not raw.isascii() or not raw.isdigit() or int(raw) < 1):
            message = _("Enter a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
            raise exceptions.ValidationError({self.page_size_query_param: [message]})
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters


def kept_page(name: str, request, sight: str, build) -> Response:
    """A list's page, ``build()``'s paginated data, from the cache (core.answers, alias
    "lists") while nothing it reads has changed, kept as the JSON it is sent as. Named by the
    whole address, host and query included (a page links the next by it), and by the reader's
    sight (accounts.access.Access.sight): users who see the same rows share it. A page that
    fails (an invalid query) is never kept."""
    seconds = settings.NTM_LIST_CACHE_SECONDS
    parts = (name, request.build_absolute_uri(), sight)
    return Response(answers.cached(parts, lambda: written(build()), seconds, alias="lists"))


class CountedRows:
    """A page's object list: the rows of a values() queryset, counted as the queryset they
    were read from. The joins that read related columns change no count, but a count made
    through them cost a third of a 500-row page on the national data set."""

    def __init__(self, rows, counted) -> None:
        self.rows, self.counted = rows, counted
        self.ordered = rows.ordered  # the paginator warns of an unordered list

    def count(self) -> int:
        return self.counted.count()

    def __getitem__(self, index):
        return self.rows[index]


def followed(instance, path: str):
    """The value at a values() path (commune__district__code) of a loaded instance: what a
    row read with values() would hold, for writing an instance with the rows' writer."""
    value = instance
    for name in path.split("__"):
        value = None if value is None else getattr(value, name)
    return value


def iso_date(value) -> str | None:
    """A date as DateField writes it (ISO 8601), None kept: for the rows' writers."""
    return None if value is None else value.isoformat()


def _as_drf(exc: Exception) -> Exception:
    # Services raise Django's ValidationError; here it becomes a 400 like any other.
    if isinstance(exc, AlreadyExistsError):
        message = " ".join(exc.messages)
        return Conflict(message, "exists", existing_id=exc.existing_id)
    if isinstance(exc, Http404):
        return exceptions.NotFound(str(exc) or None)
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(exc.message_dict)
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    return exc


def exception_handler(exc, context):
    exc = _as_drf(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    body = {"status": response.status_code, "code": _code(exc), "message": _message(exc)}
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body["errors"] = errors
    elif isinstance(response.data, dict):
        body.update({k: v for k, v in response.data.items() if k != "detail"})
    body.update(getattr(exc, "extra", {}))
    response.data = body
    return response


def _code(exc: Exception) -> str:
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        return codes if isinstance(codes, str) else exc.default_code
    return "error"


def _message(exc: Exception) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return str(exceptions.ValidationError.default_detail)
    if isinstance(exc, exceptions.APIException) and isinstance(exc.detail, str):
        return str(exc.detail)
    return str(getattr(exc, "default_detail", exc))


def not_found(request, exception):
    """The site's 404 (ntm_portal.urls.handler404): under /api/, the one error shape in JSON,
    also for a URL no route matches (e.g. /api/v1/assessments/abc/); elsewhere the page."""
    if not request.path_info.startswith("/api/"):
        return defaults.page_not_found(request, exception)
    error = exceptions.NotFound()
    body = {"status": 404, "code": error.default_code, "message": str(error.detail)}
    return JsonResponse(body, status=404)


class ErrorSerializer(serializers.Serializer):
    """The error body, for the OpenAPI schema."""

    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


class ConflictSerializer(ErrorSerializer):
    """409 body: the error, plus the assessment's current version where one was stale, or the
    existing one's id where it already exists."""

    current_version = serializers.IntegerField(required=False)
    existing_id = serializers.IntegerField(required=False)


def refused_import(refused) -> Response:
    """A refused import (core.imports.ImportRefused: nothing was written) as the API's 400:
    the one error shape, every error as a line under ``errors.file``, and the report."""
    body = {
        "status": 400,
        "code": "invalid_file",
        "message": str(refused),
        "errors": {"file": refused.report.error_lines()},
        "report": refused.report.as_dict(),
    }
    return Response(body, status=400)
