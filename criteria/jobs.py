"""The criteria app's background jobs (jobs.registry), registered in CriteriaConfig.ready()."""

import uuid
from pathlib import PurePosixPath

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

# Where a file waits for its background import (default storage); removed once imported.
PENDING = "imports/jobs"


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


def keep_for_import(upload) -> str:
    """Store an uploaded file for a background import; its name in default storage."""
    suffix = PurePosixPath(upload.name or "").suffix.lower()[:8]
    return default_storage.save(f"{PENDING}/{uuid.uuid4().hex}{suffix}", upload)


def import_params(params: dict) -> dict:
    """The "import_values" job's parameters: the stored file, the status, dry run, and the
    user it imports as (checked again by the service when it runs)."""
    name = str(params.get("file", ""))
    if not name.startswith(f"{PENDING}/") or not default_storage.exists(name):
        raise ValidationError(_("The file to import is not kept any more."))
    return {
        "file": name,
        "status": params.get("status", "draft"),
        "dry_run": bool(params.get("dry_run", False)),
        "user": params.get("user"),
    }


def abandon_import(params: dict) -> None:
    """The file kept for an import that will never run (not queued, or failed as stuck)."""
    if default_storage.exists(params["file"]):
        default_storage.delete(params["file"])


def import_values(params: dict, progress) -> dict:
    """Import a stored file through the one import service (all or nothing), reporting the
    rows read; a refused file is a result too (``refused`` with every error), not a failure
    of the job. The stored file is removed either way."""
    from criteria.services.imports import ImportRefused
    from criteria.services.imports import import_values as run_import

    try:
        user = None  # no user: the operator at the server (a command), the national scope
        if params["user"]:
            # Its starter's, checked again as it runs: an account deleted or deactivated since
            # the job was queued imports nothing, never as nobody (the national scope).
            user = get_user_model().objects.filter(pk=params["user"], is_active=True).first()
            if user is None:
                raise PermissionDenied(
                    _("The account that started this import is gone or deactivated.")
                )
        with default_storage.open(params["file"], "rb") as file:
            report = run_import(
                file=file,
                user=user,
                status=params["status"],
                dry_run=params["dry_run"],
                progress=lambda rows: progress(rows, 0, _("%(n)d rows read") % {"n": rows}),
            )
    except ImportRefused as refused:
        rows = refused.report.rows
        progress(rows, rows, _("%(n)d rows read") % {"n": rows})  # counted: "n of n"
        return {"refused": True, "message": str(refused), **refused.report.as_dict()}
    finally:
        default_storage.delete(params["file"])
    progress(report.rows, report.rows, _("%(n)d rows read") % {"n": report.rows})
    return {"refused": False, **report.as_dict()}
