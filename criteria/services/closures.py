"""Closing a province's year after the reporting deadline, reopening it, and reopening single
communes by exception; every refusal of a closed year goes through refuse_if_closed."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import security
from communes.models import Commune, Province, structure_for_year
from criteria.models import (
    ClosureException,
    CriteriaSet,
    YearClosure,
)
from criteria.services.errors import YearClosedError
from criteria.services.texts import field_text


def refuse_if_closed(commune_id: int, year: int) -> None:
    """Raise YearClosedError if the year is closed for this commune."""
    closure = YearClosure.objects.blocking(commune_id, year).select_related("province").first()
    if closure is not None:
        raise YearClosedError(closure)


@transaction.atomic
def close_year(*, province: Province, year: int, user=None, note: str = "") -> YearClosure:
    """Close a province's year after the reporting deadline: from now on none of its
    assessments can be created, saved, submitted or reopened, except in communes reopened by
    exception. Approving and returning what was submitted stay possible."""
    # Row-lock the province: two approvers closing at once get one closure and one refusal.
    Province.objects.select_for_update().filter(pk=province.pk).first()
    names = {"year": year, "province": province.name}
    note = field_text("note", note)
    CriteriaSet.objects.for_year_or_error(year)
    if structure_for_year(year) != province.structure:
        message = _("%(province)s is not on the administrative map of %(year)d.")
        raise ValidationError({"year": message % names})
    if YearClosure.objects.filter(province=province, year=year).exists():
        message = _("Year %(year)d of %(province)s is already closed.")
        raise ValidationError({"year": message % names})
    closure = YearClosure(province=province, year=year, closed_by=user, note=note)
    closure._history_user = user
    closure.save()
    security.record(security.Kind.YEAR_CLOSED, user=user, province=province.code, year=year)
    return closure


def _closure(province: Province, year: int, **exactly) -> YearClosure:
    """The province's closure of the year, row-locked; a year that is not closed is refused."""
    closures = YearClosure.objects.select_for_update().select_related("province")
    closure = closures.filter(province=province, year=year, **exactly).first()
    if closure is None:
        message = _("Year %(year)d of %(province)s is not closed.")
        raise ValidationError({"year": message % {"year": year, "province": province.name}})
    return closure


def _reason(reason: str, message: str) -> str:
    return field_text("reason", reason, required=message)


@transaction.atomic
def reopen_year(*, province: Province, year: int, reason: str, user=None) -> None:
    """Reopen a closed year for the whole province (e.g. the deadline was extended). The
    closure and its exceptions go; the history keeps them, with who reopened and why."""
    reason = _reason(reason, _("Say why the year is reopened."))
    closure = _closure(province, year)
    # One by one, so that the history records who removed each exception, and why.
    for row in [*closure.exceptions.all(), closure]:
        row._history_user, row._change_reason = user, reason
        row.delete()
    security.record(
        security.Kind.YEAR_REOPENED, user=user, province=province.code, year=year, reason=reason
    )


@transaction.atomic
def open_commune_by_exception(
    *, closure: YearClosure, commune: Commune, reason: str, user=None
) -> ClosureException:
    """Reopen one commune of a closed year: its assessment can be created, saved, submitted
    and reopened again while the rest of the province stays closed."""
    reason = _reason(reason, _("Say why this commune is reopened."))
    closure = _closure(closure.province, closure.year, pk=closure.pk)
    names = {"commune": commune.name, "province": closure.province.name}
    if commune.province_id != closure.province_id or not commune.is_rural_in(closure.year):
        message = _("%(commune)s is not a rural commune of %(province)s.")
        raise ValidationError({"commune": message % names})
    if closure.exceptions.filter(commune=commune).exists():
        message = _("%(commune)s is already open by exception.")
        raise ValidationError({"commune": message % names})
    exception = ClosureException(closure=closure, commune=commune, reason=reason, opened_by=user)
    exception._history_user = user
    exception.save()
    security.record(
        security.Kind.YEAR_REOPENED,
        user=user,
        province=closure.province.code,
        year=closure.year,
        commune=commune.code,
        reason=reason,
    )
    return exception
