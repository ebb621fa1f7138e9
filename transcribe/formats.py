"""Transcript renderings: the v1 JSON shape, SRT, WebVTT, plain text and RTTM. Pure."""

from __future__ import annotations

from typing import Any

from storage.records import Transcript

from .confidence import segment_confidence
from .overlaps import overlapped_segments, speech_overlaps
from .sentiment.call import with_sentiment

FORMATS = ("json", "srt", "vtt", "txt", "rttm")
MEDIA_TYPES = {
    "json": "application/json",
    "srt": "application/x-subrip",
    "vtt": "text/vtt",
    "txt": "text/plain",
    "rttm": "text/plain",
}


def to_json(transcript: Transcript) -> dict[str, Any]:
    if any(s.sentiment is None for s in transcript.segments):  # stored before sentiment, or partial
        transcript = with_sentiment(transcript)
    overlaps = speech_overlaps(transcript)
    overlapped = overlapped_segments(transcript, overlaps)
    return {
        "language": transcript.language,
        "duration": round(transcript.duration, 3),
        "speakers": [s.as_dict() for s in transcript.speakers],
        "segments": [
            {
                "start": s.start,
                "end": s.end,
                "speaker": s.speaker,
                "role": s.role,
                "channel": s.channel,
                "text": s.text,
                "overlapped": index in overlapped,
                "confidence": segment_confidence(s),
                "sentiment": s.sentiment,
                "sentiment_score": s.sentiment_score,
                "words": [
                    {"start": w.start, "end": w.end, "word": w.word, "probability": w.probability}
                    for w in s.words
                ],
            }
            for index, s in enumerate(transcript.segments)
        ],
        "overlaps": [{"start": o.start, "end": o.end, "speakers": list(o.speakers)} for o in overlaps],
    }


def _clock(seconds: float, separator: str) -> str:
    millis = int(round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def to_srt(transcript: Transcript) -> str:
    blocks = [
        f"{n}\n{_clock(s.start, ',')} --> {_clock(s.end, ',')}\n[{s.role}] {s.text}\n"
        for n, s in enumerate(transcript.segments, start=1)
    ]
    return "\n".join(blocks)


def to_vtt(transcript: Transcript) -> str:
    # <v name> voice spans let players show who speaks.
    cues = [
        f"{_clock(s.start, '.')} --> {_clock(s.end, '.')}\n<v {s.role}>{s.text}\n"
        for s in transcript.segments
    ]
    return "WEBVTT\n\n" + "\n".join(cues)


def to_txt(transcript: Transcript) -> str:
    return "".join(f"[{_clock(s.start, '.')}] {s.role}: {s.text}\n" for s in transcript.segments)


def to_rttm(transcript: Transcript, recording_id: str = "call") -> str:
    return "".join(
        f"SPEAKER {recording_id} 1 {s.start:.3f} {max(0.0, s.end - s.start):.3f} <NA> <NA> {s.speaker} <NA> <NA>\n"
        for s in transcript.segments
    )


def render(transcript: Transcript, fmt: str, recording_id: str = "call") -> str:
    if fmt == "srt":
        return to_srt(transcript)
    if fmt == "vtt":
        return to_vtt(transcript)
    if fmt == "txt":
        return to_txt(transcript)
    if fmt == "rttm":
        return to_rttm(transcript, recording_id)
    raise ValueError(f"unknown transcript format {fmt!r}; choose one of {', '.join(FORMATS)}")
