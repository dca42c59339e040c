"""An assessment's entry page: values, the scoring breakdown, the workflow steps. A form, a
service call, a redirect; the rules live in the services and scoring."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.access import access_for
from core.forms import error_text
from criteria import selectors, services
from criteria.services import workflow
from web import scope
from web.forms import assessments as forms
from web.forms import errors_of
from web.viewmodels import assessments as assessments_vm

STEP_DONE = {
    "submit": gettext_lazy("Submitted for approval."),
    "approve": gettext_lazy("Approved: the values are locked."),
    "return": gettext_lazy("Returned to the province for changes."),
    "reopen": gettext_lazy("Reopened: the province can change the values again."),
}
STEP_STALE = gettext_lazy(
    "Nothing was done: the assessment was changed by someone else after you opened it (now "
    "version %(v)d). Check it as it is now, below, then take the step again."
)


def values_form(request, page, data=None):
    """The entry form for those who may edit, while the assessment is open and its year not
    closed (a post to a locked one still reaches the service, which refuses it with its
    reason)."""
    assessment = page.assessment
    if not access_for(request.user).can_edit(assessment.commune.province_id):
        return None
    if data is None and (not assessment.is_editable or page.closed):
        return None
    return forms.ValuesForm(
        data,
        measures=page.measures,
        stored=assessment.values_by_measure,
        version=assessment.version,
        carried=page.carried,
    )


def render_assessment(request, page, form, status=200, conflict=None, evidence_error=None):
    access = access_for(request.user)
    if form is not None and form.is_bound:
        assessments_vm.open_where(page, form.measures_in_error)
    if conflict:
        assessments_vm.open_where(page, {measure.code for measure, *_values in conflict})
    if evidence_error:
        assessments_vm.open_where(page, {evidence_error["measure"]})
    province_id = page.assessment.commune.province_id
    return render(
        request,
        "web/assessment.html",
        {
            "page": page,
            "a": page.assessment,
            "form": form,
            "conflict": conflict,
            "evidence_error": evidence_error,
            "evidence_limit": settings.NTM_EVIDENCE_MAX_BYTES,
            "steps": workflow.available_steps(page.assessment, access, closed=page.closed),
            "can_edit": access.can_edit(province_id),
        },
        status=status,
    )


@login_required
def assessment_detail(request, structure, code, year):
    assessment = scope.get_assessment_for_user(request, structure, code, year)
    if request.method == "POST":
        return _save_values(request, assessment)
    page = assessments_vm.assessment_page(assessment)
    return render_assessment(request, page, values_form(request, page))


def _save_values(request, assessment):
    # The full page (scoring breakdown, history) is built only when it is shown again: a
    # successful save redirects, and the page after it scores once.
    scope.require_edit(request, assessment.commune)
    entry = assessments_vm.entry_for(assessment)
    form = forms.ValuesForm(
        request.POST,
        measures=entry.measures,
        stored=entry.stored,
        version=assessment.version,
        carried=entry.carried,
    )
    if not form.is_valid():
        page = assessments_vm.assessment_page(assessment, entry.levels)
        return render_assessment(request, page, form, status=400)
    # "Save and submit": the typing is saved first, then the assessment submitted on the
    # version the save left, in the same request; nothing typed is left behind.
    then_submit = request.POST.get("then") == "submit"
    if then_submit and not workflow.may_take(
        access_for(request.user), "submit", assessment.commune.province_id
    ):
        raise PermissionDenied(_("You may not take this step in this province."))
    if not form.changed_measures():
        if then_submit:
            return _take_step(request, assessment, "submit", form.cleaned_data["version"])
        messages.info(request, _("Nothing changed: there was nothing to save."))
        return redirect(assessment_url(assessment))
    try:
        services.save_values(
            assessment=assessment,
            values=form.values(),
            version=form.cleaned_data["version"],
            user=request.user,
        )
    except ValidationError as error:
        form.add_service_errors(error)
        page = assessments_vm.assessment_page(assessment, entry.levels)
        return render_assessment(request, page, form, status=400)
    except services.StaleVersionError as error:
        return _stale(request, assessment, form, error)
    except (services.LockedError, services.YearClosedError) as error:
        messages.error(request, str(error))
    else:
        if then_submit:
            return _take_step(request, assessment, "submit", assessment.version, saved=True)
        messages.success(request, _("Saved. The level and the criteria met are updated below."))
    return redirect(assessment_url(assessment))


def _stale(request, assessment, form, error):
    """Someone saved first: show what they stored against what this person changed, and keep
    those changes in the form, now over the current version (forms.rebased): saving again puts
    them over the other save, and leaves what this person did not change as the other saved it."""
    page = assessments_vm.assessment_page(
        selectors.assessment_for(assessment.commune, assessment.year)
    )
    form = forms.rebased(
        form,
        stored=page.assessment.values_by_measure,
        version=error.current_version,
        carried=page.carried,
    )
    conflict = [
        (m, page.assessment.values_by_measure.get(m.code), form.typed(m))
        for m in form.differing_measures()
    ]
    messages.error(request, str(error))
    return render_assessment(request, page, form, status=409, conflict=conflict)


def assessment_url(assessment) -> str:
    commune = assessment.commune
    return reverse("pages:assessment", args=[commune.structure, commune.code, assessment.year])


@login_required
@require_POST
def assessment_step(request, structure, code, year, action):
    assessment = scope.get_assessment_for_user(request, structure, code, year)
    if action not in workflow.TRANSITIONS:
        raise Http404(_("No such step."))
    if not workflow.may_take(access_for(request.user), action, assessment.commune.province_id):
        raise PermissionDenied(_("You may not take this step in this province."))
    form = forms.StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, error_text(errors_of(form)))
        return redirect(assessment_url(assessment))
    return _take_step(request, assessment, action, **form.cleaned_data)


def _take_step(request, assessment, action, version, comment="", saved=False):
    """The workflow step through the service (the caller has checked may_take), its outcome
    as a message, back to the page. ``saved``: the values were saved just before, in the same
    request, and the message says so whatever becomes of the step."""
    refused = None
    try:
        services.move(
            assessment=assessment,
            action=action,
            version=version,
            user=request.user,
            comment=comment,
        )
    except ValidationError as error:
        refused = error_text(error)
    except services.StaleVersionError as error:
        refused = STEP_STALE % {"v": error.current_version}
    except (services.WorkflowError, services.YearClosedError) as error:
        refused = str(error)
    if refused and saved:
        messages.error(request, _("Saved, but not submitted: %(reason)s") % {"reason": refused})
    elif refused:
        messages.error(request, refused)
    elif saved:
        messages.success(request, _("Saved, then submitted for approval."))
    else:
        messages.success(request, STEP_DONE[action])
    return redirect(assessment_url(assessment))
