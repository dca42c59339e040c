"""The dashboards: the programme's progress as charts, each with its numbers in a table.

Public, no login. The page is a frame; its figures are fetched by the browser from the
public REST API (web/static/web/dashboard.js), the same calls a third-party dashboard makes,
anonymously even for a logged-in visitor: a draft never shows. A logged-in national user also
sees the data entry of every province (the progress endpoint, for staff only); a provincial
user, its own province's.
"""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.access import access_for
from communes.models import Commune, Lineage, Province
from criteria.models import Assessment
from ocop.models import Product


def texts() -> dict:
    """The words the dashboard's script writes, in the page's language (the figures and the
    names of levels and units come from the API)."""
    return {
        "communes": _("Rural communes"),
        "assessed": _("Assessed (approved)"),
        "at_least": _("At least %(level)s"),
        "computed": _("computed"),
        "recognized": _("recognised"),
        "average": _("Average criteria met"),
        "average_over": _("over %(n)s assessed communes"),
        "ocop_products": _("OCOP products (3 stars or more)"),
        "producers": _("%(n)s producers"),
        "year": _("Year"),
        "province": _("Province"),
        "district": _("District"),
        "levels_title": _("Communes by level"),
        "commune": _("Commune"),
        "level": _("Level"),
        "no_level": _("No level"),
        "values_missing": _("values missing"),
        "not_assessed": _("Not assessed"),
        "not_recognized": _("Not recognised"),
        "target": _("Target"),
        "target_year": _("by %(year)s"),
        "actual": _("Recognised"),
        "criteria_met": _("Criteria met"),
        "approved_assessments": _("Approved assessments"),
        "criterion": _("Criterion"),
        "failed": _("Not met"),
        "incomplete": _("Cannot say (missing values)"),
        "failed_share": _("Share not met"),
        "stars": _("Stars"),
        "group": _("Group"),
        "products": _("Products"),
        "share": _("Share"),
        "no_data": _("No approved figures for this year yet."),
        "no_targets": _("No targets are set for this year's ladder."),
        "no_points": _("No commune of this view has a known position."),
        "map_note": _("%(shown)s of %(total)s communes have a known position."),
        "load_error": _("The figures could not be loaded: %(error)s"),
        "loading": _("Loading the figures…"),
        "loaded": _("Figures for %(year)s, criteria set %(set)s."),
        "entered": _("Entered"),
        "not_started": _("Not started"),
        "closed": _("Year closed"),
        "open": _("Open"),
        "pages": _("Its pages"),
        "predecessors": _(
            "This year was assessed on the map before 1 July 2025; the figures are those of "
            "the communes that went into these units."
        ),
        "statuses": dict(Assessment.Status.choices),
        "groups": dict(Product.Group.choices),
        "hows": dict(Lineage.How.choices),
        "choose": _("Choose a province"),
        "criteria_set": _("Criteria set"),
        "criteria_met_by_level": _("Criteria met by level"),
        "decision": _("Decision"),
        "decided": _("Date"),
        "title_year": _("Title for the year"),
        "issuer": _("Issued by"),
        "revoked": _("Revoked"),
        "none_yet": _("None yet."),
        "how": _("How it went into this commune"),
        "results": _("Approved results"),
    }


def _page(request, template: str, **context):
    access = access_for(request.user)
    return render(
        request,
        template,
        {
            "follows_entry": access.follows_entry,
            "texts": texts(),
            **context,
        },
    )


def _digits(*texts: str) -> None:
    """Codes and structures are digits; anything else names nothing (and never reaches the
    database: PostgreSQL refuses a NUL byte)."""
    if not all(text.isascii() and text.isdigit() for text in texts):
        raise Http404


def national(request):
    return _page(request, "web/dashboard/dashboard.html", scope="national", unit=None)


def province(request, code: str):
    _digits(code)
    unit = Province.objects.filter(code=code).order_by("-structure").first()
    if unit is None:
        raise Http404
    return _page(request, "web/dashboard/dashboard.html", scope="province", unit=unit)


def commune(request, structure: str, code: str):
    _digits(structure, code)
    unit = Commune.objects.filter(structure=structure, code=code)
    unit = unit.select_related("province", "district")
    unit = unit.first()
    if unit is None:
        raise Http404
    return _page(request, "web/dashboard/commune.html", unit=unit)
