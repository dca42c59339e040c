"""The pages' forms, by page. A form refused is told at the top of the page the view returns
to, each problem with the label of the field it concerns (errors_of)."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def errors_of(form: forms.Form) -> ValidationError:
    """The form's errors, each message led by its field's label (e.g. "Reason: Write at most
    2000 characters"), for a view that says them in a message rather than beside the field."""
    messages = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = field.label if field is not None and name != NON_FIELD_ERRORS else None
        messages += [f"{label}: {message}" if label else message for message in errors]
    return ValidationError(messages)
