from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Seeding(models.Model):
    """The demo data seed_demo last wrote, and the fingerprint of what it was built from (the
    demo's code, the criteria set, the units): a later run with the same fingerprint knows the
    demo in the database is current and leaves it alone."""

    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    written = models.JSONField(_("rows written"), default=dict)
    seeded_at = models.DateTimeField(_("seeded at"), default=timezone.now)

    class Meta:
        verbose_name = _("demo seeding")
        verbose_name_plural = _("demo seedings")

    def __str__(self) -> str:
        return f"{self.seeded_at:%Y-%m-%d %H:%M} {self.fingerprint[:12]}"
