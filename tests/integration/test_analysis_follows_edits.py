"""Analysis follows the transcript (issue 17, point 1): an import or a correction re-runs the
characteristics and the rules as the worker does; a flag whose rule no longer holds is withdrawn with
the reason and leaves the open queue, a reviewed flag keeps its review, and a rule that holds again
raises its flag again."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


def segments(agent_text: str) -> list[dict]:
    return [
        {"start": 0.0, "end": 3.0, "speaker": "S0", "role": "agent", "channel": 0,
         "text": "Thank you for calling Acme, this call is recorded. " + agent_text},
        {"start": 3.5, "end": 7.0, "speaker": "S1", "role": "customer", "channel": 1,
         "text": "I was charged twice for the same order."},
        {"start": 7.5, "end": 10.0, "speaker": "S0", "role": "agent", "channel": 0,
         "text": "I understand. Anything else? Have a nice day."},
    ]  # fmt: skip


def flags_of(client, call_id: str) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    return {f["rule_id"]: f for f in client.get("/v1/flags", params={"call_id": call_id}).json()}


def test_corrections_and_imports_are_analysed_again(admin_api):
    client, _ = admin_api
    call_id = client.post("/v1/calls", json={"external_id": "edit-1", "duration": 10}).json()["id"]
    rude = segments("That is not my problem.")
    put = client.put(
        f"/v1/calls/{call_id}/transcript", json={"language": "en", "duration": 10, "segments": rude}
    )
    assert put.status_code == 200, put.text
    call = client.get(f"/v1/calls/{call_id}").json()
    assert call["characteristics"]["metrics"]["talk_share_customer"] > 0.3  # measured from the import
    assert flags_of(client, call_id)["conduct.rude_dismissive"]["state"] == "open"

    # The reviewer corrects a misheard phrase: the rule no longer holds, the flag is withdrawn.
    fixed = client.patch(
        f"/v1/calls/{call_id}/segments/0",
        json={"text": "Thank you for calling Acme, this call is recorded. How can I help?"},
    )
    assert fixed.status_code == 200
    withdrawn = flags_of(client, call_id)["conduct.rude_dismissive"]
    assert withdrawn["state"] == "withdrawn" and "segment 0 was corrected" in withdrawn["withdrawn_reason"]
    open_queue = client.get("/v1/flags", params={"state": "open"}).json()
    assert "conduct.rude_dismissive" not in [f["rule_id"] for f in open_queue if f["call_id"] == call_id]
    assert client.get("/v1/calls", params={"flag": "agent_conduct"}).json()["items"] == []

    # Put back, it is raised again; once reviewed, a later correction keeps the review.
    client.put(f"/v1/calls/{call_id}/transcript", json={"language": "en", "duration": 10, "segments": rude})
    again = flags_of(client, call_id)["conduct.rude_dismissive"]
    assert again["state"] == "open" and again["withdrawn_reason"] is None
    client.patch(f"/v1/flags/{again['id']}", json={"state": "confirmed", "comment": "heard it myself"})
    client.patch(
        f"/v1/calls/{call_id}/segments/0", json={"text": "Thank you for calling Acme, this call is recorded."}
    )
    kept = flags_of(client, call_id)["conduct.rude_dismissive"]
    assert kept["state"] == "confirmed" and kept["comment"] == "heard it myself"


def test_a_call_is_transcribed_again_in_the_language_it_is_said_to_be(admin_api, tiny_transcriber):
    import json
    import time

    from recorder.queue import CPU_QUEUE
    from storage import calls as call_records
    from tests.telephony import STEREO
    from transcribe.jobs import WorkerContext, install_context
    from transcribe.settings import TranscribeSettings
    from transcribe.worker import run_worker

    client, services = admin_api
    with open(STEREO, "rb") as audio:
        call_id = client.post(
            "/v1/calls",
            files={"audio": ("c.wav", audio)},
            data={"metadata": json.dumps({"external_id": "again"})},
        ).json()["id"]
    assert (
        client.post(f"/v1/calls/{call_id}/transcribe", json={"language": "en"}).status_code == 409
    )  # queued
    context = WorkerContext(
        services.db, services.objects, tiny_transcriber, TranscribeSettings(model="tiny.en")
    )
    install_context(context)

    def work() -> None:
        run_worker(context, services.redis, [CPU_QUEUE], burst=True, name=f"test-{time.monotonic_ns()}")

    work()
    client.patch(f"/v1/calls/{call_id}/segments/0", json={"text": "a reviewer's words"})
    assert client.post(f"/v1/calls/{call_id}/transcribe", json={"language": "english"}).status_code == 422
    again = client.post(f"/v1/calls/{call_id}/transcribe", json={"language": "en"})
    assert again.status_code == 202 and client.get(f"/v1/calls/{call_id}").json()["status"] == "queued"
    work()
    call = client.get(f"/v1/calls/{call_id}").json()
    assert call["status"] == "done" and call["language"] == "en"
    texts = [s["text"] for s in client.get(f"/v1/calls/{call_id}/transcript").json()["segments"]]
    assert "a reviewer's words" not in texts  # asked for, the model's transcript replaces the edit
    with services.db.session() as session:
        assert [a.outcome for a in call_records.list_attempts(session, call_id)] == ["done", "done"]
    actions = [e["action"] for e in client.get("/v1/audit", params={"target": call_id}).json()]
    assert "call.transcribe_again" in actions


def test_the_review_queue_describes_sorts_and_counts(admin_api):
    from storage import calls as call_records
    from storage.flags import RaisedFlag, save_flags

    client, services = admin_api
    made = {}
    for name, agent in (("q1", "a1"), ("q2", "a2")):
        made[name] = client.post(
            "/v1/calls",
            json={"external_id": name, "duration": 5, "agent_id": agent, "customer_number": "0501112222"},
        ).json()["id"]
    with services.db.session() as session:
        save_flags(
            session, made["q1"], [RaisedFlag("conduct.rude_dismissive", 1, "agent_conduct", "high", [])], []
        )
        save_flags(
            session, made["q2"], [RaisedFlag("conduct.missing_greeting", 1, "agent_conduct", "low", [])], []
        )
        save_flags(
            session,
            made["q2"],
            [RaisedFlag("compliance.sensitive_data_request", 1, "compliance", "critical", [])],
            [],
        )
        call_records.mark_done(session, made["q2"])
    newest = client.get("/v1/flags").json()
    by_severity = client.get("/v1/flags", params={"order": "severity"}).json()
    assert [f["severity"] for f in by_severity] == ["critical", "high", "low"]
    assert [f["rule_id"] for f in newest][0] == "compliance.sensitive_data_request"  # the last raised
    rude = next(f for f in by_severity if f["rule_id"] == "conduct.rude_dismissive")
    assert rude["rule_description"].startswith("Rude or dismissive") and rude["agent_id"] == "a1"
    assert rude["customer_number"] == "0501112222"
    client.patch(f"/v1/flags/{rude['id']}", json={"state": "confirmed"})
    assert client.get("/v1/flags/counts").json() == {
        "agent_conduct": {"open": 1, "confirmed": 1},
        "compliance": {"open": 1},
    }
