"""Automatic QA: criteria bound to a rule, a metric or sentiment score every analysed call, follow the
analysis when it changes (a dismissed flag, a corrected transcript), give way to a person's review in
every QA figure, and the disagreement is counted; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.desk import Desk, seed, signed_in

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)

CRITERIA = [
    {
        "name": "Disclosure",
        "weight": 2,
        "max_points": 5,
        "auto": {"rule": "conduct.missing_recording_disclosure"},
    },
    {"name": "Calm", "weight": 1, "max_points": 5, "auto": {"metric": "interruptions_by_agent <= 1"}},
    {"name": "Ending", "weight": 1, "max_points": 5, "auto": {"sentiment": "customer.last_minute>=0"}},
    {"name": "Empathy", "weight": 1, "max_points": 5},
]
CALL = {
    "language": "en",
    "duration": 90,
    "segments": [
        {"start": 0, "end": 4, "speaker": "A", "role": "agent", "text": "Hello, how can I help you today?"},
        {"start": 5, "end": 10, "speaker": "C", "role": "customer", "text": "My internet is down again."},
        {"start": 40, "end": 46, "speaker": "A", "role": "agent", "text": "I have reset the line for you."},
        {
            "start": 60,
            "end": 66,
            "speaker": "C",
            "role": "customer",
            "text": "This is useless, I am furious.",
        },
    ],
}


@pytest.fixture
def world(admin_api) -> tuple[Desk, str, int]:  # type: ignore[no-untyped-def]
    client, services = admin_api
    desk = seed(client, services)
    card = client.post("/v1/scorecards", json={"name": "Automatic", "criteria": CRITERIA})
    assert card.status_code == 201, card.text
    assert card.json()["criteria"][0]["auto"] == {"rule": "conduct.missing_recording_disclosure"}
    call_id = client.post(
        "/v1/calls", json={"external_id": "auto-1", "duration": 90, "agent_id": "a1"}
    ).json()["id"]
    assert client.put(f"/v1/calls/{call_id}/transcript", json=CALL).status_code == 200
    return desk, call_id, card.json()["id"]


def _automatic(client, call_id: str) -> dict:  # type: ignore[no-untyped-def]
    (review,) = [r for r in client.get(f"/v1/calls/{call_id}/reviews").json() if r["automatic"]]
    return review


def test_the_analysis_scores_its_criteria_and_follows_changes(world, admin_api):
    client, _ = admin_api
    _, call_id, _ = world
    first = _automatic(client, call_id)
    assert first["reviewer"] == "auto"
    assert first["scores"] == {"Disclosure": 0, "Calm": 5, "Ending": 0}  # Empathy stays for people
    assert first["score"] == 25.0  # (2*0 + 1*5 + 1*0) / 4 criteria' weight, as a share of full points
    # The disclosure flag was wrong: dismissed, it costs nothing.
    (flag,) = [
        f for f in client.get(f"/v1/calls/{call_id}").json()["flags"] if f["rule_id"].endswith("disclosure")
    ]
    client.patch(f"/v1/flags/{flag['id']}", json={"state": "dismissed", "comment": "said before recording"})
    assert _automatic(client, call_id)["scores"]["Disclosure"] == 5
    # A corrected transcript: the customer ends content, and the ending criterion follows.
    client.patch(f"/v1/calls/{call_id}/segments/3", json={"text": "Thank you, that is great."})
    after = _automatic(client, call_id)
    assert after["scores"] == {"Disclosure": 5, "Calm": 5, "Ending": 5} and after["score"] == 100.0
    assert len(after["history"]) == 2  # the earlier automatic scores are kept


def test_a_persons_review_overrides_the_automatic_one_and_disagreement_is_counted(world, admin_api):
    client, _ = admin_api
    desk, call_id, card_id = world
    maya, csrf = signed_in(client.app, "maya")
    maya.headers["X-CSRF-Token"] = csrf
    assert client.get("/v1/calls", params={"min_qa": 20, "max_qa": 30}).json()["items"][0]["id"] == call_id
    scores = {"Disclosure": 5, "Calm": 5, "Ending": 0, "Empathy": 5}  # the person hears the disclosure
    made = maya.post(f"/v1/calls/{call_id}/reviews", json={"scorecard_id": card_id, "scores": scores})
    assert made.status_code == 201 and made.json()["automatic"] is False
    # Every QA figure now counts the person's 80, not the automatic 25.
    assert [r["score"] for r in client.get("/v1/agents/a1/reviews").json()] == [80.0]
    assert client.get("/v1/calls", params={"min_qa": 20, "max_qa": 30}).json()["items"] == []
    assert client.get("/v1/calls", params={"min_qa": 75}).json()["items"][0]["id"] == call_id
    agents = client.get("/v1/dashboard", params={"days": 30}).json()["agents"]
    assert {a["agent_id"]: a["qa_average"] for a in agents}["a1"] == 80.0
    agreement = {r["criterion"]: r for r in maya.get("/v1/qa/agreement").json()}
    assert (agreement["Disclosure"]["compared"], agreement["Disclosure"]["disagreed"]) == (1, 1)
    assert (agreement["Calm"]["disagreed"], agreement["Ending"]["disagreed"]) == (0, 0)
    assert "Empathy" not in agreement
    ari, _ = signed_in(client.app, "ari")
    assert ari.get("/v1/qa/agreement").status_code == 403  # agents do not see reviewers' figures


@pytest.mark.parametrize(
    "auto, problem",
    [
        ({"metric": "mood<=1"}, "not one of"),
        ({"rule": "conduct.no_such_rule"}, "not a loaded rule"),
        ({"metric": "turns<=1", "rule": "x"}, "at most 1 item"),
        ({"sentiment": "customer.mood>=0"}, "SIDE.MEASURE"),
        ({"metric": "turns around"}, "NAME OP NUMBER"),
    ],
)
def test_bindings_are_checked(admin_api, auto, problem):
    client, _ = admin_api
    body = {"name": "Bad", "criteria": [{"name": "A", "weight": 1, "auto": auto}]}
    refused = client.post("/v1/scorecards", json=body)
    assert refused.status_code == 422 and problem in str(refused.json()["detail"]), refused.text


def test_a_card_made_later_scores_stored_calls_when_the_rules_are_applied_again(admin_api):
    from transcribe.reanalyse import apply_rules

    client, services = admin_api
    call_id = client.post("/v1/calls", json={"external_id": "auto-2", "duration": 90}).json()["id"]
    client.put(f"/v1/calls/{call_id}/transcript", json=CALL)
    card = client.post("/v1/scorecards", json={"name": "Later", "criteria": CRITERIA[:2]}).json()
    assert [r for r in client.get(f"/v1/calls/{call_id}/reviews").json() if r["automatic"]] == []
    apply_rules(services.db, services.rules)
    review = _automatic(client, call_id)
    assert review["scorecard_id"] == card["id"] and review["scores"] == {"Disclosure": 0, "Calm": 5}
