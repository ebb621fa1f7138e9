"""Fixtures the integration tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.live_api import PASSWORD, LiveApi, serve


@pytest.fixture
def live_api(admin_api) -> Iterator[LiveApi]:
    client, services = admin_api
    created = client.post("/v1/users", json={"username": "rina", "password": PASSWORD, "role": "compliance"})
    assert created.status_code == 201, created.text
    for url in serve(services):
        yield LiveApi(url, services, {"Authorization": client.headers["Authorization"]})
