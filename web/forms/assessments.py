"""Forms of the officer pages (the overview, the entry of values, the workflow, evidence). They
shape what a person typed into what the services take; the services check it
(criteria.services.parse_values) and report every problem at once."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.access import Access, own_province
from communes.models import Province, structure_for_year
from core.formatting import format_number, localized
from core.forms import add_service_errors
from core.text import MAX_TEXT, normalise_line_breaks
from criteria import scoring, selectors
from criteria.models import Assessment, Measure
from criteria.selectors import Ladder
from web.viewmodels import overview

# --- the province overview --------------------------------------------------------------------


class ScopeForm(forms.Form):
    """Which year, and (for national users) which province, the overview shows."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    province = forms.CharField(label=_("Province"), required=False, max_length=2)

    def __init__(self, data, *, access: Access):
        super().__init__(data)
        self.access = access
        self.offered = selectors.years_covered()
        self.fields["year"].choices = [(year, year) for year in self.offered]

    def resolve(self) -> tuple[int, Province | None]:
        self.is_valid()  # the fields that are valid are used, the others fall back to defaults
        data = self.cleaned_data
        own = own_province(self.access)
        year = data.get("year") or overview.default_year(self.access, own, self.offered)
        self.off_map = False  # the user's province is not on the year's map (merged away)
        if own is not None and own.structure != (structure := structure_for_year(year)):
            own = own_province(self.access, year)  # the same province on the year's map
            self.off_map = own is not None and own.structure != structure
        if own is not None or not self.access.country_wide or not data.get("province"):
            return year, own
        return year, overview.provinces_for_year(year).filter(code=data["province"]).first()


