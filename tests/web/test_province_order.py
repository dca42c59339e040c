"""Where the pages offer provinces (or communes) by name, they are sorted by the name without
"Tỉnh" / "Thành phố" / "Xã"..., the Vietnamese way (communes.text.sort_key): "Thành phố Hà
Nội" among the "Tỉnh Hà …", not with the other cities before every province."""

import html
import re

import pytest

from accounts.access import access_for
from communes.models import Commune, Province
from communes.text import sort_key, strip_unit_prefix
from web.forms.closures import ClosureProvinceForm, CommuneExceptionForm
from web.forms.ocop import ScopeForm as OcopScopeForm
from web.viewmodels import overview

pytestmark = pytest.mark.django_db

# the 2021 map's provinces around Hà Nội, in Vietnamese order
AROUND_HA_NOI = [
    "Tỉnh Hà Giang",
    "Tỉnh Hà Nam",
    "Thành phố Hà Nội",
    "Tỉnh Hà Tĩnh",
    "Tỉnh Hải Dương",
    "Thành phố Hải Phòng",
    "Tỉnh Hậu Giang",
    "Tỉnh Hoà Bình",
    "Thành phố Hồ Chí Minh",
]


def _around_ha_noi(names: list[str]) -> list[str]:
    start = names.index("Tỉnh Hà Giang")
    return names[start : start + len(AROUND_HA_NOI)]


def _in_vietnamese_order(names: list[str]) -> bool:
    return names == sorted(names, key=sort_key)


def _options(response, select: str) -> list[str]:
    body = response.content.decode()
    found = re.search(rf'<select[^>]*name="{select}"[^>]*>(.*?)</select>', body, flags=re.S)
    assert found, f"no {select} chooser"
    options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', found.group(1))
    return [html.unescape(name).strip() for _value, name in options]


def test_the_overview_offers_provinces_by_name_without_the_prefix(client, cast):
    client.force_login(cast.national)
    response = client.get("/", {"year": 2023})
    names = _options(response, "province")
    shown = [p.name for p in response.context["provinces"]]
    assert names == shown and len(names) in (34, 63)
    assert _in_vietnamese_order(names)
    bare = [strip_unit_prefix(name) for name in names]
    assert bare.index("Gia Lai") < bare.index("Hà Nội") < bare.index("Hà Tĩnh")
    assert not names[0].startswith("Thành phố")


def test_the_overview_lists_of_each_map_are_in_the_same_order():
    names = [p.name for p in overview.provinces_for_year(2026)]
    assert len(names) == 34 and _in_vietnamese_order(names)
    assert names.index("Gia Lai") < names.index("Thành phố Hà Nội") < names.index("Hà Tĩnh")
    # đ after every d, whether city or province: Cần Thơ, Cao Bằng... Đà Nẵng, Đắk Lắk
    assert names.index("Cao Bằng") < names.index("Thành phố Đà Nẵng")
    assert names.index("Thành phố Đà Nẵng") < names.index("Đắk Lắk")


def test_the_ocop_chooser_offers_provinces_by_name(cast):
    form = OcopScopeForm({"structure": "2021"}, access=access_for(cast.national))
    names = [p.name for p in form.provinces()]
    assert _around_ha_noi(names) == AROUND_HA_NOI
    assert _in_vietnamese_order(names)


def test_the_approvals_chooser_offers_provinces_by_name_on_each_map(cast):
    form = ClosureProvinceForm({}, access=access_for(cast.national))
    labels = [label for value, label in form.fields["province"].choices if value]
    newest = [label.rsplit(" (", 1)[0] for label in labels if label.endswith("(2025)")]
    older = [label.rsplit(" (", 1)[0] for label in labels if label.endswith("(2021)")]
    assert labels[0].endswith("(2025)")  # the newest map first, then each map by name
    assert len(newest) == 34 and _in_vietnamese_order(newest)
    assert _around_ha_noi(older) == AROUND_HA_NOI and _in_vietnamese_order(older)


def test_the_exception_chooser_offers_communes_by_name():
    province = Province.objects.get(structure="2021", code="74")
    form = CommuneExceptionForm({}, province=province)
    names = [c.name for c in form.fields["commune"].queryset]
    assert names == sorted(names, key=sort_key)
    assert len(names) == Commune.objects.ever_rural().in_province(province).count()
    assert names != [c.name for c in form.fields["commune"].queryset.order_by("code")]
