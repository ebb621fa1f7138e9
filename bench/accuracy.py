"""Accuracy on real recorded speech: callrec's pipeline against bare faster-whisper, side by side.

    .venv/bin/python bench/accuracy.py [--corpus DIR] [--model base] [--json OUT] [--only NAME ...]

Per recording and channel it prints WER (normalised: case, punctuation, niqqud, harakat, alef and final
letter forms), the language each identified, reference turns lost (no hypothesis word inside them),
transcript-level DER (the transcript's speakers and segment times against the reference turns) without
collar and with 0.25 s, the speakers found, and seconds. "pipeline" is `transcribe_audio`, the worker's
recognition and speaker stages, on the audio as the worker decodes it. "bare" is faster-whisper's
`WhisperModel.transcribe` with its default options (plus word timestamps, for the turn measures) on
the same file and model: each channel of a two-channel file, the downmix of a mono or same-mix file.
The two alternate per recording in one process, with models loaded first, so their times compare.

Without --corpus only the real conversation in tests/fixtures/voices runs (three telephone versions).
The corpus folder's layout and provenance rules are in bench/realspeech.py; CALLREC_BENCH_CORPUS
names it too. The shared corpus lives in the steering repository's shared/realspeech when present.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.realspeech import (  # noqa: E402
    HypWord,
    Item,
    conversation_items,
    corpus_items,
    transcript_der,
    turns_lost,
    wer,
    words_for_wer,
)

SHARED_CORPUS = ROOT.parent / "shared" / "realspeech"


@dataclass
class Result:
    item: str
    system: str  # pipeline | bare
    language: str  # identified
    seconds: float
    words: list[HypWord]
    speakers: int
    segments: list[tuple[float, float, str]]
    mono_in_stereo: bool | None = None
    flags: int = 0  # the built-in rules' flags on this transcript, with the confidence gate
    flags_ungated: int = 0  # and without it
    confidence: float | None = None


def run_pipeline(item: Item, transcriber, diarizer) -> Result:  # type: ignore[no-untyped-def]
    from transcribe.audio import channel_count, load_audio
    from transcribe.recognition import CallOptions, Timings, transcribe_audio

    started = time.perf_counter()
    audio = load_audio(item.path, channel_count(item.path))
    transcript = transcribe_audio(audio, transcriber, CallOptions(), Timings(), diarizer=diarizer)
    seconds = time.perf_counter() - started
    flags, ungated, confidence = rule_outcome(transcript)
    words = [
        HypWord(w.start, w.end, w.word, s.speaker, s.channel)
        for s in transcript.segments
        for w in (s.words or ())
    ]
    return Result(
        item.name,
        "pipeline",
        transcript.language,
        seconds,
        words,
        len(transcript.speakers),
        [(s.start, s.end, s.speaker) for s in transcript.segments],
        mono_in_stereo=audio.is_stereo and all(sp.channel is None for sp in transcript.speakers),
        flags=flags,
        flags_ungated=ungated,
        confidence=confidence,
    )


@cache
def builtin_rules():  # type: ignore[no-untyped-def]
    """The built-in packs, parsed once per run rather than once per recording."""
    from transcribe.rules.loader import load_rules

    return tuple(load_rules())


def rule_outcome(transcript) -> tuple[int, int, float]:  # type: ignore[no-untyped-def]
    """Flags the built-in rules raise on the transcript with the confidence gate, and without it."""
    from transcribe.analyse import assess
    from transcribe.characteristics import measure
    from transcribe.rules.evaluate import CallFacts, evaluate

    rules = builtin_rules()
    metrics = measure(transcript)["metrics"]
    metadata = {"duration": transcript.duration, "language": transcript.language, "direction": "inbound"}
    assessment = assess(rules, transcript, metrics, metadata)
    ungated = evaluate(rules, CallFacts(transcript, metrics, metadata))
    return len(assessment.flags), len(ungated), assessment.confidence.score


def run_bare(item: Item, whisper) -> Result:  # type: ignore[no-untyped-def]
    from faster_whisper import decode_audio

    started = time.perf_counter()
    if item.kind == "call-stereo":
        channels = list(decode_audio(str(item.path), split_stereo=True))
    else:
        channels = [decode_audio(str(item.path))]
    words, segments, languages = [], [], []
    for index, samples in enumerate(channels):
        found, info = whisper.transcribe(samples, word_timestamps=True)
        speaker = f"S{index}"
        channel = index if len(channels) == 2 else None
        for segment in found:
            segments.append((segment.start, segment.end, speaker))
            words += [HypWord(w.start, w.end, w.word, speaker, channel) for w in segment.words or ()]
        languages.append(info.language)
    seconds = time.perf_counter() - started
    return Result(
        item.name, "bare", "/".join(dict.fromkeys(languages)), seconds, words, len(channels), segments
    )


def score(item: Item, result: Result) -> list[dict]:
    """One row per channel of a two-channel call, else one for the recording."""
    by_channel = item.kind == "call-stereo"
    rows = []
    for channel in (0, 1) if by_channel else (None,):
        turns = [t for t in item.turns if not by_channel or t.channel == channel]
        words = [w for w in result.words if not by_channel or w.channel == channel]
        row = {
            "item": item.name,
            "kind": item.kind,
            "channel": "mix" if channel is None else str(channel),
            "system": result.system,
            "language_ref": item.language,
            "language": result.language,
            "turns": len(turns),
            "turns_lost": turns_lost(turns, words, by_channel),
            "wer": None,
        }
        if item.has_text:
            reference = [w for t in sorted(turns, key=lambda t: t.start) for w in words_for_wer(t.text or "")]
            hypothesis = [w for h in sorted(words, key=lambda h: h.start) for w in words_for_wer(h.text)]
            row["wer"] = round(wer(reference, hypothesis), 3)
        rows.append(row)
    der = (
        {
            "der": round(transcript_der(item.turns, result.segments, 0.0), 3),
            "der_collar": round(transcript_der(item.turns, result.segments, 0.25), 3),
        }
        if item.speakers_expected > 1
        else {"der": None, "der_collar": None}
    )
    for row in rows:
        row.update(
            der,
            speakers=result.speakers,
            seconds=round(result.seconds, 2),
            mono_in_stereo=result.mono_in_stereo,
            flags=result.flags,
            flags_ungated=result.flags_ungated,
            confidence=result.confidence,
        )
    return rows


def load_models(model: str):  # type: ignore[no-untyped-def]
    from faster_whisper import WhisperModel

    from transcribe.asr import Transcriber
    from transcribe.diarize import BuiltinDiarizer
    from transcribe.settings import TranscribeSettings
    from transcribe.voiceprints import VoiceEncoder

    transcriber = Transcriber(TranscribeSettings(model=model))
    loaded = transcriber.default
    bare = WhisperModel(loaded.source.location, device=loaded.device, compute_type=loaded.compute_type)
    diarizer = BuiltinDiarizer(VoiceEncoder(loaded.device))
    return transcriber, diarizer, bare


def evaluate(items: list[Item], model: str) -> list[dict]:
    transcriber, diarizer, bare = load_models(model)
    rows: list[dict] = []
    for index, item in enumerate(items):
        # Alternate which runs first, so neither always meets a warm cache.
        for system in ("bare", "pipeline") if index % 2 else ("pipeline", "bare"):
            result = run_bare(item, bare) if system == "bare" else run_pipeline(item, transcriber, diarizer)
            rows += score(item, result)
        print(f"  {item.name} done", file=sys.stderr)
    return rows


def table(rows: list[dict]) -> str:
    def cell(value: object) -> str:
        return "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)

    pairs: dict[tuple[str, str], dict[str, dict]] = {}
    for row in rows:
        pairs.setdefault((row["item"], row["channel"]), {})[row["system"]] = row
    lines = [
        "| recording | kind | ch | lang ref | lang pipeline / bare | WER pipeline / bare | turns lost p / b "
        "(of n) | DER p (0 / 0.25 s) | DER bare (0 / 0.25 s) | speakers p / b | seconds p / b |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (name, channel), both in pairs.items():
        p, b = both["pipeline"], both["bare"]
        lines.append(
            f"| {name} | {p['kind']} | {channel} | {p['language_ref']} | {p['language']} / {b['language']} "
            f"| {cell(p['wer'])} / {cell(b['wer'])} | {p['turns_lost']} / {b['turns_lost']} ({p['turns']}) "
            f"| {cell(p['der'])} / {cell(p['der_collar'])} | {cell(b['der'])} / {cell(b['der_collar'])} "
            f"| {p['speakers']} / {b['speakers']} | {p['seconds']} / {b['seconds']} |"
        )
    return "\n".join(lines)


def summary(rows: list[dict]) -> str:
    lines = [
        "| language | WER pipeline | WER bare | language right p / b | turns lost p / b | time p / b |",
        "|---|---|---|---|---|---|",
    ]
    for language in sorted({r["language_ref"] for r in rows}):
        mine = [r for r in rows if r["language_ref"] == language]
        out = []
        for system in ("pipeline", "bare"):
            chosen = [r for r in mine if r["system"] == system]
            scored = [r["wer"] for r in chosen if r["wer"] is not None]
            seconds = {r["item"]: r["seconds"] for r in chosen}
            out.append(
                {
                    "wer": statistics.mean(scored) if scored else None,
                    "lid": f"{sum(r['language'] == language for r in chosen)}/{len(chosen)}",
                    "lost": sum(r["turns_lost"] for r in chosen),
                    "seconds": sum(seconds.values()),
                }
            )
        p, b = out
        ratio = p["seconds"] / b["seconds"] if b["seconds"] else float("nan")
        lines.append(
            f"| {language} | {p['wer'] if p['wer'] is None else round(p['wer'], 3)} "
            f"| {b['wer'] if b['wer'] is None else round(b['wer'], 3)} | {p['lid']} / {b['lid']} "
            f"| {p['lost']} / {b['lost']} | {p['seconds']:.1f} / {b['seconds']:.1f} s ({ratio:.2f}) |"
        )
    pipeline = {r["item"]: r for r in rows if r["system"] == "pipeline"}
    kept = sum(r["flags"] for r in pipeline.values())
    ungated = sum(r["flags_ungated"] for r in pipeline.values())
    low = sorted(
        name
        for name, r in pipeline.items()
        if r["confidence"] is not None and r["flags"] < r["flags_ungated"]
    )
    lines.append(
        f"\nBuilt-in rules on the pipeline's transcripts: {ungated} flags without the confidence gate, {kept} with it"
        + (f" (withheld on {', '.join(low)})" if low else "")
        + "."
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_corpus = os.environ.get("CALLREC_BENCH_CORPUS") or (
        SHARED_CORPUS if SHARED_CORPUS.exists() else None
    )
    parser.add_argument("--corpus", type=Path, default=default_corpus)
    parser.add_argument("--model", default="base")
    parser.add_argument("--json", type=Path, help="write every row here")
    parser.add_argument("--only", nargs="*", help="recording names to run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        items = conversation_items(Path(folder))
        if args.corpus:
            items += corpus_items(args.corpus, Path(folder))
        if args.only:
            items = [i for i in items if i.name in args.only]
        rows = evaluate(items, args.model)
    print(f"model {args.model}; corpus {args.corpus or 'none (the repository conversation only)'}\n")
    print(summary(rows) + "\n")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=lambda o: asdict(o)), encoding="utf-8")


if __name__ == "__main__":
    main()
