"""Recall and precision of PII detection on the labelled set (tests/fixtures/pii/labelled.json):
spoken-style card numbers, CVVs, expiry dates, Israeli IDs, phones, e-mails and IBANs in Hebrew, Arabic
and English, with negatives (amounts, dates, order numbers) that must stay.

    .venv/bin/python bench/redaction_eval.py

An entity counts as found when a span of the same kind covers one of its words; "word recall" is the
share of labelled words that end up redacted (what a listener could still hear or read otherwise).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storage.records import Segment, Speaker, Transcript, Word  # noqa: E402
from transcribe.redact.pii import find_pii  # noqa: E402

LABELLED = ROOT / "tests" / "fixtures" / "pii" / "labelled.json"
# Written after the detector was tuned on labelled.json and not tuned on since: the honest figure.
HELD_OUT = ROOT / "tests" / "fixtures" / "pii" / "heldout.json"


def as_transcript(text: str) -> Transcript:
    words = tuple(Word(float(i), i + 0.9, w, 0.9) for i, w in enumerate(text.split()))
    return Transcript(
        "xx",
        len(words),
        (Speaker("S1", "customer", 1),),
        (Segment(0, len(words), "S1", "customer", 1, text, words),),
    )


def label_words(text: str, entity: str) -> set[int]:
    tokens, wanted = text.split(), entity.split()
    for start in range(len(tokens) - len(wanted) + 1):
        if tokens[start : start + len(wanted)] == wanted:
            return set(range(start, start + len(wanted)))
    raise ValueError(f"labelled entity {entity!r} is not in {text!r}")


def evaluate(cases: list[dict]) -> dict:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fn": 0, "fp": 0})
    words_total = words_covered = 0
    misses, false_alarms = [], []
    for case in cases:
        spans = [(s.kind, {w for _, w in s.words}) for s in find_pii(as_transcript(case["text"]))]
        matched = set()
        for entity in case["entities"]:
            wanted = label_words(case["text"], entity["text"])
            words_total += len(wanted)
            words_covered += len(wanted & set().union(*(w for _, w in spans)))
            hit = next((i for i, (k, w) in enumerate(spans) if k == entity["kind"] and w & wanted), None)
            for key in (entity["kind"], case["lang"], "all"):
                counts[key]["tp" if hit is not None else "fn"] += 1
            if hit is None:
                misses.append((case["text"], entity["kind"]))
            else:
                matched.add(hit)
        for index, (kind, _words) in enumerate(spans):
            if index not in matched:
                for key in (kind, case["lang"], "all"):
                    counts[key]["fp"] += 1
                false_alarms.append((case["text"], kind))
    return {
        "counts": dict(counts),
        "word_recall": words_covered / words_total if words_total else 1.0,
        "misses": misses,
        "false_alarms": false_alarms,
    }


def ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def main() -> None:
    for path in (LABELLED, HELD_OUT):
        print(f"== {path.name}")
        report(json.loads(path.read_text(encoding="utf-8")))


def report(cases: list[dict]) -> None:
    result = evaluate(cases)
    print(f"{len(cases)} utterances, {sum(len(c['entities']) for c in cases)} labelled entities")
    print(f"{'':>10} {'recall':>7} {'precision':>9}  (tp/fn/fp)")
    for key in ("all", "en", "he", "ar", "card", "cvv", "expiry", "id_number", "phone", "email", "iban"):
        c = result["counts"].get(key, {"tp": 0, "fn": 0, "fp": 0})
        print(
            f"{key:>10} {ratio(c['tp'], c['tp'] + c['fn']):7.2f} {ratio(c['tp'], c['tp'] + c['fp']):9.2f}"
            f"  ({c['tp']}/{c['fn']}/{c['fp']})"
        )
    print(f"word recall {result['word_recall']:.3f}")
    for text, kind in result["misses"]:
        print(f"  missed {kind}: {text}")
    for text, kind in result["false_alarms"]:
        print(f"  false {kind}: {text}")


if __name__ == "__main__":
    main()
