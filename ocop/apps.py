from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OcopConfig(AppConfig):
    name = "ocop"
    verbose_name = _("OCOP products")

    def ready(self):
        from criteria import registry
        from ocop import selectors, services

        # Advanced NTM indicator 13.2 counts a commune's certified products (derived measure).
        registry.register(services.CERTIFIED_PRODUCTS, selectors.certified_products_count)
        # After every migrate, once the evaluations' table is there (and rebuilt).
        post_migrate.connect(_install_triggers, sender=self, dispatch_uid="ocop-latest-trigger")


def _install_triggers(sender, using="default", **kwargs):
    from ocop.latest import install_triggers

    install_triggers(using)
