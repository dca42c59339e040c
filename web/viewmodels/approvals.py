"""The approvals page: the queue of submitted assessments, and the province's years to close
or reopen."""

from dataclasses import dataclass

from django.db.models import Count

from accounts.access import Access
from communes.models import Commune, Province, structures_for_years
from criteria import selectors
from criteria.models import Assessment, ClosureException, YearClosure
from web.viewmodels.communes import AssessmentRow, assessment_rows


def approval_queue(access: Access) -> list[AssessmentRow]:
    """Submitted assessments, oldest submission first, with their ladders: 2 queries."""
    return assessment_rows(selectors.approval_queue(access))


@dataclass
class YearPanel:
    """One year of a province: open, or closed with its communes reopened by exception."""

    year: int
    closure: YearClosure | None
    communes: list[Commune]  # the province's rural communes that year
    reopened: object | None = None  # the last reopening on record (a history row)

    @property
    def exceptions(self) -> list[ClosureException]:
        return list(self.closure.exceptions.all()) if self.closure else []

    @property
    def reopenable(self) -> list[Commune]:
        """The communes that may still be reopened by exception."""
        taken = {exception.commune_id for exception in self.exceptions}
        return [commune for commune in self.communes if commune.pk not in taken]


def year_panels(province: Province) -> list[YearPanel]:
    """The years of the province's map (newest first), each with its closure, the communes
    reopened by exception and the last reopening on record: 7 queries."""
    candidates = selectors.years_covered()
    maps = structures_for_years(candidates)
    years = [year for year in candidates if province.is_on_map(year, maps[year])]
    closed = selectors.year_closures(province, years)
    last_reopened = selectors.last_reopenings(province)
    communes = Commune.objects.ever_rural().in_province(province).select_related("district")
    communes = list(communes.prefetch_related("kind_changes").order_by("sort_key", "code"))
    return [
        YearPanel(year, closed.get(year), rural_in(communes, year), last_reopened.get(year))
        for year in years
    ]


def rural_in(communes: list[Commune], year: int) -> list[Commune]:
    """Those rural at some time during ``year`` (Commune.is_rural_in, the rule's twin)."""
    return [commune for commune in communes if commune.is_rural_in(year)]


@dataclass
class Closing:
    """What closing a province's year will do: the step before the close button."""

    province: Province
    year: int
    note: str
    by_status: list[tuple[str, int]]  # (status label, assessments), every status

    def count(self, status: str) -> int:
        return dict(self.by_status).get(str(Assessment.Status(status).label), 0)

    @property
    def still_open(self) -> int:
        """Assessments that closing stops from being saved or submitted."""
        return self.count(Assessment.Status.DRAFT) + self.count(Assessment.Status.RETURNED)

    @property
    def submitted(self) -> int:
        return self.count(Assessment.Status.SUBMITTED)


def closing(province: Province, year: int, *, note: str) -> Closing:
    """The province's assessments of the year counted by status: 1 query."""
    counted = dict(
        Assessment.objects.filter(commune__province=province, year=year)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_status = [(str(label), counted.get(value, 0)) for value, label in Assessment.Status.choices]
    return Closing(province, year, note, by_status)
