"""callrec's whole worker pipeline against a bare faster-whisper call, side by side, per recording:
audio seconds, wall seconds and real-time factor of each, their ratio, peak RSS, and WER against the
fixture scripts.

    .venv/bin/python bench/pipeline_vs_bare.py [--model base] [--runs 3] [--device cpu|cuda] [FILE ...]

Each measurement runs in a child process of this script (one process tree), pipeline and bare
alternating, so both see the same machine state; models are loaded before the clock starts, as a
worker does. "pipeline" is `transcribe.jobs.process_call` on a call stored in a temporary SQLite
database and object folder: decode, transcribe each channel, assign speakers and roles, voiceprints,
redaction, characteristics and rules, save and index. "bare" is faster-whisper's `transcribe` on each
channel with the same model, language, beam size and word timestamps. Both are given the fixture's
language, so neither pays for language identification.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.realspeech import wer  # noqa: E402

CALLS = ROOT / "tests" / "fixtures" / "calls"
DEFAULT_FILES = [
    CALLS / f"{name}.stereo.wav"
    for name in ("en_billing_dispute", "en_account_takeover", "en_rude_agent", "en_card_payment")
]


def words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.lower())


def reference_text(path: Path) -> dict[str, list[str]] | None:
    script = path.with_name(path.name.split(".")[0] + ".json")
    if not script.exists():
        return None
    turns = json.loads(script.read_text(encoding="utf-8"))["turns"]
    return {
        role: words(" ".join(t["text"] for t in turns if t["role"] == role)) for role in ("agent", "customer")
    }


def child_pipeline(path: Path, model: str, device: str, language: str) -> dict:
    from bench.worker_harness import worker_with_call
    from storage.transcripts import load_transcript
    from transcribe.jobs import process_call

    with worker_with_call(path, model, language, device) as (context, call_id):
        started = time.perf_counter()
        outcome = process_call(call_id)
        wall = time.perf_counter() - started
        with context.db.session() as session:
            transcript = load_transcript(session, call_id)
    text = {
        role: " ".join(s.text for s in transcript.segments if s.role == role)
        for role in ("agent", "customer")
    }
    return {
        "wall": wall,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "text": text,
        "stages": outcome.get("timings", {}),
    }


def child_bare(path: Path, model: str, device: str, language: str) -> dict:
    from faster_whisper import WhisperModel

    from transcribe.asr import choose_device
    from transcribe.audio import load_audio
    from transcribe.settings import TranscribeSettings
    from transcribe.weights import resolve_model

    settings = TranscribeSettings(model=model, device=device)
    device_name, compute_type = choose_device(settings.device, settings.compute_type)
    source = resolve_model(model, settings.cache_dir, False)
    whisper = WhisperModel(source.location, device=device_name, compute_type=compute_type)
    started = time.perf_counter()
    audio = load_audio(path, 2)
    text = {}
    for role, channel in zip(("agent", "customer"), audio.channels, strict=True):
        segments, _ = whisper.transcribe(
            channel,
            language=language,
            beam_size=settings.beam_size,
            word_timestamps=True,
            vad_filter=settings.vad,
            condition_on_previous_text=False,
        )
        text[role] = " ".join(s.text.strip() for s in segments)
    wall = time.perf_counter() - started
    return {"wall": wall, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "text": text}


def run_child(kind: str, path: Path, model: str, device: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--model", model, "--device", device, str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--model", default="base")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=["pipeline", "bare"])
    args = parser.parse_args()
    files = args.files or DEFAULT_FILES
    if args.child:
        run = child_pipeline if args.child == "pipeline" else child_bare
        print(json.dumps(run(files[0], args.model, args.device, "en")))
        return
    from transcribe.audio import load_audio

    print(f"model {args.model} on {args.device}, {args.runs} run(s) each, medians; WER against the scripts")
    print(f"{'file':<24} {'audio s':>7} {'pipeline s':>10} {'RTF':>5} {'bare s':>7} {'RTF':>5} {'ratio':>5} "
          f"{'RSS MB p/b':>11} {'WER p/b':>11}")  # fmt: skip
    ratios = []
    for path in files:
        seconds = load_audio(path, 2).duration
        results: dict[str, list[dict]] = {"pipeline": [], "bare": []}
        for _ in range(args.runs):
            for kind in ("pipeline", "bare"):
                results[kind].append(run_child(kind, path, args.model, args.device))
        wall = {k: statistics.median(r["wall"] for r in v) for k, v in results.items()}
        rss = {k: max(r["rss_mb"] for r in v) for k, v in results.items()}
        reference = reference_text(path)
        errors = {}
        for kind, runs in results.items():
            if reference:
                hyp = runs[-1]["text"]
                ref_all = reference["agent"] + reference["customer"]
                errors[kind] = wer(ref_all, words(hyp["agent"]) + words(hyp["customer"]))
        ratio = wall["pipeline"] / wall["bare"]
        ratios.append(ratio)
        wer_text = f"{errors['pipeline']:.3f}/{errors['bare']:.3f}" if errors else "-"
        print(
            f"{path.name[:24]:<24} {seconds:7.1f} {wall['pipeline']:10.2f} {wall['pipeline'] / seconds:5.2f} "
            f"{wall['bare']:7.2f} {wall['bare'] / seconds:5.2f} {ratio:5.2f} "
            f"{rss['pipeline']:5.0f}/{rss['bare']:<5.0f} {wer_text:>11}"
        )
    print(f"ratio pipeline/bare: median {statistics.median(ratios):.2f}, max {max(ratios):.2f}")
    print("pipeline stages (s, last file, median of runs): " + ", ".join(
        f"{stage} {statistics.median(r['stages'].get(stage, 0.0) for r in results['pipeline']):.2f}"
        for stage in results["pipeline"][-1]["stages"]
    ))  # fmt: skip


if __name__ == "__main__":
    main()
