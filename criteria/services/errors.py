"""What the assessment services refuse with, besides ValidationError (bad input): each
error says why, in words a person can act on."""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from criteria.models import (
    YearClosure,
)


class StaleVersionError(Exception):
    """The assessment changed since the caller read it (in a batch: the commune's, and then
    nothing in the batch is done)."""

    def __init__(self, current_version: int, *, commune: str = ""):
        if commune:
            message = _(
                "The assessment of %(commune)s was changed by someone else (now version "
                "%(v)d): nothing in this batch was done. Reload it, check the changes and "
                "try again."
            )
        else:
            message = _(
                "This assessment was changed by someone else (now version %(v)d). "
                "Reload it, check the changes and save again."
            )
        super().__init__(message % {"v": current_version, "commune": commune})
        self.current_version = current_version
        self.commune = commune


class LockedError(Exception):
    """The assessment is submitted or approved, so its values cannot change."""


class WorkflowError(Exception):
    """The step does not fit the assessment's status (e.g. approving a draft)."""


class YearClosedError(Exception):
    """The year is closed for the commune's province, and the commune is not open by
    exception: its assessment can no longer be created, saved, submitted or reopened."""

    def __init__(self, closure: YearClosure):
        super().__init__(
            _(
                "Year %(year)d of %(province)s is closed (since %(date)s): its assessments can "
                "no longer be created, saved, submitted or reopened. An approver can reopen a "
                "commune by exception."
            )
            % {
                "year": closure.year,
                "province": closure.province.name,
                "date": date_format(timezone.localtime(closure.closed_at), "SHORT_DATE_FORMAT"),
            }
        )
        self.closure = closure
