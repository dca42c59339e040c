"""The public statistics endpoints, as a dashboard meets them.

The data set is small and hand-made, on the real 2021 map: Bình Dương (74; 39 rural communes,
9 districts) with Bàu Bàng (719; 6 rural communes) and Dầu Tiếng (720; 11), and Đà Nẵng (48;
11 rural communes, all in Hòa Vang 497; 8 districts). The country has 7,717 rural communes and
696 districts. Each commune's story is told where it is created, and so is each OCOP
product's (``ocop_products``): its rating on 31 December 2023, where a rating expiring within
90 days ends before 30 March 2024.
"""

import datetime
from datetime import date as day
from types import SimpleNamespace

import pytest
import yaml
from django.db.models import Count

from communes.models import Commune, District, Lineage
from criteria.models import Assessment, CriteriaSet, Level, Recognition, Target
from ocop import services as ocop
from tests.ocop.builders import evaluate

pytestmark = pytest.mark.django_db

APPROVED = Assessment.Status.APPROVED
NATIONAL = "/api/v1/stats/national/"
PROVINCE = "/api/v1/stats/provinces/{}/"
DISTRICT = "/api/v1/stats/districts/{}/"
HEADER_KEYS = {"year", "criteria_set", "structure", "basis"}


def _criteria_set(code, first_year, last_year, *levels):
    cset = CriteriaSet.objects.create(
        code=code,
        name_vi=code,
        name_en=code,
        legal_basis="test",
        first_year=first_year,
        last_year=last_year,
        classification="region",
    )
    return cset, [
        Level.objects.create(criteria_set=cset, code=level, rank=rank, name_vi=level, name_en=level)
        for rank, level in enumerate(levels, start=1)
    ]


def _rural(district_code, count):
    communes = Commune.objects.rural().filter(structure="2021", district__code=district_code)
    return list(communes.order_by("code")[:count])


def _assess(commune, cset, level, met, status=APPROVED, year=2023):
    Assessment.objects.create(
        commune=commune, year=year, criteria_set=cset, level=level, criteria_met=met, status=status
    )


def _recognise(unit, level, decided, title_year, revoked=None):
    where = {"district": unit} if isinstance(unit, District) else {"commune": unit}
    Recognition.objects.create(
        **where,
        level=level,
        title_year=title_year,
        decision_number=f"{decided}/QĐ-UBND",
        decision_date=datetime.date.fromisoformat(decided),
        issuer="UBND tỉnh",
        revoked_date=datetime.date.fromisoformat(revoked) if revoked else None,
    )


def _district(code):
    return District.objects.get(structure="2021", code=code)


@pytest.fixture
def data(db):
    cset, (standard, advanced, model) = _criteria_set(
        "STATS-2021-2025", 2021, 2025, "standard", "advanced", "model"
    )
    later, (later_standard,) = _criteria_set("STATS-2026-2030", 2026, 2030, "standard")
    c = _rural("719", 6)  # Bàu Bàng
    d = _rural("720", 3)  # Dầu Tiếng
    e = _rural("497", 4)  # Hòa Vang, Đà Nẵng

    _assess(c[0], cset, "model", 3)
    _assess(c[0], cset, "standard", 3, year=2022)  # another year
    _recognise(c[0], standard, "2021-12-20", 2021)
    _recognise(c[0], advanced, "2023-06-01", 2023)  # its highest in 2023
    _assess(c[1], cset, "advanced", 3)
    _recognise(c[1], standard, "2023-03-01", 2023, revoked="2023-10-01")  # revoked in the year
    _assess(c[2], cset, "standard", 3)
    _recognise(c[2], standard, "2024-01-15", 2023)  # decided after 31 December
    _assess(c[3], cset, "none", 2)
    _recognise(c[3], model, "2023-12-01", 2024)  # a title for a later year
    _assess(c[4], cset, "model", 3, status=Assessment.Status.DRAFT)
    _recognise(c[4], standard, "2022-04-01", 2022, revoked="2024-02-01")  # revoked later
    _assess(c[5], cset, "advanced", 3, status=Assessment.Status.SUBMITTED)
    ward = Commune.objects.filter(structure="2021", district__code="718", kind="phuong").first()
    _assess(ward, cset, "standard", 3)  # not a rural commune: never counted

    _assess(d[0], cset, "advanced", 3)
    _recognise(d[0], model, "2023-11-01", 2023)
    _assess(d[1], cset, "standard", 3)
    _assess(d[2], cset, "standard", 3, status=Assessment.Status.RETURNED)

    _assess(e[0], cset, "standard", 3)
    _recognise(e[0], standard, "2022-06-01", 2022)
    _assess(e[1], cset, "none", 2)
    _recognise(e[1], later_standard, "2023-05-01", 2023)  # a level of another ladder
    _assess(e[2], cset, "advanced", 3, status=Assessment.Status.DRAFT)
    _assess(e[3], later, "standard", 3)  # a set not in force in 2023

    _recognise(_district("719"), standard, "2022-05-01", 2022)
    _recognise(_district("720"), advanced, "2022-08-01", 2022, revoked="2023-05-01")

    ocop_products(c, d, e, ward)

    binh_duong = c[0].province
    Target.objects.create(province=binh_duong, year=2025, level=advanced, count=25)
    Target.objects.create(province=binh_duong, year=2025, level=standard, percent="26.50")
    Target.objects.create(province=binh_duong, year=2030, level=later_standard, count=39)
    Target.objects.create(
        province=binh_duong, district=_district("719"), year=2025, level=standard, percent=100
    )
    return SimpleNamespace(cset=cset, draft=c[4])


