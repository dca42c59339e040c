"""The criteria app's background jobs (jobs.registry), registered in CriteriaConfig.ready()."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def year_params(params: dict) -> dict:
    """The "rescore_year" job's parameters: a year, and optionally a province code."""
    try:
        year = int(params.get("year", ""))
    except (TypeError, ValueError):
        raise ValidationError(_("Give the year to rescore as a whole number.")) from None
    province = params.get("province") or None
    return {"year": year, "province": str(province) if province else None}


def rescore_year(params: dict, progress) -> dict:
    """Rescore a year's open assessments (services.recompute, reporting after each batch);
    approved ones keep the result they were approved with."""
    from criteria.services import recompute

    rescored = recompute(year=params["year"], province_code=params["province"], progress=progress)
    return {"rescored": rescored}
