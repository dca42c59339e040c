"""Browser tests: Playwright for Python driving Debian's Chromium against a live test server.

Outside CI a machine without Chromium skips them with the reason; in CI (CI=true) a missing
Chromium fails them, so the browser tests can never silently stop running.
"""

import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.servers.basehttp import WSGIServer
from django.db import connections, transaction
from django.test.testcases import LiveServerThread

from communes.models import Commune, District, Province, Region
from communes.services import load_admin_units
from tests.factories import portal_user

# Playwright's sync API runs an event loop in the test thread; the Django ORM calls made by
# fixtures in that thread are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# The live server answers one request at a time. Its threads would share one in-memory SQLite
# database in shared-cache mode, where a write (every request saves the session, for the idle
# timeout) makes a concurrent read fail at once with "database table is locked" instead of
# waiting as a file database does: the browser's parallel requests (a page and its favicon)
# then made a test fail one run in a few. Single-threaded, Django closes each connection after
# its answer, so the browser's requests queue rather than collide.
class _OneRequestAtATime(WSGIServer):
    def __init__(self, *args, connections_override=None, **kwargs):
        # The server thread itself holds the test's connections (LiveServerThread.run).
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address):
        # As the threaded server does after each request: a PostgreSQL connection left open
        # kept the test database from being dropped at the end (an in-memory SQLite one is
        # never closed by Django).
        try:
            super().process_request(request, client_address)
        finally:
            connections.close_all()


LiveServerThread.server_class = _OneRequestAtATime

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    message = (
        f"Chromium not found at {CHROMIUM} (install Debian's package: apt-get install chromium)"
    )
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{message}; CI must run the browser tests", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page, request):
    """Save a full-page screenshot under test-artifacts/screenshots/ for a person to read."""

    def take(name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


_UNIT_ROWS: dict[str, list[tuple[type, list[dict]]]] = {}


def units(structure: str) -> None:
    """The structure's units, as load_admin_units leaves them. Live-server tests empty the
    database after each test, and loading the files again cost 1.4 s a test: the rows the
    first load wrote are kept here and inserted again in bulk."""
    if Commune.objects.filter(structure=structure).exists():
        return
    kept = _UNIT_ROWS.get(structure)
    if kept is None:
        load_admin_units(structure=structure)
        _UNIT_ROWS[structure] = [
            (Region, list(Region.objects.values())),
            *(
                (model, list(model.objects.filter(structure=structure).values()))
                for model in (Province, District, Commune)
            ),
        ]
        return
    with transaction.atomic():
        for model, rows in kept:
            if model is not Region or not Region.objects.exists():
                model.objects.bulk_create(model(**row) for row in rows)


@pytest.fixture
def binh_duong(transactional_db, small_set):
    """Bình Dương's staff and Xã Bạch Đằng, with a stranger from Lạng Sơn."""
    units("2021")  # what the pages show

    return SimpleNamespace(
        bach_dang=Commune.objects.get(structure="2021", code="25930"),
        officer=portal_user("officer_74", "officer", "74"),
        colleague=portal_user("colleague_74", "officer", "74"),
        approver=portal_user("approver_74", "approver", "74"),
        stranger=portal_user("officer_20", "officer", "20"),
    )


def _luminance(rgb) -> float:
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    """WCAG's contrast ratio of two colours given as (r, g, b)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
