"""The import streamed: the file is checked and written chunk by chunk inside one transaction,
so that an error in a late chunk still writes nothing, a commune's rows may be spread over
chunks, and memory follows the file's communes and years, not its rows."""

import io
import tracemalloc

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communes.models import Commune
from criteria.models import Assessment, AssessmentValue, CriterionResult, WorkflowStep
from criteria.services import imports
from criteria.services.imports import ImportRefused, import_values
from tests.criteria.builders import measure

HEADER = "commune_code,year,measure_code,value,note\n"


def _file(rows: list[str]) -> io.BytesIO:
    return io.BytesIO((HEADER + "".join(rows)).encode())


def _snapshot() -> tuple:
    return (
        list(Assessment.objects.order_by("pk").values_list("pk", "version", "status", "level")),
        list(AssessmentValue.objects.order_by("pk").values_list("pk", "number", "flag", "note")),
        Assessment.history.count(),
        AssessmentValue.history.count(),
        WorkflowStep.objects.count(),
        CriterionResult.objects.count(),
    )


def _codes(count: int, province: str | None = "74") -> list[str]:
    codes = Commune.objects.rural(2021).filter(structure="2021")
    if province:
        codes = codes.filter(province__code=province)
    return list(codes.order_by("code").values_list("code", flat=True)[:count])


def test_an_error_in_the_last_chunk_rolls_back_the_chunks_written_before(
    small_set, cast, monkeypatch
):
    monkeypatch.setattr(imports, "ROWS_PER_CHUNK", 2)
    rows = [f"{code},2023,income,55,\n" for code in _codes(6)]
    rows.append(f"{rows[0].split(',')[0]},2023,nope,1,\n")  # the last chunk's only row
    before = _snapshot()
    with CaptureQueriesContext(connection) as queries, pytest.raises(ImportRefused) as refused:
        import_values(file=_file(rows), user=cast.officer_74)
    # The first chunks were written (and rolled back): the streamed path, not a check alone.
    assert any('INSERT INTO "criteria_assessment"' in q["sql"] for q in queries.captured_queries)
    assert _snapshot() == before
    errors = [(e.row, e.column, e.value) for e in refused.value.report.errors]
    assert errors == [(8, "measure_code", "nope")]


def test_every_error_is_listed_though_the_writing_stopped_at_the_first(
    small_set, cast, monkeypatch
):
    monkeypatch.setattr(imports, "ROWS_PER_CHUNK", 2)
    codes = _codes(4)
    rows = [f"{code},2023,income,55,\n" for code in codes]
    rows[1] = f"{codes[1]},2023,income,abc,\n"  # chunk 1
    rows.append("99999,2023,income,1,\n")  # chunk 3
    before = _snapshot()
    with pytest.raises(ImportRefused) as refused:
        import_values(file=_file(rows), user=cast.officer_74)
    assert _snapshot() == before
    assert [(e.row, e.column) for e in refused.value.report.errors] == [
        (3, "value"),
        (6, "commune_code"),
    ]


def test_a_communes_rows_spread_over_chunks_make_one_assessment_saved_and_scored_once(
    small_set, cast, monkeypatch
):
    monkeypatch.setattr(imports, "ROWS_PER_CHUNK", 2)
    first, other = _codes(2)
    rows = [
        f"{first},2023,income,55,\n",
        f"{other},2023,income,55,\n",
        f"{other},2023,irrigation,90,\n",
        f"{first},2023,irrigation,85,\n",  # chunk 2
        f"{other},2023,plan,1,\n",
        f"{first},2023,plan,có,\n",  # chunk 3
        f"{first},2023,income,56,\n",  # chunk 4: already given in chunk 1
    ]
    with pytest.raises(ImportRefused) as refused:
        import_values(file=_file(rows), user=cast.officer_74)
    assert [e.message for e in refused.value.report.errors] == [
        "Row 2 already gives income of this commune and year."
    ]
    report = import_values(file=_file(rows[:-1]), user=cast.approver_74, status="approved")
    assert (report.assessments_created, report.values_created, report.rows) == (2, 6, 6)
    assessment = Assessment.objects.get(commune__code=first, year=2023)
    # created 1, saved 2 (once, for three chunks), submitted 3, approved 4
    assert (assessment.version, assessment.status, assessment.level) == (4, "approved", "standard")
    actions = list(assessment.steps.order_by("pk").values_list("action", flat=True))
    assert actions == ["create", "submit", "approve"]
    assert AssessmentValue.history.filter(assessment_id=assessment.pk).count() == 3
    assert [c.commune_code for c in report.communes] == [first, other]
    again = import_values(file=_file(rows[:-1]), user=cast.approver_74, status="approved")
    assert (again.assessments_unchanged, again.values_unchanged) == (2, 6)


def _peak_bytes(rows: list[str], user) -> int:
    data = _file(rows)
    tracemalloc.start()
    try:
        import_values(file=data, user=user)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_bounded_from_five_to_fifty_thousand_rows(small_set, cast):
    """40 values a commune-year: 5,000 rows, then 50,000 (ten times the commune-years, other
    years). The rows are read, checked and written a chunk at a time and the assessments
    rescored in batches, so only what is kept per commune-year grows (a few hundred bytes);
    a whole-file plan, holding every row, added about 1 kB a row (45 MB here)."""
    extra = [f"extra_{n:02d}" for n in range(36)]
    for code in extra:
        measure(small_set, code, "number")
    measures = ["income", "irrigation", "plan", "crafts", *extra]
    codes = _codes(625, province=None)
    assert len(codes) == 625

    def rows(years: tuple[int, ...], communes: list[str]) -> list[str]:
        return [
            f"{code},{year},{name},{_value(name, n)},\n"
            for year in years
            for n, code in enumerate(communes)
            for name in measures
        ]

    few, many = rows((2022,), codes[:125]), rows((2023, 2024), codes)
    assert (len(few), len(many)) == (5_000, 50_000)
    small = _peak_bytes(few, cast.national)
    large = _peak_bytes(many, cast.national)
    assert AssessmentValue.objects.count() == 55_000
    assert large < small + 8 * 2**20, (small, large)


def _value(name: str, n: int) -> str:
    if name in ("plan", "crafts"):
        return str(n % 2)
    return f"{(n * 7 + len(name)) % 100}.5"  # a percentage too
