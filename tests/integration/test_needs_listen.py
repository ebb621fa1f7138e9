"""A call whose transcript cannot be trusted: the worker (base, language identified per side) hears the
scripted Hebrew call as English with a language probability of 0.12-0.32. The absence rules it would have
tripped raise no flag; the call is marked for a person to listen, listed by ?needs_listen=true and shown
to reviewers, not to agents. The English scripted call keeps its flags and is not marked."""

from __future__ import annotations

import json
import time

from recorder.queue import CPU_QUEUE
from storage import calls as call_records
from tests.conftest import CALLS
from tests.desk import PASSWORD, signed_in
from transcribe.jobs import WorkerContext
from transcribe.settings import TranscribeSettings
from transcribe.worker import run_worker

ABSENCE_RULES = {
    "conduct.missing_greeting",
    "conduct.missing_recording_disclosure",
    "conduct.missing_closing",
}


def upload(client, name: str, agent_id: str) -> str:  # type: ignore[no-untyped-def]
    with open(CALLS / f"{name}.stereo.wav", "rb") as audio:
        response = client.post(
            "/v1/calls",
            files={"audio": (f"{name}.wav", audio, "audio/wav")},
            data={"metadata": json.dumps({"direction": "inbound", "agent_id": agent_id})},
        )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_an_untrusted_transcript_sends_the_call_to_a_listen_instead_of_raising_absence_flags(
    admin_api, base_transcriber
):
    client, services = admin_api
    hebrew = upload(client, "he_billing_dispute", "a1")
    english = upload(client, "en_rude_agent", "a1")
    context = WorkerContext(
        services.db, services.objects, base_transcriber, TranscribeSettings(), rules=services.rules
    )
    run_worker(context, services.redis, [CPU_QUEUE], burst=True, name=f"listen-{time.monotonic_ns()}")

    marked = client.get(f"/v1/calls/{hebrew}").json()
    assert marked["status"] == "done"
    assert "uncertain_language" in marked["confidence"]["reasons"] and marked["confidence"]["score"] < 0.5
    assert marked["needs_listen"] and "conduct.missing_recording_disclosure" in marked["needs_listen"]
    assert not ABSENCE_RULES & {f["rule_id"] for f in marked["flags"]}

    clear = client.get(f"/v1/calls/{english}").json()
    assert clear["needs_listen"] is None and clear["confidence"]["reasons"] == []
    assert {"conduct.missing_greeting", "conduct.missing_recording_disclosure"} <= {
        f["rule_id"] for f in clear["flags"]
    }
    assert clear["mono_in_stereo"] is False

    listed = client.get("/v1/calls", params={"needs_listen": "true"}).json()["items"]
    assert [c["id"] for c in listed] == [hebrew]
    assert english in [
        c["id"] for c in client.get("/v1/calls", params={"needs_listen": "false"}).json()["items"]
    ]
    transcript = client.get(f"/v1/calls/{hebrew}/transcript").json()
    assert all(s["confidence"] is None or 0 <= s["confidence"] <= 1 for s in transcript["segments"])
    assert all(s["language_probability"] < 0.5 for s in transcript["speakers"])

    # An agent sees neither the mark nor which of their calls carry one.
    with services.db.session() as session:
        assert call_records.get_call(session, hebrew).listen_reason
    assert client.post(
        "/v1/users",
        json={"username": "ari", "password": PASSWORD, "role": "agent", "agent_id": "a1"},
    ).status_code in (200, 201)
    browser, _ = signed_in(client.app, "ari")
    assert browser.get(f"/v1/calls/{hebrew}").json()["needs_listen"] is None
    refused = browser.get("/v1/calls", params={"needs_listen": "true"})
    assert refused.status_code == 403 and "agents" in refused.json()["detail"]
