from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy


class CriteriaConfig(AppConfig):
    name = "criteria"
    verbose_name = gettext_lazy("NTM criteria and assessments")

    def ready(self):
        from criteria import jobs as criteria_jobs
        from criteria import registry, services
        from jobs import registry as job_kinds

        # Derived values (e.g. OCOP products) rescore the communes they changed for.
        registry.subscribe(services.rescore_for_derived_change)
        # Rescoring a year (e.g. after its thresholds changed) as a background job.
        job_kinds.register(
            "rescore_year", run=criteria_jobs.rescore_year, check=criteria_jobs.year_params
        )
        # A long import (the API's background=true), followed at /api/v1/jobs/<id>/.
        job_kinds.register(
            "import_values",
            run=criteria_jobs.import_values,
            check=criteria_jobs.import_params,
            abandon=criteria_jobs.abandon_import,
        )
        # The rules' version (criteria.rules_version), once the rule tables are there (rebuilt).
        post_migrate.connect(_install_triggers, sender=self, dispatch_uid="criteria-rules-version")


def _install_triggers(sender, using="default", **kwargs):
    from criteria.rules_version import install_triggers

    install_triggers(using)
