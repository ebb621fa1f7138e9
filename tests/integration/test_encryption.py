"""Encryption at rest of the local object store: nothing readable on disk, range reads for players,
tampering detected, plaintext drops encrypted on the way in, and key rotation."""

from __future__ import annotations

import io
import os

import pytest
from typer.testing import CliRunner

from api.cli import app
from storage.encryption import CHUNK, EncryptionError, Keyring, new_key_line
from storage.objects_local import LocalObjectStore
from tests.telephony import STEREO


def keyring(*ids: str) -> Keyring:
    return Keyring.parse("\n".join(new_key_line(i) for i in ids))


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17])
def test_objects_round_trip_and_range_reads_across_chunk_edges(tmp_path, size):
    store = LocalObjectStore(tmp_path, keyring("k1"))
    data = os.urandom(size)
    stored = store.put("calls/a/original.wav", io.BytesIO(data))
    assert stored.size == size and store.size("calls/a/original.wav") == size
    assert b"".join(store.open("calls/a/original.wav")) == data
    for start, end in ((0, 0), (CHUNK - 2, CHUNK + 2), (size // 2, size - 1), (5, 3 * CHUNK)):
        if start < size:
            assert b"".join(store.open("calls/a/original.wav", start, end)) == data[start : end + 1]
    assert [o.size for o in store.list("calls/")] == [size]


def test_nothing_readable_on_disk_and_tampering_or_a_missing_key_is_an_error(tmp_path):
    ring = keyring("k1")
    store = LocalObjectStore(tmp_path, ring)
    audio = STEREO.read_bytes()
    store.put("calls/a/original.wav", io.BytesIO(audio))
    on_disk = (tmp_path / "calls/a/original.wav").read_bytes()
    assert b"RIFF" not in on_disk and audio[1000:1064] not in on_disk
    assert len(on_disk) < len(audio) + 1024  # 16 bytes per 64 KiB chunk, plus a short header

    tampered = bytearray(on_disk)
    tampered[len(on_disk) // 2] ^= 1
    (tmp_path / "calls/a/bad.wav").write_bytes(bytes(tampered))
    with pytest.raises(EncryptionError, match="fails authentication"):
        b"".join(store.open("calls/a/bad.wav"))
    (tmp_path / "calls/a/cut.wav").write_bytes(on_disk[: len(on_disk) - (CHUNK + 16) * 2])
    with pytest.raises(EncryptionError):  # cut at a chunk boundary: the last chunk is not marked last
        b"".join(store.open("calls/a/cut.wav"))
    with pytest.raises(EncryptionError, match="no encryption key"):
        b"".join(LocalObjectStore(tmp_path).open("calls/a/original.wav"))
    with pytest.raises(EncryptionError, match="not in the keyring"):
        b"".join(LocalObjectStore(tmp_path, keyring("other")).open("calls/a/original.wav"))


def test_plaintext_objects_stay_readable_and_dropped_ones_are_encrypted_when_ingested(tmp_path):
    LocalObjectStore(tmp_path).put("calls/old/original.wav", io.BytesIO(b"written before encryption"))
    (tmp_path / "incoming").mkdir()
    (tmp_path / "incoming/drop.wav").write_bytes(b"a plaintext drop")
    store = LocalObjectStore(tmp_path, keyring("k1"))
    assert b"".join(store.open("calls/old/original.wav")) == b"written before encryption"
    store.copy("incoming/drop.wav", "calls/new/original.wav")
    assert b"plaintext" not in (tmp_path / "calls/new/original.wav").read_bytes()
    assert b"".join(store.open("calls/new/original.wav")) == b"a plaintext drop"


def test_key_rotation_rewrites_objects_under_the_new_key(tmp_path):
    old = keyring("2026-01")
    LocalObjectStore(tmp_path / "objects", old).put("calls/a/original.wav", io.BytesIO(b"audio" * 1000))
    LocalObjectStore(tmp_path / "objects").put("calls/b/original.wav", io.BytesIO(b"plain" * 1000))
    new_line = CliRunner().invoke(app, ["objects", "new-key", "2026-11"]).output.strip()
    old_line = next(f"{k}:" for k in old.keys)  # the old key stays in the ring for reading
    import base64

    ring_text = new_line + "\n" + old_line + base64.b64encode(old.keys["2026-01"]).decode()
    env = {"CALLREC_STORAGE_ENCRYPTION_KEY": ring_text}
    result = CliRunner().invoke(app, ["objects", "rekey", "--data-dir", str(tmp_path)], env=env)
    assert result.exit_code == 0, result.output
    assert "2 of 2 object(s) rewritten under key 2026-11" in result.output
    only_new = Keyring.parse(new_line)
    store = LocalObjectStore(tmp_path / "objects", only_new)  # the old key can now be dropped
    assert b"".join(store.open("calls/a/original.wav")) == b"audio" * 1000
    assert b"".join(store.open("calls/b/original.wav")) == b"plain" * 1000
    again = CliRunner().invoke(app, ["objects", "rekey", "--data-dir", str(tmp_path)], env=env)
    assert "0 of 2" in again.output


def test_bad_keyrings_are_refused_with_the_line():
    with pytest.raises(ValueError, match="line 1"):
        Keyring.parse("k1:not-base64")
    with pytest.raises(ValueError, match="line 2"):
        Keyring.parse(new_key_line("a") + "\nb:" + "QUJD")
    with pytest.raises(ValueError, match="no key"):
        Keyring.parse("# only a comment")
