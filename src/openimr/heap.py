"""The heap of a long-running server process, kept out of reach of the garbage collector's full collections.

A full collection walks every object the collector tracks, holding the interpreter meanwhile. Most of the heap of an
`imr serve` process lives as long as the process: the modules, the app, and the review engine's knowledge, loaded by the
process's first drafting job (some 40,000 objects). Under load, walking them held every request for 70-140 ms every few
seconds: the tail of the filings' latency. `freeze` puts what exists out of the collector's reach (`gc.freeze`);
`freeze_growth` does it again in a process that froze its heap, once that heap has grown by many objects since (a
drafting worker calls it after each job).
"""

from __future__ import annotations

import gc

GROWTH = 20_000
"""How many tracked objects a frozen process may gain before `freeze_growth` freezes them too (a full collection of
this many takes some 30 ms)."""

_frozen = False


def freeze() -> None:
    """Put every object made so far out of the collector's reach, for the rest of the process's life."""
    global _frozen
    gc.freeze()
    _frozen = True


def freeze_growth(threshold: int = GROWTH) -> bool:
    """In a process that froze its heap (`freeze`), collect and freeze what it has gained if that is `threshold` objects
    or more; whether it did. The collection first, so that no garbage is frozen."""
    if not _frozen or len(gc.get_objects()) < threshold:
        return False
    gc.collect()
    gc.freeze()
    return True
