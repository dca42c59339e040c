"""What the admin of every app shares."""

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class ReadOnlyMixin:
    """Rows only the services write (values, evidence, closed years, the security log): the
    admin shows them, and adds, changes and deletes nothing."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HistoryAdmin(SimpleHistoryAdmin):
    """Shows who changed what and when; never reverts, because a revert would write around
    the services (which validate, rescore and log)."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
