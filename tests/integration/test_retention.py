"""Retention, legal holds, customers' deletion requests and the audit chain, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import func, select, text, update
from typer.testing import CliRunner

from api.cli import app
from storage import audit
from storage import calls as call_records
from storage.customer_refs import customer_reference
from storage.flags import RaisedFlag, save_flags
from storage.retention import RetentionPolicy, apply_retention, due
from storage.tables import AuditRow, SegmentRow, SpeakerVoiceRow
from storage.transcripts import save_transcript
from storage.voiceprints import StoredVoice, save_voices
from tests.scripts import scripted_transcript
from tests.telephony import STEREO

POLICIES = [
    RetentionPolicy(name="flagged", flagged=True, transcript_days=2555),
    RetentionPolicy(name="default", audio_days=90, transcript_days=365),
]


def new_call(
    client, services, external_id: str, days_ago: float, customer: str = "0540000000", flagged=False
):
    started = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()
    metadata = {"external_id": external_id, "started_at": started, "customer_number": customer}
    with open(STEREO, "rb") as audio:
        call_id = client.post(
            "/v1/calls", files={"audio": ("c.wav", audio)}, data={"metadata": json.dumps(metadata)}
        ).json()["id"]
    with services.db.session() as session:
        save_transcript(session, call_id, scripted_transcript("en_billing_dispute"))
        save_voices(
            session, call_id, [StoredVoice(call_id, "S1", "customer", "m", np.ones(4), 5.0, "channel")]
        )
        if flagged:
            save_flags(session, call_id, [RaisedFlag("r", 1, "suspicious_customer", "high", [])], ["r"])
    return call_id


def rows(services, table, call_id) -> int:
    with services.db.session() as session:
        return session.scalar(select(func.count()).select_from(table).where(table.call_id == call_id))


def objects_of(services, call_id) -> list[str]:
    return [o.key for o in services.objects.list("calls/") if call_id in o.key]


def test_retention_expires_audio_deletes_old_calls_and_respects_flags_and_holds(admin_api):
    client, services = admin_api
    fresh = new_call(client, services, "fresh", 10)
    old_audio = new_call(client, services, "audio-old", 100)
    expired = new_call(client, services, "expired", 400)
    flagged = new_call(client, services, "flagged", 400, flagged=True)
    held = new_call(client, services, "held", 400, customer="0529999999")
    assert (
        client.post(
            "/v1/holds", json={"customer_number": "0529999999", "reason": "litigation 7/2026"}
        ).status_code
        == 201
    )

    dry = due(services.db, POLICIES)
    assert (dry.audio_expired, dry.deleted, dry.held) == ([old_audio], [expired], [held])
    assert client.get("/v1/retention/due").status_code == 404  # no policies in the API's settings

    report = apply_retention(services.db, services.objects, POLICIES)
    assert (report.audio_expired, report.deleted, report.held) == ([old_audio], [expired], [held])
    # Audio gone (with the voiceprints taken from it), transcript kept:
    call = client.get(f"/v1/calls/{old_audio}").json()
    assert objects_of(services, old_audio) == [] and rows(services, SpeakerVoiceRow, old_audio) == 0
    assert rows(services, SegmentRow, old_audio) > 0
    assert client.get(f"/v1/calls/{old_audio}/audio").status_code == 404 and call["status"] == "queued"
    # Everything of the expired call gone together: row, segments (and their index entries), voices, objects.
    assert client.get(f"/v1/calls/{expired}").status_code == 404
    assert rows(services, SegmentRow, expired) == rows(services, SpeakerVoiceRow, expired) == 0
    assert objects_of(services, expired) == []
    found = client.get("/v1/search", params={"q": "refund"}).json()["results"]
    assert sorted(r["call_id"] for r in found) == sorted([fresh, old_audio, flagged, held])  # not `expired`
    for kept in (fresh, flagged, held):
        assert client.get(f"/v1/calls/{kept}").status_code == 200 and objects_of(services, kept)
    # Each deletion is in the audit trail, and the chain holds.
    actions = [(e["action"], e["target"]) for e in client.get("/v1/audit").json()]
    assert ("call.audio_expire", old_audio) in actions and ("call.delete", expired) in actions
    assert client.get("/v1/audit/verify").json() == {
        "entries": len(actions), "ok": True, "problem": None, "keyed": True, "anchored_at_entry": None
    }  # fmt: skip
    assert apply_retention(services.db, services.objects, POLICIES).deleted == []  # nothing twice


def test_a_customers_deletion_request_spares_only_held_calls_and_is_reported(admin_api):
    client, services = admin_api
    mine = [new_call(client, services, f"m{i}", 5, customer="0541112222") for i in range(3)]
    other = new_call(client, services, "other", 5, customer="0543334444")
    hook = client.post(
        "/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "events": ["call.done"]}
    ).json()
    with services.db.session() as session:
        for call_id in (mine[0], other):
            call_records.mark_done(session, call_id)  # a delivery whose payload names the customer
    hold = client.post("/v1/holds", json={"call_id": mine[2], "reason": "complaint under review"}).json()
    assert client.delete(f"/v1/calls/{mine[2]}").status_code == 409  # the hold stops a hand deletion too

    report = client.delete("/v1/customers/0541112222").json()
    assert sorted(report["deleted_calls"]) == sorted(mine[:2]) and report["held_calls"] == [mine[2]]
    assert report["objects_deleted"] == 2
    assert all(client.get(f"/v1/calls/{c}").status_code == 404 for c in mine[:2])
    deliveries = client.get(f"/v1/webhooks/{hook['id']}/deliveries").json()
    assert [d["payload"]["data"]["call"]["id"] for d in deliveries] == [other]  # the customer's went too
    assert client.get(f"/v1/calls/{other}").status_code == 200
    entry = client.get("/v1/audit", params={"action": "customer.forget"}).json()[0]
    assert entry["target"] == customer_reference("0541112222", services.db.audit_key)
    assert "0541112222" not in json.dumps(entry) and len(entry["target"]) == len("customer:") + 32

    assert client.delete(f"/v1/holds/{hold['id']}").json()["active"] is False
    assert client.delete(f"/v1/calls/{mine[2]}").status_code == 204
    assert objects_of(services, mine[2]) == []
    bad = client.post("/v1/holds", json={"call_id": other, "customer_number": "1", "reason": "x"})
    assert bad.status_code == 422


def test_the_audit_chain_shows_altered_removed_and_concurrent_entries(admin_api, tmp_path):
    client, services = admin_api

    def write(n: int) -> None:
        for i in range(5):
            with services.db.session() as session:
                audit.record(session, f"writer-{n}", "test.write", str(i), {"n": n})

    with services.db.session() as session:
        before = audit.verify_chain(session).entries  # what starting the service recorded (rules loaded)
    writers = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    with services.db.session() as session:
        assert audit.verify_chain(session).entries == before + 20 and audit.verify_chain(session).ok
    result = CliRunner().invoke(
        app,
        ["audit", "verify"],
        env={
            "CALLREC_STORAGE_DATABASE_URL": str(services.db.engine.url.render_as_string(hide_password=False)),
            "CALLREC_DATA_DIR": str(services.settings.data_dir),  # where the audit key is
        },
    )
    assert result.exit_code == 0 and f"intact: {before + 20} entries, keyed" in result.output
    # The triggers refuse edits and deletes (migration 0017); a database owner can get past them, as
    # the maintenance row lets them here.
    with services.db.session() as session:
        session.execute(text("INSERT INTO audit_maintenance (id) VALUES (1)"))

    with services.db.session() as session:
        ids = [entry.id for entry in audit.list_entries(session)]
    seventh = ids[6]
    with services.db.session() as session:  # someone edits an entry in the database
        original = session.scalar(select(AuditRow.details).where(AuditRow.id == seventh))
        session.execute(update(AuditRow).where(AuditRow.id == seventh).values(details={"n": 99}))
    with services.db.session() as session:
        check = audit.verify_chain(session)
    assert not check.ok and check.problem == f"entry {seventh} was altered"
    assert client.get("/v1/audit/verify").json()["ok"] is False
    with services.db.session() as session:  # put it back: the chain verifies again
        session.execute(update(AuditRow).where(AuditRow.id == seventh).values(details=original))
    with services.db.session() as session:
        assert audit.verify_chain(session).ok
    with services.db.session() as session:
        last = session.scalar(select(func.max(AuditRow.id)))
        session.execute(text(f"DELETE FROM audit_log WHERE id = {last}"))
    with services.db.session() as session:
        check = audit.verify_chain(session)
    assert not check.ok and check.problem == f"entries after {ids[-2]} were removed"
    with services.db.session() as session:
        session.execute(text("DELETE FROM audit_maintenance"))
