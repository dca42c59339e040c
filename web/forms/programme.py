"""Forms of the programme page. They shape what a person typed into what programme.services
take: places and categories as objects, chosen from the province's units on the map of the
record's year and from the categories in the database; numbers as typed (a decimal comma too),
read and checked by the services, whose errors come back at the fields they name."""

import datetime
import secrets
from decimal import Decimal

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, District, Province
from core.formatting import format_number
from core.text import MAX_TEXT
from criteria.models import Level
from programme import imports
from programme.models import (
    FIRST_YEAR,
    LAST_YEAR,
    Figure,
    Funding,
    FundingSource,
    HamletTitle,
    HistoricalFigure,
    ProductionModel,
    Work,
    WorkKind,
    YearPlan,
)
from web.forms import imports as import_forms
from web.forms.ocop import ISO_DATE, SHORT_TEXT, CommuneField
from web.forms.ocop import ScopeForm as ProvinceScopeForm
from web.viewmodels.programme import LEVELS, default_year

NUMBER = forms.TextInput(attrs={"inputmode": "decimal"})


def _label(model, name: str) -> str:
    return capfirst(model._meta.get_field(name).verbose_name)


class ScopeForm(ProvinceScopeForm):
    """The province (national users choose one) and the year the page shows."""

    on_todays_map = False  # the account's own province, whose records its years hold

    year = forms.IntegerField(
        label=_("Year"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR
    )

    def year_shown(self, province: Province | None, today: datetime.date) -> int:
        self.is_valid()
        return self.cleaned_data.get("year") or default_year(province, today)


# --- choosers -------------------------------------------------------------------------------------


class UnitField(forms.ChoiceField):
    """A unit among those given (a district of the province); cleans to the unit itself."""

    def __init__(self, *, units, empty_label, **kwargs):
        super().__init__(**kwargs)
        self.units = {str(u.pk): u for u in units}
        self.choices = [("", empty_label), *((str(u.pk), u.name) for u in units)]

    def clean(self, value):
        return self.units.get(super().clean(value))


class CommunesField(forms.MultipleChoiceField):
    """Several communes of the province; cleans to the Commune objects."""

    def __init__(self, *, communes, **kwargs):
        super().__init__(**kwargs)
        self.communes = {str(c.pk): c for c in communes}
        self.choices = [(str(c.pk), _with_district(c)) for c in communes]
        self.widget.attrs["size"] = 8

    def clean(self, value):
        return [self.communes[pk] for pk in super().clean(value)]


def _with_district(commune: Commune) -> str:
    return f"{commune.name} · {commune.district.name}" if commune.district_id else commune.name


class SourceField(forms.ModelChoiceField):
    def label_from_instance(self, source):
        return f"— {source.name_vi}" if source.parent_id else source.name_vi


class WorkKindField(forms.ModelChoiceField):
    def label_from_instance(self, kind):
        return f"{kind.name_vi} ({kind.unit})"


def districts_of(province: Province, year: int) -> list[District]:
    found = District.objects.on_map(year, province.structure).filter(province=province)
    return list(found.order_by("sort_key", "code"))


def communes_on_map(province: Province, year: int) -> list[Commune]:
    """The province's commune-level units on the map of the year, by district then name."""
    found = Commune.objects.on_map(year, province.structure).filter(province=province)
    found = found.select_related("district")
    return list(found.order_by("district__code", "sort_key", "code"))


def level_choices(current: str = "") -> list[tuple[str, str]]:
    """The levels of the criteria sets (by code, lowest first), and the record's own."""
    codes = list(
        dict.fromkeys(Level.objects.order_by("rank", "code").values_list("code", flat=True))
    )
    codes += [code for code in LEVELS if code not in codes]
    if current and current not in codes:
        codes.append(current)
    return [("", _("No level (not a count of communes)"))] + [
        (code, str(LEVELS.get(code, code))) for code in codes
    ]


# --- the records ----------------------------------------------------------------------------------


class RecordForm(forms.Form):
    """A record of a province's year. ``record`` given: its current values, and the version
    the person read (a stale one is refused by the service)."""

    model = None
    fields_order: tuple = ()

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, province: Province, year: int, record=None):
        super().__init__(data, initial=self.initial_of(record), label_suffix="")
        self.province, self.year, self.record = province, year, record
        self.add_fields()
        self.fields["note"] = forms.CharField(
            label=_label(self.model, "note"),
            required=False,
            max_length=MAX_TEXT,
            widget=SHORT_TEXT,
        )
        self.order_fields([*self.fields_order, "note"])

    def add_fields(self) -> None:
        raise NotImplementedError

    def initial_of(self, record) -> dict:
        if record is None:
            return {}
        initial = {"version": record.version, "note": record.note}
        for name in self.fields_order:
            value = getattr(record, f"{name}_id", None) if self._is_relation(name) else None
            value = value if value is not None else getattr(record, name, None)
            # As people write it ("2,5", not "2.500"): the service reads it back the same.
            initial[name] = format_number(value) if isinstance(value, Decimal) else value
        return initial

    def _is_relation(self, name: str) -> bool:
        return self.model._meta.get_field(name).is_relation

    def data_for_service(self) -> dict:
        """The values as programme.services take them (the year only for a new record)."""
        data = {name: self.cleaned_data.get(name) for name in self.fields_order}
        data["note"] = self.cleaned_data.get("note", "")
        if self.record is None:
            data["province"] = self.province
            data["year"] = self.year
        return data

    def _number(self, name: str, *, required=True, help_text="") -> forms.CharField:
        return forms.CharField(
            label=_label(self.model, name),
            required=required,
            max_length=30,
            widget=NUMBER,
            help_text=help_text,
        )

    def _choice(self, name: str, choices, empty_label) -> forms.ChoiceField:
        return forms.ChoiceField(
            label=_label(self.model, name), choices=[("", empty_label), *choices]
        )

    def _communes(self) -> list[Commune]:
        return communes_on_map(self.province, self.year)

    def _district(self, empty_label) -> None:
        districts = districts_of(self.province, self.year)
        if districts:
            self.fields["district"] = UnitField(
                label=_label(self.model, "district"),
                units=districts,
                empty_label=empty_label,
                required=False,
            )


