"""The OCOP officer pages: a province's products with their stars and validity, a product's
evaluations, and the forms that register producers and products, record evaluations and
revoke them; and what ocop adds to criteria's pages (a commune's products, the certificates
falling due), handed over through criteria.registry.

Scope as on criteria's pages (accounts.access): the staff of a province, and national users
who choose one, read its registry; another province's product is a 404; a form is a 403 to
those who may not change the province (viewers). Every write goes through ocop.services,
whose errors come back at the fields they name, nothing saved. Stars, validity and status
are ocop/rating.py's, read over data loaded in a fixed number of queries.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.access import Access, access_for
from communes.models import Province
from criteria import registry
from ocop import forms, rating, selectors, services
from ocop.filters import ProductFilterSet
from ocop.models import Evaluation, Product

EXPIRING_DAYS = forms.EXPIRING_DAYS
PER_PAGE = 50
DATE = "d/m/Y"  # as decisions write dates
STATUS_LABELS = {
    rating.Status.IN_FORCE: gettext_lazy("In force"),
    rating.Status.EXPIRED: gettext_lazy("Expired"),
    rating.Status.REVOKED: gettext_lazy("Revoked"),
    rating.Status.NOT_YET: gettext_lazy("Not yet in force"),
}


# --- what a product's rating says on a day -----------------------------------------------------


@dataclass
class Rated:
    """A product's current evaluation on a day, as the pages show it (the rules are rating's)."""

    evaluation: rating.Evaluation | None
    day: datetime.date

    @property
    def status(self) -> rating.Status | None:
        return rating.status_on(self.evaluation, self.day) if self.evaluation else None

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status]) if self.status else _("Not evaluated")

    @property
    def in_force(self) -> bool:
        return self.status == rating.Status.IN_FORCE

    @property
    def stars(self) -> str:
        return "★" * self.evaluation.stars if self.evaluation else ""

    @property
    def expiring(self) -> bool:
        if self.evaluation is None:
            return False
        return rating.expires_within(self.evaluation, self.day, EXPIRING_DAYS)

    @property
    def days_left(self) -> int:
        return (self.evaluation.valid_until - self.day).days + 1  # the last day counts

    @property
    def expiring_label(self) -> str:
        days = self.days_left
        return ngettext("Ends in %(n)d day", "Ends in %(n)d days", days) % {"n": days}


@dataclass
class EvaluationRow:
    evaluation: Evaluation
    rated: Rated  # the evaluation's own status on the day
    current: bool  # the product's current evaluation (the others are superseded)

    @property
    def score(self) -> str:
        return _number(self.evaluation.score)

    @property
    def parts(self) -> list[tuple[str, str]]:
        """[(A, 30), (B, 18,5), (C, 30)], or none if the parts' scores were not given."""
        e = self.evaluation
        if e.part_a is None:
            return []
        return [("A", _number(e.part_a)), ("B", _number(e.part_b)), ("C", _number(e.part_c))]


@dataclass
class ProductRow:
    product: Product  # loaded by selectors.products_with_rating
    rated: Rated


def rows_for(products, day: datetime.date) -> list[ProductRow]:
    return [ProductRow(p, Rated(selectors.current_of(p), day)) for p in products]


# --- scope: every view fetches through these -------------------------------------------------


@dataclass
class Scope:
    access: Access
    province: Province | None
    form: forms.ScopeForm

    @property
    def query(self) -> str:
        """What links carry so that a national user stays in the province chosen."""
        return province_query(self.province) if self.form.chooses and self.province else ""

    @property
    def can_edit(self) -> bool:
        return self.province is not None and self.access.can_edit(self.province.pk)


def scope_for(request) -> Scope:
    access = access_for(request.user)
    form = forms.ScopeForm(request.GET, access=access)
    return Scope(access, form.resolve(), form)


def province_query(province: Province) -> str:
    return urlencode({"province": province.code, "structure": province.structure})


def list_url(province: Province, access: Access, **filters) -> str:
    """The product list of the province, for this user, with these filters."""
    query = {"province": province.code, "structure": province.structure}
    query = {**query, **filters} if forms.chooses_province(access) else filters
    return reverse("ocop:products") + (f"?{urlencode(query)}" if query else "")


def get_product_for_user(request, pk: int) -> Product:
    """The product, if the user is staff of its province (or national); else 404."""
    product = get_object_or_404(
        Product.objects.select_related(
            "producer__commune", "commune__district", "commune__province"
        ),
        pk=pk,
    )
    if not access_for(request.user).covers(product.commune.province_id):
        raise Http404(_("No such product in your province."))
    return product


def get_evaluation_for_user(request, pk: int) -> Evaluation:
    evaluation = get_object_or_404(
        Evaluation.objects.select_related("product__producer", "product__commune__province"),
        pk=pk,
    )
    if not access_for(request.user).covers(evaluation.product.commune.province_id):
        raise Http404(_("No such evaluation in your province."))
    return evaluation


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


# --- the province's products -------------------------------------------------------------------


@login_required
def product_list(request):
    scope = scope_for(request)
    province = scope.province
    districts = list(province.districts.order_by("code")) if province else []
    filters = forms.ProductFilterForm(request.GET, districts=districts)
    page, day = None, timezone.localdate()
    if province is not None:
        products = selectors.products_with_rating(day).filter(commune__province=province)
        products = products.select_related("commune__district")
        found = ProductFilterSet({**filters.filters(), "as_of": day}, queryset=products).qs
        page = Paginator(found.order_by("search_key", "pk"), PER_PAGE).get_page(
            request.GET.get("page")
        )
    others = request.GET.copy()
    others.pop("page", None)
    return render(
        request,
        "ocop/products.html",
        {
            "scope": scope,
            "province": province,
            "filters": filters,
            "page": page,
            "rows": rows_for(page, day) if page else [],
            "others": others.urlencode(),
            "provinces": scope.form.provinces() if scope.form.chooses else None,
            "expiring_days": EXPIRING_DAYS,
        },
    )


