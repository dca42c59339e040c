"""Shared test set-up: test-only settings, the whole country loaded once per session, a small
criteria set built for the tests (never the real one, whose numbers are mostly unconfigured),
and the cast of users every permission test shares."""

import pytest
from django.core.cache import caches
from django.utils import translation

from communes.models import Commune
from communes.services import available_structures, load_admin_units
from communes.services.lineage import load_lineage
from criteria.models import CriteriaSet, Level
from stats import freshness
from tests.criteria.builders import indicator, measure


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Test-only overrides live here, not in a second settings module.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Throttling counts live in the cache, and answers kept under the data's version: a test's
    # rolled-back writes give the next test the same version for other data.
    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Tests read messages in English unless they ask for Vietnamese (the product's default,
    which the page tests restore): requests without a language choice get English too."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def _load_units() -> None:
    for structure in available_structures():
        load_admin_units(structure=structure)
    load_lineage()
    # The loads logged some ten thousand writes for the statistics' cache: folded now, as the
    # first statistics request of a deployment does once, so that no test's query count
    # depends on the log's length (stats.freshness).
    freshness.compact()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The real unit lists of both structures (until and since 1 July 2025), side by side in
    the test database as in the portal's, and the lineage between them, loaded once."""
    with django_db_blocker.unblock():
        _load_units()


@pytest.fixture
def reloads_units_after(django_db_blocker):
    """For a test on transactional_db, which empties every table when it ends: request this
    before it, and the unit lists every other test expects are loaded again afterwards."""
    yield
    with django_db_blocker.unblock():
        _load_units()


@pytest.fixture
def cast(db):
    """The users every permission test shares: staff of Bình Dương (74) and Lạng Sơn (20),
    a national user, and a login with no portal role."""
    from types import SimpleNamespace

    from tests.factories import UserFactory, portal_user

    return SimpleNamespace(
        viewer_74=portal_user("viewer_74", "viewer", "74"),
        officer_74=portal_user("officer_74", "officer", "74"),
        approver_74=portal_user("approver_74", "approver", "74"),
        officer_20=portal_user("officer_20", "officer", "20"),
        approver_20=portal_user("approver_20", "approver", "20"),
        national=portal_user("national", "national"),
        no_role=UserFactory(username="no_role"),
    )


@pytest.fixture
def api():
    """An API client logged in as the given user (None: anonymous)."""
    from rest_framework.test import APIClient

    def client_for(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture
def small_set(db):
    """standard: 1 income >= 40 (Southeast: 50), 2 irrigation >= 80 %, 3 plan approved;
    advanced: 1 income >= 60, 2 craft plan (may be not applicable)."""
    cset = CriteriaSet.objects.create(
        code="TEST-2021-2025",
        name_vi="Bộ thử",
        name_en="Test set",
        legal_basis="test",
        first_year=2021,
        last_year=2025,
        classification="region",
    )
    standard = Level.objects.create(
        criteria_set=cset, code="standard", rank=1, name_vi="Đạt chuẩn", name_en="Standard"
    )
    advanced = Level.objects.create(
        criteria_set=cset, code="advanced", rank=2, name_vi="Nâng cao", name_en="Advanced"
    )
    income = measure(cset, "income", "money", unit="triệu đồng/người/năm")
    irrigation = measure(cset, "irrigation", "percent", unit="%")
    plan = measure(cset, "plan", "bool")
    crafts = measure(cset, "crafts", "bool", allows_not_applicable=True)
    measure(cset, "ocop_products", "number", source="derived", derived_from="test.ocop_products")
    indicator(standard, "1", "1.1", income, ">=", ("national", None, "40"), ("class", "dnb", "50"))
    indicator(standard, "2", "2.1", irrigation, ">=", ("national", None, "80"))
    indicator(standard, "3", "3.1", plan, "true")
    indicator(advanced, "1", "1.1", income, ">=", ("national", None, "60"))
    indicator(advanced, "2", "2.1", crafts, "true")
    return cset


@pytest.fixture
def bach_dang(db):
    """Xã Bạch Đằng, Bình Dương: Southeast region."""
    return Commune.objects.select_related("province__region").get(structure="2021", code="25930")


@pytest.fixture
def lang_son_commune(db):
    return Commune.objects.rural().filter(structure="2021", province__code="20").first()


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests (row locks, real concurrency) skip on the embedded SQLite; CI runs
    the suite on PostgreSQL too."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
