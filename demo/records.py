"""The demo's recognitions and targets, as the criteria services take them (record_recognition,
revoke_recognition, set_target). They follow from the plan: a commune is recognised at a level
from the first approved year it reached it, except the one left eligible but unrecognised on
purpose; one title is revoked; districts whose communes all met the standard are recognised; the
2025 targets apply Decision 263's shares to each province as an illustration. Decision numbers
start with DEMO- so that nobody mistakes them for real decisions."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal

from communes.models import Commune, District, Province
from demo.plan import (
    ADVANCED,
    ELIGIBLE_NOT_RECOGNISED,
    FELL_BACK_IN,
    MODEL,
    REVOKED,
    STANDARD,
    YEARS,
    CommunePlan,
    DemoError,
    DemoPlan,
    DemoProvince,
    ProvincePlan,
    Status,
)

DECISION_PREFIX = "DEMO-"
TARGET_MARK = "Minh họa (demo)"

# Decision 263/QĐ-TTg (22/02/2022), shared/domain notes §6 (confirmed): share of communes
# meeting the NTM standard by 2025 by region, and the national advanced and model shares.
STANDARD_TARGET_2025 = {
    "tdmnpb": 60,
    "dbsh": 100,
    "btb": 87,
    "dhntb": 80,
    "tn": 68,
    "dnb": 95,
    "dbscl": 80,
}
ADVANCED_TARGET_2025 = 40
MODEL_TARGET_2025 = 10


@dataclass(frozen=True)
class Revocation:
    date: datetime.date
    decision: str
    reason: str


@dataclass(frozen=True)
class PlannedRecognition:
    """A recognition as record_recognition takes it (a commune's or a district's), and its
    revocation if the plan has one."""

    level: str
    title_year: int
    decision_number: str
    decision_date: datetime.date
    issuer: str
    commune: Commune | None = None
    district: District | None = None
    revoked: Revocation | None = None


@dataclass(frozen=True)
class PlannedTarget:
    """A province's target as set_target takes it."""

    province: Province
    year: int
    level: str
    percent: Decimal
    source: str


# --------------------------------------------------------------------------- recognitions


def _decision(number: int, issuer_code: str = "QĐ-UBND") -> str:
    return f"{DECISION_PREFIX}{number:04d}/{issuer_code}"


def _first_recognised_year(cp: CommunePlan, step: int) -> int | None:
    return next(
        (
            year
            for year, yp in sorted(cp.years.items())
            if yp.status == Status.APPROVED and yp.level >= step
        ),
        None,
    )


def _titles(pp: ProvincePlan, steps: range) -> list[tuple[int, int, str, CommunePlan]]:
    """(title year, level, commune code, plan) for each level a commune reached in an
    approved year, at the first such year."""
    titles = []
    for cp in pp.communes:
        if cp.role == ELIGIBLE_NOT_RECOGNISED:
            continue  # deliberately left out: eligible, not (yet) recognised
        for step in steps:
            year = _first_recognised_year(cp, step)
            if year is not None:
                titles.append((year, step, cp.commune.code, cp))
    return sorted(titles, key=lambda t: t[:3])


def _commune_recognitions(pp: ProvincePlan, index: int, shape) -> list[PlannedRecognition]:
    """One decision per title year and level, recognising all its communes, dated in the
    first half of the following year (as in Quảng Trị 1161/QĐ-UBND, notes §5)."""
    day = 10 + 5 * index
    numbers: dict[tuple[int, int], str] = {}
    rows = []
    for year, step, _code, cp in _titles(pp, range(STANDARD, MODEL + 1)):
        number = numbers.setdefault((year, step), _decision(len(numbers) + 1))
        rows.append(
            PlannedRecognition(
                commune=cp.commune,
                level=shape.code(step),
                title_year=year,
                decision_number=number,
                decision_date=datetime.date(year + 1, 2 + step, day),
                issuer=f"UBND tỉnh {pp.config.name}",
            )
        )
    return _revoke(pp, rows, _decision(len(numbers) + 1), day)


def _revoke(
    pp: ProvincePlan, rows: list[PlannedRecognition], number: str, day: int
) -> list[PlannedRecognition]:
    """The commune that fell back loses its title once that year's results are approved."""
    fell = {cp.commune.pk for cp in pp.communes if cp.role == REVOKED}
    revocation = Revocation(
        date=datetime.date(FELL_BACK_IN + 1, 6, day),
        decision=number,
        reason=(
            f"Minh họa (demo): từ năm {FELL_BACK_IN} xã không còn đáp ứng đầy đủ Bộ tiêu "
            f"chí xã nông thôn mới / Demo: since {FELL_BACK_IN} the commune no longer fully "
            "meets the new rural commune criteria"
        ),
    )
    return [replace(row, revoked=revocation) if row.commune.pk in fell else row for row in rows]


