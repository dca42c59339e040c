"""A load test of the portal as it is served: gunicorn (gunicorn.conf.py, production settings)
on the bench database, with Redis for the cache, the throttle counts and sessions, driven from
this second process by N clients for S seconds, each sending the next request as soon as the
last one is answered: a run with each client on its own keep-alive connection, then a run with
a new connection for each request, as a reverse proxy in front of gunicorn opens them
(--connections to run one of them).

    python bench/load.py                       # 50 clients, 60 s a run, on the bench database
    python bench/load.py --clients 10 --seconds 15 --database-url postgres://.../ntm_bench_quick

The mix is the issue's: lists, details and statistics, 70% of the clients anonymous, the
others with an API token of a national user created for the run. Answers other than 200 are
errors. Writes the requests per second, the latency percentiles per kind of request and the
resident memory of each gunicorn worker at the end to bench/LOAD.md (or --output).

The data set is the benchmark's (bench/run.py builds it); the portal is started and stopped
here, on 127.0.0.1 only, and every loop is bounded in count and time.
"""

import argparse
import asyncio
import datetime
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ntm_bench"
# (kind, weight): what a dashboard and the officers' lists ask most.
MIX = [
    ("assessments list", 20),
    ("assessment detail", 25),
    ("communes list", 15),
    ("stats/national", 10),
    ("stats/provinces", 15),
    ("criteria set", 5),
    ("OCOP products", 10),
]
MAX_REQUESTS = 1_000_000  # a bound on the loop whatever the duration


def _ids(database_url: str) -> dict:
    """What the requests name: assessments, provinces, years, the criteria set."""
    import psycopg2

    with psycopg2.connect(database_url) as db, db.cursor() as cursor:
        # Approved ones: the public's clients would get a 404 for a draft, as they should.
        cursor.execute(
            "SELECT id FROM criteria_assessment WHERE status = 'approved' "
            "ORDER BY random() LIMIT 2000"
        )
        assessments = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT DISTINCT p.code FROM criteria_assessment a JOIN communes_commune c "
            "ON c.id = a.commune_id JOIN communes_province p ON p.id = c.province_id"
        )
        provinces = sorted(row[0] for row in cursor.fetchall())
        cursor.execute("SELECT DISTINCT year FROM criteria_assessment ORDER BY year")
        years = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT code FROM criteria_criteriaset ORDER BY first_year LIMIT 1")
        criteria_set = cursor.fetchone()[0]
    if not assessments:
        raise SystemExit("bench/load.py: the database holds no assessment: run bench/run.py first")
    return {"assessments": assessments, "provinces": provinces, "years": years, "set": criteria_set}


def _path(kind: str, ids: dict, rng: random.Random) -> str:
    year = rng.choice(ids["years"])
    province = rng.choice(ids["provinces"])
    if kind == "assessments list":
        return f"/api/v1/assessments/?year={year}&province={province}&page_size=100"
    if kind == "assessment detail":
        return f"/api/v1/assessments/{rng.choice(ids['assessments'])}/"
    if kind == "communes list":
        return f"/api/v1/communes/?year={year}&province={province}&page_size=100"
    if kind == "stats/national":
        return f"/api/v1/stats/national/?year={year}"
    if kind == "stats/provinces":
        return f"/api/v1/stats/provinces/{province}/?year={year}"
    if kind == "criteria set":
        return f"/api/v1/criteria-sets/{ids['set']}/"
    return f"/api/v1/ocop/products/?province={province}&page_size=100"


class ClosedUnanswered(ConnectionError):
    """The server closed the connection before any byte of the answer."""


async def _read_response(reader) -> tuple[int, bool]:
    """One HTTP/1.1 answer read off the connection: its status, and whether the server closes
    the connection after it (``Connection: close``)."""
    status_line = await reader.readline()
    if not status_line:
        raise ClosedUnanswered("connection closed before an answer")
    status = int(status_line.split()[1])
    length, chunked, closing = 0, False, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
        elif name == "connection" and "close" in value.lower():
            closing = True
    if chunked:
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, closing


