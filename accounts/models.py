"""A portal user's role and scope. Django's own User holds the login; this holds what the
user may do and where: one province, or the whole country."""

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history import register
from simple_history.models import HistoricalRecords

from communes.models import Province


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer (read)")
    OFFICER = "officer", _("Officer (enter and submit data)")
    APPROVER = "approver", _("Approver (approve or return)")
    NATIONAL = "national", _("National office (everything)")


# Roles that act on one province's data and so must name it.
PROVINCIAL_ROLES = (Role.OFFICER, Role.APPROVER)


class PortalAccess(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="portal_access",
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    province = models.ForeignKey(
        Province,
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: the whole country (national office, national viewers)."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("portal access")
        verbose_name_plural = _("portal access")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=PROVINCIAL_ROLES) | Q(province__isnull=False),
                name="portalaccess_provincial_role_has_province",
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.NATIONAL) | Q(province__isnull=True),
                name="portalaccess_national_role_has_no_province",
            ),
        ]

    def __str__(self) -> str:
        where = self.province.name if self.province_id else _("whole country")
        return f"{self.user} ({self.get_role_display()}, {where})"


class SecurityEvent(models.Model):
    """One security-relevant event (a login, a lockout, a role change, an approval...): the
    security log, kept here for the admin and written as one JSON line to the log
    (accounts.security.record)."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOCKED_OUT = "locked_out", _("Locked out after failed logins")
        LOGOUT = "logout", _("Logged out")
        TOKEN_CREATED = "token_created", _("API token issued")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET = "password_reset", _("Password reset requested")
        ROLE_CHANGED = "role_changed", _("Role or province changed")
        ACCOUNT_CHANGED = "account_changed", _("Account rights changed")
        YEAR_CLOSED = "year_closed", _("Year closed")
        YEAR_REOPENED = "year_reopened", _("Year reopened")
        STEP_TAKEN = "step_taken", _("Workflow step (approve, return, reopen)")
        # A province's own threshold is published as an edition of its own (publish_now).
        EDITION_PUBLISHED = "edition_published", _("Criteria edition published")
        RESULTS_REJUDGED = "results_rejudged", _("Approved results re-judged")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    path = models.CharField(_("path"), max_length=200, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind} {self.username}"


# Who changed an account's rights (active, staff, superuser) and when; never its password hash,
# and not the last-login stamp (accounts.security.logged_in: the security log has logins).
register(User, app="accounts", excluded_fields=["password", "last_login"])
