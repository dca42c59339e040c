"""The national office's pages: criteria sets with their thresholds and editions, a draft's
grid and spreadsheet import, the preview of its effect, publishing, re-judging approved
results, and commune classes by file. Every change goes through criteria.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import access_for
from core.forms import error_text
from criteria.models import CommuneClass, CriteriaSet, Edition
from criteria.services import classes as class_services
from criteria.services import editions as services
from web.forms import editions as forms
from web.forms import errors_of
from web.viewmodels import criteria_sets as vm

EXTRA_ROWS = 3


def _require_national(request) -> None:
    if not access_for(request.user).is_national:
        raise PermissionDenied(_("Only the national office manages criteria sets."))


def _set(request, code: str) -> CriteriaSet:
    _require_national(request)
    return get_object_or_404(CriteriaSet, code=code)


def _edition(request, code: str, pk: int) -> Edition:
    criteria_set = _set(request, code)
    edition = get_object_or_404(Edition, criteria_set=criteria_set, pk=pk)
    edition.criteria_set = criteria_set
    return edition


@login_required
def criteria_sets(request):
    _require_national(request)
    sets = CriteriaSet.objects.prefetch_related("editions").order_by("-first_year")
    return render(request, "web/criteria_sets.html", {"sets": sets})


@login_required
def criteria_set(request, code):
    criteria_set = _set(request, code)
    context = {
        "picture": vm.set_picture(criteria_set),
        "draft_form": forms.DraftForm(
            initial={"first_year": criteria_set.first_year, "last_year": criteria_set.last_year}
        ),
        "rejudge_form": forms.RejudgeForm(),
    }
    return render(request, "web/criteria_set.html", context)


@login_required
@require_POST
def new_draft(request, code):
    criteria_set = _set(request, code)
    form = forms.DraftForm(request.POST)
    try:
        if not form.is_valid():
            raise errors_of(form)
        edition = services.draft_edition(
            criteria_set=criteria_set, user=request.user, **form.cleaned_data
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("pages:criteria-set", code)
    return redirect("pages:edition", code, edition.pk)


@login_required
def edition_page(request, code, pk):
    edition = _edition(request, code, pk)
    if edition.status != Edition.Status.DRAFT or request.method != "POST":
        return _render_edition(request, edition)
    draft = services.Draft.load(edition)
    draft.apply_stored()
    grid = _grid(request, draft, data=request.POST)
    if grid.is_valid():
        entries = [e for i, f in enumerate(grid.forms, 1) if (e := f.entry(i)) is not None]
        if any(form.errors for form in grid.forms):  # a stale line
            return _render_edition(request, edition, grid=grid, status=409)
        try:
            added = services.add_changes(edition=edition, entries=entries, user=request.user)
        except ValidationError as error:
            _errors_at_rows(grid, error)
        else:
            messages.success(
                request, _("%(count)d change(s) added to the draft.") % {"count": len(added)}
            )
            return redirect(request.get_full_path())
    return _render_edition(request, edition, grid=grid, status=400)


def _grid(request, draft, data=None):
    level, _sep, code = request.GET.get("indicator", "").partition(":")
    initial = vm.grid_initial(draft, level, code)
    if data is not None:
        initial = vm.ordered_like(initial, data)
    grid_class = forms.forms.formset_factory(forms.ThresholdRowForm, extra=EXTRA_ROWS)
    return grid_class(
        data, initial=initial, prefix="rows", form_kwargs={"choices": vm.grid_choices(draft)}
    )


def _errors_at_rows(grid, error: ValidationError) -> None:
    labels = {services.row_label(i): form for i, form in enumerate(grid.forms, 1)}
    for key, problems in error.message_dict.items():
        form = labels.get(key)
        if form is not None:
            form.add_error(None, problems)
        else:
            grid._non_form_errors = grid.non_form_errors() + problems


def _render_edition(
    request, edition, *, grid=None, import_errors=None, indicator_form=None, status=200
):
    context = {"edition": edition, "changes": edition.changes.select_related("created_by")}
    if edition.status == Edition.Status.DRAFT:
        draft = services.Draft.load(edition)
        context["check"] = draft.apply_stored() | draft.whole_errors()
        context["grid"] = grid or _grid(request, draft)
        context["upload_form"] = forms.UploadForm()
        context["publish_form"] = forms.PublishForm()
        context["import_errors"] = import_errors
        context["filter"] = request.GET.get("indicator", "")
        context["indicator_choices"] = vm.grid_choices(draft)["indicators"]
        context["indicator_form"] = indicator_form or _indicator_form(draft)
    return render(request, "web/edition.html", context, status=status)


@login_required
@require_POST
def edition_import(request, code, pk):
    edition = _edition(request, code, pk)
    form = forms.UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_edition(request, edition, import_errors=_listed(form.errors), status=400)
    try:
        added = services.import_thresholds(
            edition=edition, upload=form.cleaned_data["file"], user=request.user
        )
    except ValidationError as error:
        return _render_edition(request, edition, import_errors=_listed(error), status=400)
    messages.success(
        request, _("%(count)d threshold(s) imported into the draft.") % {"count": len(added)}
    )
    return redirect("pages:edition", code, pk)


def _listed(errors) -> list[tuple[str, list[str]]]:
    """Errors by row (or by field) in the order of the file's rows."""
    items = (
        errors.message_dict
        if isinstance(errors, ValidationError) and hasattr(errors, "error_dict")
        else errors
    )
    if isinstance(errors, ValidationError) and not hasattr(errors, "error_dict"):
        return [("", errors.messages)]
    return sorted(((key, list(msgs)) for key, msgs in items.items()), key=_row_order)


