from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from accounts.models import PortalAccess


class PortalAccessInline(admin.StackedInline):
    model = PortalAccess
    can_delete = True
    autocomplete_fields = ["province"]
    max_num = 1


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, PortalAccessInline]
    list_display = [*UserAdmin.list_display, "portal_role"]
    list_select_related = ["portal_access__province"]
    list_filter = [*UserAdmin.list_filter, "portal_access__role"]

    @admin.display(description="role / vai trò")
    def portal_role(self, obj):
        return getattr(obj, "portal_access", None) or "—"
