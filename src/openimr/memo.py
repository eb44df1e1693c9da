"""Results kept for the next call, for objects too slow to hash or not hashable at all."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["IdentityMemo"]

K = TypeVar("K")
A = TypeVar("A", bound=Hashable)
T = TypeVar("T")


class IdentityMemo(Generic[K, A, T]):
    """What `work` gives for an object and an argument, kept for the next call (at most `kept` of them, all dropped
    when full). Looked up by the object's id, not its hash: a compiled expression hashes its whole program, too slow
    for a lookup made at each search, and a topic has no hash. The object is kept alive with its value, so that the id
    stays its own."""

    def __init__(self, work: Callable[[K, A], T], kept: int) -> None:
        self._work = work
        self._kept = kept
        self._known: dict[tuple[int, A], tuple[K, T]] = {}

    def __call__(self, of: K, given: A) -> T:
        known = self._known.get((id(of), given))
        if known is not None and known[0] is of:
            return known[1]
        value = self._work(of, given)
        if len(self._known) >= self._kept:
            self._known.clear()
        self._known[id(of), given] = (of, value)
        return value