# --- a product ---------------------------------------------------------------------------------


@login_required
def product_detail(request, pk):
    product = get_product_for_user(request, pk)
    day = timezone.localdate()
    evaluations = list(product.evaluations.order_by("-decision_date", "-pk"))
    current = rating.current([e.as_rule_data() for e in evaluations], day)
    current_id = current.key if current else None
    rows = [EvaluationRow(e, Rated(e.as_rule_data(), day), e.pk == current_id) for e in evaluations]
    access = access_for(request.user)
    return render(
        request,
        "ocop/product.html",
        {
            "product": product,
            "rated": Rated(current, day),
            "evaluations": rows,
            "can_edit": access.can_edit(product.commune.province_id),
            "list_url": list_url(product.commune.province, access),
        },
    )


def _form_page(request, form, *, title: str, intro: str = "", cancel: str, submit: str):
    """A form, with its errors (400 when a post was refused)."""
    status = 400 if form.is_bound else 200
    context = {"form": form, "title": title, "intro": intro, "cancel": cancel, "submit": submit}
    return render(request, "ocop/form.html", context, status=status)


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
            forms.add_service_errors(form, error)
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
        cancel=list_url(scope.province, scope.access),
        submit=_("Register the producer"),
    )


@login_required
def product_new(request):
    scope = _province_to_edit(request)
    form = forms.ProductForm(
        _posted(request), province=scope.province, initial={"producer": request.GET.get("producer")}
    )
    if form.is_valid():
        try:
            product = services.create_product(**form.cleaned_data)
        except ValidationError as error:
            forms.add_service_errors(form, error)
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
        cancel=list_url(scope.province, scope.access),
        submit=_("Register the product"),
    )


@login_required
def evaluate(request, pk):
    product = get_product_for_user(request, pk)
    _require_edit(request, product.commune.province_id)
    scheme = rating.scheme_on(timezone.localdate())
    form = forms.EvaluationForm(_posted(request), scheme=scheme)
    if form.is_valid():
        try:
            evaluation = services.record_evaluation(product=product, **form.cleaned_data)
        except ValidationError as error:
            forms.add_service_errors(form, error)
        else:
            message = _("Recorded: %(stars)s, valid until %(day)s.")
            values = {"stars": "★" * evaluation.stars, "day": _day(evaluation.valid_until)}
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
    evaluation = get_evaluation_for_user(request, pk)
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
            forms.add_service_errors(form, error)
        else:
            message = _("The rating of %(day)s is revoked from %(revoked)s.")
            values = {"day": _day(evaluation.decision_date), "revoked": _day(data["revoked_date"])}
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
    number, day = evaluation.decision_number, _day(evaluation.decision_date)
    return message % {**values, "number": number, "day": day}


def _day(value: datetime.date) -> str:
    return date_format(value, DATE)


def _number(value: Decimal) -> str:
    """A score as people write it: no trailing zeros, the language's decimal mark."""
    number = value.normalize()
    return number_format(number.quantize(Decimal(1)) if number == number.to_integral() else number)


# --- what ocop adds to criteria's pages (registered in ocop.apps) -----------------------------


def _entry(row: ProductRow, *facts: str) -> registry.Entry:
    return registry.Entry(
        label=row.product.name,
        url=reverse("ocop:product", args=[row.product.pk]),
        facts=facts,
        flag=row.rated.expiring_label if row.rated.expiring else "",
    )


def commune_panel(commune, user) -> registry.Block | None:
    """The commune's OCOP products, on its page: one query."""
    access = access_for(user)
    if not access.covers(commune.province_id):
        return None
    day = timezone.localdate()
    products = selectors.products_with_rating(day).filter(commune=commune)
    entries = []
    for row in rows_for(products.order_by("search_key", "pk"), day):
        until = _day(row.rated.evaluation.valid_until) if row.rated.evaluation else "—"
        facts = (row.rated.stars or "—", row.product.get_group_display())
        facts += (row.product.producer.name, until, row.rated.status_label)
        entries.append(_entry(row, *facts))
    return registry.Block(
        title=_("OCOP products"),
        entries=tuple(entries),
        headers=(
            _("Product"),
            _("Stars"),
            _("Group"),
            _("Producer"),
            _("Valid until"),
            _("Status"),
        ),
        empty=_("No OCOP product is registered in this commune."),
        more_url=list_url(commune.province, access),
        more_label=_("All OCOP products of the province"),
    )


def expiring_task(province, user) -> registry.Block | None:
    """The province's OCOP certificates whose validity ends within 90 days, soonest first, in
    the overview's task list: one query."""
    access = access_for(user)
    if not access.covers(province.pk):
        return None
    day = timezone.localdate()
    products = selectors.products_with_rating(day).filter(commune__province=province)
    due = products.expiring_within(day, EXPIRING_DAYS).filter(
        current_stars__gte=rating.CERTIFIED_MIN_STARS
    )
    rows = rows_for(due.order_by("current_valid_until", "search_key", "pk"), day)
    return registry.Block(
        title=_("OCOP certificates expiring within %(n)d days") % {"n": EXPIRING_DAYS},
        entries=tuple(_entry(row, row.product.commune.name, row.rated.stars) for row in rows),
        empty=_("No OCOP certificate expires within %(n)d days.") % {"n": EXPIRING_DAYS},
        more_url=list_url(province, access, certified="yes", expiring="on"),
        more_label=_("See them in the OCOP registry"),
    )
