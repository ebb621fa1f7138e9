"""Attacks from the hardening pass (issue 15), each reproduced against a real API server (uvicorn on a
loopback port, so concurrency and forwarded headers are real) or the app on real services."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from sqlalchemy import event

from api.app import create_app
from api.services import Services
from storage import audit
from tests.conftest import free_port

PASSWORD = "correct horse battery"


@dataclass
class LiveApi:
    url: str
    services: Services
    admin: dict[str, str]


def serve(services: Services) -> Iterator[str]:
    port = free_port()
    options = services.settings.api.proxy_options()
    config = uvicorn.Config(create_app(services), host="127.0.0.1", port=port, log_level="warning", **options)  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the API server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def live_api(admin_api) -> Iterator[LiveApi]:
    client, services = admin_api
    created = client.post("/v1/users", json={"username": "rina", "password": PASSWORD, "role": "compliance"})
    assert created.status_code == 201, created.text
    for url in serve(services):
        yield LiveApi(url, services, {"Authorization": client.headers["Authorization"]})


def sign_in(url: str, password: str, headers: dict[str, str] | None = None) -> int:
    response = httpx.post(
        f"{url}/v1/session", json={"username": "rina", "password": password}, headers=headers, timeout=120
    )
    return response.status_code


# --- 1. Request bodies are capped before they are read -------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_huge_json_body_is_refused_before_it_is_read(live_api):
    huge = b'{"username": "' + b"a" * (8 * 2**20) + b'", "password": "x"}'
    declared = httpx.post(
        f"{live_api.url}/v1/session", content=huge, headers={"Content-Type": "application/json"}
    )
    assert declared.status_code == 413 and declared.json()["error"] == "body_too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams in
        for start in range(0, len(huge), 2**16):
            yield huge[start : start + 2**16]

    streamed = httpx.post(
        f"{live_api.url}/v1/session", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413 and "limit of 1 MiB" in streamed.json()["detail"]
    # Without credentials, a route that needs them answers 401 before reading a byte of the body.
    stranger = httpx.post(
        f"{live_api.url}/v1/flags/bulk", content=b"[" * 2**20, headers={"Content-Type": "application/json"}
    )
    assert stranger.status_code == 401
    # Audio uploads keep their own, larger limit.
    with open("tests/fixtures/calls/en_billing_dispute.stereo.wav", "rb") as audio:
        upload = httpx.post(
            f"{live_api.url}/v1/calls", files={"audio": ("c.wav", audio.read())}, headers=live_api.admin
        )
    assert upload.status_code == 201, upload.text


# --- 3, 4. Sign-in limits hold under concurrency, and a burst does not exhaust the pool ------------


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_concurrent_wrong_passwords_are_limited_atomically(live_api):
    with ThreadPoolExecutor(40) as pool:
        codes = Counter(pool.map(lambda _: sign_in(live_api.url, "wrong password!!"), range(40)))
    assert codes == {401: 5, 429: 35}, codes
    assert sign_in(live_api.url, PASSWORD) == 429  # paused for the window, right password or not


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_burst_of_sign_ins_leaves_database_connections_for_everyone_else(live_api):
    engine = live_api.services.db.engine
    held = {"now": 0, "most": 0}
    lock = threading.Lock()

    def checkout(*_):  # type: ignore[no-untyped-def]
        with lock:
            held["now"] += 1
            held["most"] = max(held["most"], held["now"])

    def checkin(*_):  # type: ignore[no-untyped-def]
        with lock:
            held["now"] -= 1

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    with ThreadPoolExecutor(120) as pool:
        burst = [
            pool.submit(sign_in, live_api.url, PASSWORD if i % 2 else f"wrong {i:04d} password")
            for i in range(120)
        ]
        calls = httpx.get(f"{live_api.url}/v1/calls", headers=live_api.admin, timeout=120)
        codes = Counter(f.result() for f in burst)
    assert calls.status_code == 200
    assert set(codes) <= {200, 401, 429, 503} and codes[500] == 0, codes
    assert codes[200] >= 1
    # Passwords are checked without a connection held: the pool (5 + 10 overflow) is never drained.
    assert held["most"] <= 10, held


# --- 12. Forwarded headers are believed only from configured proxies ------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_forged_forwarded_address_neither_dodges_the_lockout_nor_reaches_the_audit(live_api):
    codes = [
        sign_in(live_api.url, "wrong password!!", {"X-Forwarded-For": f"203.0.113.{i}"}) for i in range(7)
    ]
    assert codes == [401] * 5 + [429] * 2
    with live_api.services.db.session() as session:
        origins = {e.origin for e in audit.list_entries(session, action="session.sign_in")}
    assert origins == {"127.0.0.1"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_configured_proxy_is_believed(admin_api, monkeypatch):
    from api.settings import ApiSettings

    monkeypatch.setenv("CALLREC_API_TRUSTED_PROXIES", "127.0.0.1")
    client, services = admin_api
    client.post("/v1/users", json={"username": "rina", "password": PASSWORD, "role": "compliance"})
    services.settings = dataclasses.replace(services.settings, api=ApiSettings())
    for url in serve(services):
        assert sign_in(url, PASSWORD, {"X-Forwarded-For": "198.51.100.7"}) == 200
    with services.db.session() as session:
        origins = {e.origin for e in audit.list_entries(session, action="session.sign_in")}
    assert origins == {"198.51.100.7"}
