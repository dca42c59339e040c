from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    """Every HTML page of the portal, on top of the domain apps it shows."""

    name = "web"
    verbose_name = _("Portal pages")
