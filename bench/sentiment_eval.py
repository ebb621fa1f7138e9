"""Sentiment on labelled call-centre utterances per language: accuracy, macro-F1, and clearly negative
utterances read as positive (must be none). The held-out files were written before the lexicons and
are never tuned on; both are printed.

    .venv/bin/python -m bench.sentiment_eval [--errors]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from transcribe.sentiment.score import score_text

SETS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "sentiment"
LABELS = {"pos": "positive", "neu": "neutral", "neg": "negative", "neg!": "negative"}
CLASSES = ("positive", "neutral", "negative")


def load(split: str, language: str) -> list[tuple[str, str, bool]]:
    """(text, label, clearly negative) per utterance."""
    rows = []
    for line in (SETS / f"{split}.{language}.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            label, text = line.split("\t", 1)
            rows.append((text, LABELS[label], label == "neg!"))
    return rows


def evaluate(split: str, language: str) -> dict:
    rows = load(split, language)
    predicted = [score_text(text, language).label for text, _, _ in rows]
    truth = [label for _, label, _ in rows]
    f1s = []
    for c in CLASSES:
        tp = sum(p == c and t == c for p, t in zip(predicted, truth, strict=True))
        fp = sum(p == c and t != c for p, t in zip(predicted, truth, strict=True))
        fn = sum(p != c and t == c for p, t in zip(predicted, truth, strict=True))
        f1s.append(2 * tp / max(1, 2 * tp + fp + fn))
    return {
        "n": len(rows),
        "accuracy": sum(p == t for p, t in zip(predicted, truth, strict=True)) / len(rows),
        "macro_f1": sum(f1s) / len(f1s),
        "clear_negative_as_positive": [
            r[0] for r, p in zip(rows, predicted, strict=True) if r[2] and p == "positive"
        ],
        "errors": [(r[0], r[1], p) for r, p in zip(rows, predicted, strict=True) if r[1] != p],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--errors", action="store_true", help="list the utterances read wrongly (labelled set)"
    )
    args = parser.parse_args()
    print(f"{'set':10} {'lang':4} {'n':>4} {'accuracy':>9} {'macro-F1':>9} {'clear neg as pos':>17}")
    for split in ("labelled", "heldout"):
        for language in ("en", "he", "ar"):
            r = evaluate(split, language)
            print(
                f"{split:10} {language:4} {r['n']:>4} {r['accuracy']:>9.2f} {r['macro_f1']:>9.2f} {len(r['clear_negative_as_positive']):>17}"
            )
            if args.errors and split == "labelled":
                for text, truth, predicted in r["errors"]:
                    print(f"    {truth:8} read {predicted:8} {text}")
    # What it costs the worker: every utterance of every set, scored 20 times over.
    texts = [
        (t, lang)
        for lang in ("en", "he", "ar")
        for split in ("labelled", "heldout")
        for t, _, _ in load(split, lang)
    ]
    started = time.perf_counter()
    for _ in range(20):
        for text, language in texts:
            score_text(text, language)
    per_segment = (time.perf_counter() - started) / (20 * len(texts))
    print(f"time per segment: {per_segment * 1e6:.0f} us ({len(texts)} utterances x 20)")


if __name__ == "__main__":
    main()
