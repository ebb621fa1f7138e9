"""Call-driver discovery on a generated month of calls with known themes (bench/driver_month.py), per
language: how many discovered drivers are one real theme (precision), how many themes were found
(recall), the same per call, and whether the theme made to rise in the last week, and only it, is
reported rising. tuning.yaml is what discovery was tuned on; heldout.yaml was written before any
discovery code and is never tuned on. Both are printed.

    .venv/bin/python -m bench.drivers_eval [--show]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from datetime import timedelta

from storage.driver_match import Theme
from storage.driver_trend import BASELINE_PERIODS, is_rising
from transcribe.drivers.discover import CallKeys, discover
from transcribe.drivers.keyphrases import call_keyphrases

from .driver_month import OTHER, GeneratedCall, load, month

PURE = 0.8  # a discovered driver is one theme when at least this share of its calls are of it
MIN_CALLS = 5


def call_keys(calls: list[GeneratedCall]) -> tuple[list[CallKeys], float]:
    started = time.perf_counter()
    docs = []
    for c in calls:
        pairs = call_keyphrases(c.transcript.segments, c.language)
        docs.append(CallKeys(c.call_id, frozenset(k for k, _ in pairs), dict(pairs)))
    return docs, (time.perf_counter() - started) / len(calls)


def rising_themes(themes: list[Theme], calls: list[GeneratedCall]) -> list[Theme]:
    end = max(c.started_at for c in calls)
    week = timedelta(days=7)
    at = {c.call_id: c.started_at for c in calls}
    found = []
    for t in themes:
        periods = [
            sum(end - (n + 1) * week < at[i] <= end - n * week for i in t.call_ids)
            for n in range(BASELINE_PERIODS + 1)
        ]
        if is_rising(periods[0], periods[1:]):
            found.append(t)
    return found


def evaluate(split: str, language: str, show: bool = False) -> dict:
    themes_known = sorted(load(split)[language]["themes"])
    rising = themes_known[1]
    calls = month(split, language, rising=rising)
    truth = {c.call_id: c.theme for c in calls}
    docs, per_call = call_keys(calls)
    started = time.perf_counter()
    themes = discover(docs, language, MIN_CALLS)
    discover_s = time.perf_counter() - started
    mapped: dict[str, str | None] = {}
    for t in themes:
        theme, n = Counter(truth[i] for i in t.call_ids).most_common(1)[0]
        mapped[t.id] = theme if theme != OTHER and n >= PURE * len(t.call_ids) else None
        if show:
            print(f"  {language} {t.name!r}: {len(t.call_ids)} calls -> {mapped[t.id]} ({n})")
    found = {m for m in mapped.values() if m}
    assigned = sum(len(t.call_ids) for t in themes)
    right = sum(sum(truth[i] == mapped[t.id] for i in t.call_ids) for t in themes)
    with_theme = sum(v != OTHER for v in truth.values())
    said_rising = [mapped[t.id] for t in rising_themes(themes, calls)]
    return {
        "calls": len(calls),
        "drivers": len(themes),
        "precision": sum(m is not None for m in mapped.values()) / max(1, len(themes)),
        "recall": len(found) / len(themes_known),
        "call_precision": right / max(1, assigned),
        "call_recall": right / max(1, with_theme),
        "rising_right": said_rising == [rising],
        "said_rising": said_rising,
        "ms_per_call": per_call * 1000,
        "discover_s": discover_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--show", action="store_true", help="print every discovered driver")
    parser.add_argument("--split", choices=("tuning", "heldout"), help="one set only (tune on tuning)")
    args = parser.parse_args()
    print(
        "| set | language | calls | drivers | precision | recall | call precision | call recall | rising right | keyphrases ms/call | discovery s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for split in (args.split,) if args.split else ("tuning", "heldout"):
        for language in ("en", "he", "ar"):
            r = evaluate(split, language, args.show)
            print(
                f"| {split} | {language} | {r['calls']} | {r['drivers']} | {r['precision']:.2f} | {r['recall']:.2f} "
                f"| {r['call_precision']:.2f} | {r['call_recall']:.2f} | {'yes' if r['rising_right'] else 'no ' + str(r['said_rising'])} "
                f"| {r['ms_per_call']:.2f} | {r['discover_s']:.2f} |"
            )


if __name__ == "__main__":
    main()
