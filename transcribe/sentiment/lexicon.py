"""The sentiment lexicons (lexicons/<language>.yaml), folded to the search form of text so a word
matches however it was written (case, diacritics, Hebrew final letters, Arabic letter variants)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from storage.text import normalize

HERE = Path(__file__).parent / "lexicons"
LANGUAGES = ("en", "he", "ar")


@dataclass(frozen=True, slots=True)
class Lexicon:
    words: dict[str, float]  # valence, -4 to +4
    phrases: dict[tuple[str, ...], float]  # several words with a valence of their own
    negators: frozenset[str]  # flip what follows within NEGATION_WINDOW words
    boosters: dict[str, float]  # scale the next sentiment word: "very" 1.4, "slightly" 0.6
    contrasts: frozenset[str]  # "but": what follows counts more than what came before
    prefixes: tuple[str, ...]  # written onto a word: Hebrew ו ה ב ל ש מ כ, Arabic و ف ب ل ك ال
    suffixes: tuple[str, ...]  # endings to try without: plurals, feminine, pronouns
    # The phrases by their first word, in lexicon order: a word is tried only against its own.
    phrases_starting: dict[str, tuple[tuple[tuple[str, ...], float], ...]]


def _fold(word: str) -> str:
    return normalize(word).replace(" ", "")


@cache
def lexicon(language: str) -> Lexicon:
    """The lexicon for a language code ("he", "he-IL"); English for a language without one."""
    code = language.split("-")[0].lower()
    data = yaml.safe_load((HERE / f"{code if code in LANGUAGES else 'en'}.yaml").read_text(encoding="utf-8"))
    words: dict[str, float] = {}
    phrases: dict[tuple[str, ...], float] = {}
    for valence, entries in (data.get("valence") or {}).items():
        for entry in entries.split(","):
            folded = normalize(entry).split()
            if len(folded) == 1:
                words[folded[0]] = float(valence)
            elif folded:
                phrases[tuple(folded)] = float(valence)
    boosters = {
        _fold(w): float(scale) for scale, ws in (data.get("boosters") or {}).items() for w in ws.split(",")
    }
    return Lexicon(
        words,
        phrases,
        frozenset(_fold(w) for w in data.get("negators", "").split(",") if w.strip()),
        boosters,
        frozenset(_fold(w) for w in data.get("contrasts", "").split(",") if w.strip()),
        tuple(
            sorted(
                (_fold(p) for p in data.get("prefixes", "").split(",") if p.strip()), key=len, reverse=True
            )
        ),
        tuple(
            sorted(
                (_fold(s) for s in data.get("suffixes", "").split(",") if s.strip()), key=len, reverse=True
            )
        ),
        {
            first: tuple((p, v) for p, v in phrases.items() if p[0] == first)
            for first in dict.fromkeys(p[0] for p in phrases)
        },
    )