async def _client(number, args, ids, token, deadline, results, errors):
    """One client on its keep-alive connection, as a browser or urllib3 keeps one: a new
    connection after an answer that says ``Connection: close``, and a GET sent again, once, on
    a new connection when the server had closed the kept one before answering (a worker
    replaced after gunicorn's max_requests closes its idle connections; RFC 9112, 9.3.1, lets
    a client retry an idempotent request then). Each such retry is counted and reported; the
    request's time runs from its first sending. Any other failure is an error."""
    rng = random.Random(number)
    kinds = [kind for kind, weight in MIX for _ in range(weight)]
    authorisation = f"Authorization: Token {token}\r\n" if token else ""
    if getattr(args, "per_request", False):  # as a reverse proxy asks its upstream by default
        authorisation += "Connection: close\r\n"
    reader = writer = None  # connected when a request is to be sent
    sent = 0
    try:
        while time.monotonic() < deadline and sent < MAX_REQUESTS:
            kind = rng.choice(kinds)
            request = (
                f"GET {_path(kind, ids, rng)} HTTP/1.1\r\nHost: {args.host}\r\n"
                f"Accept: application/json\r\n{authorisation}\r\n"
            ).encode()
            started = time.perf_counter()
            answer = None
            for attempt in (1, 2):
                if writer is None:
                    reader, writer = await asyncio.open_connection(args.host, args.port)
                    errors[OPENED] += 1
                try:
                    writer.write(request)
                    await writer.drain()
                    answer = await _read_response(reader)
                    break
                except (ConnectionError, asyncio.IncompleteReadError) as failure:
                    writer.close()
                    writer = None
                    unanswered = isinstance(failure, ClosedUnanswered | ConnectionResetError)
                    if attempt == 1 and unanswered:
                        errors[RETRIED] += 1
                        continue
                    errors[kind + " (connection)"] += 1
                    break
            if answer is None:
                continue
            status, closing = answer
            results[kind].append(time.perf_counter() - started)
            sent += 1
            if status != 200:
                errors[f"{kind} ({status})"] += 1
            if closing:
                writer.close()
                writer = None
    finally:
        if writer is not None:
            writer.close()


RETRIED = "retried"  # not an error: a GET sent again on a new connection (_client)
OPENED = "opened"  # not an error: the connections a client opened


async def _run(args, ids, token, seconds: int):
    results, errors = defaultdict(list), defaultdict(int)
    deadline = time.monotonic() + seconds
    logged_in = round(args.clients * 0.3)
    clients = [
        _client(n, args, ids, token if n < logged_in else None, deadline, results, errors)
        for n in range(args.clients)
    ]
    started = time.monotonic()
    await asyncio.gather(*clients)
    return results, errors, time.monotonic() - started


def _environment(args) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        DJANGO_SECRET_KEY="load-test-only-key-not-for-any-deployment-0123456789abcdef",
        DJANGO_ALLOWED_HOSTS=args.host,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_HSTS_SECONDS="0",
        DJANGO_ANON_THROTTLE="100000000/minute",
        DJANGO_USER_THROTTLE="100000000/minute",
        DJANGO_LOG_LEVEL="WARNING",
        GUNICORN_BIND=f"{args.host}:{args.port}",
    )
    env.pop("DJANGO_DEBUG", None)
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    return env


