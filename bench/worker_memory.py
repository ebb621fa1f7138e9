"""Worker memory against call length: the whole `transcribe.jobs.process_call` (decode, recognise,
speakers and roles, voiceprints, redaction, analysis, save) on one long call of real speech, at two
lengths, each in a fresh process with its models loaded before measuring.

    .venv/bin/python bench/worker_memory.py [--minutes 10 40] [--layout stereo mono] [--model tiny.en]

The call is the repository's real recording (tests/fixtures/voices/pyannote_sample.wav, two people
talking) looped to length; a stereo call carries it on both sides, the right side 7 s later, so the
channels differ. What is reported is the process's anonymous memory (RssAnon: what cannot be dropped
and read back from a file), sampled every 20 ms: its peak during the job above the level with models
loaded, and the growth per extra hour of call between the two lengths. Resident pages of a file the
worker maps (page cache) are not counted: the kernel drops and re-reads them under pressure.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SPEECH = ROOT / "tests" / "fixtures" / "voices" / "pyannote_sample.wav"


def rss_anon_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no RssAnon in /proc/self/status (Linux only)")


class PeakSampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak, self.running = rss_anon_mb(), True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_anon_mb())
            time.sleep(0.02)


def make_call(folder: Path, minutes: float, layout: str) -> Path:
    from transcribe.audio import ffmpeg_binary

    out = folder / f"{layout}-{minutes:g}.flac"
    seconds = f"{minutes * 60:.0f}"
    loop = ["-stream_loop", "-1", "-i", str(SPEECH)]
    if layout == "mono":
        command = [*loop, "-t", seconds, "-ac", "1", "-ar", "8000"]
    else:
        graph = "[0:a]aformat=channel_layouts=mono[l];[1:a]aformat=channel_layouts=mono,adelay=7000[r];"
        graph += "[l][r]amerge=inputs=2[out]"
        command = [*loop, *loop, "-filter_complex", graph, "-map", "[out]", "-t", seconds, "-ar", "8000"]
    subprocess.run([ffmpeg_binary(), "-y", "-loglevel", "error", *command, str(out)], check=True)
    return out


def child(path: Path, model: str) -> dict:
    import numpy as np

    from bench.worker_harness import worker_with_call
    from transcribe.jobs import process_call

    with worker_with_call(path, model, "en") as (context, call_id):
        # Warm the models on a short piece first, as a worker that has taken a job has.
        context.transcriber.transcribe(np.zeros(16_000 * 5, dtype=np.float32), "en")
        baseline = rss_anon_mb()
        sampler = PeakSampler()
        sampler.start()
        started = time.perf_counter()
        outcome = process_call(call_id)
        wall = time.perf_counter() - started
        sampler.running = False
        sampler.join()
    return {
        "status": outcome["status"],
        "wall_s": round(wall, 1),
        "baseline_mb": round(baseline),
        "peak_mb": round(sampler.peak),
        "growth_mb": round(sampler.peak - baseline),
        "stages": outcome.get("timings", {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, nargs=2, default=[10.0, 40.0])
    parser.add_argument("--layout", nargs="+", default=["stereo", "mono"], choices=["stereo", "mono"])
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--child", type=Path)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.model)))
        return
    print(f"model {args.model}; anonymous memory (RssAnon) of process_call above the loaded worker")
    print(f"{'layout':<7} {'minutes':>7} {'wall s':>7} {'loaded MB':>9} {'peak MB':>8} {'growth MB':>9}")
    with tempfile.TemporaryDirectory() as folder:
        for layout in args.layout:
            growth = []
            for minutes in args.minutes:
                path = make_call(Path(folder), minutes, layout)
                run = subprocess.run(
                    [sys.executable, __file__, "--child", str(path), "--model", args.model],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                result = json.loads(run.stdout.strip().splitlines()[-1])
                growth.append(result["growth_mb"])
                print(
                    f"{layout:<7} {minutes:>7g} {result['wall_s']:>7} {result['baseline_mb']:>9} "
                    f"{result['peak_mb']:>8} {result['growth_mb']:>9}  {result['status']}",
                    flush=True,
                )
            hours = (args.minutes[1] - args.minutes[0]) / 60
            print(f"{layout:<7} growth per extra call-hour: {(growth[1] - growth[0]) / hours:.0f} MB")


if __name__ == "__main__":
    main()
