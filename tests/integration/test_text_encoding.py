"""Text that is not valid Unicode (a lone UTF-16 surrogate, which JSON's \\u escapes can carry) is refused
with a 422 and stores nothing, wherever it arrives; schemathesis found a 500 from a scorecard name."""

from __future__ import annotations

import json

import pytest

LONE = "\udc8e"

BODIES = [
    (
        "POST",
        "/v1/scorecards",
        {"name": f"care{LONE}", "criteria": [{"name": "greeting", "weight": 1, "max_points": 5}]},
    ),
    (
        "POST",
        "/v1/scorecards",
        {"name": "care", "criteria": [{"name": f"greet{LONE}", "weight": 1, "max_points": 5}]},
    ),
    ("PUT", "/v1/teams/north", {"agents": [f"a{LONE}"], "managers": []}),
    ("POST", "/v1/rules/preview", {"rule": f"rules: []\n# {LONE}"}),
]


@pytest.mark.parametrize(("method", "path", "body"), BODIES, ids=[f"{m} {p}" for m, p, _ in BODIES])
def test_lone_surrogates_are_refused_with_a_reason(admin_api, method, path, body):
    client, _ = admin_api
    raw = json.dumps(body)  # ensure_ascii: the surrogate travels as \udc8e, as an attacker sends it
    response = client.request(method, path, content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["error"] in ("invalid_text", "invalid_request")
    if path == "/v1/scorecards":
        assert client.get("/v1/scorecards").json() == []  # nothing half-written
