"""Shared test set-up: test-only settings, and the whole country loaded once per session."""

import pytest
from django.core.cache import cache

from communes.services import load_admin_units


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Test-only overrides live here, not in a second settings module.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    cache.clear()  # throttling counts live in the cache


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The real unit lists (2021 structure) in the test database, loaded once."""
    with django_db_blocker.unblock():
        load_admin_units(structure="2021")
