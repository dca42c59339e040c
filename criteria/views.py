"""The officer pages: a province's year, a commune's years, an assessment's entry and workflow,
the approvers' queue.

Every view fetches through a helper that enforces the user's province: another province's
commune is a 404 (nothing about it is shown); a visible thing the user may not change is a
403. Then a form, a service call, a redirect. The rules live in the services and scoring.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from accounts.access import access_for
from accounts.models import Role
from communes.models import Commune, Province
from criteria import forms, pages, registry, services
from criteria.models import YearClosure

# --- scope: every view fetches through these ----------------------------------------------------


def get_commune_for_user(request, structure: str, code: str) -> Commune:
    """The rural commune, if the user is staff of its province (or national); else 404."""
    commune = get_object_or_404(
        Commune.objects.rural().select_related("province__region", "district"),
        structure=structure,
        code=code,
    )
    if not access_for(request.user).covers(commune.province_id):
        raise Http404(_("No such commune in your province."))
    return commune


def _require_edit(request, commune: Commune) -> None:
    if not access_for(request.user).can_edit(commune.province_id):
        raise PermissionDenied(_("Only officers of this province can change its assessments."))


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- the province overview ----------------------------------------------------------------------


@login_required
def overview(request):
    access = access_for(request.user)
    scope = forms.ScopeForm(request.GET, access=access)
    year, province = scope.resolve()
    ladder = pages.ladder_for_year(year)
    districts = pages.rural_districts(province) if province else []
    filters = forms.CommuneFilterForm(request.GET, districts=districts, ladder=ladder)
    picture = None
    if province is not None and ladder.criteria_set is not None:
        picture = pages.province_year(
            request=request,
            access=access,
            province=province,
            year=year,
            ladder=ladder,
            filters=filters.filters(),
        )
    return render(
        request,
        "criteria/overview.html",
        {
            "year": year,
            "years": scope.offered,
            "province": province,
            "ladder": ladder,
            "filters": filters,
            "picture": picture,
            # What other apps add to the task list (criteria.registry).
            "tasks": registry.tasks_for(province, request.user) if picture else [],
            "can_edit": province and access.can_edit(province.pk),
            "provinces": pages.provinces_for_year(year) if access.country_wide else None,
        },
    )


# --- a commune's years --------------------------------------------------------------------------


@login_required
def commune_detail(request, structure, code):
    commune = get_commune_for_user(request, structure, code)
    rows, recognitions = pages.commune_years(commune)
    taken = {row.assessment.year for row in rows}
    years = [year for year in pages.years_offered() if year not in taken]
    return render(
        request,
        "criteria/commune.html",
        {
            "commune": commune,
            "rows": rows,
            "recognitions": recognitions,
            "panels": registry.panels_for(commune, request.user),  # other apps' sections
            "create_form": forms.CreateAssessmentForm(years=years) if years else None,
            "can_edit": access_for(request.user).can_edit(commune.province_id),
        },
    )


@login_required
@require_POST
def create_assessment(request, structure, code):
    commune = get_commune_for_user(request, structure, code)
    _require_edit(request, commune)
    form = forms.CreateAssessmentForm(request.POST, years=pages.years_offered())
    if not form.is_valid():
        messages.error(request, _("Choose a year to assess."))
        return redirect("pages:commune", structure, code)
    try:
        services.create_assessment(
            commune=commune, year=form.cleaned_data["year"], user=request.user
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("pages:commune", structure, code)
    except services.YearClosedError as error:
        messages.error(request, str(error))
        return redirect("pages:commune", structure, code)
    return redirect("pages:assessment", structure, code, form.cleaned_data["year"])


def get_assessment_for_user(request, structure: str, code: str, year: int):
    """The commune's assessment of the year, through the same province check; else 404."""
    commune = get_commune_for_user(request, structure, code)
    assessment = (
        pages.assessment_for(commune, year) if pages.YEARS[0] <= year <= pages.YEARS[1] else None
    )
    if assessment is None:
        raise Http404(_("This commune has no assessment for that year yet."))
    return assessment


