"""The loader, on the real package data (loaded once per session by tests/conftest.py)."""

import datetime
import io
import shutil
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from communes.models import Commune, District, Lineage, Province, Region
from communes.services import ADMIN_UNITS_DIR, SourceError, load_admin_units

pytestmark = pytest.mark.django_db


def test_the_whole_country_is_loaded():
    assert Province.objects.in_structure("2021").count() == 63
    assert District.objects.in_structure("2021").count() == 696
    assert Commune.objects.in_structure("2021").count() == 10_051
    assert Region.objects.count() == 7


def test_binh_duong_has_its_published_units():
    province = Province.objects.get(structure="2021", code="74")
    kinds = Counter(Commune.objects.filter(province=province).values_list("kind", flat=True))
    assert province.name == "Tỉnh Bình Dương"
    assert province.districts.count() == 9
    assert kinds == {"xa": 39, "phuong": 47, "thi_tran": 5}


def test_lang_son_has_175_rural_communes():
    assert Commune.objects.in_structure("2021").rural().filter(province__code="20").count() == 175


def test_bach_dang_sits_in_tan_uyen_binh_duong():
    commune = Commune.objects.select_related("district", "province").get(
        structure="2021", code="25930"
    )
    assert (commune.name, commune.kind, commune.is_rural) == ("Xã Bạch Đằng", "xa", True)
    assert commune.district.name == "Thành phố Tân Uyên"
    assert commune.province.code == "74"
    assert commune.search_key == "xa bach dang"


def test_kinds_come_from_the_name_prefix():
    kinds = Counter(Commune.objects.in_structure("2021").values_list("kind", flat=True))
    assert kinds == {"xa": 7717, "phuong": 1716, "thi_tran": 618}
    district_kinds = Counter(District.objects.in_structure("2021").values_list("kind", flat=True))
    assert district_kinds == {"huyen": 509, "thanh_pho": 86, "thi_xa": 52, "quan": 49}
    assert Province.objects.get(structure="2021", code="01").kind == "thanh_pho"
    assert Province.objects.get(structure="2021", code="20").kind == "tinh"
    # Spelled "Thành Phố Bắc Kạn" in the source: still a city.
    assert District.objects.get(structure="2021", code="058").kind == "thanh_pho"


def test_provinces_get_their_region_and_validity():
    region_of = dict(Province.objects.in_structure("2021").values_list("code", "region__code"))
    assert region_of["74"] == "dnb"
    assert region_of["22"] == "dbsh"
    assert region_of["20"] == "tdmnpb"
    assert None not in region_of.values()
    assert Counter(region_of.values())["dbscl"] == 13
    commune = Commune.objects.get(structure="2021", code="25930")
    assert commune.valid_from is None  # the package gives no start date
    assert commune.valid_to == datetime.date(2025, 6, 30)


def test_a_second_run_creates_nothing():
    report = load_admin_units(structure="2021")
    assert {level: (c.created, c.updated) for level, c in report.levels.items()} == {
        "regions": (0, 0),
        "provinces": (0, 0),
        "districts": (0, 0),
        "communes": (0, 0),
    }
    assert report.levels["communes"].unchanged == 10_051


def test_a_renamed_unit_is_updated():
    Commune.objects.filter(structure="2021", code="25930").update(name="Xã Cũ", search_key="x")
    report = load_admin_units(structure="2021", provinces=["74"])
    assert (report.levels["communes"].updated, report.levels["communes"].unchanged) == (1, 90)
    commune = Commune.objects.get(structure="2021", code="25930")
    assert (commune.name, commune.search_key) == ("Xã Bạch Đằng", "xa bach dang")


def test_an_edited_region_survives_a_reload():
    Province.objects.filter(structure="2021", code="22").update(
        region=Region.objects.get(code="tdmnpb")
    )
    load_admin_units(structure="2021")
    assert Province.objects.get(structure="2021", code="22").region.code == "tdmnpb"


def test_province_option_loads_only_those_provinces():
    old = Commune.objects.filter(structure="2021")
    gone = old.filter(province__code__in=["20", "22"])
    Lineage.objects.filter(old__in=gone).delete()  # a unit with lineage cannot be deleted
    gone.delete()
    report = load_admin_units(structure="2021", provinces=["20"])
    assert report.levels["communes"].created == old.filter(province__code="20").count()
    assert report.levels["provinces"].unchanged == 1
    assert not old.filter(province__code="22").exists()


