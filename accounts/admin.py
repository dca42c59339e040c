from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts.access import access_for
from accounts.models import PortalAccess, SecurityEvent
from core.admin import HistoryAdmin, ReadOnlyMixin, pk_or_404


class PortalScopedAdmin:
    """Django admin for the people who review, through the portal's access policy
    (accounts.access), as the pages and the API. Who reads which models is said once, by
    accounts.permissions (the national office and provincial approvers with a staff login);
    this limits a provincial approver to its own province's work, reached through
    ``province_field`` (one path, or several of which any may lead to the province, e.g. a
    commune's or a district's recognition). Officers and viewers use the pages, not the
    admin. Another province's row is not in the
    approver's lists and its pages are a 404, as a row that does not exist. Adding, changing
    and deleting stay as each admin declares them (Django's permissions, superusers)."""

    province_field: str | tuple[str, ...] | None = None  # None: reference data, not scoped

    def _scoped_provinces(self, request) -> frozenset[int] | None:
        """The provinces the user's rows are limited to (None: no limit): theirs, on both
        maps (accounts.access)."""
        if request.user.is_superuser:
            return None  # without reading the portal role: superusers see everything
        access = access_for(request.user)
        return None if access.country_wide else access.province_ids

    def get_queryset(self, request):
        return self.in_scope(request, super().get_queryset(request))

    def in_scope(self, request, queryset):
        """The queryset limited to the user's province (an admin whose get_queryset does not
        start from super()'s calls this)."""
        province_ids = self._scoped_provinces(request)
        if province_ids is None or self.province_field is None:
            return queryset
        paths = self.province_field
        paths = (paths,) if isinstance(paths, str) else paths
        matches = Q()
        for path in paths:
            matches |= Q(**{f"{path}_id__in": sorted(province_ids)})
        return queryset.filter(matches)

    def _in_scope_or_404(self, request, object_id) -> None:
        """Another province's row answers as a missing one: 404 (Django's redirect with a
        "doesn't exist" message is for the national office and superusers). A malformed id is
        not found either, for everyone: the history's own lookup fails on it with a 500."""
        pk = pk_or_404(self.model, object_id)
        if self._scoped_provinces(request) is None or self.province_field is None:
            return
        if not self.get_queryset(request).filter(pk=pk).exists():
            raise Http404

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._in_scope_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._in_scope_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._in_scope_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._in_scope_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class PortalAccessInline(admin.StackedInline):
    model = PortalAccess
    can_delete = True
    autocomplete_fields = ["province"]
    max_num = 1


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(HistoryAdmin, UserAdmin):
    inlines = [*UserAdmin.inlines, PortalAccessInline]
    list_display = [*UserAdmin.list_display, "portal_role"]
    list_select_related = ["portal_access__province"]
    list_filter = [*UserAdmin.list_filter, "portal_access__role"]

    @admin.display(description="role / vai trò")
    def portal_role(self, obj):
        return getattr(obj, "portal_access", None) or "—"


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The security log, to read: nobody adds, edits or deletes an event."""

    list_display = ["at", "kind", "username", "address", "path", "summary"]
    list_filter = ["kind", "at"]
    search_fields = ["username", "address", "path"]
    date_hierarchy = "at"
    readonly_fields = ["at", "kind", "user", "username", "address", "path", "detail"]

    @admin.display(description=_("detail"))
    def summary(self, event):
        return ", ".join(f"{key}: {value}" for key, value in event.detail.items()) or "—"
