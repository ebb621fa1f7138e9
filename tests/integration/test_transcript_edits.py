"""Imported and corrected transcripts: kept with who made them, indexed at once, never overwritten."""

import time

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from rq.job import Job

from api.app import create_app
from api.services import build_services
from api.settings import load_settings
from recorder.queue import CPU_QUEUE
from storage import api_keys
from tests.conftest import CALLS
from transcribe.jobs import WorkerContext
from transcribe.settings import TranscribeSettings
from transcribe.worker import run_worker

IMPORTED = {
    "language": "he",
    "duration": 20.0,
    "speakers": [{"id": "A", "role": "agent", "channel": 0}, {"id": "C", "role": "customer", "channel": 1}],
    "segments": [
        {
            "start": 0.5,
            "end": 3.0,
            "speaker": "A",
            "role": "agent",
            "channel": 0,
            "text": "שלום, הגעת לשירות הלקוחות",
            "words": [
                {"start": 0.5, "end": 1.0, "word": "שלום,", "probability": 0.9},
                {"start": 1.0, "end": 1.8, "word": "הגעת", "probability": 0.9},
                {"start": 1.8, "end": 3.0, "word": "לשירות", "probability": 0.9},
                {"start": 2.5, "end": 3.0, "word": "הלקוחות", "probability": 0.9},
            ],
        },
        {"start": 4.0, "end": 7.0, "speaker": "C", "role": "customer", "text": "חויבתי פעמיים בחשבון"},
    ],
}


@pytest.fixture
def service(database_url, embedded_redis_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CALLREC_STORAGE_DATABASE_URL", database_url)
    monkeypatch.setenv("CALLREC_QUEUE_REDIS_URL", embedded_redis_url)
    Redis.from_url(embedded_redis_url).flushdb()
    services = build_services(load_settings(data_dir=tmp_path))
    with services.db.session() as session:
        _, admin = api_keys.create_key(session, "admin", "reviewer-1")
        _, telephony = api_keys.create_key(session, "telephony")
    client = TestClient(create_app(services))
    client.headers["Authorization"] = f"Bearer {admin}"
    yield client, services, telephony
    services.close()


def test_call_without_audio_is_created_idempotently_and_never_queued(service):
    client, services, telephony = service
    body = {"external_id": "vendor-77", "source": "legacy", "direction": "inbound", "duration": 20}
    first = client.post("/v1/calls", json=body)
    again = client.post("/v1/calls", json=body)
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    call = client.get(f"/v1/calls/{first.json()['id']}").json()
    assert (call["status"], call["stage"], call["audio"]["size"]) == ("queued", "awaiting_transcript", 0)
    assert services.redis.keys("rq:job:*") == []
    assert (
        client.post("/v1/calls", json=body, headers={"Authorization": f"Bearer {telephony}"}).status_code
        == 403
    )
    bad = client.post(
        "/v1/calls", content=b'{"direction": "sideways"}', headers={"Content-Type": "application/json"}
    )
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_metadata"


def test_imported_transcript_is_stored_searchable_and_attributed(service):
    client, _, _ = service
    call_id = client.post("/v1/calls", json={"external_id": "vendor-78"}).json()["id"]
    response = client.put(f"/v1/calls/{call_id}/transcript", json=IMPORTED)
    assert response.status_code == 200
    call = client.get(f"/v1/calls/{call_id}").json()
    assert (call["status"], call["transcript_source"]) == ("done", "import")
    assert "reviewer-1" in call["transcript_edited_by"] and call["transcript_edited_at"]
    transcript = client.get(f"/v1/calls/{call_id}/transcript").json()
    assert [s["role"] for s in transcript["segments"]] == ["agent", "customer"]
    assert len(transcript["segments"][1]["words"]) == 3  # timings spread over the segment when none given
    found = client.get("/v1/search", params={"q": "חשבון speaker:customer"}).json()
    assert found["total"] == 1 and "<mark>בחשבון</mark>" in found["results"][0]["hits"][0]["highlight"]
    assert client.get(f"/v1/calls/{call_id}/audio").status_code == 404


@pytest.mark.parametrize(
    "segments, reason",
    [
        ([{"start": 5, "end": 1, "speaker": "A", "role": "agent", "text": "x"}], "before it starts"),
        ([{"start": 0, "end": 1, "speaker": "Z", "role": "agent", "text": "x"}], "not in `speakers`"),
        ([{"start": 0, "end": 1, "speaker": "A", "role": "boss", "text": "x"}], "role"),
    ],
)
def test_invalid_transcripts_are_refused(service, segments, reason):
    client, _, _ = service
    call_id = client.post("/v1/calls", json={"external_id": "vendor-79"}).json()["id"]
    response = client.put(f"/v1/calls/{call_id}/transcript", json={**IMPORTED, "segments": segments})
    assert response.status_code == 422 and reason in response.json()["detail"]
    assert client.get(f"/v1/calls/{call_id}").json()["status"] == "queued"


def test_correction_is_indexed_at_once_and_survives_a_model_rerun(service, tiny_transcriber):
    client, services, _ = service
    with open(CALLS / "en_rude_agent.stereo.wav", "rb") as audio:
        call_id = client.post("/v1/calls", files={"audio": ("a.wav", audio, "audio/wav")}).json()["id"]
    context = WorkerContext(
        services.db, services.objects, tiny_transcriber, TranscribeSettings(model="tiny.en")
    )
    run_worker(context, services.redis, [CPU_QUEUE], burst=True, name=f"edit-{time.monotonic_ns()}")
    transcript = client.get(f"/v1/calls/{call_id}/transcript").json()
    index = next(i for i, s in enumerate(transcript["segments"]) if "problem" in s["text"].lower())

    patched = client.patch(
        f"/v1/calls/{call_id}/segments/{index}", json={"text": "That is not my department, sorry."}
    )
    assert patched.status_code == 200
    assert client.get("/v1/search", params={"q": '"my department"'}).json()["total"] == 1
    assert client.get("/v1/search", params={"q": '"not my problem"'}).json()["total"] == 0
    swapped = client.patch(f"/v1/calls/{call_id}/segments/{index}", json={"speaker": "S1"}).json()
    assert swapped["segments"][index]["role"] == "customer"  # the role follows the speaker

    Job.fetch(call_id, connection=services.redis).delete()
    services.queue.enqueue_call(call_id)  # the model runs again on this call
    run_worker(context, services.redis, [CPU_QUEUE], burst=True, name=f"edit-{time.monotonic_ns()}")
    after = client.get(f"/v1/calls/{call_id}/transcript").json()
    assert after["segments"][index]["text"] == "That is not my department, sorry."
    call = client.get(f"/v1/calls/{call_id}").json()
    assert (call["status"], call["transcript_source"]) == ("done", "correction")
    assert client.patch(f"/v1/calls/{call_id}/segments/999", json={"text": "x"}).status_code == 404
