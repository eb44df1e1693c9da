"""Speed of the foundations: request labels parsed per second and characters of text asserted per second.

Figures are CPU time of this one process (one core), so other work on the machine does not skew them.

Run: `python benchmarks/bench_requests.py`. Reads the item labels of the shared gold files and the seed letters'
text (nothing is written). Prints figures only; no assertions.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from openimr.evidence.context import find_mentions
from openimr.knowledge.lexicons import drug_matcher, procedure_matcher
from openimr.requests import parse_request

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _labels() -> list[str]:
    labels = []
    for path in (SHARED / "data" / "dwc_letters" / "gold.jsonl", SHARED / "seeds" / "gold.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                labels.extend(item["item"] for item in json.loads(line)["items"])
    return labels


def main() -> None:
    """Time request parsing and mention assertion; print the rates."""
    start = time.process_time()
    parse_request("Norco 10/325mg #60")
    find_mentions("No spasm.", drug_matcher())
    print(f"first call (load lexicons and rules, compile): {time.process_time() - start:.2f} s")

    labels = _labels()
    rounds = 5
    start = time.process_time()
    for _ in range(rounds):
        for label in labels:
            parse_request(label)
    elapsed = time.process_time() - start
    print(f"requests: {rounds * len(labels) / elapsed:,.0f} labels/s ({len(labels)} labels x {rounds})")

    texts = [p.read_text(encoding="utf-8") for p in sorted((SHARED / "seeds").glob("*.txt"))]
    characters = sum(len(t) for t in texts)
    start = time.process_time()
    mentions = 0
    for text in texts:
        mentions += len(find_mentions(text, drug_matcher())) + len(find_mentions(text, procedure_matcher()))
    elapsed = time.process_time() - start
    print(f"mentions with assertion: {mentions} in {characters:,} characters, {characters / elapsed / 1000:,.0f} k characters/s")


if __name__ == "__main__":
    main()
