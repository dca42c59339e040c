from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo provinces and their data (seed_demo): on top of every domain app."""

    name = "demo"
    verbose_name = _("Demo data")
