"""The portal's benchmark: each figure beside its floor, the same rows read or written by the
database alone (a raw psycopg2 query and json.dumps, or COPY), measured in the same run.

    python bench/run.py --quick          # a few provinces, a few minutes
    python bench/run.py                  # every province of the 2021 map: the national data set
    python bench/run.py --quick --only rescoring,detail   # time those rows alone, not written

It builds its data set in its own PostgreSQL database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/ntm_bench) through the project's own bulk path, the import
service (criteria.services.imports.import_values) fed one long CSV per year, so that the data
is what officers' files make. It builds it in steps (1, 8 and 63 provinces; 1 and 3 with
--quick; ``--steps``) and after each step times every row of issue #14's table, medians of
``--repeat`` runs, so that what grows with the data shows; it writes bench/RESULTS.md (a
summary of the ratios by step, then each step's table, with the machine, date and commit). A
data set already built for the same provinces and years is reused and measured alone
(``--rebuild`` drops the bench database and starts again).

Values are drawn at random (fixed seed) within each measure's type; they are not legal
figures and never leave the bench database.
"""

import argparse
import csv
import datetime
import io
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ntm_bench"
QUICK_PROVINCES = ["20", "22", "74"]  # Lạng Sơn, Quảng Ninh, Bình Dương
YEARS = range(2021, 2026)
DRAFT_YEAR = 2024  # left open, so that rescoring a year has work to do
STATS_YEAR = 2023


