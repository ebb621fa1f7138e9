"""How far a transcript can be trusted, from the transcript alone. Pure.

Two signals, both probabilities: the words' probabilities from the decoder, and how sure language
identification was on each side. A call is only as trustworthy as its least certain side. Measured with
the base model (bench/accuracy.py and the scripted calls):
- real English speech: words 0.79-0.94 mean per side, language 0.70-0.95;
- scripted English calls: words 0.73-0.89, language 0.70-0.88;
- scripted Hebrew and Arabic heard as English: language 0.12-0.32, words 0.10-0.66 or none at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.records import Segment, Transcript

# Below this, a side's language is a guess (Whisper picks among ~100 languages; the second best is close).
UNCERTAIN_LANGUAGE = 0.5
# Below this mean word probability the words are more guessed than heard.
LOW_WORD_PROBABILITY = 0.6
# A side with fewer words than this cannot show that something was never said.
FEW_WORDS = 5


@dataclass(frozen=True, slots=True)
class Confidence:
    score: float  # 0-1: the least certain of the word and language signals
    word_probability: float | None  # mean over every word; None without words
    language_probability: float | None  # the least sure side's identification; None: language given
    words_by_role: dict[str, int]
    reasons: tuple[str, ...]  # why it is low; empty when it is not

    @property
    def is_low(self) -> bool:
        return bool(self.reasons)

    def as_json(self) -> dict:
        return {
            "score": self.score,
            "word_probability": self.word_probability,
            "language_probability": self.language_probability,
            "words_by_role": self.words_by_role,
            "reasons": list(self.reasons),
        }


def segment_confidence(segment: Segment) -> float | None:
    """Mean probability of the segment's words; None for a segment without word timings."""
    if not segment.words:
        return None
    return round(sum(w.probability for w in segment.words) / len(segment.words), 3)


def transcript_confidence(transcript: Transcript, expected_roles: Sequence[str] = ()) -> Confidence:
    """The call's confidence and, when it is low, the reasons: "uncertain_language", "low_word_probability",
    "no_words", "few_words:<role>" (for each expected role that said almost nothing)."""
    probabilities = [w.probability for s in transcript.segments for w in s.words]
    words_by_role: dict[str, int] = {}
    for segment in transcript.segments:
        words_by_role[segment.role] = words_by_role.get(segment.role, 0) + max(1, len(segment.words))
    word_probability = round(sum(probabilities) / len(probabilities), 3) if probabilities else None
    spoke = {s.speaker for s in transcript.segments}
    identified = [
        s.language_probability
        for s in transcript.speakers
        if s.language_probability is not None and (s.id in spoke or not spoke)
    ]
    language_probability = round(min(identified), 3) if identified else None
    reasons = []
    if language_probability is not None and language_probability < UNCERTAIN_LANGUAGE:
        reasons.append("uncertain_language")
    if not transcript.segments:
        reasons.append("no_words")
    elif word_probability is not None and word_probability < LOW_WORD_PROBABILITY:
        reasons.append("low_word_probability")
    reasons += [f"few_words:{role}" for role in expected_roles if words_by_role.get(role, 0) < FEW_WORDS]
    signals = [p for p in (word_probability, language_probability) if p is not None]
    score = round(min(signals), 3) if signals else (0.0 if not transcript.segments else 1.0)
    return Confidence(score, word_probability, language_probability, words_by_role, tuple(reasons))
