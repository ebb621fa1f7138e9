"""The voice watchlist check: a customer voice that matches a watched voice raises a flag linking both calls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storage.records import RaisedFlag, Transcript
from storage.voiceprints import StoredVoice
from storage.watchlist import VoiceWatch

from .voiceprints import similarity

RULE_ID = "voice-watchlist"
RULE_VERSION = 1
# Only the customer side is compared: agents are known people, and their voices are on every call.
WATCHED_ROLES = ("customer", "other")


def watchlist_flag(
    call_id: str,
    transcript: Transcript,
    voices: Sequence[StoredVoice],
    watches: Sequence[VoiceWatch],
    threshold: float,
) -> RaisedFlag | None:
    evidence: list[dict[str, Any]] = []
    for voice in voices:
        if voice.role not in WATCHED_ROLES:
            continue
        for watch in watches:
            if not watch.active or watch.model != voice.model or watch.call_id == call_id:
                continue
            score = similarity(voice.embedding, watch.embedding)
            if score < threshold:
                continue
            spoken = [s for s in transcript.segments if s.speaker == voice.speaker]
            evidence.append(
                {
                    "kind": "voice",
                    "role": voice.role,
                    "speaker": voice.speaker,
                    "start": spoken[0].start if spoken else None,
                    "end": spoken[0].end if spoken else None,
                    "text": spoken[0].text if spoken else None,
                    "metric": "voice_similarity",
                    "value": round(score, 4),
                    "watch_id": watch.id,
                    "watched_call_id": watch.call_id,
                    "watched_speaker": watch.speaker,
                    "detail": f"voice matches watched voice {watch.id} ({watch.note})"
                    if watch.note
                    else f"voice matches watched voice {watch.id}",
                }
            )
    if not evidence:
        return None
    evidence.sort(key=lambda e: -float(e["value"]))
    return RaisedFlag(RULE_ID, RULE_VERSION, "suspicious_customer", "high", evidence)
