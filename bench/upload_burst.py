"""A burst of concurrent uploads against `callrec api` on loopback: every call must be stored exactly once
and queued, and a second delivery of the whole burst must create nothing. Prints the throughput.

    .venv/bin/python bench/upload_burst.py [--uploads 200] [--concurrency 32] [--file F]
        [--database-url postgresql://postgres@127.0.0.1:5432/test] [--redis-url redis://127.0.0.1:6379/14]

The API runs as its own process (SQLite and a local object folder in a temporary directory unless a
database URL is given); no worker runs, so the figures are ingestion alone. Exit status 1 if a call
was lost or duplicated.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
from redis import Redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import free_port  # noqa: E402

CALLREC = [sys.executable, "-m", "api.cli"]


@dataclass
class BurstResult:
    statuses: Counter[int]
    wall_s: float
    latencies_s: list[float]
    call_ids: list[str]

    @property
    def rate(self) -> float:
        return len(self.latencies_s) / self.wall_s


def burst(url: str, key: str, audio: bytes, uploads: int, concurrency: int, run: str) -> BurstResult:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=120, limits=limits
    ) as client:

        def upload(index: int) -> tuple[int, float, str]:
            metadata = {"external_id": f"{run}-{index}", "source": "burst", "direction": "inbound"}
            started = time.perf_counter()
            response = client.post(
                "/v1/calls",
                files={"audio": (f"call-{index}.wav", audio, "audio/wav")},
                data={"metadata": json.dumps(metadata)},
            )
            return response.status_code, time.perf_counter() - started, response.json().get("id", "")

        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            results = list(pool.map(upload, range(uploads)))
        wall = time.perf_counter() - started
    return BurstResult(Counter(r[0] for r in results), wall, [r[1] for r in results], [r[2] for r in results])


def stored_calls(url: str, key: str) -> list[dict]:
    calls, cursor = [], None
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as client:
        while True:
            page = client.get("/v1/calls", params={"limit": 200, **({"cursor": cursor} if cursor else {})})
            calls += page.json()["items"]
            cursor = page.json()["next_cursor"]
            if not cursor:
                return calls


def create_key(env: dict[str, str], role: str) -> str:
    command = [*CALLREC, "keys", "create", "--role", role, "--name", f"burst-{role}"]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout.strip()


def run_burst(
    uploads: int, concurrency: int, audio_path: Path, database_url: str, redis_url: str, data_dir: Path
) -> dict:
    """Start `callrec api`, fire the burst twice (the second a redelivery), and check the outcome."""
    Redis.from_url(redis_url).flushdb()
    env = {**os.environ, "CALLREC_DATA_DIR": str(data_dir), "CALLREC_QUEUE_REDIS_URL": redis_url}
    if database_url:
        env["CALLREC_STORAGE_DATABASE_URL"] = database_url
    subprocess.run([*CALLREC, "migrate"], env=env, check=True, capture_output=True)
    key, admin = (create_key(env, role) for role in ("telephony", "admin"))
    port = free_port()
    server = subprocess.Popen(
        [*CALLREC, "api", "--port", str(port)],
        env={**env, "CALLREC_API_LOG_LEVEL": "warning"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        audio = audio_path.read_bytes()
        first = burst(url, key, audio, uploads, concurrency, "b")
        again = burst(url, key, audio, uploads, concurrency, "b")
        calls = stored_calls(url, admin)
        queued = sum(Redis.from_url(redis_url).llen(f"rq:queue:{q}") for q in ("callrec-cpu", "callrec-gpu"))
    finally:
        server.terminate()
        server.wait(30)
    external_ids = Counter(c["external_id"] for c in calls)
    return {
        "first": first,
        "again": again,
        "stored": len(calls),
        "duplicated": sum(n - 1 for n in external_ids.values() if n > 1),
        "missing": uploads - len(external_ids),
        "queued_jobs": queued,
        "same_ids_on_redelivery": first.call_ids == again.call_ids,
        "bytes": len(audio),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--file", type=Path, default=ROOT / "tests/fixtures/calls/en_billing_dispute.stereo.wav"
    )
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary folder")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="callrec-burst-") as data_dir:
        outcome = run_burst(
            args.uploads, args.concurrency, args.file, args.database_url, args.redis_url, Path(data_dir)
        )
    for label in ("first", "again"):
        result: BurstResult = outcome[label]
        latencies = sorted(result.latencies_s)
        print(
            f"{label:>5}: {sum(result.statuses.values())} uploads in {result.wall_s:.2f} s = "
            f"{result.rate:.1f}/s, {result.rate * outcome['bytes'] / 2**20:.1f} MiB/s; "
            f"latency p50 {statistics.median(latencies) * 1000:.0f} ms, "
            f"p95 {latencies[int(0.95 * (len(latencies) - 1))] * 1000:.0f} ms; statuses {dict(result.statuses)}"
        )
    print(
        f"stored {outcome['stored']} calls, missing {outcome['missing']}, duplicated {outcome['duplicated']}, "
        f"queued jobs {outcome['queued_jobs']}, redelivery returned the same ids: {outcome['same_ids_on_redelivery']}"
    )
    ok = outcome["missing"] == 0 and outcome["duplicated"] == 0 and outcome["queued_jobs"] == args.uploads
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
