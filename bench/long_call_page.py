"""How fast a long call's page plays, and what it costs the browser: the desk of a given commit (the
baseline) against this tree's, side by side in one run, in Debian's Chromium.

    .venv/bin/python bench/long_call_page.py [--minutes 60] [--baseline af1430e] [--redis-url redis://127.0.0.1:6379/13]

A mono 8 kHz recording (real speech from tests/fixtures/voices, looped; 16-bit PCM, as a PBX keeps it)
is uploaded to an in-process API on SQLite; its waveform peaks are computed as the worker would. For
each desk the script opens the call page in a fresh browser, starts playback and reports the seconds
from opening the page to audio playing, and the peak memory of the browser's processes (unique set size summed over
the whole process tree, so shared pages count once; sampled every 100 ms). The baseline desk is the app.js of --baseline, served in
place of this tree's through Playwright's request routing; the API is the same for both.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
import uvicorn  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from redis import Redis  # noqa: E402

from api.app import create_app  # noqa: E402
from api.services import build_services  # noqa: E402
from api.settings import load_settings  # noqa: E402
from storage import api_keys  # noqa: E402
from storage import calls as call_records  # noqa: E402
from storage.records import Segment, Speaker, Transcript, Word  # noqa: E402
from storage.transcripts import save_transcript  # noqa: E402
from transcribe.audio import ffmpeg_binary, load_audio  # noqa: E402
from transcribe.peaks import waveform_peaks  # noqa: E402

SPEECH = ROOT / "tests" / "fixtures" / "voices" / "pyannote_sample.wav"
CHROMIUM = os.environ.get("CALLREC_TEST_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "correct horse battery"


def long_recording(folder: Path, minutes: int) -> Path:
    path = folder / f"call-{minutes}min.wav"
    subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-y", "-stream_loop", "-1", "-i", str(SPEECH), "-t", str(minutes * 60),
         "-ac", "1", "-ar", "8000", "-c:a", "pcm_s16le", str(path)],
        check=True,
    )  # fmt: skip
    return path


def seeded_call(client: TestClient, services, recording: Path) -> str:  # type: ignore[no-untyped-def]
    with open(recording, "rb") as audio:
        created = client.post("/v1/calls", files={"audio": (recording.name, audio)}, data={"metadata": "{}"})
    assert created.status_code == 201, created.text
    call_id: str = created.json()["id"]
    duration = load_audio(recording, channels=1).duration
    turns = [
        Segment(t, t + 4.0, "S0", "agent", None, f"turn {i}", (Word(t, t + 4.0, f"turn{i}", 0.9),))
        for i, t in enumerate(range(0, int(duration) - 5, 30))
    ]
    transcript = Transcript("en", duration, (Speaker("S0", "agent", None),), tuple(turns))
    with services.db.session() as session:
        call_records.set_peaks(session, call_id, waveform_peaks(load_audio(recording, channels=1)))
        save_transcript(session, call_id, transcript)
        call_records.mark_done(session, call_id)
    return call_id


def browser_memory(pid: int) -> int:
    try:
        root = psutil.Process(pid)
        return sum(p.memory_full_info().uss for p in [root, *root.children(recursive=True)])
    except psutil.Error:
        return 0


def measure(playwright, base: str, call_id: str, app_js: str | None) -> tuple[float, float, float, str]:  # type: ignore[no-untyped-def]
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=["--autoplay-policy=no-user-gesture-required", "--mute-audio", "--no-sandbox"],
    )
    pid = next(p.pid for p in psutil.Process().children(recursive=True) if "chrom" in p.name().lower())
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    if app_js is not None:
        page.route("**/ui/app.js", lambda route: route.fulfill(body=app_js, content_type="text/javascript"))
    page.goto(f"{base}/")
    page.fill("input[name=username]", "adam")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#who")
    signed_in = browser_memory(pid)
    peak, stop = [signed_in], threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], browser_memory(pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    page.goto(f"{base}/ui/#/calls/{call_id}")
    page.wait_for_selector("#transcript .turn")
    deadline = started + 300
    while not page.evaluate(
        "() => { const a = document.querySelector('audio'); if (a && a.src) a.play().catch(() => {}); return Boolean(a && a.currentTime > 0); }"
    ):
        assert time.monotonic() < deadline, "the call never played"
        time.sleep(0.05)
    playing = time.monotonic() - started
    # Let the waveform finish (the baseline decodes the whole file after playback may have begun).
    while page.evaluate(
        "() => (document.querySelector('canvas.wave') || {dataset: {}}).dataset.ready || ''"
    ) in ("", "loading"):
        assert time.monotonic() < deadline, "the waveform never drew"
        time.sleep(0.1)
    time.sleep(2)
    ready = page.evaluate("() => document.querySelector('canvas.wave').dataset.ready")
    stop.set()
    sampler.join()
    browser.close()
    return playing, signed_in / 2**20, peak[0] / 2**20, ready


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--baseline", default="af1430e", help="the commit whose desk is the baseline")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    baseline_js = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{args.baseline}:api/ui/static/app.js"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    with tempfile.TemporaryDirectory(prefix="callrec-longpage-") as tmp:
        folder = Path(tmp)
        os.environ.update(
            CALLREC_STORAGE_DATABASE_URL=f"sqlite:///{folder / 'callrec.db'}",
            CALLREC_QUEUE_REDIS_URL=args.redis_url,
            CALLREC_DATA_DIR=str(folder),
            CALLREC_API_MAX_UPLOAD_BYTES=str(2**31),
        )
        Redis.from_url(args.redis_url).flushdb()
        recording = long_recording(folder, args.minutes)
        services = build_services(load_settings(data_dir=folder))
        with services.db.session() as session:
            _, admin = api_keys.create_key(session, "admin", "bench")
        client = TestClient(create_app(services))
        client.headers["Authorization"] = f"Bearer {admin}"
        body = {"username": "adam", "password": PASSWORD, "role": "admin"}
        assert client.post("/v1/users", json=body).status_code == 201
        call_id = seeded_call(client, services, recording)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(client.app, host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        size_mb = recording.stat().st_size / 2**20
        print(f"{args.minutes}-minute call, {size_mb:.1f} MiB mono 8 kHz PCM")
        print(
            f"{'desk':<22} {'open to playing (s)':>20} {'browser before (MiB)':>21} {'peak (MiB)':>11}  waveform"
        )
        with sync_playwright() as playwright:
            for name, js in ((f"baseline {args.baseline}", baseline_js), ("this tree", None)):
                playing, before, peak, ready = measure(playwright, f"http://127.0.0.1:{port}", call_id, js)
                print(f"{name:<22} {playing:>20.2f} {before:>21.0f} {peak:>11.0f}  {ready}")
        server.should_exit = True
        services.close()


if __name__ == "__main__":
    main()
