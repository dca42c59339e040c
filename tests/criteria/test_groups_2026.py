"""Scoring under the 2026-2030 set by commune group: once the national office publishes
thresholds by group (numbers made up for the test: the law's are not typed in yet) and assigns
groups, the same value passes in one group and fails in another, and a change of group
rescores the commune's open assessment."""

import datetime

import pytest

from communes.models import Commune
from criteria.loading import CRITERIA_DIR, load_criteria_file
from criteria.models import Assessment, CriteriaSet, EditionChange
from criteria.services import create_assessment, save_values
from criteria.services.classes import ClassEntry, assign_classes
from criteria.services.editions import ChangeEntry, publish_now


def _by_group(group: str, value: str, row: int) -> ChangeEntry:
    data = {
        "level": "standard",
        "indicator": "8.a",
        "scope": "class",
        "class_value": group,
        "value": value,
        "source": "test (not the law's number)",
        "verified": False,
    }
    return ChangeEntry(row, EditionChange.Kind.ADD_THRESHOLD, data)


@pytest.fixture
def groups_published(db):
    load_criteria_file(CRITERIA_DIR / "ntm-2026-2030.json")
    cset = CriteriaSet.objects.get(code="NTM-2026-2030")
    publish_now(
        criteria_set=cset,
        title="Nước sạch theo nhóm xã (thử)",
        first_year=2026,
        last_year=2030,
        entries=[_by_group("1", "95", 1), _by_group("2", "90", 2), _by_group("3", "75", 3)],
        decision_number="TEST/2026",
        decision_date=datetime.date(2026, 3, 1),
        user=None,
    )
    return cset


def _clean_water(assessment: Assessment) -> str:
    from criteria.selectors import result_for

    result = result_for(Assessment.objects.select_related("criteria_set").get(pk=assessment.pk))
    criterion = next(c for c in result.level_result("standard").criteria if c.code == "8")
    return next(i for i in criterion.indicators if i.code == "8.a").outcome


def test_the_same_value_passes_in_group_3_and_fails_in_group_2(groups_published):
    commune = Commune.objects.rural(2026).filter(structure="2025", province__code="08").first()
    assessment = create_assessment(commune=commune, year=2026)
    save_values(assessment=assessment, values={"clean_water_households_rate": 80}, version=1)
    assign_classes(
        criteria_set=groups_published,
        entries=[ClassEntry(2, commune.code, 2026, "2", "Không thuộc nhóm 1, nhóm 3")],
        user=None,
    )
    assessment.refresh_from_db()
    assert (assessment.class_value, _clean_water(assessment)) == ("2", "fail")

    report = assign_classes(
        criteria_set=groups_published,
        entries=[ClassEntry(2, commune.code, 2026, "3", "Xã khu vực III (60/QĐ-BDTTG)")],
        user=None,
    )
    assert report.rescored == 1
    assessment.refresh_from_db()
    assert (assessment.class_value, _clean_water(assessment)) == ("3", "pass")


def test_a_commune_assigned_no_group_is_in_group_2(groups_published):
    # Group 2 is "neither group 1 nor group 3" (Decision 51/2025/QĐ-TTg, notes §2.2).
    commune = Commune.objects.rural(2026).filter(structure="2025", province__code="08").first()
    assessment = create_assessment(commune=commune, year=2026)
    save_values(assessment=assessment, values={"clean_water_households_rate": 89}, version=1)
    assessment.refresh_from_db()
    assert (assessment.class_value, _clean_water(assessment)) == ("2", "fail")
