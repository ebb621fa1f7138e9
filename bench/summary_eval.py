"""Extractive summaries against the facts a reader must find (tests/fixtures/summary): per call, is the
customer's reason the turn the facts name, which of the agent's actions and follow-ups were found (and
how many found were right), and is the outcome (resolved or not) right. Sets: the scripted calls and
three written ones (the cues were written knowing them), and held-out calls written before any summary
code ran. `--model base` also summarises what the model heard in the scripted calls' audio.

    .venv/bin/python -m bench.summary_eval [--show] [--model base]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from storage.records import Segment, Speaker, Transcript
from transcribe.drivers.named import load_drivers, named_drivers
from transcribe.sentiment.call import sentiment_summary, with_sentiment
from transcribe.summary.extract import summarise

ROOT = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
SPEAKERS = (Speaker("S0", "agent", 0), Speaker("S1", "customer", 1))


def transcript_of(language: str, turns: list[dict[str, Any]]) -> Transcript:
    segments = tuple(
        Segment(t["start"], t["end"], "S0" if t["role"] == "agent" else "S1", t["role"], None, t["text"])
        for t in turns
    )
    return Transcript(language, max(t["end"] for t in turns), SPEAKERS, segments)


def calls(split: str) -> list[tuple[str, list[dict[str, Any]], Transcript, dict[str, Any]]]:
    """(name, the script's turns, the transcript to summarise, facts) per call."""
    found = []
    if split == "tuning":
        facts = json.loads((ROOT / "summary" / "facts.json").read_text(encoding="utf-8"))
        written = json.loads((ROOT / "summary" / "written_calls.json").read_text(encoding="utf-8"))
        for name, fact in facts.items():
            if name.startswith("_"):
                continue
            script = written.get(name) or json.loads(
                (ROOT / "calls" / f"{name}.json").read_text(encoding="utf-8")
            )
            found.append((name, script["turns"], transcript_of(script["language"], script["turns"]), fact))
    else:
        held = json.loads((ROOT / "summary" / "heldout_calls.json").read_text(encoding="utf-8"))
        for name, script in held.items():
            if not name.startswith("_"):
                found.append(
                    (
                        name,
                        script["turns"],
                        transcript_of(script["language"], script["turns"]),
                        script["facts"],
                    )
                )
    return found


def _hits(items: list[dict[str, Any]], starts: list[float], turns: list[dict[str, Any]]) -> tuple[int, int]:
    """(facts found, items that are facts): an item is a fact's turn when their times overlap. Facts
    name a turn by its start to the second."""
    spans = [(t["start"], t["end"]) for t in turns if any(abs(t["start"] - s) <= 1 for s in starts)]
    overlap = [any(i["start"] < e and i["end"] > s for s, e in spans) for i in items]
    found = sum(any(i["start"] < e and i["end"] > s for i in items) for s, e in spans)
    return found, sum(overlap)


def score(turns: list[dict[str, Any]], transcript: Transcript, fact: dict[str, Any]) -> dict[str, Any]:
    transcript = with_sentiment(transcript)
    named = named_drivers(transcript, load_drivers())
    summary = summarise(transcript, named, sentiment_summary(transcript))
    reason = [summary["reason"]] if summary["reason"] else []
    actions = _hits(summary["actions"], fact["actions"], turns)
    follow = _hits(summary["follow_ups"], fact["follow_ups"], turns)
    return {
        "summary": summary,
        "reason": _hits(reason, fact["reason"], turns)[0] == 1,
        "actions": (actions[0], len(fact["actions"]), actions[1], len(summary["actions"])),
        "follow_ups": (follow[0], len(fact["follow_ups"]), follow[1], len(summary["follow_ups"])),
        "outcome": (summary["outcome"] or {}).get("resolved") == fact["resolved"],
    }


def report(label: str, rows: list[tuple[str, dict[str, Any]]], show: bool) -> None:
    def ratio(part: int, whole: int) -> str:
        return f"{part}/{whole}"

    n = len(rows)
    a = [sum(r["actions"][i] for _, r in rows) for i in range(4)]
    f = [sum(r["follow_ups"][i] for _, r in rows) for i in range(4)]
    print(
        f"| {label} | {n} | {ratio(sum(r['reason'] for _, r in rows), n)} | {ratio(a[0], a[1])} | {ratio(a[2], a[3])} "
        f"| {ratio(f[0], f[1])} | {ratio(f[2], f[3])} | {ratio(sum(r['outcome'] for _, r in rows), n)} |"
    )
    if show:
        for name, r in rows:
            if not (r["reason"] and r["outcome"] and r["actions"][0] == r["actions"][1] == r["actions"][2] == r["actions"][3]
                    and r["follow_ups"][0] == r["follow_ups"][1] == r["follow_ups"][2] == r["follow_ups"][3]):  # fmt: skip
                print(f"  {name}: {json.dumps(r, ensure_ascii=False)}")


def heard(model: str) -> list[tuple[str, list[dict[str, Any]], Transcript, dict[str, Any]]]:
    """The scripted calls as the model hears their stereo audio and redaction leaves them (the same facts,
    matched by time)."""
    from transcribe.asr import Transcriber
    from transcribe.audio import load_audio
    from transcribe.recognition import CallOptions, Timings, transcribe_audio
    from transcribe.redact.pii import find_pii, redact
    from transcribe.settings import TranscribeSettings

    transcriber = Transcriber(TranscribeSettings(model=model))
    found = []
    for name, turns, _, fact in calls("tuning"):
        wav = ROOT / "calls" / f"{name}.stereo.wav"
        if not wav.exists():
            continue
        options = CallOptions(
            channel_roles=("agent", "customer"), language=None, allowed_languages=["he", "ar", "en"]
        )
        recognised = transcribe_audio(
            load_audio(wav, channels=2), transcriber, options, Timings(), lambda *a: None
        )
        found.append((name, turns, redact(recognised, find_pii(recognised)), fact))  # as the worker saves it
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--show", action="store_true", help="print the calls with a miss")
    parser.add_argument("--model", help="also summarise what this model hears in the scripted calls' audio")
    parser.add_argument("--split", choices=("tuning", "heldout"), help="one set only (tune on tuning)")
    args = parser.parse_args()
    print(
        "| set | calls | reason | actions found | actions right | follow-ups found | follow-ups right | outcome right |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for split in (args.split,) if args.split else ("tuning", "heldout"):
        started = time.perf_counter()
        rows = [(name, score(turns, t, fact)) for name, turns, t, fact in calls(split)]
        report(f"{split} (script text)", rows, args.show)
        if args.show:
            print(f"  {1000 * (time.perf_counter() - started) / len(rows):.1f} ms per call")
    if args.model:
        rows = [(name, score(turns, t, fact)) for name, turns, t, fact in heard(args.model)]
        report(f"scripted audio, heard by {args.model}", rows, args.show)


if __name__ == "__main__":
    main()
