"""Importing the long CSV: every error is reported with its row, column, value and reason and
nothing is written; a valid file writes what the services write, once."""

import io
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from accounts.access import access_for
from communes.models import Commune
from criteria import selectors
from criteria.models import Assessment, AssessmentValue, CriteriaSet, CriterionResult, WorkflowStep
from criteria.services import close_year, create_assessment, move, save_values
from criteria.services.imports import ImportRefused, import_values
from tests.criteria.builders import measure

HEADER = "commune_code,year,measure_code,value,note\n"


def _file(body: str, *, bom: bool = False) -> io.BytesIO:
    return io.BytesIO(("\ufeff" if bom else "").encode() + (HEADER + body).encode())


def _snapshot() -> tuple:
    """Everything an import writes, to compare before and after."""
    return (
        list(Assessment.objects.order_by("pk").values_list("pk", "version", "status", "level")),
        list(AssessmentValue.objects.order_by("pk").values_list("pk", "number", "flag", "note")),
        Assessment.history.count(),
        AssessmentValue.history.count(),
        WorkflowStep.objects.count(),
        CriterionResult.objects.count(),
    )


def _refused(body: str, **options) -> list[tuple]:
    before = _snapshot()
    with pytest.raises(ImportRefused) as refused:
        import_values(file=_file(body), **options)
    assert _snapshot() == before
    return [(e.row, e.column, e.value, e.message) for e in refused.value.report.errors]


GOOD = '25930,2023,income,"55,5",\n25930,2023,irrigation,85,\n25930,2023,plan,có,\n'


def test_a_valid_file_creates_the_assessment_as_the_services_would(small_set, bach_dang, cast):
    report = import_values(file=_file(GOOD, bom=True), user=cast.officer_74)
    assessment = Assessment.objects.get(commune=bach_dang, year=2023)
    values = {v.measure.code: v for v in assessment.values.select_related("measure")}
    assert (str(values["income"].number), values["plan"].flag) == ("55.5000", True)
    assert (assessment.status, assessment.version, assessment.level) == ("draft", 2, "standard")
    assert list(assessment.steps.values_list("action", flat=True)) == ["create"]
    assert AssessmentValue.history.filter(assessment_id=assessment.pk).count() == 3
    assert (report.assessments_created, report.values_created, report.rows) == (1, 3, 3)


def test_the_same_file_twice_changes_nothing(small_set, bach_dang, cast):
    import_values(file=_file(GOOD), user=cast.officer_74)
    before = _snapshot()
    report = import_values(file=_file(GOOD), user=cast.officer_74)
    assert _snapshot() == before
    assert (report.assessments_unchanged, report.values_unchanged) == (1, 3)
    assert report.values_created == report.values_changed == report.assessments_changed == 0


def test_empty_cells_where_nothing_is_stored_count_as_nothing(small_set, bach_dang, cast):
    """A template's communes left empty: before, each counted as an assessment unchanged, and
    each empty cell as a value unchanged (61 assessments "unchanged" of a province with
    none)."""
    neighbour = Commune.objects.rural().filter(province__code="74").exclude(pk=bach_dang.pk)[0]
    body = GOOD + f"{neighbour.code},2023,income,,\n{neighbour.code},2023,plan,,\n"
    report = import_values(file=_file(body), user=cast.officer_74, dry_run=True)
    counts = (report.assessments_created, report.assessments_unchanged, report.values_unchanged)
    assert counts == (1, 0, 0)
    assert [(c.commune_code, c.assessment) for c in report.communes] == [
        (bach_dang.code, "created"),
        (neighbour.code, "unchanged"),  # listed, so the preview says it is left as it is
    ]