def _pk(value):
    return str(value) if value is not None else None


class FundingForm(RecordForm):
    model = Funding
    fields_order = ("source", "kind", "amount", "district", "commune")

    def add_fields(self):
        self.fields["source"] = SourceField(
            label=_label(Funding, "source"),
            queryset=FundingSource.objects.order_by("order", "code"),
            empty_label=_("Choose a source"),
        )
        self.fields["kind"] = self._choice("kind", Funding.Kind.choices, _("Planned or actual?"))
        self.fields["amount"] = self._number(
            "amount", help_text=_("In million VND; a decimal comma is fine (e.g. 1250,5).")
        )
        self._district(_("The whole province"))
        self.fields["commune"] = CommuneField(
            label=_label(Funding, "commune"),
            communes=self._communes(),
            empty_label=_("No commune (the province or the district)"),
            required=False,
            help_text=_(
                "Enter the amount where the province knows it: the whole province, a district "
                "or a commune. The same money is never entered twice."
            ),
        )

    def initial_of(self, record):
        initial = super().initial_of(record)
        for name in ("district", "commune"):
            initial[name] = _pk(initial.get(name))
        return initial


class WorkForm(RecordForm):
    model = Work
    fields_order = ("kind", "mode", "quantity", "cost", "commune")

    def add_fields(self):
        self.fields["kind"] = WorkKindField(
            label=_label(Work, "kind"),
            queryset=WorkKind.objects.order_by("order", "code"),
            empty_label=_("Choose a kind of work"),
        )
        self.fields["mode"] = self._choice("mode", Work.Mode.choices, _("New or upgraded?"))
        self.fields["quantity"] = self._number(
            "quantity", help_text=_("In the kind's unit (km, works...).")
        )
        self.fields["cost"] = self._number("cost", required=False, help_text=_("Optional."))
        self.fields["commune"] = CommuneField(
            label=_label(Work, "commune"),
            communes=self._communes(),
            empty_label=_("Choose a commune"),
        )

    def initial_of(self, record):
        initial = super().initial_of(record)
        initial["commune"] = _pk(initial.get("commune"))
        return initial


