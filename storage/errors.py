"""Errors raised by the system of record."""


class StorageError(Exception):
    """Base for storage failures."""

    code = "storage_error"
    status = 500


class CallNotFound(StorageError):
    code = "call_not_found"
    status = 404


class ObjectNotFound(StorageError):
    code = "object_not_found"
    status = 404


class ObjectStoreUnavailable(StorageError):
    """The object store cannot be reached; the caller should retry later."""

    code = "object_store_unavailable"
    status = 503


class ChecksumMismatch(StorageError):
    code = "checksum_mismatch"
    status = 422


class InvalidObjectKey(StorageError):
    code = "invalid_object_key"
    status = 400


class InvalidQuery(StorageError):
    code = "invalid_query"
    status = 400


class SearchTooCostly(StorageError):
    """The search ran past its time limit: the engines stop it rather than let one query pin them."""

    code = "search_too_costly"
    status = 422