def test_changes_clears_and_not_applicable_are_written_with_history(small_set, bach_dang, cast):
    assessment = create_assessment(commune=bach_dang, year=2023)
    save_values(assessment=assessment, values={"income": 30, "irrigation": 85}, version=1)
    body = (
        "25930,2023,income,30,\n"  # unchanged
        "25930,2023,irrigation,,\n"  # cleared
        "25930,2023,plan,TRUE,\n"  # created
        "25930,2023,crafts,Không áp dụng,Xã không có làng nghề\n"  # not applicable, noted
    )
    report = import_values(file=_file(body), user=cast.officer_74)
    assessment.refresh_from_db()
    stored = {v.measure.code: v for v in assessment.values.select_related("measure")}
    assert set(stored) == {"income", "plan", "crafts"}
    assert stored["crafts"].not_applicable and stored["crafts"].note == "Xã không có làng nghề"
    assert assessment.version == 3  # created 1, saved 2, imported 3: one save
    officer = cast.officer_74
    kinds = AssessmentValue.history.filter(assessment_id=assessment.pk, history_user=officer)
    assert sorted(kinds.values_list("history_type", flat=True)) == ["+", "+", "-"]
    counts = (report.values_unchanged, report.values_cleared, report.values_created)
    assert counts == (1, 1, 2) and report.assessments_changed == 1
    import_values(file=_file("25930,2023,income,31,\n"), user=cast.officer_74)
    changed = kinds.filter(measure__code="income").values_list("history_type", "number")
    assert list(changed) == [("~", 31)]
    assert AssessmentValue.objects.get(measure__code="income").updated_by == cast.officer_74


def test_the_evidence_link_is_kept(small_set, bach_dang, cast):
    assessment = create_assessment(commune=bach_dang, year=2023)
    link = "https://example.org/bao-cao.pdf"
    save_values(
        assessment=assessment, values={"income": {"value": 30, "evidence_url": link}}, version=1
    )
    import_values(file=_file("25930,2023,income,31,\n"), user=cast.officer_74)
    assert assessment.values.get().evidence_url == link
    report = import_values(file=_file("25930,2023,income,,\n"), user=cast.officer_74)
    value = assessment.values.get()  # the link stays, with no value
    assert (value.number, value.evidence_url) == (None, link)
    # The value is said cleared, as it is: before, "changed", the row having stayed.
    assert (report.values_cleared, report.values_changed) == (1, 0)


def test_every_error_is_listed_and_nothing_is_written(small_set, bach_dang, cast):
    ward = Commune.objects.get(structure="2021", code="25933")
    body = (
        "99999,2023,income,50,\n"  # row 2: unknown commune
        f"{ward.code},2023,income,50,\n"  # row 3: an urban ward
        "25930,2031,income,50,\n"  # row 4: no set
        "25930,2023,nope,1,\n"  # row 5: unknown measure
        "25930,2023,irrigation,150,\n"  # row 6: out of range
        "25930,2023,plan,yes,\n"  # row 7: not a file's yes
        '25930,2023,income,"1.234,5",\n'  # row 8: grouping
        "25930,2023,crafts,n/a,\n"  # row 9: not applicable without a note
        "25930,2023,income,50,\n"  # row 10: fine
        "25930,2023,income,51,\n"  # row 11: duplicate
        "25930,twenty,income,50,\n"  # row 12: bad year
        "25930,2023,income\n"  # row 13: a cell missing
    )
    errors = _refused(body, user=cast.officer_74)
    rows = {(row, column) for row, column, _value, _message in errors}
    assert rows == {
        (2, "commune_code"),
        (3, "commune_code"),
        (4, "year"),
        (5, "measure_code"),
        (6, "value"),
        (7, "value"),
        (8, "value"),
        (9, "note"),  # not applicable needs a note: at the note
        (11, "measure_code"),
        (12, "year"),
        (13, ""),
    }
    messages = {row: (value, message) for row, _c, value, message in errors}
    assert messages[2] == ("99999", "No commune has this code.")
    assert "Only rural communes" in messages[3][1]
    assert messages[4] == ("2031", "No criteria set is in force in 2031.")
    assert messages[6] == ("150", "A percentage is between 0 and 100.")
    assert "1 or 0, true or false, có or không" in messages[7][1]
    assert "a note is required" in messages[9][1]
    assert messages[11] == ("income", "Row 10 already gives income of this commune and year.")


