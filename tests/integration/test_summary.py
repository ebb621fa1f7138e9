"""Call summaries: the extractive summary of an import names the reason, the agent's actions and
promises, the outcome and the follow-ups with their times, and follows a correction; the worker asks
an operator's LLM endpoint for an abstractive summary of the redacted transcript only when one is set,
and carries on with the extractive one when it fails; on SQLite and PostgreSQL.

No LLM can run here: the endpoint is a stand-in HTTP server on loopback that answers in the
OpenAI-compatible shape and records what it was sent. It tests callrec's client, not a model."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from redis import Redis

from recorder.queue import CPU_QUEUE, CallQueue
from recorder.settings import QueueSettings, RecorderSettings
from storage import calls as call_records
from storage.objects import open_object_store
from storage.transcripts import load_transcript
from tests.conftest import CALLS
from tests.integration.test_worker import ingest_file
from transcribe.jobs import WorkerContext
from transcribe.settings import TranscribeSettings
from transcribe.worker import run_worker

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)

VISIT = {
    "language": "en",
    "duration": 46,
    "segments": [
        {
            "start": 0,
            "end": 5,
            "speaker": "A",
            "role": "agent",
            "text": "Thanks for calling, how can I help?",
        },
        {
            "start": 6,
            "end": 12,
            "speaker": "C",
            "role": "customer",
            "text": "My internet keeps dropping every evening.",
        },
        {
            "start": 13,
            "end": 20,
            "speaker": "A",
            "role": "agent",
            "text": "I ran a line test and I see errors on your line.",
        },
        {
            "start": 25,
            "end": 34,
            "speaker": "A",
            "role": "agent",
            "text": "I have booked a technician visit for Thursday morning.",
        },
        {
            "start": 35,
            "end": 39,
            "speaker": "C",
            "role": "customer",
            "text": "Okay, but it is still not fixed tonight.",
        },
    ],
}


def test_an_imports_summary_says_why_what_how_it_ended_and_what_follows_and_follows_a_correction(admin_api):
    client, _ = admin_api
    call_id = client.post("/v1/calls", json={"external_id": "visit-1", "duration": 46}).json()["id"]
    assert client.put(f"/v1/calls/{call_id}/transcript", json=VISIT).status_code == 200
    summary = client.get(f"/v1/calls/{call_id}").json()["characteristics"]["summary"]
    assert summary["by"] == "extractive" and summary["language"] == "en"
    assert summary["reason"]["start"] == 6 and "internet" in summary["reason"]["text"]
    assert [a["start"] for a in summary["actions"]] == [13, 25]
    assert [f["start"] for f in summary["follow_ups"]] == [25]
    assert summary["outcome"]["resolved"] is False and summary["outcome"]["evidence"]["start"] == 35
    exported = client.get(f"/v1/calls/{call_id}/transcript").json()["analysis"]  # the download carries it
    assert exported["summary"] == summary and exported["sentiment"]["customer"]["overall"] < 0
    assert {d["id"] for d in exported["drivers"]} == {"service.outage"}
    # A reviewer corrects what the model misheard: the outcome follows the words.
    fixed = client.patch(
        f"/v1/calls/{call_id}/segments/4", json={"text": "Great, that fixed it, thank you so much."}
    )
    assert fixed.status_code == 200, fixed.text
    after = client.get(f"/v1/calls/{call_id}").json()["characteristics"]["summary"]["outcome"]
    assert after["resolved"] is True and after["evidence"]["start"] == 35


class _Endpoint(BaseHTTPRequestHandler):
    answer: tuple[int, dict] = (200, {})
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        status, payload = type(self).answer
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[tuple[str, type[_Endpoint]]]:
    handler = type("Endpoint", (_Endpoint,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", handler
    server.shutdown()


def _processed(db, redis_url, tmp_path, transcriber, settings):  # type: ignore[no-untyped-def]
    from recorder.ingest import Ingestor

    redis = Redis.from_url(redis_url)
    queue = CallQueue(redis, QueueSettings(redis_url=redis_url, retries=0, route="cpu"))
    objects = open_object_store(f"file://{tmp_path / 'objects'}")
    call = ingest_file(
        Ingestor(db, objects, queue, RecorderSettings()), CALLS / "en_card_payment.stereo.wav"
    ).call
    run_worker(
        WorkerContext(db, objects, transcriber, settings), redis, [CPU_QUEUE], burst=True, name="summary-test"
    )
    redis.close()
    with db.session() as session:
        return call.id, call_records.get_call(session, call.id).characteristics["summary"]


def test_the_worker_asks_the_operators_llm_for_a_summary_of_the_redacted_transcript(
    db, redis_url, tmp_path, tiny_transcriber, endpoint
):
    url, handler = endpoint
    handler.answer = (
        200,
        {"choices": [{"message": {"role": "assistant", "content": " The customer paid by card. "}}]},
    )
    settings = TranscribeSettings(
        model="tiny.en", summary_llm_url=url, summary_llm_model="local-7b", summary_llm_api_key="s3cret"
    )
    call_id, summary = _processed(db, redis_url, tmp_path, tiny_transcriber, settings)
    assert summary["abstract"] == "The customer paid by card." and summary["abstract_by"] == "llm:local-7b"
    assert summary["by"] == "extractive" and summary["outcome"] is not None  # the clickable one stays
    (sent,) = handler.received
    assert (
        sent["path"] == "/v1/chat/completions"
        and sent["model"] == "local-7b"
        and sent["auth"] == "Bearer s3cret"
    )
    said = sent["messages"][1]["content"]
    with db.session() as session:
        saved = load_transcript(session, call_id)
    # what is sent is the saved, redacted transcript, turn by turn: the card number never leaves
    assert [line.split(": ", 1)[1] for line in said.splitlines()] == [s.text for s in saved.segments]
    assert "[CARD]" in said and not re.search(r"\d{4}", said)


def test_a_failing_llm_leaves_the_extractive_summary_and_says_why(
    db, redis_url, tmp_path, tiny_transcriber, endpoint
):
    url, handler = endpoint
    handler.answer = (500, {"error": "model not loaded"})
    _, summary = _processed(
        db, redis_url, tmp_path, tiny_transcriber, TranscribeSettings(model="tiny.en", summary_llm_url=url)
    )
    assert "abstract" not in summary and "500" in summary["abstract_error"]
    assert summary["by"] == "extractive" and summary["actions"]


def test_without_an_llm_no_call_text_is_sent(db, redis_url, tmp_path, tiny_transcriber, endpoint):
    _, handler = endpoint
    _, summary = _processed(db, redis_url, tmp_path, tiny_transcriber, TranscribeSettings(model="tiny.en"))
    assert handler.received == [] and "abstract" not in summary and "abstract_error" not in summary
