"""Administrative units with their NTM picture for a year: each commune's visible assessment
and recognised level; each district's and province's communes counted by computed level.
Every function costs a fixed number of queries, whatever the number of units."""

from collections import defaultdict

from django.db.models import Count, OuterRef, QuerySet, Subquery

from accounts.access import Access, visible_work
from criteria.models import Assessment, CriteriaSet, Recognition


def _visible_assessments(access: Access, year: int) -> QuerySet:
    return Assessment.objects.filter(year=year).filter(visible_work(access))


def _highest_recognition(year: int, **unit) -> Subquery:
    # Only titles on the ladder in force count: another period's levels are other levels.
    held = Recognition.objects.in_force(year).filter(
        level__criteria_set__in=CriteriaSet.objects.in_force(year), **unit
    )
    held = held.order_by("-level__rank")
    return Subquery(held.values("level__code")[:1])


def communes_for_year(queryset: QuerySet, access: Access, year: int) -> QuerySet:
    """Annotate each commune with its assessment of the year that this user may see (id,
    status, level, criteria met) and its highest recognised level on 31 December."""
    latest = _visible_assessments(access, year).filter(commune=OuterRef("pk"))
    latest = latest.order_by("-criteria_set__first_year")
    return queryset.annotate(
        assessment_id=Subquery(latest.values("pk")[:1]),
        assessment_status=Subquery(latest.values("status")[:1]),
        computed_level=Subquery(latest.values("level")[:1]),
        criteria_met=Subquery(latest.values("criteria_met")[:1]),
        recognized_level=_highest_recognition(year, commune=OuterRef("pk")),
    )


def districts_for_year(queryset: QuerySet, year: int) -> QuerySet:
    return queryset.annotate(recognized_level=_highest_recognition(year, district=OuterRef("pk")))


def levels_by_unit(access: Access, year: int, unit_field: str, unit_ids) -> dict[int, dict]:
    """{unit id: {level: communes}} over the assessments of the year this user may see, for
    units given by ``unit_field`` (``commune__district`` or ``commune__province``)."""
    rows = (
        _visible_assessments(access, year)
        .filter(**{f"{unit_field}__in": list(unit_ids)})
        .values(unit_field, "level")
        .annotate(communes=Count("pk"))
    )
    counts: dict[int, dict] = defaultdict(dict)
    for row in rows:
        counts[row[unit_field]][row["level"]] = row["communes"]
    return counts
