"""The criteria loader, its two commands and the configuration report.

Most tests load the real 2021-2025 file; the province-scope and folder tests build a small set
of their own. The whole 2021 administrative structure is loaded once by tests/conftest.py.
"""

import io
import json
import re
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from communes.models import Province
from communes.services import Counts
from criteria import loading, selectors
from criteria.loading import (
    CRITERIA_DIR,
    KINDS,
    CriteriaFileError,
    criteria_files,
    load_all,
    load_criteria_file,
)
from criteria.models import CriteriaSet, Criterion, Indicator, Level, Measure, Threshold

# Its module fixtures are built once: its tests stay on one worker (make test: --dist loadgroup).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("criteria.test_loading")]

REAL_FILE = CRITERIA_DIR / "ntm-2021-2025.json"
D70 = Decimal("0.70")
MODELS = (CriteriaSet, Level, Measure, Criterion, Indicator, Threshold)
CONFIRMED = {
    ("standard", "3.1", Decimal("80"), None),
    ("advanced", "13.2", Decimal("1"), None),
    ("model", "2.1", None, Decimal("1.10")),
    ("model", "3.1", Decimal("1"), None),
    ("model", "4.1", Decimal("1"), None),
}


@pytest.fixture
def loaded():
    return load_criteria_file(REAL_FILE)


def _real() -> dict:
    return json.loads(REAL_FILE.read_text(encoding="utf-8"))


def _level(doc: dict, code: str) -> dict:
    return next(level for level in doc["levels"] if level["code"] == code)


def _criterion(doc: dict, level: str, number: str) -> dict:
    return next(c for c in _level(doc, level)["criteria"] if c["number"] == number)


def _indicator(doc: dict, level: str, code: str) -> dict:
    indicators = (i for c in _level(doc, level)["criteria"] for i in c["indicators"])
    return next(i for i in indicators if i["code"] == code)


def _measure(doc: dict, code: str) -> dict:
    return next(m for m in doc["measures"] if m["code"] == code)


def _write(folder, doc: dict, name: str = "ntm-2021-2025.json"):
    path = folder / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _rows() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def _standard(code: str) -> Indicator:
    return Indicator.objects.get(criterion__level__code="standard", code=code)


def _output(*args) -> list[str]:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


# --------------------------------------------------------------------------- the real file


def test_the_real_file_gives_three_levels_of_19_19_and_4_criteria(loaded):
    cset = CriteriaSet.objects.get(code="NTM-2021-2025")
    levels = [(lv.code, lv.rank, lv.criteria.count()) for lv in cset.levels.all()]
    assert levels == [("standard", 1, 19), ("advanced", 2, 19), ("model", 3, 4)]
    assert Indicator.objects.filter(criterion__level__code="standard").count() == 57
    assert (cset.first_year, cset.last_year, cset.classification) == (2021, 2025, "region")


def test_every_indicator_judges_the_measure_its_file_names(loaded):
    doc = _real()
    expected = {
        (level["code"], i["code"]): i["measure"]
        for level in doc["levels"]
        for c in level["criteria"]
        for i in c["indicators"]
    }
    stored = Indicator.objects.values_list("criterion__level__code", "code", "measure__code")
    assert {(level, code): measure for level, code, measure in stored} == expected
    assert Measure.objects.count() == len(doc["measures"]) == 68


def test_the_five_confirmed_thresholds_are_loaded_verified(loaded):
    rows = Threshold.objects.values_list(
        "indicator__criterion__level__code", "indicator__code", "value", "factor", "verified"
    )
    assert {row[:4] for row in rows} == CONFIRMED
    assert all(verified for *_rest, verified in rows)
    assert len(rows) == 5


def test_model_income_is_110_percent_of_advanced_income(loaded):
    threshold = Threshold.objects.select_related("relative_to__criterion__level").get(
        indicator__criterion__level__code="model", indicator__code="2.1"
    )
    target = threshold.relative_to
    assert (target.criterion.level.code, target.code) == ("advanced", "10.1")
    assert (threshold.value, threshold.factor) == (None, Decimal("1.10"))
    assert (threshold.scope, threshold.first_year, threshold.last_year) == ("national", 2021, 2025)


