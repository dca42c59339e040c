"""The approvers' page: the queue of submitted assessments, and closing or reopening a province's
years (and single communes by exception)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy
from django.views.decorators.http import require_POST

from accounts.access import access_for
from accounts.models import Role
from communes.models import Province
from core.forms import error_text
from criteria import selectors, services
from criteria.models import YearClosure
from criteria.services import workflow
from web import scope
from web.forms import assessments as assessment_forms
from web.forms import closures as forms
from web.forms import errors_of
from web.viewmodels import approvals as approvals_vm


def _approver_access(request):
    access = access_for(request.user)
    if not access.is_national and access.role != Role.APPROVER:
        raise PermissionDenied(_("Only approvers see the approval queue."))
    return access


@login_required
def approvals(request):
    return _approvals_page(request, _approver_access(request))


def _approvals_page(request, access, kept=None, status=200):
    """The queue and the province's years; ``kept``: a refused bulk step's selection and
    comment, shown again so that nothing typed or ticked is lost."""
    chooser = forms.ClosureProvinceForm(request.GET, access=access)
    province = chooser.resolve()
    queue = approvals_vm.approval_queue(access)
    if kept:
        # One that changed since the approver read the queue is unticked and marked: ticked
        # with its new version, a second click would approve what they have not seen.
        read = kept["read"]
        kept["moved"] = {
            row.assessment.pk
            for row in queue
            if row.assessment.pk in read and read[row.assessment.pk] != str(row.assessment.version)
        }
        kept["selected"] = kept["selected"] - kept["moved"]
    return render(
        request,
        "web/approvals.html",
        {
            "queue": queue,
            "chooser": chooser if access.country_wide else None,
            "province": province,
            "years": approvals_vm.year_panels(province) if province else [],
            "kept": kept or {"selected": set(), "comment": "", "moved": set()},
            # The note typed for closing a year, back from its confirmation's "Cancel".
            "kept_note": _kept_note(request, province),
        },
        status=status,
    )


KEPT_NOTE = "closing-note"  # the session's: a note typed for closing a year, not yet used


def _kept_note(request, province) -> dict | None:
    """The note typed for closing one of the province's years, kept in the session by the
    confirmation page (its "Cancel" comes back here) and shown once in that year's form."""
    kept = request.session.get(KEPT_NOTE)
    if not kept or province is None or kept.get("province") != province.pk:
        return None
    del request.session[KEPT_NOTE]
    return kept


def _closure_step(request, province, year, form, step):
    """Validate the form and run the service step; the outcome becomes a message."""
    try:
        if not form.is_valid():
            raise errors_of(form)
        messages.success(request, step(form.cleaned_data))
    except ValidationError as error:
        messages.error(request, error_text(error))
    url = reverse("pages:approvals")
    return redirect(f"{url}?province={province.structure}-{province.code}#closure-{year}")


@login_required
@require_POST
def close_year(request, structure, code, year):
    province = scope.get_province_for_approver(request, structure, code)

    def step(data):
        services.close_year(province=province, year=year, user=request.user, note=data["note"])
        return _("Year %(year)d of %(province)s is closed.") % _names(province, year)

    return _closure_step(request, province, year, forms.CloseYearForm(request.POST), step)


@login_required
@require_POST
def confirm_close(request, structure, code, year):
    """The step before closing a year: what closing will do to the province's assessments,
    and the button that closes it (pages work without JavaScript, so no script's confirm)."""
    province = scope.get_province_for_approver(request, structure, code)
    form = forms.CloseYearForm(request.POST)
    if not form.is_valid():
        return _closure_step(request, province, year, form, None)
    note = form.cleaned_data["note"]
    confirm = approvals_vm.closing(province, year, note=note)
    # Kept for "Cancel", which goes back to the year's form (not in its link: a long note in
    # Vietnamese would outgrow a request line, and land in logs).
    request.session[KEPT_NOTE] = {"province": province.pk, "year": year, "note": note}
    return render(request, "web/approvals.html", {"confirm": confirm, "province": province})