def _environment(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ntm_portal.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-key-not-for-any-deployment")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    for name in ("DJANGO_SECURE_SSL_REDIRECT", "DJANGO_SECURE_COOKIES", "DJANGO_HSTS_SECONDS"):
        os.environ.setdefault(name, "0")
    os.environ.setdefault("DJANGO_ANON_THROTTLE", "1000000/minute")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")


def _create_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


def _drop_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    admin.close()
    (ROOT / "bench" / f".dataset-{name}.json").unlink(missing_ok=True)
    say(f"dropped the bench database {name}: building it again")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def median_ms(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


# --- the data set ----------------------------------------------------------------------------


def _value(measure, rng: random.Random) -> str:
    if measure.value_type == "bool":
        return "1" if rng.random() < 0.85 else "0"
    if measure.value_type == "percent":
        return f"{rng.uniform(40, 100):.1f}"
    if measure.value_type == "count":
        return str(rng.randint(0, 12))
    if measure.value_type == "change":
        return f"{rng.uniform(-5, 15):.1f}"
    return f"{rng.uniform(10, 120):.1f}"


def year_csv(year: int, communes, measures, rng: random.Random) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["commune_code", "year", "measure_code", "value", "note"])
    for commune in communes:
        for measure in measures:
            writer.writerow([commune.code, year, measure.code, _value(measure, rng), ""])
    return out.getvalue().encode()


def build(provinces: list[str], have: list[str], rebuild: bool) -> dict:
    """Bring the bench database to ``provinces`` (the 2021 map's codes), importing those not in
    ``have`` (what an earlier step of this run built): each year's long CSV of their rural
    communes through the import service. Returns the import's timing of STATS_YEAR, {} when
    nothing was imported (a data set already built for the same provinces and years is
    reused, unless ``rebuild``)."""
    from django.core.management import call_command
    from django.db import connection

    from communes.models import Commune
    from criteria.models import Assessment, Measure
    from criteria.selectors import ladder_for_year
    from criteria.services.imports import import_values

    call_command("migrate", verbosity=0)
    marker = {"provinces": provinces, "years": list(YEARS)}
    database = connection.settings_dict["NAME"]
    state = ROOT / "bench" / f".dataset-{database}.json"  # what this database holds
    built = Assessment.objects.exists() and state.exists() and json.loads(state.read_text())
    if built and {k: built.get(k) for k in marker} == marker and not rebuild:
        say("the data set is already built: reusing it (--rebuild to start again)")
        return built.get("import", {})
    if not have and Assessment.objects.exists():
        raise SystemExit(
            "the bench database holds another data set: drop it first "
            "(--rebuild drops and builds it again)"
        )
    if not have:
        say("loading the map and the criteria sets")
        for structure in ("2021", "2025"):
            call_command("load_admin_units", structure=structure, verbosity=0)
        call_command("load_lineage", verbosity=0)
        call_command("load_criteria", verbosity=0)
    added = [code for code in provinces if code not in have]
    rng = random.Random(14 + len(have))
    timings = {}
    for year in YEARS:
        cset = ladder_for_year(year).criteria_set
        measures = list(Measure.objects.filter(criteria_set=cset).exclude(source="derived"))
        communes = list(
            Commune.objects.rural()
            .filter(structure="2021", province__code__in=added)
            .order_by("code")
        )
        data = year_csv(year, communes, measures, rng)
        status = "draft" if year == DRAFT_YEAR else "approved"
        rows = data.count(b"\n") - 1
        # The planner's statistics as autovacuum keeps them between a province's imports (a
        # year's import changes a quarter of the tables: it analyses them within a minute);
        # back to back, the last import's rows were unknown to the planner.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        say(f"{year}: importing {rows:,} values of {len(communes):,} communes as {status}")
        start = time.perf_counter()
        import_values(
            file=io.BytesIO(data),
            status=status,
            progress=lambda n: say(f"  {n:,} rows read") if n % 100_000 == 0 else None,
        )
        timings[year] = (rows, time.perf_counter() - start, data)
        say(f"  done in {timings[year][1]:.1f} s")
    seed_ocop(added)
    rows_n, seconds, data = timings[STATS_YEAR]
    measured = {"rows": rows_n, "seconds": seconds, "copy_ms": _copy_ms(data)}
    measured["when"] = datetime.date.today().isoformat()
    measured["provinces"] = len(added)
    state.write_text(json.dumps({**marker, "import": measured}))
    return measured


def seed_ocop(provinces: list[str]) -> None:
    """OCOP producers, products and evaluations for every rural commune of ``provinces``, by
    the demo's generator (bulk inserts: the database keeps each product's latest evaluation):
    a certified product each, a second one for a third of them, their first certificates from
    2021 to 2024."""
    from communes.models import Commune
    from demo import ocop_products

    communes = Commune.objects.rural().filter(structure="2021", province__code__in=provinces)
    ids = list(communes.order_by("code").values_list("pk", flat=True))
    written = ocop_products.seed({pk: 2021 + index % 4 for index, pk in enumerate(ids)})
    say(f"OCOP: {written.products:,} products, {written.evaluations:,} evaluations")


# --- the measurements --------------------------------------------------------------------------


def measure(
    provinces: list[str], repeat: int, timings: dict, only: list[str] | None = None
) -> list[dict]:
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client

    from criteria.models import Assessment
    from criteria.services import recompute
    from criteria.services.results import default_workers

    # The tables as autovacuum keeps them on a database in use: the planner's statistics
    # (without them a freshly loaded database runs plans no deployment would) and no dead rows
    # (an earlier run's rolled-back measurements left millions, and the change log's dead rows
    # slowed every cached answer's version check by half a millisecond). A server without
    # autovacuum (this machine's) would otherwise measure what none in use looks like.
    connection.ensure_connection()
    with connection.cursor() as cursor:
        autocommit = connection.get_autocommit()
        connection.set_autocommit(True)  # VACUUM runs outside a transaction
        try:
            cursor.execute("VACUUM ANALYZE")
        finally:
            connection.set_autocommit(autocommit)
    client = Client()
    rows: list[dict] = []

    def floor(sql: str, params=(), with_governing: int | None = None) -> Callable[[], object]:
        """The raw query and json.dumps of its rows; ``with_governing``: a year whose
        governing criteria set the query names as ``governing`` (as CriteriaSet.governing)."""
        if with_governing is not None:
            sql = (
                "WITH governing AS (SELECT id FROM criteria_criteriaset WHERE first_year <= "
                f"{int(with_governing)} AND last_year >= {int(with_governing)} "
                "ORDER BY first_year DESC, id DESC LIMIT 1) " + sql
            )

        def run():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return json.dumps(cursor.fetchall(), default=str)

        return run

    def api(path: str) -> Callable[[], object]:
        def run():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response.content

        return run

    def row(work: str, portal: Callable, floor_work: Callable, note: str = "", n: int = repeat):
        if only and not any(word in work for word in only):
            return
        portal()  # warm: the first call of a process loads what every later one reuses
        floor_work()
        portal_ms, floor_ms = median_ms(portal, n), median_ms(floor_work, n)
        rows.append(
            {
                "work": work,
                "portal": portal_ms,
                "floor": floor_ms,
                "ratio": portal_ms / floor_ms if floor_ms else None,
                "note": note,
            }
        )
        say(f"{work}: {portal_ms:.1f} ms against {floor_ms:.1f} ms")

    year_values = (
        "SELECT v.assessment_id, v.measure_id, v.number, v.flag, v.not_applicable "
        "FROM criteria_assessmentvalue v JOIN criteria_assessment a ON a.id = v.assessment_id "
        "WHERE a.year = %s"
    )
    workers = default_workers()
    row(
        f"rescoring the open assessments of {DRAFT_YEAR} (recompute_scores)",
        lambda: recompute(year=DRAFT_YEAR, workers=workers),
        floor(year_values, [DRAFT_YEAR]),
        f"as the command runs it: {workers} process(es), one a core; floor: the raw read of "
        "the year's values",
        n=max(3, repeat // 3),
    )
    row(
        f"rescoring the open assessments of {DRAFT_YEAR} in one process",
        lambda: recompute(year=DRAFT_YEAR),
        floor(year_values, [DRAFT_YEAR]),
        "as the background job runs it (criteria.jobs.rescore_year)",
        n=max(3, repeat // 3),
    )

    def cached_and_built(work: str, portal, floor_work, built_note: str, alias: str, note=""):
        """Two rows: the answer read again (from the cache, core.answers) and built (the cache
        emptied first, as the first read after a write finds it)."""
        row(work, portal, floor_work, f"read again, nothing written since: from the cache; {note}")

        def built():
            caches[alias].clear()
            return portal()

        row(f"{work}, built (not in the cache)", built, floor_work, f"{built_note}; {note}")

    one = Assessment.objects.filter(year=STATS_YEAR).order_by("pk").first()
    cached_and_built(
        "assessment detail",
        api(f"/api/v1/assessments/{one.pk}/"),
        floor(
            "SELECT a.*, v.* FROM criteria_assessment a "
            "JOIN criteria_assessmentvalue v ON v.assessment_id = a.id WHERE a.id = %s",
            [one.pk],
        ),
        "the first read after a write: the assessment, values and steps read, the breakdown scored",
        "details",
        "floor: the assessment and its values",
    )
    cached_and_built(
        "assessments list, 500",
        api(f"/api/v1/assessments/?year={STATS_YEAR}&page_size=500"),
        floor(  # the rows an anonymous reader gets with what they show, read as the list reads
            "SELECT a.id, c.code, c.name, p.code, p.name, d.code, d.name, a.year, s.code, "
            "a.status, a.version, a.level, a.criteria_met, a.criteria_met_by_level, a.complete, "
            "a.uses_unverified, a.class_value, e.number, a.scored_at, a.updated_at "
            "FROM criteria_assessment a JOIN communes_commune c ON c.id = a.commune_id "
            "JOIN communes_province p ON p.id = c.province_id "
            "LEFT JOIN communes_district d ON d.id = c.district_id "
            "JOIN criteria_criteriaset s ON s.id = a.criteria_set_id "
            "LEFT JOIN criteria_edition e ON e.id = a.edition_id "
            "WHERE a.year >= %s AND a.year <= %s AND a.status = 'approved' "
            "ORDER BY a.year, a.id LIMIT 500",
            [STATS_YEAR, STATS_YEAR],
        ),
        "the first read after a write: counted, read and written",
        "lists",
        "floor: the same rows with the names they show (commune, province, district, set, "
        "edition joined)",
    )
    province = provinces[0]
    cached_and_built(
        f"communes ?year&province={province}, 500",
        api(f"/api/v1/communes/?year={STATS_YEAR}&province={province}&page_size=500"),
        floor(  # what the page shows of each commune, read as the portal reads it
            "SELECT c.code, c.name, c.kind, COALESCE("
            "(SELECT k.new_kind FROM communes_kindchange k WHERE k.commune_id = c.id "
            "AND k.date <= current_date ORDER BY k.date DESC LIMIT 1), "
            "(SELECT k.old_kind FROM communes_kindchange k WHERE k.commune_id = c.id "
            "AND k.date > current_date ORDER BY k.date LIMIT 1), c.kind) = 'xa', "
            "c.structure, p.code, p.name, c.district_id, d.code, d.name, p.region_id, r.code, "
            "r.name_vi, r.name_en, c.valid_from, c.valid_to, c.latitude, c.longitude, "
            "a.id, a.status, a.level, a.criteria_met, "
            "(SELECT l.code FROM criteria_recognition g JOIN criteria_level l "
            "ON l.id = g.level_id WHERE g.commune_id = c.id AND g.title_year <= %(year)s "
            "AND g.decision_date <= %(end)s AND (g.revoked_date IS NULL OR g.revoked_date > "
            "%(end)s) AND l.criteria_set_id = (SELECT id FROM governing) "
            "ORDER BY l.rank DESC LIMIT 1) "
            "FROM communes_commune c JOIN communes_province p ON p.id = c.province_id "
            "LEFT JOIN communes_district d ON d.id = c.district_id "
            "LEFT JOIN communes_region r ON r.id = p.region_id "
            "LEFT JOIN criteria_assessment a ON a.commune_id = c.id AND a.year = %(year)s "
            "AND a.status = 'approved' AND a.criteria_set_id = (SELECT id FROM governing) "
            "WHERE p.code = %(province)s AND c.structure = '2021' "
            "AND (c.valid_from IS NULL OR c.valid_from <= %(end)s) "
            "AND (c.valid_to IS NULL OR c.valid_to >= %(start)s) "
            "ORDER BY c.structure, c.code LIMIT 500",
            {
                "year": STATS_YEAR,
                "start": datetime.date(STATS_YEAR, 1, 1),
                "end": datetime.date(STATS_YEAR, 12, 31),
                "province": province,
            },
            with_governing=STATS_YEAR,
        ),
        "the first read after a write: counted, read and written",
        "lists",
        "floor: the same rows with what they show (names, region, the year's approved "
        "assessment under the governing set joined; the kind on the day and the recognised "
        "level in subqueries)",
    )
    grouped = (
        "SELECT c.province_id, a.level, count(*), sum(a.criteria_met) "
        "FROM criteria_assessment a JOIN communes_commune c ON c.id = a.commune_id "
        "WHERE a.year = %s AND a.status = 'approved' {where} GROUP BY 1, 2"
    )
    row(
        "stats/national",
        api(f"/api/v1/stats/national/?year={STATS_YEAR}"),
        floor(grouped.format(where=""), [STATS_YEAR]),
        "floor: approved assessments grouped by province and level",
    )
    row(
        f"stats/provinces/{province}",
        api(f"/api/v1/stats/provinces/{province}/?year={STATS_YEAR}"),
        floor(
            grouped.format(
                where="AND c.province_id = (SELECT id FROM communes_province "
                "WHERE code = %s AND structure = '2021')"
            ),
            [STATS_YEAR, province],
        ),
    )
    row(
        "criteria set",
        api("/api/v1/criteria-sets/NTM-2021-2025/"),
        floor(
            "SELECT l.code, c.number, i.code, m.code FROM criteria_level l "
            "JOIN criteria_criteriaset s ON s.id = l.criteria_set_id "
            "JOIN criteria_criterion c ON c.level_id = l.id "
            "JOIN criteria_indicator i ON i.criterion_id = c.id "
            "JOIN criteria_measure m ON m.id = i.measure_id WHERE s.code = %s",
            ["NTM-2021-2025"],
        ),
    )
    cached_and_built(
        "OCOP products",
        api("/api/v1/ocop/products/?page_size=500"),
        floor(
            "SELECT p.*, e.stars, e.decision_date, e.valid_until FROM ocop_product p "
            "JOIN ocop_evaluation e ON e.id = p.latest_evaluation_id WHERE e.stars >= 3 "
            "AND e.valid_until >= current_date "
            "AND (e.revoked_date IS NULL OR e.revoked_date > current_date) "
            "ORDER BY p.name, p.id LIMIT 500"
        ),
        "the first read after a write: checked, counted, read and written",
        "lists",
        "anonymous: the products certified today, with their rating",
    )
    stored_work = f"storing the values of {STATS_YEAR} as an import must, SQL alone"
    into_table = None  # COPY of the year's values into the values table, the import's floor
    if not only or any(word in stored_work for word in only):
        share, into_table = _database_share(stored_work, STATS_YEAR, max(3, repeat // 3))
        rows.append(share)
    if timings and not only:  # measured once, while the data set was built
        held = f"{timings['rows']:,} values, approved"
        imported = {
            "work": f"import of {STATS_YEAR}: {held}",
            "scale_note": f"the {timings.get('provinces', '?')} province(s) this step added",
            "portal": timings["seconds"] * 1000,
        }
        once = f"once, while building ({timings['when']}), after ANALYZE"
        rows.append(
            imported
            | {
                "floor": timings["copy_ms"],
                "ratio": timings["seconds"] * 1000 / timings["copy_ms"],
                "note": f"{once}; floor: COPY of the same CSV into a plain table (no keys, no "
                "indexes)",
            }
        )
        if into_table:
            rows.append(
                imported
                | {
                    "work": f"import of {STATS_YEAR}, against the values table: {held}",
                    "floor": into_table,
                    "ratio": timings["seconds"] * 1000 / into_table,
                    "note": f"{once}; floor: COPY of the same rows into the table that holds "
                    "them (criteria_assessmentvalue: keys checked, indexes), rolled back",
                }
            )
    return rows


VALUE_COLUMNS = (
    "assessment_id, measure_id, number, flag, not_applicable, note, evidence_url, "
    "carried_forward, updated_by_id, updated_at"
)


class _Undo(Exception):
    """Raised to roll a measurement's writes back."""


def _database_share(work: str, year: int, repeat: int) -> tuple[dict, float]:
    """What PostgreSQL alone spends storing a year's values as an import must store them: COPY
    into the values table (its keys checked at once, its indexes), then their history rows as
    the import copies them (bulk.copy_to_history), each time in a transaction rolled back;
    beside COPY of the same rows into a plain table of the same columns. With the row, the
    median of the COPY into the values table alone (ms)."""
    from django.db import connection, transaction

    from criteria.models import AssessmentValue
    from criteria.services.bulk import copy_to_history

    of_year = "assessment_id IN (SELECT id FROM criteria_assessment WHERE year = %s)"
    text = io.StringIO()
    with connection.cursor() as cursor:
        select = f"SELECT {VALUE_COLUMNS} FROM criteria_assessmentvalue WHERE {of_year}"
        cursor.copy_expert(cursor.mogrify(f"COPY ({select}) TO STDOUT", [year]).decode(), text)
    data = text.getvalue()
    stored, plain, into_table = [], [], []
    for _ in range(repeat):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM criteria_assessmentvalue WHERE {of_year}", [year])
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                start = time.perf_counter()
                copy = f"COPY criteria_assessmentvalue ({VALUE_COLUMNS}) FROM STDIN"
                cursor.copy_expert(copy, io.StringIO(data))
                into_table.append((time.perf_counter() - start) * 1000)
                copy_to_history(AssessmentValue.objects.filter(assessment__year=year))
                stored.append((time.perf_counter() - start) * 1000)
                cursor.execute(
                    "CREATE TEMP TABLE bench_plain AS "
                    f"SELECT {VALUE_COLUMNS} FROM criteria_assessmentvalue WITH NO DATA"
                )
                start = time.perf_counter()
                cursor.copy_expert("COPY bench_plain FROM STDIN", io.StringIO(data))
                plain.append((time.perf_counter() - start) * 1000)
                raise _Undo
        except _Undo:
            pass
    portal, floor = statistics.median(stored), statistics.median(plain)
    say(f"{work}: {portal:.1f} ms against {floor:.1f} ms")
    return {
        "work": work,
        "portal": portal,
        "floor": floor,
        "ratio": portal / floor,
        "note": f"the database's share of an import of {data.count(chr(10)):,} values: COPY into "
        "the values table (keys checked, indexes) and the history rows, rolled back; floor: "
        "COPY of the same rows into a plain table",
    }, statistics.median(into_table)


def _copy_ms(data: bytes) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_copy (commune_code text, year int, measure_code text, "
            "value text, note text)"
        )
        start = time.perf_counter()
        cursor.copy_expert("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER)", io.BytesIO(data))
        elapsed = (time.perf_counter() - start) * 1000
        cursor.execute("DROP TABLE bench_copy")
    return elapsed


# --- the report ------------------------------------------------------------------------------


def write_results(steps: list[tuple[list[str], list[dict]]], quick: bool) -> Path:
    """The results of each step (the provinces in the database, the rows measured on them):
    a summary of the ratios by step, then each step's table."""
    from communes.models import Commune
    from criteria.models import Assessment, AssessmentValue

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    provinces = steps[-1][0]
    communes = Commune.objects.rural().filter(structure="2021", province__code__in=provinces)
    sizes = ", ".join(str(len(p)) for p, _rows in steps)
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python bench/run.py{' --quick' if quick else ''}` on "
        f"{datetime.date.today().isoformat()}, commit {commit or '?'}; "
        f"{os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}, "
        "PostgreSQL (the bench database).",
        "",
        f"Data set, built step by step ({sizes} province(s)) through the import service: in "
        f"the end {len(provinces)} province(s) ({', '.join(provinces)}), "
        f"{communes.count():,} rural communes x {len(YEARS)} years = "
        f"{Assessment.objects.count():,} assessments, {AssessmentValue.objects.count():,} values "
        f"(years approved, {DRAFT_YEAR} left open), vacuumed and analysed (VACUUM ANALYZE) "
        "before each step's "
        "measures. Medians; each figure beside its floor, measured in the same step.",
        "",
        "## Ratios to the floor, by the provinces in the database",
        "",
        "| work | " + " | ".join(f"{len(p)} province(s)" for p, _rows in steps) + " |",
        "| --- |" + " ---: |" * len(steps),
    ]
    works = list(dict.fromkeys(_work(r) for _p, rows in steps for r in rows))
    for work in works:
        cells = []
        for _p, rows in steps:
            found = next((r for r in rows if _work(r) == work), None)
            cells.append(
                "-" if found is None or found["ratio"] is None else f"{found['ratio']:.1f}x"
            )
        lines.append(f"| {work} | " + " | ".join(cells) + " |")
    for step_provinces, rows in steps:
        lines += [
            "",
            f"## {len(step_provinces)} province(s) in the database",
            "",
            "| work | portal (ms) | floor (ms) | ratio | note |",
            "| --- | ---: | ---: | ---: | --- |",
        ]
        for r in rows:
            ratio = f"{r['ratio']:.1f}x" if r["ratio"] is not None else "-"
            note = "; ".join(filter(None, [r.get("scale_note"), r["note"]]))
            lines.append(
                f"| {r['work']} | {r['portal']:.1f} | {r['floor']:.1f} | {ratio} | {note} |"
            )
    lines.append("")
    path = ROOT / "bench" / ("RESULTS-quick.md" if quick else "RESULTS.md")
    path.write_text("\n".join(lines))
    return path


def _work(row: dict) -> str:
    """A row's work without what varies by step (the values an import held)."""
    return row["work"].split(":")[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few provinces (20, 22, 74)")
    parser.add_argument("--provinces", help="comma-separated province codes (2021 map)")
    parser.add_argument(
        "--steps",
        help="comma-separated numbers of provinces to measure at, the data set growing from "
        "one to the next (default: 1,8,63 for the whole country, 1,3 with --quick)",
    )
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--only",
        help="comma-separated words of the rows to time (e.g. rescoring,detail): those rows "
        "alone, on the data set as it is, printed and not written to the results file",
    )
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("the benchmark runs on PostgreSQL (BENCH_DATABASE_URL)")
    _environment(url)
    if args.rebuild:
        _drop_database(url)
    _create_database(url)

    import logging

    import django

    django.setup()
    logging.getLogger("ntm.security").setLevel(logging.WARNING)  # the bench's own steps
    from django.core.management import call_command

    from communes.models import Province

    if args.provinces:
        provinces = args.provinces.split(",")
    elif args.quick:
        provinces = QUICK_PROVINCES
    else:
        call_command("migrate", verbosity=0)
        if not Province.objects.exists():
            call_command("load_admin_units", structure="2021", verbosity=0)
        provinces = list(
            Province.objects.filter(structure="2021")
            .order_by("code")
            .values_list("code", flat=True)
        )
    only = args.only.split(",") if args.only else None
    if only:
        timings = build(provinces, [], args.rebuild)
        for r in measure(provinces, args.repeat, timings, only):
            say(f"{r['work']}: {r['portal']:.1f} ms / {r['floor']:.1f} ms = {r['ratio']:.1f}x")
        return
    sizes = _steps(args.steps, len(provinces), args.quick or bool(args.provinces))
    if _built() == provinces and not args.rebuild and len(sizes) > 1:
        say(
            "the whole data set is already built: measuring it alone (drop the database to "
            f"measure it growing: {', '.join(map(str, sizes))} provinces)"
        )
        sizes = sizes[-1:]
    steps: list[tuple[list[str], list[dict]]] = []
    have: list[str] = []
    for size in sizes:
        now = provinces[:size]
        timings = build(now, have, args.rebuild)
        say(f"--- measuring with {len(now)} province(s) in the database")
        steps.append((now, measure(now, args.repeat, timings)))
        have = now
    path = write_results(steps, args.quick)
    say(f"written: {path.relative_to(ROOT)}")


def _built() -> list[str] | None:
    """The provinces the bench database holds, as the last build wrote them down."""
    from django.db import connection

    state = ROOT / "bench" / f".dataset-{connection.settings_dict['NAME']}.json"
    return json.loads(state.read_text()).get("provinces") if state.exists() else None


def _steps(asked: str | None, total: int, few: bool) -> list[int]:
    """The numbers of provinces to measure at, ascending and within the data set's."""
    default = [1, total] if few else [1, 8, total]
    sizes = [int(n) for n in asked.split(",")] if asked else default
    return sorted({min(max(1, n), total) for n in sizes})


if __name__ == "__main__":
    main()
