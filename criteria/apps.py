from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CriteriaConfig(AppConfig):
    name = "criteria"
    verbose_name = _("NTM criteria and assessments")

    def ready(self):
        from criteria import registry, services

        # Derived values (e.g. OCOP products) rescore the communes they changed for.
        registry.subscribe(services.rescore_for_derived_change)
