"""A titled list of entries: the shape of the side sections the pages show from another part of
the domain (a commune's OCOP products, the certificates falling due in a province's tasks)."""

from dataclasses import dataclass


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
    With ``headers`` (the label's, then one per fact) it shows as a table."""

    key: str
    title: str
    entries: tuple[Entry, ...] = ()
    headers: tuple[str, ...] = ()
    empty: str = ""
    more_url: str = ""
    more_label: str = ""
