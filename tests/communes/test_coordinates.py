"""Each commune's point for the map: the committed fixture (scripts/build_coordinates.py) and
the unit loader that sets it (the session database has both structures loaded with it)."""

import csv
import shutil
from decimal import Decimal

import pytest

from communes.models import Commune
from communes.services import ADMIN_UNITS_DIR, SourceError, load_admin_units
from communes.services.units import COORDINATES_DIR, in_vietnam

pytestmark = pytest.mark.django_db

BINH_DUONG = ((Decimal("10.85"), Decimal("11.50")), (Decimal("106.30"), Decimal("107.00")))


def _rows(path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _coverage(structure: str, kind: str | None = None) -> float:
    units = _rows(ADMIN_UNITS_DIR / structure / "communes.csv")
    if kind:
        units = [u for u in units if u["kind"] == kind]
    with_point = {row["code"] for row in _rows(COORDINATES_DIR / f"{structure}.csv")}
    return sum(u["code"] in with_point for u in units) / len(units)


def test_the_fixture_covers_almost_every_unit():
    # Measured on vietnamadminunits 1.0.4: 9,699 of 10,051 (96.5%) and 3,313 of 3,321 (99.8%);
    # the rest are units the source lacks or geocoded to their district's or a namesake's point.
    assert _coverage("2021") >= 0.96
    assert _coverage("2021", "xa") >= 0.96  # 7,438 of the 7,717 rural communes
    assert _coverage("2025") >= 0.997
    assert _coverage("2025", "xa") >= 0.996  # 2,613 of 2,621


def test_the_fixture_is_sorted_with_six_decimals_at_most():
    for structure in ("2021", "2025"):
        rows = _rows(COORDINATES_DIR / f"{structure}.csv")
        codes = [row["code"] for row in rows]
        assert codes == sorted(set(codes))
        for row in rows:
            for value in (row["latitude"], row["longitude"]):
                assert len(value.partition(".")[2]) <= 6, (structure, row)


def test_loading_sets_every_point_of_the_fixture():
    for structure in ("2021", "2025"):
        expected = {
            row["code"]: (Decimal(row["latitude"]), Decimal(row["longitude"]))
            for row in _rows(COORDINATES_DIR / f"{structure}.csv")
        }
        loaded = {
            code: (lat, lon)
            for code, lat, lon in Commune.objects.in_structure(structure).values_list(
                "code", "latitude", "longitude"
            )
            if lat is not None or lon is not None
        }
        assert loaded == expected


def test_bach_dang_lies_in_binh_duong():
    commune = Commune.objects.get(structure="2021", code="25930")
    (south, north), (west, east) = BINH_DUONG
    assert commune.name == "Xã Bạch Đằng"
    assert south <= commune.latitude <= north
    assert west <= commune.longitude <= east
    assert (commune.latitude, commune.longitude) == (Decimal("11.039809"), Decimal("106.80014"))


def test_the_archipelagos_keep_their_points_and_unknown_units_have_none():
    truong_sa = Commune.objects.get(structure="2025", code="22736")
    assert truong_sa.name == "Đặc khu Trường Sa"
    assert (truong_sa.latitude, truong_sa.longitude) == (Decimal("9.71"), Decimal("114.45"))
    # On the old map the source put Trường Sa's communes at a point of mainland Khánh Hòa
    # (its district's fallback): no point is better than a wrong one.
    old = Commune.objects.filter(structure="2021", code__in=["22736", "22737", "22739"])
    assert list(old.values_list("latitude", "longitude")) == [(None, None)] * 3


def test_loading_sets_them_in_bulk_and_a_reload_changes_nothing(django_assert_max_num_queries):
    communes = Commune.objects.filter(structure="2021", province__code="74")
    before = dict(communes.values_list("code", "latitude"))
    communes.update(latitude=None, longitude=None)
    with django_assert_max_num_queries(20):
        report = load_admin_units(structure="2021", provinces=["74"])
    assert report.levels["communes"].updated == sum(v is not None for v in before.values())
    assert dict(communes.values_list("code", "latitude")) == before

    report = load_admin_units(structure="2021", provinces=["74"])
    assert report.levels["communes"].updated == 0
    assert report.levels["communes"].unchanged == 91


@pytest.fixture
def coordinates_copy(tmp_path):
    """A copy of the coordinates that a test may change."""
    shutil.copy(COORDINATES_DIR / "2021.csv", tmp_path / "2021.csv")
    return tmp_path


def _replace(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


BACH_DANG_ROW = "25930,11.039809,106.80014"


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("25930,21.5,111.2", r"line \d+: commune 25930: the point 21.5, 111.2 is outside Vietnam"),
        ("25930,19.0,101.5", "commune 25930: the point 19.0, 101.5 is outside Vietnam"),
        ("25930,north,106.8", "commune 25930: latitude 'north' and longitude '106.8' must be"),
        ("25930,11.0398091,106.8", "must be numbers of degrees with at most 6 decimals"),
        ("25930,,", "commune 25930: latitude '' and longitude '' must be"),
        ("99999,11.0,106.8", "code '99999' is not a commune of this structure"),
        (f"{BACH_DANG_ROW}\n25930,11.0,106.8", "code 25930 appears twice"),
    ],
)
def test_a_bad_row_is_refused_and_changes_nothing(coordinates_copy, new, message):
    Commune.objects.filter(structure="2021", code="25930").update(name="Before", latitude=1)
    _replace(coordinates_copy / "2021.csv", BACH_DANG_ROW, new)
    with pytest.raises(SourceError, match=message):
        load_admin_units(structure="2021", provinces=["74"], coordinates_root=coordinates_copy)
    commune = Commune.objects.get(structure="2021", code="25930")
    assert (commune.name, commune.latitude) == ("Before", 1)


def test_wrong_columns_are_refused(coordinates_copy):
    _replace(coordinates_copy / "2021.csv", "code,latitude,longitude", "code,lat,lon")
    with pytest.raises(SourceError, match="2021.csv: columns must be code,latitude,longitude"):
        load_admin_units(structure="2021", provinces=["74"], coordinates_root=coordinates_copy)


def test_a_point_dropped_from_the_file_is_cleared(coordinates_copy):
    _replace(coordinates_copy / "2021.csv", BACH_DANG_ROW + "\n", "")
    load_admin_units(structure="2021", provinces=["74"], coordinates_root=coordinates_copy)
    commune = Commune.objects.get(structure="2021", code="25930")
    assert (commune.latitude, commune.longitude) == (None, None)


def test_without_a_file_the_points_are_left_alone(tmp_path):
    report = load_admin_units(structure="2021", provinces=["74"], coordinates_root=tmp_path)
    assert report.levels["communes"].updated == 0
    commune = Commune.objects.get(structure="2021", code="25930")
    assert commune.latitude == Decimal("11.039809")


@pytest.mark.parametrize(
    ("latitude", "longitude", "inside"),
    [
        ("21.028", "105.834", True),  # Hà Nội
        ("8.6", "104.72", True),  # Cà Mau cape
        ("16.568", "112.135", True),  # Hoàng Sa
        ("9.71", "114.45", True),  # Trường Sa
        ("12.0", "110.5", False),  # open sea east of the coast
        ("19.0", "101.5", False),  # Laos
        ("25.0", "105.0", False),  # China
    ],
)
def test_the_bounds_of_vietnam(latitude, longitude, inside):
    assert in_vietnam(Decimal(latitude), Decimal(longitude)) is inside
