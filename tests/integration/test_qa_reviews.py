"""QA reviews that can be trusted: one review per reviewer, call and scorecard (a second submission
replaces the first and keeps it in the history), every criterion scored, and scorecards retired
without losing their reviews; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.desk import Desk, seed, signed_in

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def world(admin_api) -> Desk:  # type: ignore[no-untyped-def]
    client, services = admin_api
    return seed(client, services)


def _review(client, world: Desk, greeting: int, resolution: int):  # type: ignore[no-untyped-def]
    body = {"scorecard_id": world.scorecard, "scores": {"Greeting": greeting, "Resolution": resolution}}
    return client.post(f"/v1/calls/{world.calls['he']}/reviews", json=body)


def test_a_second_submission_replaces_the_reviewers_first_and_keeps_it(world, admin_api):
    client, _ = admin_api
    maya, csrf = signed_in(client.app, "maya")
    maya.headers["X-CSRF-Token"] = csrf
    first = _review(maya, world, 5, 1)
    assert first.status_code == 201, first.text
    second = _review(maya, world, 2, 5)
    assert second.status_code == 200, second.text
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["score"] != first.json()["score"]
    (earlier,) = second.json()["history"]
    assert (earlier["scores"], earlier["score"]) == ({"Greeting": 5, "Resolution": 1}, first.json()["score"])
    assert earlier["replaced_at"]
    # Another reviewer's review of the same call is their own.
    assert _review(client, world, 4, 4).status_code == 201
    reviews = client.get(f"/v1/calls/{world.calls['he']}/reviews").json()
    assert (
        sorted(r["reviewer"] for r in reviews) == ["key 1 (compliance-1)", "user maya"] or len(reviews) == 2
    )
    assert len(client.get("/v1/agents/a1/reviews").json()) == 2  # the agent's chart counts each once
    # Every criterion must be scored, with points within its range.
    for scores in (
        {"Greeting": 5},
        {"Greeting": 5, "Resolution": 9},
        {"Greeting": 5, "Resolution": 5, "Tone": 1},
    ):
        body = {"scorecard_id": world.scorecard, "scores": scores}
        refused = maya.post(f"/v1/calls/{world.calls['he']}/reviews", json=body)
        assert refused.status_code == 422 and refused.json()["detail"], scores
    audit = client.get("/v1/audit", params={"action": "qa.review", "actor": "user maya"}).json()
    assert sorted(e["details"]["replaced"] for e in audit) == [False, True]


def test_a_retired_scorecard_takes_no_reviews_and_keeps_its_scores(world, admin_api):
    client, _ = admin_api
    assert _review(client, world, 5, 5).status_code == 201
    maya, csrf = signed_in(client.app, "maya")
    maya.headers["X-CSRF-Token"] = csrf
    assert maya.delete(f"/v1/scorecards/{world.scorecard}").status_code == 403
    retired = client.delete(f"/v1/scorecards/{world.scorecard}")
    assert retired.status_code == 200 and retired.json()["active"] is False
    refused = _review(maya, world, 3, 3)
    assert refused.status_code == 404 and "active scorecard" in refused.json()["detail"]
    (kept,) = client.get(f"/v1/calls/{world.calls['he']}/reviews").json()
    assert kept["score"] == 100.0
    assert client.delete("/v1/scorecards/999999").status_code == 404
