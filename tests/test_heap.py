"""`openimr.heap`: a server process's long-lived objects kept out of the collector's full collections."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from openimr import heap


@pytest.fixture
def unfrozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process with nothing frozen, and put back so (the test process is not a server)."""
    gc.unfreeze()
    monkeypatch.setattr(heap, "_blocks_at_freeze", None)
    yield
    gc.unfreeze()


def _tracked(value: object) -> bool:
    return any(tracked is value for tracked in gc.get_objects())


def test_a_frozen_process_freezes_what_it_gained_once_it_is_many_objects(unfrozen: None) -> None:
    heap.freeze()
    loaded = [[n] for n in range(3_000)]  # what a first job loads to keep
    assert _tracked(loaded)
    assert not heap.freeze_growth(threshold=heap.growth() + 1_000), "a small growth is left to the collector"
    assert _tracked(loaded)
    assert heap.freeze_growth(threshold=2_000)
    assert not _tracked(loaded) and not any(_tracked(entry) for entry in loaded[:10])


def test_a_process_that_froze_nothing_freezes_nothing_later(unfrozen: None) -> None:
    loaded = [[n] for n in range(3_000)]
    assert not heap.freeze_growth(threshold=1)
    assert _tracked(loaded) and gc.get_freeze_count() == 0


class _Node:
    """An object in a reference cycle: only the collector frees it."""

    def __init__(self) -> None:
        self.itself = self


def test_no_garbage_is_frozen_with_what_lives(unfrozen: None) -> None:
    heap.freeze()
    garbage = weakref.ref(_Node())
    assert garbage() is not None, "a cycle outlives its last reference until a collection"
    kept = [[n] for n in range(2_500)]
    assert heap.freeze_growth(threshold=2_000)
    assert garbage() is None, "the cycle was collected, not frozen"
    assert not _tracked(kept)


def test_the_growth_is_counted_without_listing_the_collectors_objects(unfrozen: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """A list of every tracked object would hold tuples other threads are still building (their resize then fails)."""
    heap.freeze()
    kept = [[n] for n in range(3_000)]

    def listing(*args: object, **kwargs: object) -> list[object]:
        raise AssertionError("gc.get_objects called")

    monkeypatch.setattr(gc, "get_objects", listing)
    assert heap.growth() >= 3_000
    assert heap.freeze_growth(threshold=2_000)
    monkeypatch.undo()
    assert not _tracked(kept)
