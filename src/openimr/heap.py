"""The heap of a long-running server process, kept out of reach of the garbage collector's full collections.

A full collection walks every object the collector tracks, holding the interpreter meanwhile. Most of the heap of an
`imr serve` process lives as long as the process: the modules, the app, and the review engine's knowledge, loaded by the
process's first drafting job (some 40,000 objects). Under load, walking them held every request for 70-140 ms every few
seconds: the tail of the filings' latency. `freeze` puts what exists out of the collector's reach (`gc.freeze`);
`freeze_growth` does it again in a process that froze its heap, once that heap has grown by many memory blocks since (a
drafting worker calls it after each job).

The growth is counted in pymalloc's blocks (`sys.getallocatedblocks`), never by listing the collector's objects
(`gc.get_objects`): such a list holds a reference to every tracked object, among them a tuple that another thread is
still building from an iterator, whose resize then fails (`SystemError: bad argument to internal function` in
`_PyTuple_Resize`, seen in a request thread while a worker drained its jobs).
"""

from __future__ import annotations

import gc
import sys

GROWTH = 50_000
"""How many memory blocks a frozen process may gain before `freeze_growth` freezes what it made (some 20,000 tracked
objects with their strings and numbers: a full collection of them takes some 30 ms)."""

_blocks_at_freeze: int | None = None
"""The blocks allocated when the heap was last frozen; None in a process that froze nothing."""


def freeze() -> None:
    """Put every object made so far out of the collector's reach, for the rest of the process's life."""
    global _blocks_at_freeze
    gc.freeze()
    _blocks_at_freeze = sys.getallocatedblocks()


def growth() -> int:
    """The memory blocks a frozen process has gained since it last froze its heap (0 in a process that froze nothing)."""
    return 0 if _blocks_at_freeze is None else sys.getallocatedblocks() - _blocks_at_freeze


def freeze_growth(threshold: int = GROWTH) -> bool:
    """In a process that froze its heap (`freeze`), collect and freeze what it has gained if that is `threshold` blocks
    or more; whether it did. The collection first, so that no garbage is frozen."""
    if _blocks_at_freeze is None or growth() < threshold:
        return False
    gc.collect()
    freeze()
    return True
