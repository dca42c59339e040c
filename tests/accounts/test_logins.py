"""Logging in, on every path (the login page, the admin, the API token): repeated wrong
passwords lock the account and the address out, even for the right password; tokens expire
and are revoked; every step is in the security log."""

import datetime
import io
import json
import logging

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone
from knox.models import AuthToken

from accounts.models import SecurityEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
LIMIT = 5  # settings.AXES_FAILURE_LIMIT
TOKEN = "/api/v1/auth/token/"
ASSESSMENTS = "/api/v1/assessments/"


def _page_login(client, username, password, path="/accounts/login/"):
    return client.post(path, {"username": username, "password": password})


def _token(client, username, password, **headers):
    body = {"username": username, "password": password}
    return client.post(TOKEN, body, content_type="application/json", headers=headers)


def _kinds():
    events = SecurityEvent.objects.exclude(kind__in=["role_changed", "account_changed"])
    return list(events.order_by("pk").values_list("kind", flat=True))


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_wrong_passwords_lock_a_page_login_even_for_the_right_one(client, cast, path):
    for _ in range(LIMIT - 1):
        assert _page_login(client, "officer_74", "wrong", path).status_code == 200
    assert _page_login(client, "officer_74", "wrong", path).status_code == 429
    locked = _page_login(client, "officer_74", PASSWORD, path)
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # django-axes hears the fifth failure first and locks out; the log then has that failure.
    # The right password, refused, is a failed login at a locked door again.
    assert _kinds() == ["login_failed"] * (LIMIT - 1) + ["locked_out", "login_failed"] * 2
    assert SecurityEvent.objects.filter(username="officer_74", address="127.0.0.1").count() == 8


def test_wrong_passwords_lock_the_api_token_too(client, cast):
    for _ in range(LIMIT - 1):
        wrong = _token(client, "officer_74", "wrong")
        assert (wrong.status_code, wrong.json()["code"]) == (400, "invalid")
    assert _token(client, "officer_74", "wrong").status_code == 429
    locked = _token(client, "officer_74", PASSWORD)
    assert (locked.status_code, locked.json()["code"]) == (429, "locked_out")
    assert "Too many failed logins" in locked.json()["message"]
    assert not AuthToken.objects.exists()


def test_a_lockout_counts_per_account_from_anywhere(client, cast):
    for number in range(LIMIT):
        _token(client, "officer_74", "wrong", x_forwarded_for=f"10.0.0.{number}")
        client.defaults["REMOTE_ADDR"] = f"10.1.0.{number}"
    assert _token(client, "officer_74", PASSWORD).status_code == 429
    # Another account from a fresh address is not locked.
    client.defaults["REMOTE_ADDR"] = "10.9.9.9"
    assert _token(client, "approver_74", PASSWORD).status_code == 200


def test_a_lockout_counts_per_address_across_accounts(client, cast):
    for name in ["a", "b", "c", "d", "e"]:
        _token(client, name, "wrong")
    assert _token(client, "officer_74", PASSWORD).status_code == 429


def test_the_right_password_before_the_limit_clears_the_count(client, cast):
    for _ in range(LIMIT - 1):
        _token(client, "officer_74", "wrong")
    assert _token(client, "officer_74", PASSWORD).status_code == 200
    for _ in range(LIMIT - 1):
        _token(client, "officer_74", "wrong")
    assert _token(client, "officer_74", PASSWORD).status_code == 200


# --- tokens ---------------------------------------------------------------------------------


def test_a_token_expires(client, cast, settings):
    issued = _token(client, "officer_74", PASSWORD).json()
    expiry = datetime.datetime.fromisoformat(issued["expiry"])
    assert datetime.timedelta(hours=9, minutes=59) < expiry - timezone.now()
    assert expiry - timezone.now() <= datetime.timedelta(hours=10)
    auth = {"authorization": f"Token {issued['token']}"}
    assert client.get(ASSESSMENTS, headers=auth).status_code == 200
    AuthToken.objects.update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    expired = client.get(ASSESSMENTS, headers=auth)
    assert (expired.status_code, expired.json()["code"]) == (401, "authentication_failed")


