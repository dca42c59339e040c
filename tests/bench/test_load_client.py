"""The load test's client (bench/load.py) keeps its connection as a browser does, and counts
as errors only what a browser would show as one: a server that says ``Connection: close`` is
left for a new connection; a request the server closed the kept connection on before answering
is sent again once, counted apart; a second failure is an error."""

import asyncio
import importlib.util
import time
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import pytest

SOURCE = Path(__file__).resolve().parents[2] / "bench" / "load.py"


@pytest.fixture
def load(monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_load", SOURCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "_path", lambda kind, ids, rng: "/api/v1/")
    monkeypatch.setattr(module, "MAX_REQUESTS", 6)
    return module


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
CLOSING = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"


def _serve(script):
    """A server answering each connection's requests by ``script(connection, request)``:
    the bytes to send (None: close without answering)."""
    counts = {"connections": 0}

    async def handle(reader, writer):
        counts["connections"] += 1
        connection, request = counts["connections"], 0
        while True:
            try:
                await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                break  # the client closed it
            request += 1
            answer = script(connection, request)
            if answer is None:
                break
            writer.write(answer)
            await writer.drain()
            if b"Connection: close" in answer:
                break
        writer.close()

    return handle, counts


def _run(load, script, seconds=10):
    handle, counts = _serve(script)
    results, errors = defaultdict(list), defaultdict(int)

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        args = SimpleNamespace(host="127.0.0.1", port=port)
        deadline = time.monotonic() + seconds
        try:
            await load._client(0, args, {}, None, deadline, results, errors)
        finally:
            server.close()

    asyncio.run(asyncio.wait_for(main(), 20))
    errors = dict(errors)
    assert errors.pop(load.OPENED) == counts["connections"]  # each one it opened, counted
    return sum(len(times) for times in results.values()), errors, counts["connections"]


def test_connection_close_is_followed_by_a_new_connection_not_an_error(load):
    answered, errors, connections = _run(load, lambda connection, request: CLOSING)
    assert (answered, errors, connections) == (6, {}, 6)


def test_a_kept_connection_closed_unanswered_is_retried_once_and_counted(load):
    # The first connection answers twice, then is closed as a replaced worker closes it.
    def script(connection, request):
        return None if connection == 1 and request == 3 else OK

    answered, errors, connections = _run(load, script)
    assert (answered, errors, connections) == (6, {load.RETRIED: 1}, 2)


def test_a_second_failure_is_an_error(load):
    # Every connection after the first closes at once: the retried request fails again.
    def script(connection, request):
        return OK if connection == 1 and request < 3 else None

    answered, errors, _connections = _run(load, script, seconds=1)
    assert answered == 2
    assert errors[load.RETRIED] >= 1
    assert sum(n for kind, n in errors.items() if kind.endswith("(connection)")) >= 1


def test_a_connection_per_request_asks_the_server_to_close_it(load):
    asked = []

    def script(connection, request):
        asked.append(request)
        return CLOSING

    handle, counts = _serve(script)
    results, errors = defaultdict(list), defaultdict(int)

    async def main():
        server = await asyncio.start_server(_asking(handle), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        args = SimpleNamespace(host="127.0.0.1", port=port, per_request=True)
        try:
            await load._client(0, args, {}, None, time.monotonic() + 10, results, errors)
        finally:
            server.close()

    asyncio.run(asyncio.wait_for(main(), 20))
    answered = sum(len(times) for times in results.values())
    errors = dict(errors)
    assert errors.pop(load.OPENED) == 6
    # Six requests, each the first and only one of its own connection, each asking to close.
    assert (answered, counts["connections"], set(asked), errors) == (6, 6, {1}, {})
    assert len(HEADS) == 6 and all(b"Connection: close" in head for head in HEADS)


HEADS: list[bytes] = []


def _asking(handle):
    """The handler, with every request's head kept in HEADS."""

    async def wrapped(reader, writer):
        original = reader.readuntil

        async def readuntil(separator):
            head = await original(separator)
            HEADS.append(head)
            return head

        reader.readuntil = readuntil
        await handle(reader, writer)

    return wrapped
