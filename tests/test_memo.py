"""IdentityMemo: a value kept per object and argument, looked up by the object's identity."""

from __future__ import annotations

from openimr.memo import IdentityMemo


class _Unhashable:
    """Stands for an object without a hash (a model with a list field)."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, words: list[str]) -> None:
        self.words = words


def test_a_value_is_worked_out_once_for_an_object_and_an_argument() -> None:
    calls: list[tuple[int, str]] = []

    def joined(of: _Unhashable, separator: str) -> str:
        calls.append((id(of), separator))
        return separator.join(of.words)

    memo = IdentityMemo(joined, 8)
    first, second = _Unhashable(["a", "b"]), _Unhashable(["a", "b"])
    assert memo(first, "-") == "a-b"
    assert memo(first, "-") == "a-b"
    assert memo(first, "+") == "a+b"
    assert memo(second, "-") == "a-b"
    assert calls == [(id(first), "-"), (id(first), "+"), (id(second), "-")]


def test_when_full_the_kept_values_are_dropped_and_worked_out_again() -> None:
    calls: list[int] = []

    def length(of: _Unhashable, _: None) -> int:
        calls.append(len(of.words))
        return len(of.words)

    memo = IdentityMemo(length, 2)
    objects = [_Unhashable(["w"] * n) for n in range(3)]
    assert [memo(o, None) for o in objects] == [0, 1, 2]
    assert memo(objects[2], None) == 2 and memo(objects[0], None) == 0
    assert calls == [0, 1, 2, 0]
