"""The bulk backfill (`callrec ingest --csv`): metadata from a manifest, several uploads in flight,
resumable without uploading stored calls again, a summary of what failed and why."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

import api.ingest_client
from api.cli import app
from api.ingest_client import ingest_paths
from recorder.backfill import ManifestError, read_manifest
from tests.telephony import MONO, STEREO, served


@pytest.fixture
def archive(tmp_path):
    root = tmp_path / "archive"
    (root / "2024" / "01").mkdir(parents=True)
    shutil.copy(STEREO, root / "2024" / "01" / "a.wav")
    shutil.copy(MONO, root / "2024" / "01" / "b.wav")
    (root / "2024" / "01" / "c.wav").write_bytes(b"RIFF" + b"\x00" * 64)
    manifest = tmp_path / "calls.csv"
    manifest.write_text(
        "file,external_id,direction,agent_id,customer_number,started_at,channel_roles,campaign\n"
        "2024/01/a.wav,old-1,inbound,4001,0541234567,2024-01-05T10:00:00+02:00,customer;agent,winback\n"
        "2024/01/b.wav,old-2,outbound,4002,,2024-01-06T11:00:00Z,,\n"
        "2024/01/c.wav,old-3,inbound,,,,,\n"
        "2024/01/missing.wav,old-4,inbound,,,,,\n",
        encoding="utf-8",
    )
    return root, manifest


def test_manifest_rows_carry_metadata_and_extra(archive):
    root, manifest = archive
    rows = read_manifest(manifest, root)
    assert [r.line for r in rows] == [2, 3, 4, 5]
    assert rows[0].path == root / "2024/01/a.wav"
    assert rows[0].metadata == {
        "external_id": "old-1",
        "direction": "inbound",
        "agent_id": "4001",
        "customer_number": "0541234567",
        "started_at": "2024-01-05T10:00:00+02:00",
        "channel_roles": ["customer", "agent"],
        "extra": {"campaign": "winback"},
    }
    assert "customer_number" not in rows[1].metadata and "extra" not in rows[1].metadata
    headless = manifest.with_name("bad.csv")
    headless.write_text("a.wav,old-1\n")
    with pytest.raises(ManifestError, match="`file`"):
        read_manifest(headless, root)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_backfill_is_parallel_resumable_and_reports_failures(admin_api, archive, monkeypatch):
    client, _ = admin_api
    root, manifest = archive
    uploads = []
    post_call = api.ingest_client.post_call

    def counting(http, path, metadata, filename=None):
        uploads.append(path.name)
        return post_call(http, path, metadata, filename)

    monkeypatch.setattr(api.ingest_client, "post_call", counting)
    key = client.headers["Authorization"].removeprefix("Bearer ")
    with served(client.app) as url:
        first = ingest_paths(url, key, [root], {"source": "legacy"}, False, manifest=manifest, jobs=3)
        assert [o.status for o in first] == [201, 201, 415, 0]
        assert first[3].detail == "no such file"
        assert sorted(uploads) == ["a.wav", "b.wav", "c.wav"]
        uploads.clear()
        second = ingest_paths(url, key, [root], {"source": "legacy"}, False, manifest=manifest, jobs=3)
        assert [o.status for o in second] == [200, 200, 415, 0]
        assert [o.call_id for o in second[:2]] == [o.call_id for o in first[:2]]
        assert uploads == ["c.wav"]  # stored calls are recognised without uploading them again
        result = CliRunner().invoke(
            app,
            ["ingest", str(root), "--csv", str(manifest), "--url", url, "--key", key, "--jobs", "2"]
            + ["--metadata", '{"source": "legacy"}'],
        )
    assert result.exit_code == 1
    assert "0 new, 2 existing, 2 failed" in result.output
    assert "1 x 415:" in result.output and "1 x unreachable: no such file" in result.output
    call = client.get(f"/v1/calls/{first[0].call_id}").json()
    assert (call["source"], call["external_id"], call["agent_id"]) == ("legacy", "old-1", "4001")
    assert call["channel_roles"] == ["customer", "agent"] and call["extra"] == {"campaign": "winback"}
    assert call["started_at"].startswith("2024-01-05T08:00:00")