def test_a_unit_not_on_the_map_of_the_year_is_refused(small_set, cast):
    """Since 2026 the 2025 map is the one assessed: a commune code of 2021 that the 2025 map
    does not have names the communes it went into."""
    later = CriteriaSet.objects.create(
        code="TEST-2026-2030", name_vi="Bộ thử 2026", name_en="Test set 2026",
        legal_basis="test", first_year=2026, last_year=2030, classification="group",
    )  # fmt: skip
    measure(later, "income", "money")
    kept = Commune.objects.filter(structure="2025").values_list("code", flat=True)
    gone = Commune.objects.filter(structure="2021", kind="xa").exclude(code__in=kept).first()
    [(row, column, value, message)] = _refused(f"{gone.code},2026,income,50,\n", user=cast.national)
    assert (row, column, value) == (2, "commune_code", gone.code)
    assert f"{gone.name} ({gone.code}) existed until" in message
    assert "2026 is assessed on the map since then" in message


def test_a_commune_of_another_province_is_refused_to_an_officer(
    small_set, bach_dang, lang_son_commune, cast
):
    body = f"{lang_son_commune.code},2023,income,50,\n25930,2023,income,50,\n"
    [(row, column, value, message)] = _refused(body, user=cast.officer_74)
    assert (row, column, value) == (2, "commune_code", lang_son_commune.code)
    assert "you may import only your province" in message
    report = import_values(file=_file(body), user=cast.national)
    assert report.assessments_created == 2


def test_approved_import_is_for_approvers_only(small_set, bach_dang, cast):
    with pytest.raises(PermissionDenied, match="Only approvers"):
        import_values(file=_file(GOOD), user=cast.officer_74, status="approved")
    with pytest.raises(PermissionDenied, match="officers and the national office"):
        import_values(file=_file(GOOD), user=cast.viewer_74)
    assert not Assessment.objects.exists()


def test_approved_import_takes_the_steps_an_approver_takes(small_set, bach_dang, cast):
    report = import_values(file=_file(GOOD), user=cast.approver_74, status="approved")
    assessment = Assessment.objects.get(commune=bach_dang, year=2023)
    steps = assessment.steps.order_by("pk").values_list("action", "to_status", "user")
    approver = cast.approver_74.pk
    assert list(steps) == [
        ("create", "draft", approver),
        ("submit", "submitted", approver),
        ("approve", "approved", approver),
    ]
    assert (assessment.status, assessment.version) == ("approved", 4)
    assert report.assessments_approved == 1
    before = _snapshot()
    import_values(file=_file(GOOD), user=cast.approver_74, status="approved")
    assert _snapshot() == before


def test_approving_by_import_resubmits_a_returned_assessment(small_set, bach_dang, cast):
    import_values(file=_file(GOOD), user=cast.officer_74)
    assessment = Assessment.objects.get()
    move(assessment=assessment, action="submit", version=assessment.version)
    move(assessment=assessment, action="return", version=assessment.version, comment="Sửa")
    changed = GOOD.replace("85", "90")
    report = import_values(file=_file(changed), user=cast.national, status="approved")
    actions = list(assessment.steps.order_by("pk").values_list("action", flat=True))
    assert actions == ["create", "submit", "return", "submit", "approve"]
    assert (report.assessments_changed, report.assessments_approved) == (1, 1)
    assert (report.values_changed, report.values_unchanged) == (1, 2)


