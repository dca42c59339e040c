"""The province overview: a province's communes for a year, totals by level, and the tasks."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.access import access_for
from communes.selectors import provinces_gone_into
from criteria import selectors
from web.forms import assessments as forms
from web.viewmodels import ocop as ocop_vm
from web.viewmodels import overview as overview_vm


@login_required
def overview(request):
    access = access_for(request.user)
    scope = forms.ScopeForm(request.GET, access=access)
    year, province = scope.resolve()
    ladder = selectors.ladder_for_year(year)
    # A province the year's map no longer holds (Bình Dương in 2026, merged on 1 July 2025):
    # said so, with where its communes went, and neither figures nor files of it.
    gone_into = provinces_gone_into(province) if scope.off_map else None
    districts = overview_vm.rural_districts(province, year) if province else []
    filters = forms.CommuneFilterForm(request.GET, districts=districts, ladder=ladder)
    picture = None
    if province is not None and ladder.criteria_set is not None and gone_into is None:
        picture = overview_vm.province_year(
            request=request,
            access=access,
            province=province,
            year=year,
            ladder=ladder,
            filters=filters.filters(),
        )
    return render(
        request,
        "web/overview.html",
        {
            "year": year,
            "years": scope.offered,
            "province": province,
            "gone_into": gone_into,
            "ladder": ladder,
            "filters": filters,
            "picture": picture,
            "tasks": [ocop_vm.expiring_certificates(province, access)] if picture else [],
            "can_edit": province and access.can_edit(province.pk),
            "provinces": overview_vm.provinces_for_year(year) if access.country_wide else None,
        },
    )