def ocop_products(c, d, e, ward):
    """Four producers; their products counted in Bàu Bàng (c), Dầu Tiếng (d), a ward of Thủ
    Dầu Một and Hòa Vang (e). On 31 December 2023, Bình Dương holds 7 certified products of 3
    producers, one of them expiring within 90 days; Đà Nẵng 1."""
    coop = ocop.create_producer(name="HTX Bàu Bàng", kind="cooperative", commune=c[0])
    household = ocop.create_producer(name="Hộ Ba Tư", kind="household_business", commune=c[1])
    company = ocop.create_producer(name="Công ty Thủ Dầu Một", kind="enterprise", commune=ward)
    group = ocop.create_producer(name="THT Hòa Vang", kind="cooperative_group", commune=e[0])

    def product(maker, name, commune=None):
        return ocop.create_product(producer=maker, name=name, group="food", commune=commune)

    evaluate(product(coop, "A"), day(2023, 5, 1), score="75")  # 4★
    evaluate(product(coop, "B"), day(2021, 3, 30), score="55")  # 3★, last day 2024-03-29
    evaluate(product(coop, "C"), day(2020, 3, 15), score="55")  # expired after 2023-03-14
    evaluate(product(coop, "G", d[0]), day(2022, 12, 1), score="60")  # 3★ in Dầu Tiếng
    revoked = evaluate(product(household, "D"), day(2022, 2, 1), score="55")
    ocop.revoke_evaluation(
        evaluation=revoked, revoked_date=day(2023, 10, 1), reason="Vi phạm", decision="R/1"
    )
    evaluate(product(household, "E"), day(2023, 11, 20), score="95", level="central")  # 5★
    evaluate(product(household, "F"), day(2023, 1, 1), score="40")  # 2★: not certified
    superseded = product(household, "J")
    evaluate(superseded, day(2021, 6, 1), score="55")
    evaluate(superseded, day(2023, 8, 1), score="80")  # 4★, counted once
    evaluate(product(household, "I", c[2]), day(2024, 1, 10), score="80")  # decided in 2024
    evaluate(product(company, "H"), day(2023, 2, 1), score="72")  # 4★ in a ward
    evaluate(product(company, "L", d[1]), day(2021, 3, 31), score="55")  # last day 2024-03-30
    evaluate(product(group, "K"), day(2023, 3, 1), score="65")  # 3★ in Đà Nẵng
    product(group, "M")  # never evaluated


def _ocop(products, three, four, five, producers, expiring):
    by_stars = {"3": three, "4": four, "5": five}
    return {
        "products": products,
        "by_stars": by_stars,
        "by_group": {"food": products} if products else {},  # every product here is food
        "producers": producers,
        "expiring_90_days": expiring,
    }


NO_OCOP = _ocop(0, 0, 0, 0, 0, 0)


@pytest.fixture
def get(client):
    """GET in English, so that messages can be compared word for word."""

    def _get(url, params=None):
        return client.get(url, params or {}, headers={"accept-language": "en"})

    return _get