def test_approving_by_import_approves_only_what_the_file_creates_or_changes(
    small_set, bach_dang, lang_son_commune, cast
):
    """The template holds every commune of the province: as approved, with one value changed,
    it approved every draft, returned and submitted assessment of the province, incomplete
    ones too. An assessment the file leaves as it is stays as it is, and is counted."""
    others = list(
        Commune.objects.on_map(2023).rural(2023).filter(province=bach_dang.province)
        .exclude(pk=bach_dang.pk).order_by("code")[:3]
    )  # fmt: skip
    draft, returned, submitted = (create_assessment(commune=c, year=2023) for c in others)
    for assessment in (returned, submitted):
        move(assessment=assessment, action="submit", version=assessment.version)
    move(assessment=returned, action="return", version=returned.version, comment="Sửa")
    import_values(file=_file(GOOD), user=cast.officer_74)
    body = GOOD.replace("85", "90") + "".join(f"{c.code},2023,income,,\n" for c in others)
    before = _snapshot()
    report = import_values(file=_file(body), user=cast.approver_74, status="approved")
    statuses = dict(Assessment.objects.values_list("commune__code", "status"))
    assert statuses == {
        bach_dang.code: "approved",
        others[0].code: "draft",
        others[1].code: "returned",
        others[2].code: "submitted",
    }
    assert (report.assessments_approved, report.assessments_left_open) == (1, 3)
    assert (report.assessments_changed, report.assessments_unchanged) == (1, 3)
    assert _snapshot() != before


def test_an_approved_assessment_or_a_closed_year_that_would_change_is_refused(
    small_set, bach_dang, cast
):
    import_values(file=_file(GOOD), user=cast.approver_74, status="approved")
    [(row, column, _v, message)] = _refused(GOOD.replace("85", "90"), user=cast.officer_74)
    assert (row, column) == (3, "value") and "approved and locked" in message
    import_values(file=_file(GOOD), user=cast.officer_74)  # unchanged: nothing to refuse
    close_year(province=bach_dang.province, year=2024)
    [(row, column, _v, message)] = _refused(GOOD.replace("2023", "2024"), user=cast.officer_74)
    assert (row, column) == (2, "year") and "Year 2024 of" in message and "is closed" in message


def test_a_submitted_assessment_is_not_changed(small_set, bach_dang, cast):
    import_values(file=_file(GOOD), user=cast.officer_74)
    assessment = Assessment.objects.get()
    move(assessment=assessment, action="submit", version=assessment.version)
    [(_row, _c, _v, message)] = _refused(GOOD.replace("có", "0"), user=cast.officer_74)
    assert "submitted for approval" in message


def test_header_and_encoding_problems_are_reported(small_set, cast):
    before = _snapshot()
    with pytest.raises(ImportRefused) as refused:
        import_values(file=io.BytesIO(b"code,year\n1,2\n"), user=cast.national)
    [error] = refused.value.report.errors
    assert (error.row, error.message) == (
        1,
        "The first row must name the columns commune_code,year,measure_code,value,note.",
    )
    with pytest.raises(ImportRefused) as refused:
        import_values(file=io.BytesIO(HEADER.encode() + b"25930,2023,income,\xff,\n"))
    assert refused.value.report.errors[0].message == "The file is not UTF-8 text."
    assert _snapshot() == before


def test_hostile_cells_are_errors_not_crashes(small_set, bach_dang, cast):
    body = (
        "2593\x000,2023,income,50,\n"  # a NUL byte in a code
        "=cmd|' /C calc'!A0,2023,income,50,\n"  # a formula as a code
        '25930,2023,income,50,"a\x00b"\n'  # a NUL byte in a note
        "25930,2023,irrigation,1e3,\n"  # an exponent
        "25930,2023,plan,٠,\n"  # another script's zero
        "\n"  # a blank row: skipped, still counted in the row numbers
        f"25930,2023,crafts,n/a,{'x' * 2001}\n"  # a note too long
    )
    errors = _refused(body, user=cast.national)
    assert [(row, column) for row, column, _v, _m in errors] == [
        (2, "commune_code"),
        (3, "commune_code"),
        (4, "note"),  # the note's fault, at the note
        (5, "value"),
        (6, "value"),
        (8, "note"),
    ]
    assert "null character" in errors[2][3] and "at most 2000 characters" in errors[5][3]


