"""Outgoing webhooks: events written with the change that causes them, signed, retried with backoff,
logged for admins; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from api.webhook_sender import deliver_due, verify
from recorder.settings import RecorderSettings
from storage import api_keys, webhooks
from storage import calls as call_records
from storage.flags import RaisedFlag, save_flags
from tests.telephony import STEREO, Receiver


@pytest.fixture
def hooks(admin_api):
    client, services = admin_api
    receiver = Receiver()
    sender = httpx.Client(timeout=5)
    yield client, services, receiver, sender
    sender.close()
    receiver.close()


def subscribe(client, url: str, events: list[str]) -> tuple[int, str]:
    response = client.post("/v1/webhooks", json={"url": url, "events": events})
    assert response.status_code == 201, response.text
    return response.json()["id"], response.json()["secret"]


def new_call(client) -> str:
    with open(STEREO, "rb") as audio:
        response = client.post(
            "/v1/calls",
            files={"audio": ("call.wav", audio)},
            data={"metadata": json.dumps({"external_id": f"x-{time.monotonic_ns()}", "agent_id": "4001"})},
        )
    return response.json()["id"]


def settings(*backoff: float) -> RecorderSettings:
    return RecorderSettings(webhook_backoff_s=list(backoff), webhook_timeout_s=5)


def test_events_are_signed_delivered_once_and_logged(hooks):
    client, services, receiver, sender = hooks
    hook_id, secret = subscribe(client, receiver.url, ["call.done", "flag.raised"])
    call_id = new_call(client)
    flag = RaisedFlag("conduct.rude_agent", 1, "agent_conduct", "medium", [])
    with services.db.session() as session:
        save_flags(session, call_id, [flag], [flag.rule_id])
        save_flags(session, call_id, [flag], [flag.rule_id])  # a re-run: the flag is not raised again
        call_records.mark_done(session, call_id)
    assert deliver_due(services.db, sender, settings(10)) == 2
    assert deliver_due(services.db, sender, settings(10)) == 0  # nothing is sent twice
    events = {}
    for headers, body in receiver.received:
        assert verify(secret, headers["X-Callrec-Signature"], body)
        assert not verify("whsec_other", headers["X-Callrec-Signature"], body)
        assert not verify(secret, headers["X-Callrec-Signature"], body + b" ")
        payload = json.loads(body)
        assert (
            payload["event"] == headers["X-Callrec-Event"]
            and str(payload["id"]) == headers["X-Callrec-Delivery"]
        )
        events[payload["event"]] = payload["data"]
    assert events["call.done"]["call"]["id"] == call_id and events["call.done"]["call"]["status"] == "done"
    assert events["call.done"]["call"]["agent_id"] == "4001"
    assert events["flag.raised"]["flag"]["rule_id"] == "conduct.rude_agent"
    log = client.get(f"/v1/webhooks/{hook_id}/deliveries").json()
    assert [(d["event"], d["state"], d["attempts"], d["last_status"]) for d in log] == [
        ("call.done", "delivered", 1, 204),
        ("flag.raised", "delivered", 1, 204),
    ]


def test_a_failing_receiver_gets_retries_with_backoff_then_the_delivery_fails(hooks):
    client, services, receiver, sender = hooks
    hook_id, _ = subscribe(client, receiver.url, ["call.failed"])
    receiver.fail_first = 2
    call_id = new_call(client)
    with services.db.session() as session:
        call_records.mark_failed(session, call_id, "the recording is silent")
    schedule = settings(0.5, 0.5)
    assert deliver_due(services.db, sender, schedule) == 1  # 500
    assert deliver_due(services.db, sender, schedule) == 0  # not due before the backoff
    (pending,) = client.get(f"/v1/webhooks/{hook_id}/deliveries").json()
    assert (pending["state"], pending["attempts"], pending["last_status"]) == ("pending", 1, 500)
    time.sleep(0.6)
    assert deliver_due(services.db, sender, schedule) == 1  # 500 again
    time.sleep(0.6)
    assert deliver_due(services.db, sender, schedule) == 1  # 204
    (delivered,) = client.get(f"/v1/webhooks/{hook_id}/deliveries").json()
    assert (delivered["state"], delivered["attempts"]) == ("delivered", 3)
    assert json.loads(receiver.received[-1][1])["data"]["call"]["error"] == "the recording is silent"

    # A receiver that never recovers: tried once per backoff step, then failed, then retried by hand.
    receiver.fail_first = 100
    with services.db.session() as session:
        call_records.mark_failed(session, new_call(client), "again")
    for _ in range(3):
        deliver_due(services.db, sender, settings(0.2))
        time.sleep(0.25)
    failed = client.get(f"/v1/webhooks/{hook_id}/deliveries", params={"state": "failed"}).json()
    assert len(failed) == 1 and failed[0]["attempts"] == 2 and "HTTP 500" in failed[0]["last_error"]
    receiver.fail_first = 0
    assert client.post(f"/v1/webhooks/deliveries/{failed[0]['id']}/retry").json()["state"] == "pending"
    assert deliver_due(services.db, sender, settings(0.2)) == 1
    assert client.get(f"/v1/webhooks/{hook_id}/deliveries", params={"state": "failed"}).json() == []


def test_only_subscribed_events_of_active_webhooks_and_committed_changes_are_sent(hooks):
    client, services, receiver, sender = hooks
    hook_id, _ = subscribe(client, receiver.url, ["call.failed"])
    call_id = new_call(client)
    with services.db.session() as session:
        call_records.mark_done(session, call_id)  # not subscribed
    with pytest.raises(RuntimeError), services.db.session() as session:
        call_records.mark_failed(session, call_id, "rolled back")
        raise RuntimeError("the transaction that failed the call never commits")
    assert deliver_due(services.db, sender, settings(1)) == 0
    with services.db.session() as session:
        call_records.mark_failed(session, call_id, "committed")
    assert client.delete(f"/v1/webhooks/{hook_id}").json()["active"] is False
    with services.db.session() as session:
        call_records.mark_failed(session, call_id, "after deactivation")
    assert deliver_due(services.db, sender, settings(1)) == 0
    (dropped,) = client.get(f"/v1/webhooks/{hook_id}/deliveries").json()
    assert dropped["state"] == "failed" and dropped["last_error"] == "webhook deactivated"
    assert receiver.received == []


def test_two_senders_never_claim_the_same_delivery(hooks):
    client, services, receiver, _ = hooks
    subscribe(client, receiver.url, ["call.done"])
    with services.db.session() as session:
        call_records.mark_done(session, new_call(client))
    with services.db.session() as first:
        claimed = webhooks.claim_due(first)
    with services.db.session() as second:
        assert webhooks.claim_due(second) == []
    assert len(claimed) == 1


def test_webhook_admin_api_validates_and_is_admin_only(hooks):
    client, services, receiver, _ = hooks
    bad = client.post("/v1/webhooks", json={"url": receiver.url, "events": ["call.exploded"]})
    assert bad.status_code == 422 and "events" in bad.json()["detail"]
    assert client.post("/v1/webhooks", json={"url": "ftp://x", "events": ["call.done"]}).status_code == 422
    assert client.get("/v1/webhooks/999/deliveries").status_code == 404
    with services.db.session() as session:
        _, telephony = api_keys.create_key(session, "telephony", "pbx")
    refused = client.get("/v1/webhooks", headers={"Authorization": f"Bearer {telephony}"})
    assert refused.status_code == 403
    listed = client.get("/v1/webhooks").json()
    assert listed == [] and "secret" not in json.dumps(listed)