def test_both_structures_live_side_by_side():
    """Both lists are loaded for every test (tests/conftest.py), as make run's setup does."""
    counts = {
        structure: (
            Province.objects.in_structure(structure).count(),
            District.objects.in_structure(structure).count(),
            Commune.objects.in_structure(structure).count(),
        )
        for structure in ("2021", "2025")
    }
    assert counts == {"2021": (63, 696, 10_051), "2025": (34, 0, 3_321)}
    assert Commune.objects.in_structure("2025").filter(district__isnull=False).count() == 0
    kinds = Counter(Commune.objects.in_structure("2025").values_list("kind", flat=True))
    assert kinds == {"xa": 2621, "phuong": 687, "dac_khu": 13}
    # Codes are reused across structures; each structure keeps its own unit.
    assert Province.objects.filter(code="01").count() == 2
    new = Commune.objects.get(structure="2025", code="09931")
    old = Commune.objects.get(structure="2021", code="09931")
    assert (old.name, new.name) == ("Xã Cộng Hòa", "Xã Hưng Đạo")
    assert (old.valid_from, old.valid_to) == (None, datetime.date(2025, 6, 30))
    assert (new.valid_from, new.valid_to) == (datetime.date(2025, 7, 1), None)


def test_loading_one_structure_leaves_the_other_alone():
    report = load_admin_units(structure="2025")
    assert {level: (c.created, c.updated) for level, c in report.levels.items()} == {
        "regions": (0, 0),
        "provinces": (0, 0),
        "districts": (0, 0),
        "communes": (0, 0),
    }
    assert report.levels["communes"].unchanged == 3_321
    assert Commune.objects.in_structure("2021").count() == 10_051


@pytest.fixture
def broken_source(tmp_path):
    """A copy of the 2021 files that a test may damage."""
    shutil.copytree(ADMIN_UNITS_DIR / "2021", tmp_path / "2021")
    return tmp_path


def _replace_line(path, old, new):
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("level", "old", "new", "message"),
    [
        (
            "communes",
            "25930,Xã Bạch Đằng,xa,",
            "25930,Xã Bạch Đằng,village,",
            "communes.csv line 7952: kind 'village' of 25930 is not one of",
        ),
        ("communes", "25930,Xã Bạch Đằng", "2593,Xã Bạch Đằng", "code '2593' must be 5 digits"),
        (
            "communes",
            "25930,Xã Bạch Đằng,xa,74,723",
            "25930,Xã Bạch Đằng,xa,74,999",
            "commune 25930 names district 999, which is not in province 74",
        ),
        (
            "districts",
            "723,Thành phố Tân Uyên,thanh_pho,74",
            "723,Thành phố Tân Uyên,thanh_pho,99",
            "district 723 names unknown province 99",
        ),
        ("communes", "25930,Xã Bạch Đằng", "25933,Xã Bạch Đằng", "code 25933 appears twice"),
    ],
)
def test_a_bad_file_is_refused_and_changes_nothing(broken_source, level, old, new, message):
    Commune.objects.filter(structure="2021", code="25930").update(name="Before")
    _replace_line(broken_source / "2021" / f"{level}.csv", old, new)
    with pytest.raises(SourceError, match=message):
        load_admin_units(structure="2021", root=broken_source)
    assert Commune.objects.get(structure="2021", code="25930").name == "Before"


def test_wrong_columns_are_refused(broken_source):
    _replace_line(broken_source / "2021" / "provinces.csv", "code,name,kind", "code,name")
    with pytest.raises(SourceError, match="provinces.csv: columns must be code,name,kind"):
        load_admin_units(structure="2021", root=broken_source)


def test_command_reports_counts_per_level():
    out = io.StringIO()
    call_command("load_admin_units", "--province", "74", stdout=out)
    assert out.getvalue().splitlines() == [
        "regions: 0 created, 0 updated, 7 unchanged",
        "provinces: 0 created, 0 updated, 1 unchanged",
        "districts: 0 created, 0 updated, 9 unchanged",
        "communes: 0 created, 0 updated, 91 unchanged",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--province", "99"], "unknown province code\\(s\\) for structure 2021: 99"),
        (["--structure", "1999"], "no administrative units for structure '1999'"),
    ],
)
def test_command_refuses_unknown_codes(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("load_admin_units", *args)
