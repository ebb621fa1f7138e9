"""The Asterisk MixMonitor hook, run as Asterisk runs it (a separate process, standard library only),
against the API served over real HTTP on the embedded defaults."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from recorder.folder_watch import FolderWatcher
from recorder.settings import WatchSettings
from recorder.upload_client import post_call
from storage import api_keys
from tests.conftest import free_port
from tests.telephony import STEREO, served

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
HOOK = Path(__file__).resolve().parents[2] / "recorder" / "asterisk_hook.py"


@pytest.fixture
def asterisk(admin_api, tmp_path):
    client, services = admin_api
    with services.db.session() as session:
        _, key = api_keys.create_key(session, "telephony", "asterisk")
    key_file = tmp_path / "key"
    key_file.write_text(key + "\n")
    monitor = tmp_path / "monitor"
    monitor.mkdir()
    with served(client.app) as url:
        yield client, url, key_file, monitor, tmp_path / "spool"


def hook(*args: str) -> subprocess.CompletedProcess[str]:
    # -I: isolated, as on a PBX without callrec installed: the hook may use the standard library only.
    return subprocess.run(
        [sys.executable, "-I", str(HOOK), *args], capture_output=True, text=True, timeout=60
    )


def test_the_hook_posts_the_recording_with_its_channel_variables(asterisk):
    client, url, key_file, monitor, spool = asterisk
    recording = shutil.copy(STEREO, monitor / "in-0541234567-20251122-093015.wav")
    variables = [
        "--uniqueid", "1763796615.40", "--direction", "inbound", "--agent", "4001",
        "--customer", "0541234567", "--channels", "customer,agent", "--var", "queue=700",
        "--var", "empty=",
    ]  # fmt: skip
    first = hook(str(recording), "--url", url, "--key-file", str(key_file), *variables)
    assert first.returncode == 0, first.stderr
    call_id = first.stderr.split("stored as ")[1].split()[0]
    call = client.get(f"/v1/calls/{call_id}").json()
    assert (call["source"], call["external_id"], call["direction"]) == (
        "asterisk",
        "1763796615.40",
        "inbound",
    )
    assert (call["agent_id"], call["customer_number"]) == ("4001", "0541234567")
    assert call["channel_roles"] == ["customer", "agent"] and call["extra"] == {"queue": "700"}
    # Asterisk runs the command again (a reload, a retry): the same call, and --delete tidies up.
    again = hook(str(recording), "--url", url, "--key-file", str(key_file), *variables, "--delete")
    assert again.returncode == 0 and f"stored as {call_id}" in again.stderr
    assert not Path(recording).exists()
    assert len(client.get("/v1/calls").json()["items"]) == 1


def test_when_callrec_is_down_the_recording_is_spooled_for_the_watcher(asterisk):
    client, url, key_file, monitor, spool = asterisk
    recording = shutil.copy(STEREO, monitor / "rec-41.wav")
    down = f"http://127.0.0.1:{free_port()}"
    result = hook(
        str(recording), "--url", down, "--key-file", str(key_file), "--uniqueid", "1763796615.41",
        "--agent", "4002", "--spool", str(spool), "--retry-delays", "0.1,0.1",
    )  # fmt: skip
    assert result.returncode == 0 and "spooled" in result.stderr
    assert sorted(p.name for p in spool.iterdir()) == ["rec-41.json", "rec-41.wav"]
    assert json.loads((spool / "rec-41.json").read_text())["external_id"] == "1763796615.41"
    # Later, `callrec recorder watch` on the spool folder delivers it with the same identity.
    watcher = FolderWatcher(
        spool,
        lambda audio, metadata, name: post_call(client, audio, metadata, name),
        WatchSettings(settle_s=0, source="pbx"),
    )
    watcher.scan()
    (outcome,) = watcher.scan()
    assert outcome.action == "done"
    call = client.get(f"/v1/calls/{outcome.call_id}").json()
    assert (call["source"], call["external_id"], call["agent_id"]) == ("asterisk", "1763796615.41", "4002")


def test_a_recording_callrec_refuses_is_reported_not_spooled(asterisk):
    _, url, key_file, monitor, spool = asterisk
    broken = monitor / "broken.wav"
    broken.write_bytes(b"RIFF" + b"\x00" * 64)
    result = hook(str(broken), "--url", url, "--key-file", str(key_file), "--spool", str(spool))
    assert result.returncode == 1 and "415" in result.stderr
    assert not spool.exists() and broken.exists()
    missing = hook(str(monitor / "nope.wav"), "--url", url, "--key", "k")
    assert missing.returncode == 2 and "does not exist" in missing.stderr
