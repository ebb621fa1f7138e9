"""The REST contract over HTTP (FastAPI TestClient), on real SQLite/PostgreSQL, Redis and object stores."""

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rq.job import Job

from api.app import create_app
from api.services import build_services
from api.settings import load_settings
from storage import api_keys, call_list
from storage import calls as call_records
from storage.records import Segment, Speaker, Transcript, Word
from storage.transcripts import save_transcript
from tests.conftest import CALLS

STEREO = CALLS / "en_billing_dispute.stereo.wav"


@pytest.fixture
def service(database_url, redis_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CALLREC_STORAGE_DATABASE_URL", database_url)
    monkeypatch.setenv("CALLREC_QUEUE_REDIS_URL", redis_url)
    monkeypatch.setenv("CALLREC_RECORDER_MAX_UPLOAD_MB", "1")
    settings = load_settings(data_dir=tmp_path)
    services = build_services(settings)
    with services.db.session() as session:
        _, admin = api_keys.create_key(session, "admin")
        _, telephony = api_keys.create_key(session, "telephony")
    client = TestClient(create_app(services))
    client.headers["Authorization"] = f"Bearer {admin}"
    yield client, services, telephony
    services.close()


def upload(client, path=STEREO, metadata=None, headers=None, content=None):
    files = {"audio": (path.name, content if content is not None else path.read_bytes(), "audio/wav")}
    data = {"metadata": json.dumps(metadata)} if metadata is not None else {}
    return client.post("/v1/calls", files=files, data=data, headers=headers or {})


def objects_on_disk(services):
    root = Path(services.objects.root)
    return [p for p in root.rglob("*") if p.is_file()]


def call_count(services):
    with services.db.session() as session:
        return len(call_list.list_calls(session, call_list.CallFilter(), limit=1000))


def test_upload_stores_records_and_queues_the_call(service):
    client, services, _ = service
    response = upload(
        client,
        metadata={
            "external_id": "pbx-1",
            "source": "asterisk",
            "direction": "inbound",
            "agent_id": "a-7",
            "customer_number": "+972501234567",
        },
    )
    assert response.status_code == 201
    call_id = response.json()["id"]
    assert response.json()["status"] == "queued"
    call = client.get(f"/v1/calls/{call_id}").json()
    assert call["audio"]["channels"] == 2 and call["audio"]["sample_rate"] == 8000
    assert call["audio"]["format"] == "wav/pcm_mulaw" and call["audio"]["size"] == STEREO.stat().st_size
    assert call["channel_roles"] == ["agent", "customer"] and call["customer_number"] == "+972501234567"
    assert Job.fetch(call_id, connection=services.redis).get_status() == "queued"
    assert len(objects_on_disk(services)) == 1


def test_same_external_id_returns_the_existing_call_without_storing_twice(service):
    client, services, _ = service
    first = upload(client, metadata={"external_id": "pbx-2"})
    again = upload(client, metadata={"external_id": "pbx-2"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert len(objects_on_disk(services)) == 1 and call_count(services) == 1


@pytest.mark.parametrize(
    ("content", "metadata", "status", "error"),
    [
        (b"", None, 400, "empty_file"),
        (b"hello, this is a text file\n" * 20, None, 415, "unsupported_audio"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\x07" * 400, None, 415, "unsupported_audio"),
        (None, "{broken", 422, "invalid_metadata"),
        (None, '{"direction": "upwards"}', 422, "invalid_metadata"),
        # Nested 900 deep, extra was stored and broke every call list for admins (RecursionError).
        (None, '{"extra": ' + '{"a": ' * 900 + "1" + "}" * 900 + "}", 422, "invalid_metadata"),
        (None, '{"extra": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}", 422, "invalid_metadata"),
        (b"\x00" * (1024 * 1024 + 10), None, 413, "file_too_large"),
    ],
)
def test_bad_uploads_are_refused_with_a_reason_and_leave_nothing(service, content, metadata, status, error):
    client, services, _ = service
    files = {"audio": ("x.wav", content if content is not None else STEREO.read_bytes(), "audio/wav")}
    response = client.post("/v1/calls", files=files, data={"metadata": metadata} if metadata else {})
    assert response.status_code == status, response.text
    assert response.json()["error"] == error and response.json()["detail"]
    assert objects_on_disk(services) == [] and call_count(services) == 0
    assert services.redis.keys("rq:job:*") == []


def test_upload_without_audio_or_multipart_is_refused(service):
    client, _, _ = service
    assert client.post("/v1/calls", files={"metadata": (None, "{}")}).json()["error"] == "missing_audio"
    response = client.post("/v1/calls", content=b"raw", headers={"Content-Type": "audio/wav"})
    assert response.status_code == 400 and response.json()["error"] == "malformed_upload"


def test_object_store_failure_gives_503_and_no_row(service, monkeypatch):
    client, services, _ = service
    from storage.errors import ObjectStoreUnavailable

    def unavailable(*args, **kwargs):
        raise ObjectStoreUnavailable("S3 store unreachable: connection refused")

    monkeypatch.setattr(services.objects, "put", unavailable)
    response = upload(client)
    assert response.status_code == 503 and "unreachable" in response.json()["detail"]
    assert call_count(services) == 0


def test_authentication_and_upload_only_keys(service):
    client, _, telephony = service
    assert client.get("/v1/calls", headers={"Authorization": ""}).status_code == 401
    assert client.get("/v1/calls", headers={"Authorization": "Bearer wrong"}).status_code == 401
    tel = {"Authorization": f"Bearer {telephony}"}
    created = upload(client, headers=tel)
    assert created.status_code == 201
    assert client.get(f"/v1/calls/{created.json()['id']}", headers=tel).status_code == 403
    assert client.get("/v1/search?q=x", headers=tel).status_code == 403
    assert client.get("/healthz", headers={"Authorization": ""}).json() == {"status": "ok"}


def test_readyz_checks_every_dependency(service):
    client, _, _ = service
    body = client.get("/readyz").json()
    assert body == {"status": "ready", "checks": {"database": "ok", "objects": "ok", "redis": "ok"}}


def test_unknown_call_is_404_everywhere(service):
    client, _, _ = service
    for method, path in [
        ("get", "/v1/calls/nope"),
        ("delete", "/v1/calls/nope"),
        ("get", "/v1/calls/nope/audio"),
        ("get", "/v1/calls/nope/transcript"),
        ("post", "/v1/calls/nope/retry"),
    ]:
        response = getattr(client, method)(path)
        assert response.status_code == 404, path
        assert response.json()["error"] == "call_not_found"


def test_audio_is_served_with_range_support(service):
    client, _, _ = service
    call_id = upload(client).json()["id"]
    data = STEREO.read_bytes()
    whole = client.get(f"/v1/calls/{call_id}/audio")
    assert whole.status_code == 200 and whole.content == data and whole.headers["accept-ranges"] == "bytes"
    part = client.get(f"/v1/calls/{call_id}/audio", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == data[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
    tail = client.get(f"/v1/calls/{call_id}/audio", headers={"Range": "bytes=-10"})
    assert tail.content == data[-10:]
    assert (
        client.get(f"/v1/calls/{call_id}/audio", headers={"Range": f"bytes={len(data)}-"}).status_code == 416
    )


def test_transcript_waits_for_done_then_serves_every_format(service):
    client, services, _ = service
    call_id = upload(client).json()["id"]
    assert client.get(f"/v1/calls/{call_id}/transcript").status_code == 409
    transcript = Transcript(
        "en",
        40.0,
        (Speaker("S0", "agent", 0), Speaker("S1", "customer", 1)),
        (
            Segment(
                9.3,
                14.8,
                "S1",
                "customer",
                1,
                "I was charged twice",
                (
                    Word(9.3, 9.5, "I", 0.9),
                    Word(9.5, 9.8, "was", 0.9),
                    Word(9.8, 10.3, "charged", 0.8),
                    Word(10.3, 10.9, "twice", 0.7),
                ),
            ),
        ),
        "test",
    )
    with services.db.session() as session:
        save_transcript(session, call_id, transcript)
        call_records.mark_done(session, call_id)
    body = client.get(f"/v1/calls/{call_id}/transcript").json()
    assert body["segments"][0]["words"][2] == {
        "start": 9.8,
        "end": 10.3,
        "word": "charged",
        "probability": 0.8,
    }
    assert client.get(f"/v1/calls/{call_id}/transcript?format=srt").text.startswith("1\n00:00:09,300 --> ")
    assert client.get(f"/v1/calls/{call_id}/transcript?format=vtt").text.startswith("WEBVTT")
    assert "customer: I was charged twice" in client.get(f"/v1/calls/{call_id}/transcript?format=txt").text
    assert client.get(f"/v1/calls/{call_id}/transcript?format=rttm").text.startswith(
        f"SPEAKER {call_id} 1 9.300"
    )
    assert client.get(f"/v1/calls/{call_id}/transcript?format=doc").status_code == 422
    hits = client.get("/v1/search", params={"q": '"charged twice"'}).json()
    assert hits["total"] == 1 and hits["results"][0]["hits"][0]["start"] == 9.3
    assert client.get("/v1/search", params={"q": '"open'}).status_code == 400


def test_list_filters_and_cursor_pagination(service):
    client, _, _ = service
    ids = [
        upload(
            client, metadata={"external_id": f"e{n}", "direction": "inbound" if n < 3 else "outbound"}
        ).json()["id"]
        for n in range(5)
    ]
    page = client.get("/v1/calls", params={"limit": 2}).json()
    seen = [c["id"] for c in page["items"]]
    while page["next_cursor"]:
        page = client.get("/v1/calls", params={"limit": 2, "cursor": page["next_cursor"]}).json()
        seen += [c["id"] for c in page["items"]]
    assert sorted(seen) == sorted(ids) and len(seen) == 5
    inbound = client.get("/v1/calls", params={"direction": "inbound"}).json()["items"]
    assert len(inbound) == 3
    assert client.get("/v1/calls", params={"cursor": "garbage!"}).status_code == 400
    assert client.get("/v1/calls", params={"status": "exploded"}).status_code == 422


def test_delete_removes_call_audio_job_and_index(service):
    client, services, _ = service
    call_id = upload(client).json()["id"]
    assert client.delete(f"/v1/calls/{call_id}").status_code == 204
    assert client.get(f"/v1/calls/{call_id}").status_code == 404
    assert objects_on_disk(services) == []
    assert not services.redis.exists(f"rq:job:{call_id}")


def test_retry_only_for_failed_calls(service):
    client, services, _ = service
    call_id = upload(client).json()["id"]
    assert client.post(f"/v1/calls/{call_id}/retry").status_code == 409
    with services.db.session() as session:
        call_records.mark_failed(session, call_id, "boom")
    response = client.post(f"/v1/calls/{call_id}/retry")
    assert response.status_code == 202 and response.json()["status"] == "queued"
    assert client.get(f"/v1/calls/{call_id}").json()["error"] is None


def test_openapi_documents_the_upload_form(service):
    client, _, _ = service
    schema = client.get("/openapi.json").json()
    form = schema["paths"]["/v1/calls"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["audio"]
    assert set(schema["paths"]) >= {
        "/v1/calls",
        "/v1/calls/{call_id}",
        "/v1/calls/{call_id}/transcript",
        "/v1/calls/{call_id}/audio",
        "/v1/search",
        "/healthz",
        "/readyz",
    }


def test_search_over_http_pages_by_cursor_filters_and_highlights(service):
    client, services, _ = service
    ids = []
    for n in range(3):
        call_id = upload(
            client, metadata={"external_id": f"s{n}", "direction": "inbound" if n else "outbound"}
        ).json()["id"]
        transcript = Transcript(
            "en",
            10.0,
            (Speaker("S1", "customer", 1),),
            (
                Segment(
                    1.0,
                    3.0,
                    "S1",
                    "customer",
                    1,
                    "I was charged twice",
                    tuple(
                        Word(1.0 + i * 0.5, 1.4 + i * 0.5, w, 0.9)
                        for i, w in enumerate(["I", "was", "charged", "twice"])
                    ),
                ),
            ),
            "test",
        )
        with services.db.session() as session:
            save_transcript(session, call_id, transcript)
            call_records.mark_done(session, call_id)
        ids.append(call_id)
    first = client.get("/v1/search", params={"q": "charge", "limit": 2, "order": "date"}).json()
    second = client.get(
        "/v1/search", params={"q": "charge", "limit": 2, "order": "date", "cursor": first["next_cursor"]}
    ).json()
    assert first["total"] == 3 and second["next_cursor"] is None
    assert {r["call_id"] for r in first["results"] + second["results"]} == set(ids)
    hit = first["results"][0]["hits"][0]
    assert hit["highlight"] == "I was <mark>charged</mark> twice"
    assert hit["matched_words"] == [{"index": 2, "word": "charged"}]
    inbound = client.get("/v1/search", params={"q": "charge", "direction": "inbound"}).json()
    typed = client.get("/v1/search", params={"q": "charge direction:inbound"}).json()
    assert inbound["total"] == typed["total"] == 2
    assert client.get("/v1/search", params={"q": "charge speaker:agent"}).json()["total"] == 0
    refused = client.get("/v1/search", params={"q": "charge after:someday"})
    assert refused.status_code == 400 and "after" in refused.json()["detail"]
    assert client.get("/v1/search", params={"q": "charge", "cursor": "%%%"}).status_code == 400
