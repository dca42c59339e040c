"""Who is asking: the client's address, read the one way every caller shares (throttles, the
login lockout, the security log).

Behind N trusted proxies the address is the Nth entry from the right of X-Forwarded-For, the
one the nearest trusted proxy saw; entries further left are whatever the client wrote and are
never believed. With no trusted proxy (the default) the header is ignored altogether.
"""

from ipaddress import ip_address

from django.conf import settings


def _valid(candidate: str) -> str | None:
    try:
        return str(ip_address(candidate.strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    proxies = settings.NTM_TRUSTED_PROXIES
    remote = _valid(request.META.get("REMOTE_ADDR", ""))
    if not proxies:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < proxies:
        # Fewer hops than the proxies in front: the request did not come through them all.
        return remote
    return _valid(forwarded[-proxies]) or remote
