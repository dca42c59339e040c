"""How the pages and the admin write things: texts in the page's language, numbers and dates
as people in Vietnam write them."""

import datetime
from decimal import Decimal

from django.utils.formats import date_format, number_format
from django.utils.translation import get_language

DATE = "d/m/Y"  # as decisions write dates


def localized(obj, field: str = "name") -> str:
    """A criteria object's Vietnamese or English text, following the page's language."""
    if obj is None:
        return ""
    english = (get_language() or "").startswith("en")
    first, second = ("en", "vi") if english else ("vi", "en")
    return getattr(obj, f"{field}_{first}", "") or getattr(obj, f"{field}_{second}", "")


def format_number(value) -> str:
    """A stored number as people write it: no trailing zeros, the language's decimal mark."""
    number = Decimal(value).normalize()
    if number == number.to_integral():
        number = number.quantize(Decimal(1))
    return number_format(number)


def format_day(value: datetime.date) -> str:
    return date_format(value, DATE)
