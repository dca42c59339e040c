from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    """Statistics built from stored results, and the units with their picture for a year: the
    layer above communes, criteria and ocop."""

    name = "stats"
    verbose_name = _("Statistics")

    def ready(self):
        from core import answers
        from stats import freshness

        # The version the cached answers are kept under (the statistics, an assessment's
        # detail, the lists' pages): the count of committed writes to the tables they read.
        answers.provide(freshness.version)
        # After every migrate, once the tables the triggers watch are there (and rebuilt).
        post_migrate.connect(
            _install_triggers, sender=self, dispatch_uid="stats-freshness-triggers"
        )


def _install_triggers(sender, using="default", **kwargs):
    from stats.freshness import install_triggers

    install_triggers(using)