def _levels(none, standard, advanced, model):
    return {"none": none, "standard": standard, "advanced": advanced, "model": model}


def _ladder(standard, advanced, model):
    return {"standard": standard, "advanced": advanced, "model": model}


def _without_header(body):
    return {
        key: value
        for key, value in body.items()
        if key not in HEADER_KEYS and key != "criteria_difficulty"  # the report's unit only
    }


def _shares(computed, recognized):
    """Percentages of the unit's rural communes at least at each level, to one decimal."""
    return {"computed": _ladder(*computed), "recognized": _ladder(*recognized)}


BINH_DUONG_2023 = {
    "year": 2023,
    "criteria_set": "STATS-2021-2025",
    "structure": "2021",
    "basis": "units",
    "unit": {"code": "74", "name": "Tỉnh Bình Dương"},
    "communes_total": 39,
    "assessed": 6,
    "computed": _levels(1, 2, 2, 1),
    # c[0] advanced, c[4] standard (revoked only in 2024), d[0] model.
    "recognized": _levels(36, 1, 1, 1),
    "at_least": {"computed": _ladder(5, 3, 1), "recognized": _ladder(3, 2, 1)},
    "shares": _shares((12.8, 7.7, 2.6), (7.7, 5.1, 2.6)),  # of 39: 5/39 = 12.82 %...
    "avg_criteria_met": 2.83,  # 17 / 6
    "avg_criteria_met_over": 6,
    "criteria_met_histogram": {"2": 1, "3": 5},  # c[3] meets 2, the five others 3
    "districts_total": 9,
    "districts_recognized": _ladder(1, 0, 0),  # Dầu Tiếng's title was revoked in May
    "targets": [
        # 26.5 % of 39 communes is 10.335: rounded up, 11.
        {"year": 2025, "level": "standard", "target": 11, "target_percent": 26.5, "actual": 3},
        {"year": 2025, "level": "advanced", "target": 25, "target_percent": None, "actual": 2},
    ],
    # A, H, J 4★; B, G, L 3★; E 5★; of the coop, the household and the company; B expiring.
    "ocop": _ocop(7, 3, 3, 1, 3, 1),
    "criteria_difficulty": [],  # this set has levels and no criteria
}

DA_NANG_2023 = {
    "unit": {"code": "48", "name": "Thành phố Đà Nẵng"},
    "communes_total": 11,
    "assessed": 2,
    "computed": _levels(1, 1, 0, 0),
    "recognized": _levels(10, 1, 0, 0),
    "at_least": {"computed": _ladder(1, 0, 0), "recognized": _ladder(1, 0, 0)},
    "shares": _shares((9.1, 0.0, 0.0), (9.1, 0.0, 0.0)),
    "avg_criteria_met": 2.5,
    "avg_criteria_met_over": 2,
    "criteria_met_histogram": {"2": 1, "3": 1},
    "districts_total": 8,
    "districts_recognized": _ladder(0, 0, 0),
    "targets": [],
    "ocop": _ocop(1, 1, 0, 0, 1, 0),
}


def test_province(get, data):
    response = get(PROVINCE.format("74"), {"year": 2023})
    assert response.status_code == 200
    body = response.json()
    districts = {d["unit"]["code"]: d for d in body.pop("districts")}
    assert body == BINH_DUONG_2023
    # One row per district of Bình Dương, each as its own report counts it.
    assert len(districts) == 9
    assert sum(d["communes_total"] for d in districts.values()) == 39
    bau_bang = get(DISTRICT.format("719"), {"year": 2023}).json()
    assert districts["719"] == _without_header(bau_bang)
    assert districts["720"]["assessed"] == 2


def test_province_in_an_earlier_year(get, data):
    body = get(PROVINCE.format("74"), {"year": 2022}).json()
    assert (body["assessed"], body["computed"]) == (1, _levels(0, 1, 0, 0))
    assert body["avg_criteria_met"] == 3.0
    # c[0]'s 2021 title and c[4]'s, not yet revoked; both districts, Dầu Tiếng not yet revoked.
    assert body["recognized"] == _levels(37, 2, 0, 0)
    assert body["districts_recognized"] == _ladder(1, 1, 0)
    assert [t["actual"] for t in body["targets"]] == [2, 0]
    # On 31 December 2022: B, C (last day 2023-03-14: expiring), D (not yet revoked), G, J's
    # first rating and L, all 3★; A, E, H not yet rated.
    assert body["ocop"] == _ocop(6, 6, 0, 0, 3, 1)