def test_a_flood_of_errors_is_counted_and_the_first_ten_thousand_listed(small_set, cast):
    with pytest.raises(ImportRefused, match="10001 errors") as refused:
        import_values(file=_file("25930,2023,nope,1,\n" * 10_001), user=cast.national)
    report = refused.value.report
    assert (report.error_count, len(report.errors)) == (10_001, 10_000)
    assert report.error_lines()[-1] == "… and 1 more error."


def test_a_cell_beyond_the_csv_limit_is_reported(small_set, cast):
    body = '25930,2023,income,50,"' + "x" * 200_000 + '"\n'
    [(row, column, _value, message)] = _refused(body, user=cast.national)
    assert (row, column, message) == (
        2,
        "",
        "A cell holds more than 131072 characters: no value or note is that long.",
    )


def test_a_code_without_its_leading_zeros_and_a_code_in_capitals_are_read(
    small_set, bach_dang, cast
):
    """A spreadsheet that opened the CSV as numbers dropped the zeros of a code (as the
    template's reader restores them); measure codes are lower case whatever the file says."""
    body = "25930,2023,INCOME,50,\n25930,2023,Irrigation,85,\n"
    report = import_values(file=_file(body), user=cast.officer_74, dry_run=True)
    assert (report.values_created, report.error_count) == (2, 0)
    [(_row, column, value, _message)] = _refused("930,2023,income,50,\n", user=cast.national)
    assert (column, value) == ("commune_code", "00930")  # 930 is read as the map writes it


def test_a_file_the_header_cannot_be_read_of_is_refused_at_row_1(small_set, cast):
    for data in ("commune_code,year".encode("utf-16"), b"\xff\xfe\x00binary"):
        [(row, _column, _value, message)] = _refused_bytes(data, cast.national)
        assert row == 1 and message == "The file is not UTF-8 text."


def test_a_header_separated_by_semicolons_says_so(small_set, cast):
    data = b"commune_code;year;measure_code;value;note\n25930;2023;income;50;\n"
    [(row, _column, _value, message)] = _refused_bytes(data, cast.national)
    assert (row, message) == (
        1,
        "The columns are separated by semicolons: save the file as CSV with commas (UTF-8).",
    )


def _refused_bytes(data: bytes, user) -> list:
    with pytest.raises(ImportRefused) as refused:
        import_values(file=io.BytesIO(data), user=user)
    return [(e.row, e.column, e.value, e.message) for e in refused.value.report.errors]


def _queries(body: str, user) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        import_values(file=_file(body), user=user)
    return len(queries)


def test_the_queries_do_not_grow_with_the_rows(small_set, cast):
    """Communes, assessments and values are loaded per chunk of rows, and written in bulk."""
    codes = Commune.objects.rural(2021).filter(structure="2021", province__code="74")
    codes = list(codes.order_by("code").values_list("code", flat=True)[:41])
    rows = [f"{code},2023,{m},{v},\n" for code in codes for m, v in (("income", 55), ("plan", 1))]
    access_for(cast.officer_74)  # read once per user, then cached on it
    selectors.scorer_for(small_set)  # compiled once per process, then kept
    few, many = (
        _queries("".join(rows[:2]), cast.officer_74),
        _queries("".join(rows[2:]), cast.officer_74),
    )
    assert few == many
    again = [row.replace(",55,", ",56,") for row in rows]  # changes to existing assessments
    assert _queries("".join(again[:2]), cast.officer_74) == _queries(
        "".join(again[2:]), cast.officer_74
    )


def test_a_dry_run_reports_and_writes_nothing(small_set, bach_dang, cast):
    before = _snapshot()
    report = import_values(file=_file(GOOD), user=cast.officer_74, dry_run=True)
    assert (report.assessments_created, report.values_created) == (1, 3)
    assert _snapshot() == before


