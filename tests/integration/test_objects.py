"""Both object stores behave alike: a local folder, and S3 through the minio SDK against moto's server."""

import hashlib
import io
import urllib.request

import pytest

from storage.errors import ChecksumMismatch, InvalidObjectKey, ObjectNotFound, ObjectStoreUnavailable
from storage.objects import open_object_store
from storage.objects_s3 import PART_SIZE, S3ObjectStore


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return open_object_store(f"file://{tmp_path / 'objects'}")
    store = open_object_store(request.getfixturevalue("s3_objects_url"), "test", "test")
    store.ensure_bucket()
    return store


def test_put_records_size_and_sha256_and_reads_back(store):
    data = b"RIFF" + bytes(range(256)) * 100
    stored = store.put("calls/a/original.wav", io.BytesIO(data))
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert b"".join(store.open("calls/a/original.wav")) == data
    assert store.size("calls/a/original.wav") == len(data)


def test_ranged_read_returns_exactly_the_requested_bytes(store):
    data = bytes(range(256)) * 10
    store.put("k/range.bin", io.BytesIO(data))
    assert b"".join(store.open("k/range.bin", 10, 19)) == data[10:20]
    assert b"".join(store.open("k/range.bin", 2550)) == data[2550:]


def test_checksum_mismatch_leaves_no_object(store):
    with pytest.raises(ChecksumMismatch):
        store.put("k/bad.bin", io.BytesIO(b"payload"), sha256="0" * 64)
    assert not store.exists("k/bad.bin")


def test_delete_removes_and_missing_object_is_reported(store):
    store.put("k/gone.bin", io.BytesIO(b"x"))
    store.delete("k/gone.bin")
    store.delete("k/gone.bin")  # deleting twice is fine
    with pytest.raises(ObjectNotFound):
        b"".join(store.open("k/gone.bin"))


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a//b", ""])
def test_unsafe_keys_are_refused(store, key):
    with pytest.raises(InvalidObjectKey):
        store.put(key, io.BytesIO(b"x"))


def test_s3_streams_large_uploads_in_multipart_parts(s3_objects_url):
    store = open_object_store(s3_objects_url, "test", "test")
    store.ensure_bucket()
    data = (b"0123456789abcdef" * (PART_SIZE // 16)) + b"tail" * 1000  # more than one part
    stored = store.put("big/audio.bin", io.BytesIO(data))
    assert stored.size == len(data)
    assert hashlib.sha256(b"".join(store.open("big/audio.bin"))).hexdigest() == stored.sha256


def test_s3_presigned_url_fetches_the_object(s3_objects_url):
    store = open_object_store(s3_objects_url, "test", "test")
    store.ensure_bucket()
    store.put("p/x.txt", io.BytesIO(b"presigned body"))
    url = store.presigned_url("p/x.txt", 60)
    assert "X-Amz-Signature" in url
    with urllib.request.urlopen(url) as response:
        assert response.read() == b"presigned body"


def test_unreachable_s3_is_reported_as_unavailable():
    store = S3ObjectStore(
        bucket="callrec", endpoint="127.0.0.1:1", secure=False, access_key="a", secret_key="b"
    )
    with pytest.raises(ObjectStoreUnavailable):
        store.put("k/x", io.BytesIO(b"x"))
    with pytest.raises(ObjectStoreUnavailable):
        store.check()
