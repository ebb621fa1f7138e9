"""An extractive summary of a call, in its own language: the customer's reason, what the agent did or
promised, the outcome (resolved or not, with the turn that says so) and the follow-ups, each a turn
taken from the transcript with its times, so a reader can click through to it.

Turns are picked by cue phrases per language (cues/<language>.yaml), matched as search matches words
(stems, Hebrew and Arabic prefixes), sentence by sentence: "I can help with that. What is your date of
birth?" acts in its first sentence only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from storage.records import Segment, Transcript
from storage.terms import query_forms, word_forms
from storage.text import normalize

from ..drivers.keyphrases import customer_turns, stopwords
from ..rules.evaluate import find_phrase

CUES = Path(__file__).parent / "cues"
REASON_WITHIN_S = 120.0  # the reason is said early: later turns are the conversation about it
OUTCOME_TURNS = 3  # the last turns of the call say how it ended
MAX_ITEMS = 5  # actions and follow-ups shown, each
_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+")
Phrases = tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Cues:
    action: Phrases
    refusal: Phrases
    not_action: Phrases
    follow_up: Phrases
    resolved: Phrases
    unresolved: Phrases


@cache
def cues(language: str) -> Cues:
    code = language.split("-")[0].lower()
    path = CUES / f"{code}.yaml"
    data = yaml.safe_load((path if path.exists() else CUES / "en.yaml").read_text(encoding="utf-8"))

    def phrases(name: str) -> Phrases:
        return tuple(tuple(normalize(p).split()) for p in data.get(name, "").split(",") if normalize(p))

    return Cues(
        *(phrases(n) for n in ("action", "refusal", "not_action", "follow_up", "resolved", "unresolved"))
    )


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[tuple[str, ...], frozenset[str]]:
    tokens = tuple(normalize(text).split())
    return tokens, frozenset(form for t in tokens for form in word_forms(t))


def _says(text: str, phrases: Phrases) -> bool:
    tokens, forms = _words(text)
    # the full match only where the phrase's first word was said at all
    return any(not forms.isdisjoint(query_forms(p[0])) and find_phrase(p, tokens) for p in phrases)


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


def _item(segment: Segment, text: str | None = None) -> dict[str, Any]:
    return {"text": text or segment.text, "start": segment.start, "end": segment.end, "role": segment.role}


def _content_words(text: str, language: str) -> int:
    stop = stopwords(language)
    return sum(w not in stop and len(w) > 1 and not w.isdigit() for w in normalize(text).split())


def _reason(transcript: Transcript, named_at: set[float]) -> dict[str, Any] | None:
    """The customer's first turn that says something (a named driver's turn first); without one, the
    agent's first question (an agent-led call: "What is the card number for the payment?")."""
    language = transcript.language
    early = [s for s in customer_turns(transcript.segments) if s.start < REASON_WITHIN_S]
    said = [s for s in early if _content_words(s.text, language) >= 3]
    driven = [s for s in said if s.start in named_at]
    if driven or said:
        return _item((driven or said)[0])
    asked = [
        s for s in transcript.segments
        if s.role == "agent" and s.start < REASON_WITHIN_S and "?" in s.text and _content_words(s.text, language) >= 2
    ]  # fmt: skip
    return _item(asked[0]) if asked else None


def _acting(text: str, c: Cues) -> list[str]:
    return [
        s
        for s in _sentences(text)
        if (_says(s, c.action) or _says(s, c.refusal)) and not _says(s, c.not_action)
    ]


def _outcome(transcript: Transcript, c: Cues, sentiment: dict[str, Any]) -> dict[str, Any]:
    """Resolved or not, from the last turns (the latest that says either wins), else from how the
    customer sounded in the last minute; `null` when nothing says."""
    last = transcript.segments[-OUTCOME_TURNS:]
    verdict: tuple[bool, Segment, str] | None = None
    for s in last:
        if s.role != "agent" and _says(s.text, c.unresolved):
            verdict = (False, s, "the customer says it is not solved")
        elif s.role == "agent" and (_says(s.text, c.refusal) or _says(s.text, c.unresolved)):
            verdict = (False, s, "the agent could not help")
        elif _says(s.text, c.resolved):
            verdict = (
                True,
                s,
                "the customer says it is solved" if s.role != "agent" else "the agent says it is done",
            )
    if verdict is not None:
        resolved, segment, why = verdict
        return {"resolved": resolved, "why": why, "evidence": _item(segment)}
    mood = (sentiment.get("customer") or {}).get("last_minute")
    if mood is not None and abs(mood) >= 0.2:
        return {
            "resolved": mood > 0,
            "why": f"the customer's last minute reads {'positive' if mood > 0 else 'negative'}",
            "evidence": None,
        }
    return {"resolved": None, "why": "nothing in the call says", "evidence": None}


def summarise(
    transcript: Transcript, named: list[dict[str, Any]] | None = None, sentiment: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The call's summary; `named` are its named drivers (their turns are reasons), `sentiment` its
    characteristics.sentiment (the outcome when no turn says)."""
    c = cues(transcript.language)
    named_at = {e["start"] for d in named or [] for e in d.get("evidence", [])}
    actions, follow_ups = [], []
    for s in transcript.segments:
        if s.role != "agent":
            continue
        acted = _acting(s.text, c)
        promised = [x for x in _sentences(s.text) if _says(x, c.follow_up) and not _says(x, c.not_action)]
        if acted or promised:  # what the agent did or promised
            actions.append(_item(s, " ".join(dict.fromkeys(acted + promised))))
        if promised:
            follow_ups.append(_item(s, " ".join(promised)))
    return {
        "by": "extractive",
        "language": transcript.language,
        "reason": _reason(transcript, named_at),
        "actions": actions[:MAX_ITEMS],
        "outcome": _outcome(transcript, c, sentiment or {}) if transcript.segments else None,
        "follow_ups": follow_ups[:MAX_ITEMS],
    }
