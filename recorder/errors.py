"""Why an upload is refused. Each carries a code; api/errors.py says which HTTP status answers it."""


class IngestError(Exception):
    code = "ingest_error"


class EmptyUpload(IngestError):
    """The upload has no bytes."""

    code = "empty_file"


class UploadTooLarge(IngestError):
    code = "file_too_large"


class UnsupportedAudio(IngestError):
    """The upload is not audio we can decode."""

    code = "unsupported_audio"


class AudioTooLong(IngestError):
    code = "audio_too_long"


class InvalidMetadata(IngestError):
    code = "invalid_metadata"


class MissingAudio(IngestError):
    code = "missing_audio"


class BadSignature(IngestError):
    code = "bad_signature"


class RecordingUrlRefused(IngestError):
    code = "recording_url_refused"


class RecordingUnavailable(IngestError):
    """The recording host did not give us the audio; Twilio (or an operator) may deliver again."""

    code = "recording_unavailable"


class WebhookTargetRefused(InvalidMetadata):
    code = "webhook_target_refused"


class QueueUnavailable(Exception):
    code = "queue_unavailable"


class ManifestError(ValueError):
    """The manifest cannot be used as a whole (no file column, unreadable)."""


class FilenamePatternError(ValueError):
    """The configured file-name template is not usable."""
