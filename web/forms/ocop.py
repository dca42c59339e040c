"""Forms of the OCOP officer pages. They shape what a person typed into what ocop.services
take; the services check it (stars, validity, the decision's rules) and their errors come back
at the fields they name (core.forms.add_service_errors)."""

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.access import Access, own_province
from communes.models import Commune, Province, newest_structure
from ocop import rating, selectors
from ocop.filters import STARS
from ocop.models import Evaluation, Producer, Product
from web.viewmodels.ocop import chooses_province

ISO_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SHORT_TEXT = forms.Textarea(attrs={"rows": 3})


def _label(model, field: str) -> str:
    return capfirst(model._meta.get_field(field).verbose_name)


# --- which province, which products ----------------------------------------------------------


class ScopeForm(forms.Form):
    """Which province the pages show: the user's own; national users choose one, on the
    newest map unless they name another (codes are only unique within a map)."""

    province = forms.CharField(label=_("Province"), required=False, max_length=2)
    structure = forms.CharField(required=False, max_length=4)

    def __init__(self, data, *, access: Access):
        super().__init__(data)
        self.access = access
        self.chooses = chooses_province(access)

    @cached_property
    def structure_shown(self) -> str | None:
        self.is_valid()
        return self.cleaned_data.get("structure") or newest_structure()

    # The OCOP registry is today's: a user's province on today's map (its namesake there).
    # The programme's pages, a year's records, keep the account's own row.
    on_todays_map = True

    def resolve(self) -> Province | None:
        if not self.chooses:
            year = timezone.localdate().year if self.on_todays_map else None
            return own_province(self.access, year)
        self.is_valid()
        code = self.cleaned_data.get("province")
        provinces = Province.objects.filter(structure=self.structure_shown, code=code)
        return provinces.first() if code else None

    def provinces(self):
        """What a national user chooses from."""
        return Province.objects.filter(structure=self.structure_shown).order_by("sort_key", "code")


