"""Why an upload is refused. Each carries the HTTP status the API answers with."""


class IngestError(Exception):
    code = "ingest_error"
    status = 400


class EmptyUpload(IngestError):
    """The upload has no bytes."""

    code = "empty_file"


class UploadTooLarge(IngestError):
    code = "file_too_large"
    status = 413


class UnsupportedAudio(IngestError):
    """The upload is not audio we can decode."""

    code = "unsupported_audio"
    status = 415


class AudioTooLong(IngestError):
    code = "audio_too_long"
    status = 422


class InvalidMetadata(IngestError):
    code = "invalid_metadata"
    status = 422


class MissingAudio(IngestError):
    code = "missing_audio"
    status = 422