class CommuneFilterForm(forms.Form):
    district = forms.ChoiceField(label=_("District"), required=False)
    level = forms.ChoiceField(label=_("Computed level"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    search = forms.CharField(
        label=_("Search a commune"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. bach dang")}),
    )

    def __init__(self, data, *, districts, ladder: Ladder):
        super().__init__(data, label_suffix="")
        everything = [("", _("All"))]
        self.fields["district"].choices = everything + [(d.code, d.name) for d in districts]
        levels = [(level.code, localized(level)) for level in reversed(ladder.levels)]
        self.fields["level"].choices = everything + levels + [(scoring.NO_LEVEL, _("No level"))]
        statuses = [*Assessment.Status.choices, (overview.UNASSESSED, _("Not assessed"))]
        self.fields["status"].choices = everything + statuses

    def filters(self) -> dict:
        """The valid filters, named as the commune filters (criteria.filters) name them."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


# --- creating an assessment -------------------------------------------------------------------


class CreateAssessmentForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, year) for year in years]


# --- entering values --------------------------------------------------------------------------

YES, NO = "yes", "no"
CONFIRM_CARRIED = "confirm_carried"  # the button that confirms every value carried forward
FLAGS = {YES: True, NO: False}


def _as_number(text):
    text = str(text or "").strip().replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


class NoteField(forms.CharField):
    """A note, its line breaks kept (a text area: a one-line input dropped them, gluing the
    lines of an imported note) and written one way (a browser sends CRLF), so that a note
    sent back as it was shown is no change."""

    def to_python(self, value):
        return normalise_line_breaks(super().to_python(value))


class NumberField(forms.CharField):
    """A number as typed (the service parses it, comma or point); unchanged when it is the same
    number written differently."""

    def has_changed(self, initial, data):
        return _as_number(initial) != _as_number(data)


def _value_field(measure: Measure) -> forms.Field:
    if measure.value_type == Measure.ValueType.BOOL:
        choices = [("", _("— not entered —")), (YES, _("Yes (achieved)")), (NO, _("No"))]
        return forms.ChoiceField(choices=choices, required=False)
    whole = measure.value_type == Measure.ValueType.COUNT
    attrs = {"inputmode": "numeric" if whole else "decimal", "autocomplete": "off", "class": "num"}
    return NumberField(required=False, max_length=30, widget=forms.TextInput(attrs=attrs))


INITIAL = "initial-"  # the prefix of what the page showed, sent back (BoundField.html_initial_name)


def _sent(value) -> str:
    """An initial value as its hidden input sends it back."""
    return str(value)


def _stored_initial(measure: Measure, stored: dict) -> dict:
    row = stored.get(measure.code) or {}
    value = row.get("value")
    if measure.value_type == Measure.ValueType.BOOL:
        value = {True: YES, False: NO}.get(value, "")
    elif value is not None:
        value = format_number(value)
    return {
        measure.code: value or "",
        f"{measure.code}__na": bool(row.get("not_applicable")),
        f"{measure.code}__note": row.get("note", ""),
        f"{measure.code}__evidence": row.get("evidence_url", ""),
    }


@dataclass(frozen=True)
class ErrorLink:
    anchor: str  # the id of the input in error
    measure: Measure
    field: str  # the form field: the value, or its note / evidence link
    messages: list

    @property
    def part(self) -> str:
        """Which input of the measure: "" for its value, "note", "evidence" or "na"."""
        return self.field.partition("__")[2]


class ValuesForm(forms.Form):
    """One input per measure (a measure judged by several indicators is entered once), with its
    "not applicable" choice where the measure allows it, a note and an evidence link."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        data=None,
        *,
        measures: list[Measure],
        stored: dict,
        version: int,
        carried: frozenset[str] = frozenset(),
    ):
        initial = {"version": version}
        for measure in measures:
            initial |= _stored_initial(measure, stored)
        if data is not None:
            data = data.copy()
            # What the page showed is sent back beside each input (show_hidden_initial): a
            # change is a difference from it, so that after someone else's save only this
            # person's own changes count. Sent without it, the values stored now stand in.
            for name, value in initial.items():
                if name != "version":
                    data.setdefault(f"{INITIAL}{name}", _sent(value))
            if data.get(CONFIRM_CARRIED):
                # "Confirm every value carried forward": as if each one's box were ticked.
                for code in carried:
                    data[f"{code}__confirm"] = "on"
        super().__init__(data, initial=initial)
        self.measures = measures
        self.stored = stored
        self.carried = carried
        for measure in measures:
            code = measure.code
            self.fields[code] = _value_field(measure)
            self.fields[code].widget.attrs["id"] = f"id_{code}"
            self.fields[code].show_hidden_initial = True
            if code in carried:
                # Ticked, the value counts as changed: saving it as it stands confirms it.
                self.fields[f"{code}__confirm"] = forms.BooleanField(
                    required=False, label=_("Confirm last year's value")
                )
            if measure.allows_not_applicable:
                na = forms.BooleanField(
                    required=False, label=_("Not applicable"), show_hidden_initial=True
                )
                na.widget.attrs["data-na-for"] = f"id_{code}"
                self.fields[f"{code}__na"] = na
            self.fields[f"{code}__note"] = NoteField(
                label=_("Note"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                show_hidden_initial=True,
            )
            self.fields[f"{code}__evidence"] = forms.CharField(
                label=_("Evidence link"),
                required=False,
                widget=forms.URLInput(attrs={"placeholder": "https://"}),
                show_hidden_initial=True,
            )

    def _names(self, measure: Measure) -> list[str]:
        code = measure.code
        return [name for name in self.fields if name == code or name.startswith(f"{code}__")]

    def fields_for(self, code: str) -> dict:
        """The bound fields of one measure: value, na (or None), note, evidence, confirm (of a
        value carried forward, or None)."""
        return {
            "value": self[code],
            "na": self[f"{code}__na"] if f"{code}__na" in self.fields else None,
            "confirm": self[f"{code}__confirm"] if f"{code}__confirm" in self.fields else None,
            "note": self[f"{code}__note"],
            "evidence": self[f"{code}__evidence"],
        }

    def add_service_errors(self, error) -> None:
        """The service's errors at their inputs (core.forms.add_service_errors), except that
        "not applicable" without a note is the note's to fix: shown at the note, since the
        value's input is disabled while the box is ticked."""
        add_service_errors(self, error)
        for measure in self.measures:
            code, note = measure.code, f"{measure.code}__note"
            blank = not self.data.get(note, "").strip()
            if code in self.errors and self.data.get(f"{code}__na") and blank:
                self.add_error(note, list(self.errors.pop(code)))

    def error_links(self) -> list["ErrorLink"]:
        """Each field in error, in the order the page shows them, with the id of its input:
        the list above the form links to each one."""
        links = []
        for measure in self.measures:
            for name in self._names(measure):
                if self.errors.get(name):
                    anchor = self[name].auto_id if name != measure.code else f"id_{name}"
                    links.append(ErrorLink(anchor, measure, name, self.errors[name]))
        return links

    @property
    def measures_in_error(self) -> set[str]:
        """The codes of the measures with an error: their sections are shown open."""
        return {link.measure.code for link in self.error_links()} if self.errors else set()

    def changed_measures(self) -> list[Measure]:
        changed = set(self.changed_data)
        return [m for m in self.measures if changed & set(self._names(m))]

    def differing_measures(self) -> list[Measure]:
        """The changed measures whose typing differs from what the page showed (not those
        only confirmed as carried forward): what a conflict shows side by side."""
        changed = {name for name in self.changed_data if not name.endswith("__confirm")}
        return [m for m in self.measures if changed & set(self._names(m))]

    def values(self) -> dict:
        """The changed measures as criteria.services.save_values takes them."""
        data = self.cleaned_data
        values = {}
        for measure in self.changed_measures():
            code = measure.code
            raw = data.get(code, "")
            if measure.value_type == Measure.ValueType.BOOL:
                raw = FLAGS.get(raw)
            values[code] = {
                "value": raw if raw != "" else None,
                "not_applicable": data.get(f"{code}__na", False),
                "note": data.get(f"{code}__note", ""),
                "evidence_url": data.get(f"{code}__evidence", ""),
            }
        return values

    def typed(self, measure: Measure) -> dict:
        """What the person typed for a measure, as the form shows it."""
        code = measure.code
        value = self.data.get(code, "")
        if measure.value_type == Measure.ValueType.BOOL:
            value = FLAGS.get(value)
        return {
            "value": value if value != "" else None,
            "not_applicable": f"{code}__na" in self.fields and bool(self.data.get(f"{code}__na")),
            "note": self.data.get(f"{code}__note", ""),
        }


def rebased(form: ValuesForm, *, stored: dict, version: int, carried: frozenset) -> ValuesForm:
    """The person's own changes (from the page they loaded) over the values stored now, after
    someone else saved first, field by field: a value, note, evidence link or "not applicable"
    they did not change shows what is stored now, and is saved as it is stored; one they
    changed keeps their typing, and saving again puts it over what is stored now (they have
    seen both). Its changed measures are the differences left."""
    own = set(form.changed_data)  # the fields, not the measures: another may share a measure
    data = form.data.copy()
    data["version"] = str(version)
    for measure in form.measures:
        for name, value in _stored_initial(measure, stored).items():
            data[f"{INITIAL}{name}"] = _sent(value)  # the page now shows what is stored now
            if name in own:
                continue
            if value is True:
                data[name] = "on"
            elif value is False:
                data.pop(name, None)  # an unticked box is not sent
            else:
                data[name] = value
    rebased_form = ValuesForm(  # the values still carried now (the other save may confirm some)
        data, measures=form.measures, stored=stored, version=version, carried=carried
    )
    rebased_form.is_valid()
    return rebased_form


class StepForm(forms.Form):
    """A workflow step: the version the person saw (required: the step is taken on what the
    page showed), and a comment (the service says when one is required)."""

    version = forms.IntegerField(
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={
            "required": _(
                "The page did not say which version of the assessment you saw: reload it "
                "and take the step again."
            ),
            "invalid": _(
                "The page did not say which version of the assessment you saw: reload it "
                "and take the step again."
            ),
        },
    )
    comment = forms.CharField(required=False, max_length=MAX_TEXT, widget=forms.Textarea)


class BulkStepForm(forms.Form):
    """Approving or returning several assessments of the queue at once, with one comment: which
    ones, and the version of each as the approver read it (the service checks them all)."""

    action = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return"))])
    selected = forms.TypedMultipleChoiceField(
        coerce=int,
        error_messages={
            "required": _("Select at least one assessment."),
            "invalid_choice": _(
                "One of the selected assessments is no longer waiting for approval: reload "
                "the queue and select again."
            ),
        },
    )
    comment = forms.CharField(required=False, max_length=MAX_TEXT, widget=forms.Textarea)

    def __init__(self, data=None, *, queue: list[Assessment]):
        super().__init__(data)
        self.queue = {assessment.pk: assessment for assessment in queue}
        self.fields["selected"].choices = [(pk, pk) for pk in self.queue]

    def assessments(self) -> list[Assessment]:
        return [self.queue[pk] for pk in self.cleaned_data["selected"]]

    def versions(self) -> dict[int, int]:
        """{id: the version read}; one missing or unreadable is left out, and the service
        refuses the batch for it."""
        versions = {}
        for pk in self.cleaned_data["selected"]:
            try:
                versions[pk] = int(self.data.get(f"version_{pk}", ""))
            except ValueError:
                continue
        return versions


class EvidenceForm(forms.Form):
    """One file for one measure. Empty files reach the service, which says why it refuses
    them along with every other check of the file."""

    measure = forms.CharField(max_length=60, widget=forms.HiddenInput)
    file = forms.FileField(
        label=_("Attach a file"),
        allow_empty_file=True,
        error_messages={"required": _("Choose a file to attach.")},
    )
