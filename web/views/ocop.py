"""The OCOP officer pages: a province's products with their stars and validity, a product's
evaluations, and the forms that register producers and products, record evaluations and
revoke them.

Scope as on the other pages (accounts.access): the staff of a province, and national users
who choose one, read its registry; another province's product is a 404; a form is a 403 to
those who may not change the province (viewers). Every write goes through ocop.services,
whose errors come back at the fields they name, nothing saved. Stars, validity and status
are ocop/rating.py's (web.viewmodels.ocop shows them)."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Access, access_for
from communes.models import Province
from core.formatting import format_day
from core.forms import add_service_errors
from ocop import rating, selectors, services
from ocop.filters import ProductFilterSet
from ocop.models import Evaluation, Product
from web import scope
from web.forms import ocop as forms
from web.viewmodels import ocop as ocop_vm

PER_PAGE = 50


@dataclass
class Scope:
    access: Access
    province: Province | None
    form: forms.ScopeForm

    @property
    def query(self) -> str:
        """What links carry so that a national user stays in the province chosen."""
        return ocop_vm.province_query(self.province) if self.form.chooses and self.province else ""

    @property
    def can_edit(self) -> bool:
        return self.province is not None and self.access.can_edit(self.province.pk)


def scope_for(request) -> Scope:
    access = access_for(request.user)
    form = forms.ScopeForm(request.GET, access=access)
    return Scope(access, form.resolve(), form)


def _refuse():
    return PermissionDenied(
        _("Only officers of this province and national users change its OCOP registry.")
    )


def _require_edit(request, province_id: int) -> None:
    if not access_for(request.user).can_edit(province_id):
        raise _refuse()


def _province_to_edit(request) -> Scope:
    """The province a registration form writes into, if the user may change it."""
    scope = scope_for(request)
    if scope.province is None:
        raise Http404(_("Choose a province first.")) if scope.form.chooses else _refuse()
    _require_edit(request, scope.province.pk)
    return scope


@login_required
def product_list(request):
    scope = scope_for(request)
    province = scope.province
    districts = list(province.districts.order_by("code")) if province else []
    filters = forms.ProductFilterForm(request.GET, districts=districts)
    page, day = None, timezone.localdate()
    if province is not None:
        # What this user may read of it: the registry of a province of the new map holds the
        # products of communes gone into it from a province its staff may not cover (Bình
        # Dương's, in Hồ Chí Minh City's): of those, the certified ones, public.
        visible = selectors.visible_products(scope.access, day)
        products = visible.filter(selectors.in_registry_of(province))
        found = ProductFilterSet({**filters.filters(), "as_of": day}, queryset=products).qs
        page = Paginator(found.order_by("search_key", "pk"), PER_PAGE).get_page(
            request.GET.get("page")
        )
    others = request.GET.copy()
    others.pop("page", None)
    return render(
        request,
        "web/ocop/products.html",
        {
            "scope": scope,
            "province": province,
            "filters": filters,
            "page": page,
            "rows": ocop_vm.rows_for(page, day) if page else [],
            "others": others.urlencode(),
            "provinces": scope.form.provinces() if scope.form.chooses else None,
            "expiring_days": settings.NTM_OCOP_EXPIRING_DAYS,
        },
    )


@login_required
def product_detail(request, pk):
    product = scope.get_product_for_user(request, pk)
    day = timezone.localdate()
    evaluations = list(product.evaluations.order_by("-decision_date", "-pk"))
    current = rating.current([e.as_rule_data() for e in evaluations], day)
    current_id = current.key if current else None
    rows = [
        ocop_vm.EvaluationRow(e, ocop_vm.Rated(e.as_rule_data(), day), e.pk == current_id)
        for e in evaluations
    ]
    access = access_for(request.user)
    return render(
        request,
        "web/ocop/product.html",
        {
            "product": product,
            "rated": ocop_vm.Rated(current, day),
            "evaluations": rows,
            "can_edit": access.can_edit(product.commune.province_id),
            "list_url": ocop_vm.list_url(product.commune.province, access),
        },
    )


def _form_page(request, form, *, title: str, intro: str = "", cancel: str, submit: str):
    """A form, with its errors (400 when a post was refused)."""
    status = 400 if form.is_bound else 200
    context = {"form": form, "title": title, "intro": intro, "cancel": cancel, "submit": submit}
    return render(request, "web/ocop/form.html", context, status=status)


def _posted(request):
    return request.POST if request.method == "POST" else None


@login_required
def producer_new(request):
    scope = _province_to_edit(request)
    form = forms.ProducerForm(_posted(request), province=scope.province)
    if form.is_valid():
        try:
            producer = services.create_producer(**form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is registered. Now add its products.") % {"name": producer.name},
            )
            query = urlencode({"producer": producer.pk})
            extra = f"&{scope.query}" if scope.query else ""
            return redirect(f"{reverse('ocop:product_new')}?{query}{extra}")
    return _form_page(
        request,
        form,
        title=_("Register an OCOP producer"),
        intro=scope.province.name,
        cancel=ocop_vm.list_url(scope.province, scope.access),
        submit=_("Register the producer"),
    )


@login_required
def product_new(request):
    scope = _province_to_edit(request)
    form = forms.ProductForm(
        _posted(request),
        province=scope.province,
        access=scope.access,
        initial={"producer": request.GET.get("producer")},
    )
    if form.is_valid():
        try:
            product = services.create_product(**form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is registered. Record its evaluation once the council has rated it.")
                % {"name": product.name},
            )
            return redirect("ocop:product", product.pk)
    return _form_page(
        request,
        form,
        title=_("Register an OCOP product"),
        intro=scope.province.name,
        cancel=ocop_vm.list_url(scope.province, scope.access),
        submit=_("Register the product"),
    )


@login_required
def evaluate(request, pk):
    product = scope.get_product_for_user(request, pk)
    _require_edit(request, product.commune.province_id)
    scheme = rating.scheme_on(timezone.localdate())
    form = forms.EvaluationForm(_posted(request), scheme=scheme)
    if form.is_valid():
        try:
            evaluation = services.record_evaluation(product=product, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            message = _("Recorded: %(stars)s, valid until %(day)s.")
            values = {"stars": "★" * evaluation.stars, "day": format_day(evaluation.valid_until)}
            messages.success(request, message % values)
            return redirect("ocop:product", product.pk)
    return _form_page(
        request,
        form,
        title=_("Record an evaluation"),
        intro=_evaluation_intro(product),
        cancel=reverse("ocop:product", args=[product.pk]),
        submit=_("Record the evaluation"),
    )


def _evaluation_intro(product: Product) -> str:
    message = _(
        "%(product)s · %(producer)s. The stars follow from the score, capped by the "
        "evaluating level; the rating is valid %(months)d months from the decision."
    )
    values = {"product": product.name, "producer": product.producer.name}
    return message % {**values, "months": rating.VALIDITY_MONTHS}


@login_required
def revoke(request, pk):
    evaluation = scope.get_evaluation_for_user(request, pk)
    product = evaluation.product
    _require_edit(request, product.commune.province_id)
    form = forms.RevocationForm(_posted(request))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.revoke_evaluation(
                evaluation=evaluation,
                revoked_date=data["revoked_date"],
                reason=data["revoked_reason"],
                decision=data["revoked_decision"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            message = _("The rating of %(day)s is revoked from %(revoked)s.")
            values = {
                "day": format_day(evaluation.decision_date),
                "revoked": format_day(data["revoked_date"]),
            }
            messages.success(request, message % values)
            return redirect("ocop:product", product.pk)
    return _form_page(
        request,
        form,
        title=_("Revoke a rating"),
        intro=_revocation_intro(evaluation),
        cancel=reverse("ocop:product", args=[product.pk]),
        submit=_("Revoke the rating"),
    )


def _revocation_intro(evaluation: Evaluation) -> str:
    message = _("%(product)s: %(stars)s, decision %(number)s of %(day)s.")
    values = {"product": evaluation.product.name, "stars": "★" * evaluation.stars}
    number, day = evaluation.decision_number, format_day(evaluation.decision_date)
    return message % {**values, "number": number, "day": day}
