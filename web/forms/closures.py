"""Forms of the approvals page: which province's years, closing and reopening a year, reopening
a commune by exception (the services check the rest and say why)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.access import Access, own_province
from communes.models import Commune, Province
from core.text import MAX_TEXT


class ClosureProvinceForm(forms.Form):
    """Which province's years the approvals page shows: the approver's own, or the one a
    national user chooses."""

    province = forms.ChoiceField(label=_("Province"), required=False)

    def __init__(self, data, *, access: Access):
        super().__init__(data)
        self.access = access
        if access.country_wide:
            provinces = Province.objects.order_by("-structure", "sort_key", "code")
            self.fields["province"].choices = [("", "—")] + [
                (f"{p.structure}-{p.code}", f"{p.name} ({p.structure})") for p in provinces
            ]

    def resolve(self) -> Province | None:
        if self.access.province_id:
            return own_province(self.access)
        if not self.access.country_wide or not self.is_valid():
            return None
        structure, _dash, code = self.cleaned_data["province"].partition("-")
        return Province.objects.filter(structure=structure, code=code).first()


class CloseYearForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=MAX_TEXT)


class ReopenYearForm(forms.Form):
    # Required by the service, which says why.
    reason = forms.CharField(label=_("Reason"), required=False, max_length=MAX_TEXT)


class CommuneExceptionForm(forms.Form):
    commune = forms.ModelChoiceField(
        label=_("Commune"),
        queryset=Commune.objects.none(),
        to_field_name="code",
        error_messages={
            "required": _("Choose a commune."),
            "invalid_choice": _("Choose a rural commune of this province."),
        },
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=MAX_TEXT)

    def __init__(self, data, *, province: Province):
        super().__init__(data)
        # Rural in some year: whether it was in the closed year is the service's check.
        communes = Commune.objects.ever_rural().in_province(province)
        self.fields["commune"].queryset = communes.order_by("sort_key", "code")
