"""The README's 60-second tour, run as written: its shell block against `callrec up` on the embedded
defaults and the default model, with only the key, the address and the call id filled in."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

from tests.e2e.conftest import callrec_up

ROOT = Path(__file__).resolve().parents[2]


def tour() -> tuple[list[str], float]:
    """The tour's commands (continuation lines joined, comments dropped) and the second it promises."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## A 60-second tour", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    joined = re.sub(r"\\\n\s*", " ", block)
    commands = [line.split("  #")[0].strip() for line in joined.splitlines()]
    commands = [c for c in commands if c and not c.startswith("#") and not c.startswith("KEY=")]
    promised = float(re.search(r"customer's\s+segment, starting at second (\d+(?:\.\d+)?)", section).group(1))
    return commands, promised


def run(command: str, key: str, url: str, call_id: str = "") -> str:
    command = command.replace("http://127.0.0.1:8000", url).replace("5b0e...", call_id)
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=ROOT,
        env={"KEY": key, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, (command, done.stderr)
    return done.stdout


def test_the_readme_tour_works_as_written(tmp_path):
    commands, promised = tour()
    upload, *reads = commands
    search = reads.pop()
    assert upload.startswith("curl") and "/v1/calls" in upload and "/v1/search" in search
    with callrec_up(tmp_path / "data") as service:
        created = json.loads(run(upload, service.key, service.url))
        assert created["status"] == "queued"
        call_id = created["id"]
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            call = json.loads(run(reads[0], service.key, service.url, call_id))
            if call["status"] in ("done", "failed"):
                break
            time.sleep(1)
        assert call["status"] == "done", call
        transcript = json.loads(run(reads[1], service.key, service.url, call_id))
        assert transcript["language"] == "en" and transcript["segments"]
        srt = run(reads[2], service.key, service.url, call_id)
        assert srt.startswith("1\n") and "-->" in srt
        found = json.loads(run(search, service.key, service.url))
        # What callrec stores is its own: files 0600, folders 0700.
        data = tmp_path / "data"
        stored = [p for p in data.rglob("*") if not p.is_symlink()]
        assert stored and (data.stat().st_mode & 0o077) == 0
        loose = [str(p) for p in stored if p.stat().st_mode & 0o077]
        assert not loose, loose
    assert [r["call_id"] for r in found["results"]] == [call_id]
    hit = found["results"][0]["hits"][0]
    assert hit["role"] == "customer"
    assert abs(hit["start"] - promised) <= 0.5, (hit["start"], promised)
