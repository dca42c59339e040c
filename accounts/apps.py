from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Who may see and change what: each portal user's role and the province it covers; the
    security log."""

    name = "accounts"
    verbose_name = _("Portal users and roles")

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in

        from accounts import security

        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(security.logged_in, dispatch_uid="ntm_logged_in")
        user_locked_out.connect(security.locked_out, dispatch_uid="ntm_locked_out")
