"""The free text a person writes into the criteria records (a reason, a note, a legal
source), checked by core.text's one rule (its documented MAX_TEXT characters, no null
character or lone surrogate) and refused at the field it was typed in."""

from django.core.exceptions import ValidationError

from core.text import clean_text


def field_text(field: str, text: str | None, *, required: str = "") -> str:
    """``text`` stripped, or ValidationError {field: why it cannot be stored}; ``required``
    is the message for an empty one (none: it may be empty)."""
    try:
        text = clean_text(text)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None
    if required and not text:
        raise ValidationError({field: [required]})
    return text


def text_problem_at(column: str, text: str | None) -> str:
    """Why a cell of a row (a file's, an API list item's) cannot be stored, naming its
    column as the row's other problems do, or ""."""
    try:
        clean_text(text)
    except ValidationError as error:
        return f"{column}: {' '.join(error.messages)}"
    return ""
