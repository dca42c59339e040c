"""The lineage of 1 July 2025, loaded from the government's conversion table (loaded for every
test by tests/conftest.py): compared with the table row by row, complete for the old rural
communes, every unmatched case resolved in a committed file, idempotent and bulk."""

import io
import math
import shutil
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from communes import selectors
from communes.conversion_table import (
    TableError,
    how_of,
    read_fixes,
    read_new_codes,
    read_table,
)
from communes.models import Commune, Lineage
from communes.services.lineage import (
    FIXES_FILE,
    NEW_CODES_FILE,
    TABLE_FILE,
    load_lineage,
)

pytestmark = pytest.mark.django_db

SPECIAL_ZONES_FROM_DISTRICTS = ["11948", "19742", "20333", "21548", "26732"]
SHARED_TABLE = (
    Path(settings.BASE_DIR).parent
    / "shared"
    / "domain"
    / "lineage-2025"
    / "conversion-table-2025-07-01.csv"
)


def stored() -> set[tuple[str, str, str, str]]:
    return set(Lineage.objects.values_list("old__code", "new__code", "how", "note"))


# --- the report: counts measured on the real table --------------------------------------------


def test_the_report_counts_the_table_and_every_fix():
    report = load_lineage(dry_run=True)
    assert report.rows_read == 10_571
    assert [row.new_code for row in report.rows_without_old_unit] == [
        "11948",
        "14698",  # Kim Đông also takes a coastal alluvial area, not a commune
        "19742",
        "20333",
        "21548",
        "26732",
    ]
    assert report.pairs == 10_554
    assert report.new_units_covered == 3_321 - 5
    assert report.new_units_without_predecessor == SPECIAL_ZONES_FROM_DISTRICTS
    assert report.old_codes_covered == 10_033 - 10
    assert len({table for _row, table, _code in report.recoded}) == 123
    assert (len(report.skipped), len(report.listed_without_successor)) == (11, 28)
    assert report.province_corrected == [(8914, "27691", "82", "80"), (10030, "30781", "89", "91")]
    assert report.unresolved == 0
    assert report.new_names_differ == []  # once recoded, every new unit is the list's


def test_a_second_load_writes_nothing_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    # The old units, the new units, the stored links (and the transaction's savepoint and its
    # release); nothing to write.
    with django_assert_max_num_queries(5):
        report = load_lineage()
    assert (report.created, report.updated, report.deleted) == (0, 0, 0)
    assert report.unchanged == 10_554


def test_a_first_load_is_bulk(django_assert_max_num_queries):
    Lineage.objects.all().delete()
    # 3 reads and the savepoint's 2 statements, then one insert per batch: 1,000 links, or
    # fewer where the database takes fewer parameters a statement (SQLite: 999 // 6).
    fields = [field for field in Lineage._meta.concrete_fields if not field.primary_key]
    batch = min(1000, connection.ops.bulk_batch_size(fields, [None] * 10_554))
    with django_assert_max_num_queries(5 + math.ceil(10_554 / batch)):
        report = load_lineage()
    assert (report.created, report.pairs) == (10_554, Lineage.objects.count())


def test_a_changed_or_stale_link_is_set_right():
    link = Lineage.objects.filter(how="whole").first()
    Lineage.objects.filter(pk=link.pk).update(how="other", note="x")
    extra = Lineage.objects.create(
        old=Commune.objects.get(structure="2021", code="25930"),
        new=Commune.objects.get(structure="2025", code="00004"),
        how="whole",
        legal_source="test",
    )
    report = load_lineage()
    assert (report.created, report.updated, report.deleted) == (0, 1, 1)
    assert Lineage.objects.get(pk=link.pk).how == "whole"
    assert not Lineage.objects.filter(pk=extra.pk).exists()


def test_a_dry_run_reports_and_keeps_nothing():
    Lineage.objects.all().delete()
    report = load_lineage(dry_run=True)
    assert (report.dry_run, report.created) == (True, 10_554)
    assert not Lineage.objects.exists()


# --- completeness and the table, row by row ---------------------------------------------------


def test_every_old_rural_commune_has_a_successor_or_a_listed_reason():
    without = Commune.objects.filter(structure="2021", kind=Commune.Kind.XA)
    without = set(without.filter(successor_links__isnull=True).values_list("code", flat=True))
    reasons = {fix.old_code: fix.reason for fix in read_fixes(FIXES_FILE) if fix.action == "skip"}
    assert len(without) == 19
    assert without <= set(reasons)
    assert all(
        reasons[code].startswith("merged in the first half of 2025, before the conversion table")
        for code in without
    )


