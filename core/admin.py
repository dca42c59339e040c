"""What the admin of every app shares."""

import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from core.formatting import format_number


class ReadOnlyMixin:
    """Rows only the services write (values, evidence, closed years, the security log): the
    admin shows them, and adds, changes and deletes nothing."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def pk_or_404(model, object_id: str):
    """The primary key an admin URL names, or 404 for one that is no key at all ("abc" for
    a number): the history's own lookup raised on it, a 500."""
    try:
        return model._meta.pk.to_python(unquote(object_id))
    except (ValidationError, ValueError, TypeError):
        raise Http404 from None


def shown_value(field, value):
    """A field's value as the admin's lists show it: a choice by its label, yes or no in
    words, a time in the portal's time zone, a number without trailing zeros, no value (or
    no related row) as a dash."""
    if value is None or value == "" or (isinstance(value, DeletedObject) and value.pk is None):
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, str | int) and getattr(field, "choices", None):
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, datetime.datetime):
        return formats.localize(timezone.localtime(value) if timezone.is_aware(value) else value)
    if isinstance(value, Decimal):
        return format_number(value)
    return value


class ShownChanges(HistoricalRecordContextHelper):
    """The history's changes with their values in words (shown_value), not as stored:
    "draft → submitted", "False → True", times in UTC, "Deleted edition (pk=None)" for none.
    ``labels``: {field name: the label of a value} for codes a field's choices do not name
    (HistoryAdmin.history_labels)."""

    def __init__(self, model, historical_record, labels: dict | None = None):
        super().__init__(model, historical_record)
        self.labels = labels or {}

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        label = self.labels.get(change.field)
        if label is not None and value not in (None, ""):
            return label(self.record, value)
        return shown_value(self.model._meta.get_field(change.field), value)


class HistoryAdmin(SimpleHistoryAdmin):
    """Shows who changed what and when, in words; never reverts, because a revert would
    write around the services (which validate, rescore and log)."""

    def revert_disabled(self, request, obj=None):
        return True

    def get_historical_record_context_helper(self, request, historical_record):
        labels = getattr(request, "_history_labels", None)
        if labels is None:  # once a page, not once a record
            labels = request._history_labels = self.history_labels(request)
        return ShownChanges(self.model, historical_record, labels)

    def history_labels(self, request) -> dict:
        """{field name: label(record, value)} for the codes the history shows in words."""
        return {}

    def set_history_delta_changes(self, request, historical_records, *args, **kwargs):
        super().set_history_delta_changes(request, historical_records, *args, **kwargs)
        for record in historical_records:  # "None" on the page for a change with no reason
            record.history_change_reason = record.history_change_reason or "—"

    def history_view(self, request, object_id, extra_context=None):
        pk_or_404(self.model, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        pk_or_404(self.model, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class RelatedLists:
    """On a row's page, a link to each admin list of the rows that point to it (a commune's
    assessments, recognitions, OCOP producers and products; a province's districts, communes,
    targets...), each list already filtered to this row. Found from the models registered in
    the admin, so that an app low in the tree (communes) links to the apps built on it
    without importing them; only the lists the reader may open are offered, and each shows
    only the rows its own admin lets the reader see."""

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is None:
            return fields
        return [*fields, self._related_lists(request)]

    def _related_lists(self, request):
        """The field, made once per request: Django asks for the read-only fields more than
        once per page and matches them by identity."""
        cached = getattr(request, "_related_lists", {})
        if self.model not in cached:
            cached[self.model] = self._make_related_lists(request)
            request._related_lists = cached
        return cached[self.model]

    def _make_related_lists(self, request):
        links = []
        for model, model_admin in self.admin_site._registry.items():
            if model is self.model or not model_admin.has_view_permission(request):
                continue
            for field in model._meta.get_fields():
                if isinstance(field, models.ForeignKey) and field.related_model is self.model:
                    links.append((model, field))

        @admin.display(description=_("related records"))
        def related_records(obj):
            if not links:
                return "—"
            items = []
            for model, field in sorted(links, key=lambda link: str(link[0]._meta.verbose_name)):
                meta = model._meta
                url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
                query = urlencode({f"{field.name}__{field.target_field.name}__exact": obj.pk})
                label = capfirst(meta.verbose_name_plural)
                if len([m for m, _f in links if m is model]) > 1:
                    label = f"{label} ({field.verbose_name})"
                items.append((f"{url}?{query}", label))
            return format_html_join(" · ", '<a href="{}">{}</a>', items)

        return related_records


def number_column(field: str, description):
    """A column (or read-only field) showing a stored decimal as the pages write it: no
    trailing zeros, the language's decimal mark ("60", not "60,00")."""

    @admin.display(description=description, ordering=field)
    def column(obj):
        value = getattr(obj, field)
        return "—" if value is None else format_number(value)

    column.__name__ = f"{field}_shown"
    return column
