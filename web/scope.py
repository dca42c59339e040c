"""Every page fetches what it shows through these: each enforces the user's province (another
province's commune, assessment, product or province is a 404: nothing about it is shown) and
the role (a visible thing the user may not change is a 403). The rules are accounts.access's."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.access import access_for
from communes.models import Commune, Province
from criteria import selectors
from ocop.models import Evaluation, Product

YEARS = (2000, 2100)  # the years a page may ask for (assessment years are small integers)


def get_commune_for_user(request, structure: str, code: str) -> Commune:
    """The rural commune, if the user is staff of its province (or national); else 404."""
    commune = get_object_or_404(
        # Rural in some year: whether it is in the year asked is the services' check.
        Commune.objects.ever_rural().select_related("province__region", "district"),
        structure=structure,
        code=code,
    )
    if not access_for(request.user).covers(commune.province_id):
        raise Http404(_("No such commune in your province."))
    return commune


def require_edit(request, commune: Commune) -> None:
    if not access_for(request.user).can_edit(commune.province_id):
        raise PermissionDenied(_("Only officers of this province can change its assessments."))


def get_assessment_for_user(request, structure: str, code: str, year: int):
    """The commune's assessment of the year, through the same province check; else 404."""
    commune = get_commune_for_user(request, structure, code)
    assessment = selectors.assessment_for(commune, year) if YEARS[0] <= year <= YEARS[1] else None
    if assessment is None:
        raise Http404(_("This commune has no assessment for that year yet."))
    return assessment


def get_province_for_approver(request, structure: str, code: str) -> Province:
    """The province, if the user approves in it (or nationally); outside the user's scope it
    is a 404, like a commune's pages."""
    province = get_object_or_404(Province, structure=structure, code=code)
    access = access_for(request.user)
    if not access.covers(province.pk):
        raise Http404(_("No such province in your scope."))
    if not access.can_approve(province.pk):
        raise PermissionDenied(_("Only approvers of this province can close or reopen its years."))
    return province


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
