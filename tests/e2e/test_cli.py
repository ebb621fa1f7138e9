"""The command-line contract: keys, one-shot transcription, bulk ingest."""

import json
import subprocess

import pytest

from tests.conftest import CALLS
from tests.e2e.conftest import CALLREC, callrec_up


def run(*args, **kwargs):
    return subprocess.run([*CALLREC, *args], capture_output=True, text=True, timeout=300, **kwargs)


def test_keys_create_prints_the_key_alone(tmp_path):
    result = run("keys", "create", "--role", "telephony", "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and result.stdout.startswith("cr_")
    listing = run("keys", "list", "--data-dir", str(tmp_path))
    assert "telephony" in listing.stdout and result.stdout.strip() not in listing.stdout
    bad = run("keys", "create", "--role", "root", "--data-dir", str(tmp_path))
    assert bad.returncode == 2 and "unknown role" in bad.stderr


def test_transcribe_prints_the_transcript_json_with_model_and_timings(tmp_path, model_cache):
    result = run(
        "transcribe",
        str(CALLS / "en_rude_agent.stereo.wav"),
        "--json",
        "--model",
        "tiny.en",
        "--channels",
        "agent,customer",
        env={"CALLREC_TRANSCRIBE_CACHE_DIR": str(model_cache), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert set(body) == {"language", "duration", "speakers", "segments", "overlaps", "model", "timings"}
    assert body["language"] == "en" and body["model"].startswith("tiny.en")
    assert set(body["timings"]) >= {"load_model", "normalise", "transcribe"}
    agent = " ".join(s["text"] for s in body["segments"] if s["role"] == "agent").lower()
    assert "not my problem" in agent


def test_transcribe_reports_a_bad_file_clearly(tmp_path):
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio")
    result = run("transcribe", str(bad), "--model", "tiny.en")
    assert result.returncode == 1 and "callrec:" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture(autouse=True)
def _model_cache(monkeypatch, model_cache):
    monkeypatch.setenv("CALLREC_TRANSCRIBE_CACHE_DIR", str(model_cache))


def test_ingest_posts_a_folder_once_and_reports_failures(tmp_path):
    folder = tmp_path / "recordings"
    folder.mkdir()
    for name in ("en_rude_agent.stereo.wav", "en_account_takeover.stereo.wav"):
        (folder / name).write_bytes((CALLS / name).read_bytes())
    (folder / "broken.wav").write_bytes(b"RIFF0000WAVE" + b"\x01" * 100)
    with callrec_up(tmp_path / "data", {"CALLREC_TRANSCRIBE_MODEL": "tiny.en"}) as service:
        env = {"CALLREC_API_URL": service.url, "CALLREC_API_KEY": service.key}
        first = run(
            "ingest", str(folder), "--metadata", '{"direction": "inbound"}', env={**env, "PATH": "/usr/bin"}
        )
        second = run("ingest", str(folder), env={**env, "PATH": "/usr/bin"})
        with service.client() as client:
            calls = client.get("/v1/calls").json()["items"]
    assert first.returncode == 1  # one file failed
    assert "2 new, 0 existing, 1 failed" in first.stderr
    assert "FAILED 415" in first.stdout and "broken.wav" in first.stdout
    assert "0 new, 2 existing, 1 failed" in second.stderr
    assert len(calls) == 2 and {c["direction"] for c in calls} == {"inbound"}
    nokey = run("ingest", str(folder), env={"PATH": "/usr/bin", "CALLREC_API_URL": service.url})
    assert nokey.returncode == 2 and "no API key" in nokey.stderr


def test_import_then_search_and_reindex_from_the_command_line(tmp_path):
    from tests.integration.test_transcript_edits import IMPORTED

    folder = tmp_path / "vendor"
    folder.mkdir()
    (folder / "call-1.json").write_text(
        json.dumps({**IMPORTED, "call": {"direction": "inbound"}}), encoding="utf-8"
    )
    (folder / "call-2.json").write_text(
        json.dumps(
            {
                **IMPORTED,
                "language": "en",
                "segments": [
                    {"start": 0, "end": 2, "speaker": "C", "role": "customer", "text": "I was charged twice"}
                ],
            }
        )
    )
    (folder / "broken.json").write_text("{not json")
    data = tmp_path / "data"
    with callrec_up(data, {"CALLREC_TRANSCRIBE_MODEL": "tiny.en"}) as service:
        env = {"CALLREC_API_URL": service.url, "CALLREC_API_KEY": service.key, "PATH": "/usr/bin"}
        first = run("import", str(folder), env=env)
        second = run("import", str(folder), env=env)
        found = run("search", "חשבון", "--json", "--data-dir", str(data))
        english = run("search", "charge speaker:customer", "--data-dir", str(data))
        reindexed = run("reindex", "--data-dir", str(data))
        after = run("search", "חשבון", "--json", "--data-dir", str(data))
        bad = run("search", '"unclosed', "--data-dir", str(data))
    assert first.returncode == 1 and "2 imported, 1 failed" in first.stderr and "broken.json" in first.stdout
    assert "2 imported, 1 failed" in second.stderr  # the same calls again, not duplicates
    body = json.loads(found.stdout)
    assert body["total"] == 1 and body["results"][0]["hits"][0]["matched"] == ["בחשבון"]
    assert "1 call(s)" in english.stdout and "[charged]" in english.stdout
    assert reindexed.returncode == 0 and "reindexed 3 segment(s)" in reindexed.stdout
    assert json.loads(after.stdout)["total"] == 1
    assert bad.returncode == 2 and "unbalanced quote" in bad.stderr


def test_rules_check_names_the_bad_file_and_line(tmp_path):
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir()
    bad.mkdir()
    (good / "mine.yaml").write_text(
        "rules:\n  - id: custom.one\n    category: compliance\n    severity: low\n"
        "    when: {phrases: {role: agent, any: [guaranteed]}}\n"
    )
    (bad / "broken.yaml").write_text(
        "rules:\n  - id: custom.two\n    category: compliance\n    severity: extreme\n"
        "    when: {phrases: {any: [x]}}\n"
    )
    ok = run("rules", "check", str(good))
    assert ok.returncode == 0 and "custom.one" in ok.stdout and "conduct.rude_dismissive" in ok.stdout
    failed = run("rules", "check", str(bad))
    assert failed.returncode == 1
    assert f"{bad / 'broken.yaml'}:2: rule custom.two: severity must be one of" in failed.stderr


def test_recorder_watch_ingests_a_pbx_folder_and_exits_once_it_is_empty(tmp_path):
    folder = tmp_path / "monitor"
    (folder / "2025" / "11" / "22").mkdir(parents=True)
    name = "exten-4001-0541234567-20251122-093015-1763796615.12"
    (folder / "2025" / "11" / "22" / f"{name}.wav").write_bytes(
        (CALLS / "en_rude_agent.stereo.wav").read_bytes()
    )
    (folder / "junk.wav").write_bytes(b"RIFF0000WAVE" + b"\x01" * 100)
    with callrec_up(tmp_path / "data", {"CALLREC_TRANSCRIBE_MODEL": "tiny.en"}) as service:
        env = {
            "CALLREC_API_URL": service.url,
            "CALLREC_API_KEY": service.key,
            "CALLREC_WATCH_SETTLE_S": "0.5",
            "CALLREC_WATCH_POLL_S": "0.5",
            # junk.wav's header never matches its length: without this it would wait the 10-minute grace
            "CALLREC_WATCH_OPEN_WAV_GRACE_S": "1",
            "PATH": "/usr/bin",
        }
        result = run("recorder", "watch", str(folder), "--once", env=env)
        with service.client() as client:
            calls = client.get("/v1/calls").json()["items"]
        bad = run("recorder", "watch", str(folder), "--pattern", "{nonsense}", "--once", env=env)
    assert result.returncode == 0, result.stderr
    assert "1 ingested, 1 failed" in result.stderr
    assert [(c["external_id"], c["agent_id"], c["direction"]) for c in calls] == [(name, "4001", "inbound")]
    assert (folder / "done" / "2025" / "11" / "22" / f"{name}.wav").exists()
    assert "decode" in (folder / "failed" / "junk.reason.txt").read_text()
    assert bad.returncode == 2 and "unknown field {nonsense}" in bad.stderr


def test_a_watcher_killed_mid_batch_resumes_without_loss_or_duplicates(tmp_path):
    import os
    import signal
    import time

    folder = tmp_path / "monitor"
    folder.mkdir()
    audio = (CALLS / "en_rude_agent.stereo.wav").read_bytes()
    names = [f"exten-4001-05400000{i:02d}-20251122-0930{i:02d}-1763796615.{i}" for i in range(8)]
    for name in names:
        (folder / f"{name}.wav").write_bytes(audio)
    with callrec_up(tmp_path / "data", {"CALLREC_TRANSCRIBE_MODEL": "tiny.en"}) as service:
        env = {
            **os.environ,
            "CALLREC_API_URL": service.url,
            "CALLREC_API_KEY": service.key,
            "CALLREC_WATCH_SETTLE_S": "0.2",
            "CALLREC_WATCH_POLL_S": "0.2",
        }
        watcher = subprocess.Popen(
            [*CALLREC, "recorder", "watch", str(folder)], env=env, stdout=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 60
        while (
            time.monotonic() < deadline
            and len(list((folder / "done").glob("*.wav")) if (folder / "done").exists() else []) < 2
        ):
            time.sleep(0.01)
        watcher.send_signal(signal.SIGKILL)  # no chance to tidy up
        watcher.wait(10)
        moved_before = len(list((folder / "done").glob("*.wav")))
        assert 2 <= moved_before < len(names), "the kill did not land mid-batch"
        again = run("recorder", "watch", str(folder), "--once", env=env)
        with service.client() as client:
            calls = client.get("/v1/calls", params={"limit": 100}).json()["items"]
    assert again.returncode == 0, again.stderr
    assert sorted(c["external_id"] for c in calls) == sorted(names)  # each exactly once
    assert sorted(p.stem for p in (folder / "done").glob("*.wav")) == sorted(names)
    assert not list(folder.glob("*.wav"))