def _district_year(communes: list[CommunePlan]) -> int | None:
    """First approved year in which every rural commune of the district met the standard and
    at least 10% were advanced (the commune conditions of Decision 320; its district
    criteria are not modelled)."""
    for year in YEARS:
        plans = [cp.years.get(year) for cp in communes]
        if not all(yp and yp.status == Status.APPROVED and yp.level >= STANDARD for yp in plans):
            continue
        if 10 * sum(yp.level >= ADVANCED for yp in plans) >= len(plans):
            return year
    return None


def _district_recognitions(plan: DemoPlan) -> list[PlannedRecognition]:
    """Rural districts (huyện) recognised by the Prime Minister (notes §5); towns and cities
    "complete the NTM task" instead, which is another title."""
    found = []
    for pp in plan.provinces:
        by_district = defaultdict(list)
        for cp in pp.communes:
            if cp.commune.district and cp.commune.district.kind == District.Kind.HUYEN:
                by_district[cp.commune.district].append(cp)
        for district, communes in by_district.items():
            year = _district_year(communes)
            if year is not None:
                found.append((year, district.code, district))
    return [
        PlannedRecognition(
            district=district,
            level=plan.shape.code(STANDARD),
            title_year=year,
            decision_number=_decision(number, "QĐ-TTg"),
            decision_date=datetime.date(year + 1, 6, 25),
            issuer="Thủ tướng Chính phủ",
        )
        for number, (year, _code, district) in enumerate(sorted(found, key=lambda f: f[:2]), 1)
    ]


def recognitions(plan: DemoPlan) -> tuple[list[PlannedRecognition], list[PlannedRecognition]]:
    """The communes' recognitions and the districts'."""
    communes = [
        row
        for index, pp in enumerate(plan.provinces)
        for row in _commune_recognitions(pp, index, plan.shape)
    ]
    return communes, _district_recognitions(plan)


# --------------------------------------------------------------------------- targets


def _target_source(config: DemoProvince, what_vi: str, what_en: str) -> str:
    return (
        f"{TARGET_MARK}: Quyết định 263/QĐ-TTg ngày 22/02/2022, {what_vi}; áp dụng cho tỉnh "
        f"{config.name} để minh họa / Demo: Decision 263/QĐ-TTg of 22/02/2022, {what_en}; "
        f"applied to {config.name} as an illustration"
    )


def _target_texts(region, share: int) -> tuple[tuple[int, int, str, str], ...]:
    """(level, percent, what in Vietnamese, what in English) of the three 2025 targets."""
    return (
        (
            STANDARD,
            share,
            f"mục tiêu vùng {region.name_vi}: {share}% số xã đạt chuẩn nông thôn mới đến năm 2025",
            f"{region.name_en} target: {share}% of communes meeting the new rural standard by 2025",
        ),
        (
            ADVANCED,
            ADVANCED_TARGET_2025,
            f"mục tiêu cả nước: khoảng {ADVANCED_TARGET_2025}% số xã đạt chuẩn nông thôn mới "
            "nâng cao",
            f"national target: about {ADVANCED_TARGET_2025}% of communes advanced",
        ),
        (
            MODEL,
            MODEL_TARGET_2025,
            f"mục tiêu cả nước: ít nhất {MODEL_TARGET_2025}% số xã đạt chuẩn nông thôn mới "
            "kiểu mẫu",
            f"national target: at least {MODEL_TARGET_2025}% of communes model",
        ),
    )


def targets(plan: DemoPlan) -> list[PlannedTarget]:
    rows = []
    for pp in plan.provinces:
        region = pp.province.region
        share = STANDARD_TARGET_2025.get(region.code)
        if share is None:
            raise DemoError(f"No Decision 263 target is known for the region {region.code}.")
        rows += [
            PlannedTarget(
                province=pp.province,
                year=YEARS[-1],
                level=plan.shape.code(step),
                percent=Decimal(percent),
                source=_target_source(pp.config, what_vi, what_en),
            )
            for step, percent, what_vi, what_en in _target_texts(region, share)
        ]
    return rows
