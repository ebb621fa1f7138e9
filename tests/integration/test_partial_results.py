"""A 30-minute call is searchable from its first minute before the call is done, with the real tiny.en
model on real speech, and the final transcript replaces what was published."""

import subprocess
import threading
import time

import pytest
from redis import Redis

from recorder.ingest import Ingestor
from recorder.metadata import CallMetadata
from recorder.queue import CallQueue
from recorder.settings import QueueSettings, RecorderSettings
from storage import calls as call_records
from storage.objects import open_object_store
from storage.records import CallStatus
from storage.search_index import search
from storage.transcripts import PARTIAL, load_transcript
from tests.conftest import FIXTURES
from transcribe.audio import ffmpeg_binary
from transcribe.jobs import WorkerContext, install_context, process_call
from transcribe.settings import TranscribeSettings

SPEECH = FIXTURES / "voices" / "pyannote_sample.wav"  # real voices; "Chicago" is said at 14-20 s


@pytest.fixture(scope="module")
def half_hour_call(tmp_path_factory):
    """Two minutes of real conversation, then quiet line noise to 30 minutes, then the conversation
    again: 8 kHz mono, as a PBX records."""
    path = tmp_path_factory.mktemp("long") / "half-hour.wav"
    graph = (
        "[0:a]aloop=loop=3:size=480000,aformat=channel_layouts=mono,aresample=8000[talk];"
        "anoisesrc=color=pink:amplitude=0.002:sample_rate=8000:duration=1560[quiet];"
        "[talk]asplit[a][b];[a][quiet][b]concat=n=3:v=0:a=1[out]"
    )
    subprocess.run(
        [
            ffmpeg_binary(),
            "-v",
            "error",
            "-y",
            "-i",
            str(SPEECH),
            "-filter_complex",
            graph,
            "-map",
            "[out]",
            "-c:a",
            "pcm_mulaw",
            str(path),
        ],
        check=True,
    )
    return path


def test_the_first_minute_of_a_half_hour_call_is_searchable_before_the_call_is_done(
    db, service_redis_url, tmp_path, tiny_transcriber, half_hour_call
):
    objects = open_object_store(f"file://{tmp_path / 'objects'}")
    # Queued in Redis like any upload; the test runs the job itself, in a thread, and watches the database.
    redis = Redis.from_url(service_redis_url)
    redis.flushdb()
    queue = CallQueue(redis, QueueSettings(redis_url=service_redis_url, route="cpu"))
    ingestor = Ingestor(db, objects, queue, RecorderSettings())
    with ingestor.spool(half_hour_call.name) as spool:
        spool.write(half_hour_call.read_bytes())
        call = ingestor.ingest(spool.finish(), CallMetadata(language="en")).call
    assert call.duration > 29 * 60
    install_context(WorkerContext(db, objects, tiny_transcriber, TranscribeSettings(model="tiny.en")))
    job = threading.Thread(target=process_call, args=(call.id,))
    job.start()
    seen_while_processing = None
    while job.is_alive():
        with db.session() as session:
            state = call_records.get_call(session, call.id)
            page = search(session, "chicago")
        if page.results and state.status == CallStatus.PROCESSING:
            seen_while_processing = (state, page.results[0].hits)
            break
        time.sleep(0.05)
    job.join()
    assert seen_while_processing is not None, "nothing was searchable before the call was done"
    state, hits = seen_while_processing
    assert state.transcript_source == PARTIAL
    assert any(hit.start < 60 for hit in hits)
    with db.session() as session:
        done = call_records.get_call(session, call.id)
        final = load_transcript(session, call.id)
    assert done.status == CallStatus.DONE and done.transcript_source == "model"
    assert final.segments[-1].start > 28 * 60  # the final pass heard the end of the call too
    with db.session() as session:
        assert search(session, "chicago").results[0].call_id == call.id
    redis.flushdb()  # the job this test ran itself stays out of later tests' queues


def test_the_api_shows_a_partial_transcript_as_partial_and_never_its_original(admin_api):
    from storage.records import Segment, Speaker, Transcript
    from storage.transcripts import save_partial_transcript

    client, services = admin_api
    with open(SPEECH, "rb") as audio:
        created = client.post("/v1/calls", files={"audio": ("long.wav", audio)}).json()
    url = f"/v1/calls/{created['id']}/transcript"
    assert client.get(url).status_code == 409  # queued: nothing heard yet
    heard = Transcript(
        "en", 30.0, (Speaker("S0", "other", None),), (Segment(7.7, 8.2, "S0", "other", None, "Hello.", ()),)
    )
    with services.db.session() as session:
        call_records.mark_processing(session, created["id"])
        assert save_partial_transcript(session, created["id"], heard)
    shown = client.get(url)
    assert shown.status_code == 200, shown.text
    assert shown.json()["partial"] is True and shown.json()["segments"][0]["text"] == "Hello."
    assert client.get(url, params={"original": "true"}).status_code == 409
    with services.db.session() as session:
        call_records.mark_failed(session, created["id"], "test")
        assert not save_partial_transcript(session, created["id"], heard)  # only while processing
