"""Who may do what with an API key (admin, compliance, telephony), and the audit trail of reads: every
view of a call, play or download of its audio, transcript read and search is recorded."""

from __future__ import annotations

import json

import pytest

from storage import api_keys
from storage import calls as call_records
from storage.transcripts import save_transcript
from tests.scripts import scripted_transcript
from tests.telephony import STEREO

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

# (method, path, body): {call} is a stored, transcribed call.
READS = [
    ("GET", "/v1/calls", None),
    ("GET", "/v1/calls/{call}", None),
    ("GET", "/v1/calls/{call}/transcript", None),
    ("GET", "/v1/calls/{call}/audio", None),
    ("GET", "/v1/search?q=refund", None),
    ("GET", "/v1/flags", None),
    ("GET", "/v1/rules", None),
    ("GET", "/v1/watchlist", None),
    ("GET", "/v1/holds", None),
    ("GET", "/v1/audit", None),
    ("GET", "/v1/audit/verify", None),
    ("POST", "/v1/holds", {"call_id": "{call}", "reason": "review"}),
]
ADMIN_ONLY = [
    ("DELETE", "/v1/calls/{call}", None),
    ("GET", "/v1/webhooks", None),
    ("POST", "/v1/webhooks", {"url": "http://127.0.0.1:9/x", "events": ["call.done"]}),
    ("DELETE", "/v1/customers/0500000000", None),
    ("POST", "/v1/calls/{call}/retry", None),
    ("GET", "/v1/agents/a1/voice", None),
]


@pytest.fixture
def keys(admin_api):
    client, services = admin_api
    with services.db.session() as session:
        keys = {
            role: api_keys.create_key(session, role, role)[1] for role in ("admin", "compliance", "telephony")
        }
    with open(STEREO, "rb") as audio:
        call_id = client.post(
            "/v1/calls",
            files={"audio": ("c.wav", audio)},
            data={"metadata": json.dumps({"external_id": "r1"})},
        ).json()["id"]
    with services.db.session() as session:
        save_transcript(session, call_id, scripted_transcript("en_billing_dispute"))
        call_records.mark_done(session, call_id)
    return client, services, keys, call_id


def send(client, key: str, method: str, path: str, body, call_id: str):  # type: ignore[no-untyped-def]
    path = path.replace("{call}", call_id)
    payload = json.loads(json.dumps(body).replace("{call}", call_id)) if body else None
    return client.request(method, path, json=payload, headers={"Authorization": f"Bearer {key}"})


@pytest.mark.parametrize(("method", "path", "body"), READS)
def test_compliance_reads_and_reviews_everything_telephony_nothing(keys, method, path, body):
    client, _, key, call_id = keys
    assert send(client, key["compliance"], method, path, body, call_id).status_code < 400
    assert send(client, key["admin"], method, path, body, call_id).status_code < 400
    refused = send(client, key["telephony"], method, path, body, call_id)
    assert refused.status_code == 403 and refused.json()["detail"] == "a telephony key may not do this"


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ONLY)
def test_deleting_configuring_and_retrying_are_for_admins(keys, method, path, body):
    client, _, key, call_id = keys
    for role in ("compliance", "telephony"):
        assert send(client, key[role], method, path, body, call_id).status_code == 403
    assert send(client, key["admin"], method, path, body, call_id).status_code not in (401, 403)


def test_uploads_are_for_telephony_and_admin_keys(keys):
    client, _, key, _ = keys
    for role, status in (("telephony", 201), ("admin", 201), ("compliance", 403)):
        with open(STEREO, "rb") as audio:
            response = client.post(
                "/v1/calls",
                files={"audio": ("c.wav", audio)},
                data={"metadata": json.dumps({"external_id": f"up-{role}"})},
                headers={"Authorization": f"Bearer {key[role]}"},
            )
        assert response.status_code == status, (role, response.text)


def test_every_read_of_call_data_is_in_the_audit_trail(keys):
    client, _, key, call_id = keys
    officer = {"Authorization": f"Bearer {key['compliance']}"}
    client.get(f"/v1/calls/{call_id}", headers=officer)
    client.get(f"/v1/calls/{call_id}/transcript", params={"format": "srt"}, headers=officer)
    client.get(f"/v1/calls/{call_id}/audio", headers=officer)
    client.get(f"/v1/calls/{call_id}/audio", headers={**officer, "Range": "bytes=1000-1999"})  # a seek
    client.get("/v1/search", params={"q": "refund"}, headers=officer)
    entries = client.get("/v1/audit", headers=officer).json()
    reads = [(e["action"], e["target"], e["details"]) for e in entries if e["actor"].endswith("(compliance)")]
    assert reads == [
        ("call.view", call_id, {}),
        ("call.transcript", call_id, {"format": "srt", "original": False}),
        ("call.audio", call_id, {"original": False}),
        ("search", "", {"q": "refund", "total": 1, "offset": 0}),
    ]
    assert all(e["origin"] == "testclient" for e in entries if e["actor"].endswith("(compliance)"))
    assert client.get("/v1/audit/verify", headers=officer).json()["ok"] is True


@pytest.mark.parametrize("written", ["bytes=-999999999", "bytes=00-", "bytes=0-", "bytes= 0-99"])
def test_any_range_that_starts_at_the_first_byte_is_audited(keys, written):
    """A suffix longer than the file, or a zero written twice, served the whole recording unaudited."""
    client, _, key, call_id = keys
    officer = {"Authorization": f"Bearer {key['compliance']}"}
    served = client.get(f"/v1/calls/{call_id}/audio", headers={**officer, "Range": written})
    assert served.status_code == 206 and served.content[:4] == b"RIFF"
    entries = client.get("/v1/audit", params={"action": "call.audio"}, headers=officer).json()
    assert [(e["action"], e["target"]) for e in entries if e["actor"].endswith("(compliance)")] == [
        ("call.audio", call_id)
    ]
