"""Time limits of tests that wait on the machine (servers starting, loads, the engine), scaled by how busy it is.

A limit is written as what an idle machine needs, with room; on a machine whose cores are all busy with other work
every wait takes longer in proportion, so the limit is multiplied by the 1-minute load average per core (never less
than once). One home for every such limit in the tests."""

from __future__ import annotations

import os


def load_factor() -> float:
    """The 1-minute load average per core, at least 1."""
    return max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))


def patience(seconds: float) -> float:
    """`seconds`, the limit on an idle machine, scaled by `load_factor` now."""
    return seconds * load_factor()
