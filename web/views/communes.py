"""A commune's page (its years, recognitions and OCOP products) and creating an assessment."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import access_for
from communes.models import structures_for_years
from core.forms import error_text
from criteria import selectors, services
from web import scope
from web.forms import assessments as forms
from web.viewmodels import communes as communes_vm
from web.viewmodels import ocop as ocop_vm


@login_required
def commune_detail(request, structure, code):
    commune = scope.get_commune_for_user(request, structure, code)
    rows, recognitions = communes_vm.commune_years(commune)
    taken = {row.assessment.year for row in rows}
    covered = selectors.years_covered()
    maps = structures_for_years(covered)
    # The years it may be assessed for: not yet assessed, and on that year's map.
    years = [y for y in covered if y not in taken and commune.is_on_map(y, maps[y])]
    return render(
        request,
        "web/commune.html",
        {
            "commune": commune,
            "rows": rows,
            "recognitions": recognitions,
            "panels": [ocop_vm.products_panel(commune, access_for(request.user))],
            "create_form": forms.CreateAssessmentForm(years=years) if years else None,
            "can_edit": access_for(request.user).can_edit(commune.province_id),
            "predecessors": communes_vm.predecessor_history(commune, access_for(request.user)),
        },
    )


@login_required
@require_POST
def create_assessment(request, structure, code):
    commune = scope.get_commune_for_user(request, structure, code)
    scope.require_edit(request, commune)
    form = forms.CreateAssessmentForm(request.POST, years=selectors.years_covered())
    if not form.is_valid():
        messages.error(request, _("Choose a year to assess."))
        return redirect("pages:commune", structure, code)
    try:
        services.create_assessment(
            commune=commune, year=form.cleaned_data["year"], user=request.user
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("pages:commune", structure, code)
    except services.YearClosedError as error:
        messages.error(request, str(error))
        return redirect("pages:commune", structure, code)
    return redirect("pages:assessment", structure, code, form.cleaned_data["year"])
