"""Services' errors at the fields of the form that called them: the pages and the admin share
this, so a refusal reads the same wherever it happens."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's errors at the fields they name (a measure code, a model field), the
    others above the form."""
    errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for field, messages in errors.items():
        known = field in form.fields and field != NON_FIELD_ERRORS
        form.add_error(field if known else None, messages)


def error_text(error: ValidationError) -> str:
    """A service's errors as one sentence, for a message at the top of a page."""
    return " ".join(error.messages)
