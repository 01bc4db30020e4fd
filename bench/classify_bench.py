"""Classifier throughput on one core: tips/s, p50/p99 latency, ratio to a naive keyword scan.

Run from the repository root: ``python bench/classify_bench.py [--rounds N]``. Target: at least
2,000 tips/s. The baseline is the cheapest thing that could pass for a classifier (does any
keyword occur in the lowercased text?), measured in the same run on the same tips.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from intake.classify import lexicon
from intake.classify.evaluate import DEFAULT_EVALUATION_PATH, load_labelled
from intake.classify.rules import classify_text

TARGET_TIPS_PER_SECOND = 2_000


def _all_keywords() -> list[str]:
    words = []
    for spec in lexicon.CATEGORY_TERMS.values():
        for item in spec.replace("\n", " ").split(";"):
            phrase = item.rpartition("=")[0].strip().rstrip("*+")
            if phrase:
                words.append(phrase)
    return words


def _naive(text: str, keywords: list[str]) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in keywords)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    texts = [tip.text for tip in load_labelled(DEFAULT_EVALUATION_PATH)]
    keywords = _all_keywords()
    classify_text(texts[0])  # build the index outside the timed part

    latencies: list[float] = []
    start = time.perf_counter()
    for _ in range(args.rounds):
        for text in texts:
            t0 = time.perf_counter()
            classify_text(text)
            latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    rate = len(latencies) / elapsed

    start = time.perf_counter()
    for _ in range(args.rounds):
        for text in texts:
            _naive(text, keywords)
    naive_rate = len(latencies) / (time.perf_counter() - start)

    print(f"tips classified: {len(latencies)} ({len(texts)} tips x {args.rounds} rounds)")
    print(f"classifier: {rate:,.0f} tips/s (target >= {TARGET_TIPS_PER_SECOND:,})")
    print(
        f"latency per tip: p50 {statistics.median(latencies) * 1e6:.0f} us, "
        f"p99 {_percentile(latencies, 0.99) * 1e6:.0f} us"
    )
    print(f"naive any-keyword scan ({len(keywords)} keywords): {naive_rate:,.0f} tips/s")
    print(f"ratio classifier / naive scan: {rate / naive_rate:.2f}")
    print("target met" if rate >= TARGET_TIPS_PER_SECOND else "TARGET MISSED")


if __name__ == "__main__":
    main()
