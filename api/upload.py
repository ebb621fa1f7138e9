"""Streaming multipart reader for uploads: the audio part goes straight to a counting, hashing spool
file as it arrives, so the size limit holds mid-stream and no upload is ever held in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from recorder.errors import IngestError, InvalidMetadata, MissingAudio, UploadTooLarge
from recorder.ingest import SpooledUpload, Spool

MAX_FIELD_BYTES = 64 * 1024


class MalformedUpload(IngestError):
    code = "malformed_upload"
    status = 400


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    headers: dict[bytes, bytes] = field(default_factory=dict)
    value: bytearray = field(default_factory=bytearray)


@dataclass
class ParsedUpload:
    audio: SpooledUpload
    metadata: str | None


async def read_upload(content_type: str, body: AsyncIterator[bytes], spool: Spool) -> ParsedUpload:
    """Read `audio` (file) and `metadata` (JSON text) form fields from a multipart body."""
    kind, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise MalformedUpload("send multipart/form-data with an `audio` file and optional `metadata` JSON")

    fields: dict[str, str] = {}
    state = {"part": _Part(), "header": b"", "value": b"", "audio_seen": False}

    def on_part_begin() -> None:
        state["part"] = _Part()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["header"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        state["part"].headers[state["header"].lower()] = state["value"]  # type: ignore[union-attr]
        state["header"], state["value"] = b"", b""

    def on_headers_finished() -> None:
        part: _Part = state["part"]  # type: ignore[assignment]
        _, options = parse_options_header(part.headers.get(b"content-disposition", b""))
        part.name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        part.filename = filename.decode("utf-8", "replace") if filename is not None else None
        if part.name == "audio":
            if state["audio_seen"]:
                raise MalformedUpload("send exactly one `audio` file per call")
            state["audio_seen"] = True
            spool.filename = (part.filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]

    def on_part_data(data: bytes, start: int, end: int) -> None:
        part: _Part = state["part"]  # type: ignore[assignment]
        if part.name == "audio":
            spool.write(data[start:end])
        else:
            part.value += data[start:end]
            if len(part.value) > MAX_FIELD_BYTES:
                raise InvalidMetadata(f"form field {part.name!r} is larger than {MAX_FIELD_BYTES} bytes")

    def on_part_end() -> None:
        part: _Part = state["part"]  # type: ignore[assignment]
        if part.name and part.name != "audio":
            fields[part.name] = part.value.decode("utf-8", "replace")

    parser = MultipartParser(boundary, {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    })
    try:
        async for chunk in body:
            parser.write(chunk)
        parser.finalize()
    except (IngestError, UploadTooLarge):
        raise
    except MultipartParseError as exc:
        raise MalformedUpload(f"malformed multipart body: {exc}") from exc
    if not state["audio_seen"]:
        raise MissingAudio("the upload has no `audio` file field")
    return ParsedUpload(audio=spool.finish(), metadata=fields.get("metadata"))
