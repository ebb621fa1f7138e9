"""Streaming multipart reader for uploads: the audio part goes straight to a counting, hashing spool
file as it arrives, so the size limit holds mid-stream and no upload is ever held in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from recorder.errors import IngestError, InvalidMetadata, MissingAudio
from recorder.ingest import Spool, SpooledUpload

MAX_FIELD_BYTES = 64 * 1024
# An upload carries `audio` and `metadata`; a few spare fields are tolerated, thousands are not.
MAX_FIELDS = 8


class MalformedUpload(IngestError):
    code = "malformed_upload"


@dataclass
class ParsedUpload:
    audio: SpooledUpload
    metadata: str | None


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    headers: dict[bytes, bytes] = field(default_factory=dict)
    value: bytearray = field(default_factory=bytearray)


class _FormReader:
    """python-multipart callbacks: `audio` bytes to the spool, small text fields to memory."""

    def __init__(self, spool: Spool) -> None:
        self.spool = spool
        self.fields: dict[str, str] = {}
        self.part = _Part()
        self.header = b""
        self.value = b""
        self.has_audio = False
        self.parts = 0

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
        }

    def on_part_begin(self) -> None:
        self.part = _Part()
        self.parts += 1
        if self.parts > MAX_FIELDS + 1:
            raise InvalidMetadata(f"an upload has at most {MAX_FIELDS} form fields besides `audio`")

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def on_header_end(self) -> None:
        self.part.headers[self.header.lower()] = self.value
        self.header, self.value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.part.headers.get(b"content-disposition", b""))
        self.part.name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        self.part.filename = filename.decode("utf-8", "replace") if filename is not None else None
        if self.part.name == "audio":
            if self.has_audio:
                raise MalformedUpload("send exactly one `audio` file per call")
            self.has_audio = True
            # Keep the base name only: clients send paths, sometimes Windows ones.
            self.spool.filename = (self.part.filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.part.name == "audio":
            self.spool.write(data[start:end])
            return
        self.part.value += data[start:end]
        if len(self.part.value) > MAX_FIELD_BYTES:
            raise InvalidMetadata(f"form field {self.part.name!r} is larger than {MAX_FIELD_BYTES} bytes")

    def on_part_end(self) -> None:
        if self.part.name == "metadata":
            # Other fields are counted, not kept.
            self.fields[self.part.name] = self.part.value.decode("utf-8", "replace")


async def read_upload(content_type: str, body: AsyncIterator[bytes], spool: Spool) -> ParsedUpload:
    """Read the `audio` file and the optional `metadata` JSON field from a multipart body."""
    kind, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise MalformedUpload("send multipart/form-data with an `audio` file and optional `metadata` JSON")
    reader = _FormReader(spool)
    parser = MultipartParser(boundary, reader.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in body:
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        raise MalformedUpload(f"malformed multipart body: {exc}") from exc
    if not reader.has_audio:
        raise MissingAudio("the upload has no `audio` file field")
    return ParsedUpload(audio=spool.finish(), metadata=reader.fields.get("metadata"))
