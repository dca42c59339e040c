"""What the admin of every app shares."""


class ReadOnlyMixin:
    """Rows only the services write (values, evidence, closed years, the security log): the
    admin shows them, and adds, changes and deletes nothing."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
