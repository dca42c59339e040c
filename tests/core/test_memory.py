"""without_cyclic_gc pauses the cyclic collector for a bulk step and gives it back as found."""

import gc

import pytest

from core.memory import without_cyclic_gc


@pytest.fixture
def collector():
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()


def test_paused_inside_and_on_again_after_even_on_an_error(collector):
    gc.enable()
    with without_cyclic_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), without_cyclic_gc():
        assert not gc.isenabled()
        raise RuntimeError("a failed step")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off(collector):
    gc.disable()
    with without_cyclic_gc():
        assert not gc.isenabled()
    assert not gc.isenabled()