def test_the_links_are_the_tables_pairs_as_the_committed_fixes_resolve_them():
    rows = read_table(TABLE_FILE)
    recode = {item.table_code: item.code for item in read_new_codes(NEW_CODES_FILE)}
    skipped = {fix.old_code for fix in read_fixes(FIXES_FILE) if fix.action == "skip"}
    pairs = {(row.old_code, row.new_code) for row in rows if row.old_code}
    fixed = {(old, new) for old, new in pairs if old in skipped}
    expected = {
        (row.old_code, recode.get(row.new_code, row.new_code), how_of(row.note), row.note)
        for row in rows
        if row.old_code and row.old_code not in skipped
    }
    assert (len(pairs), len(fixed)) == (10_565, 11)
    assert len(stored()) == Lineage.objects.count() == len(pairs) - len(fixed)
    assert stored() == expected


def test_the_rows_naming_the_wrong_old_province_link_the_right_unit():
    # Rows 8914 and 10030 name Tiền Giang (82) and An Giang (89); the districts say otherwise.
    for code, district, province in [("27691", "794", "80"), ("30781", "900", "91")]:
        link = Lineage.objects.select_related("old__district", "old__province").get(old__code=code)
        assert (link.old.district.code, link.old.province.code) == (district, province)


def test_the_kinds_of_going_in_are_read_from_the_notes():
    counts = Counter(Lineage.objects.values_list("how", flat=True))
    assert counts["whole"] > 9_000
    assert counts["part"] > 800
    assert counts["unchanged"] == 127
    assert counts["other"] == 3  # free-text notes, kept as written
    assert sum(counts.values()) == 10_554


@pytest.mark.parametrize(
    ("note", "how"),
    [
        ("Nhập toàn bộ", "whole"),
        ("Nhập một phần\n", "part"),
        ("Nhâp một phần diện tích", "part_area"),
        ("Nhập một phần  diện tích", "part_area"),
        ("Nhập một phần diện tích, toàn bộ dân số", "part_area_all_population"),
        ("Giữ nguyên ", "unchanged"),
        ("Đổi tên", "renamed"),
        ("Đổi loại hình", "kind_changed"),
        ("Sắp xếp toàn bộ xã Thổ Châu thành đặc khu Thổ Châu", "whole"),
        ("Phần còn lại sau khi tách một phần vào xã Canh Vinh", "other"),
    ],
)
def test_how_a_unit_went_in(note, how):
    assert how_of(note) == how


@pytest.mark.skipif(not SHARED_TABLE.exists(), reason="../shared is not here")
def test_the_committed_copy_is_the_domain_table():
    assert TABLE_FILE.read_bytes() == SHARED_TABLE.read_bytes()


# --- what the committed files resolve is reported when they do not -----------------------------


@pytest.fixture
def bare_fixes(tmp_path):
    """Empty fixes files: every case of the real table comes out unresolved."""
    fixes, new_codes = tmp_path / "fixes.csv", tmp_path / "new-codes.csv"
    fixes.write_text("old_code,new_code,action,reason\n", encoding="utf-8")
    new_codes.write_text("table_code,code,reason\n", encoding="utf-8")
    return fixes, new_codes


def test_without_the_fixes_every_unmatched_case_is_reported(bare_fixes):
    fixes, new_codes = bare_fixes
    report = load_lineage(fixes=fixes, dry_run=True)
    assert sorted({code for _row, code in report.unmatched_old}) == [
        "03980",
        "03983",
        "03984",
        "26929",
        "26953",
        "27076",
        "27226",
        "27232",
        "27367",
        "27373",
    ]
    assert len(report.old_rural_without_successor) == 19
    assert report.unmatched_new == []
    report = load_lineage(fixes=fixes, new_codes=new_codes, dry_run=True)
    assert len({code for _row, code in report.unmatched_new}) == 114
    # The nine codes the list gives to another unit are matched, and the names say so.
    assert len({code for _row, code, _table, _list in report.new_names_differ}) == 9


def test_a_fix_that_matches_nothing_is_reported_and_a_map_is_loaded(bare_fixes):
    fixes, new_codes = bare_fixes
    fixes.write_text(
        "old_code,new_code,action,reason\n"
        "99999,,skip,a unit that does not exist\n"
        "25930,00004,map,a made-up link for the test\n",
        encoding="utf-8",
    )
    report = load_lineage(fixes=fixes, new_codes=new_codes)
    assert [fix.old_code for fix in report.unused_fixes] == ["99999"]
    link = Lineage.objects.get(old__code="25930", new__code="00004", new__structure="2025")
    assert (link.how, link.legal_source) == ("other", "a made-up link for the test")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("old_code,new_code,action,reason\n1234,,skip,x\n", "row 2: old_code '1234' must be"),
        ("old_code,new_code,action,reason\n12345,,drop,x\n", "row 2: action 'drop' must be"),
        ("old_code,new_code,action,reason\n12345,,skip,\n", "row 2: give the reason"),
        ("old_code,new_code,action,reason\n12345,,map,x\n", "row 2: a map needs its new_code"),
        ("old,new\n", "columns must be old_code,new_code,action,reason"),
    ],
)
def test_a_bad_fixes_file_is_refused_with_its_row(tmp_path, content, message):
    path = tmp_path / "fixes.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TableError, match=message):
        load_lineage(fixes=path)


