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


def _as(client, username: str):  # type: ignore[no-untyped-def]
    person, csrf = signed_in(client.app, username)
    person.headers["X-CSRF-Token"] = csrf
    return person


def test_an_edited_scorecard_is_a_new_version_and_earlier_reviews_keep_theirs(world, admin_api):
    client, _ = admin_api
    first = _review(client, world, 5, 4).json()
    assert first["scorecard_version"] == 1
    edited = client.put(
        f"/v1/scorecards/{world.scorecard}",
        json={
            "name": "Standard",
            "criteria": [{"name": "Greeting", "weight": 1}, {"name": "Empathy", "weight": 2}],
        },
    )
    assert edited.status_code == 200, edited.text
    card = edited.json()
    assert card["version"] == 2 and [c["name"] for c in card["criteria"]] == ["Greeting", "Empathy"]
    (earlier,) = card["versions"]
    assert earlier["version"] == 1 and [c["name"] for c in earlier["criteria"]] == ["Greeting", "Resolution"]
    # The review made on version 1 keeps its scores; a new one scores version 2's criteria.
    (kept,) = client.get(f"/v1/calls/{world.calls['he']}/reviews").json()
    assert kept["scores"] == {"Greeting": 5, "Resolution": 4} and kept["scorecard_version"] == 1
    assert _review(client, world, 5, 4).status_code == 422  # Resolution is gone
    maya = _as(client, "maya")
    body = {"scorecard_id": world.scorecard, "scores": {"Greeting": 5, "Empathy": 5}}
    new = maya.post(f"/v1/calls/{world.calls['he']}/reviews", json=body)
    assert new.status_code == 201 and new.json()["scorecard_version"] == 2
    # Saving the same card again makes no version; managers cannot edit; a retired card cannot be.
    same = client.put(
        f"/v1/scorecards/{world.scorecard}", json={"name": "Standard", "criteria": card["criteria"]}
    )
    assert same.json()["version"] == 2
    assert (
        maya.put(
            f"/v1/scorecards/{world.scorecard}", json={"name": "X", "criteria": card["criteria"]}
        ).status_code
        == 403
    )
    client.delete(f"/v1/scorecards/{world.scorecard}")
    refused = client.put(
        f"/v1/scorecards/{world.scorecard}", json={"name": "Standard", "criteria": card["criteria"]}
    )
    assert refused.status_code == 409 and "retired" in refused.json()["detail"]
    audit = client.get("/v1/audit", params={"action": "scorecard.edit"}).json()
    assert [e["details"]["version"] for e in audit] == [2]


@pytest.mark.parametrize(
    "criteria, reason",
    [
        ([{"name": "Greeting", "weight": 1}, {"name": "greeting ", "weight": 1}], "distinct"),
        ([{"name": "Greeting:1", "weight": 1}], "','"),
        ([{"name": "Tone, pace", "weight": 1}], "','"),
        ([{"name": "1.2", "weight": 1}], "letter"),
        ([{"name": "bell\u0007", "weight": 1}], "','"),
        ([{"name": "x" * 65, "weight": 1}], "64"),
    ],
)
def test_criterion_names_are_validated(world, admin_api, criteria, reason):
    client, _ = admin_api
    refused = client.post("/v1/scorecards", json={"name": "Another", "criteria": criteria})
    assert refused.status_code == 422 and reason in str(refused.json()["detail"]), refused.text


def test_names_in_any_language_are_criteria_and_card_names_are_unique_whatever_their_case(world, admin_api):
    client, _ = admin_api
    created = client.post(
        "/v1/scorecards",
        json={
            "name": "בקרת איכות",
            "criteria": [{"name": "פתיח", "weight": 1}, {"name": "التعاطف", "weight": 2}],
        },
    )
    assert created.status_code == 201, created.text
    clash = client.post("/v1/scorecards", json={"name": "standard", "criteria": [{"name": "A", "weight": 1}]})
    assert clash.status_code == 422 and "exists" in clash.json()["detail"]


def test_the_agent_acknowledges_or_disputes_and_the_reviewer_answers(world, admin_api):
    client, _ = admin_api
    maya, ari, rina = _as(client, "maya"), _as(client, "ari"), _as(client, "rina")
    review = _review(maya, world, 2, 2).json()
    respond = f"/v1/reviews/{review['id']}/response"
    answer = f"/v1/reviews/{review['id']}/answer"
    # Only the reviewed agent responds; a dispute needs its reason.
    for other in (client, maya, rina):
        assert other.post(respond, json={"kind": "acknowledge"}).status_code == 403
    assert ari.post(respond, json={"kind": "dispute", "text": "  "}).status_code == 422
    disputed = ari.post(respond, json={"kind": "dispute", "text": "I did resolve it at 1:20"})
    assert disputed.status_code == 200, disputed.text
    assert disputed.json()["agent_response"] == "disputed" and disputed.json()["dispute"] == "open"
    assert (
        ari.post(respond, json={"kind": "dispute", "text": "again"}).status_code == 409
    )  # wait for the answer
    assert [r["id"] for r in maya.get("/v1/reviews/disputed").json()] == [review["id"]]
    assert ari.get("/v1/reviews/disputed").json()[0]["thread"][0]["text"] == "I did resolve it at 1:20"
    # Only the reviewer (or an admin) answers, and only an open dispute.
    assert rina.post(answer, json={"text": "no"}).status_code == 403
    assert ari.post(answer, json={"text": "no"}).status_code == 403
    answered = maya.post(answer, json={"text": "Listened again: you are right, revising"})
    assert answered.status_code == 200 and answered.json()["dispute"] == "answered"
    assert maya.post(answer, json={"text": "twice"}).status_code == 409
    assert maya.get("/v1/reviews/disputed").json() == []
    assert len(maya.get("/v1/reviews/disputed", params={"state": "answered"}).json()) == 1
    # The reviewer revises the score: the thread says so and the agent acknowledges the new one.
    revised = _review(maya, world, 5, 5).json()
    assert revised["agent_response"] is None and revised["thread"][-1]["kind"] == "revise"
    acknowledged = ari.post(respond, json={"kind": "acknowledge", "text": "thanks"})
    assert acknowledged.status_code == 200 and acknowledged.json()["agent_response"] == "acknowledged"
    assert ari.post(respond, json={"kind": "dispute", "text": "changed my mind"}).status_code == 409
    kinds = [(m["side"], m["kind"]) for m in acknowledged.json()["thread"]]
    assert kinds == [
        ("agent", "dispute"),
        ("reviewer", "answer"),
        ("reviewer", "revise"),
        ("agent", "acknowledge"),
    ]
    actions = {e["action"] for e in client.get("/v1/audit", params={"action": "qa."}).json()}
    assert {"qa.dispute", "qa.answer", "qa.acknowledge"} <= actions
    assert client.post("/v1/reviews/999999/answer", json={"text": "x"}).status_code == 404


def test_an_agent_of_another_team_cannot_see_or_answer_a_review(world, admin_api):
    client, _ = admin_api
    review = client.post(
        f"/v1/calls/{world.calls['out']}/reviews",
        json={"scorecard_id": world.scorecard, "scores": {"Greeting": 1, "Resolution": 1}},
    ).json()
    ari = _as(client, "ari")
    refused = ari.post(f"/v1/reviews/{review['id']}/response", json={"kind": "acknowledge"})
    assert refused.status_code == 403 and "your own calls" in refused.json()["detail"]
