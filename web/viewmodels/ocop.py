"""What the OCOP pages show of a product's rating on a day (the rules are ocop.rating's), and
the OCOP sections of other pages: a commune's products, a province's certificates falling due."""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.access import Access
from communes.models import Commune, Province
from core.formatting import format_day, format_number
from ocop import rating, selectors
from ocop.models import Evaluation, Product
from web.viewmodels.blocks import Block, Entry

STATUS_LABELS = {
    rating.Status.IN_FORCE: gettext_lazy("In force"),
    rating.Status.EXPIRED: gettext_lazy("Expired"),
    rating.Status.REVOKED: gettext_lazy("Revoked"),
    rating.Status.NOT_YET: gettext_lazy("Not yet in force"),
}


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
        return rating.expires_within(self.evaluation, self.day, settings.NTM_OCOP_EXPIRING_DAYS)

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
        return format_number(self.evaluation.score)

    @property
    def parts(self) -> list[tuple[str, str]]:
        """[(A, 30), (B, 18,5), (C, 30)], or none if the parts' scores were not given."""
        e = self.evaluation
        if e.part_a is None:
            return []
        return [
            ("A", format_number(e.part_a)),
            ("B", format_number(e.part_b)),
            ("C", format_number(e.part_c)),
        ]


@dataclass
class ProductRow:
    product: Product  # loaded by selectors.products_with_rating
    rated: Rated


def rows_for(products, day: datetime.date) -> list[ProductRow]:
    return [ProductRow(p, Rated(selectors.current_of(p), day)) for p in products]


def chooses_province(access: Access) -> bool:
    """Whether the user chooses the province the pages show (national users), rather than
    seeing their own."""
    return access.country_wide and access.province_id is None


def province_query(province: Province) -> str:
    return urlencode({"province": province.code, "structure": province.structure})


def list_url(province: Province, access: Access, **filters) -> str:
    """The product list of the province, for this user, with these filters."""
    query = {"province": province.code, "structure": province.structure}
    query = {**query, **filters} if chooses_province(access) else filters
    return reverse("ocop:products") + (f"?{urlencode(query)}" if query else "")


def _entry(row: ProductRow, *facts: str) -> Entry:
    return Entry(
        label=row.product.name,
        url=reverse("ocop:product", args=[row.product.pk]),
        facts=facts,
        flag=row.rated.expiring_label if row.rated.expiring else "",
    )


def products_panel(commune: Commune, access: Access) -> Block:
    """The commune's OCOP products, on its page: one query."""
    day = timezone.localdate()
    products = selectors.products_with_rating(day).filter(commune=commune)
    entries = []
    for row in rows_for(products.order_by("search_key", "pk"), day):
        until = format_day(row.rated.evaluation.valid_until) if row.rated.evaluation else "—"
        facts = (row.rated.stars or "—", row.product.get_group_display())
        facts += (row.product.producer.name, until, row.rated.status_label)
        entries.append(_entry(row, *facts))
    return Block(
        key="ocop.products",
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


def expiring_certificates(province: Province, access: Access) -> Block:
    """The province's OCOP certificates whose validity ends within NTM_OCOP_EXPIRING_DAYS,
    soonest first, in the overview's task list: one query."""
    days = settings.NTM_OCOP_EXPIRING_DAYS
    day = timezone.localdate()
    products = selectors.products_with_rating(day).filter(selectors.in_registry_of(province))
    due = products.expiring_within(day, days).filter(current_stars__gte=rating.CERTIFIED_MIN_STARS)
    rows = rows_for(due.order_by("current_valid_until", "search_key", "pk"), day)
    return Block(
        key="ocop.expiring",
        title=_("OCOP certificates expiring within %(n)d days") % {"n": days},
        entries=tuple(_entry(row, row.product.commune.name, row.rated.stars) for row in rows),
        empty=_("No OCOP certificate expires within %(n)d days.") % {"n": days},
        more_url=list_url(province, access, certified="yes", expiring="on"),
        more_label=_("See them in the OCOP registry"),
    )
