"""The demo provinces' programme records (programme/): capital by source, works, production
models, hamlet titles for 2023 and 2024 and the plan of 2025, entered and approved
through programme.services as a province's officer and approver would, so that the programme
page, its statistics and the annual report have something to show after ``make run``.

Illustrative, not published figures: every amount and count is drawn from a fixed seed, each
record's note says "Minh họa (demo)", and hamlet titles carry DEMO- decision numbers. A run
first removes the records an earlier run wrote (those notes), with their steps and history.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from accounts.access import Access
from communes.models import District
from demo.plan import DemoPlan
from demo.records import TARGET_MARK
from programme import services
from programme.models import (
    Funding,
    FundingSource,
    HamletTitle,
    ProductionModel,
    Step,
    Work,
    WorkKind,
    YearPlan,
)

YEARS = (2023, 2024)
MODELS = (Funding, Work, ProductionModel, HamletTitle, YearPlan)
# The operator who seeds: the whole country, every step (as the national office may take).
OPERATOR = Access(role=None, province_id=None, superuser=True, authenticated=True)
# Million VND a year per source, as (low, high): a province's order of magnitude, drawn.
AMOUNTS = {
    "central_budget": (150_000, 400_000),
    "local_budget": (200_000, 600_000),
    "integrated_programmes": (50_000, 150_000),
    "credit": (100_000, 300_000),
    "enterprises": (20_000, 80_000),
    "community_cash": (10_000, 40_000),
    "community_land": (5_000, 20_000),
    "community_days": (5_000, 15_000),
}
WORKS = {
    "new_road": ("new", 2, 12),
    "concrete_pavement": ("upgraded", 20, 90),
    "irrigation_water": ("new", 2, 10),
    "school": ("upgraded", 3, 12),
    "village_cultural_house": ("new", 2, 10),
}


@dataclass(frozen=True)
class Written:
    records: int


def _demo(model):
    return model.objects.filter(note__startswith=TARGET_MARK)


def clear() -> None:
    """Remove the records an earlier run wrote, their workflow steps and their history."""
    for model in MODELS:
        rows = _demo(model)
        ids = list(rows.values_list("pk", flat=True))
        Step.objects.filter(record_type=model._meta.model_name, record_id__in=ids).delete()
        rows.delete()
        model.history.filter(id__in=ids).delete()


def _approved(model, data: dict) -> None:
    record = services.create(model, access=OPERATOR, data={**data, "note": _note()})
    for action in ("submit", "approve"):
        record = services.move(record, action=action, access=OPERATOR, version=record.version)


def _note() -> str:
    return f"{TARGET_MARK}: số liệu minh họa, không phải số liệu công bố"


def seed(plan: DemoPlan) -> Written:
    """Write the demo provinces' records of YEARS, approved, and the plan of the year after."""
    clear()
    sources = {source.code: source for source in FundingSource.objects.all()}
    kinds = {kind.code: kind for kind in WorkKind.objects.all()}
    count = 0
    for pp in plan.provinces:
        rng = random.Random(f"programme-{pp.province.code}")
        communes = [cp.commune for cp in pp.communes]
        for year in YEARS:
            for code, (low, high) in AMOUNTS.items():
                if code in sources:
                    amount = Decimal(rng.randrange(low, high, 500))
                    data = {"province": pp.province, "year": year, "source": sources[code]}
                    _approved(Funding, {**data, "kind": Funding.Kind.ACTUAL, "amount": amount})
                    count += 1
            for code, (mode, low, high) in WORKS.items():
                if code in kinds:
                    data = {"commune": rng.choice(communes), "year": year, "kind": kinds[code]}
                    quantity = Decimal(rng.randint(low, high))
                    _approved(Work, {**data, "mode": mode, "quantity": quantity})
                    count += 1
            count += _models_and_titles(pp.province, communes, year, rng)
        count += _plan(pp.province, YEARS[-1] + 1, rng)  # 2025: still the 2021 map
    return Written(records=count)


def _models_and_titles(province, communes, year: int, rng) -> int:
    count = 0
    for number in range(rng.randint(2, 4)):
        chosen = rng.sample(communes, k=min(2, len(communes)))
        data = {"province": province, "year": year, "communes": chosen}
        data |= {"name": f"Mô hình sản xuất minh họa {number + 1} ({year})"}
        data |= {"area_ha": Decimal(rng.randint(5, 60)), "funding": Decimal(rng.randint(300, 900))}
        _approved(ProductionModel, data)
        count += 1
    for number, commune in enumerate(rng.sample(communes, k=min(4, len(communes)))):
        kind = HamletTitle.Kind.MODEL_AREA if number % 2 == 0 else HamletTitle.Kind.MODEL_GARDEN
        data = {"commune": commune, "year": year, "kind": kind}
        data |= {"holder": f"Thôn minh họa {number + 1}" if number % 2 == 0 else "Hộ minh họa"}
        data |= {"decision_number": f"DEMO-{year}-{province.code}{number:02d}/QĐ-UBND"}
        data |= {"decision_date": datetime.date(year, 11, 10 + number)}
        _approved(HamletTitle, data)
        count += 1
    return count


def _plan(province, year: int, rng) -> int:
    districts = District.objects.filter(province=province).exists()
    targets = [
        {"kind": "more_communes", "level": "standard", "value": Decimal(rng.randint(2, 6))},
        {"kind": "average_criteria", "value": Decimal("18.5")},
        {"kind": "model_areas", "per_district": districts, "value": 2, "value_max": 3},
    ]
    for target in targets:
        _approved(YearPlan, {"province": province, "year": year, **target})
    return len(targets)
