"""The security log: every login, failed login, lockout, token, password and role change, and
every sensitive action (approvals, year closures, publications) is one SecurityEvent row, for
the admin, and one JSON line on the "ntm.security" logger, for the deployment's log shipper.

Services call record(); the request (for the address and path) is the current one, which the
audit trail's middleware already holds, so services need not pass it down.
"""

import json
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record

from accounts.models import PortalAccess, SecurityEvent
from core.client import client_address

logger = logging.getLogger("ntm.security")
Kind = SecurityEvent.Kind


def _current_request():
    return getattr(HistoricalRecords.context, "request", None)


def record(kind: str, *, user=None, username: str = "", request=None, **detail) -> SecurityEvent:
    """Keep one security event. `user` is who acted (None for a stranger); `username` what was
    typed when there is no such user; `detail` says what changed (plain JSON values)."""
    request = request if request is not None else _current_request()
    if user is not None and not user.is_authenticated:
        user = None
    event = SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=(user.get_username() if user else username)[:150],
        address=client_address(request) if request is not None else None,
        path=(request.path if request is not None else "")[:200],
        detail=detail,
    )
    line = {
        "event": kind,
        "at": event.at.isoformat(),
        "user": event.username,
        "address": event.address,
        "path": event.path,
        **detail,
    }
    logger.info(json.dumps(line, ensure_ascii=False, default=str, sort_keys=True))
    return event


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    record(Kind.LOGIN_FAILED, username=str(credentials.get("username", "")), request=request)


def logged_in(sender, request, user, **kwargs):
    """Django's own last-login stamp, without an audit-trail row for each login (the security
    log has the login), then the event. Connected in AccountsConfig.ready, in place of
    Django's receiver."""
    user.skip_history_when_saving = True
    try:
        update_last_login(sender, user)
    finally:
        del user.skip_history_when_saving
    record(Kind.LOGIN, user=user, request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    """Logging out of the portal also revokes the person's API tokens: the tokens act as them,
    and they have left."""
    if user is None:
        return
    revoked, _by_kind = user.auth_token_set.all().delete()
    record(Kind.LOGOUT, user=user, request=request, tokens_revoked=revoked)


def locked_out(sender, request, username, ip_address, **kwargs):
    record(Kind.LOCKED_OUT, username=username or "", request=request)


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out login gets (settings.AXES_LOCKOUT_CALLABLE): 429, the API's error body
    under /api/, the login page with the reason elsewhere."""
    message = lockout_message()
    if request.path.startswith("/api/"):
        body = {"status": 429, "code": "locked_out", "message": message}
        return JsonResponse(body, status=429)
    return render(request, "registration/locked_out.html", {"message": message}, status=429)


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "Too many failed logins for this account or from this address. "
        "Try again in %(minutes)d minutes."
    ) % {"minutes": minutes}


WATCHED_USER_FIELDS = ("is_active", "is_staff", "is_superuser")


@receiver(post_create_historical_record)
def _rights_changed(sender, instance, history_instance, history_user=None, **kwargs):
    """A role, province or account right that changed, by whatever path (admin, command,
    service): the audit trail saw it, so the security log says it once, here."""
    if isinstance(instance, PortalAccess):
        _role_changed(history_instance, history_user)
    elif isinstance(instance, get_user_model()):
        _account_changed(history_instance, history_user)


def _previous(history_instance):
    return history_instance.prev_record if history_instance.history_type == "~" else None


def _role_changed(history_instance, actor):
    before = _previous(history_instance)
    if before and (before.role, before.province_id) == (
        history_instance.role,
        history_instance.province_id,
    ):
        return
    record(
        Kind.ROLE_CHANGED,
        user=actor,
        subject=history_instance.user.get_username(),
        change=history_instance.history_type,
        before={"role": before.role, "province": before.province_id} if before else None,
        after={"role": history_instance.role, "province": history_instance.province_id},
    )


def _account_changed(history_instance, actor):
    before = _previous(history_instance)
    now = {field: getattr(history_instance, field) for field in WATCHED_USER_FIELDS}
    was = {field: getattr(before, field) for field in WATCHED_USER_FIELDS} if before else None
    if history_instance.history_type == "+" and not (now["is_staff"] or now["is_superuser"]):
        return  # a new ordinary account: its role, if any, is logged as a role change
    if was == now:
        return
    record(
        Kind.ACCOUNT_CHANGED,
        user=actor,
        subject=history_instance.username,
        change=history_instance.history_type,
        before=was,
        after=now,
    )
