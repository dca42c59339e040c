"""The programme page: what a province reports beside commune levels (resources by source,
works built, production models, hamlet titles, the year's plan, province figures), year by
year; the forms that add and change those records; their workflow steps, one by one or all of
the year at once; the province's figures of the year and its annual report.

Scope as on the OCOP pages (accounts.access): the staff of a province, and national users who
choose one, read its records; another province's record is a 404; a form is a 403 to those
who may not change the province (viewers). Every write goes through programme.services, whose
errors come back at the fields they name, nothing saved."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from django.views.decorators.http import require_POST

from accounts.access import Access, access_for
from communes.models import Province
from core.forms import add_service_errors, error_text
from programme import imports, selectors, services
from web.forms import errors_of
from web.forms import imports as import_forms
from web.forms import programme as forms
from web.viewmodels import programme as vm
from web.viewmodels.ocop import chooses_province

STEP_DONE = {
    "submit": gettext_lazy("Submitted for approval."),
    "approve": gettext_lazy("Approved: the record is locked."),
    "return": gettext_lazy("Returned to the officers for changes."),
    "reopen": gettext_lazy("Reopened: the officers can change the record again."),
}
IMPORTED = ngettext_lazy("Imported: %(n)d record.", "Imported: %(n)d records.", "n")
BULK_DONE = {
    "submit": ngettext_lazy(
        "%(n)d record submitted for approval.", "%(n)d records submitted for approval.", "n"
    ),
    "approve": ngettext_lazy("%(n)d record approved.", "%(n)d records approved.", "n"),
}


@dataclass
class Page:
    """The province and year the page shows, for this user."""

    access: Access
    province: Province | None
    year: int
    form: forms.ScopeForm

    @property
    def chooses(self) -> bool:
        return chooses_province(self.access)

    @property
    def can_edit(self) -> bool:
        return self.province is not None and self.access.can_edit(self.province.pk)

    @property
    def query(self) -> str:
        return vm.page_query(self.province, self.year, self.access) if self.province else ""

    def url(self, anchor: str = "") -> str:
        return vm.page_url(self.province, self.year, self.access, anchor)


def page_for(request, data=None) -> Page:
    access = access_for(request.user)
    form = forms.ScopeForm(request.GET if data is None else data, access=access)
    province = form.resolve()
    return Page(access, province, form.year_shown(province, timezone.localdate()), form)


def _kind(slug: str) -> vm.Kind:
    kind = vm.KINDS.get(slug)
    if kind is None:
        raise Http404(_("No such kind of record."))
    return kind


def _refuse():
    return PermissionDenied(
        _("Only officers of this province and national users change its programme records.")
    )


def _page_to_edit(request) -> Page:
    """The province and year a new record goes into, if the user may change the province."""
    page = page_for(request)
    if page.province is None:
        raise Http404(_("Choose a province first.")) if page.chooses else _refuse()
    if not page.can_edit:
        raise _refuse()
    return page


def get_record_for_user(request, kind: vm.Kind, pk: int):
    """The record, if the user is staff of its province (or national); else 404."""
    access = access_for(request.user)
    found = selectors.visible(kind.model, access).select_related(*kind.related).filter(pk=pk)
    record = found.first()
    if record is None or not access.covers(record.province_id):
        raise Http404(_("No such record in your province."))
    return record


def _page_of(request, record) -> Page:
    access = access_for(request.user)
    return Page(access, record.province, record.year, forms.ScopeForm(None, access=access))


# --- the page -------------------------------------------------------------------------------------


@login_required
def records(request):
    page = page_for(request)
    context = {
        "page": page,
        "years": vm.year_choices(timezone.localdate()),
        "provinces": page.form.provinces() if page.chooses else None,
    }
    if page.province is not None:
        sections = vm.sections(page.province, page.year, page.access)
        context |= {
            "sections": sections,
            "bulk": vm.bulk_steps(sections),
            "summary": vm.summary(page.province, page.year),
            "upload": _import_form(request) if page.can_edit else None,
            "kinds": vm.KINDS,
        }
    return render(request, "web/programme/records.html", context)


# --- adding and changing a record -----------------------------------------------------------------


def _posted(request):
    return request.POST if request.method == "POST" else None


def _form_page(request, form, *, kind: vm.Kind, page: Page, title: str, submit: str):
    """A record's form, with its errors (400 when a post was refused)."""
    context = {
        "form": form,
        "kind": kind,
        "page": page,
        "title": title,
        "submit": submit,
        "cancel": page.url(kind.slug),
    }
    return render(request, "web/programme/form.html", context, status=400 if form.is_bound else 200)


