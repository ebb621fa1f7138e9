"""What the analysis costs beside recognition, per call: recognition (faster-whisper, CPU int8) of a
recording, then everything callrec concludes from its transcript (sentiment, characteristics, call
drivers, the summary, the built-in rules), timed on the same transcript. The issue's goal: analysis
under 5% of transcription time on a CPU.

    .venv/bin/python -m bench.analysis_cost [--model base] [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from storage.records import Call, CallStatus
from transcribe.asr import Transcriber
from transcribe.audio import load_audio
from transcribe.pipeline import analyse_transcript
from transcribe.recognition import CallOptions, Timings, transcribe_audio
from transcribe.rules.loader import load_rules
from transcribe.settings import TranscribeSettings

ROOT = Path(__file__).resolve().parents[1]
FILES = [
    (
        "pyannote_sample (real speech, mono)",
        ROOT / "tests" / "fixtures" / "voices" / "pyannote_sample.wav",
        1,
    ),
    (
        "en_billing_dispute (stereo)",
        ROOT / "tests" / "fixtures" / "calls" / "en_billing_dispute.stereo.wav",
        2,
    ),
    ("en_rude_agent (stereo)", ROOT / "tests" / "fixtures" / "calls" / "en_rude_agent.stereo.wav", 2),
]


def call_of(duration: float, channels: int) -> Call:
    now = datetime.now(UTC)
    return Call(
        "bench", CallStatus.PROCESSING, 0.0, None, None, "bench", None, "inbound", "a1", None, None,
        ("agent", "customer"), None, {}, "", "", 0, "", "wav", duration, channels, 16000, "en", None, 0, now, now,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="base")
    parser.add_argument("--repeat", type=int, default=20, help="analyses timed per call (median)")
    args = parser.parse_args()
    transcriber = Transcriber(TranscribeSettings(model=args.model))
    rules = load_rules()
    print("| recording | seconds | recognition s | analysis ms (median) | analysis / recognition |")
    print("|---|---|---|---|---|")
    for label, path, channels in FILES:
        audio = load_audio(path, channels=channels)
        started = time.perf_counter()
        transcript = transcribe_audio(audio, transcriber, CallOptions(language="en"), Timings())
        recognition = time.perf_counter() - started
        call = call_of(transcript.duration, channels)
        analyse_transcript(
            call, transcript, None, rules, {}, True, None, None
        )  # lexicons and packs load once
        spent = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            analyse_transcript(call, transcript, None, rules, {}, True, None, None)
            spent.append(time.perf_counter() - started)
        analysis = statistics.median(spent)
        print(
            f"| {label} | {transcript.duration:.0f} | {recognition:.2f} | {1000 * analysis:.1f} "
            f"| {100 * analysis / recognition:.2f}% |"
        )


if __name__ == "__main__":
    main()
