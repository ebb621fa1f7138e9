"""Call metadata as telephony systems send it, validated before anything is stored."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import InvalidMetadata

ROLE_NAMES = ("agent", "customer", "other")


class CallMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: str | None = Field(
        None,
        min_length=1,
        max_length=255,
        description="The telephony system's id; (source, external_id) is idempotent",
    )
    source: str = Field("api", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    direction: Literal["inbound", "outbound", "internal"] | None = None
    agent_id: str | None = Field(None, max_length=128)
    customer_number: str | None = Field(None, max_length=64)
    started_at: datetime | None = None
    channel_roles: list[Literal["agent", "customer", "other"]] | None = Field(
        None, min_length=1, max_length=2, description='Role of each channel, e.g. ["agent", "customer"]'
    )
    language: str | None = Field(
        None, pattern=r"^[a-z]{2,3}$", description="Language hint, forces the ASR language"
    )
    extra: dict[str, Any] = Field(default_factory=dict, description="Free-form fields kept with the call")

    @field_validator("extra")
    @classmethod
    def _extra_is_small(cls, value: dict[str, Any]) -> dict[str, Any]:
        depth, keys = extra_shape(value)
        if depth > MAX_EXTRA_DEPTH:
            raise ValueError(f"extra may nest at most {MAX_EXTRA_DEPTH} levels deep (this nests {depth})")
        if keys > MAX_EXTRA_KEYS:
            raise ValueError(f"extra may hold at most {MAX_EXTRA_KEYS} keys in all (this holds {keys})")
        if len(json.dumps(value)) > 16_384:
            raise ValueError("extra must serialise to at most 16 KiB of JSON")
        return value


# Free-form metadata is shown in every call list: deep nesting made every list and call view fail with a
# RecursionError for admins (900 levels) until the call was deleted.
MAX_EXTRA_DEPTH = 8
MAX_EXTRA_KEYS = 200
MAX_METADATA_NESTING = 32  # of the whole metadata document, checked before parsing it


def extra_shape(value: Any) -> tuple[int, int]:
    """How deep a JSON value nests and how many object keys it holds, without recursion."""
    deepest, keys, stack = 0, 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            keys += len(item)
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        else:
            continue
        deepest = max(deepest, depth + 1)
    return deepest, keys


def nesting_of(raw: str) -> int:
    """The deepest bracket nesting of a JSON text (strings skipped), so a hostile document is refused
    before the parser recurses into it."""
    depth = deepest = 0
    in_string = escaped = False
    for char in raw:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def parse_metadata(raw: str | bytes | None) -> CallMetadata:
    """Parse the metadata form field; a clear InvalidMetadata for anything wrong."""
    if raw is None or (isinstance(raw, str | bytes) and not raw.strip()):
        return CallMetadata()
    try:
        text = raw.decode() if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise InvalidMetadata(f"metadata is not valid JSON: {exc}") from exc
    if nesting_of(text) > MAX_METADATA_NESTING:
        raise InvalidMetadata(f"metadata nests more than {MAX_METADATA_NESTING} levels deep")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InvalidMetadata(f"metadata is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidMetadata("metadata must be a JSON object")
    try:
        return CallMetadata.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'metadata'}: {err['msg']}" for err in exc.errors()
        )
        raise InvalidMetadata(f"invalid metadata: {problems}") from exc