class ProductFilterForm(forms.Form):
    district = forms.ChoiceField(label=_("District"), required=False)
    group = forms.ChoiceField(label=_("Group"), required=False)
    stars = forms.ChoiceField(label=_("Stars in force"), required=False)
    certified = forms.ChoiceField(label=_("Certification"), required=False)
    expiring = forms.BooleanField(required=False)
    search = forms.CharField(
        label=_("Search a product"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. buoi da xanh")}),
    )

    def __init__(self, data, *, districts):
        super().__init__(data, label_suffix="")
        self.fields["expiring"].label = _("Rating ends within %(n)d days") % {
            "n": settings.NTM_OCOP_EXPIRING_DAYS
        }
        everything = [("", _("All"))]
        self.fields["district"].choices = everything + [(d.code, d.name) for d in districts]
        self.fields["group"].choices = everything + Product.Group.choices
        self.fields["stars"].choices = everything + [(str(n), s) for n, s in reversed(STARS)]
        self.fields["certified"].choices = everything + [
            ("yes", _("Certified (3 stars or more, in force)")),
            ("no", _("Not certified")),
        ]

    def filters(self) -> dict:
        """The valid filters, named as ocop.filters.ProductFilterSet names them."""
        self.is_valid()
        data = self.cleaned_data
        named = {field: data.get(field) for field in ("district", "group", "stars", "search")}
        if data.get("certified"):
            named["certified"] = "true" if data["certified"] == "yes" else "false"
        if data.get("expiring"):
            named["expiring_within"] = settings.NTM_OCOP_EXPIRING_DAYS
        return {name: value for name, value in named.items() if value}


# --- producers and products ------------------------------------------------------------------


class CommuneField(forms.ChoiceField):
    """A commune of the province, grouped by district; cleans to the Commune itself."""

    def __init__(self, *, communes, empty_label, **kwargs):
        super().__init__(**kwargs)
        self.communes = {str(c.pk): c for c in communes}
        groups: dict[str, list] = {}
        for commune in communes:
            district = commune.district.name if commune.district_id else ""
            groups.setdefault(district, []).append((str(commune.pk), commune.name))
        choices = [(district or _("Communes"), options) for district, options in groups.items()]
        self.choices = [("", empty_label), *choices]

    def clean(self, value):
        return self.communes.get(super().clean(value))


def communes_of(province: Province) -> list[Commune]:
    """Every commune-level unit of the province, by district then name: one query."""
    communes = Commune.objects.in_province(province).select_related("district")
    return list(communes.order_by("district__code", "sort_key", "code"))


class ProducerForm(forms.Form):
    name = forms.CharField(label=_label(Producer, "name"), max_length=255)
    kind = forms.ChoiceField(label=_label(Producer, "kind"))
    tax_code = forms.CharField(
        label=_label(Producer, "tax_code"),
        required=False,
        max_length=14,
        help_text=_("Optional: 10 digits, 10 digits then -NNN for a branch, or 12 digits."),
    )

    def __init__(self, *args, province: Province, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["kind"].choices = [("", _("Choose a kind")), *Producer.Kind.choices]
        self.fields["commune"] = CommuneField(
            label=_label(Producer, "commune"),
            communes=communes_of(province),
            empty_label=_("Choose a commune"),
        )
        self.order_fields(["name", "kind", "commune", "tax_code"])


class ProducerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, producer):
        return f"{producer.name} · {producer.commune.name}"


class ProductForm(forms.Form):
    producer = ProducerChoiceField(
        label=_label(Product, "producer"),
        queryset=Producer.objects.none(),
        empty_label=_("Choose a producer"),
    )
    name = forms.CharField(label=_label(Product, "name"), max_length=255)
    group = forms.ChoiceField(label=_label(Product, "group"))
    sub_group = forms.CharField(label=_label(Product, "sub_group"), required=False, max_length=200)
    description = forms.CharField(
        label=_label(Product, "description"), required=False, widget=SHORT_TEXT
    )

    def __init__(self, *args, province: Province, access: Access, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        # The producers of the province's registry (those registered before 1 July 2025 sit
        # on the old map's communes gone into it) whose registry the user edits as well.
        producers = Producer.objects.filter(selectors.in_registry_of(province))
        if not access.country_wide:
            producers = producers.filter(commune__province_id__in=access.province_ids)
        producers = producers.select_related("commune")
        self.fields["producer"].queryset = producers.order_by("search_key", "pk")
        self.fields["group"].choices = [("", _("Choose a group")), *Product.Group.choices]
        self.fields["commune"] = CommuneField(
            label=_("Commune the product counts for"),
            communes=communes_of(province),
            empty_label=_("The producer's commune"),
            required=False,
            help_text=_("Leave it for a product made where its producer is."),
        )
        self.order_fields(["producer", "name", "group", "sub_group", "commune", "description"])


# --- evaluations -----------------------------------------------------------------------------


class EvaluationForm(forms.Form):
    """Numbers are taken as typed (a decimal comma too): the service reads and checks them,
    and computes the stars and the validity."""

    score = forms.CharField(
        label=_label(Evaluation, "score"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    part_a = forms.CharField(required=False, max_length=10)
    part_b = forms.CharField(required=False, max_length=10)
    part_c = forms.CharField(required=False, max_length=10)
    level = forms.ChoiceField(
        label=_label(Evaluation, "level"),
        choices=Evaluation.Level.choices,
        initial=Evaluation.Level.PROVINCE,
    )
    decision_number = forms.CharField(
        label=_label(Evaluation, "decision_number"),
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 1234/QĐ-UBND")}),
    )
    decision_date = forms.DateField(label=_label(Evaluation, "decision_date"), widget=ISO_DATE)

    def __init__(self, *args, scheme: rating.ScoreScheme, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        for field, most in zip(("part_a", "part_b", "part_c"), scheme.maxima, strict=True):
            self.fields[field].label = _label(Evaluation, field)
            self.fields[field].help_text = _("Optional; at most %(most)s points.") % {"most": most}
            self.fields[field].widget.attrs["inputmode"] = "decimal"


class RevocationForm(forms.Form):
    revoked_date = forms.DateField(label=_label(Evaluation, "revoked_date"), widget=ISO_DATE)
    revoked_reason = forms.CharField(label=_label(Evaluation, "revoked_reason"), widget=SHORT_TEXT)
    revoked_decision = forms.CharField(label=_label(Evaluation, "revoked_decision"), max_length=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