def test_ocop_counts_today_while_31_december_is_to_come(get, data, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda: day(2023, 10, 15))
    body = get(PROVINCE.format("74"), {"year": 2023}).json()
    # C has expired, D is revoked, E is not yet rated; J already holds its 4 stars.
    assert body["ocop"] == _ocop(6, 3, 3, 0, 3, 0)


def test_on_the_merged_map_old_communes_products_count_in_their_new_province(
    get, data, monkeypatch
):
    """Certificates outlive the map: in 2026 a product still registered to a commune of the
    old map counts in the new province its commune went into, once, even when the commune was
    split between new communes. Before, every such product was left out: 0 products in 2026."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda: day(2026, 6, 15))
    split = (
        Commune.objects.filter(structure="2021", successor_links__how__in=Lineage.PARTIAL)
        .exclude(successor_links__new__province__code="79")
        .annotate(parts=Count("successor_links__new", distinct=True))
        .filter(parts__gte=2)
        .order_by("code")
        .first()
    )
    new_provinces = {link.new.province.code for link in split.successor_links.all()}
    assert len(new_provinces) == 1  # the government's table sends it into one province
    maker = ocop.create_producer(name="HTX Hai Nơi", kind="cooperative", commune=split)
    evaluate(ocop.create_product(producer=maker, name="N", group="food"), day(2025, 3, 1), "62")

    # Bình Dương went into Hồ Chí Minh City: of its products, E (5★, last day 2026-11-19), J
    # (4★, last day 2026-07-31: expiring within 90 days) and I (4★) still hold a rating.
    hcm = get(PROVINCE.format("79"), {"year": 2026}).json()
    assert (hcm["structure"], hcm["ocop"]) == ("2025", _ocop(3, 0, 2, 1, 1, 1))
    there = get(PROVINCE.format(new_provinces.pop()), {"year": 2026}).json()
    assert there["ocop"] == _ocop(1, 1, 0, 0, 1, 0)  # once, not once a part
    national = get(NATIONAL, {"year": 2026}).json()
    assert national["ocop"]["products"] == 4
    by_province = {row["unit"]["code"]: row["ocop"]["products"] for row in national["provinces"]}
    assert sum(by_province.values()) == 4 and by_province["79"] == 3


def test_district(get, data):
    response = get(DISTRICT.format("719"), {"year": 2023})
    assert response.status_code == 200
    assert response.json() == {
        "year": 2023,
        "criteria_set": "STATS-2021-2025",
        "structure": "2021",
        "basis": "units",
        "unit": {"code": "719", "name": "Huyện Bàu Bàng"},
        "communes_total": 6,
        "assessed": 4,
        "computed": _levels(1, 1, 1, 1),
        "recognized": _levels(4, 1, 1, 0),
        "at_least": {"computed": _ladder(3, 2, 1), "recognized": _ladder(2, 1, 0)},
        "shares": _shares((50.0, 33.3, 16.7), (33.3, 16.7, 0.0)),
        "avg_criteria_met": 2.75,  # 11 / 4
        "avg_criteria_met_over": 4,
        "criteria_met_histogram": {"2": 1, "3": 3},
        "districts_total": None,
        "districts_recognized": None,
        "targets": [
            {"year": 2025, "level": "standard", "target": 6, "target_percent": 100.0, "actual": 2}
        ],
        "ocop": _ocop(4, 1, 2, 1, 2, 1),  # A, B, E, J: the coop and the household
        "criteria_difficulty": [],
    }


def test_other_district(get, data):
    body = get(DISTRICT.format("720"), {"year": 2023}).json()
    assert (body["communes_total"], body["assessed"]) == (11, 2)
    assert body["computed"] == _levels(0, 1, 1, 0)
    assert body["recognized"] == _levels(10, 0, 0, 1)
    assert body["at_least"]["recognized"] == _ladder(1, 1, 1)
    assert (body["avg_criteria_met"], body["targets"]) == (3.0, [])
    # G (the coop's, counted where it is made) and L, whose last day is the 90th after.
    assert body["ocop"] == _ocop(2, 2, 0, 0, 2, 0)


def test_national(get, data):
    response = get(NATIONAL, {"year": 2023})
    body = response.json()
    provinces = body.pop("provinces")
    assert response.status_code == 200
    assert body == {
        "year": 2023,
        "criteria_set": "STATS-2021-2025",
        "structure": "2021",
        "basis": "units",
        "unit": {"code": "VN", "name": "Việt Nam"},
        "communes_total": 7717,
        "assessed": 8,
        "computed": _levels(2, 3, 2, 1),
        "recognized": _levels(7713, 2, 1, 1),
        "at_least": {"computed": _ladder(6, 3, 1), "recognized": _ladder(4, 2, 1)},
        "shares": _shares((0.1, 0.0, 0.0), (0.1, 0.0, 0.0)),  # of 7,717
        "avg_criteria_met": 2.75,  # 22 / 8
        "avg_criteria_met_over": 8,
        "criteria_met_histogram": {"2": 2, "3": 6},
        "districts_total": 696,
        "districts_recognized": _ladder(1, 0, 0),
        "targets": [],
        "ocop": _ocop(8, 4, 3, 1, 4, 1),
        "criteria_difficulty": [],
    }
    assert len(provinces) == 63
    assert [p["unit"]["code"] for p in provinces] == sorted(p["unit"]["code"] for p in provinces)
    rows = {p["unit"]["code"]: p for p in provinces}
    assert rows["74"] == _without_header(BINH_DUONG_2023)
    assert rows["48"] == DA_NANG_2023
    assert rows["01"] == {
        "unit": {"code": "01", "name": "Thành phố Hà Nội"},
        "communes_total": 345,
        "assessed": 0,
        "computed": _levels(0, 0, 0, 0),
        "recognized": _levels(345, 0, 0, 0),
        "at_least": {"computed": _ladder(0, 0, 0), "recognized": _ladder(0, 0, 0)},
        "shares": _shares((0.0, 0.0, 0.0), (0.0, 0.0, 0.0)),
        "avg_criteria_met": None,
        "avg_criteria_met_over": 0,
        "criteria_met_histogram": {},
        "districts_total": 30,
        "districts_recognized": _ladder(0, 0, 0),
        "targets": [],
        "ocop": NO_OCOP,
    }
    assert sum(p["communes_total"] for p in provinces) == body["communes_total"]


def test_drafts_never_count_until_approved(get, data):
    before = get(DISTRICT.format("719"), {"year": 2023}).json()
    Assessment.objects.filter(commune=data.draft, year=2023).update(status=APPROVED)
    after = get(DISTRICT.format("719"), {"year": 2023}).json()
    assert (before["assessed"], after["assessed"]) == (4, 5)
    assert (before["computed"]["model"], after["computed"]["model"]) == (1, 2)
    assert after["avg_criteria_met"] == 2.8  # 14 / 5


def test_the_level_keys_come_from_the_set_in_force(get, data):
    # The later set has one level; Bình Dương's 2030 target is on it.
    body = get(NATIONAL, {"year": 2026}).json()
    assert (body["criteria_set"], body["structure"]) == ("STATS-2026-2030", "2025")
    assert body["computed"] == {"none": 0, "standard": 0}
    assert body["at_least"] == {"computed": {"standard": 0}, "recognized": {"standard": 0}}
    assert (body["districts_total"], len(body["provinces"])) == (0, 34)
    rural = Commune.objects.rural().filter(structure="2025").count()
    assert body["communes_total"] == body["recognized"]["none"] == rural


def test_structure_defaults_to_the_map_valid_on_1_january(get, data):
    # In 2025 the old map still counts (it held until 30 June); asked for, the new one does.
    assert get(NATIONAL, {"year": 2025}).json()["structure"] == "2021"
    assert len(get(NATIONAL, {"year": 2025}).json()["provinces"]) == 63
    new = get(NATIONAL, {"year": 2025, "structure": "2025"}).json()
    assert (new["structure"], len(new["provinces"]), new["assessed"]) == ("2025", 34, 0)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({}, "year", "This field is required."),
        ({"year": "abc"}, "year", "A valid integer is required."),
        ({"year": "1999"}, "year", "Ensure this value is greater than or equal to 2000."),
        ({"year": "2101"}, "year", "Ensure this value is less than or equal to 2100."),
        ({"year": "2020"}, "year", "No criteria set is in force in 2020."),
        ({"year": "2023", "structure": "1999"}, "structure", '"1999" is not a valid choice.'),
    ],
)
@pytest.mark.parametrize("url", [NATIONAL, PROVINCE.format("74"), DISTRICT.format("719")])
def test_bad_parameters_are_a_400(get, data, url, params, field, message):
    response = get(url, params)
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "code": "invalid",
        "message": "Invalid input.",
        "errors": {field: [message]},
    }


@pytest.mark.parametrize(
    ("url", "params", "message"),
    [
        (PROVINCE.format("99"), {}, "No province with code 99 exists in 2023 in structure 2021."),
        (DISTRICT.format("999"), {}, "No district with code 999 exists in 2023 in structure 2021."),
        (PROVINCE.format("7a"), {}, "No province with code 7a exists in 2023 in structure 2021."),
        (
            PROVINCE.format("%00"),
            {},
            "No province with code \x00 exists in 2023 in structure 2021.",
        ),
        (
            PROVINCE.format("74"),
            {"structure": "2025"},
            "No province with code 74 exists in 2023 in structure 2025.",
        ),
        (
            PROVINCE.format("74"),
            {"year": 2026},  # kept on the merged map, where Bình Dương is gone
            "No province with code 74 exists in 2026 in structure 2025.",
        ),
        (
            PROVINCE.format("74"),
            {"year": 2026, "structure": "2021"},
            "No province with code 74 exists in 2026 in structure 2021.",
        ),
        (
            NATIONAL,
            {"year": 2026, "structure": "2021"},
            "No provinces of structure 2021 exist in 2026.",
        ),
    ],
)
def test_units_not_on_the_map_are_a_404(get, data, url, params, message):
    response = get(url, {"year": 2023} | params)
    assert response.status_code == 404
    assert response.json() == {"status": 404, "code": "not_found", "message": message}


def test_the_endpoints_are_read_only(client, data):
    response = client.post(NATIONAL + "?year=2023")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # levels of the set in force, the map valid on 1 January, the provinces, communes with
        # their highest recognition, approved assessments, districts with theirs, certified
        # OCOP products, targets; the criteria and their results (criteria_difficulty); and
        # first the freshness counters (stats.freshness), the answer being counted anew.
        (NATIONAL, 11),
        # levels, map, the province, communes, assessments, districts, OCOP products, targets,
        # criteria, criterion results; by district: communes, assessments, OCOP products,
        # targets, the districts; the freshness counters.
        (PROVINCE.format("74"), 16),
        # levels, map, the district, communes, assessments, OCOP products, targets, criteria,
        # criterion results; the freshness counters.
        (DISTRICT.format("719"), 10),
    ],
)
def test_a_fixed_number_of_queries(get, data, django_assert_max_num_queries, url, queries):
    with django_assert_max_num_queries(queries):
        response = get(url, {"year": 2023})
    assert response.status_code == 200
    # The map asked for costs the same: the year's own map is still read (is it the same?).
    with django_assert_max_num_queries(queries):
        response = get(url, {"year": 2023, "structure": "2021"})
    assert response.status_code == 200


def test_schema_documents_the_three_endpoints(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    for path in ("national/", "provinces/{code}/", "districts/{code}/"):
        operation = schema["paths"][f"/api/v1/stats/{path}"]["get"]
        params = {p["name"]: p for p in operation["parameters"]}
        assert params["year"]["required"] is True
        assert params["year"]["schema"] == {"type": "integer", "minimum": 2000, "maximum": 2100}
        assert params["structure"]["schema"]["enum"] == ["2021", "2025"]
        assert set(operation["responses"]) == {"200", "400", "401", "404", "429"}
        ok = operation["responses"]["200"]["content"]["application/json"]
        assert list(ok["examples"].values())[0]["value"]["year"] == 2023
        assert operation["responses"]["404"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
    block = schema["components"]["schemas"]["StatsBlock"]["properties"]
    assert set(block) == set(DA_NANG_2023)
    assert block["computed"]["additionalProperties"] == {"type": "integer"}
    national = schema["components"]["schemas"]["NationalStats"]["properties"]
    assert set(national) == set(BINH_DUONG_2023) | {"provinces"}
