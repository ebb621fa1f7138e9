"""A real API server for attack tests: uvicorn on a loopback port, so concurrency and forwarded
headers are real, with a compliance user to sign in as."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import uvicorn

from api.app import create_app
from api.server_config import server_config
from api.services import Services
from tests.conftest import free_port

PASSWORD = "correct horse battery"


@dataclass
class LiveApi:
    url: str
    services: Services
    admin: dict[str, str]


@contextmanager
def running(config: uvicorn.Config) -> Iterator[str]:
    """A uvicorn server on a thread for the length of the block; its URL."""
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the API server did not start"
        time.sleep(0.05)
    try:
        yield f"http://{config.host}:{config.port}"
    finally:
        server.should_exit = True
        thread.join(10)


def serve(services: Services) -> Iterator[str]:
    with running(server_config(create_app(services), services.settings.api, "127.0.0.1", free_port())) as url:
        yield url


def sign_in(url: str, password: str, headers: dict[str, str] | None = None) -> int:
    response = httpx.post(
        f"{url}/v1/session", json={"username": "rina", "password": password}, headers=headers, timeout=120
    )
    return response.status_code