def _token(env: dict) -> str:
    """A national user's API token for the logged-in clients, made for this run."""
    code = (
        "from accounts.services import set_portal_user\n"
        "from knox.models import AuthToken\n"
        "user = set_portal_user(username='load_national', role='national')[0]\n"
        "print(AuthToken.objects.create(user)[1])\n"
    )
    python = sys.executable
    out = subprocess.run(
        [python, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def _wait_for(args, server, seconds=60) -> None:
    import socket

    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if server.poll() is not None:
            raise SystemExit("bench/load.py: gunicorn stopped while starting")
        try:
            socket.create_connection((args.host, args.port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("bench/load.py: gunicorn did not answer within a minute")


def _worker_memory(server) -> list[float]:
    """Resident memory (MB) of each gunicorn worker, read from /proc."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    sizes = []
    for pid in children.read_text().split() if children.exists() else []:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def _header(args, ids) -> list[str]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return [
        "# Load test",
        "",
        f"Written by `python bench/load.py` on {datetime.date.today()}, commit {commit}; "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; gunicorn "
        f"({args.workers or '2 x cores + 1'} workers, {_threads()}), PostgreSQL, Redis, on one "
        f"machine with the load generator.",
        "",
        f"{args.clients} clients ({round(args.clients * 0.3)} with a national user's token), "
        f"each sending its next request when the last is answered, {args.seconds} s a run after "
        f"{args.warmup} s of warm-up; data set: {len(ids['provinces'])} province(s), years "
        f"{ids['years'][0]}-{ids['years'][-1]}.",
    ]


def _threads() -> str:
    threads = int(os.environ.get("GUNICORN_THREADS") or 1)
    return f"gthread, {threads} threads each" if threads > 1 else "sync: one request at a time"


MODES = {
    "keep-alive": "Each client keeps its connection open for as long as the server keeps it "
    "(a gthread worker keeps it, and it stays with that worker; a sync worker closes it after "
    "each answer, `Connection: close`, and the client opens another).",
    "per-request": "A new connection for each request (`Connection: close`), as a reverse "
    "proxy in front of gunicorn asks by default (nginx's upstream HTTP/1.0): each request "
    "goes to a worker free to accept it.",
}


def _section(mode, results, errors, elapsed) -> list[str]:
    every = [value for values in results.values() for value in values]
    total = len(every)
    errors = dict(errors)
    retried = errors.pop(RETRIED, 0)
    opened = errors.pop(OPENED, 0)
    lines = [
        "",
        f"## {mode}",
        "",
        MODES[mode],
        "",
        f"**{total / elapsed:.1f} requests/s**, p50 {_percentile(every, 0.5) * 1000:.0f} ms, "
        f"p95 {_percentile(every, 0.95) * 1000:.0f} ms, p99 {_percentile(every, 0.99) * 1000:.0f} "
        f"ms, {sum(errors.values())} errors of {total} requests; {opened} connections opened.",
        "",
        "| request | count | p50 (ms) | p95 (ms) | mean (ms) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for kind, _weight in MIX:
        values = results.get(kind, [])
        if values:
            lines.append(
                f"| {kind} | {len(values)} | {_percentile(values, 0.5) * 1000:.0f} | "
                f"{_percentile(values, 0.95) * 1000:.0f} | {statistics.mean(values) * 1000:.0f} |"
            )
    if errors:
        lines += ["", "Errors: " + ", ".join(f"{k}: {n}" for k, n in sorted(errors.items()))]
    lines += [
        "",
        f"Sent again on a new connection, once each, because the server had closed the kept "
        f"one before answering (a worker replaced after max_requests): {retried} request(s); "
        f"their time counts from the first sending.",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5, help="seconds not counted first")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: its config)")
    parser.add_argument(
        "--connections",
        choices=[*MODES, "both"],
        default="both",
        help="keep-alive connections, a connection per request, or a run of each (default)",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "LOAD.md")
    args = parser.parse_args()
    if not 1 <= args.clients <= 500 or not 1 <= args.seconds <= 600 or args.warmup > 60:
        raise SystemExit("bench/load.py: 1 to 500 clients, 1 to 600 seconds, warm-up to 60")
    if not args.host.startswith("127.") and args.host not in ("localhost", "[::1]"):
        raise SystemExit("bench/load.py: the load goes to this machine only (127.0.0.0/8)")
    env = _environment(args)
    ids = _ids(args.database_url)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    token = _token(env)
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(
        [gunicorn, "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for(args, server)
        if args.warmup:  # every worker's first requests (connections, rules) not counted
            print(f"load: warming up for {args.warmup} s ...", file=sys.stderr)
            asyncio.run(_run(args, ids, token, args.warmup))
        lines = _header(args, ids)
        for mode in MODES if args.connections == "both" else [args.connections]:
            args.per_request = mode == "per-request"
            print(f"load: {args.clients} clients for {args.seconds} s, {mode} ...", file=sys.stderr)
            results, errors, elapsed = asyncio.run(_run(args, ids, token, args.seconds))
            lines += _section(mode, results, errors, elapsed)
        memory = _worker_memory(server)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    if memory:
        lines += [
            "",
            "Resident memory of the gunicorn workers at the end: "
            + ", ".join(f"{size:.0f} MB" for size in memory),
        ]
    text = "\n".join(lines) + "\n"
    args.output.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
