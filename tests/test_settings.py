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
