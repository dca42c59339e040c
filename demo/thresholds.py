"""The demo's thresholds: province-scope illustrative values (demo=True, verified=False) where
the 2021-2025 set configures none for a demo province and year (its legal tables are not typed in
yet, see shared/domain). Which threshold applies is the scoring engine's answer, never this
module's."""

import datetime
from decimal import Decimal

from django.db.models import Prefetch

from communes.models import Province
from criteria import scoring, selectors
from criteria.models import Assessment, Edition, EditionChange, Indicator, Threshold
from criteria.services.editions import ChangeEntry, publish_now, threshold_data
from demo.plan import YEARS, DemoPlan, DemoProvince

# Demo threshold values by measure: (standard, advanced). Illustrative only; advanced is
# stricter so that a commune can meet one level and not the next.
DEMO_THRESHOLDS = {
    "road_commune_hardened_rate": ("90", "100"),
    "road_village_hardened_rate": ("80", "95"),
    "road_alley_hardened_rate": ("70", "85"),
    "road_field_main_usable_rate": ("70", "85"),
    "farmland_irrigated_drained_rate": ("80", "90"),
    "households_electricity_rate": ("95", "99"),
    "schools_meeting_standard_rate": ("70", "80"),
    "villages_with_cultural_house_rate": ("80", "95"),
    "solid_houses_rate": ("75", "85"),
    "employment_rate": ("90", "95"),
    "trained_workers_rate": ("65", "75"),
    "workers_with_certificates_rate": ("25", "35"),
    "lower_secondary_graduates_continuing_rate": ("80", "90"),
    "employed_workers_trained_rate": ("60", "70"),
    "health_insurance_rate": ("90", "95"),
    "child_stunting_rate": ("25", "20"),
    "electronic_health_records_rate": ("70", "90"),
    "villages_cultural_standard_rate": ("70", "80"),
    "households_clean_water_rate": ("85", "95"),
    "production_sites_environment_compliance_rate": ("90", "100"),
    "public_green_land_per_capita": ("2", "4"),
    "solid_waste_wastewater_treated_rate": ("60", "80"),
    "pesticide_packaging_medical_waste_treated_rate": ("70", "90"),
    "food_safety_compliance_rate": ("90", "100"),
    "livestock_farms_compliance_rate": ("80", "90"),
    "households_hygienic_sanitation_rate": ("70", "80"),
    "households_waste_sorting_rate": ("30", "50"),
    "plastic_waste_treated_rate": ("50", "70"),
}
# For a numeric measure a later version of the set adds: by comparison.
DEFAULT_THRESHOLDS = {">=": ("80", "90"), "<=": ("10", "5"), "==": ("1", "1")}
INCOME_MEASURE = "income_per_capita"
POVERTY_MEASURE = "multidimensional_poverty_rate"
ADVANCED_INCOME_FACTOR = Decimal("1.1")


def _demo_value(indicator: Indicator, config: DemoProvince, year: int) -> Decimal:
    advanced = indicator.criterion.level.code != "standard"
    code = indicator.measure.code
    if code == INCOME_MEASURE:
        standard = config.income_2021 + config.income_rise * (year - YEARS[0])
        return (
            (standard * ADVANCED_INCOME_FACTOR).quantize(Decimal("0.1")) if advanced else standard
        )
    if code == POVERTY_MEASURE:
        return config.poverty[int(advanced)]
    pair = DEMO_THRESHOLDS.get(code) or DEFAULT_THRESHOLDS[indicator.comparison]
    return Decimal(pair[advanced])


def _uncovered_years(indicator: Indicator, province: Province) -> list[int]:
    """The years in which no configured threshold applies to the province: the scoring
    engine's own choice (scoring.select_threshold), asked for each year. Demo rows (an earlier
    run's) do not count: only a value someone configured does."""
    rules = [selectors.threshold_rule(t) for t in indicator.thresholds.all() if not t.demo]
    return [y for y in YEARS if scoring.select_threshold(rules, _subject(province, y)) is None]


def _subject(province: Province, year: int) -> scoring.Subject:
    return scoring.Subject(year=year, province=province.code, class_value=province.region.code)


def _runs(pairs: list[tuple[int, Decimal]]) -> list[tuple[int, int, Decimal]]:
    """Consecutive years with the same value, as (first, last, value)."""
    runs: list[tuple[int, int, Decimal]] = []
    for year, value in pairs:
        if runs and runs[-1][1] == year - 1 and runs[-1][2] == value:
            runs[-1] = (runs[-1][0], year, value)
        else:
            runs.append((year, year, value))
    return runs


def threshold_source(config: DemoProvince) -> str:
    return (
        f"Giá trị minh họa (demo) cho tỉnh {config.name}, không phải số liệu pháp lý / "
        f"Illustrative demo value for {config.name}, not a legal figure"
    )


def _province_thresholds(
    indicators: list[Indicator], config: DemoProvince, province: Province
) -> list[Threshold]:
    rows = []
    for indicator in indicators:
        pairs = [
            (y, _demo_value(indicator, config, y)) for y in _uncovered_years(indicator, province)
        ]
        rows += [
            Threshold(
                indicator=indicator,
                scope=Threshold.Scope.PROVINCE,
                province=province,
                value=value,
                first_year=first,
                last_year=last,
                source=threshold_source(config),
                verified=False,
                demo=True,
            )
            for first, last, value in _runs(pairs)
        ]
    return rows


def demo_thresholds(plan: DemoPlan) -> list[Threshold]:
    """Province-scope demo values for the years in which a numeric indicator has no
    configured (non-demo) threshold in force for the province: nationally, for its region or
    for itself."""
    # What selectors.threshold_rule reads of each threshold comes with it.
    thresholds = Threshold.objects.select_related("province", "relative_to__criterion__level")
    indicators = list(
        Indicator.objects.filter(criterion__level__criteria_set=plan.criteria_set)
        .exclude(comparison=Indicator.Comparison.TRUE)
        .select_related("measure", "criterion__level")
        .prefetch_related(Prefetch("thresholds", queryset=thresholds))
        .order_by("criterion__level__rank", "criterion__order", "order", "code")
    )
    rows = []
    for province_plan in plan.provinces:
        rows += _province_thresholds(indicators, province_plan.config, province_plan.province)
    return rows


DEMO_DECISION = "DEMO"


def publish(plan: DemoPlan, rows: list[Threshold]) -> Edition | None:
    """Publish the demo values as an edition of their own, through the same service as the
    national office's (checked, recorded, rules kept): a result approved in the demo can be
    checked against the rules it was approved under like any other."""
    if not rows:
        return None
    entries = [
        ChangeEntry(n, EditionChange.Kind.ADD_THRESHOLD, threshold_data(row))
        for n, row in enumerate(rows, start=1)
    ]
    return publish_now(
        criteria_set=plan.criteria_set,
        title="Giá trị minh họa cho các tỉnh demo / Demo values for the demo provinces",
        first_year=YEARS[0],
        last_year=YEARS[-1],
        entries=entries,
        decision_number=DEMO_DECISION,
        decision_date=datetime.date(YEARS[0], 1, 1),
        user=None,
        reason="Không phải số liệu pháp lý / Not legal figures",
    )


def forget_unused_editions(plan: DemoPlan) -> None:
    """Earlier runs' demo editions that no result was scored under any more."""
    used = Assessment.objects.filter(edition__isnull=False).values("edition")
    Edition.objects.filter(criteria_set=plan.criteria_set, decision_number=DEMO_DECISION).exclude(
        pk__in=used
    ).delete()
