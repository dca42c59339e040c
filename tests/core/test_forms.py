"""A service's errors on the form that called it, the same for the pages and the admin."""

from django import forms
from django.core.exceptions import ValidationError

from core.forms import add_service_errors, error_text


class _Form(forms.Form):
    income = forms.CharField(required=False)


def _bound() -> _Form:
    form = _Form({"income": "abc"})
    form.is_valid()
    return form


def test_errors_go_to_the_fields_they_name_and_the_others_above_the_form():
    form = _bound()
    error = ValidationError({"income": ["Not a number."], "version": ["Stale."]})
    add_service_errors(form, error)
    assert form.errors == {"income": ["Not a number."], "__all__": ["Stale."]}


def test_an_error_without_fields_goes_above_the_form():
    form = _bound()
    add_service_errors(form, ValidationError(["First.", "Second."]))
    assert form.non_field_errors() == ["First.", "Second."]
    assert error_text(ValidationError(["First.", "Second."])) == "First. Second."
