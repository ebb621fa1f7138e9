"""The fixture calls' scripts (tests/fixtures/calls/*.json) as transcripts: exact words and turn times."""

from __future__ import annotations

import json

from storage.records import Segment, Speaker, Transcript, Word
from tests.conftest import CALLS

SCRIPTED_CALLS = (
    "en_billing_dispute",
    "en_account_takeover",
    "en_rude_agent",
    "he_billing_dispute",
    "ar_billing_dispute",
)


def scripted_transcript(name: str) -> Transcript:
    script = json.loads((CALLS / f"{name}.json").read_text(encoding="utf-8"))
    segments = []
    for turn in script["turns"]:
        channel = 0 if turn["role"] == "agent" else 1
        words = turn["text"].split()
        step = (turn["end"] - turn["start"]) / len(words)
        segments.append(
            Segment(
                turn["start"],
                turn["end"],
                f"S{channel}",
                turn["role"],
                channel,
                turn["text"],
                tuple(
                    Word(turn["start"] + i * step, turn["start"] + (i + 1) * step, w, 1.0)
                    for i, w in enumerate(words)
                ),
            )
        )
    duration = max(t["end"] for t in script["turns"])
    return Transcript(
        script["language"],
        duration,
        (Speaker("S0", "agent", 0), Speaker("S1", "customer", 1)),
        tuple(segments),
        "script",
    )
