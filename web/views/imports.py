"""The import page: an officer uploads the long CSV or the filled Excel template, reads what
it would change commune by commune (or every error), and confirms; the template of a
province's year is downloaded from the same page. criteria.services.imports checks and
writes (all or nothing), criteria.services.exports writes the template."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communes.models import Province, structures_for_years
from core.forms import error_text
from criteria import selectors
from criteria.services import exports
from criteria.services.errors import LockedError, StaleVersionError, WorkflowError, YearClosedError
from criteria.services.imports import ImportRefused, import_access, import_values
from web.forms import errors_of
from web.forms import imports as forms
from web.viewmodels import imports as vm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What the services refuse a whole import with, besides a file's errors (ImportRefused).
REFUSALS = (ValidationError, StaleVersionError, LockedError, WorkflowError, YearClosedError)


@login_required
def import_page(request):
    import_access(request.user)
    upload = forms.UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method != "POST" or not upload.is_valid():
        return _render(request, upload, status=400 if upload.errors else 200)
    try:
        report = import_values(
            file=upload.cleaned_data["file"],
            user=request.user,
            status=upload.cleaned_data["status"],
            dry_run=True,
        )
    except ImportRefused as refused:
        refusal = vm.refusal(str(refused), refused.report)
        return _render(request, upload, refusal=refusal, status=400)
    except (PermissionDenied, *REFUSALS) as error:
        upload.add_error(None, _messages(error))
        return _render(request, upload, status=400)
    token = upload.keep(request.user, report.communes)
    confirm = forms.ConfirmForm(initial={"token": token}, user=request.user)
    return _render(request, upload, preview=vm.preview(report), confirm=confirm)


@login_required
@require_POST
def import_confirm(request):
    access = import_access(request.user)
    confirm = forms.ConfirmForm(request.POST, user=request.user)
    if not confirm.is_valid():
        errors = confirm.errors["token"]
        return _render(request, _upload_form(request), confirm_errors=errors, status=400)
    name = confirm.cleaned_data["token"]
    seen = forms.seen_versions(name)
    if seen is None:
        forms.forget(name)
        errors = [_("What the check of this file found is no longer kept: check it again.")]
        return _render(request, _upload_form(request), confirm_errors=errors, status=400)
    try:
        with default_storage.open(name, "rb") as file:
            report = import_values(
                file=file,
                user=request.user,
                status=confirm.status,
                seen=seen,  # as previewed, or nothing is written
            )
    except ImportRefused as refused:
        refusal = vm.refusal(str(refused), refused.report)
        return _render(request, _upload_form(request), refusal=refusal, status=400)
    except (PermissionDenied, *REFUSALS) as error:
        errors = [_messages(error)]
        return _render(request, _upload_form(request), confirm_errors=errors, status=400)
    finally:
        forms.forget(name)  # applied or refused, the next try starts from a new upload
    messages.success(request, vm.done_message(report, access))
    return redirect("pages:import")


@login_required
def import_template(request):
    access = import_access(request.user)
    form = _template_form(request, data=request.GET)
    if not form.is_valid():
        messages.error(request, error_text(errors_of(form)))
        return redirect("pages:import")
    year = form.cleaned_data["year"]
    book = io.BytesIO()
    try:
        province = _template_province(access, form.cleaned_data.get("province"), year)
        exports.write_template(book, province=province, year=year, access=access)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("pages:import")
    response = HttpResponse(book.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="ntm-template-{province.code}-{year}.xlsx"'
    )
    return response


def _template_province(access, code: str | None, year: int) -> Province:
    """The province asked for (national users), else the user's own, on the year's map (its
    namesake there: accounts.access)."""
    provinces = Province.objects.on_map(year)
    own = {"code": code} if code else {"pk__in": access.province_ids}
    found = provinces.filter(**own).first()
    if found is None:
        raise ValidationError(_("No such province on the map of %(year)d.") % {"year": year})
    return found


def _upload_form(request):
    return forms.UploadForm(user=request.user)


def _template_form(request, data=None):
    access = import_access(request.user)
    years = selectors.years_covered()
    provinces = vm.province_choices() if access.country_wide else None
    if not access.country_wide:  # the years whose map holds the user's province (2 queries)
        maps = set(
            Province.objects.filter(pk__in=access.province_ids).values_list("structure", flat=True)
        )
        on_map = structures_for_years(years)
        years = [year for year in years if on_map[year] in maps]
    initial = {"year": max(years) if years else None}
    return forms.TemplateForm(data, provinces=provinces, years=years, initial=initial)


def _render(request, upload, *, status=200, **context):
    context |= {"upload": upload, "template_form": _template_form(request)}
    return render(request, "web/imports.html", context, status=status)


def _messages(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return error_text(error)
    return str(error)
