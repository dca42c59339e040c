"""How a number is written, one rule for the pages, the API and every import: ASCII digits
0-9, one optional leading minus, at most one decimal separator (a point or, as Vietnamese
write it, a comma), no exponent, no grouping, no other scripts' digits ("١٢" is refused, not
read as 12). Minus zero is zero. A JSON number (int or float, not a boolean) is read by the
same rule from its text."""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

NUMBER = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?", re.ASCII)


def parse_decimal(raw: object) -> Decimal:
    """``raw`` as a Decimal, or ValidationError saying how to write it."""
    if isinstance(raw, bool):
        raise ValidationError(_("Enter a number, not yes/no."))
    text = _text(raw).strip()
    if not NUMBER.fullmatch(text):
        not_a_number = _("“%(raw)s” is not a number.") % {"raw": raw}
        how = _("Write digits 0-9, with a point or a comma for decimals.")
        raise ValidationError(f"{not_a_number} {how}")
    number = Decimal(text.replace(",", "."))
    return number if number else abs(number)  # minus zero is zero


def _text(raw: object) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, Decimal):
        return format(raw, "f") if raw.is_finite() else str(raw)
    if isinstance(raw, float):
        return format(Decimal(repr(raw)), "f") if raw == raw and abs(raw) != float("inf") else ""
    return str(raw)
