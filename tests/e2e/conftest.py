"""Start the service as a user does (`callrec up`), in a subprocess, and talk to it over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from tests.conftest import free_port
from tests.desk import Desk, seed
from tests.e2e.desk_pages import chromium_path
from tests.live_api import running

CALLREC = [sys.executable, "-m", "api.cli"]


@dataclass
class RunningService:
    url: str
    key: str
    process: subprocess.Popen[str]
    data_dir: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.key}"}, timeout=60)

    def wait_done(self, call_id: str, timeout_s: float = 400) -> dict:
        with self.client() as client:
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                call = client.get(f"/v1/calls/{call_id}").json()
                if call["status"] in ("done", "failed"):
                    return call
                time.sleep(0.5)
        pytest.fail(f"call {call_id} not finished after {timeout_s} s: {call}")


@contextmanager
def callrec_up(data_dir: Path, env: dict[str, str] | None = None) -> Iterator[RunningService]:
    port = free_port()
    process = subprocess.Popen(
        [*CALLREC, "up", "--port", str(port), "--data-dir", str(data_dir)],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=None,
        text=True,
    )
    try:
        key = ""
        assert process.stdout is not None
        for line in process.stdout:  # the contract: URL, then the admin key, printed at start
            if line.startswith("admin API key: "):
                key = line.split(": ", 1)[1].strip()
                break
        assert key, "callrec up printed no admin key"
        # Keep reading: uvicorn's access log goes to stdout, and a full pipe would stall the server.
        threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()  # type: ignore[union-attr]
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("callrec up never became ready")
        yield RunningService(url, key, process, data_dir)
    finally:
        process.terminate()
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            pytest.fail("callrec up did not stop on SIGTERM")


# The review desk: a seeded desk served on a loopback port, and Chromium to open it.


@pytest.fixture
def server(admin_api) -> Iterator[tuple[str, Desk, object]]:
    client, services = admin_api
    desk = seed(client, services)
    config = uvicorn.Config(client.app, host="127.0.0.1", port=free_port(), log_level="warning")
    with running(config) as url:
        yield url, desk, services


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable,
            args=["--autoplay-policy=no-user-gesture-required", "--mute-audio", "--no-sandbox"],
        )
        yield launched
        launched.close()
