from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Who may see and change what: each portal user's role and the province it covers."""

    name = "accounts"
    verbose_name = _("Portal users and roles")