@login_required
def record_new(request, kind):
    kind = _kind(kind)
    page = _page_to_edit(request)
    form = forms.FORMS[kind.slug](_posted(request), province=page.province, year=page.year)
    if form.is_valid():
        try:
            record = services.create(
                kind.model, access=page.access, user=request.user, data=form.data_for_service()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved as a draft. Submit it when it is complete."))
            return redirect(page.url(vm.anchor(kind, record)))
    title, submit = kind.add_label, _("Save as a draft")
    return _form_page(request, form, kind=kind, page=page, title=title, submit=submit)


@login_required
def record_edit(request, kind, pk):
    kind = _kind(kind)
    record = get_record_for_user(request, kind, pk)
    page = _page_of(request, record)
    if not page.can_edit:
        raise _refuse()
    if record.is_locked:
        messages.error(request, _("This record is submitted or approved: it cannot be changed."))
        return redirect(page.url(vm.anchor(kind, record)))
    form = forms.FORMS[kind.slug](
        _posted(request), province=record.province, year=record.year, record=record
    )
    if form.is_valid():
        try:
            services.update(
                record,
                access=page.access,
                user=request.user,
                version=form.cleaned_data["version"],
                data=form.data_for_service(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except services.StateError as error:
            messages.error(request, f"{error} {_('Nothing was saved.')}")
            return redirect(request.path)
        else:
            messages.success(request, _("The record is saved."))
            return redirect(page.url(vm.anchor(kind, record)))
    title, submit = _("Change: %(kind)s") % {"kind": kind.title}, _("Save the changes")
    return _form_page(request, form, kind=kind, page=page, title=title, submit=submit)


@login_required
@require_POST
def record_delete(request, kind, pk):
    kind = _kind(kind)
    record = get_record_for_user(request, kind, pk)
    page = _page_of(request, record)
    version = request.POST.get("version", "")
    version = int(version) if version.isascii() and version.isdigit() else None
    try:
        services.delete(record, access=page.access, user=request.user, version=version)
    except services.StateError as error:
        messages.error(request, str(error))
        return redirect(page.url(vm.anchor(kind, record)))
    messages.success(request, _("The record is deleted."))
    return redirect(page.url(kind.slug))


# --- workflow -------------------------------------------------------------------------------------


@login_required
@require_POST
def record_step(request, kind, pk):
    kind = _kind(kind)
    record = get_record_for_user(request, kind, pk)
    page = _page_of(request, record)
    form = forms.StepForm(request.POST)
    try:
        if not form.is_valid():
            raise errors_of(form)
        services.move(record, access=page.access, user=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, f"{error_text(error)} {_('Nothing was done.')}")
    except services.StateError as error:
        messages.error(request, f"{error} {_('Nothing was done.')}")
    else:
        messages.success(request, STEP_DONE[form.cleaned_data["action"]])
    return redirect(page.url(vm.anchor(kind, record)))


@login_required
@require_POST
def bulk_step(request):
    """Every record the page listed as waiting for the step, each moved by its own
    services.move; one refusal and none of them moves."""
    page = page_for(request, request.POST)
    if page.province is None:
        raise Http404(_("Choose a province first."))
    form = forms.BulkForm(request.POST, kinds=vm.KINDS)
    try:
        if not form.is_valid():
            raise errors_of(form)
        action = form.cleaned_data["action"]
        with transaction.atomic():
            for slug, pk, version in form.cleaned_data["records"]:
                record = _record_of_page(page, vm.KINDS[slug], pk)
                services.move(
                    record, action=action, access=page.access, user=request.user, version=version
                )
    except ValidationError as error:
        messages.error(request, f"{error_text(error)} {_('Nothing was done.')}")
    except services.StateError as error:
        messages.error(request, f"{error} {_('Nothing was done.')}")
    else:
        messages.success(request, BULK_DONE[action] % {"n": len(form.cleaned_data["records"])})
    return redirect(page.url())


def _record_of_page(page: Page, kind: vm.Kind, pk: int):
    record = kind.model.objects.filter(province=page.province, year=page.year, pk=pk).first()
    if record is None:
        raise ValidationError(_("A record of the list is no longer there: reload the page."))
    return record


# --- import ---------------------------------------------------------------------------------------


def _import_form(request, data=None, files=None):
    kinds = [(slug, kind.title) for slug, kind in vm.KINDS.items()]
    return forms.ImportForm(data, files, user=request.user, kinds=kinds)


def _import_page(request, page: Page, upload, *, status=200, **context):
    context |= {"page": page, "upload": upload, "kinds": vm.KINDS}
    return render(request, "web/programme/import.html", context, status=status)


@login_required
def import_check(request):
    """A file checked (nothing written): what it would add, or every error."""
    page = page_for(request, request.POST if request.method == "POST" else None)
    imports.import_access(request.user, "fundings")  # 403 to those who may not enter records
    upload = _import_form(request, _posted(request), request.FILES or None)
    if not upload.is_valid():
        return _import_page(request, page, upload, status=400 if upload.is_bound else 200)
    data = upload.cleaned_data
    try:
        report = imports.import_records(
            data["kind"], data["file"], user=request.user, status=data["status"], dry_run=True
        )
    except imports.ProgrammeImportRefused as refused:
        return _import_page(request, page, upload, refusal=refused, status=400)
    except ValidationError as error:
        upload.add_error(None, error_text(error))
        return _import_page(request, page, upload, status=400)
    token = upload.keep(request.user)
    confirm = forms.ImportConfirmForm(initial={"token": token}, user=request.user)
    return _import_page(request, page, upload, report=report, confirm=confirm)


@login_required
@require_POST
def import_confirm(request):
    page = page_for(request, request.POST)
    confirm = forms.ImportConfirmForm(request.POST, user=request.user)
    if not confirm.is_valid():
        messages.error(request, error_text(errors_of(confirm)))
        return _import_page(request, page, _import_form(request), status=400)
    name = confirm.cleaned_data["token"]
    try:
        with default_storage.open(name, "rb") as file:
            report = imports.import_records(
                confirm.kind, file, user=request.user, status=confirm.status
            )
    except imports.ProgrammeImportRefused as refused:
        return _import_page(request, page, _import_form(request), refusal=refused, status=400)
    except ValidationError as error:
        messages.error(request, f"{error_text(error)} {_('Nothing was done.')}")
        return _import_page(request, page, _import_form(request), status=400)
    finally:
        import_forms.forget(name)  # applied or refused, the next try starts from a new upload
    messages.success(request, IMPORTED % {"n": report.created})
    return redirect(page.url(confirm.kind) if page.province else reverse("programme:records"))
