"""Attacks from the hardening pass (issue 15) on what is kept: links in object and watched folders,
decode bombs, the audit chain, webhook targets, telephony sources, bidi controls and audited changes,
each reproduced on real services."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from recorder.bucket import BucketDrop
from recorder.folder_watch import FolderWatcher
from recorder.settings import RecorderSettings, WatchSettings
from recorder.upload_client import Delivery
from storage import audit, call_list
from storage import calls as call_records
from storage.errors import InvalidObjectKey
from storage.objects_local import LocalObjectStore
from tests.telephony import STEREO, Receiver

# --- 9. Symbolic links are never stored or served as a call's audio ------------------------------


def test_the_object_folder_refuses_links(tmp_path):
    secret = tmp_path / "host-secret.txt"
    secret.write_bytes(b"root:x:0:0")
    store = LocalObjectStore(tmp_path / "objects")
    store.put("calls/real.wav", io.BytesIO(b"RIFF audio"))
    (tmp_path / "objects" / "calls" / "link.wav").symlink_to(secret)
    (tmp_path / "objects" / "linked-folder").symlink_to(tmp_path)
    with pytest.raises(InvalidObjectKey, match="symbolic link"):
        b"".join(store.open("calls/link.wav"))
    with pytest.raises(InvalidObjectKey):
        b"".join(store.open("linked-folder/host-secret.txt"))
    with pytest.raises(InvalidObjectKey):
        store.copy("calls/link.wav", "calls/copied.wav")
    assert not store.exists("calls/link.wav")
    assert [o.key for o in store.list("calls/")] == ["calls/real.wav"]
    # A stored copy is its own bytes: rewriting the dropped file later changes nothing stored.
    store.copy("calls/real.wav", "calls/copy.wav")
    (tmp_path / "objects" / "calls" / "real.wav").write_bytes(b"tampered")
    assert b"".join(store.open("calls/copy.wav")) == b"RIFF audio"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_link_dropped_in_the_bucket_folder_is_not_ingested(admin_api, tmp_path):
    _, services = admin_api
    outside = tmp_path / "elsewhere.wav"
    shutil.copy(STEREO, outside)
    incoming = services.objects.root / "incoming"  # type: ignore[attr-defined]
    incoming.mkdir(parents=True)
    (incoming / "out-0541234567-4001-20251122-093015-1.wav").symlink_to(outside)
    assert BucketDrop(services.ingestor, WatchSettings(settle_s=0)).scan() == []
    with services.db.session() as session:
        assert call_list.list_calls(session, call_list.CallFilter()) == []


def test_a_link_dropped_in_the_watched_folder_is_not_ingested(tmp_path):
    folder = tmp_path / "monitor"
    folder.mkdir()
    shutil.copy(STEREO, tmp_path / "elsewhere.wav")
    (folder / "exten-4001-0541234567-20251122-093015-1.wav").symlink_to(tmp_path / "elsewhere.wav")
    (folder / "linked").symlink_to(tmp_path)
    delivered: list[Path] = []

    def deliver(audio: Path, metadata: dict, filename: str) -> Delivery:
        delivered.append(audio)
        return Delivery(201, "c1", "created")

    watcher = FolderWatcher(folder, deliver, WatchSettings(settle_s=0))
    assert watcher.recordings() == [] and watcher.scan() == [] and delivered == []


# --- 5. Decode bombs are refused at upload --------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_uploads_past_the_duration_limit_or_at_odd_rates_are_refused_and_nothing_is_kept(
    database_url, embedded_redis_url, tmp_path, monkeypatch
):
    from fastapi.testclient import TestClient

    from api.services import build_services
    from api.settings import load_settings
    from storage import api_keys

    monkeypatch.setenv("CALLREC_STORAGE_DATABASE_URL", database_url)
    monkeypatch.setenv("CALLREC_QUEUE_REDIS_URL", embedded_redis_url)
    monkeypatch.setenv("CALLREC_RECORDER_MAX_DURATION_S", "30")
    services = build_services(load_settings(data_dir=tmp_path))
    with services.db.session() as session:
        _, admin = api_keys.create_key(session, "admin")
    client = TestClient(create_app(services), headers={"Authorization": f"Bearer {admin}"})
    long = client.post("/v1/calls", files={"audio": ("c.wav", STEREO.read_bytes())})  # 40.7 s
    assert long.status_code == 422 and long.json()["error"] == "audio_too_long"
    one_hz = io.BytesIO()
    import wave

    with wave.open(one_hz, "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(1)
        out.writeframes(b"\x01\x00" * 8000)
    odd = client.post("/v1/calls", files={"audio": ("bomb.wav", one_hz.getvalue())})
    assert odd.status_code == 415 and "sample rate of 1 Hz" in odd.json()["detail"]
    with services.db.session() as session:
        assert call_list.list_calls(session, call_list.CallFilter()) == []
    assert [p for p in (tmp_path / "objects").rglob("*") if p.is_file()] == []
    services.close()


# --- 7. The audit chain is keyed, append-only in the engine, and anchored outside -----------------


def _rewrite_chain(db, key: bytes | None, drop_ids: set[int]) -> None:
    """The attack: remove entries and re-hash the rest so the chain looks whole. A database owner can
    always get past the triggers; here through the maintenance row, as dropping them would."""
    from sqlalchemy import delete, select, text

    from storage.tables import AuditHeadRow, AuditRow

    with db.session() as session:
        session.execute(text("INSERT INTO audit_maintenance (id) VALUES (1)"))
        session.execute(delete(AuditRow).where(AuditRow.id.in_(drop_ids)))
        prev = audit.GENESIS
        for row in session.scalars(select(AuditRow).order_by(AuditRow.id)).all():
            row.prev_hash = prev
            row.hash = prev = audit.entry_hash(
                prev, row.id, row.at, row.actor, row.action, row.target, row.details, row.origin, key
            )
            session.flush()
        head = session.get(AuditHeadRow, 1)
        head.last_hash, head.last_id = prev, row.id
        session.flush()
        session.execute(text("DELETE FROM audit_maintenance"))


def test_the_audit_trail_refuses_deletes_and_rewrites_in_the_engine(admin_api):
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    client, services = admin_api
    client.get("/v1/calls")
    for statement in ("DELETE FROM audit_log", "UPDATE audit_log SET actor = 'nobody'"):
        with pytest.raises(DatabaseError, match="append-only"), services.db.session() as session:
            session.execute(text(statement))
    with services.db.session() as session:
        assert audit.verify_chain(session).ok


def test_removing_entries_and_rehashing_the_rest_shows_without_the_key_and_against_an_anchor(admin_api):
    from storage.audit_anchor import current_anchor, store_anchor

    client, services = admin_api
    for word in ("refund", "cancel", "manager", "card"):
        assert client.get("/v1/search", params={"q": word}).status_code == 200  # each search is audited
    with services.db.session() as session:
        check = audit.verify_chain(session)
        entries = [e.id for e in audit.list_entries(session, limit=100)]
        store_anchor(services.objects, current_anchor(session))
    assert check.ok and check.keyed and len(entries) >= 5
    # Plain SHA-256, the chain as it was before: now it does not verify.
    _rewrite_chain(services.db, None, {entries[1]})
    with services.db.session() as session:
        assert audit.verify_chain(session).problem == f"entry {entries[0]} was altered"
    # With the key too: the anchor kept outside the database still shows it.
    _rewrite_chain(services.db, services.db.audit_key, {entries[2]})
    assert client.get("/v1/audit/verify").json()["ok"] is False
    assert "anchor" in client.get("/v1/audit/verify").json()["problem"]


def test_a_chain_written_before_the_key_is_keyed_once_and_other_keys_are_refused(
    database_url, tmp_path, monkeypatch
):
    from api.services import open_database
    from api.settings import load_settings
    from storage.database import Database

    plain = Database(database_url)
    plain.migrate()
    with plain.session() as session:
        for i in range(3):
            audit.record(session, "cli", "test.before_keying", str(i))
        assert not audit.verify_chain(session).keyed
    monkeypatch.setenv("CALLREC_STORAGE_DATABASE_URL", database_url)
    keyed = open_database(load_settings(data_dir=tmp_path))
    assert (tmp_path / "audit.key").stat().st_mode & 0o777 == 0o600
    with keyed.session() as session:
        audit.record(session, "cli", "test.after_keying")
        check = audit.verify_chain(session)
    assert check.ok and check.keyed and check.entries == 4
    with plain.session() as session, pytest.raises(audit.AuditKeyMissing, match="keyed"):
        audit.record(session, "cli", "test.without_key")
    stranger = Database(database_url, audit_key=b"s" * 64)
    with stranger.session() as session, pytest.raises(audit.AuditKeyMissing, match="not the trail's"):
        audit.record(session, "cli", "test.other_key")
    for db in (plain, keyed, stranger):
        db.dispose()
    # A process started with another key (a second machine set up without the shared key) stops at
    # once with the reason, rather than at its first audited action.
    other_machine = subprocess.run(
        [
            sys.executable,
            "-m",
            "api.cli",
            "keys",
            "create",
            "--role",
            "admin",
            "--data-dir",
            str(tmp_path / "m2"),
        ],
        env={**os.environ, "CALLREC_STORAGE_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
    )
    assert other_machine.returncode == 2 and "not the trail's" in other_machine.stderr, other_machine.stderr


# --- 11. Webhooks reach no internal address, and the log keeps no response bodies ----------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://2130706433/hook",
        "http://0x7f.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://10.0.0.7/hook",
    ],
)
def test_webhooks_to_loopback_link_local_or_private_addresses_are_refused(admin_api, url):
    client, services = admin_api
    services.settings = dataclasses.replace(
        services.settings, recorder=RecorderSettings(webhook_allowed_networks=[])
    )
    response = client.post("/v1/webhooks", json={"url": url, "events": ["call.done"]})
    assert response.status_code == 422 and response.json()["error"] == "webhook_target_refused", response.text
    assert client.get("/v1/webhooks").json() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_webhook_whose_address_turns_internal_is_not_sent_and_bodies_are_not_logged(admin_api):
    from api.webhook_sender import deliver_due

    client, services = admin_api
    secret_answer = Receiver(fail_first=5, answer=b"internal: db password hunter2")
    try:
        hook = client.post("/v1/webhooks", json={"url": secret_answer.url, "events": ["call.done"]}).json()
        with open(STEREO, "rb") as audio:
            call_id = client.post("/v1/calls", files={"audio": ("c.wav", audio)}).json()["id"]
        with services.db.session() as session:
            call_records.mark_done(session, call_id)
        with httpx.Client(timeout=5) as sender:
            allowed = RecorderSettings(webhook_allowed_networks=["127.0.0.0/8"], webhook_backoff_s=[0, 0])
            assert deliver_due(services.db, sender, allowed) == 1  # answered 500 with a body
            (first,) = client.get(f"/v1/webhooks/{hook['id']}/deliveries").json()
            assert first["last_error"] == "HTTP 500"  # the status, never the internal answer
            refused = RecorderSettings(webhook_allowed_networks=[], webhook_backoff_s=[0, 0])
            assert deliver_due(services.db, sender, refused) == 1  # now the address is not allowed
        assert len(secret_answer.received) == 1
        (delivery,) = client.get(f"/v1/webhooks/{hook['id']}/deliveries").json()
        assert "hunter2" not in json.dumps(delivery) and delivery["last_error"].startswith("the webhook host")
    finally:
        secret_answer.close()


# --- 14. Telephony keys are bound to their sources --------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_key_cannot_squat_another_sources_external_ids(admin_api):
    from fastapi.testclient import TestClient

    from storage import api_keys

    client, services = admin_api
    with services.db.session() as session:
        _, squatter = api_keys.create_key(session, "telephony", "a")
        _, asterisk = api_keys.create_key(session, "telephony", "pbx-east", source="asterisk-east")
    as_squatter = TestClient(client.app, headers={"Authorization": f"Bearer {squatter}"})
    as_pbx = TestClient(client.app, headers={"Authorization": f"Bearer {asterisk}"})

    def upload(who, metadata):  # type: ignore[no-untyped-def]
        return who.post(
            "/v1/calls",
            files={"audio": ("c.wav", STEREO.read_bytes())},
            data={"metadata": json.dumps(metadata)},
        )

    for source in ("twilio", "asterisk-east"):
        squat = upload(as_squatter, {"source": source, "external_id": "RE123"})
        assert squat.status_code == 403, squat.text
    assert "belongs to another key" in squat.json()["detail"]
    real = upload(as_pbx, {"external_id": "RE123"})  # stored under the key's source
    assert real.status_code == 201
    again = upload(as_pbx, {"source": "asterisk-east", "external_id": "RE123"})
    assert again.status_code == 200 and again.json()["id"] == real.json()["id"]
    assert upload(as_pbx, {"source": "other", "external_id": "X"}).status_code == 403
    with services.db.session() as session:
        (call,) = call_list.list_calls(session, call_list.CallFilter())
    assert call.source == "asterisk-east"


# --- 19. Bidi controls are neutralised, and words always spell the text ---------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_bidi_overrides_are_removed_and_imported_words_match_the_text(admin_api):
    client, _ = admin_api
    call_id = client.post("/v1/calls", json={"external_id": "bidi", "duration": 10}).json()["id"]
    segment = {
        "start": 0.0, "end": 4.0, "speaker": "S0", "role": "customer", "channel": 0,
        "text": "please open invoice\u202ecod.exe now",
        "words": [{"start": 0.0, "end": 1.0, "word": "something"}, {"start": 1.0, "end": 2.0, "word": "else"}],
    }  # fmt: skip
    put = client.put(
        f"/v1/calls/{call_id}/transcript", json={"language": "en", "duration": 10, "segments": [segment]}
    )
    assert put.status_code == 200, put.text
    (stored,) = client.get(f"/v1/calls/{call_id}/transcript").json()["segments"]
    assert stored["text"] == "please open invoicecod.exe now"
    assert [w["word"] for w in stored["words"]] == stored["text"].split()  # what the desk shows is the text
    patched = client.patch(
        f"/v1/calls/{call_id}/segments/0", json={"text": "\u2067RLI\u2069 isolate \u202dLRO"}
    )
    assert patched.status_code == 200
    (stored,) = client.get(f"/v1/calls/{call_id}/transcript").json()["segments"]
    assert stored["text"] == "RLI isolate LRO" and [w["word"] for w in stored["words"]] == [
        "RLI",
        "isolate",
        "LRO",
    ]
    # Right-to-left marks are kept: Hebrew and Arabic text uses them.
    segment["text"], segment["words"] = "שלום \u200fעולם", []
    client.put(
        f"/v1/calls/{call_id}/transcript", json={"language": "he", "duration": 10, "segments": [segment]}
    )
    assert client.get(f"/v1/calls/{call_id}/transcript").json()["segments"][0]["text"] == "שלום \u200fעולם"


# --- 23. Webhook and transcript changes are audited; webhook secrets are sealed --------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_webhook_and_transcript_changes_are_audited_and_secrets_sealed(
    database_url, embedded_redis_url, tmp_path, monkeypatch
):
    import base64

    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from api.services import build_services
    from api.settings import load_settings
    from api.webhook_sender import deliver_due, verify
    from storage import api_keys
    from storage.tables import WebhookRow

    monkeypatch.setenv("CALLREC_STORAGE_DATABASE_URL", database_url)
    monkeypatch.setenv("CALLREC_QUEUE_REDIS_URL", embedded_redis_url)
    monkeypatch.setenv("CALLREC_STORAGE_ENCRYPTION_KEY", "k1:" + base64.b64encode(b"k" * 32).decode())
    monkeypatch.setenv("CALLREC_RECORDER_WEBHOOK_ALLOWED_NETWORKS", '["127.0.0.0/8"]')
    services = build_services(load_settings(data_dir=tmp_path))
    with services.db.session() as session:
        _, admin = api_keys.create_key(session, "admin")
    client = TestClient(create_app(services), headers={"Authorization": f"Bearer {admin}"})
    receiver = Receiver()
    try:
        with_credentials = receiver.url.replace("http://", "http://hookuser:hookpass@")
        hook = client.post("/v1/webhooks", json={"url": with_credentials, "events": ["call.done"]}).json()
        with services.db.session() as session:
            row = session.scalar(select(WebhookRow))
        assert row.url.startswith("sealed:v1:k1:") and row.secret.startswith("sealed:v1:k1:")
        assert "hookpass" not in row.url + row.secret and hook["secret"] not in row.secret
        (listed,) = client.get("/v1/webhooks").json()
        assert "hookpass" not in listed["url"] and listed["url"].startswith("http://***@127.0.0.1:")
        call_id = client.post("/v1/calls", json={"external_id": "w1", "duration": 5}).json()["id"]
        segments = [{"start": 0, "end": 1, "speaker": "S0", "role": "agent", "text": "hello"}]
        client.put(
            f"/v1/calls/{call_id}/transcript", json={"language": "en", "duration": 5, "segments": segments}
        )
        client.patch(f"/v1/calls/{call_id}/segments/0", json={"text": "hello there"})
        with services.db.session() as session:
            call_records.mark_done(session, call_id)
        with httpx.Client(timeout=5) as sender:
            assert deliver_due(services.db, sender, services.settings.recorder) == 1
        (headers, body), *_ = receiver.received
        assert verify(hook["secret"], headers["X-Callrec-Signature"], body)  # signed with the unsealed secret
        assert headers["Authorization"].startswith("Basic ")  # the URL's credentials still reach it
        assert client.delete(f"/v1/webhooks/{hook['id']}").status_code == 200
        actions = [e["action"] for e in client.get("/v1/audit", params={"limit": 1000}).json()]
        for action in ("webhook.create", "call.transcript_put", "call.segment_edit", "webhook.delete"):
            assert action in actions
        assert "hookpass" not in json.dumps(client.get("/v1/audit", params={"limit": 1000}).json())
    finally:
        receiver.close()
        services.close()
