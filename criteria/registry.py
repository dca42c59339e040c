"""Providers of derived measures: values computed from other data rather than entered.

`criteria` owns this registry so that other apps (e.g. `ocop`, for the number of certified
products of a commune) hand their values in without `criteria` importing them: they register
a provider in their AppConfig.ready(), and call `changed()` after writing data a provider
reads, so that the communes concerned are rescored in the same transaction.
"""

from collections.abc import Callable, Collection
from decimal import Decimal

# A provider answers for many communes at once: (commune ids, year) -> {commune id: value}.
Provider = Callable[[Collection[int], int], dict[int, Decimal | bool | None]]
# A listener hears that a provider's data changed for some communes: (key, commune ids).
Listener = Callable[[str, Collection[int]], None]

_providers: dict[str, Provider] = {}
_listeners: list[Listener] = []


def register(key: str, provider: Provider) -> None:
    _providers[key] = provider


def unregister(key: str) -> None:
    _providers.pop(key, None)


def provider_for(key: str) -> Provider | None:
    return _providers.get(key)


def subscribe(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def changed(key: str, commune_ids: Collection[int]) -> None:
    """Tell criteria that the data behind ``key`` changed for these communes."""
    for listener in list(_listeners):
        listener(key, commune_ids)