BULK_DONE = {
    "approve": ngettext_lazy(
        "%(n)d assessment approved: its values are locked.",
        "%(n)d assessments approved: their values are locked.",
        "n",
    ),
    "return": ngettext_lazy(
        "%(n)d assessment returned to the province for changes.",
        "%(n)d assessments returned to the province for changes.",
        "n",
    ),
}


@login_required
@require_POST
def approve_selected(request):
    """The selected assessments of the queue, each moved by its own workflow step with the one
    comment (workflow.move_many: one refusal and none of them moves)."""
    access = _approver_access(request)
    form = assessment_forms.BulkStepForm(request.POST, queue=selectors.approval_queue(access))
    try:
        if not form.is_valid():
            raise errors_of(form)
        action, chosen = form.cleaned_data["action"], form.assessments()
        _refuse_unless_may_take(access, action, chosen)
        moved = workflow.move_many(
            assessments=chosen,
            action=action,
            versions=form.versions(),
            user=request.user,
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as error:
        messages.error(request, _left_queue(access, request.POST) or error_text(error))
        status = 400
    except (services.StaleVersionError, services.WorkflowError, services.YearClosedError) as e:
        messages.error(request, f"{e} {_('Nothing was done.')}")
        status = 409
    else:
        messages.success(request, BULK_DONE[action] % {"n": len(moved)})
        return redirect("pages:approvals")
    # Refused: the queue again, with what was ticked and typed (nothing moved).
    selected = {int(pk) for pk in request.POST.getlist("selected") if _an_id(pk)}
    read = {pk: request.POST.get(f"version_{pk}", "") for pk in selected}
    kept = {"selected": selected, "comment": request.POST.get("comment", ""), "read": read}
    return _approvals_page(request, access, kept=kept, status=status)


def _left_queue(access, posted) -> str:
    """Which of the selected assessments left the queue since it was read, by name, or ""."""
    ids = [int(pk) for pk in posted.getlist("selected") if _an_id(pk)]
    left = selectors.queue_leavers(access, ids)
    if not left:
        return ""
    names = ", ".join(f"{a.commune.name} ({a.year})" for a in left)
    message = _(
        "No longer waiting for approval (approved or returned by someone else since the queue "
        "was read): %(communes)s. Nothing was done; the queue below is as it is now."
    )
    return message % {"communes": names}


def _an_id(text: str) -> bool:
    """Whether ``text`` is a key as a form sends it (ASCII digits: "²" is a digit to Python
    but no number to int())."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def _refuse_unless_may_take(access, action: str, assessments) -> None:
    for assessment in assessments:
        if not workflow.may_take(access, action, assessment.commune.province_id):
            message = _("You may not %(verb)s the assessment of %(commune)s: nothing was done.")
            names = {"verb": workflow.VERBS[action], "commune": assessment.commune.name}
            raise PermissionDenied(message % names)


@login_required
@require_POST
def reopen_year(request, structure, code, year):
    province = scope.get_province_for_approver(request, structure, code)

    def step(data):
        services.reopen_year(province=province, year=year, reason=data["reason"], user=request.user)
        return _("Year %(year)d of %(province)s is open again.") % _names(province, year)

    return _closure_step(request, province, year, forms.ReopenYearForm(request.POST), step)


@login_required
@require_POST
def open_commune(request, structure, code, year):
    province = scope.get_province_for_approver(request, structure, code)
    closure = YearClosure.objects.filter(province=province, year=year).first()
    form = forms.CommuneExceptionForm(request.POST, province=province)

    def step(data):
        if closure is None:
            message = _("Year %(year)d of %(province)s is not closed.")
            raise ValidationError(message % _names(province, year))
        services.open_commune_by_exception(
            closure=closure, commune=data["commune"], reason=data["reason"], user=request.user
        )
        return _("%(commune)s is open by exception in %(year)d.") % {
            "commune": data["commune"].name,
            "year": year,
        }

    return _closure_step(request, province, year, form, step)


def _names(province: Province, year: int) -> dict:
    return {"year": year, "province": province.name}
