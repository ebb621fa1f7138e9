"""Throughput on whatever device is present: transcription speed (audio seconds per wall second, RTFx)
with batching at batch sizes 1/4/8/16 for each model given, diarization seconds per audio hour, peak
GPU memory, and how many workers one GPU holds.

    python bench/gpu.py                                   # the packaged base and tiny.en models
    python bench/gpu.py --model /models/large-v3-ct2 --model /models/ivrit-turbo-ct2 --minutes 30

On a CPU it runs at a small scale (a few minutes of audio; batching off, as callrec runs it there) and
says so: the figures then show that the script works, not what a GPU does. The audio is the fixture
calls, repeated to the length asked for.

Goals on a GPU: >= 100 audio hours per GPU hour with large-v3 batched, >= 250 with turbo; diarization
<= 20 s per audio hour.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transcribe.audio import SAMPLE_RATE, Audio, load_audio  # noqa: E402
from transcribe.settings import TranscribeSettings  # noqa: E402
from transcribe.weights import choose_device, resolve_model  # noqa: E402

CALLS = Path(__file__).resolve().parents[1] / "tests/fixtures/calls"


def audio_of(minutes: float) -> np.ndarray:
    """Fixture calls, mono, repeated to `minutes`."""
    pieces = [load_audio(p, 1).channels[0] for p in sorted(CALLS.glob("*.mono.wav"))]
    one = np.concatenate(pieces)
    repeats = int(np.ceil(minutes * 60 * SAMPLE_RATE / len(one)))
    return np.tile(one, repeats)[: int(minutes * 60 * SAMPLE_RATE)].astype(np.float32)


def gpu_memory_mib() -> float | None:
    try:
        import torch

        if torch.cuda.is_available():
            return torch.cuda.max_memory_allocated() / 2**20
    except ImportError:
        pass
    return None


def nvidia_mib() -> tuple[float, float] | None:
    """(used, total) MiB of the first GPU, or None without nvidia-smi."""
    import shutil
    import subprocess

    if not shutil.which("nvidia-smi"):
        return None
    out = subprocess.run(
        ["nvidia-smi", "--query-gpu=memory.used,memory.total", "--format=csv,noheader,nounits"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not out:
        return None
    used, total = out.splitlines()[0].split(",")
    return float(used), float(total)


def transcription(
    model_name: str, samples: np.ndarray, device: str, compute_type: str, batches: list[int]
) -> None:
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    settings = TranscribeSettings()
    source = resolve_model(model_name, settings.cache_dir, hub_enabled=False)
    before = nvidia_mib()
    model = WhisperModel(source.location, device=device, compute_type=compute_type)
    loaded = nvidia_mib()
    seconds = len(samples) / SAMPLE_RATE
    for batch in batches:
        started = time.perf_counter()
        if batch > 1:
            segments, _ = BatchedInferencePipeline(model).transcribe(samples, batch_size=batch, beam_size=5)
        else:
            segments, _ = model.transcribe(samples, beam_size=5, vad_filter=True)
        words = sum(len(s.text.split()) for s in segments)
        wall = time.perf_counter() - started
        in_use = nvidia_mib()
        memory = f", GPU memory {in_use[0]:.0f} MiB in use" if in_use is not None else ""
        print(
            f"  {model_name:24} batch {batch:2}: RTFx {seconds / wall:6.1f} "
            f"({seconds / wall:.0f} audio hours per device hour), {words} words{memory}",
            flush=True,
        )
    if before is not None and loaded is not None:
        per_worker = max(loaded[0] - before[0], 1.0)
        # A worker also needs room for activations while it decodes: half as much again.
        print(
            f"  {model_name:24} loaded: {per_worker:.0f} MiB -> about {int(loaded[1] // (per_worker * 1.5))} workers per GPU"
        )
    del model


def diarization(samples: np.ndarray, device: str) -> None:
    from transcribe.diarize import BuiltinDiarizer
    from transcribe.voiceprints import VoiceEncoder

    diarizer = BuiltinDiarizer(VoiceEncoder(device))
    started = time.perf_counter()
    result = diarizer(Audio((samples,)), 1, 3)
    wall = time.perf_counter() - started
    hours = len(samples) / SAMPLE_RATE / 3600
    print(f"  diarization (builtin): {wall / hours:.0f} s per audio hour, {len(result.turns)} turns")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", action="append", help="a CTranslate2 folder or packaged name (repeatable)")
    parser.add_argument(
        "--minutes", type=float, default=None, help="audio per run (default 30 on GPU, 2 on CPU)"
    )
    parser.add_argument("--batches", default=None, help="batch sizes (default 1,4,8,16 on GPU, 1 on CPU)")
    args = parser.parse_args()
    device, compute_type = choose_device("auto", "auto")
    on_gpu = device == "cuda"
    minutes = args.minutes or (30.0 if on_gpu else 2.0)
    batches = [int(b) for b in (args.batches or ("1,4,8,16" if on_gpu else "1")).split(",")]
    models = args.model or ["base", "tiny.en"]
    print(f"device {device} ({compute_type}), {minutes:g} min of fixture audio per run")
    if not on_gpu:
        print(
            "  no GPU here: a small-scale run on the CPU, to show the script works; run it on a GPU machine"
        )
    samples = audio_of(minutes)
    for model in models:
        transcription(model, samples, device, compute_type, batches)
    diarization(samples, device)
    if gpu_memory_mib() is not None:
        print(f"  peak GPU memory allocated by torch: {gpu_memory_mib():.0f} MiB")


if __name__ == "__main__":
    main()
