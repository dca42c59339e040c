"""Forms of the national office's criteria pages: a new draft edition, the thresholds grid, a
spreadsheet of thresholds or commune classes, publishing and re-judging. They only shape what
was typed; criteria.services.editions checks it against the law's rules and says why."""

from django import forms
from django.utils.translation import gettext_lazy as _

from criteria.models import Threshold
from criteria.services.editions import ChangeEntry, EditionChange


class DraftForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    first_year = forms.IntegerField(label=_("Applies from"), min_value=2000, max_value=2100)
    last_year = forms.IntegerField(label=_("Applies until"), min_value=2000, max_value=2100)
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File (.csv or .xlsx)"))


class PublishForm(forms.Form):
    decision_number = forms.CharField(label=_("Decision number"), max_length=60, required=False)
    decision_date = forms.DateField(
        label=_("Decision date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    legal_source = forms.CharField(
        label=_("Legal source"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RejudgeForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    province = forms.CharField(label=_("Province code (empty: all)"), required=False, max_length=5)
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ThresholdRowForm(forms.Form):
    """One line of the thresholds grid: a threshold as the draft would leave it (to change or
    remove), or a new one (no ``threshold_id``)."""

    threshold_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    seen = forms.CharField(required=False, widget=forms.HiddenInput)
    indicator = forms.ChoiceField(label=_("Indicator"), required=False)
    scope = forms.ChoiceField(label=_("Scope"), choices=Threshold.Scope.choices)
    class_value = forms.ChoiceField(label=_("Region or group"), required=False)
    province = forms.ChoiceField(label=_("Province"), required=False)
    first_year = forms.CharField(label=_("From"), required=False, max_length=4)
    last_year = forms.CharField(label=_("Until"), required=False, max_length=4)
    value = forms.CharField(label=_("Value"), required=False, max_length=20)
    relative = forms.ChoiceField(label=_("Relative to"), required=False)
    factor = forms.CharField(label=_("Factor"), required=False, max_length=10)
    source = forms.CharField(label=_("Source"), required=False, max_length=500)
    verified = forms.BooleanField(label=_("Verified"), required=False)
    remove = forms.BooleanField(label=_("Remove"), required=False)

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = choices["indicators"]
        self.fields["relative"].choices = choices["indicators"]
        self.fields["class_value"].choices = choices["classes"]
        self.fields["province"].choices = choices["provinces"]
        for name in ("first_year", "last_year", "factor", "value"):
            self.fields[name].widget.attrs["size"] = 6

    def entry(self, row: int) -> ChangeEntry | None:
        """The change this line asks for, or None if it asks for none."""
        data = self.cleaned_data
        threshold_id = data.get("threshold_id")
        if threshold_id and data.get("seen") != self.initial.get("seen"):
            self.add_error(None, _("This threshold was changed by someone else since: reload."))
            return None
        if threshold_id and data.get("remove"):
            return ChangeEntry(row, EditionChange.Kind.REMOVE_THRESHOLD, {}, threshold_id)
        if not self.has_changed() or (not threshold_id and not data.get("indicator")):
            return None
        kind = (
            EditionChange.Kind.CHANGE_THRESHOLD
            if threshold_id
            else EditionChange.Kind.ADD_THRESHOLD
        )
        return ChangeEntry(row, kind, _typed(data), threshold_id)


def _typed(data: dict) -> dict:
    """The line in the service's terms (criteria.services.editions.THRESHOLD_KEYS)."""
    level, _sep, code = (data.get("indicator") or "").partition(":")
    relative_level, _sep, relative_code = (data.get("relative") or "").partition(":")
    typed = {
        "scope": data["scope"],
        "class_value": data.get("class_value", ""),
        "province": data.get("province", ""),
        "first_year": data.get("first_year", ""),
        "last_year": data.get("last_year", ""),
        "value": data.get("value", ""),
        "relative_level": relative_level,
        "relative_indicator": relative_code,
        "factor": data.get("factor", ""),
        "source": data.get("source", ""),
        "verified": bool(data.get("verified")),
    }
    if code:
        typed |= {"level": level, "indicator": code}
    return typed


ThresholdGrid = forms.formset_factory(ThresholdRowForm, extra=0)
