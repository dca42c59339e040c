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
