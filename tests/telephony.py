"""Helpers for the ingestion-path tests: a PBX's files, written the way PBXs write them."""

from __future__ import annotations

import threading
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from tests.conftest import CALLS
from transcribe.audio import load_audio

STEREO = CALLS / "en_billing_dispute.stereo.wav"
MONO = CALLS / "en_billing_dispute.mono.wav"


def write_wav(path: Path, samples: np.ndarray, rate: int = 16_000) -> Path:
    """A mono 16-bit WAV of float samples in [-1, 1]."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def write_legs(folder: Path, stem: str) -> tuple[Path, Path]:
    """MixMonitor's r()/t() files of the fixture call: channel 1 (customer) as -in, channel 0 as -out."""
    audio = load_audio(STEREO, channels=2)
    return (
        write_wav(folder / f"{stem}-in.wav", audio.channels[1]),
        write_wav(folder / f"{stem}-out.wav", audio.channels[0]),
    )


class Receiver:
    """A local HTTP endpoint that records what is posted to it; answers `fail_first` requests with 500
    (and `answer` as the body)."""

    def __init__(self, fail_first: int = 0, answer: bytes = b"") -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.received: list[tuple[dict[str, str], bytes]] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                failing = receiver.fail_first > 0
                receiver.fail_first -= 1
                receiver.received.append((dict(self.headers), body))
                self.send_response(500 if failing else 204)
                if failing and answer:
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                    return
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/callrec"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def served(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The ASGI app on a real loopback port (uvicorn in a thread), for clients that run as processes."""
    import uvicorn

    from tests.conftest import free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