def test_model_criterion_1_requires_the_advanced_level(loaded):
    criterion = Criterion.objects.get(level__code="model", number="1")
    assert criterion.requires_level == Level.objects.get(code="advanced")
    assert not criterion.indicators.exists()
    assert Criterion.objects.filter(requires_level__isnull=False).count() == 1


def test_order_is_the_position_in_the_file(loaded):
    standard = Criterion.objects.filter(level__code="standard").order_by("order")
    assert [(c.order, c.number) for c in standard] == [(n, str(n)) for n in range(1, 20)]
    codes = [i["code"] for i in _criterion(_real(), "standard", "17")["indicators"]]
    stored = Indicator.objects.filter(criterion__level__code="standard", criterion__number="17")
    assert list(stored.order_by("order").values_list("order", "code")) == list(
        enumerate(codes, start=1)
    )


def test_the_first_load_creates_everything(loaded):
    created = {kind: counts.created for kind, counts in loaded.counts.items()}
    assert created == {
        "sets": 1,
        "levels": 3,
        "measures": 68,
        "criteria": 42,
        "indicators": 99,
        "thresholds": 5,
    }
    assert (loaded.file, loaded.set_code) == ("ntm-2021-2025.json", "NTM-2021-2025")


def test_a_second_load_creates_and_saves_nothing(loaded, django_assert_max_num_queries):
    # One SELECT per kind, the set's published editions and the transaction's savepoint: no
    # row is fetched or saved alone.
    with django_assert_max_num_queries(9) as queries:
        again = load_criteria_file(REAL_FILE)
    assert {kind: (c.created, c.updated) for kind, c in again.counts.items()} == {
        kind: (0, 0) for kind in KINDS
    }
    assert again.counts["indicators"] == Counts(unchanged=99)
    assert again.counts["thresholds"] == Counts(unchanged=5)
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("INSERT", "UPD"))]
    assert writes == []


def test_a_name_changed_in_the_database_is_restored_by_a_reload(loaded):
    Indicator.objects.filter(pk=_standard("10.1").pk).update(name_vi="Sửa tay")
    report = load_criteria_file(REAL_FILE)
    assert report.counts["indicators"] == Counts(updated=1, unchanged=98)
    assert sum(c.updated for c in report.counts.values()) == 1
    assert _standard("10.1").name_vi == "Thu nhập bình quân đầu người của xã"


def test_a_threshold_value_changed_in_the_database_is_restored(loaded):
    Threshold.objects.filter(indicator=_standard("3.1")).update(value=Decimal("70"), verified=False)
    report = load_criteria_file(REAL_FILE)
    assert report.counts["thresholds"] == Counts(updated=1, unchanged=4)
    threshold = _standard("3.1").thresholds.get()
    assert (threshold.value, threshold.verified) == (Decimal("80"), True)


def test_a_threshold_entered_in_admin_survives_a_reload(loaded):
    income = _standard("10.1")
    Threshold.objects.create(
        indicator=income,
        scope="class",
        class_value="dnb",
        value=Decimal("71"),
        first_year=2024,
        last_year=2024,
        source="Entered by the national office from the official text",
        verified=True,
    )
    report = load_criteria_file(REAL_FILE)
    assert report.counts["thresholds"] == Counts(unchanged=5)
    assert list(income.thresholds.values_list("class_value", "value")) == [("dnb", Decimal("71"))]


def test_load_all_loads_every_file_of_a_folder_in_order(tmp_path):
    _write(tmp_path, _real(), "b-real.json")
    _write(tmp_path, _small_set(_province_threshold("74")), "a-small.json")
    (tmp_path / "notes.txt").write_text("not a criteria file", encoding="utf-8")
    reports = load_all(tmp_path)
    assert [(r.file, r.set_code) for r in reports] == [
        ("a-small.json", "TEST-SET"),
        ("b-real.json", "NTM-2021-2025"),
    ]
    assert CriteriaSet.objects.count() == 2


# --------------------------------------------------------------------------- bad files


def _threshold(doc: dict, level: str, code: str) -> dict:
    return _indicator(doc, level, code)["thresholds"][0]


