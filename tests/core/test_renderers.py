"""The API's JSON renderer (core.renderers) writes what DRF's JSONRenderer writes, byte for
byte, and takes DRF's path for what orjson cannot write the same way."""

import datetime
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from core.renderers import JSONRenderer, Written, written

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")

SHAPES = {
    "text": {"name": "Xã Bạch Đằng", "empty": "", "quote": 'a "b" \\ c', "tab": "a\tb\nc"},
    "control characters": "\x00\x1f\x7f",
    "line separators": "a\u2028b\u2029c",
    "numbers": [0, -1, 2**63 - 1, 0.1, 12.5, 100.0, 1e16, 1e-4, True, False, None],
    "decimals": [Decimal("21.0461"), Decimal("105.8342"), Decimal("0"), Decimal("-1.50")],
    "UTC moment": datetime.datetime(2026, 11, 30, 9, 5, 1, tzinfo=datetime.UTC),
    "moment with microseconds": datetime.datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=HANOI),
    "naive moment": datetime.datetime(2025, 7, 1, 0, 0),
    "day": datetime.date(2025, 6, 30),
    "time": datetime.time(8, 30),
    "duration": datetime.timedelta(days=1, seconds=5),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "lazy text": gettext_lazy("Approved"),
    "error detail": [ErrorDetail("Bad value.", code="invalid")],
    "tuple": (1, "a"),
    "set": {3},
    "generator": (n for n in range(2)),
    "serializer output": ReturnDict({"a": ReturnList([1, 2], serializer=None)}, serializer=None),
    "nested": {"levels": [{"code": "standard", "criteria": [{"met": True, "value": None}]}]},
}


@pytest.mark.parametrize("shape", SHAPES)
def test_each_shape_is_written_as_drf_writes_it(shape):
    value = SHAPES[shape]
    if shape == "generator":  # spent by the first writer: give each its own
        expected = DRFJSONRenderer().render({"x": (n for n in range(2))})
        assert JSONRenderer().render({"x": (n for n in range(2))}) == expected
        return
    assert JSONRenderer().render({"x": value}) == DRFJSONRenderer().render({"x": value})


def test_the_fast_path_is_taken_for_plain_data(monkeypatch):
    """Plain rows never reach the standard library (else the renderer gains nothing)."""

    def refuse(*args, **kwargs):
        raise AssertionError("the standard library's path was taken")

    monkeypatch.setattr(DRFJSONRenderer, "render", refuse)
    rows = {"results": [{"code": "25930", "latitude": Decimal("11.1"), "n": 1}] * 3}
    assert JSONRenderer().render(rows) == (
        b'{"results":[' + b",".join([b'{"code":"25930","latitude":11.1,"n":1}'] * 3) + b"]}"
    )


@pytest.mark.parametrize(
    "value",
    [{1: "a", 2: "b"}, {"big": 2**70}, {"n": -(2**64)}],
    ids=["keys that are not text", "a big integer", "a big negative integer"],
)
def test_what_orjson_refuses_goes_drfs_way(value):
    assert JSONRenderer().render(value) == DRFJSONRenderer().render(value)


def test_an_indented_answer_is_drfs():
    data = {"a": [1, {"b": "Đạt"}]}
    media = "application/json; indent=2"
    written = JSONRenderer().render(data, media, {})
    assert written == DRFJSONRenderer().render(data, media, {})
    assert b'\n  "a"' in written


def test_an_answer_written_before_is_sent_as_it_is_or_read_back():
    """A page kept written (Written, as the cache keeps the lists' pages) is sent as it is;
    asked indented, it is read back and written as DRF writes the data it holds."""
    data = {"count": 1, "results": [{"code": "01", "at": SHAPES["UTC moment"]}]}
    kept = written(data)
    assert isinstance(kept, Written) and kept == JSONRenderer().render(data)
    assert JSONRenderer().render(kept) == kept
    media = "application/json; indent=2"
    plain = {"count": 1, "results": [{"code": "01", "at": "2026-11-30T09:05:01Z"}]}
    assert JSONRenderer().render(kept, media, {}) == DRFJSONRenderer().render(plain, media, {})


def test_the_browsable_api_reads_a_written_page(client, db):
    """The lists' pages are kept written: a browser asking for HTML gets them shown."""
    url = "/api/v1/communes/?year=2024&page_size=2"
    count = client.get(url, HTTP_ACCEPT="application/json").json()["count"]
    response = client.get(url, HTTP_ACCEPT="text/html")  # the page is kept written by now
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert f"{{\n    &quot;count&quot;: {count},\n".encode() in response.content


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/assessments/{pk}/",
        "/api/v1/assessments/?year=2023",
        "/api/v1/ocop/products/",
        "/api/v1/stats/national/?year=2023",
        "/api/v1/criteria-sets/TEST-2021-2025/",
    ],
)
def test_every_kept_answer_is_read_back_when_asked_otherwise(api, cast, small_set, bach_dang, path):
    """Each answer kept written (a detail, a list's page, statistics, a set's body) is the
    same data asked plainly, indented, or in the browsable API, read again or not."""
    from criteria.services import create_assessment

    path = path.format(pk=create_assessment(commune=bach_dang, year=2023).pk)
    client = api(cast.national)
    plain = client.get(path, HTTP_ACCEPT="application/json")
    assert plain.status_code == 200
    for _ in range(2):  # built, then from the cache
        indented = client.get(path, HTTP_ACCEPT="application/json; indent=2")
        assert indented.json() == plain.json() and b'\n  "' in indented.content
        page = client.get(path, HTTP_ACCEPT="text/html")
        assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
        first_key = next(iter(plain.json()))
        assert f"&quot;{first_key}&quot;: ".encode() in page.content


def test_what_drf_refuses_is_refused():
    with pytest.raises(TypeError):
        JSONRenderer().render({"x": object()})


def test_nothing_is_written_for_none():
    assert JSONRenderer().render(None) == b""


def test_the_api_answers_through_it(client, db):
    """The setting names it: an answer of the API is written by core.renderers."""
    from rest_framework.settings import api_settings

    assert api_settings.DEFAULT_RENDERER_CLASSES[0] is JSONRenderer
    response = client.get("/api/v1/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert isinstance(response.accepted_renderer, JSONRenderer)
