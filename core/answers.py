"""Answers kept in the cache under the version of the data they were built from: a request
after any committed write the answer reads finds no entry under the new version and builds the
answer again, so nothing is ever served stale and nothing needs deleting.

The version is given by the app that keeps it (stats.freshness counts the writes to the tables
the cached answers read, by database triggers) through ``provide``, so that an app below it
(criteria's assessment detail) caches its answers without importing it. With no provider, no
answer is cached: each is built.
"""

import hashlib
from collections.abc import Callable

from django.core.cache import caches
from django.db import connection
from django.utils import timezone, translation

_provider: list[Callable[[], object]] = []


def provide(version: Callable[[], object]) -> None:
    """Name the function that reads the data's version (once: the last one named counts)."""
    _provider[:] = [version]


def version() -> object | None:
    """The data's version now (a read of the database), or None when no app keeps one."""
    return _provider[0]() if _provider else None


def key(parts, version: object) -> str:
    """The cache key of an answer: its parts, the database (two databases on one cache never
    share an answer), the language, the day (OCOP certificates expire with it) and the data's
    version."""
    every = [
        connection.settings_dict["NAME"],
        *parts,
        translation.get_language() or "",
        timezone.localdate().isoformat(),
        str(version),
    ]
    return "answer:" + hashlib.sha256("\x1f".join(map(str, every)).encode()).hexdigest()


def cached(parts, build: Callable[[], object], seconds: int, alias: str = "default"):
    """``build()``'s answer, from the cache ``alias`` while the data's version is the one it
    was built under; built every time when no app keeps a version. The version is read before
    the answer is built, so what is kept under it is at least as new as it."""
    found_version = version()
    if found_version is None:
        return build()
    store, entry = caches[alias], key(parts, found_version)
    found = store.get(entry)
    if found is None:
        found = build()
        store.set(entry, found, seconds)
    return found