BROKEN = {
    "unknown measure": (
        lambda doc: _indicator(doc, "advanced", "13.2").update(measure="ocop_x"),
        "ntm-2021-2025.json: level advanced, criterion 13, indicator 13.2: "
        "unknown measure 'ocop_x'",
    ),
    "bad comparison": (
        lambda doc: _indicator(doc, "standard", "3.1").update(comparison="=>"),
        "ntm-2021-2025.json: level standard, criterion 3, indicator 3.1: "
        "unknown comparison '=>' (one of: >=, <=, ==, true)",
    ),
    "bad decimal": (
        lambda doc: _threshold(doc, "standard", "3.1").update(value="80%"),
        "ntm-2021-2025.json: level standard, criterion 3, indicator 3.1, threshold 1: "
        "value '80%' is not a decimal",
    ),
    "number instead of a decimal string": (
        lambda doc: _threshold(doc, "model", "3.1").update(value=1.5),
        "ntm-2021-2025.json: level model, criterion 3, indicator 3.1, threshold 1: "
        "value 1.5 is not a decimal",
    ),
    "unknown relative_to": (
        lambda doc: _threshold(doc, "model", "2.1").update(relative_to=["advanced", "10.9"]),
        "ntm-2021-2025.json: level model, criterion 2, indicator 2.1, threshold 1: "
        "unknown relative_to ['advanced', '10.9']: no such indicator",
    ),
    "unknown province": (
        lambda doc: _threshold(doc, "standard", "3.1").update(scope="province", scope_value="99"),
        "ntm-2021-2025.json: level standard, criterion 3, indicator 3.1, threshold 1: "
        "unknown province '99' in structure 2021",
    ),
    "unknown scope": (
        lambda doc: _threshold(doc, "advanced", "13.2").update(scope="district"),
        "ntm-2021-2025.json: level advanced, criterion 13, indicator 13.2, threshold 1: "
        "unknown scope 'district'",
    ),
    "unknown value type": (
        lambda doc: _measure(doc, "income_per_capita").update(value_type="text"),
        "ntm-2021-2025.json: measure income_per_capita: unknown value type 'text'",
    ),
    "unknown requires_level": (
        lambda doc: _criterion(doc, "model", "1").update(requires_level="superior"),
        "ntm-2021-2025.json: level model, criterion 1: unknown requires_level 'superior'",
    ),
    "absolute and relative": (
        lambda doc: _threshold(doc, "model", "2.1").update(value="50"),
        "ntm-2021-2025.json: level model, criterion 2, indicator 2.1, threshold 1: "
        "both a value and relative_to",
    ),
    "missing key": (
        lambda doc: _level(doc, "advanced").pop("rank"),
        "ntm-2021-2025.json: level advanced: missing key 'rank'",
    ),
    "wrong type": (
        lambda doc: _indicator(doc, "standard", "10.1").update(verified="yes"),
        "ntm-2021-2025.json: level standard, criterion 10, indicator 10.1: "
        "'verified' must be true or false, not 'yes'",
    ),
    "duplicate indicator code": (
        lambda doc: _indicator(doc, "standard", "3.2").update(code="3.1"),
        "ntm-2021-2025.json: level standard: duplicate indicator code '3.1'",
    ),
    "too long for its field": (
        lambda doc: _level(doc, "model").update(code="m" * 31),
        f"ntm-2021-2025.json: level {'m' * 31}: code:",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_file_is_refused_with_a_specific_message_and_writes_nothing(tmp_path, case):
    break_it, message = BROKEN[case]
    doc = _real()
    break_it(doc)
    before = _rows()
    with pytest.raises(CriteriaFileError, match="^" + re.escape(message)):
        load_criteria_file(_write(tmp_path, doc))
    assert _rows() == before


def test_invalid_json_is_refused(tmp_path):
    path = tmp_path / "ntm-2021-2025.json"
    path.write_text(REAL_FILE.read_text(encoding="utf-8")[:-40], encoding="utf-8")
    with pytest.raises(CriteriaFileError, match=r"^ntm-2021-2025\.json: invalid JSON: "):
        load_criteria_file(path)
    assert set(_rows().values()) == {0}


def test_a_bad_amendment_leaves_the_loaded_set_as_it_was(loaded, tmp_path):
    doc = _real()
    doc["name_en"] = "Amended"
    _indicator(doc, "standard", "3.1")["name_vi"] = "Amended"
    _threshold(doc, "model", "4.1")["factor"] = "2"  # the last item: found after the others
    with pytest.raises(CriteriaFileError, match="model 4.1|criterion 4, indicator 4.1"):
        load_criteria_file(_write(tmp_path, doc))
    assert (
        CriteriaSet.objects.get().name_en == "National criteria for new rural communes, 2021-2025"
    )
    assert _standard("3.1").name_vi != "Amended"


def test_levels_that_trade_ranks_are_reloaded_without_a_clash(loaded, tmp_path):
    doc = _real()
    _level(doc, "standard")["rank"], _level(doc, "advanced")["rank"] = 2, 1
    load_criteria_file(_write(tmp_path, doc))
    ranks = dict(CriteriaSet.objects.get().levels.values_list("code", "rank"))
    assert ranks == {"standard": 2, "advanced": 1, "model": 3}


def test_a_failure_while_writing_rolls_the_whole_file_back(monkeypatch):
    # Validation catches bad files before writing; this proves the transaction behind it.
    def fail(*args):
        raise RuntimeError("database went away")

    monkeypatch.setattr(loading, "_write_thresholds", fail)
    with pytest.raises(RuntimeError):
        load_criteria_file(REAL_FILE)
    assert set(_rows().values()) == {0}


# --------------------------------------------------------------------------- a small set


def _province_threshold(code: str) -> dict:
    return {
        "scope": "province",
        "scope_value": code,
        "value": "95.5",
        "first_year": 2024,
        "last_year": None,
        "source": "Demo value for the demo province, not from the law",
        "verified": False,
        "demo": True,
    }


def _small_set(threshold: dict, **top) -> dict:
    indicator = {
        "code": "1.1",
        "name_vi": "Tỷ lệ hộ dùng nước sạch",
        "name_en": "Households using clean water",
        "measure": "clean_water_rate",
        "comparison": ">=",
        "source": "test",
        "verified": False,
        "thresholds": [threshold],
    }
    criterion = {
        "number": "1",
        "name_vi": "Nước sạch",
        "name_en": "Clean water",
        "group": "infrastructure",
        "source": "test",
        "requires_level": None,
        "indicators": [indicator],
    }
    level = {
        "code": "standard",
        "rank": 1,
        "name_vi": "Đạt chuẩn",
        "name_en": "Standard",
        "legal_basis": "",
        "criteria": [criterion],
    }
    measure = {
        "code": "clean_water_rate",
        "name_vi": "Tỷ lệ hộ dùng nước sạch",
        "name_en": "Households using clean water (%)",
        "unit": "%",
        "value_type": "percent",
        "allows_not_applicable": False,
        "source": "entered",
        "derived_from": "",
        "description_vi": "",
        "description_en": "",
    }
    return {
        "code": "TEST-SET",
        "name_vi": "Bộ tiêu chí thử",
        "name_en": "Test set",
        "legal_basis": "none: a test",
        "first_year": 2021,
        "last_year": 2025,
        "classification": "region",
        "notes": "",
        "measures": [measure],
        "levels": [level],
        **top,
    }


def test_a_province_threshold_gets_its_province(tmp_path):
    report = load_criteria_file(_write(tmp_path, _small_set(_province_threshold("74")), "t.json"))
    threshold = Threshold.objects.select_related("province").get()
    assert threshold.province == Province.objects.get(structure="2021", code="74")
    assert (threshold.scope, threshold.class_value, threshold.value) == (
        "province",
        "",
        Decimal("95.5"),
    )
    assert (threshold.first_year, threshold.last_year, threshold.demo) == (2024, None, True)
    assert report.counts["thresholds"] == Counts(created=1)


def test_province_codes_are_read_in_the_structure_the_file_names(tmp_path):
    # 74 (Bình Dương) merged into Hồ Chí Minh City in 2025: the new list has no 74.
    doc = _small_set(_province_threshold("74"), province_structure="2025")
    with pytest.raises(
        CriteriaFileError, match="threshold 1: unknown province '74' in structure 2025"
    ):
        load_criteria_file(_write(tmp_path, doc, "t.json"))
    assert not Threshold.objects.exists()


def test_a_class_threshold_must_name_a_known_region(tmp_path):
    doc = _small_set({**_province_threshold(""), "scope": "class", "scope_value": "dnx"})
    with pytest.raises(CriteriaFileError, match="threshold 1: unknown region 'dnx'$"):
        load_criteria_file(_write(tmp_path, doc, "t.json"))
    doc["levels"][0]["criteria"][0]["indicators"][0]["thresholds"][0]["scope_value"] = "dnb"
    load_criteria_file(_write(tmp_path, doc, "t.json"))
    assert Threshold.objects.get().class_value == "dnb"


# --------------------------------------------------------------------------- level rules


def _share_set(**level_keys) -> dict:
    """The small set with a second indicator, its level keyed by ``level_keys``."""
    doc = _small_set(_province_threshold("74"))
    level = doc["levels"][0]
    second = {**level["criteria"][0]["indicators"][0], "code": "1.2", "thresholds": []}
    level["criteria"][0]["indicators"].append(second)
    level.update(level_keys)
    return doc


def test_a_share_level_is_loaded_and_read_by_the_engine_as_its_file_says(tmp_path):
    doc = _share_set(pilot=True, rule="share", share="0.70", mandatory=["1.2"])
    doc["edition"] = {"title": "Test", "decision_number": "1/TEST", "decision_date": "2024-01-02"}
    report = load_criteria_file(_write(tmp_path, doc, "t.json"))
    level = Level.objects.get()
    assert (level.pilot, level.rule, level.share) == (True, "share", Decimal("0.70"))
    assert level.mandatory_indicators == ["1.2"]
    rule = selectors.rules_for(level.criteria_set).levels[0]
    assert (rule.rule, rule.share, rule.mandatory) == ("share", Decimal("0.70"), ("1.2",))
    kept = level.criteria_set.editions.get().rules["levels"][0]
    assert (kept["rule"], Decimal(kept["share"]), kept["mandatory"]) == ("share", D70, ["1.2"])
    assert report.counts["levels"] == Counts(created=1)
    again = load_criteria_file(_write(tmp_path, doc, "t.json"))
    assert again.counts["levels"] == Counts(unchanged=1)


def test_a_level_without_rule_keys_is_an_all_level_and_no_pilot(loaded):
    stored = Level.objects.values_list("pilot", "rule", "share", "mandatory_indicators")
    assert list(stored) == [(False, "all", None, [])] * 3


LEVEL_BROKEN = {
    "unknown rule": ({"rule": "most"}, "unknown rule 'most' (one of: all, share)"),
    "share on an all level": ({"share": "0.7"}, "'share' is only for the 'share' rule"),
    "mandatory on an all level": (
        {"rule": "all", "mandatory": ["1.1"]},
        "'mandatory' is only for the 'share' rule",
    ),
    "share rule without a share": ({"rule": "share"}, "the 'share' rule needs a \"share\""),
    "share above 1": ({"rule": "share", "share": "1.5"}, "share '1.5' must be above 0"),
    "share of 0": ({"rule": "share", "share": "0"}, "share '0' must be above 0"),
    "share as a percentage": ({"rule": "share", "share": "70"}, "share '70' must be above 0"),
    "share as a JSON number": ({"rule": "share", "share": 0.7}, "share 0.7 is not a decimal"),
    "share too precise": ({"rule": "share", "share": "0.12345"}, "share:"),
    "mandatory code of no indicator": (
        {"rule": "share", "share": "0.7", "mandatory": ["9.9"]},
        "mandatory indicator '9.9' is not an indicator of the level",
    ),
    "mandatory code twice": (
        {"rule": "share", "share": "0.7", "mandatory": ["1.1", "1.1"]},
        "duplicate mandatory indicator '1.1'",
    ),
    "mandatory not codes": (
        {"rule": "share", "share": "0.7", "mandatory": [1]},
        "'mandatory' must list indicator codes, not [1]",
    ),
    "pilot not a boolean": ({"pilot": "yes"}, "'pilot' must be true or false or null"),
}


@pytest.mark.parametrize("case", list(LEVEL_BROKEN))
def test_a_level_rule_that_does_not_fit_is_refused_and_writes_nothing(tmp_path, case):
    keys, problem = LEVEL_BROKEN[case]
    with pytest.raises(
        CriteriaFileError, match="^" + re.escape(f"t.json: level standard: {problem}")
    ):
        load_criteria_file(_write(tmp_path, _share_set(**keys), "t.json"))
    assert set(_rows().values()) == {0}


# --------------------------------------------------------------------------- load_criteria


def test_load_criteria_prints_counts_per_file_and_kind():
    assert _output("load_criteria", str(REAL_FILE)) == [
        "ntm-2021-2025.json: NTM-2021-2025",
        "  sets: 1 created, 0 updated, 0 unchanged",
        "  levels: 3 created, 0 updated, 0 unchanged",
        "  measures: 68 created, 0 updated, 0 unchanged",
        "  criteria: 42 created, 0 updated, 0 unchanged",
        "  indicators: 99 created, 0 updated, 0 unchanged",
        "  thresholds: 5 created, 0 updated, 0 unchanged",
    ]
    assert (
        _output("load_criteria", str(REAL_FILE))[6]
        == "  thresholds: 0 created, 0 updated, 5 unchanged"
    )


def test_load_criteria_loads_every_fixture_by_default():
    lines = _output("load_criteria")
    headers = [line.split(":")[0] for line in lines if not line.startswith(" ")]
    assert headers == [path.name for path in criteria_files()]
    assert CriteriaSet.objects.filter(code="NTM-2021-2025").exists()


def test_load_criteria_dry_run_writes_nothing():
    lines = _output("load_criteria", "--dry-run", str(REAL_FILE))
    assert lines[1] == "  sets: 1 created, 0 updated, 0 unchanged"
    assert lines[-1] == "Dry run: rolled back, nothing was written."
    assert set(_rows().values()) == {0}


def test_load_criteria_is_silent_at_verbosity_0():
    assert _output("load_criteria", "--verbosity", "0", str(REAL_FILE)) == []
    assert Indicator.objects.count() == 99


def test_load_criteria_turns_a_bad_file_into_a_command_error(tmp_path):
    doc = _real()
    _indicator(doc, "advanced", "13.2")["measure"] = "ocop_x"
    with pytest.raises(CommandError, match="indicator 13.2: unknown measure 'ocop_x'"):
        call_command("load_criteria", str(_write(tmp_path, doc)), stdout=io.StringIO())
    with pytest.raises(CommandError, match="missing.json: cannot read the file"):
        call_command("load_criteria", str(tmp_path / "missing.json"), stdout=io.StringIO())
    assert set(_rows().values()) == {0}


# --------------------------------------------------------------------------- criteria_report


def _between(lines: list[str], start: str, end: str) -> list[str]:
    return lines[lines.index(start) + 1 : lines.index(end)]


def test_report_lists_unconfigured_indicators_per_level(loaded):
    lines = _output("criteria_report")
    assert lines[0] == (
        "NTM-2021-2025: National criteria for new rural communes, 2021-2025 (2021-2025)"
    )
    standard = "  level standard (rank 1): 29 not configured, 0 unverified or demo thresholds"
    advanced = "  level advanced (rank 2): 29 not configured, 0 unverified or demo thresholds"
    model = "  level model (rank 3): 0 not configured, 0 unverified or demo thresholds"
    income = (
        "    not configured: 10.1 Thu nhập bình quân đầu người của xã | measure "
        "income_per_capita, comparison >=, unit triệu đồng/người/năm"
    )
    assert income in _between(lines, standard, advanced)
    assert not any("not configured: 3.1 " in line for line in _between(lines, standard, advanced))
    assert _between(lines, model, lines[-1]) == []
    assert lines[-1] == (
        "Total: 58 indicators not configured, 0 unverified thresholds, 0 demo thresholds, "
        "0 rules that cannot be applied"
    )


def test_report_for_a_year_counts_only_thresholds_in_force(loaded):
    Threshold.objects.create(
        indicator=_standard("10.1"),
        scope="province",
        province=Province.objects.get(structure="2021", code="74"),
        value=Decimal("70.5000"),
        first_year=2024,
        source="Demo value for Bình Dương",
        demo=True,
    )
    before = _output("criteria_report", "--year", "2023")
    assert before[0].endswith("(2021-2025), year 2023")
    assert (
        before[-1]
        == "Total: 58 indicators not configured, 0 unverified thresholds, 0 demo thresholds, "
        "0 rules that cannot be applied"
    )
    after = _output("criteria_report", "--year", "2024", "--set", "NTM-2021-2025")
    assert (
        after[-1]
        == "Total: 57 indicators not configured, 1 unverified thresholds, 1 demo thresholds, "
        "0 rules that cannot be applied"
    )
    assert (
        "    unverified, demo: 10.1 province 74 Tỉnh Bình Dương >= 70.5, from 2024 "
        "| source: Demo value for Bình Dương"
    ) in after


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "NOPE"], "no criteria set 'NOPE' \\(load one"),
        (["--year", "2030"], "no criteria set in force in 2030"),
    ],
)
def test_report_says_when_there_is_nothing_to_report(loaded, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("criteria_report", *args, stdout=io.StringIO())


def test_report_costs_a_fixed_number_of_queries(loaded, django_assert_max_num_queries):
    # Unverified thresholds of every kind on many indicators, so that a query per indicator,
    # threshold, province or relative target would show.
    provinces = Province.objects.in_structure("2021").order_by("code")[:12]
    numeric = Indicator.objects.exclude(comparison="true").filter(criterion__level__code="advanced")
    rows = [
        Threshold(indicator=i, scope="province", province=p, value=1, source="demo", demo=True)
        for i, p in zip(numeric.order_by("pk")[:12], provinces, strict=True)
    ]
    rows += [
        Threshold(
            indicator=i,
            scope="class",
            class_value="dbsh",
            relative_to=_standard(i.code),
            factor=Decimal("1.05"),
            source="unverified guess",
        )
        for i in numeric.filter(code__in=["2.1", "3.1", "10.1"])
    ]
    Threshold.objects.bulk_create(rows)
    # 5 queries: sets, levels, criteria, indicators with their measures, thresholds with their
    # province and relative target.
    with django_assert_max_num_queries(5):
        lines = _output("criteria_report")
    assert lines[-1].endswith("12 demo thresholds, 0 rules that cannot be applied")
    assert (
        "    unverified: 10.1 class dbsh >= 1.05 x standard 10.1, every year "
        "| source: unverified guess"
    ) in lines


def test_a_type_change_that_stored_values_do_not_fit_is_refused_and_writes_nothing(loaded):
    """A count loaded once as a plain number may hold 2.5 villages: the file that makes it a
    count is refused, naming them, until they are corrected."""
    from communes.models import Commune
    from criteria.services import create_assessment, save_values

    villages = Measure.objects.get(code="smart_villages_count")
    Measure.objects.filter(pk=villages.pk).update(value_type=Measure.ValueType.NUMBER)
    commune = Commune.objects.rural().filter(structure="2021").order_by("code").first()
    assessment = create_assessment(commune=commune, year=2023)
    save_values(assessment=assessment, values={"smart_villages_count": "2,5"}, version=1)
    with pytest.raises(CriteriaFileError) as refused:
        load_criteria_file(REAL_FILE)
    assert str(refused.value) == (
        "ntm-2021-2025.json: measure smart_villages_count: the file makes it a count measure, "
        f"but 1 stored value(s) are not: {commune.code} 2023: 2.5 (A count is a whole "
        "number.). Correct them first (nothing was loaded)."
    )
    villages.refresh_from_db()
    assert villages.value_type == Measure.ValueType.NUMBER  # nothing written

    save_values(assessment=assessment, values={"smart_villages_count": "3"}, version=2)
    load_criteria_file(REAL_FILE)
    villages.refresh_from_db()
    assert villages.value_type == Measure.ValueType.COUNT
