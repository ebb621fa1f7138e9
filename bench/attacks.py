"""The hardening pass's attacks, replayed against a real `callrec api` process, for before/after figures.

    python bench/attacks.py                      # this checkout
    python bench/attacks.py --tree /tmp/before   # another checkout (e.g. `git worktree add /tmp/before HEAD~3`)

Each attack prints one line: what was sent and what the server did (status codes, API memory, seconds).
PostgreSQL (CALLREC_BENCH_DATABASE_URL, default the local `test` server) backs the sign-in burst and
the search; Redis is CALLREC_BENCH_REDIS_URL (default the local server, database 5, emptied).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from bench.scratch_database import scratch_database  # noqa: E402

PASSWORD = "correct horse battery"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Server:
    def __init__(self, tree: Path, database_url: str, redis_url: str, data_dir: Path) -> None:
        self.tree, self.data_dir = tree, data_dir
        self.env = {
            **os.environ,
            "PYTHONPATH": str(tree),
            "CALLREC_STORAGE_DATABASE_URL": database_url,
            "CALLREC_QUEUE_REDIS_URL": redis_url,
            "CALLREC_API_LOG_LEVEL": "warning",
            "CALLREC_DATA_DIR": str(data_dir),
        }
        self.port = 18000 + random.randrange(1000)
        self.url = f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str, stdin: str = "") -> str:
        command = [
            sys.executable,
            "-c",
            "from api.cli import main; main()",
            *args,
            "--data-dir",
            str(self.data_dir),
        ]
        done = subprocess.run(
            command, cwd=self.tree, env=self.env, input=stdin, capture_output=True, text=True
        )
        if done.returncode:
            raise RuntimeError(done.stderr)
        return done.stdout.strip()

    def __enter__(self) -> Server:
        self.cli("migrate")
        self.admin = {
            "Authorization": f"Bearer {self.cli('keys', 'create', '--role', 'admin').splitlines()[-1]}"
        }
        self.cli("users", "create", "rina", "--role", "compliance", "--password-stdin", stdin=PASSWORD + "\n")
        command = [sys.executable, "-c", "from api.cli import main; main()", "api", "--port", str(self.port)]
        self.process = subprocess.Popen(command, cwd=self.tree, env=self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the API did not start")

    def __exit__(self, *_: object) -> None:
        self.process.terminate()
        self.process.wait(20)


def sign_in(url: str, password: str, headers: dict[str, str] | None = None, username: str = "rina") -> int:
    try:
        body = {"username": username, "password": password}
        return httpx.post(f"{url}/v1/session", json=body, headers=headers, timeout=120).status_code
    except httpx.HTTPError:
        return 0


def huge_body(server: Server) -> str:
    before = rss_mib(server.process.pid)
    body = b'{"username": "' + b"a" * (200 * 2**20) + b'", "password": "x"}'
    try:
        code = httpx.post(
            f"{server.url}/v1/session",
            content=body,
            headers={"Content-Type": "application/json"},
            timeout=120,
        ).status_code
    except httpx.HTTPError as exc:
        code = type(exc).__name__  # type: ignore[assignment]
    return (
        f"200 MiB JSON to /v1/session: {code}, API RSS {before:.0f} -> {rss_mib(server.process.pid):.0f} MiB"
    )


def concurrent_wrong_passwords(server: Server) -> str:
    with ThreadPoolExecutor(40) as pool:
        codes = Counter(pool.map(lambda _: sign_in(server.url, "wrong password!!"), range(40)))
    return f"40 concurrent wrong passwords: {dict(sorted(codes.items()))} (401 = the password was checked)"


def sign_in_burst(server: Server) -> str:
    with ThreadPoolExecutor(120) as pool:
        burst = [
            pool.submit(sign_in, server.url, PASSWORD, None, "rina" if i % 2 else f"nobody{i}")
            for i in range(120)
        ]
        time.sleep(0.5)
        started = time.perf_counter()
        other = httpx.get(f"{server.url}/v1/calls", headers=server.admin, timeout=120).status_code
        waited = time.perf_counter() - started
        codes = Counter(f.result() for f in burst)
    return f"120 concurrent sign-ins (half rina, half unknown names): {dict(sorted(codes.items()))}; an admin's GET /v1/calls meanwhile {other} in {waited:.1f} s"


def forged_forwarded_for(server: Server) -> str:
    codes = [sign_in(server.url, "wrong password!!", {"X-Forwarded-For": f"203.0.113.{i}"}) for i in range(8)]
    return f"8 wrong passwords, each with a new X-Forwarded-For: {codes}"


def search_pinning(server: Server) -> str:
    # Numbered terms ("a00001"...): every fuzzy word has many near neighbours, as real account
    # numbers, names and product codes do.
    words = [f"a{i:05d}" for i in range(30_000)]
    call = httpx.post(f"{server.url}/v1/calls", json={"external_id": "wordy"}, headers=server.admin).json()[
        "id"
    ]
    segments = [
        {
            "start": i / 5,
            "end": i / 5 + 0.1,
            "speaker": "S0",
            "role": "customer",
            "channel": 0,
            "text": " ".join(words[i : i + 50]),
        }
        for i in range(0, len(words), 50)
    ]
    put = httpx.put(
        f"{server.url}/v1/calls/{call}/transcript",
        json={"language": "en", "duration": 7000, "segments": segments},
        headers=server.admin,
        timeout=300,
    )
    lines = [f"import of a 30,000-word transcript: {put.status_code}"]
    queries = {
        "76 fuzzy OR terms": " OR ".join(f"{w}q~" for w in words[::397][:76]),
        "6 fuzzy OR terms (the most now allowed)": " OR ".join(w + "q~" for w in words[::397][:6]),
        "32 words matching nothing (automatic fuzzy retry)": " ".join(w + "zz" for w in words[::911][:32]),
    }
    for name, query in queries.items():
        started = time.perf_counter()
        try:
            response = httpx.get(
                f"{server.url}/v1/search", params={"q": query}, headers=server.admin, timeout=600
            )
            outcome = f"{response.status_code} {response.json().get('error', '')}".strip()
        except httpx.HTTPError as exc:
            outcome = type(exc).__name__
        lines.append(f"search, {name}: {outcome} in {time.perf_counter() - started:.1f} s")
    return "; ".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--only", help="run the attacks whose name contains this")
    args = parser.parse_args()
    database = os.environ.get("CALLREC_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    redis = os.environ.get("CALLREC_BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
    print(f"tree: {args.tree.resolve()}")
    attacks = (
        (huge_body, "sqlite"),
        (concurrent_wrong_passwords, "postgresql"),
        (sign_in_burst, "postgresql"),
        (forged_forwarded_for, "sqlite"),
        (search_pinning, "sqlite"),
        (search_pinning, "postgresql"),
    )
    for attack, engine in attacks:
        if args.only and args.only not in attack.__name__:
            continue
        subprocess.run(
            [sys.executable, "-c", f"import redis; redis.Redis.from_url({redis!r}).flushdb()"], check=True
        )
        with (
            tempfile.TemporaryDirectory() as data_dir,
            scratch_database(database, "callrec_attack") as pg_url,
        ):
            url = pg_url if engine == "postgresql" else f"sqlite:///{data_dir}/callrec.db"
            with Server(args.tree, url, redis, Path(data_dir)) as server:
                print(f"- {engine}: {attack(server)}", flush=True)


if __name__ == "__main__":
    main()
