"""Segment ids that carry their call and side, so the full-text index answers "which calls, which side"
from row ids alone: id = call seq << 20 | role code << 16 | segment index (migration 0007)."""

from __future__ import annotations

CALL_SHIFT = 20
ROLE_SHIFT = 16
MAX_SEGMENTS = 1 << ROLE_SHIFT  # per call: about 90 hours of speech at Whisper's segment lengths
ROLE_CODES = {"agent": 1, "customer": 2, "other": 3}  # 0: any other role


def segment_id(call_seq: int, role: str, index: int) -> int:
    if not 0 <= index < MAX_SEGMENTS:
        raise ValueError(f"a transcript holds at most {MAX_SEGMENTS} segments")
    return (call_seq << CALL_SHIFT) | (role_code(role) << ROLE_SHIFT) | index


def role_code(role: str) -> int:
    return ROLE_CODES.get(role, 0)
