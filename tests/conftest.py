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


@pytest.fixture
def cast(db):
    """The users every permission test shares: staff of Bình Dương (74) and Lạng Sơn (20),
    a national user, and a login with no portal role."""
    from types import SimpleNamespace

    from django.contrib.auth import get_user_model

    from accounts.services import set_portal_user

    def user(name, role, province=None):
        return set_portal_user(username=name, role=role, province_code=province)[0]

    return SimpleNamespace(
        viewer_74=user("viewer_74", "viewer", "74"),
        officer_74=user("officer_74", "officer", "74"),
        approver_74=user("approver_74", "approver", "74"),
        officer_20=user("officer_20", "officer", "20"),
        approver_20=user("approver_20", "approver", "20"),
        national=user("national", "national"),
        no_role=get_user_model().objects.create_user("no_role", password="x"),
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