class ProductionModelForm(RecordForm):
    model = ProductionModel
    fields_order = ("name", "communes", "area_ha", "funding", "stage")

    def add_fields(self):
        self.fields["name"] = forms.CharField(label=_label(ProductionModel, "name"), max_length=255)
        self.fields["communes"] = CommunesField(
            label=_label(ProductionModel, "communes"),
            communes=self._communes(),
            required=False,
            help_text=_("Hold Ctrl (or Cmd) to choose several."),
        )
        self.fields["area_ha"] = self._number("area_ha", required=False)
        self.fields["funding"] = self._number("funding", required=False)
        self.fields["stage"] = forms.ChoiceField(
            label=_label(ProductionModel, "stage"),
            choices=ProductionModel.Stage.choices,
            initial=ProductionModel.Stage.UNDER_WAY,
        )

    def initial_of(self, record):
        initial = super().initial_of(record)
        if record is not None:
            initial["communes"] = [str(c.pk) for c in record.communes.all()]
        return initial


class HamletTitleForm(RecordForm):
    model = HamletTitle
    fields_order = ("kind", "commune", "holder", "decision_number", "decision_date")

    def add_fields(self):
        self.fields["kind"] = self._choice("kind", HamletTitle.Kind.choices, _("Choose a title"))
        self.fields["commune"] = CommuneField(
            label=_label(HamletTitle, "commune"),
            communes=self._communes(),
            empty_label=_("Choose a commune"),
        )
        self.fields["holder"] = forms.CharField(label=_label(HamletTitle, "holder"), max_length=255)
        self.fields["decision_number"] = forms.CharField(
            label=_label(HamletTitle, "decision_number"),
            max_length=50,
            widget=forms.TextInput(attrs={"placeholder": _("e.g. 1234/QĐ-UBND")}),
        )
        self.fields["decision_date"] = forms.DateField(
            label=_label(HamletTitle, "decision_date"), widget=ISO_DATE
        )

    def initial_of(self, record):
        initial = super().initial_of(record)
        initial["commune"] = _pk(initial.get("commune"))
        return initial


class FigureForm(RecordForm):
    """A province figure (HistoricalFigure) or, with the district fields, a plan target."""

    model = HistoricalFigure
    fields_order = ("kind", "level", "value")

    def add_fields(self):
        self.fields["kind"] = self._choice("kind", Figure.choices, _("Choose a figure"))
        current = self.record.level if self.record is not None else ""
        self.fields["level"] = forms.ChoiceField(
            label=_label(self.model, "level"),
            choices=level_choices(current),
            required=False,
            help_text=_("Only for a count of communes: the level they are counted at."),
        )
        self.fields["value"] = self._number("value")


class YearPlanForm(FigureForm):
    model = YearPlan
    fields_order = ("kind", "level", "value", "value_max", "district", "per_district")

    def add_fields(self):
        super().add_fields()
        self.fields["value_max"] = self._number(
            "value_max", required=False, help_text=_("Optional: for a range such as “2 to 3”.")
        )
        self._district(_("The whole province"))
        if "district" in self.fields:
            self.fields["per_district"] = forms.BooleanField(
                label=_("The target applies in each district"), required=False
            )

    def initial_of(self, record):
        initial = super().initial_of(record)
        initial["district"] = _pk(initial.get("district"))
        return initial

    def data_for_service(self):
        data = super().data_for_service()
        data.setdefault("per_district", False)
        if data["per_district"] is None:
            data["per_district"] = False
        return data


FORMS = {
    "fundings": FundingForm,
    "works": WorkForm,
    "production-models": ProductionModelForm,
    "hamlet-titles": HamletTitleForm,
    "plans": YearPlanForm,
    "figures": FigureForm,
}


# --- workflow -------------------------------------------------------------------------------------


class StepForm(forms.Form):
    """A workflow step on one record: the version the person saw, and a comment (the service
    says when one is required)."""

    action = forms.ChoiceField(choices=[(a, a) for a in ("submit", "approve", "return", "reopen")])
    version = forms.IntegerField(
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("The page did not say which version you saw: reload it."),
            "invalid": _("The page did not say which version you saw: reload it."),
        },
    )
    comment = forms.CharField(required=False, max_length=MAX_TEXT, widget=forms.Textarea)


