from django.apps import AppConfig
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Open assessments rescored per transaction, and per progress report, by the "rescore_year" job.
RESCORE_BATCH = 500


class CriteriaConfig(AppConfig):
    name = "criteria"
    verbose_name = gettext_lazy("NTM criteria and assessments")

    def ready(self):
        from criteria import registry, services
        from jobs import registry as job_kinds

        # Derived values (e.g. OCOP products) rescore the communes they changed for.
        registry.subscribe(services.rescore_for_derived_change)
        # Rescoring a year (e.g. after its thresholds changed) as a background job.
        job_kinds.register("rescore_year", run=rescore_year, check=year_params)


def year_params(params: dict) -> dict:
    """The "rescore_year" job's parameters: a year, and optionally a province code."""
    try:
        year = int(params.get("year", ""))
    except (TypeError, ValueError):
        raise ValidationError(_("Give the year to rescore as a whole number.")) from None
    province = params.get("province") or None
    return {"year": year, "province": str(province) if province else None}


def rescore_year(params: dict, progress) -> dict:
    """Rescore a year's open assessments (services.results.recompute's batches), reporting
    after each batch; approved ones keep the result they were approved with."""
    from criteria import selectors
    from criteria.services.results import rescore_open

    ids = selectors.assessment_ids(
        year=params["year"], province_code=params["province"], open_only=True
    )
    progress(0, len(ids))
    rescored = 0
    for start in range(0, len(ids), RESCORE_BATCH):
        rescored += rescore_open(ids[start : start + RESCORE_BATCH])
        progress(min(start + RESCORE_BATCH, len(ids)), len(ids))
    return {"rescored": rescored}
