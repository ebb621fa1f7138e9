"""Object store on S3 or any S3-compatible server (MinIO), through the minio SDK."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import BinaryIO

import urllib3
from minio import Minio
from minio.commonconfig import CopySource
from minio.error import S3Error
from minio.sse import SseKMS, SseS3

from .errors import ChecksumMismatch, ObjectNotFound, ObjectStoreUnavailable
from .objects import CHUNK_SIZE, HashingReader, ListedObject, StoredObject, validate_key

PART_SIZE = 16 * 1024 * 1024  # multipart upload part; unknown length streams in parts of this size


class S3ObjectStore:
    def __init__(
        self,
        bucket: str,
        endpoint: str,
        secure: bool = True,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        prefix: str = "",
        server_side_encryption: str | None = None,
        kms_key: str | None = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = f"{prefix}/" if prefix else ""
        # Server-side encryption: SSE-S3 (the server's own key) or SSE-KMS (a key of its KMS, e.g.
        # MinIO's KES); the server encrypts at rest and decrypts for callrec's authenticated reads.
        self._sse: SseS3 | SseKMS | None = None
        if server_side_encryption == "s3":
            self._sse = SseS3()
        elif server_side_encryption == "kms":
            if not kms_key:
                raise ValueError("sse=kms needs kms_key=<key id> in the objects URL")
            self._sse = SseKMS(kms_key, {})
        elif server_side_encryption:
            raise ValueError(f"unknown sse={server_side_encryption!r}: use s3 or kms")
        # Short retries: an unreachable store should fail an upload in seconds, not minutes.
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5, read=60),
            retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
        )
        self.client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=http,
        )

    def _name(self, key: str) -> str:
        return self.prefix + validate_key(key)

    def ensure_bucket(self) -> None:
        try:
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket)
        except (S3Error, urllib3.exceptions.HTTPError) as exc:
            raise ObjectStoreUnavailable(f"S3 bucket {self.bucket}: {exc}") from exc

    def put(
        self,
        key: str,
        stream: BinaryIO,
        content_type: str = "application/octet-stream",
        sha256: str | None = None,
    ) -> StoredObject:
        reader = HashingReader(stream)
        metadata: dict[str, str | list[str] | tuple[str]] | None = {"sha256": sha256} if sha256 else None
        name = self._name(key)
        try:
            self.client.put_object(
                self.bucket,
                name,
                reader,  # type: ignore[arg-type]  # any object with read() streams
                length=-1,
                part_size=PART_SIZE,
                content_type=content_type,
                metadata=metadata,
                sse=self._sse,
            )
        except (S3Error, urllib3.exceptions.HTTPError) as exc:
            raise ObjectStoreUnavailable(f"S3 upload of {key} failed: {exc}") from exc
        if sha256 is not None and sha256 != reader.sha256:
            self.delete(key)
            raise ChecksumMismatch(f"object {key}: expected sha256 {sha256}, wrote {reader.sha256}")
        return StoredObject(key=key, size=reader.size, sha256=reader.sha256)

    def open(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        length = 0 if end is None else end - start + 1
        with _s3_errors("read", key):
            response = self.client.get_object(self.bucket, self._name(key), offset=start, length=length)
        return self._stream(response)

    @staticmethod
    def _stream(response: urllib3.BaseHTTPResponse) -> Iterator[bytes]:
        try:
            yield from response.stream(CHUNK_SIZE)
        finally:
            response.close()
            response.release_conn()

    def size(self, key: str) -> int:
        try:
            return int(self.client.stat_object(self.bucket, self._name(key)).size or 0)
        except S3Error as exc:
            raise ObjectNotFound(f"object {key} not found") from exc

    def list(self, prefix: str) -> list[ListedObject]:
        try:
            return [
                ListedObject(obj.object_name.removeprefix(self.prefix), int(obj.size or 0), obj.etag or "")
                for obj in self.client.list_objects(self.bucket, prefix=self.prefix + prefix, recursive=True)
                if obj.object_name
            ]
        except (S3Error, urllib3.exceptions.HTTPError) as exc:
            raise ObjectStoreUnavailable(f"S3 list of {prefix} failed: {exc}") from exc

    def copy(self, source: str, target: str) -> None:
        with _s3_errors("copy", source):
            self.client.copy_object(
                self.bucket, self._name(target), CopySource(self.bucket, self._name(source)), sse=self._sse
            )

    def listen(self, prefix: str) -> Iterator[str]:
        """MinIO's bucket notifications (an extension to S3): keys of objects created under `prefix`."""
        with self.client.listen_bucket_notification(
            self.bucket, prefix=self.prefix + prefix, events=("s3:ObjectCreated:*",)
        ) as events:
            for event in events:
                for record in event.get("Records", []):
                    yield str(record["s3"]["object"]["key"]).removeprefix(self.prefix)

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except ObjectNotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        try:
            self.client.remove_object(self.bucket, self._name(key))
        except (S3Error, urllib3.exceptions.HTTPError) as exc:
            raise ObjectStoreUnavailable(f"S3 delete of {key} failed: {exc}") from exc

    def presigned_url(self, key: str, expires_s: int = 3600) -> str | None:
        return self.client.presigned_get_object(
            self.bucket, self._name(key), expires=timedelta(seconds=expires_s)
        )

    def check(self) -> None:
        try:
            if not self.client.bucket_exists(self.bucket):
                raise ObjectStoreUnavailable(f"S3 bucket {self.bucket} does not exist")
        except (S3Error, urllib3.exceptions.HTTPError) as exc:
            raise ObjectStoreUnavailable(f"S3 store unreachable: {exc}") from exc


@contextmanager
def _s3_errors(action: str, key: str) -> Iterator[None]:
    """A missing object is ObjectNotFound; any other S3 or network failure leaves the store unavailable."""
    try:
        yield
    except S3Error as exc:
        if exc.code in ("NoSuchKey", "NoSuchObject"):
            raise ObjectNotFound(f"object {key} not found") from exc
        raise ObjectStoreUnavailable(f"S3 {action} of {key} failed: {exc}") from exc
    except urllib3.exceptions.HTTPError as exc:
        raise ObjectStoreUnavailable(f"S3 {action} of {key} failed: {exc}") from exc
