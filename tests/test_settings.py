"""The settings read the environment and fail loudly; production values pass check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-production-like-secret-key-with-plenty-of-entropy-7f3a9c2e8d1b6054",
    "DJANGO_ALLOWED_HOSTS": "ntm.example.gov.vn",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_values():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_secret_key_is_required_when_debug_is_off():
    result = _manage("check", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off" in result.stderr


def test_a_typo_in_a_boolean_is_an_error_not_false():
    result = _manage("check", DJANGO_DEBUG="ture")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be a boolean" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DJANGO_ANON_THROTTLE", "20", "DJANGO_ANON_THROTTLE must be a rate such as 600/minute"),
        ("DJANGO_USER_THROTTLE", "abc/minute", "DJANGO_USER_THROTTLE must be a rate"),
        ("DJANGO_LOGIN_THROTTLE", "20/minute/x", "DJANGO_LOGIN_THROTTLE must be a rate"),
        ("NTM_STATS_CACHE_SECONDS", "1d", "NTM_STATS_CACHE_SECONDS must be a whole number"),
    ],
)
def test_a_bad_limit_or_cache_time_stops_start_up(name, value, message):
    """A throttle of "20" passed every check, then failed each anonymous API request (a 500);
    a cache time of "1d" stopped start-up with a bare ValueError."""
    result = _manage("check", DJANGO_DEBUG="1", **{name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_debug_needs_no_secret_and_allows_local_hosts():
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.ALLOWED_HOSTS, s.LANGUAGE_CODE, s.TIME_ZONE)",
        DJANGO_DEBUG="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(
        "True ['localhost', '127.0.0.1', '[::1]'] vi Asia/Ho_Chi_Minh"
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "sqlite3 " + str(ROOT / "db.sqlite3")),
        ({"DATABASE_URL": ""}, "sqlite3 " + str(ROOT / "db.sqlite3")),
        ({"DATABASE_URL": "postgres://portal@db.internal:5433/ntm"}, "postgresql ntm"),
    ],
)
def test_database_comes_from_database_url(env, expected):
    code = (
        "from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(d['ENGINE'].rsplit('.', 1)[1], d['NAME'])"
    )
    result = _manage("shell", "-c", code, DJANGO_DEBUG="1", **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


def test_english_is_available(settings):
    assert dict(settings.LANGUAGES).keys() == {"vi", "en"}


def test_two_writers_on_the_embedded_database_wait_for_each_other(tmp_path, django_db_blocker):
    """Two imports at once under `make run`: each reads, then writes. The second, begun as a
    reader, found the write lock taken when it came to write, and SQLite refused it at once
    ("database is locked": a 500). A transaction now takes the lock as it begins, and the
    second waits for the first."""
    import threading
    import time

    from django.db import connections, transaction

    default = connections.settings["default"]
    if default["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("the embedded database's setting")
    options = dict(default["OPTIONS"]) | {"timeout": 10}
    database = {**default, "NAME": str(tmp_path / "two.sqlite3"), "OPTIONS": options}
    connections.settings["first"] = connections.settings["second"] = database
    holding, errors = threading.Event(), []

    def write_slowly():
        try:
            with transaction.atomic(using="first"):
                connections["first"].cursor().execute("INSERT INTO t VALUES (1)")
                holding.set()
                time.sleep(0.5)
        finally:
            holding.set()
            connections["first"].close()

    def read_then_write():
        holding.wait()
        try:
            with transaction.atomic(using="second"):
                cursor = connections["second"].cursor()
                cursor.execute("SELECT count(*) FROM t")
                cursor.execute("INSERT INTO t VALUES (2)")
        except Exception as error:  # noqa: BLE001 (what the request would have answered)
            errors.append(error)
        finally:
            connections["second"].close()

    try:
        with django_db_blocker.unblock():
            with connections["first"].cursor() as cursor:
                cursor.execute("CREATE TABLE t (n integer)")
            connections["first"].close()
            threads = [threading.Thread(target=f) for f in (write_slowly, read_then_write)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            with connections["first"].cursor() as cursor:
                cursor.execute("SELECT n FROM t ORDER BY n")
                written = [n for (n,) in cursor.fetchall()]
            connections["first"].close()
    finally:
        del connections.settings["first"], connections.settings["second"]
    assert errors == []
    assert written == [1, 2]


def test_servers_on_one_machine_share_no_gunicorn_control_socket(monkeypatch):
    """gunicorn's control socket is one path per user by default: two servers on two ports
    of one machine took the same one, and the first to stop removed the other's."""
    import runpy

    from gunicorn.config import Config

    monkeypatch.delenv("PORT", raising=False)
    read = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    config = Config()
    for name in ("control_socket_disable", "workers", "bind", "preload_app"):
        config.set(name, read[name])  # gunicorn's own checks of each setting
    assert config.control_socket_disable is True
    assert config.bind == ["127.0.0.1:8000"]
