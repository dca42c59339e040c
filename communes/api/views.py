from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import NotFound

from communes import selectors
from communes.api import serializers
from communes.filters import CommuneFilterSet, DistrictFilterSet, ProvinceFilterSet
from core.api import ErrorSerializer

BAD_REQUEST = {400: ErrorSerializer}
NOT_FOUND = {404: ErrorSerializer}


def unit_schema(kind: str, serializer, example_code: str, examples=()):
    return extend_schema_view(
        list=extend_schema(
            summary=f"List {kind}",
            description=(
                f"The {kind} of one structure (default: the newest loaded), ordered by code, "
                "paginated with `page` and `page_size` (at most 500)."
            ),
            responses={200: serializer(many=True), **BAD_REQUEST, **NOT_FOUND},
        ),
        retrieve=extend_schema(
            summary=f"One of the {kind}, by its statistics-office code",
            description=f"For example `{example_code}`. Codes are unique within a structure: "
            "`structure` selects it; without it, the newest loaded.",
            responses={200: serializer, **BAD_REQUEST, **NOT_FOUND},
            examples=list(examples),
        ),
    )


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Units are addressed by code within a structure, never by database id."""

    lookup_field = "code"
    unit_label = "unit"

    def get_object(self):
        queryset = self.filter_queryset(self.get_queryset())
        code = self.kwargs["code"]
        unit = queryset.filter(code=code).first()
        if unit is None:
            raise NotFound(
                _("No %(unit)s with code %(code)s in this structure.")
                % {"unit": self.unit_label, "code": code}
            )
        return unit


@unit_schema("provinces", serializers.ProvinceSerializer, "74")
class ProvinceViewSet(UnitViewSet):
    serializer_class = serializers.ProvinceSerializer
    filterset_class = ProvinceFilterSet
    unit_label = "province"
    lookup_value_regex = "[0-9]{2}"  # the statistics office's codes, zero-padded

    def get_queryset(self):
        return selectors.provinces_for_list()


@unit_schema("districts", serializers.DistrictSerializer, "723")
class DistrictViewSet(UnitViewSet):
    serializer_class = serializers.DistrictSerializer
    filterset_class = DistrictFilterSet
    unit_label = "district"
    lookup_value_regex = "[0-9]{3}"  # the statistics office's codes, zero-padded

    def get_queryset(self):
        return selectors.districts_for_list()


BACH_DANG = OpenApiExample(
    "Xã Bạch Đằng",
    response_only=True,
    value={
        "code": "25930",
        "name": "Xã Bạch Đằng",
        "kind": "xa",
        "is_rural": True,
        "structure": "2021",
        "province": {"code": "74", "name": "Tỉnh Bình Dương"},
        "district": {"code": "723", "name": "Thành phố Tân Uyên"},
        "region": {"code": "dnb", "name_vi": "Đông Nam Bộ", "name_en": "Southeast"},
        "valid_from": None,
        "valid_to": "2025-06-30",
    },
)


@unit_schema("communes", serializers.CommuneSerializer, "25930", [BACH_DANG])
class CommuneViewSet(UnitViewSet):
    serializer_class = serializers.CommuneSerializer
    filterset_class = CommuneFilterSet
    unit_label = "commune"
    lookup_value_regex = "[0-9]{5}"  # the statistics office's codes, zero-padded

    def get_queryset(self):
        return selectors.communes_for_list()
