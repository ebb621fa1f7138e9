"""The folder watcher end to end on the embedded defaults: files a PBX drops, posted through the real API
(SQLite, embedded Redis, local objects), moved to done/ or failed/. Nothing lost, nothing duplicated."""

from __future__ import annotations

import json
import shutil
import wave
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from recorder.folder_watch import FolderWatcher
from recorder.settings import WatchSettings
from recorder.upload_client import Delivery, post_call
from storage import api_keys, call_list
from tests.telephony import MONO, STEREO, write_legs

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
FREEPBX_NAME = "exten-4001-0541234567-20251122-093015-1763796615.12"


class Clock:
    """The watcher's clock, moved by the test: settle times pass without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def pbx(admin_api, tmp_path):
    """(folder, watcher factory, API client, services): the watcher posts with a telephony key."""
    client, services = admin_api
    with services.db.session() as session:
        _, telephony = api_keys.create_key(session, "telephony", "pbx-1")
    folder = tmp_path / "monitor"
    folder.mkdir()
    clock = Clock()
    telephony_client = TestClient(client.app, headers={"Authorization": f"Bearer {telephony}"})

    def deliver(audio: Path, metadata: dict, filename: str) -> Delivery:
        return post_call(telephony_client, audio, metadata, filename)

    def watcher(deliver=deliver, **settings) -> FolderWatcher:
        return FolderWatcher(folder, deliver, WatchSettings(settle_s=5, **settings), clock)

    yield folder, watcher, clock, client, services


def settle(watcher: FolderWatcher, clock: Clock, seconds: float = 6) -> list:
    """Two passes, `seconds` apart: the first sees the files, the second finds them unchanged."""
    outcomes = watcher.scan()
    clock.now += seconds
    return outcomes + watcher.scan()


def stored_calls(services) -> list:
    with services.db.session() as session:
        return call_list.list_calls(session, call_list.CallFilter(), limit=100)


def test_freepbx_recording_with_sidecar_is_ingested_and_moved_to_done(pbx):
    folder, make, clock, client, services = pbx
    day = folder / "2025" / "11" / "22"
    day.mkdir(parents=True)
    shutil.copy(STEREO, day / f"{FREEPBX_NAME}.wav")
    (day / f"{FREEPBX_NAME}.json").write_text(
        json.dumps({"language": "en", "extra": {"campaign": "retention"}})
    )
    watcher = make(timezone="Asia/Jerusalem")
    assert watcher.scan() == []  # just seen: not yet known to be complete
    (outcome,) = settle(watcher, clock)
    assert outcome.action == "done" and outcome.name == f"2025/11/22/{FREEPBX_NAME}"
    call = client.get(f"/v1/calls/{outcome.call_id}").json()
    assert call["source"] == "pbx" and call["external_id"] == FREEPBX_NAME
    assert (call["direction"], call["agent_id"], call["customer_number"]) == ("inbound", "4001", "0541234567")
    assert call["started_at"].startswith("2025-11-22T07:30:15")
    assert call["extra"]["campaign"] == "retention" and call["extra"]["uniqueid"] == "1763796615.12"
    assert call["audio"]["channels"] == 2
    assert sorted(p.name for p in (folder / "done" / "2025" / "11" / "22").iterdir()) == [
        f"{FREEPBX_NAME}.json",
        f"{FREEPBX_NAME}.wav",
    ]
    assert not list(day.iterdir())
    assert watcher.scan() == [] and watcher.pending() == 0


def test_a_file_still_being_written_waits_until_its_writer_closes_it(pbx):
    folder, make, clock, _, services = pbx
    watcher = make(open_wav_grace_s=600)
    path = folder / "call-1.wav"
    writer = wave.open(str(path), "wb")
    writer.setnchannels(1)
    writer.setsampwidth(2)
    writer.setframerate(8000)
    with wave.open(str(MONO)) as source:
        frames = source.readframes(source.getnframes())
    writer.writeframesraw(frames[:3200])  # the header is written with the first chunk's size only
    writer.writeframesraw(frames[3200 : len(frames) // 2])
    writer._file.flush()  # type: ignore[attr-defined]
    # Unchanged for longer than settle_s, but the header still says "empty": the PBX has it open.
    assert settle(watcher, clock, 60) == []
    assert stored_calls(services) == []
    writer.writeframesraw(frames[len(frames) // 2 :])
    writer.close()
    (outcome,) = settle(watcher, clock)
    assert outcome.action == "done"
    (call,) = stored_calls(services)
    assert call.audio_size == path.with_name("x").parent.joinpath("done", "call-1.wav").stat().st_size
    assert call.duration == pytest.approx(len(frames) / 2 / 8000, abs=0.05)


def test_a_duplicate_delivery_is_recognised_and_never_stored_twice(pbx):
    folder, make, clock, _, services = pbx
    watcher = make()
    shutil.copy(STEREO, folder / f"{FREEPBX_NAME}.wav")
    (first,) = settle(watcher, clock)
    shutil.copy(STEREO, folder / f"{FREEPBX_NAME}.wav")  # the PBX delivers the same recording again
    (again,) = settle(watcher, clock)
    assert again.action == "done" and again.call_id == first.call_id
    assert len(stored_calls(services)) == 1
    assert sorted(p.name for p in (folder / "done").iterdir()) == [
        f"{FREEPBX_NAME}.1.wav",
        f"{FREEPBX_NAME}.wav",
    ]
    # A file named by nothing is known by its content: the same bytes under another name are one call.
    shutil.copy(MONO, folder / "a.wav")
    shutil.copy(MONO, folder / "b.wav")
    outcomes = settle(watcher, clock)
    assert [o.action for o in outcomes] == ["done", "done"] and outcomes[0].call_id == outcomes[1].call_id
    assert len(stored_calls(services)) == 2


def test_malformed_files_go_to_failed_with_the_reason_and_leave_nothing(pbx):
    folder, make, clock, _, services = pbx
    watcher = make()
    (folder / "broken.wav").write_bytes(b"RIFF" + b"\x00" * 40 + b"not audio at all" * 100)
    (folder / "bad-meta.wav").write_bytes(STEREO.read_bytes())
    (folder / "bad-meta.json").write_text('{"direction": "sideways"}')
    outcomes = {o.name: o for o in settle(watcher, clock)}
    assert outcomes["broken"].action == "failed" and "decode" in outcomes["broken"].detail
    assert outcomes["bad-meta"].action == "failed" and "direction" in outcomes["bad-meta"].detail
    reason = (folder / "failed" / "broken.reason.txt").read_text()
    assert reason.startswith("HTTP 415") and "decode" in reason
    assert "direction" in (folder / "failed" / "bad-meta.reason.txt").read_text()
    assert (folder / "failed" / "bad-meta.json").exists()
    assert stored_calls(services) == []
    assert list(Path(services.objects.root).rglob("*.wav")) == []


def test_an_unreachable_server_keeps_the_file_and_retries_with_backoff(pbx):
    folder, make, clock, client, services = pbx
    down = httpx.Client(base_url="http://127.0.0.1:9")  # nothing listens on the discard port

    def deliver(audio, metadata, filename):
        return post_call(down, audio, metadata, filename)

    watcher = make(deliver=deliver, poll_s=2)
    shutil.copy(STEREO, folder / "call.wav")
    (outcome,) = settle(watcher, clock)
    assert outcome.action == "retry" and outcome.detail.startswith("0:")
    assert (folder / "call.wav").exists() and not (folder / "failed").exists()
    assert watcher.scan() == []  # backing off
    clock.now += 4
    watcher.deliver = lambda audio, metadata, filename: post_call(client, audio, metadata, filename)
    (outcome,) = watcher.scan()
    assert outcome.action == "done" and len(stored_calls(services)) == 1


def test_a_watcher_restarted_mid_batch_loses_and_duplicates_nothing(pbx):
    folder, make, clock, client, services = pbx
    for index in range(3):
        shutil.copy(
            STEREO, folder / f"exten-4001-05400000{index}-20251122-0930{index}0-1763796615.{index}.wav"
        )
    posted = []

    def crash_after_second_post(audio, metadata, filename):
        delivery = post_call(client, audio, metadata, filename)
        posted.append(delivery)
        if len(posted) == 2:  # stored by the API, killed before the file is moved
            raise KeyboardInterrupt
        return delivery

    first = make(deliver=crash_after_second_post)
    first.scan()
    clock.now += 6
    with pytest.raises(KeyboardInterrupt):
        first.scan()
    assert len(stored_calls(services)) == 2 and len(list(folder.glob("*.wav"))) == 2
    second = make()  # the restarted watcher: no state but the folder
    outcomes = settle(second, clock)
    assert sorted(o.action for o in outcomes) == ["done", "done"]
    assert outcomes[0].call_id == posted[1].call_id  # the crashed one comes back as the existing call
    assert len(stored_calls(services)) == 3
    assert len(list((folder / "done").glob("*.wav"))) == 3 and not list(folder.glob("*.wav"))


def test_mixmonitor_legs_become_one_stereo_call_with_roles_by_direction(pbx, tmp_path):
    folder, make, clock, client, services = pbx
    name = "exten-4001-0541234567-20251122-093015-1763796615.77"
    legs = write_legs(folder, name)
    shutil.copy(MONO, folder / f"{name}.wav")  # MixMonitor's own mix beside the legs
    cdr = tmp_path / "Master.csv"
    cdr.write_text(
        '"","0541234567","4001","from-internal","","","","Dial","","2025-11-22 09:30:15","","",'
        '100,95,"ANSWERED","DOCUMENTATION","1763796615.77",""\n'
    )
    watcher = make(cdr_csv=str(cdr))
    (outcome,) = settle(watcher, clock)
    assert outcome.action == "done"
    call = client.get(f"/v1/calls/{outcome.call_id}").json()
    assert call["audio"]["channels"] == 2 and call["channel_roles"] == ["customer", "agent"]
    assert call["extra"]["disposition"] == "ANSWERED" and call["extra"]["billsec"] == "95"
    assert sorted(p.name for p in (folder / "done").iterdir()) == sorted(
        [legs[0].name, legs[1].name, f"{name}.wav"]
    )


def test_a_lone_leg_waits_for_its_partner_then_goes_alone(pbx):
    folder, make, clock, client, _ = pbx
    legs = write_legs(folder, "solo")
    legs[1].unlink()
    watcher = make(lone_leg_wait_s=60)
    assert settle(watcher, clock) == []
    clock.now += 60
    (outcome,) = watcher.scan()
    assert outcome.action == "done"
    assert client.get(f"/v1/calls/{outcome.call_id}").json()["audio"]["channels"] == 1
