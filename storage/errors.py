"""Errors raised by the system of record. Each carries a code; api/errors.py says which HTTP status
answers it."""


class StorageError(Exception):
    """Base for storage failures."""

    code = "storage_error"


class CallNotFound(StorageError):
    code = "call_not_found"


class ObjectNotFound(StorageError):
    code = "object_not_found"


class ObjectStoreUnavailable(StorageError):
    """The object store cannot be reached; the caller should retry later."""

    code = "object_store_unavailable"


class ChecksumMismatch(StorageError):
    code = "checksum_mismatch"


class InvalidObjectKey(StorageError):
    code = "invalid_object_key"


class InvalidQuery(StorageError):
    code = "invalid_query"


class SearchTooCostly(StorageError):
    """The search ran past its time limit: the engines stop it rather than let one query pin them."""

    code = "search_too_costly"


class UserError(StorageError):
    code = "invalid_user"


class TeamError(StorageError):
    code = "invalid_team"


class TeamNotFound(StorageError):
    code = "not_found"


class FlagNotFound(StorageError):
    code = "flag_not_found"


class EncryptionError(StorageError):
    code = "encryption_error"


class HoldNotFound(StorageError):
    code = "not_found"


class CallOnHold(StorageError):
    """A deletion was refused because a legal hold covers the call."""

    code = "legal_hold"


class WebhookNotFound(StorageError):
    code = "not_found"


class VoiceNotFound(StorageError):
    code = "voice_not_found"


class AlreadyWatched(StorageError):
    code = "already_watched"


class QaError(StorageError):
    code = "invalid_review"


class ScorecardNotFound(StorageError):
    code = "not_found"


class ReviewConflict(StorageError):
    """The review is not in a state that allows this (disputing what was acknowledged, answering
    what nobody disputed, editing a retired card)."""

    code = "review_conflict"


class ViewError(StorageError):
    code = "invalid_view"


class ViewNotFound(StorageError):
    code = "not_found"


class AuditKeyMissing(StorageError):
    code = "audit_key_missing"


class AuditChainBroken(StorageError):
    code = "audit_chain_broken"