def _row_order(item) -> tuple[int, str]:
    number = item[0].rsplit(" ", 1)[-1]
    return (int(number), item[0]) if number.isdigit() else (0, item[0])


def _indicator_form(draft, data=None):
    return forms.IndicatorForm(data, prefix="new", **vm.indicator_choices(draft))


@login_required
@require_POST
def edition_indicator(request, code, pk):
    edition = _edition(request, code, pk)
    draft = services.Draft.load(edition)
    draft.apply_stored()
    form = _indicator_form(draft, request.POST)
    if form.is_valid():
        try:
            services.add_changes(edition=edition, entries=form.entries(draft), user=request.user)
        except ValidationError as error:
            form.add_error(None, [m for messages in error.message_dict.values() for m in messages])
        else:
            messages.success(request, _("The indicator is added to the draft."))
            return redirect("pages:edition", code, pk)
    return _render_edition(request, edition, indicator_form=form, status=400)


@login_required
@require_POST
def change_remove(request, code, pk, change):
    edition = _edition(request, code, pk)
    found = get_object_or_404(edition.changes, pk=change)
    try:
        services.remove_change(change=found)
    except ValidationError as error:
        messages.error(request, error_text(error))
    return redirect("pages:edition", code, pk)


@login_required
@require_POST
def edition_discard(request, code, pk):
    edition = _edition(request, code, pk)
    try:
        services.discard_edition(edition=edition, user=request.user)
        messages.success(request, _("The draft was discarded."))
    except ValidationError as error:
        messages.error(request, error_text(error))
    return redirect("pages:criteria-set", code)


@login_required
def edition_preview(request, code, pk):
    edition = _edition(request, code, pk)
    if edition.status != Edition.Status.DRAFT:
        return redirect("pages:edition", code, pk)
    preview = services.preview_edition(edition)
    return render(request, "web/edition_preview.html", {"edition": edition, "preview": preview})


@login_required
@require_POST
def edition_publish(request, code, pk):
    edition = _edition(request, code, pk)
    form = forms.PublishForm(request.POST)
    try:
        if not form.is_valid():  # a bad date, a legal source too long: nothing is published
            raise errors_of(form)
        published = services.publish_edition(
            edition=edition, user=request.user, **form.cleaned_data
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("pages:edition", code, pk)
    messages.success(
        request,
        _("Edition %(number)d is published: %(count)d open assessment(s) rescored.")
        % {"number": published.number, "count": published.rescored},
    )
    return redirect("pages:edition", code, pk)


@login_required
@require_POST
def rejudge(request, code):
    criteria_set = _set(request, code)
    form = forms.RejudgeForm(request.POST)
    try:
        if not form.is_valid():
            raise errors_of(form)
        data = form.cleaned_data
        done = services.rejudge(
            criteria_set=criteria_set,
            year=data["year"],
            province_code=data["province"] or None,
            reason=data["reason"],
            user=request.user,
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("pages:criteria-set", code)
    changed = sum(1 for r in done if r.old != r.new)
    messages.success(
        request,
        _("%(count)d approved assessment(s) re-judged; %(changed)d changed level.")
        % {"count": len(done), "changed": changed},
    )
    return redirect("pages:criteria-set", code)


@login_required
def commune_classes(request, code):
    criteria_set = _set(request, code)
    form, errors, status = forms.UploadForm(), None, 200
    if request.method == "POST":
        form = forms.UploadForm(request.POST, request.FILES)
        try:
            if not form.is_valid():
                raise ValidationError(form.errors)
            report = class_services.import_classes(
                criteria_set=criteria_set, upload=form.cleaned_data["file"], user=request.user
            )
        except ValidationError as error:
            errors, status = _listed(error), 400
        else:
            messages.success(request, _class_report(report))
            return redirect("pages:commune-classes", code)
    assigned = (
        CommuneClass.objects.filter(criteria_set=criteria_set)
        .select_related("commune__province")
        .order_by("-year", "commune__province__code", "commune__code")[:500]
    )
    context = {"criteria_set": criteria_set, "form": form, "errors": errors, "assigned": assigned}
    return render(request, "web/commune_classes.html", context, status=status)


def _class_report(report) -> str:
    return _(
        "Classes saved: %(created)d new, %(changed)d changed, %(unchanged)d unchanged; "
        "%(rescored)d open assessment(s) rescored."
    ) % {
        "created": report.created,
        "changed": report.changed,
        "unchanged": report.unchanged,
        "rescored": report.rescored,
    }
