"""Two application servers, as a deployment runs them: two gunicorn processes (of two workers
each) on two ports, with production settings, sharing one PostgreSQL database and one Redis.
What one server records, the other sees: a login and its logout (sessions in the shared cache)
and the count of a rate limit. A Celery worker beside them runs a background job whose end
either server shows.

Needs DATABASE_URL (a PostgreSQL database this may migrate and fill) and REDIS_URL (a Redis
db this may flush): `.ci/run` makes both. In CI a missing one fails the test; elsewhere it skips.
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
import redis

pytestmark = pytest.mark.deploy

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
CELERY = Path(sys.executable).parent / "celery"
# One worker alone: no waiting to meet others at start.
QUICK_START = ["--without-mingle", "--without-gossip", "--without-heartbeat"]
ANON_LIMIT = 6
USERNAME, PASSWORD = "deploy-check", "a-long-password-for-the-check"


def _require_services() -> dict[str, str]:
    database, cache = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if database.startswith("postgres") and cache.startswith("redis"):
        return {"DATABASE_URL": database, "REDIS_URL": cache}
    reason = "needs DATABASE_URL=postgres://... and REDIS_URL=redis://... (run by .ci/run)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _environment(services: dict[str, str]) -> dict[str, str]:
    """Production settings over plain HTTP on the loopback, with a low anonymous limit."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    return (
        env
        | services
        | {
            "DJANGO_SECRET_KEY": "deploy-test-secret-key-never-used-by-a-deployment-0123456789",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "DJANGO_HSTS_SECONDS": "0",
            "DJANGO_ANON_THROTTLE": f"{ANON_LIMIT}/minute",
            "WEB_CONCURRENCY": "2",
        }
    )


ONE_LOGIN = f"""
from django.contrib.auth import get_user_model
user, _ = get_user_model().objects.get_or_create(username={USERNAME!r})
user.set_password({PASSWORD!r})
user.save()
"""


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_serving(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the server at {base} exited with {server.returncode}"
        try:
            # The login page: served by a worker, and no rate limit counts it.
            if _request(base + "/accounts/login/").status == 200:
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"no server answered at {base} within 30 s")


@pytest.fixture(scope="module")
def env():
    return _environment(_require_services())


@pytest.fixture(scope="module")
def servers(env):
    """The two servers' base addresses, once the database is migrated and has one login."""
    _manage(env, "migrate", "--no-input", "-v", "0")
    _manage(env, "collectstatic", "--no-input", "-v", "0")  # whitenoise's manifest
    _manage(env, "shell", "-c", ONE_LOGIN)
    started = []
    try:
        for _ in range(2):
            port = _free_port()
            serving = env | {"GUNICORN_BIND": f"127.0.0.1:{port}"}
            command = [str(GUNICORN), "-c", "gunicorn.conf.py"]
            started.append(
                (f"http://127.0.0.1:{port}", subprocess.Popen(command, cwd=ROOT, env=serving))
            )
        for base, server in started:
            _wait_until_serving(base, server)
        yield [base for base, _ in started]
    finally:
        for _, server in started:
            server.terminate()
        for _, server in started:
            server.wait(timeout=30)


@pytest.fixture
def shared_redis(servers):
    """The Redis db both servers use, emptied: no count or session left by another test."""
    connection = redis.Redis.from_url(os.environ["REDIS_URL"])
    connection.flushdb()
    yield connection
    connection.close()


# --- plain HTTP, without following redirects: each server answers for itself -------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _request(url: str, cookies: dict | None = None, form: dict | None = None):
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())}
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    try:
        return _opener.open(urllib.request.Request(url, data=data, headers=headers), timeout=10)
    except urllib.error.HTTPError as answer:  # 3xx (not followed), 4xx: still an answer
        return answer


def _cookies(response) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def _log_in(base: str) -> dict[str, str]:
    page = _request(base + "/accounts/login/")
    cookies = _cookies(page)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.read()).group(1)
    form = {"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token.decode()}
    answer = _request(base + "/accounts/login/", cookies, form)
    assert answer.status == 302, "the login was refused"
    return cookies | _cookies(answer)  # the session, and the CSRF token rotated at login


def _log_out(base: str, cookies: dict[str, str]) -> None:
    form = {"csrfmiddlewaretoken": cookies["csrftoken"]}
    assert _request(base + "/accounts/logout/", cookies, form).status == 302


# --- the tests --------------------------------------------------------------------------------

PRIVATE = "/accounts/password/"  # the password change page: logged-in users only


def test_a_login_on_one_server_is_a_login_on_the_other_until_logout(servers, shared_redis):
    server_a, server_b = servers
    cookies = _log_in(server_a)
    assert _request(server_b + PRIVATE, cookies).status == 200
    # The session sits in the shared cache, not only in the database behind it.
    assert any(b"cached_db" in key for key in shared_redis.keys("*"))

    _log_out(server_a, cookies)
    # Both now send the stale cookie to the login page.
    assert _request(server_b + PRIVATE, cookies).status == 302
    assert _request(server_a + PRIVATE, cookies).status == 302


def test_requests_split_across_the_servers_count_against_one_limit(servers, shared_redis):
    server_a, server_b = servers
    codes = [
        _request(base + "/api/v1/provinces/").status
        for base in [server_a, server_b] * (ANON_LIMIT // 2 + 1)
    ]
    # Each server alone saw 4 requests, under the limit of 6: only a shared count refuses.
    assert codes == [200] * ANON_LIMIT + [429, 429]


def test_a_job_runs_on_a_worker_and_either_server_shows_it(env, servers, shared_redis):
    server_a, server_b = servers
    queued = env | {"CELERY_BROKER_URL": os.environ["REDIS_URL"]}
    worker = subprocess.Popen(
        [str(CELERY), "-A", "ntm_portal", "worker", "-c", "1", "-l", "WARNING", *QUICK_START],
        cwd=ROOT,
        env=queued,
    )
    try:
        command = ["run_job", "rescore_year", "--param", "year=2024", "--user", USERNAME]
        out = subprocess.run(
            [sys.executable, "manage.py", *command, "--poll", "0.2"],
            cwd=ROOT,
            env=queued,
            check=True,
            capture_output=True,
            text=True,
            timeout=40,
        ).stdout
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    job_id = re.match(r"job (\d+) \(rescore_year\) started", out).group(1)

    job = _request(f"{server_b}/api/v1/jobs/{job_id}/", _log_in(server_a))
    body = json.loads(job.read())
    assert (job.status, body["status"], body["started_by"]) == (200, "done", USERNAME)
    assert body["result"] == {"rescored": 0}  # a new database: nothing open to rescore
