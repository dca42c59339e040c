"""Bulk work that builds many objects at once."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a bulk step holds or makes tens of thousands of
    acyclic objects (scored results, the demo's rows): each full collection would walk them all
    again, a quarter of a year's rescoring and a third of the demo's run. Reference counting
    still frees what goes; the collector runs again, if it was on, when the step ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
