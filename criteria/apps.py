from django.apps import AppConfig
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
            "import_values", run=criteria_jobs.import_values, check=criteria_jobs.import_params
        )
