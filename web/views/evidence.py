"""Evidence files of an assessment: attach, download (to the staff of its province only,
always as a download), remove."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from criteria import services
from web import scope
from web.forms import assessments as forms
from web.viewmodels import assessments as assessments_vm
from web.views.assessments import assessment_url, render_assessment, values_form


@login_required
@require_POST
def evidence_upload(request, structure, code, year):
    assessment = scope.get_assessment_for_user(request, structure, code, year)
    scope.require_edit(request, assessment.commune)
    form = forms.EvidenceForm(request.POST, request.FILES)
    measure = request.POST.get("measure", "")
    if not form.is_valid():
        errors = [message for field in form.errors.values() for message in field]
        return _evidence_refused(request, assessment, measure, errors)
    try:
        evidence = services.attach_evidence(
            assessment=assessment,
            measure_code=form.cleaned_data["measure"],
            upload=form.cleaned_data["file"],
            user=request.user,
        )
    except ValidationError as error:
        return _evidence_refused(request, assessment, measure, error.messages)
    except (services.LockedError, services.YearClosedError) as error:
        messages.error(request, str(error))
        return redirect(assessment_url(assessment))
    messages.success(request, _("Attached “%(name)s”.") % {"name": evidence.original_name})
    return redirect(f"{assessment_url(assessment)}#measure-{evidence.measure.code}")


def _evidence_refused(request, assessment, measure: str, errors: list[str]):
    """The page again (400) with the reason at the top and beside the measure's files."""
    page = assessments_vm.assessment_page(assessment)
    refusal = {"measure": measure, "messages": errors}
    form = values_form(request, page)
    return render_assessment(request, page, form, status=400, evidence_error=refusal)


@login_required
@require_safe
@never_cache
def evidence_download(request, structure, code, year, pk):
    """A file, to the staff of its province only (the same 404 as the page elsewhere); always
    as a download, so that nothing uploaded runs inside the portal's pages."""
    assessment = scope.get_assessment_for_user(request, structure, code, year)
    evidence = get_object_or_404(assessment.evidence_files, pk=pk)
    try:
        handle = evidence.file.storage.open(evidence.file.name, "rb")
    except FileNotFoundError:
        raise Http404(_("This file is missing from the storage.")) from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )


@login_required
@require_POST
def evidence_remove(request, structure, code, year, pk):
    assessment = scope.get_assessment_for_user(request, structure, code, year)
    scope.require_edit(request, assessment.commune)
    evidence = get_object_or_404(assessment.evidence_files.select_related("measure"), pk=pk)
    try:
        services.remove_evidence(evidence=evidence, user=request.user)
    except (services.LockedError, services.YearClosedError) as error:
        messages.error(request, str(error))
        return redirect(assessment_url(assessment))
    messages.success(request, _("Removed “%(name)s”.") % {"name": evidence.original_name})
    return redirect(f"{assessment_url(assessment)}#measure-{evidence.measure.code}")
