"""Review throughput: items reviewed per second on one core, and peak memory, over the dev letters.

Letters are parsed and their cases built first (not timed); then every case is reviewed, a few rounds, in this
process only. Run: `python benchmarks/bench_review.py [--rounds N]`.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from pathlib import Path

from openimr.corpus.evaluate import case_from_letter
from openimr.letters import parse_letter
from openimr.review import review_case

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def main() -> None:
    """Print items per second and peak memory of `review_case` over the dev letters and seeds."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    files = sorted([*SHARED.joinpath("data", "dwc_letters", "pdf").glob("*.pdf"), *SHARED.joinpath("seeds").glob("*.txt")])
    cases = [case_from_letter(parse_letter(path)) for path in files]
    items = sum(len(case.disputed_items) for case in cases)
    review_case(cases[0])  # load and compile the knowledge once, as a long-running service would

    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.rounds):
        for case in cases:
            review_case(case)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu

    tracemalloc.start()
    for case in cases:
        review_case(case)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    reviewed = items * args.rounds
    print(f"cases: {len(cases)}  items: {items}  rounds: {args.rounds}")
    print(f"items/s per CPU second (one core): {reviewed / cpu:,.0f}")
    print(f"items/s wall clock (shared machine): {reviewed / wall:,.0f}")
    print(f"peak traced memory during review: {traced_peak / 2**20:.1f} MiB")
    print(f"peak resident memory of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
