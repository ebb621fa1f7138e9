"""Faults made for real: Redis stopped and started again, the S3 server stopped, PostgreSQL restarted,
while the API keeps serving. Nothing is lost or half-written; everything recovers without a restart of
the API."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rq.job import Job

from api.app import create_app
from api.embedded_redis import EmbeddedRedis
from api.services import build_services
from api.settings import load_settings
from recorder.queue import requeue_stranded_calls
from storage import api_keys, call_list
from storage import calls as call_records
from tests.conftest import free_port
from tests.telephony import STEREO


def api(monkeypatch, tmp_path: Path, **env: str) -> tuple[TestClient, object]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    services = build_services(load_settings(data_dir=tmp_path))
    with services.db.session() as session:
        _, key = api_keys.create_key(session, "admin", "faults")
    return TestClient(create_app(services), headers={"Authorization": f"Bearer {key}"}), services


def upload(client: TestClient, external_id: str):  # type: ignore[no-untyped-def]
    with open(STEREO, "rb") as audio:
        return client.post(
            "/v1/calls",
            files={"audio": ("call.wav", audio)},
            data={"metadata": json.dumps({"external_id": external_id})},
        )


def test_uploads_succeed_while_redis_is_down_and_the_reconciler_queues_them_once_it_is_back(
    monkeypatch, tmp_path
):
    redis = EmbeddedRedis(tmp_path / "redis")
    url = redis.start()
    client, services = api(monkeypatch, tmp_path, CALLREC_QUEUE_REDIS_URL=url)
    try:
        before = upload(client, "before").json()["id"]
        redis.stop()
        assert client.get("/readyz").status_code == 503
        during = upload(client, "during")
        assert during.status_code == 201, during.text  # stored and marked queued, not refused
        with services.db.session() as session:
            stranded = call_records.get_call(session, during.json()["id"])
        assert stranded.status.value == "queued" and stranded.stage == "waiting_for_queue"
        redis.start()  # same data folder: the job queued before the outage is still there
        assert client.get("/readyz").status_code == 200
        assert Job.fetch(before, connection=services.redis).get_status() == "queued"
        assert requeue_stranded_calls(services.db, services.queue, older_than_s=0) == [during.json()["id"]]
        assert requeue_stranded_calls(services.db, services.queue, older_than_s=0) == []
        assert Job.fetch(during.json()["id"], connection=services.redis).get_status() == "queued"
    finally:
        services.close()
        redis.stop()


def test_an_unreachable_object_store_gives_503_and_leaves_no_row(monkeypatch, tmp_path):
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    redis = EmbeddedRedis(tmp_path / "redis")
    client, services = api(
        monkeypatch,
        tmp_path,
        CALLREC_QUEUE_REDIS_URL=redis.start(),
        CALLREC_STORAGE_OBJECTS_URL=f"s3://faults?endpoint=127.0.0.1:{port}&secure=false&region=us-east-1",
        CALLREC_STORAGE_S3_ACCESS_KEY="test",
        CALLREC_STORAGE_S3_SECRET_KEY="test-secret",
    )
    try:
        assert upload(client, "ok").status_code == 201
        server.stop()
        started = time.monotonic()
        refused = upload(client, "refused")
        assert refused.status_code == 503 and refused.json()["error"] == "object_store_unavailable"
        assert "S3" in refused.json()["detail"]
        assert time.monotonic() - started < 30  # short retries: the sender learns in seconds
        with services.db.session() as session:
            calls = call_list.list_calls(session, call_list.CallFilter())
        assert [c.external_id for c in calls] == ["ok"]
        assert client.get("/readyz").status_code == 503
    finally:
        services.close()
        redis.stop()


@pytest.fixture
def own_postgres() -> Iterator[tuple[str, list[str]]]:
    """A PostgreSQL server of this test's own (initdb in a temporary folder), so it can be restarted.
    Yields (URL, the pg_ctl command prefix)."""
    binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not binaries:
        pytest.fail("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are needed for this test")
    bin_dir = binaries[-1].parent
    folder = Path(tempfile.mkdtemp(prefix="callrec-pg-"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", free_port()
    subprocess.run([*as_postgres, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True)  # fmt: skip
    ctl = [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l", str(folder / "log"),
           "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"]  # fmt: skip
    subprocess.run([*ctl, "start"], check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres", ctl
    finally:
        subprocess.run([*ctl, "stop", "-m", "immediate"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def test_the_api_recovers_from_a_database_restart_by_itself(monkeypatch, tmp_path, own_postgres):
    url, ctl = own_postgres
    redis = EmbeddedRedis(tmp_path / "redis")
    client, services = api(
        monkeypatch, tmp_path, CALLREC_QUEUE_REDIS_URL=redis.start(), CALLREC_STORAGE_DATABASE_URL=url
    )
    try:
        assert upload(client, "before").status_code == 201
        subprocess.run([*ctl, "stop", "-m", "fast"], check=True, capture_output=True)
        down = client.get("/v1/calls")
        assert down.status_code == 503 and down.json()["error"] == "database_unavailable"
        refused = upload(client, "while-down")
        assert refused.status_code == 503
        assert [p.name for p in (tmp_path / "objects").rglob("*") if p.is_file()] == ["original.wav"]
        subprocess.run([*ctl, "start"], check=True, capture_output=True)
        listed = client.get("/v1/calls")  # the same API process, its pool reconnects
        assert listed.status_code == 200 and [c["external_id"] for c in listed.json()["items"]] == ["before"]
        assert upload(client, "after").status_code == 201
    finally:
        services.close()
        redis.stop()
