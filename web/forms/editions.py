"""Forms of the national office's criteria pages: a new draft edition, the thresholds grid, a
spreadsheet of thresholds or commune classes, publishing and re-judging. They only shape what
was typed; criteria.services.editions checks it against the law's rules and says why."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.text import MAX_TEXT
from criteria.models import Threshold
from criteria.services.editions import ChangeEntry, EditionChange


class DraftForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    first_year = forms.IntegerField(label=_("Applies from"), min_value=2000, max_value=2100)
    last_year = forms.IntegerField(label=_("Applies until"), min_value=2000, max_value=2100)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File (.csv or .xlsx)"))


class PublishForm(forms.Form):
    decision_number = forms.CharField(label=_("Decision number"), max_length=60, required=False)
    decision_date = forms.DateField(
        label=_("Decision date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    legal_source = forms.CharField(
        label=_("Legal source"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RejudgeForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    province = forms.CharField(label=_("Province code (empty: all)"), required=False, max_length=5)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
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


class IndicatorForm(forms.Form):
    """A new indicator for a draft covering the set's whole period, with its criterion and its
    measure when they are new too (a set whose indicators are not all known yet)."""

    level = forms.ChoiceField(label=_("Level"))
    criterion = forms.CharField(label=_("Criterion number"), max_length=10)
    criterion_name = forms.CharField(
        label=_("Criterion name (if new)"), required=False, max_length=300
    )
    measure = forms.CharField(label=_("Measure code"), max_length=60)
    measure_name = forms.CharField(label=_("Measure name (if new)"), required=False, max_length=300)
    value_type = forms.ChoiceField(label=_("Value type (if new)"), required=False)
    unit = forms.CharField(label=_("Unit"), required=False, max_length=50)
    code = forms.CharField(label=_("Indicator code"), max_length=20)
    name_vi = forms.CharField(label=_("Indicator name"), max_length=500)
    comparison = forms.ChoiceField(label=_("Comparison"))
    source = forms.CharField(label=_("Source"), max_length=500)
    verified = forms.BooleanField(label=_("Verified"), required=False)
    set_by_province = forms.BooleanField(label=_("Number set by the province"), required=False)

    def __init__(self, *args, levels, value_types, comparisons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = levels
        self.fields["value_type"].choices = [("", "—"), *value_types]
        self.fields["comparison"].choices = comparisons

    def entries(self, draft) -> list[ChangeEntry]:
        """The changes this form asks for, in the order they must apply: measure, criterion,
        indicator (numbered 1-3 for the service's errors)."""
        data, kind = self.cleaned_data, EditionChange.Kind
        entries = []
        if data["measure"] not in draft.measures:
            measure = {
                "code": data["measure"],
                "name_vi": data["measure_name"],
                "value_type": data["value_type"],
                "unit": data["unit"],
            }
            entries.append(ChangeEntry(len(entries) + 1, kind.ADD_MEASURE, measure))
        if (data["level"], data["criterion"]) not in draft.criteria:
            criterion = {
                "level": data["level"],
                "number": data["criterion"],
                "name_vi": data["criterion_name"],
                "source": data["source"],
            }
            entries.append(ChangeEntry(len(entries) + 1, kind.ADD_CRITERION, criterion))
        indicator = {
            name: data[name]
            for name in ("level", "criterion", "measure", "code", "name_vi", "comparison", "source")
        } | {"verified": data["verified"], "set_by_province": data["set_by_province"]}
        entries.append(ChangeEntry(len(entries) + 1, kind.ADD_INDICATOR, indicator))
        return entries
