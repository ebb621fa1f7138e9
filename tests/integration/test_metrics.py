"""GET /metrics after a real call goes through the worker (tiny.en): queue, calls, flags, worker and
stage timings, audio processed, search latency and uploads, in Prometheus text format; and
`callrec status` saying the same at a glance."""

from __future__ import annotations

import json
import re
import time

import pytest
from typer.testing import CliRunner

from api.cli import app
from recorder.queue import CPU_QUEUE
from tests.telephony import STEREO
from transcribe.jobs import WorkerContext, install_context
from transcribe.settings import TranscribeSettings
from transcribe.worker import run_worker

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
SAMPLE = re.compile(r"^([a-z_]+)(\{[^}]*\})? (-?[0-9.e+]+|\+Inf)$")


def scrape(client) -> dict[str, float]:  # type: ignore[no-untyped-def]
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    values = {}
    for line in response.text.splitlines():
        if line.startswith("#") or not line:
            continue
        match = SAMPLE.match(line)
        assert match, f"not Prometheus text: {line!r}"
        values[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return values


def test_metrics_after_a_real_call(admin_api, tiny_transcriber):
    client, services = admin_api
    services.redis.delete(*services.redis.keys("callrec:metrics:*") or ["none"])
    with open(STEREO, "rb") as audio:
        upload = client.post(
            "/v1/calls",
            files={"audio": ("c.wav", audio)},
            data={"metadata": json.dumps({"external_id": "m1"})},
        )
    assert upload.status_code == 201
    assert client.post("/v1/calls", files={"audio": ("x.wav", b"not audio")}).status_code == 415
    queued = scrape(client)
    assert queued['callrec_queue_depth{queue="callrec-cpu"}'] == 1
    assert queued['callrec_calls{status="queued",source="api"}'] == 1
    assert queued["callrec_oldest_waiting_seconds"] >= 0
    assert queued['callrec_uploads_total{outcome="created"}'] == 1
    assert queued['callrec_uploads_total{outcome="refused"}'] == 1

    context = WorkerContext(
        services.db,
        services.objects,
        tiny_transcriber,
        TranscribeSettings(model="tiny.en", voiceprints=False),
    )
    install_context(context)
    run_worker(context, services.redis, [CPU_QUEUE], burst=True, name=f"test-{time.monotonic_ns()}")
    assert client.get("/v1/search", params={"q": "refund"}).status_code == 200

    done = scrape(client)
    assert done['callrec_queue_depth{queue="callrec-cpu"}'] == 0
    assert done['callrec_calls{status="done",source="api"}'] == 1
    assert done['callrec_job_seconds_count{outcome="done",queue="callrec-cpu"}'] == 1
    assert done['callrec_job_seconds_bucket{outcome="done",queue="callrec-cpu",le="+Inf"}'] == 1
    assert done['callrec_job_seconds_sum{outcome="done",queue="callrec-cpu"}'] > 0
    assert done['callrec_stage_seconds_count{stage="transcribe"}'] == 1
    # Where the seconds went, before the job and inside recognition, beside the job's own stages.
    for part in ("queue_wait", "job_start", "transcribe.agent", "transcribe.customer"):
        assert done[f'callrec_stage_seconds_count{{stage="{part}"}}'] == 1, part
    assert done['callrec_stage_seconds_sum{stage="queue_wait"}'] > 0  # it waited while we scraped
    per_side = sum(
        done[f'callrec_stage_seconds_sum{{stage="transcribe.{side}"}}'] for side in ("agent", "customer")
    )
    assert 0 < per_side <= done['callrec_stage_seconds_sum{stage="transcribe"}'] + 0.01
    assert abs(done['callrec_audio_seconds_total{queue="callrec-cpu"}'] - 40.66) < 0.1  # the call's length
    assert done["callrec_search_seconds_count"] == 1
    flags = {k: v for k, v in done.items() if k.startswith("callrec_flags{")}
    assert sum(flags.values()) == len(client.get("/v1/flags").json())

    from rq import SimpleWorker

    from transcribe.worker import WORKER_MODEL_KEY

    idle = SimpleWorker([CPU_QUEUE], connection=services.redis, name=f"idle-{time.monotonic_ns()}")
    idle.register_birth()
    services.redis.set(f"{WORKER_MODEL_KEY}{idle.name}", "tiny.en (cpu/int8)")
    status = CliRunner().invoke(
        app, ["status"], env={"CALLREC_QUEUE_REDIS_URL": services.settings.queue.redis_url}
    )
    idle.register_death()
    assert status.exit_code == 0, status.output
    assert "queue callrec-cpu: 0 waiting" in status.output and "1 done" in status.output
    assert f"worker {idle.name}: tiny.en (cpu/int8), callrec-cpu" in status.output
    assert "failed in the last hour: 0" in status.output


def test_metrics_are_for_admins(admin_api):
    from fastapi.testclient import TestClient

    client, _ = admin_api
    assert TestClient(client.app).get("/metrics").status_code == 401


def test_the_grafana_dashboard_graphs_only_metrics_callrec_exports(admin_api):
    from pathlib import Path

    client, _ = admin_api
    exported = set(re.findall(r"^# TYPE (\w+) (\w+)", client.get("/metrics").text, re.M))
    names = set()
    for name, kind in exported:
        names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"} if kind == "histogram" else {name}
        if kind == "counter":
            names.add(name if name.endswith("_total") else f"{name}_total")
    dashboard = json.loads((Path(__file__).parents[2] / "deploy/grafana/callrec.json").read_text())
    used = {
        m
        for panel in dashboard["panels"]
        for t in panel["targets"]
        for m in re.findall(r"callrec_\w+", t["expr"])
    }
    assert used and used <= names, used - names
