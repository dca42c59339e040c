"""A portal user's role and scope. Django's own User holds the login; this holds what the
user may do and where: one province, or the whole country."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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
