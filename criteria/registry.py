"""Providers of derived measures: values computed from other data rather than entered.

`criteria` owns this registry so that other apps (e.g. `ocop`, for the number of certified
products of a commune) hand their values in without `criteria` importing them: they register
a provider in their AppConfig.ready(), and call `changed()` after writing data a provider
reads, so that the communes concerned are rescored in the same transaction.

The same way, other apps add panels to a commune's page and tasks to a province's overview
(see the end of this module), so that criteria's pages show them without importing them.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from communes.models import Commune, Province

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


# --- What other apps add to the officer pages -----------------------------------------------
# A commune's page shows panels, and a province's overview shows tasks, that other apps provide
# (e.g. ocop: the commune's products, the certificates falling due), registered in their
# AppConfig.ready() like the providers above. Each reads what it shows in a fixed number of
# queries, decides itself what the user may see, and returns a Block, or None to show nothing.
# The criteria templates render every Block the same way.


@dataclass(frozen=True)
class Entry:
    """One line of a block: a label, the page it leads to, a few short facts, and a flag
    asking for attention (shown highlighted)."""

    label: str
    url: str = ""
    facts: tuple[str, ...] = ()
    flag: str = ""


@dataclass(frozen=True)
class Block:
    """A titled list of entries, what to say when there are none, and a link to see more.
    With ``headers`` (the label's, then one per fact) a panel shows as a table."""

    title: str
    entries: tuple[Entry, ...] = ()
    headers: tuple[str, ...] = ()
    empty: str = ""
    more_url: str = ""
    more_label: str = ""
    key: str = ""  # the key it was registered under, set by panels_for and tasks_for


# (commune, user) -> Block | None and (province, user) -> Block | None
PanelProvider = Callable[["Commune", Any], Block | None]
TaskProvider = Callable[["Province", Any], Block | None]

_panels: dict[str, PanelProvider] = {}
_tasks: dict[str, TaskProvider] = {}


def register_panel(key: str, provider: PanelProvider) -> None:
    """Show ``provider``'s block on every commune page, after criteria's own sections."""
    _panels[key] = provider


def register_task(key: str, provider: TaskProvider) -> None:
    """Show ``provider``'s block in the task list of a province's overview."""
    _tasks[key] = provider


def unregister_panel(key: str) -> None:
    _panels.pop(key, None)


def unregister_task(key: str) -> None:
    _tasks.pop(key, None)


def _blocks(providers: dict, place, user) -> list[Block]:
    blocks = ((key, provide(place, user)) for key, provide in list(providers.items()))
    return [replace(block, key=key) for key, block in blocks if block is not None]


def panels_for(commune: "Commune", user) -> list[Block]:
    """The registered panels of a commune's page, in the order they were registered."""
    return _blocks(_panels, commune, user)


def tasks_for(province: "Province", user) -> list[Block]:
    """The registered tasks of a province's overview, in the order they were registered."""
    return _blocks(_tasks, province, user)
