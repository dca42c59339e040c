"""Django's permissions for the people who review in the admin, following their portal role:
one place says which staff logins read what there, and every app's admin (Django asks the
authentication backends) follows it without importing the access policy.

A staff login whose portal role is the national office's, or a provincial approver's, reads
the domain apps (reference data, criteria and assessments, OCOP); which rows of a province's
work it reads is the admin's scoping (accounts.admin.PortalScopedAdmin). The national office
also reads the security log. Nothing here grants a write: writes go through the services, by
the admin's own actions or by the permissions Django's groups give."""

from accounts.access import access_for
from accounts.models import Role

REVIEWED_APPS = frozenset({"communes", "criteria", "ocop", "programme"})
# The security log, and the programme's workflow steps (who took them and why, every province).
NATIONAL_ONLY = frozenset({"accounts.view_securityevent", "programme.view_step"})


def reads_in_admin(user) -> bool:
    """Whether a staff login's portal role lets it read in the admin: the national office's,
    or a provincial approver's (then only its province's work)."""
    if not (user.is_active and user.is_staff):
        return False
    access = access_for(user)
    if access.is_national:
        return True
    return access.role == Role.APPROVER and access.province_id is not None


class PortalRoleBackend:
    """Grants the view permissions of the reviewed apps to the logins that read in the admin;
    authenticates nobody (the other backends do)."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user, perm, obj=None):
        if not reads_in_admin(user):
            return False
        app_label, _, codename = perm.partition(".")
        if perm in NATIONAL_ONLY:
            return access_for(user).is_national
        return app_label in REVIEWED_APPS and codename.startswith("view_")

    def has_module_perms(self, user, app_label):
        if not reads_in_admin(user):
            return False
        if app_label in REVIEWED_APPS:
            return True
        return any(perm.startswith(f"{app_label}.") for perm in NATIONAL_ONLY) and (
            access_for(user).is_national
        )