def test_the_command_imports_reports_and_refuses(small_set, bach_dang, cast, tmp_path, capsys):
    path = tmp_path / "values.csv"
    path.write_bytes(_file(GOOD).getvalue())
    call_command("import_assessments", str(path), "--dry-run", "--user", "officer_74")
    out = capsys.readouterr()
    assert "Dry run: nothing was written." in out.out and "values created: 3" in out.out
    assert "3 rows read" in out.err  # the progress, on the terminal
    assert not Assessment.objects.exists()
    call_command("import_assessments", str(path), "--user", "officer_74")
    assert Assessment.objects.get().values.count() == 3
    path.write_bytes(_file("99999,2023,income,1,\n25930,2023,nope,1,\n").getvalue())
    with pytest.raises(CommandError, match="2 errors"):
        call_command("import_assessments", str(path))
    err = capsys.readouterr().err
    assert "Row 2, commune_code “99999”: No commune has this code." in err
    assert "Row 3, measure_code “nope”: No measure has this code in TEST-2021-2025." in err


def test_fifty_thousand_rows_import_in_bulk(small_set, cast):
    """Every rural commune of the 2021 map, four measures, as many years as 50,000 rows need."""
    codes = list(
        Commune.objects.rural(2021)
        .filter(structure="2021")
        .order_by("code")
        .values_list("code", flat=True)[:6250]
    )
    assert len(codes) == 6250
    rows = [
        f"{code},{year},{measure},{value},\n"
        for year in (2022, 2023)
        for code in codes
        for measure, value in (("income", '"55,5"'), ("irrigation", "81"), ("plan", "1"))
    ] + [f"{code},{year},crafts,n/a,không có\n" for year in (2022, 2023) for code in codes]
    assert len(rows) == 50_000
    started = time.perf_counter()
    report = import_values(file=_file("".join(rows)), user=cast.national)
    seconds = time.perf_counter() - started
    assert (report.assessments_created, report.values_created) == (12_500, 50_000)
    assert AssessmentValue.objects.count() == 50_000
    assert Assessment.objects.filter(level="standard").count() == 12_500
    print(f"50,000 rows imported in {seconds:.1f} s")  # noqa: T201 (the measure, with -s)


URL = "/api/v1/imports/"


