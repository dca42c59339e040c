"""What free text the portal stores: no null characters (PostgreSQL refuses them), no lone
surrogates (no database can encode them), and a documented length. One rule, applied by the
services to every note, comment and reason they store, and by the API's JSON parser to every
string it receives."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_TEXT = 2000  # characters of a note, a comment or a reason


def text_problem(text: str) -> str:
    """Why ``text`` cannot be stored, or ""."""
    if "\x00" in text:
        return _("The text contains a null character.")
    if any("\ud800" <= character <= "\udfff" for character in text):
        return _("The text contains an invalid character (a lone surrogate).")
    return ""


def normalise_line_breaks(text: str) -> str:
    """Line breaks written one way, LF (a browser sends CRLF, an old file a lone CR)."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def as_stored(text: str | None) -> str:
    """``text`` as the portal stores it: stripped, its line breaks written as LF, its letters
    composed (NFC: "ế" one character, as the portal writes and searches it, not "e" and two
    marks as some keyboards and files send it). What clean_text checks is this."""
    return unicodedata.normalize("NFC", normalise_line_breaks((text or "").strip()))


def clean_text(text: str, *, max_length: int = MAX_TEXT) -> str:
    """as_stored(``text``), or ValidationError saying why it cannot be stored."""
    text = as_stored(text)
    problem = text_problem(text)
    if not problem and len(text) > max_length:
        problem = _("Write at most %(max)d characters (this has %(n)d).") % {
            "max": max_length,
            "n": len(text),
        }
    if problem:
        raise ValidationError(problem)
    return text
