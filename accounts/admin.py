from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import PortalAccess, SecurityEvent
from core.admin import ReadOnlyMixin


class PortalAccessInline(admin.StackedInline):
    model = PortalAccess
    can_delete = True
    autocomplete_fields = ["province"]
    max_num = 1


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(SimpleHistoryAdmin, UserAdmin):
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
