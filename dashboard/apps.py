from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """Statistics and the units-with-levels views: the layer above communes, criteria and ocop."""

    name = "dashboard"
    verbose_name = _("Dashboard and statistics")
