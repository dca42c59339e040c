"""Write operations on assessments, by topic. Views, admin, API and commands all call these.

Saving values rescores the assessment in the same transaction; nothing rescores behind the
caller's back (no signals). Bad input raises ValidationError naming the measure and the reason,
and writes nothing. The package's face hands on each topic's operations, so that callers write
``services.save_values(...)`` without knowing which module holds it.
"""

from core.errors import AlreadyExistsError
from criteria.services.closures import close_year, open_commune_by_exception, reopen_year
from criteria.services.errors import (
    LockedError,
    StaleVersionError,
    WorkflowError,
    YearClosedError,
)
from criteria.services.evidence import (
    EVIDENCE_KINDS,
    attach_evidence,
    check_evidence_file,
    remove_evidence,
)
from criteria.services.exports import write_values_csv
from criteria.services.imports import ImportRefused, ImportReport, import_values
from criteria.services.recognitions import (
    level_for_year,
    record_recognition,
    revoke_recognition,
    set_target,
)
from criteria.services.results import (
    RESULT_FIELDS,
    recompute,
    rescore,
    rescore_for_derived_change,
    rescore_many,
)
from criteria.services.values import (
    ParsedValue,
    create_assessment,
    criteria_set_for_year,
    parse_value,
    parse_values,
    save_values,
)
from criteria.services.workflow import TRANSITIONS, move

__all__ = [
    "AlreadyExistsError",
    "EVIDENCE_KINDS",
    "ImportRefused",
    "ImportReport",
    "RESULT_FIELDS",
    "TRANSITIONS",
    "LockedError",
    "ParsedValue",
    "StaleVersionError",
    "WorkflowError",
    "YearClosedError",
    "attach_evidence",
    "check_evidence_file",
    "close_year",
    "create_assessment",
    "criteria_set_for_year",
    "import_values",
    "level_for_year",
    "move",
    "open_commune_by_exception",
    "parse_value",
    "parse_values",
    "record_recognition",
    "recompute",
    "remove_evidence",
    "reopen_year",
    "rescore",
    "rescore_for_derived_change",
    "rescore_many",
    "revoke_recognition",
    "save_values",
    "set_target",
    "write_values_csv",
]
