"""Wall time from upload to `done` through `callrec up`, against bare faster-whisper on the same audio
with the same model and decoding settings, measured side by side (alternating, same machine).

    .venv/bin/python bench/upload_to_done.py [--model base] [--runs 3] [--file tests/fixtures/calls/en_billing_dispute.stereo.wav]

Prints per-run figures and the ratio of medians. "bare (mixed)" is faster-whisper's own file decoding
(mono mix, one pass); "bare (per channel)" does the same work callrec does for a stereo call: one pass
per channel.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import callrec_up  # noqa: E402
from transcribe.audio import load_audio  # noqa: E402
from transcribe.settings import TranscribeSettings  # noqa: E402
from transcribe.weights import packaged_model_dir  # noqa: E402


def bare_faster_whisper(
    model_dir: Path, path: Path, per_channel: bool, settings: TranscribeSettings
) -> float:
    from faster_whisper import WhisperModel

    model = WhisperModel(
        str(model_dir), device="cpu", compute_type="int8"
    )  # loaded before timing, as callrec
    options = dict(
        beam_size=settings.beam_size,
        word_timestamps=True,
        vad_filter=settings.vad,
        condition_on_previous_text=False,
        language="en",
    )
    started = time.perf_counter()
    if per_channel:
        audio = load_audio(path, 2)
        for channel in audio.channels:
            list(model.transcribe(channel, **options)[0])
    else:
        list(model.transcribe(str(path), **options)[0])
    return time.perf_counter() - started


def upload_to_done(service, path: Path, run: int, language: str | None) -> tuple[float, dict[str, float]]:
    """Seconds from upload to the API saying done, and where they went: the upload (stored, probed,
    enqueued), the worker's stages as it recorded them (storage's job_attempts), and the rest until
    the API showed done (polled every 50 ms)."""
    with httpx.Client(
        base_url=service.url, headers={"Authorization": f"Bearer {service.key}"}, timeout=60
    ) as client:
        started = time.perf_counter()
        with open(path, "rb") as audio:
            response = client.post(
                "/v1/calls",
                files={"audio": (path.name, audio)},
                data={
                    "metadata": json.dumps(
                        {"external_id": f"bench-{run}-{time.time()}"}
                        | ({"language": language} if language else {})
                    )
                },
            )
        uploaded = time.perf_counter() - started
        call_id = response.json()["id"]
        while True:
            call = client.get(f"/v1/calls/{call_id}").json()
            if call["status"] in ("done", "failed"):
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    assert call["status"] == "done", call
    stages = {"upload": uploaded, **worker_stages(service.data_dir, call_id)}
    accounted = sum(v for k, v in stages.items() if "." not in k)
    stages["until the API shows done"] = elapsed - accounted
    return elapsed, stages


STAGES = [
    "upload",
    "queue_wait",
    "job_start",
    "normalise",
    "detect_language",
    "transcribe",
    "assign",
    "voices",
]
STAGES += ["redact", "analyse", "save"]


def order(stage: str) -> tuple[int, str]:
    """Stages in the order a call meets them; parts right after their stage; the API's view last."""
    main = stage.split(".")[0]
    rank = STAGES.index(main) if main in STAGES else len(STAGES) + (2 if stage.startswith("until") else 1)
    return rank, "" if main == stage else stage


def worker_stages(data_dir: Path, call_id: str) -> dict[str, float]:
    from api.services import open_database
    from api.settings import load_settings
    from storage.calls import list_attempts

    db = open_database(load_settings(None, data_dir), migrate=False)
    with db.session() as session:
        timings = dict(list_attempts(session, call_id)[-1].timings)
    db.dispose()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="base")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--language",
        help="state the call's language in its metadata, as a PBX or CALLREC_TRANSCRIBE_SOURCE_LANGUAGES "
        "can (no identification pass; bare faster-whisper is always told 'en')",
    )
    parser.add_argument(
        "--file", type=Path, default=ROOT / "tests/fixtures/calls/en_billing_dispute.stereo.wav"
    )
    args = parser.parse_args()
    settings = TranscribeSettings(model=args.model)
    model_dir = packaged_model_dir(args.model, settings.cache_dir)
    results: dict[str, list[float]] = {
        "callrec upload->done": [],
        "bare (mixed)": [],
        "bare (per channel)": [],
    }
    stages: dict[str, list[float]] = {}
    with (
        tempfile.TemporaryDirectory() as data,
        callrec_up(Path(data), {"CALLREC_TRANSCRIBE_MODEL": args.model}) as service,
    ):
        upload_to_done(service, args.file, -1, args.language)  # warm-up: first job pays page-ins
        for run in range(args.runs):
            elapsed, breakdown = upload_to_done(service, args.file, run, args.language)
            results["callrec upload->done"].append(elapsed)
            for stage, seconds in breakdown.items():
                stages.setdefault(stage, []).append(seconds)
            results["bare (mixed)"].append(bare_faster_whisper(model_dir, args.file, False, settings))
            results["bare (per channel)"].append(bare_faster_whisper(model_dir, args.file, True, settings))
    stated = f"stated: {args.language}" if args.language else "identified by callrec"
    print(f"file: {args.file.name}  model: {args.model} (cpu/int8)  runs: {args.runs}  language {stated}")
    for name, values in results.items():
        print(
            f"{name:>22}: median {statistics.median(values):6.2f} s   runs: {', '.join(f'{v:.2f}' for v in values)}"
        )
    print("where callrec's seconds went (median; indented parts are inside the stage above them):")
    for stage, values in sorted(stages.items(), key=lambda item: order(item[0])):
        label = f"  {stage}" if "." in stage else stage
        print(f"  {label:<28} {statistics.median(values):6.3f} s")
    base = statistics.median(results["bare (per channel)"])
    mixed = statistics.median(results["bare (mixed)"])
    ours = statistics.median(results["callrec upload->done"])
    print(f"ratio callrec / bare per channel: {ours / base:.2f}   callrec / bare mixed: {ours / mixed:.2f}")


if __name__ == "__main__":
    main()
