"""Search terms: the forms a word is indexed under, so a search finds its inflected and prefixed forms.

Indexing stores, per word, the word itself plus:
- Hebrew: the word without its attached prefixes (ו ה ב כ ל מ ש, up to three): בחשבון -> חשבונ;
- Arabic: without و/ف, ب/ك/ل and ال (and لل): وبالحساب -> بالحساب, الحساب, حساب;
- English: its Snowball stem: charged, charges -> charg.
Queries are not stripped: "חשבון" finds "בחשבון", while "בחשבון" finds only that prefixed form; the
words of a phrase likewise ("כרטיס האשראי" finds "בכרטיס האשראי"). A
remainder must keep three letters, so short words are not matched inside longer ones (לך is not מלך).
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

from .text import normalize

HEBREW_PREFIX_LETTERS = set("והבכלמש")
MIN_STEM_LETTERS = 3
_HEBREW_WORD = re.compile(r"^[\u05d0-\u05ea]+$")
_ARABIC_WORD = re.compile(r"^[\u0621-\u064a]+$")
_LATIN_WORD = re.compile(r"^[a-z]+$")
_english = snowballstemmer.stemmer("english")


def hebrew_stems(word: str) -> list[str]:
    stems = []
    for cut in range(1, 4):
        if len(word) - cut < MIN_STEM_LETTERS or word[cut - 1] not in HEBREW_PREFIX_LETTERS:
            break
        stems.append(word[cut:])
    return stems


def arabic_stems(word: str) -> list[str]:
    stems = []
    rest = word
    # conjunction, then preposition, then the article; each stripped layer is a form of its own
    for pattern in (r"^[وف]", r"^[بكل]", r"^ال"):
        match = re.match(pattern, rest)
        if match and len(rest) - match.end() >= MIN_STEM_LETTERS:
            rest = rest[match.end() :]
            stems.append(rest)
    # لل = ل + ال with the alef dropped: للحساب -> حساب
    base = word[1:] if word[:1] in ("و", "ف") else word
    if base.startswith("لل") and len(base) - 2 >= MIN_STEM_LETTERS:
        stems.append(base[2:])
    return stems


@lru_cache(maxsize=200_000)
def word_forms(word: str) -> tuple[str, ...]:
    """All forms a normalised word is indexed under, the word itself first."""
    forms = [word]
    if _LATIN_WORD.match(word):
        stem = _english.stemWord(word)
        if stem != word:
            forms.append(stem)
    elif _HEBREW_WORD.match(word):
        forms.extend(hebrew_stems(word))
    elif _ARABIC_WORD.match(word):
        forms.extend(arabic_stems(word))
    return tuple(dict.fromkeys(forms))


def is_prefixing_word(word: str) -> bool:
    """Hebrew and Arabic attach prefixes (and the article) to the word itself."""
    return bool(_HEBREW_WORD.match(word) or _ARABIC_WORD.match(word))


@lru_cache(maxsize=200_000)
def query_forms(word: str) -> tuple[str, ...]:
    """What a query word matches in the forms column: itself, and for English its stem."""
    if _LATIN_WORD.match(word):
        stem = _english.stemWord(word)
        return (word,) if stem == word else (word, stem)
    return (word,)


def index_forms(text: str) -> str:
    """The forms column for a segment: every word's forms, space-separated."""
    return " ".join(form for word in normalize(text).split() for form in word_forms(word))
