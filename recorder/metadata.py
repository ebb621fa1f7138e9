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
        if len(json.dumps(value)) > 16_384:
            raise ValueError("extra must serialise to at most 16 KiB of JSON")
        return value


def parse_metadata(raw: str | bytes | None) -> CallMetadata:
    """Parse the metadata form field; a clear InvalidMetadata for anything wrong."""
    if raw is None or (isinstance(raw, str | bytes) and not raw.strip()):
        return CallMetadata()
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
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
