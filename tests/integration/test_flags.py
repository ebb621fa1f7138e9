"""Flags from real processing (the packaged base model on the scripted calls) through the API: review,
filters, rule listing, preview, and re-applying rules without duplicates."""

import time

import pytest

from recorder.queue import CPU_QUEUE
from tests.conftest import CALLS
from transcribe.jobs import WorkerContext
from transcribe.reanalyse import apply_rules
from transcribe.rules.loader import load_rules
from transcribe.settings import TranscribeSettings
from transcribe.worker import run_worker

FIXTURES = ("en_billing_dispute", "en_account_takeover", "en_rude_agent")


@pytest.fixture
def processed(admin_api, base_transcriber):
    client, services = admin_api
    ids = {}
    for name in FIXTURES:
        with open(CALLS / f"{name}.stereo.wav", "rb") as audio:
            ids[name] = client.post(
                "/v1/calls",
                files={"audio": (f"{name}.wav", audio, "audio/wav")},
                data={"metadata": '{"direction": "inbound", "agent_id": "agent-7"}'},
            ).json()["id"]
    context = WorkerContext(
        services.db, services.objects, base_transcriber, TranscribeSettings(), rules=services.rules
    )
    run_worker(context, services.redis, [CPU_QUEUE], burst=True, name=f"flags-{time.monotonic_ns()}")
    return client, services, ids


def rule_ids(call):
    return {flag["rule_id"] for flag in call["flags"]}


def test_processed_calls_carry_characteristics_and_the_expected_flags(processed):
    client, _, ids = processed
    calls = {name: client.get(f"/v1/calls/{call_id}").json() for name, call_id in ids.items()}
    assert all(call["status"] == "done" for call in calls.values())
    takeover, rude, clean = calls["en_account_takeover"], calls["en_rude_agent"], calls["en_billing_dispute"]
    # base decoding the speech regions hears espeak's "just skip the verification" as "just keep the
    # verification" (tests/unit/test_rules.py checks that rule on the script's words).
    assert "suspicious.account_takeover" in rule_ids(takeover)
    assert {"conduct.rude_dismissive", "conduct.interrupts_customer"} <= rule_ids(rude)
    assert not [f for f in clean["flags"] if f["category"] == "agent_conduct"]
    # The dispute itself ("I was charged twice ... I want a refund") comes out of base as "I want charged
    # wife ... I want a reason" on this espeak voice; the rule is checked on the script's words in
    # tests/unit/test_rules.py. What must hold here: the call's transcript is trusted, so nothing was withheld.
    assert clean["confidence"]["reasons"] == [] and clean["needs_listen"] is None
    assert rude["characteristics"]["metrics"]["interruptions_by_agent"] >= 2
    assert len(clean["characteristics"]["loudness_dbfs_per_second"]["customer"]) == 40
    evidence = next(f for f in takeover["flags"] if f["rule_id"] == "suspicious.account_takeover")["evidence"]
    assert any(
        e["role"] == "customer" and 5 < e["start"] < 12 for e in evidence
    )  # "change the bank account" at 6 s


def test_flags_are_listed_filtered_and_reviewed(processed):
    client, _, ids = processed
    suspicious = client.get("/v1/flags", params={"category": "suspicious_customer"}).json()
    assert suspicious and {f["call_id"] for f in suspicious} == {ids["en_account_takeover"]}
    assert client.get("/v1/flags", params={"agent_id": "nobody"}).json() == []
    flag = suspicious[0]
    reviewed = client.patch(
        f"/v1/flags/{flag['id']}", json={"state": "confirmed", "comment": "called the customer"}
    )
    assert reviewed.status_code == 200
    body = reviewed.json()
    assert (body["state"], body["comment"]) == ("confirmed", "called the customer")
    assert "compliance-1" in body["reviewed_by"] and body["reviewed_at"]
    assert client.get("/v1/flags", params={"state": "confirmed"}).json()[0]["id"] == flag["id"]
    assert client.patch("/v1/flags/999999", json={"state": "dismissed"}).status_code == 404
    assert client.patch(f"/v1/flags/{flag['id']}", json={"state": "maybe"}).status_code == 422


def test_rules_are_listed_and_previewed(processed):
    client, _, ids = processed
    rules = client.get("/v1/rules").json()
    assert {"conduct.rude_dismissive", "suspicious.account_takeover"} <= {r["id"] for r in rules}
    preview = client.post(
        "/v1/rules/preview",
        json={
            "rule": """
id: custom.technical_team
category: complaint
severity: low
when:
  phrases: {role: agent, any: [technical team]}
"""
        },
    ).json()
    assert preview["calls_checked"] == 3
    assert [hit["call_id"] for hit in preview["would_flag"]] == [ids["en_rude_agent"]]
    assert client.get("/v1/flags", params={"category": "complaint"}).json()  # preview flagged nothing new
    bad = client.post("/v1/rules/preview", json={"rule": "id: x\ncategory: nope\nseverity: low\nwhen: {}"})
    assert bad.status_code == 400 and "category must be one of" in bad.json()["detail"]


def test_reapplying_rules_adds_new_flags_once_and_keeps_reviews(processed, tmp_path):
    client, services, ids = processed
    flag = client.get("/v1/flags", params={"category": "suspicious_customer"}).json()[0]
    client.patch(f"/v1/flags/{flag['id']}", json={"state": "dismissed"})
    (tmp_path / "mine.yaml").write_text(
        "rules:\n  - id: custom.technical_team\n    category: complaint\n    severity: low\n"
        "    when: {phrases: {role: agent, any: [technical team]}}\n"
    )
    rules = load_rules([tmp_path])
    for _ in range(2):
        checked, _ = apply_rules(services.db, rules)
        assert checked == 3
    rude = client.get(f"/v1/calls/{ids['en_rude_agent']}").json()
    assert [f["rule_id"] for f in rude["flags"]].count("custom.technical_team") == 1
    again = client.get("/v1/flags", params={"state": "dismissed"}).json()
    assert [f["id"] for f in again] == [flag["id"]]


def test_search_filters_by_flag_category(processed):
    client, _, ids = processed
    suspicious = client.get("/v1/search", params={"q": "verification flag:suspicious_customer"}).json()
    assert [r["call_id"] for r in suspicious["results"]] == [ids["en_account_takeover"]]
    conduct = client.get("/v1/search", params={"q": "problem", "flag": "agent_conduct"}).json()
    assert ids["en_rude_agent"] in [r["call_id"] for r in conduct["results"]]
    assert ids["en_billing_dispute"] not in [r["call_id"] for r in conduct["results"]]
    assert client.get("/v1/search", params={"q": "x flag:gossip"}).status_code == 400


def test_calls_are_listed_by_flag_category_and_characteristics(processed):
    client, _, ids = processed
    listed = lambda **params: {c["id"] for c in client.get("/v1/calls", params=params).json()["items"]}  # noqa: E731
    assert listed(flag="suspicious_customer") == {ids["en_account_takeover"]}
    assert listed(metric="interruptions_by_agent>=2") == {ids["en_rude_agent"]}
    assert listed(metric=["interruptions_by_agent<1", "talk_share_agent>0.5"]) >= {ids["en_billing_dispute"]}
    assert ids["en_rude_agent"] not in listed(metric=["interruptions_by_agent<1"])
    refused = client.get("/v1/calls", params={"metric": "mood>3"})
    assert refused.status_code == 400 and "interruptions_by_agent" in refused.json()["detail"]
