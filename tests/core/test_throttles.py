"""Rate limits: per client address, taken from X-Forwarded-For only through the configured
number of trusted proxies; per user when logged in; counted in the shared cache."""

import os

import pytest
from django.core.cache import caches
from django.test import RequestFactory, override_settings

from core import throttles
from core.client import client_address

pytestmark = pytest.mark.django_db
URL = "/api/v1/provinces/"


@pytest.fixture
def three_a_minute(monkeypatch):
    for throttle in (throttles.AnonThrottle, throttles.UserThrottle):
        monkeypatch.setattr(throttle, "rate", "3/minute", raising=False)


def _get(client, forwarded_for=None):
    headers = {"x_forwarded_for": forwarded_for} if forwarded_for else {}
    return client.get(URL, headers=headers)


def test_a_new_forwarded_for_per_request_does_not_escape_the_limit(client, three_a_minute):
    codes = [_get(client, f"203.0.113.{n}").status_code for n in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    limited = _get(client, "203.0.113.99")
    assert limited.json()["code"] == "throttled" and "Retry-After" in limited


@override_settings(NTM_TRUSTED_PROXIES=1)
def test_behind_one_trusted_proxy_each_client_counts_for_itself(client, three_a_minute):
    # The proxy appends the address it saw; what the client wrote before it is not believed.
    assert [_get(client, "198.51.100.7").status_code for _ in range(4)][-1] == 429
    assert _get(client, "198.51.100.8").status_code == 200
    assert _get(client, "1.2.3.4, 198.51.100.7").status_code == 429  # a spoofed first hop


def test_a_logged_in_user_is_limited_too(client, cast, three_a_minute):
    client.force_login(cast.officer_74)
    assert [_get(client).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_the_token_endpoint_limits_guesses_per_address(client, db, monkeypatch):
    monkeypatch.setattr(throttles.LoginThrottle, "rate", "2/minute", raising=False)
    body = {"username": "nobody", "password": "x"}
    codes = [
        client.post("/api/v1/auth/token/", body, headers={"x_forwarded_for": f"10.0.0.{n}"})
        for n in range(3)
    ]
    assert [c.status_code for c in codes] == [400, 400, 429]


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "203.0.113.5", "192.0.2.1"),
        (1, "192.0.2.1", "203.0.113.5", "203.0.113.5"),
        (1, "192.0.2.1", "6.6.6.6, 203.0.113.5", "203.0.113.5"),
        (2, "192.0.2.1", "6.6.6.6, 203.0.113.5, 192.0.2.9", "203.0.113.5"),
        (2, "192.0.2.1", "203.0.113.5", "192.0.2.1"),  # fewer hops than proxies
        (1, "192.0.2.1", "not-an-address", "192.0.2.1"),
        (1, "192.0.2.1", "", "192.0.2.1"),
    ],
)
def test_the_client_address(settings, proxies, remote, forwarded, expected):
    settings.NTM_TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (run by .ci/run)")
def test_every_server_counts_together_in_redis(client, three_a_minute):
    """Two servers are two processes with their own connections to Redis: the count one of
    them keeps is the count the other reads."""
    from django.core.cache.backends.redis import RedisCache

    assert isinstance(caches["default"], RedisCache)
    other_server = RedisCache(os.environ["REDIS_URL"], {})
    assert [_get(client).status_code for _ in range(3)] == [200, 200, 200]
    key = throttles.AnonThrottle().cache_format % {"scope": "anon", "ident": "127.0.0.1"}
    assert len(other_server.get(key)) == 3
    other_server.delete(key)  # what the other server clears, this one sees cleared
    assert _get(client).status_code == 200