def _upload(body: str, name: str = "values.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, _file(body, bom=True).getvalue(), content_type="text/csv")


def test_the_api_imports_and_answers_the_counts(small_set, bach_dang, api, cast):
    response = api(cast.officer_74).post(URL, {"file": _upload(GOOD)}, format="multipart")
    assert response.status_code == 201
    body = response.json()
    assert (body["assessments_created"], body["values_created"], body["errors"]) == (1, 3, [])
    again = api(cast.officer_74).post(
        URL, {"file": _upload(GOOD), "dry_run": "true"}, format="multipart"
    )
    assert again.status_code == 200
    assert (again.json()["dry_run"], again.json()["values_unchanged"]) == (True, 3)


def test_the_api_refuses_a_bad_file_with_every_error(small_set, bach_dang, api, cast):
    before = _snapshot()
    body = "99999,2023,income,50,\n25930,2023,irrigation,abc,\n"
    response = api(cast.officer_74).post(URL, {"file": _upload(body)}, format="multipart")
    assert response.status_code == 400
    answer = response.json()
    assert (answer["code"], answer["report"]["error_count"]) == ("invalid_file", 2)
    assert answer["errors"]["file"][0] == "Row 2, commune_code “99999”: No commune has this code."
    second = answer["report"]["errors"][1]
    assert (second["row"], second["column"], second["value"]) == (3, "value", "abc")
    assert "“abc” is not a number." in second["message"]
    assert _snapshot() == before


def test_the_api_checks_who_imports_what(small_set, bach_dang, api, cast):
    anonymous = api().post(URL, {"file": _upload(GOOD)}, format="multipart")
    assert anonymous.status_code == 401
    approved = {"file": _upload(GOOD), "status": "approved"}
    refused = api(cast.officer_74).post(URL, approved, format="multipart")
    assert refused.status_code == 403
    assert (
        refused.json()["message"] == "Only approvers and the national office import approved data."
    )
    other = api(cast.officer_20).post(URL, {"file": _upload(GOOD)}, format="multipart")
    assert other.status_code == 400
    assert other.json()["report"]["error_count"] == 3  # each row: Bình Dương is not theirs
    missing = api(cast.officer_74).post(URL, {}, format="multipart")
    assert missing.status_code == 400 and "file" in missing.json()["errors"]
    assert not Assessment.objects.exists()
    done = api(cast.approver_74).post(URL, approved | {"file": _upload(GOOD)}, format="multipart")
    assert done.status_code == 201 and done.json()["assessments_approved"] == 1


def test_a_report_lists_the_first_values_it_overwrites_and_counts_the_rest(
    small_set, bach_dang, cast, monkeypatch
):
    from criteria.services import imports

    import_values(file=_file(GOOD), user=cast.officer_74)
    monkeypatch.setattr(imports, "CHANGES_KEPT", 1)
    body = "25930,2023,income,61,\n25930,2023,irrigation,,\n"
    report = import_values(file=_file(body), user=cast.officer_74, dry_run=True)
    [change] = report.value_changes
    assert (change.measure_code, change.row, change.after.number) == ("income", 2, 61)
    assert report.values_changed + report.values_cleared == 2  # the other one counted


def test_a_percentage_may_be_written_with_its_sign_and_nothing_else_may(small_set, bach_dang, cast):
    report = import_values(file=_file("25930,2023,irrigation,85%,\n"), user=cast.officer_74)
    assert report.values_created == 1
    assert AssessmentValue.objects.get().number == 85
    [(_row, column, value, message)] = _refused("25930,2023,income,50%,\n", user=cast.officer_74)
    assert (column, value, message) == (
        "value",
        "50%",
        "Only a percentage is written with a % sign.",
    )


def test_a_quoted_header_separated_by_semicolons_says_so(small_set, cast):
    data = b'"commune_code";"year";"measure_code";"value";"note";\n'
    [(row, _column, _value, message)] = _refused_bytes(data, cast.national)
    assert row == 1 and message.startswith("The columns are separated by semicolons")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (  # never closed: the rows after it were read as the note, and lost
            '25930,2023,income,50,"Theo báo cáo số 12\n25930,2023,irrigation,85,\n',
            "A quotation mark opened in this row is never closed: the rest of the file would "
            "be read as one cell.",
        ),
        (  # `"a"b` was read as "ab"
            '25930,2023,income,50,"Theo"QĐ\n',
            "A quoted cell must end at its closing quotation mark, before the comma (a "
            "quotation mark inside a quoted cell is written twice).",
        ),
    ],
)
def test_a_quotation_mark_out_of_place_is_an_error_at_its_row(small_set, cast, body, message):
    assert _refused(body, user=cast.national) == [(2, "", "", message)]


def test_empty_columns_after_the_last_are_read_as_nothing(small_set, bach_dang, cast):
    """A spreadsheet writes the columns it ever formatted: ``note,,`` and ``,,`` at the end."""
    body = io.BytesIO(
        b"commune_code,year,measure_code,value,note,,\n25930,2023,income,50,,,\n"
        b"25930,2023,irrigation,85,\n"
    )
    report = import_values(file=body, user=cast.officer_74)
    assert (report.values_created, report.error_count) == (2, 0)
    [(row, _column, _value, message)] = _refused("25930,2023,income,50,,x\n", user=cast.national)
    assert (row, message) == (2, "Expected 5 cells, found 6.")  # a cell filled is not dropped


def test_a_preview_on_the_embedded_database_takes_no_write_lock(
    reloads_units_after, transactional_db, small_set, bach_dang, cast
):
    """On SQLite every transaction takes the write lock as it begins (settings), so a preview,
    which writes nothing, read inside one queued behind every save and every other preview;
    on PostgreSQL it reads in one transaction, as the import it previews."""
    inside = []
    import_values(
        file=_file(GOOD),
        user=cast.officer_74,
        dry_run=True,
        progress=lambda rows: inside.append(connection.in_atomic_block),
    )
    assert inside == [connection.vendor != "sqlite"]
    assert not Assessment.objects.exists()
