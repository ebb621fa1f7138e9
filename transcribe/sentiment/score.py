"""The sentiment of one utterance: a score in [-1, 1] and a label.

Each word with a valence counts once; a booster before it scales it ("very good", "ממש טוב"); a
negator up to three words before flips and damps it ("not happy", "לא מרוצה", "مش راضي"); after a
contrast word ("but", "אבל", "بس") the words count more than before it; exclamation marks push
further the way the words already lean. The sum is squashed into [-1, 1] as VADER does."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from storage.text import normalize

from .lexicon import Lexicon, lexicon

NEGATION_WINDOW = 3  # words
NEGATED = -0.74  # a negated word is weaker than its opposite ("not good" is not "bad")...
NEGATED_AT_LEAST = 1.0  # ...but a negated plain word still says something ("doesn't work")
BEFORE_CONTRAST, AFTER_CONTRAST = 0.5, 1.5
ALPHA = 15.0  # squashing: a sum of 4 is about 0.72
POSITIVE_FROM, NEGATIVE_FROM = 0.3, -0.2  # call-centre talk leans polite: positive needs more
# English contractions lose their apostrophe in the search form: "don't" is "don t".
_NT = re.compile(r"\b(do|does|did|is|was|are|were|wo|ca|can|could|would|should|has|have|had|ai)n t\b")
# A negation reaches no further than its clause: "No, the service is excellent" is not negated.
_CLAUSE_END = re.compile(r"[.,;:!?\u060c\u061b\u061f]")


@dataclass(frozen=True, slots=True)
class Sentiment:
    label: str  # "positive" | "neutral" | "negative"
    score: float  # -1 to 1


def _valence(word: str, lex: Lexicon) -> float | None:
    """The word's valence, trying it without a prefix written onto it and without an ending; a stem
    of two letters counts only as written ("שקל" is a shekel, not ש + "קל", easy)."""
    if word in lex.words:
        return lex.words[word]
    for stem in _stems(word, lex):
        if len(stem) >= 3 and stem in lex.words:
            return lex.words[stem]
    return None


def _forms(word: str, lex: Lexicon) -> list[str]:
    """The word, and the word without each prefix it may carry ("ולא", "والخدمه")."""
    return [word] + [word[len(p) :] for p in lex.prefixes if word.startswith(p) and len(word) - len(p) >= 2]


def _stems(word: str, lex: Lexicon) -> list[str]:
    forms = _forms(word, lex)
    stems = list(forms)
    for form in forms:
        for suffix in lex.suffixes:
            if form.endswith(suffix) and len(form) - len(suffix) >= 2:
                stems.append(form[: -len(suffix)])
    return stems


def _is(word: str, kinds: frozenset[str] | dict[str, float], lex: Lexicon) -> str | None:
    return next((form for form in _forms(word, lex) if form in kinds), None)


def score_text(text: str, language: str) -> Sentiment:
    lex = lexicon(language)
    clauses = [_NT.sub(lambda m: m.group(1) + " not", normalize(c)).split() for c in _CLAUSE_END.split(text)]
    words = [w for clause in clauses for w in clause]
    clause_of = [n for n, clause in enumerate(clauses) for _ in clause]
    values: list[tuple[int, float]] = []  # (word index, signed valence)
    i = 0
    while i < len(words):
        taken, valence = 1, None
        for phrase, phrase_valence in lex.phrases_starting.get(words[i], ()):
            if tuple(words[i : i + len(phrase)]) == phrase and len(phrase) > taken - 1:
                taken, valence = len(phrase), phrase_valence
        if valence is None:
            valence = _valence(words[i], lex)
        if valence is not None:
            before = [
                w
                for j, w in enumerate(words[max(0, i - NEGATION_WINDOW) : i], max(0, i - NEGATION_WINDOW))
                if clause_of[j] == clause_of[i]
            ]
            booster = _is(before[-1], lex.boosters, lex) if before else None
            if booster is not None:
                valence *= lex.boosters[booster]
            if any(_is(w, lex.negators, lex) for w in before):
                valence = NEGATED * valence if valence < 0 else -max(-NEGATED * valence, NEGATED_AT_LEAST)
            values.append((i, valence))
        i += taken
    contrast = max((j for j, w in enumerate(words) if _is(w, lex.contrasts, lex)), default=-1)
    total = sum(
        v * (BEFORE_CONTRAST if j < contrast else AFTER_CONTRAST if contrast >= 0 else 1) for j, v in values
    )
    if total:
        total += math.copysign(min(text.count("!"), 3) * 0.3, total)
    score = round(total / math.sqrt(total * total + ALPHA), 3)
    label = "positive" if score >= POSITIVE_FROM else "negative" if score <= NEGATIVE_FROM else "neutral"
    return Sentiment(label, score)
