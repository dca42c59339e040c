"""The API's rate limits, counted per client address (core.client: trusted proxies only) for
anonymous requests and per user for logged-in ones, in the shared cache so that every worker
and every server counts together (settings.CACHES: Redis when REDIS_URL is set)."""

from rest_framework import throttling

from core.client import client_address


class AddressMixin:
    def get_ident(self, request):
        return client_address(request) or "unknown"


class AnonThrottle(AddressMixin, throttling.AnonRateThrottle):
    pass


class UserThrottle(throttling.UserRateThrottle):
    """Per logged-in user; anonymous requests have their own limit (AnonThrottle)."""

    def get_cache_key(self, request, view):
        if not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)


class LoginThrottle(AddressMixin, throttling.AnonRateThrottle):
    """Password guesses on the token endpoint, per address, logged in or not; the lockout
    (django-axes) counts them per account as well."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