# --- an assessment: entry and workflow -----------------------------------------------------------


def _values_form(request, page, data=None):
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
    )


def _render_assessment(request, page, form, status=200, conflict=None, evidence_error=None):
    access = access_for(request.user)
    province_id = page.assessment.commune.province_id
    return render(
        request,
        "criteria/assessment.html",
        {
            "page": page,
            "a": page.assessment,
            "form": form,
            "conflict": conflict,
            "evidence_error": evidence_error,
            "evidence_limit": settings.NTM_EVIDENCE_MAX_BYTES,
            "steps": pages.available_steps(page.assessment, access, closed=page.closed),
            "can_edit": access.can_edit(province_id),
        },
        status=status,
    )


@login_required
def assessment_detail(request, structure, code, year):
    assessment = get_assessment_for_user(request, structure, code, year)
    if request.method == "POST":
        return _save_values(request, assessment)
    page = pages.assessment_page(assessment)
    return _render_assessment(request, page, _values_form(request, page))


def _save_values(request, assessment):
    # The full page (scoring breakdown, history) is built only when it is shown again: a
    # successful save redirects, and the page after it scores once.
    _require_edit(request, assessment.commune)
    entry = pages.entry_for(assessment)
    form = forms.ValuesForm(
        request.POST, measures=entry.measures, stored=entry.stored, version=assessment.version
    )
    if not form.is_valid():
        page = pages.assessment_page(assessment, entry.levels)
        return _render_assessment(request, page, form, status=400)
    if not form.changed_measures():
        messages.info(request, _("Nothing changed: there was nothing to save."))
        return redirect(_assessment_url(assessment))
    try:
        services.save_values(
            assessment=assessment,
            values=form.values(),
            version=form.cleaned_data["version"],
            user=request.user,
        )
    except ValidationError as error:
        form.add_service_errors(error)
        page = pages.assessment_page(assessment, entry.levels)
        return _render_assessment(request, page, form, status=400)
    except services.StaleVersionError as error:
        return _stale(request, assessment, form, error)
    except (services.LockedError, services.YearClosedError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Saved. The level and the criteria met are updated below."))
    return redirect(_assessment_url(assessment))


def _stale(request, assessment, form, error):
    """Someone saved first: show what they stored against what this person typed, and keep the
    typing in the form (now over the current version, so saving again replaces theirs)."""
    page = pages.assessment_page(pages.assessment_for(assessment.commune, assessment.year))
    form = forms.rebased(
        form, stored=page.assessment.values_by_measure, version=error.current_version
    )
    conflict = [
        (m, page.assessment.values_by_measure.get(m.code), form.typed(m))
        for m in form.changed_measures()
    ]
    messages.error(request, str(error))
    return _render_assessment(request, page, form, status=409, conflict=conflict)


def _assessment_url(assessment) -> str:
    commune = assessment.commune
    return reverse("pages:assessment", args=[commune.structure, commune.code, assessment.year])


@login_required
@require_POST
def assessment_step(request, structure, code, year, action):
    assessment = get_assessment_for_user(request, structure, code, year)
    if action not in pages.STEP_NEEDS:
        raise Http404(_("No such step."))
    if not pages.may_take(access_for(request.user), action, assessment.commune.province_id):
        raise PermissionDenied(_("You may not take this step in this province."))
    form = forms.StepForm(request.POST)
    form.is_valid()
    try:
        services.move(assessment=assessment, action=action, user=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    except (services.WorkflowError, services.StaleVersionError, services.YearClosedError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, pages.STEP_DONE[action])
    return redirect(_assessment_url(assessment))


# --- evidence files ------------------------------------------------------------------------------


@login_required
@require_POST
def evidence_upload(request, structure, code, year):
    assessment = get_assessment_for_user(request, structure, code, year)
    _require_edit(request, assessment.commune)
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
        return redirect(_assessment_url(assessment))
    messages.success(request, _("Attached “%(name)s”.") % {"name": evidence.original_name})
    return redirect(f"{_assessment_url(assessment)}#measure-{evidence.measure.code}")


def _evidence_refused(request, assessment, measure: str, errors: list[str]):
    """The page again (400) with the reason at the top and beside the measure's files."""
    page = pages.assessment_page(assessment)
    refusal = {"measure": measure, "messages": errors}
    form = _values_form(request, page)
    return _render_assessment(request, page, form, status=400, evidence_error=refusal)


@login_required
@require_safe
@never_cache
def evidence_download(request, structure, code, year, pk):
    """A file, to the staff of its province only (the same 404 as the page elsewhere); always
    as a download, so that nothing uploaded runs inside the portal's pages."""
    assessment = get_assessment_for_user(request, structure, code, year)
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
    assessment = get_assessment_for_user(request, structure, code, year)
    _require_edit(request, assessment.commune)
    evidence = get_object_or_404(assessment.evidence_files.select_related("measure"), pk=pk)
    try:
        services.remove_evidence(evidence=evidence, user=request.user)
    except (services.LockedError, services.YearClosedError) as error:
        messages.error(request, str(error))
        return redirect(_assessment_url(assessment))
    messages.success(request, _("Removed “%(name)s”.") % {"name": evidence.original_name})
    return redirect(f"{_assessment_url(assessment)}#measure-{evidence.measure.code}")


# --- the approvers' queue ------------------------------------------------------------------------


@login_required
def approvals(request):
    access = access_for(request.user)
    if not access.is_national and access.role != Role.APPROVER:
        raise PermissionDenied(_("Only approvers see the approval queue."))
    chooser = forms.ClosureProvinceForm(request.GET, access=access)
    province = chooser.resolve()
    return render(
        request,
        "criteria/approvals.html",
        {
            "queue": pages.approval_queue(access),
            "chooser": chooser if access.country_wide else None,
            "province": province,
            "years": pages.year_panels(province) if province else [],
        },
    )


# --- closing a year -----------------------------------------------------------------------------


def get_province_for_approver(request, structure: str, code: str) -> Province:
    """The province, if the user approves in it (or nationally); outside the user's scope it
    is a 404, like a commune's pages."""
    province = get_object_or_404(Province, structure=structure, code=code)
    access = access_for(request.user)
    if not access.covers(province.pk):
        raise Http404(_("No such province in your scope."))
    if not access.can_approve(province.pk):
        raise PermissionDenied(_("Only approvers of this province can close or reopen its years."))
    return province


def _closure_step(request, province, year, form, step):
    """Validate the form and run the service step; the outcome becomes a message."""
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        messages.success(request, step(form.cleaned_data))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    url = reverse("pages:approvals")
    return redirect(f"{url}?province={province.structure}-{province.code}#closure-{year}")


@login_required
@require_POST
def close_year(request, structure, code, year):
    province = get_province_for_approver(request, structure, code)

    def step(data):
        services.close_year(province=province, year=year, user=request.user, note=data["note"])
        return _("Year %(year)d of %(province)s is closed.") % _names(province, year)

    return _closure_step(request, province, year, forms.CloseYearForm(request.POST), step)


@login_required
@require_POST
def reopen_year(request, structure, code, year):
    province = get_province_for_approver(request, structure, code)

    def step(data):
        services.reopen_year(province=province, year=year, reason=data["reason"], user=request.user)
        return _("Year %(year)d of %(province)s is open again.") % _names(province, year)

    return _closure_step(request, province, year, forms.ReopenYearForm(request.POST), step)


@login_required
@require_POST
def open_commune(request, structure, code, year):
    province = get_province_for_approver(request, structure, code)
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
