"""Providers of derived measures: values computed from other data rather than entered.

`criteria` owns this registry so that other apps (e.g. `ocop`, for the number of certified
products of a commune) hand their values in without `criteria` importing them: they register
a provider in their AppConfig.ready().
"""

from collections.abc import Callable, Collection
from decimal import Decimal

# A provider answers for many communes at once: (commune ids, year) -> {commune id: value}.
Provider = Callable[[Collection[int], int], dict[int, Decimal | bool | None]]

_providers: dict[str, Provider] = {}


def register(key: str, provider: Provider) -> None:
    _providers[key] = provider


def unregister(key: str) -> None:
    _providers.pop(key, None)


def provider_for(key: str) -> Provider | None:
    return _providers.get(key)