def test_a_bad_table_is_refused_with_its_row(tmp_path):
    path = tmp_path / "table.csv"
    shutil.copy(TABLE_FILE, path)
    text = path.read_text(encoding="utf-8").replace(
        ",00004,Phường Trúc Bạch,", ",0004,Phường Trúc Bạch,", 1
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TableError, match="row 4: new code '0004' must be 5 digits"):
        load_lineage(table=path)
    path.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(TableError, match="row 2 must name the columns"):
        load_lineage(table=path)


# --- the command ------------------------------------------------------------------------------


def test_the_command_reports_and_a_dry_run_writes_nothing():
    Lineage.objects.all().delete()
    out, err = io.StringIO(), io.StringIO()
    call_command("load_lineage", "--dry-run", stdout=out, stderr=err)
    lines = out.getvalue().splitlines()
    assert (
        lines[0]
        == "dry run, nothing written: rows read: 10571 (6 without an old commune-level unit)"
    )
    assert lines[1] == "pairs: 10554 (10554 created, 0 updated, 0 deleted, 0 unchanged)"
    assert lines[2].startswith("new units covered: 3316 (without a predecessor: 11948, 19742")
    assert "old codes covered: 10023" in lines
    assert lines[-1] == "unresolved: 0"
    assert err.getvalue() == ""
    assert not Lineage.objects.exists()


def test_the_command_lists_the_details_at_verbosity_2_and_refuses_a_missing_file(tmp_path):
    out = io.StringIO()
    call_command("load_lineage", verbosity=2, stdout=out)
    assert "no successor: 01651: merged in the first half of 2025" in out.getvalue()
    with pytest.raises(CommandError, match="No such file"):
        call_command("load_lineage", str(tmp_path / "missing.csv"))
    quiet = io.StringIO()
    call_command("load_lineage", verbosity=0, stdout=quiet)
    assert quiet.getvalue() == ""


# --- reading the lineage: predecessors and successors -----------------------------------------


def test_a_new_unit_reads_its_predecessors_with_how_they_went_in(django_assert_num_queries):
    ba_dinh = Commune.objects.get(structure="2025", code="00004")
    with django_assert_num_queries(1):
        links = list(selectors.predecessors(ba_dinh))
        olds = [(link.old.code, link.how, link.old.district.code) for link in links]
    assert ("00004", "whole", "001") in olds  # Phường Trúc Bạch, old code reused
    assert ("00016", "part", "001") in olds  # Phường Ngọc Hà, in part
    assert ("00112", "part_area", "003") in olds  # Phường Thụy Khuê, of Tây Hồ
    assert [code for code, _how, _district in olds] == sorted(code for code, *_ in olds)
    assert all(link.is_partial == (link.how != "whole") for link in links)


def test_an_old_unit_split_in_parts_reads_each_successor():
    ngoc_ha = Commune.objects.get(structure="2021", code="00016")
    links = list(selectors.successors(ngoc_ha))
    assert len(links) >= 2
    assert {link.new.structure for link in links} == {"2025"}
    assert "00004" in [link.new.code for link in links]
    assert list(selectors.successors(Commune.objects.get(structure="2021", code="01651"))) == []


def test_many_units_read_their_lineage_in_one_query(django_assert_num_queries):
    new = list(Commune.objects.filter(structure="2025", province__code="01"))
    old = list(Commune.objects.filter(structure="2021", province__code="01"))
    with django_assert_num_queries(1):
        before = selectors.predecessors_by_commune(new)
        names = {link.old.province.code for links in before.values() for link in links}
    with django_assert_num_queries(1):
        after = selectors.successors_by_commune(old)
    assert set(before) == {c.pk for c in new} and set(after) == {c.pk for c in old}
    assert all(before.values()) and names == {"01"}
    assert sum(map(len, before.values())) == Lineage.objects.filter(new__in=new).count()
    assert all(after.values())  # every old unit of Hà Nội went somewhere


def test_admin_lists_the_lineage_read_only(admin_client):
    response = admin_client.get("/admin/communes/lineage/", {"q": "truc bach"})
    assert response.status_code == 200
    assert [link.old.code for link in response.context["cl"].result_list] == ["00004"]
    assert admin_client.get("/admin/communes/lineage/add/").status_code == 403
