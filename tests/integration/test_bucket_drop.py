"""The bucket drop on both object stores: a local folder (the embedded default) and an S3 server (moto),
with SQLite and the embedded Redis behind the real ingestion service."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from redis import Redis

from api.services import build_services
from api.settings import load_settings
from recorder.bucket import BucketDrop
from recorder.settings import WatchSettings
from storage import call_list
from storage.errors import ObjectStoreUnavailable
from tests.telephony import STEREO

FREEPBX_NAME = "out-0541234567-4001-20251122-093015-1763796615.31"


@pytest.fixture(params=["local", "s3"])
def drop(request, tmp_path, monkeypatch, embedded_redis_url):
    monkeypatch.setenv("CALLREC_STORAGE_DATABASE_URL", f"sqlite:///{tmp_path / 'callrec.db'}")
    monkeypatch.setenv("CALLREC_QUEUE_REDIS_URL", embedded_redis_url)
    if request.param == "s3":
        monkeypatch.setenv("CALLREC_STORAGE_OBJECTS_URL", request.getfixturevalue("s3_objects_url"))
        monkeypatch.setenv("CALLREC_STORAGE_S3_ACCESS_KEY", "test")
        monkeypatch.setenv("CALLREC_STORAGE_S3_SECRET_KEY", "test-secret")
    Redis.from_url(embedded_redis_url).flushdb()
    services = build_services(load_settings(data_dir=tmp_path))
    uploads: list[str] = []
    put = services.objects.put

    def counting_put(key, *args, **kwargs):
        uploads.append(key)
        return put(key, *args, **kwargs)

    monkeypatch.setattr(services.objects, "put", counting_put)
    yield services, BucketDrop(services.ingestor, WatchSettings(settle_s=0)), uploads
    services.close()


def drop_object(services, key: str, data: bytes) -> None:
    services.objects.put(key, io.BytesIO(data))


def stored_calls(services):
    with services.db.session() as session:
        return call_list.list_calls(session, call_list.CallFilter(), limit=100)


def test_a_dropped_recording_is_ingested_once_without_a_second_upload(drop):
    services, bucket, uploads = drop
    audio = STEREO.read_bytes()
    drop_object(services, f"incoming/2025/11/22/{FREEPBX_NAME}.wav", audio)
    drop_object(services, f"incoming/2025/11/22/{FREEPBX_NAME}.json", json.dumps({"language": "en"}).encode())
    uploads.clear()
    (outcome,) = bucket.scan()
    assert outcome.action == "done" and outcome.detail == "created"
    (call,) = stored_calls(services)
    assert (call.source, call.external_id, call.direction) == ("pbx", FREEPBX_NAME, "outbound")
    assert (call.agent_id, call.customer_number, call.language_hint) == ("4001", "0541234567", "en")
    assert call.audio_sha256 == hashlib.sha256(audio).hexdigest() and call.channels == 2
    # The call's object was made inside the store, not uploaded by callrec.
    assert uploads == []
    assert b"".join(services.objects.open(call.audio_key)) == audio
    assert [o.key for o in services.objects.list("")] == [call.audio_key]
    with Redis.from_url(services.settings.queue.redis_url) as redis:
        assert redis.exists(f"rq:job:{call.id}")
    assert bucket.scan() == []


def test_an_object_seen_again_after_a_crash_is_not_stored_twice(drop, monkeypatch):
    services, bucket, _ = drop
    drop_object(services, "incoming/call-7.wav", STEREO.read_bytes())
    delete = services.objects.delete

    def store_goes_away(key):
        raise ObjectStoreUnavailable("the store went away before the incoming object was removed")

    monkeypatch.setattr(services.objects, "delete", store_goes_away)
    with pytest.raises(ObjectStoreUnavailable):
        bucket.scan()
    monkeypatch.setattr(services.objects, "delete", delete)
    (outcome,) = BucketDrop(services.ingestor, WatchSettings(settle_s=0)).scan()  # a restarted scanner
    assert outcome.action == "done" and outcome.detail == "existing"
    assert len(stored_calls(services)) == 1 and services.objects.list("incoming/") == []


def test_a_malformed_object_moves_to_incoming_failed_with_the_reason(drop):
    services, bucket, _ = drop
    drop_object(services, "incoming/broken.wav", b"RIFF\x00\x00\x00\x00WAVEjunk" * 50)
    drop_object(services, "incoming/bad-meta.wav", STEREO.read_bytes())
    drop_object(services, "incoming/bad-meta.json", b'{"channel_roles": ["boss"]}')
    outcomes = {o.name: o for o in bucket.scan()}
    assert outcomes["broken.wav"].action == "failed" and "decode" in outcomes["broken.wav"].detail
    assert outcomes["bad-meta.wav"].action == "failed" and "channel_roles" in outcomes["bad-meta.wav"].detail
    keys = sorted(o.key for o in services.objects.list(""))
    assert keys == [
        "incoming-failed/bad-meta.json",
        "incoming-failed/bad-meta.reason.txt",
        "incoming-failed/bad-meta.wav",
        "incoming-failed/broken.reason.txt",
        "incoming-failed/broken.wav",
    ]
    reason = b"".join(services.objects.open("incoming-failed/broken.reason.txt")).decode()
    assert reason.startswith("unsupported_audio:")
    assert stored_calls(services) == []


def test_an_object_counts_once_it_has_stopped_changing(drop):
    services, _, _ = drop
    now = [0.0]
    bucket = BucketDrop(services.ingestor, WatchSettings(settle_s=5), clock=lambda: now[0])
    drop_object(services, "incoming/slow.wav", STEREO.read_bytes())
    assert bucket.scan() == []
    now[0] = 6
    (outcome,) = bucket.scan()
    assert outcome.action == "done"