def test_delete_revokes_the_token_sent_and_only_it(client, cast):
    first = _token(client, "officer_74", PASSWORD).json()["token"]
    second = _token(client, "officer_74", PASSWORD).json()["token"]
    revoked = client.delete(TOKEN, headers={"authorization": f"Token {first}"})
    assert revoked.status_code == 204
    assert client.get(ASSESSMENTS, headers={"authorization": f"Token {first}"}).status_code == 401
    assert client.get(ASSESSMENTS, headers={"authorization": f"Token {second}"}).status_code == 200
    assert "token_revoked" in _kinds()


def test_delete_on_tokens_revokes_them_all(client, cast):
    keys = [_token(client, "officer_74", PASSWORD).json()["token"] for _ in range(3)]
    other = _token(client, "approver_74", PASSWORD).json()["token"]
    assert client.delete("/api/v1/auth/tokens/", headers={"authorization": f"Token {keys[0]}"})
    for key in keys:
        assert client.get(ASSESSMENTS, headers={"authorization": f"Token {key}"}).status_code == 401
    assert client.get(ASSESSMENTS, headers={"authorization": f"Token {other}"}).status_code == 200


def test_revoking_needs_a_token(client, cast):
    client.force_login(cast.officer_74)
    assert client.delete(TOKEN).status_code == 401


def test_logging_out_of_the_pages_revokes_the_users_tokens(client, cast):
    key = _token(client, "officer_74", PASSWORD).json()["token"]
    client.force_login(cast.officer_74)
    client.post("/accounts/logout/")
    assert client.get(ASSESSMENTS, headers={"authorization": f"Token {key}"}).status_code == 401
    assert SecurityEvent.objects.filter(kind="logout", detail__tokens_revoked=1).exists()


def test_a_token_that_is_not_ascii_is_a_401_not_a_500(client, cast):
    response = client.get(ASSESSMENTS, HTTP_AUTHORIZATION="Token caf\xe9")
    assert (response.status_code, response.json()["code"]) == (401, "authentication_failed")


# --- passwords ------------------------------------------------------------------------------


def test_changing_the_password_revokes_tokens_and_keeps_the_session(client, cast):
    key = _token(client, "officer_74", PASSWORD).json()["token"]
    client.force_login(cast.officer_74)
    weak = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert weak.status_code == 200
    assert "This password is entirely numeric." in weak.content.decode()
    changed = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "mot-mat-khau-moi-dai",
            "new_password2": "mot-mat-khau-moi-dai",
        },
    )
    assert changed.status_code == 302 and changed["Location"] == "/accounts/password/done/"
    cast.officer_74.refresh_from_db()
    assert cast.officer_74.check_password("mot-mat-khau-moi-dai")
    assert client.get("/").status_code == 200  # still logged in here
    assert client.get(ASSESSMENTS, headers={"authorization": f"Token {key}"}).status_code == 401
    assert SecurityEvent.objects.get(kind="password_changed").username == "officer_74"


def test_a_forgotten_password_is_reset_through_a_mailed_link(client, cast):
    cast.officer_74.email = "lan@binhduong.gov.vn"
    cast.officer_74.save()
    sent = client.post("/accounts/password/reset/", {"email": "lan@binhduong.gov.vn"})
    assert sent["Location"] == "/accounts/password/reset/sent/"
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert unknown["Location"] == sent["Location"]  # says nothing of who has an account
    (message,) = mail.outbox
    link = next(line for line in message.body.splitlines() if "/accounts/password/reset/" in line)
    form = client.get(link.strip(), follow=True)
    assert form.status_code == 200
    new = {"new_password1": "mat-khau-sau-khi-quen", "new_password2": "mat-khau-sau-khi-quen"}
    done = client.post(form.redirect_chain[-1][0], new)
    assert done["Location"] == "/accounts/password/reset/done/"
    cast.officer_74.refresh_from_db()
    assert cast.officer_74.check_password("mat-khau-sau-khi-quen")
    assert client.get(link.strip()).status_code == 200
    assert "not valid any more" in client.get(link.strip(), follow=True).content.decode()


