"""Official recognitions (recorded, revoked) and provinces' targets."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.models import Commune
from criteria.models import (
    Level,
    Recognition,
    Target,
)
from criteria.services.errors import WorkflowError
from criteria.services.texts import field_text
from criteria.services.values import criteria_set_for_year


def level_for_year(code: str, year: int) -> Level:
    """The level ``code`` of the criteria set in force in ``year``."""
    level = Level.objects.filter(criteria_set=criteria_set_for_year(year), code=code).first()
    if level is None:
        raise ValidationError(
            {
                "level": _("No level “%(code)s” in the criteria set of %(year)d.")
                % {"code": code, "year": year}
            }
        )
    return level


def _full_clean(instance) -> None:
    # The model's own checks (constraints, field limits) with messages keyed by field.
    instance.full_clean(validate_unique=True, validate_constraints=True)


@transaction.atomic
def record_recognition(
    *,
    level_code: str,
    title_year: int,
    decision_number: str,
    decision_date,
    issuer: str,
    commune: Commune | None = None,
    district=None,
) -> Recognition:
    """Record an official decision recognising a commune or a district at a level."""
    if (commune is None) == (district is None):
        raise ValidationError(_("A recognition is for one commune or one district."))
    if commune is not None and not commune.is_rural_in(title_year):
        raise ValidationError({"commune": _("Only rural communes (xã) are recognised.")})
    if decision_date > timezone.localdate():
        raise ValidationError({"decision_date": _("The decision date cannot be in the future.")})
    if title_year > decision_date.year:
        raise ValidationError(
            {"title_year": _("The title year cannot come after the decision date.")}
        )
    recognition = Recognition(
        commune=commune,
        district=district,
        level=level_for_year(level_code, title_year),
        title_year=title_year,
        decision_number=decision_number.strip(),
        decision_date=decision_date,
        issuer=issuer.strip(),
    )
    _full_clean(recognition)
    recognition.save()
    return recognition


@transaction.atomic
def revoke_recognition(
    *, recognition: Recognition, revoked_date, reason: str, decision: str = ""
) -> Recognition:
    if recognition.revoked_date is not None:
        raise WorkflowError(_("This recognition was already revoked."))
    reason = field_text("reason", reason, required=_("Say why the recognition is revoked."))
    if revoked_date < recognition.decision_date:
        raise ValidationError(
            {"revoked_date": _("A recognition cannot be revoked before it was decided.")}
        )
    recognition.revoked_date = revoked_date
    recognition.revoked_reason = reason
    recognition.revoked_decision = (decision or "").strip()
    recognition.save(update_fields=["revoked_date", "revoked_reason", "revoked_decision"])
    return recognition


@transaction.atomic
def set_target(*, target: Target | None = None, level_code: str, year: int, **fields) -> Target:
    """Create or change a province's (or district's) target for a year."""
    target = target or Target()
    if "source" in fields:
        fields["source"] = field_text("source", fields["source"])
    for name, value in fields.items():
        setattr(target, name, value)
    target.year, target.level = year, level_for_year(level_code, year)
    if target.district_id and target.district.province_id != target.province_id:
        raise ValidationError({"district": _("The district is not in this province.")})
    _full_clean(target)
    target.save()
    return target
