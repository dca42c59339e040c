"""The OCOP registry in Django admin. Every write that matters goes through ocop.services:
evaluations are added on the product page and revoked on their own page, so that stars and
validity are always computed by ocop/rating.py, never typed. Each form asks the service's checks
before saving, so that a refusal shows at its field. Producers, products and evaluations show
their history (who changed what, when, old -> new), which is never reverted here."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.admin import PortalScopedAdmin
from communes.admin import FoldedSearch
from core.admin import HistoryAdmin, RelatedLists, number_column
from core.forms import add_service_errors
from ocop import rating, selectors, services
from ocop.models import Evaluation, Producer, Product

DATE = "d/m/Y"  # as decisions write dates; the Vietnamese long format crowds the list
PROVINCE_FILTER = ("commune__province", admin.RelatedOnlyFieldListFilter)


class ProducerForm(forms.ModelForm):
    class Meta:
        model = Producer
        fields = list(services.EDITABLE_PRODUCER_FIELDS)

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            values = {f: cleaned[f] for f in services.EDITABLE_PRODUCER_FIELDS if f in cleaned}
            try:
                services.check_producer(producer=self.instance, **values)
            except ValidationError as error:
                add_service_errors(self, error)
        return cleaned


@admin.register(Producer)
class ProducerAdmin(PortalScopedAdmin, RelatedLists, FoldedSearch, HistoryAdmin):
    province_field = "commune__province"
    form = ProducerForm
    list_display = ["name", "kind", "tax_code", "commune", "province"]
    list_filter = ["kind", PROVINCE_FILTER]
    list_select_related = ["commune__province"]
    search_fields = ["search_key", "tax_code"]
    search_help_text = _("Name (with or without diacritics) or tax code")
    autocomplete_fields = ["commune"]
    readonly_fields = ["search_key"]

    @admin.display(description=_("province"), ordering="commune__province__code")
    def province(self, obj):
        return obj.commune.province.name

    def save_model(self, request, obj, form, change):
        values = {f: form.cleaned_data[f] for f in services.EDITABLE_PRODUCER_FIELDS}
        if change:
            services.update_producer(producer=obj, user=request.user, **values)
            return
        # The form's instance stands for the new row in the admin's log and redirect.
        obj.pk = services.create_producer(user=request.user, **values).pk


class StarsFilter(admin.SimpleListFilter):
    title = _("stars in force")
    parameter_name = "stars"

    def lookups(self, request, model_admin):
        return [(str(n), "★" * n) for n in range(5, 0, -1)]

    def queryset(self, request, queryset):
        if self.value() in {str(n) for n in range(1, 6)}:
            day = timezone.localdate()
            return queryset.in_force_on(day).filter(current_stars=int(self.value()))
        return queryset


class ValidityFilter(admin.SimpleListFilter):
    title = _("validity")
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return [
            ("in_force", _("in force")),
            ("expiring", _("expiring within %(n)d days") % {"n": settings.NTM_OCOP_EXPIRING_DAYS}),
            ("expired", _("expired")),
            ("revoked", _("revoked")),
            ("never", _("never evaluated")),
        ]

    def queryset(self, request, queryset):
        day = timezone.localdate()
        filters = {
            "in_force": lambda: queryset.in_force_on(day),
            "expiring": lambda: queryset.expiring_within(day, settings.NTM_OCOP_EXPIRING_DAYS),
            "expired": lambda: queryset.expired_on(day),
            "revoked": lambda: queryset.revoked_on(day),
            "never": lambda: queryset.filter(current_id__isnull=True),
        }
        return filters[self.value()]() if self.value() in filters else queryset


class EvaluationHistoryInline(admin.TabularInline):
    """Recorded evaluations, read-only: open one to revoke it."""

    model = Evaluation
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = _("evaluations")
    fields = [
        "decision_date",
        "decision_number",
        "level",
        "score",
        "part_a",
        "part_b",
        "part_c",
        "stars",
        "valid_until",
        "revoked_date",
        "revoked_decision",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")  # each row's title

    def has_add_permission(self, request, obj=None):
        return False  # added through NewEvaluationInline, which uses the service


NEW_EVALUATION_FIELDS = [
    "score",
    "part_a",
    "part_b",
    "part_c",
    "level",
    "decision_number",
    "decision_date",
]


class NewEvaluationForm(forms.ModelForm):
    class Meta:
        model = Evaluation
        fields = NEW_EVALUATION_FIELDS

    def service_arguments(self) -> dict:
        return {field: self.cleaned_data[field] for field in NEW_EVALUATION_FIELDS}

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                services.check_evaluation(product=self.instance.product, **self.service_arguments())
            except ValidationError as error:
                add_service_errors(self, error)
        return cleaned


class NewEvaluationInline(admin.StackedInline):
    """An empty form to record a new evaluation; its stars and validity are computed."""

    model = Evaluation
    form = NewEvaluationForm
    extra = 1
    can_delete = False
    verbose_name = _("new evaluation")
    verbose_name_plural = _("record a new evaluation")

    def get_queryset(self, request):
        return super().get_queryset(request).none()


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["producer", *services.EDITABLE_PRODUCT_FIELDS]

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            values = {f: cleaned[f] for f in services.EDITABLE_PRODUCT_FIELDS if f in cleaned}
            try:
                if self.instance.pk:
                    services.check_product(product=self.instance, **values)
                else:
                    services.check_product(producer=cleaned["producer"], **values)
            except ValidationError as error:
                add_service_errors(self, error)
        return cleaned


@admin.register(Product)
class ProductAdmin(PortalScopedAdmin, FoldedSearch, HistoryAdmin):
    province_field = "commune__province"
    list_display = ["name", "producer", "commune", "province", "group", "stars", "validity"]
    list_filter = [PROVINCE_FILTER, "group", StarsFilter, ValidityFilter, "active"]
    search_fields = ["search_key", "producer__search_key"]
    search_help_text = _("Product or producer name, with or without diacritics")
    form = ProductForm
    autocomplete_fields = ["producer", "commune"]
    readonly_fields = ["search_key"]
    inlines = [EvaluationHistoryInline, NewEvaluationInline]

    def get_queryset(self, request):
        # Current evaluation annotated: the list's stars and validity cost no query per row.
        return self.in_scope(request, selectors.products_with_rating(timezone.localdate()))

    def get_readonly_fields(self, request, obj=None):
        # A product changes hands by being registered again by its new producer.
        return self.readonly_fields + (["producer"] if obj else [])

    def get_inline_instances(self, request, obj=None):
        # Evaluations are recorded for a saved product only.
        return super().get_inline_instances(request, obj) if obj else []

    @admin.display(description=_("province"), ordering="commune__province__code")
    def province(self, obj):
        return obj.commune.province.name

    @admin.display(description=_("stars in force"), ordering="current_stars")
    def stars(self, obj):
        current = selectors.current_of(obj)
        in_force = current is not None and rating.in_force(current, timezone.localdate())
        return "★" * current.stars if in_force else "—"

    @admin.display(description=_("validity"), ordering="current_valid_until")
    def validity(self, obj):
        return validity_text(selectors.current_of(obj), timezone.localdate())

    def save_model(self, request, obj, form, change):
        fields = [f for f in services.EDITABLE_PRODUCT_FIELDS if f in form.cleaned_data]
        values = {f: form.cleaned_data[f] for f in fields}
        if change:
            services.update_product(product=obj, user=request.user, **values)
        else:  # the form's instance stands for the new row, as for producers
            producer = form.cleaned_data["producer"]
            obj.pk = services.create_product(producer=producer, user=request.user, **values).pk

    def save_formset(self, request, form, formset, change):
        if not issubclass(formset.form, NewEvaluationForm):
            return super().save_formset(request, form, formset, change)
        formset.new_objects = [
            services.record_evaluation(
                product=form.instance, user=request.user, **sub.service_arguments()
            )
            for sub in formset.forms
            if sub.has_changed()
        ]
        formset.changed_objects, formset.deleted_objects = [], []


class RevocationForm(forms.ModelForm):
    class Meta:
        model = Evaluation
        fields = ["revoked_date", "revoked_reason", "revoked_decision"]

    def clean(self):
        cleaned = super().clean()
        if self.has_changed() and not self.errors:
            try:
                services.check_revocation(
                    evaluation=self.instance,
                    revoked_date=cleaned["revoked_date"],
                    reason=cleaned["revoked_reason"],
                    decision=cleaned["revoked_decision"],
                )
            except ValidationError as error:
                add_service_errors(self, error)
        return cleaned


@admin.register(Evaluation)
class EvaluationAdmin(PortalScopedAdmin, HistoryAdmin):
    """Evaluations are recorded on their product's page; here they are listed and revoked.
    Who recorded and who revoked a rating, and when, is in its history."""

    province_field = "product__commune__province"

    form = RevocationForm
    list_display = ["product", "stars", number_column("score", _("score (out of 100)"))]
    list_display += ["level", "decision_number", "decision_date"]
    list_display += ["valid_until", "revoked_date"]
    list_filter = [
        "level",
        "stars",
        ("product__commune__province", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["product"]
    search_fields = ["decision_number"]
    search_help_text = _("Decision number, or product name with or without diacritics")
    recorded = ["product", "score", "part_a", "part_b", "part_c", "level", "stars"]
    recorded += ["decision_number", "decision_date", "valid_until"]
    revocation = ["revoked_date", "revoked_reason", "revoked_decision"]
    fields = recorded + revocation

    def get_readonly_fields(self, request, obj=None):
        revoked = obj is not None and obj.revoked_date is not None
        return self.recorded + (self.revocation if revoked else [])

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        matches = Q(decision_number__icontains=search_term.strip())
        matches |= Q(product__in=Product.objects.search(search_term))
        return queryset.filter(matches), False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a rating ends by revocation, which is recorded

    def save_model(self, request, obj, form, change):
        if form.has_changed():
            services.revoke_evaluation(
                evaluation=obj,
                revoked_date=form.cleaned_data["revoked_date"],
                reason=form.cleaned_data["revoked_reason"],
                decision=form.cleaned_data["revoked_decision"],
                user=request.user,
            )


def validity_text(current: rating.Evaluation | None, day) -> str:
    """How the product's current evaluation stands on ``day``, as the list shows it."""
    if current is None:
        return str(_("never evaluated"))
    status = rating.status_on(current, day)
    if status == rating.Status.REVOKED:
        return str(_("revoked on %(d)s")) % {"d": date_format(current.revoked_date, DATE)}
    if status == rating.Status.EXPIRED:
        return str(_("expired after %(d)s")) % {"d": date_format(current.valid_until, DATE)}
    text = str(_("valid until %(d)s")) % {"d": date_format(current.valid_until, DATE)}
    if rating.expires_within(current, day, settings.NTM_OCOP_EXPIRING_DAYS):
        text += " ⚠"
    return text
