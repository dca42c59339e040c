from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    """Statistics built from stored results, and the units with their picture for a year: the
    layer above communes, criteria and ocop."""

    name = "stats"
    verbose_name = _("Statistics")
