"""Shared fixtures: real services, started once per session, clean state per test.

PostgreSQL and a service Redis are used when CALLREC_TEST_DATABASE_URL / CALLREC_TEST_REDIS_URL are
set (.ci/run sets both). Without them those runs are skipped with a reason, unless
CALLREC_TEST_REQUIRE_SERVICES=1, where a missing or unreachable service fails the run.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api.embedded_redis import EmbeddedRedis
from storage.database import Database
from storage.tables import Base

FIXTURES = Path(__file__).parent / "fixtures"
CALLS = FIXTURES / "calls"
REQUIRE_SERVICES = os.environ.get("CALLREC_TEST_REQUIRE_SERVICES") == "1"


def service_url(name: str) -> str:
    url = os.environ.get(name, "")
    if not url:
        if REQUIRE_SERVICES:
            pytest.fail(f"{name} is not set but CALLREC_TEST_REQUIRE_SERVICES=1")
        pytest.skip(f"{name} not set: run .ci/run, or set it, to include this service")
    return url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Redis -----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def embedded_redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    yield server.start()
    server.stop()


@pytest.fixture(scope="session")
def service_redis_url() -> str:
    url = service_url("CALLREC_TEST_REDIS_URL")
    Redis.from_url(url).ping()
    return url


@pytest.fixture(params=["embedded", "service"])
def redis_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each test runs against the embedded Redis and the service Redis; the database is emptied first."""
    url = request.getfixturevalue(f"{request.param}_redis_url")
    connection = Redis.from_url(url)
    connection.flushdb()
    yield url
    connection.flushdb()


# --- Databases -------------------------------------------------------------------------------------


@contextmanager
def fresh_postgres_database(prefix: str) -> Iterator[str]:
    """A new, empty database on the test PostgreSQL server, dropped afterwards."""
    base = make_url(
        service_url("CALLREC_TEST_DATABASE_URL").replace("postgresql://", "postgresql+psycopg://", 1)
    )
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this session, dropped at the end."""
    with fresh_postgres_database("callrec_test") as url:
        yield url


def _empty(db: Database) -> None:
    with db.session() as session:
        # The audit trail is append-only (migration 0017) but for maintenance, which clearing a test
        # database is.
        session.execute(text("DELETE FROM audit_maintenance"))
        session.execute(text("INSERT INTO audit_maintenance (id) VALUES (1)"))
        # Every table the models declare, children first, so a new table is emptied too.
        kept = {"audit_head", "audit_maintenance"}
        for table in [t.name for t in reversed(Base.metadata.sorted_tables) if t.name not in kept]:
            session.execute(text(f"DELETE FROM {table}"))
        session.execute(
            text("UPDATE audit_head SET last_id = 0, last_hash = :genesis, scheme = 'sha256'"),
            {"genesis": "0" * 64},
        )
        session.execute(text("DELETE FROM audit_maintenance"))


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'callrec.db'}"
    url = request.getfixturevalue("postgres_server_url")
    db = Database(url)
    db.migrate()
    _empty(db)
    db.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def unmigrated_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own (for migration tests)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'unmigrated.db'}"
        return
    request.getfixturevalue("postgres_server_url")  # skips or fails like the other PostgreSQL tests
    with fresh_postgres_database("callrec_migrate") as url:
        yield url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    database.migrate()
    yield database
    database.dispose()


# --- S3 --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's standalone S3 server over real HTTP. It accepts any credentials: never test auth with it."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_objects_url(s3_endpoint: str) -> str:
    return f"s3://callrec-{uuid.uuid4().hex[:8]}?endpoint={s3_endpoint}&secure=false&region=us-east-1"


# --- Models ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # One cache for the session: the packaged base model is assembled once, then reused.
    return Path(os.environ.get("CALLREC_TEST_MODEL_CACHE", str(Path.home() / ".cache" / "callrec")))


@pytest.fixture(scope="session")
def tiny_transcriber(model_cache: Path):  # type: ignore[no-untyped-def]
    from transcribe.asr import Transcriber
    from transcribe.settings import TranscribeSettings

    return Transcriber(TranscribeSettings(model="tiny.en", cache_dir=model_cache))


@pytest.fixture(scope="session")
def base_transcriber(model_cache: Path):  # type: ignore[no-untyped-def]
    from transcribe.asr import Transcriber
    from transcribe.settings import TranscribeSettings

    return Transcriber(TranscribeSettings(model="base", cache_dir=model_cache))


@pytest.fixture(scope="session")
def voice_encoder():  # type: ignore[no-untyped-def]
    from transcribe.voiceprints import VoiceEncoder

    return VoiceEncoder("cpu")


@pytest.fixture
def admin_api(database_url, embedded_redis_url, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The API app on the test database and the embedded Redis (emptied), with an admin key named
    compliance-1 on its client; yields (client, services)."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.services import build_services
    from api.settings import load_settings
    from storage import api_keys

    monkeypatch.setenv("CALLREC_STORAGE_DATABASE_URL", database_url)
    monkeypatch.setenv("CALLREC_QUEUE_REDIS_URL", embedded_redis_url)
    # Commands the test runs share the data folder, and with it the audit chain's key.
    monkeypatch.setenv("CALLREC_DATA_DIR", str(tmp_path))
    # Tests' webhook receivers listen on loopback, which webhooks may reach only when allowed.
    monkeypatch.setenv("CALLREC_RECORDER_WEBHOOK_ALLOWED_NETWORKS", '["127.0.0.0/8"]')
    Redis.from_url(embedded_redis_url).flushdb()
    services = build_services(load_settings(data_dir=tmp_path))
    with services.db.session() as session:
        _, admin = api_keys.create_key(session, "admin", "compliance-1")
    client = TestClient(create_app(services))
    client.headers["Authorization"] = f"Bearer {admin}"
    yield client, services
    services.close()
