"""Worker memory for decoding one long call: the earlier whole-buffer decode (ffmpeg's output read at
once, then one copy per channel) against `transcribe.audio.load_audio` (read in pieces into one array
per channel), side by side, each in a fresh process so peak RSS is its own.

    python bench/decode_memory.py --minutes 60
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transcribe.audio import ffmpeg_binary  # noqa: E402

MEASURE = """
import json, resource, sys
import numpy as np
sys.path.insert(0, {root!r})
from transcribe.audio import SAMPLE_RATE, ffmpeg_binary, load_audio
path, way = {path!r}, {way!r}
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if way == "whole buffer (before)":
    import ffmpeg
    raw, _ = (
        ffmpeg.input(path).output("pipe:", format="f32le", acodec="pcm_f32le", ac=2, ar=SAMPLE_RATE)
        .global_args("-nostdin", "-loglevel", "error")
        .run(cmd=ffmpeg_binary(), capture_stdout=True, capture_stderr=True)
    )
    usable = np.frombuffer(raw, dtype=np.float32).reshape(-1, 2)
    channels = tuple(np.ascontiguousarray(usable[:, c]) for c in range(2))
    del raw, usable
else:
    channels = load_audio(__import__("pathlib").Path(path), 2, max_seconds={seconds}).channels
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"peak_mib": (peak - base) / 1024, "samples": len(channels[0])}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=60)
    args = parser.parse_args()
    seconds = args.minutes * 60
    root = str(Path(__file__).resolve().parents[1])
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "call.wav")
        subprocess.run(
            [ffmpeg_binary(), "-v", "error", "-f", "lavfi", "-i", "anoisesrc=r=8000:a=0.1",
             "-t", str(seconds), "-ac", "2", "-c:a", "pcm_mulaw", path],
            check=True,
        )  # fmt: skip
        hours = seconds / 3600
        print(
            f"{args.minutes:g} min 8 kHz mu-law stereo call; growth of peak RSS while decoding to 16 kHz float32"
        )
        for way in ("whole buffer (before)", "load_audio in pieces (now)"):
            code = MEASURE.format(root=root, path=path, way=way, seconds=seconds + 2)
            result = json.loads(
                subprocess.run(
                    [sys.executable, "-c", code], capture_output=True, text=True, check=True
                ).stdout
            )
            per_channel_hour = result["peak_mib"] / 1024 / (2 * hours)
            print(f"  {way:28} {result['peak_mib']:8.0f} MiB   {per_channel_hour:.2f} GB per channel-hour")


if __name__ == "__main__":
    main()
