"""Automatic QA against a reviewer on the scripted calls: the criteria bound to rules and sentiment
(tests/fixtures/qa/scripted_reviews.json, the reviewer's points written before this first ran) scored
by the analysis of each script's words, per criterion and overall.

    .venv/bin/python -m bench.qa_agreement
"""

from __future__ import annotations

import json
from pathlib import Path

from storage.qa_auto import auto_points
from tests.scripts import scripted_transcript
from transcribe.analyse import raise_flags
from transcribe.characteristics import measure
from transcribe.rules.loader import load_rules
from transcribe.sentiment.call import sentiment_summary, with_sentiment

REVIEWS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "qa" / "scripted_reviews.json"
FULL = 5


def automatic_scores() -> tuple[dict[str, dict[str, int | None]], dict[str, dict[str, int]]]:
    """(the analysis' points, the reviewer's points) per call and criterion."""
    labelled = json.loads(REVIEWS.read_text(encoding="utf-8"))
    rules = load_rules()
    automatic: dict[str, dict[str, int | None]] = {}
    for name in labelled["reviews"]:
        transcript = with_sentiment(scripted_transcript(name))
        characteristics = measure(transcript)
        characteristics["sentiment"] = sentiment_summary(transcript)
        metadata = {"duration": transcript.duration, "language": transcript.language}
        flagged = {f.rule_id for f in raise_flags(rules, transcript, characteristics["metrics"], metadata)}
        automatic[name] = {
            criterion: auto_points({"max_points": FULL, "auto": auto}, characteristics, flagged)
            for criterion, auto in labelled["criteria"].items()
        }
    return automatic, labelled["reviews"]


def main() -> None:
    automatic, reviewer = automatic_scores()
    criteria = list(next(iter(reviewer.values())))
    print(f"{'criterion':12} {'calls':>5} {'agree':>6}  disagreements")
    agreed = total = 0
    for criterion in criteria:
        pairs = [(call, automatic[call][criterion], reviewer[call][criterion]) for call in reviewer]
        same = sum(a == r for _, a, r in pairs)
        agreed, total = agreed + same, total + len(pairs)
        misses = ", ".join(f"{call} (auto {a}, reviewer {r})" for call, a, r in pairs if a != r)
        print(f"{criterion:12} {len(pairs):>5} {same / len(pairs):>6.2f}  {misses}")
    print(f"{'all':12} {total:>5} {agreed / total:>6.2f}")


if __name__ == "__main__":
    main()
