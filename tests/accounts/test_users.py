"""Portal users: created by the command, scoped by role and province, checked by the database."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from accounts.access import ANONYMOUS, access_for
from accounts.models import PortalAccess

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command("create_portal_user", *args, stdout=out)
    return out.getvalue()


def test_the_command_creates_then_updates_a_user():
    # Both maps are loaded: the province code is read on the one named.
    old_map = ("--structure", "2021")
    assert _run(
        "lan", "--role", "officer", "--province", "74", *old_map, "--password", "pw-12345"
    ) == ("created lan: officer 74\n")
    user = get_user_model().objects.get(username="lan")
    assert user.check_password("pw-12345")
    assert (user.portal_access.role, user.portal_access.province.name) == (
        "officer",
        "Tỉnh Bình Dương",
    )
    assert _run("lan", "--role", "approver", "--province", "20", *old_map) == (
        "updated lan: approver 20\n"
    )
    user.refresh_from_db()
    assert user.check_password("pw-12345")  # unchanged when no password is given
    assert (user.portal_access.role, user.portal_access.province.code) == ("approver", "20")
    assert PortalAccess.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "officer"], "An officer or approver needs a province."),
        (["--role", "national", "--province", "74"], "A national user covers the whole country."),
        (["--role", "viewer", "--province", "99"], "Unknown province code 99."),
    ],
)
def test_the_command_refuses_bad_input_and_creates_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        _run("bad", *args)
    assert not get_user_model().objects.filter(username="bad").exists()


def test_staff_may_open_the_admin_and_the_flag_is_kept_until_changed():
    old_map = ("--structure", "2021")
    assert _run("mai", "--role", "approver", "--province", "74", *old_map, "--staff") == (
        "created mai: approver 74, may open the admin\n"
    )
    user = get_user_model().objects.get(username="mai")
    assert user.is_staff and not user.is_superuser
    _run("mai", "--role", "national")  # without --staff or --no-staff: unchanged
    user.refresh_from_db()
    assert user.is_staff
    assert (
        _run("mai", "--role", "national", "--no-staff") == "updated mai: national whole country\n"
    )
    user.refresh_from_db()
    assert not user.is_staff
    _run("quoc", "--role", "national", "--staff")
    assert get_user_model().objects.get(username="quoc").is_staff
    assert not _run("mai", "--role", "national").endswith("admin\n")


@pytest.mark.parametrize("role", ["viewer", "officer"])
def test_only_those_who_review_are_made_staff(role):
    with pytest.raises(CommandError, match="Only an approver or a national user may open"):
        _run("lan", "--role", role, "--province", "74", "--structure", "2021", "--staff")
    assert not get_user_model().objects.filter(username="lan").exists()


def test_a_staff_user_password_still_passes_the_validators():
    with pytest.raises(CommandError, match="too short|too common|entirely numeric"):
        _run("quoc", "--role", "national", "--staff", "--password", "123")
    assert not get_user_model().objects.filter(username="quoc").exists()


def test_the_first_admin_is_created_from_the_environment_without_prompts(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-Long-pass-phrase-2025")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@example.org")
    call_command("createsuperuser", interactive=False, stdout=io.StringIO())
    user = get_user_model().objects.get(username="root")
    assert user.is_superuser and user.is_staff and user.email == "root@example.org"
    assert user.check_password("a-Long-pass-phrase-2025")


def test_without_the_environment_no_admin_is_created_silently(monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="username"):
        call_command("createsuperuser", interactive=False, stdout=io.StringIO())
    assert not get_user_model().objects.filter(is_superuser=True).exists()


def test_the_database_keeps_roles_and_provinces_consistent():
    user = get_user_model().objects.create(username="x")
    with pytest.raises(IntegrityError):
        PortalAccess.objects.create(user=user, role="officer", province=None)


def test_access_of_each_kind_of_user(cast):
    bd = cast.officer_74.portal_access.province_id
    ls = cast.officer_20.portal_access.province_id
    officer, approver, national = (
        access_for(cast.officer_74),
        access_for(cast.approver_74),
        access_for(cast.national),
    )
    assert (officer.can_edit(bd), officer.can_edit(ls), officer.can_approve(bd)) == (
        True,
        False,
        False,
    )
    assert (approver.can_approve(bd), approver.can_approve(ls)) == (True, False)
    assert (national.can_approve(ls), national.country_wide) == (True, True)
    viewer = access_for(cast.viewer_74)
    assert (viewer.covers(bd), viewer.can_edit(bd)) == (True, False)
    no_role = access_for(cast.no_role)
    assert (no_role.covers(bd), no_role.authenticated) == (False, True)
    assert (ANONYMOUS.covers(bd), ANONYMOUS.authenticated) == (False, False)