def test_the_command_refuses_a_weak_password(db):
    with pytest.raises(CommandError, match="too common"):
        call_command(
            "create_portal_user",
            "lan",
            "--role",
            "viewer",
            "--password",
            "password",
            stdout=io.StringIO(),
        )


# --- sessions -------------------------------------------------------------------------------


def test_a_session_ends_after_thirty_idle_minutes(client, cast):
    assert _page_login(client, "officer_74", PASSWORD).status_code == 302
    assert client.get("/").status_code == 200
    session = Session.objects.get()
    left = session.expire_date - timezone.now()
    assert datetime.timedelta(minutes=29) < left <= datetime.timedelta(minutes=30)
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    idle = client.get("/")
    assert (idle.status_code, idle["Location"]) == (302, "/accounts/login/?next=/")


def test_each_request_renews_the_session(client, cast):
    client.force_login(cast.officer_74)
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=1))
    assert client.get("/").status_code == 200
    left = Session.objects.get().expire_date - timezone.now()
    assert left > datetime.timedelta(minutes=29)


# --- the security log -----------------------------------------------------------------------


def test_each_event_is_one_json_line_in_the_log(client, cast, caplog):
    with caplog.at_level(logging.INFO, logger="ntm.security"):
        _page_login(client, "officer_74", "wrong")
        _page_login(client, "officer_74", PASSWORD)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "ntm.security"]
    assert [(line["event"], line["user"], line["address"]) for line in lines] == [
        ("login_failed", "officer_74", "127.0.0.1"),
        ("login", "officer_74", "127.0.0.1"),
    ]
    assert "wrong" not in caplog.text  # never a password


def test_a_role_change_is_logged_with_who_and_before_after(client, cast, admin_user):
    client.force_login(admin_user)
    access = cast.officer_74.portal_access
    page = client.get(f"/admin/auth/user/{cast.officer_74.pk}/change/")
    form = page.context["adminform"].form
    data = {key: value for key, value in form.initial.items() if value is not None}
    data.update(
        {
            "username": "officer_74",
            "date_joined_0": "2025-01-01",
            "date_joined_1": "00:00:00",
            "portal_access-TOTAL_FORMS": "1",
            "portal_access-INITIAL_FORMS": "1",
            "portal_access-MIN_NUM_FORMS": "0",
            "portal_access-MAX_NUM_FORMS": "1",
            "portal_access-0-id": str(access.pk),
            "portal_access-0-user": str(cast.officer_74.pk),
            "portal_access-0-role": "approver",
            "portal_access-0-province": str(access.province_id),
        }
    )
    data.pop("groups", None), data.pop("user_permissions", None), data.pop("last_login", None)
    data.pop("password", None), data.pop("date_joined", None)
    before = SecurityEvent.objects.filter(kind="role_changed").count()
    saved = client.post(f"/admin/auth/user/{cast.officer_74.pk}/change/", data)
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    assert SecurityEvent.objects.filter(kind="role_changed").count() == before + 1
    event = SecurityEvent.objects.filter(kind="role_changed").latest("pk")
    assert (event.username, event.detail["subject"]) == (admin_user.username, "officer_74")
    assert event.detail["before"]["role"] == "officer"
    assert event.detail["after"]["role"] == "approver"
    assert access.history.first().history_user == admin_user
    listed = client.get("/admin/accounts/securityevent/?kind=role_changed")
    assert "officer_74" in listed.content.decode()
    assert client.get(f"/admin/accounts/securityevent/{event.pk}/delete/").status_code == 403


def test_making_someone_staff_is_logged(db, django_user_model):
    user = django_user_model.objects.create(username="lan")
    user.is_staff = True
    user.save()
    event = SecurityEvent.objects.get(kind="account_changed")
    assert (event.detail["before"]["is_staff"], event.detail["after"]["is_staff"]) == (False, True)
    assert list(user.history.values_list("history_type", flat=True)) == ["~", "+"]


def test_a_login_leaves_no_history_row(client, cast):
    rows = cast.officer_74.history.count()
    _page_login(client, "officer_74", PASSWORD)
    cast.officer_74.refresh_from_db()
    assert cast.officer_74.last_login is not None
    assert cast.officer_74.history.count() == rows