class BulkForm(forms.Form):
    """A step on all the records the page listed as waiting for it, each as "kind:id:version"
    (what the person saw: a record changed since is refused by the service)."""

    action = forms.ChoiceField(choices=[("submit", "submit"), ("approve", "approve")])
    records = forms.MultipleChoiceField(
        error_messages={"required": _("No record is waiting for this step.")}
    )

    def __init__(self, data, *, kinds):
        super().__init__(data)
        self.kinds = kinds
        self.fields["records"].choices = [(v, v) for v in (data or {}).getlist("records", [])]

    def clean_records(self) -> list[tuple[str, int, int]]:
        """[(kind slug, id, version)]; a malformed entry is an error."""
        result = []
        for entry in self.cleaned_data["records"]:
            slug, _sep, rest = entry.partition(":")
            pk, _sep, version = rest.partition(":")
            if slug not in self.kinds or not (pk.isdigit() and version.isdigit()):
                raise forms.ValidationError(
                    _("The page sent a record it does not know: reload it.")
                )
            result.append((slug, int(pk), int(version)))
        return result


# --- import ---------------------------------------------------------------------------------------
# Between the check and the confirmation the file stays on the server, as on the assessments'
# import page (web.forms.imports): kept under the uploader's own folder of the same pending
# area (swept after an hour by the same rule), named by a random token, its kind and status.


def import_statuses(user) -> list[tuple[str, str]]:
    """The statuses the user may import records as: the import service's rule, asked."""
    choices = [
        (imports.DRAFT, _("Draft (to be submitted for approval)")),
        (imports.SUBMITTED, _("Submitted (sent to the province's approver)")),
        (imports.APPROVED, _("Approved (submitted and approved at once)")),
    ]
    allowed = []
    for status, label in choices:
        try:
            imports.import_access(user, "fundings", status)
        except (ValidationError, PermissionDenied):
            continue
        allowed.append((status, label))
    return allowed


def _import_folder(user) -> str:
    return f"{import_forms.PENDING}/programme-{user.pk}"


class ImportForm(import_forms.UploadForm):
    """A file of one kind of record, and the status its records are left with."""

    kind = forms.ChoiceField(label=_("Kind of record"))

    def __init__(self, *args, user, kinds, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["kind"].choices = [("", _("Choose a kind of record")), *kinds]
        self.fields["status"].choices = import_statuses(user)
        self.order_fields(["kind", "file", "status"])

    def keep(self, user) -> str:
        """Store the upload for ``user`` until confirmed; returns its token."""
        import_forms.forget_expired()
        upload, data = self.cleaned_data["file"], self.cleaned_data
        token = secrets.token_urlsafe(24)
        extension = upload.name.lower().rsplit(".", 1)[-1]
        name = f"{_import_folder(user)}/{token}.{data['kind']}.{data['status']}.{extension}"
        upload.seek(0)
        default_storage.save(name, ContentFile(upload.read()))
        return token


class ImportConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_token(self) -> str:
        """The stored file's name, if the token is this user's and recent."""
        token = self.cleaned_data["token"]
        name = self._find(token) if import_forms.TOKEN.fullmatch(token) else None
        if name is None or _expired(name):
            raise forms.ValidationError(
                _("This checked file is no longer kept (or is not yours): upload it again.")
            )
        return name

    def _find(self, token: str) -> str | None:
        folder = _import_folder(self.user)
        try:
            _dirs, names = default_storage.listdir(folder)
        except FileNotFoundError:
            return None
        found = [name for name in names if name.startswith(token + ".")]
        return f"{folder}/{found[0]}" if found else None

    @property
    def kind(self) -> str:
        return self.cleaned_data["token"].rsplit(".", 3)[-3]

    @property
    def status(self) -> str:
        return self.cleaned_data["token"].rsplit(".", 2)[-2]


def _expired(name: str) -> bool:
    try:
        return timezone.now() - default_storage.get_modified_time(name) > import_forms.KEPT_FOR
    except FileNotFoundError:
        return True
