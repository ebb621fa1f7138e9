"""What a customer says the call is about, as keyphrases: the content words of their turns (stop
words dropped) and the pairs of neighbouring content words, each under a key that folds its inflected
and prefixed forms together ("charged", "charges" -> "charg"; "הכרטיס", "בכרטיס" -> one key), with the
form it was said in for people to read."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from storage.records import Segment
from storage.terms import word_forms
from storage.text import normalize

HERE = Path(__file__).parent
MAX_KEYPHRASES = 40  # kept per call: enough for its reasons, bounded for the database
# Attached pronouns and plural endings; not "ه", which is also the folded ta marbuta (ة).
_ARABIC_ENDINGS = ("كم", "هم", "ها", "نا", "ات", "ين", "ون", "ي", "ك")
_ARABIC_ARTICLE = re.compile(r"^(?:[وف]?(?:[بكل]?ال|لل))")
_HEBREW_FINALS = str.maketrans("כמנפצ", "ךםןףץ")


@cache
def stopwords(language: str) -> frozenset[str]:
    data = yaml.safe_load((HERE / "stopwords.yaml").read_text(encoding="utf-8"))
    code = language.split("-")[0].lower()
    words = data.get(code) or data["en"]
    return frozenset(w for entry in words.split(",") for w in normalize(entry).split())


def _arabic_stem(word: str) -> str:
    """Without the article and what is written onto it (وال, بال, لل), and without an attached pronoun
    or plural ending: "بطاقتي", "البطاقة", "بالبطاقات" -> "بطاقه". A bare و, ف, ب, ك or ل is left on:
    it is as often the word's own first letter (فاتورة, وقت)."""
    article = _ARABIC_ARTICLE.match(word)
    if article and len(word) - article.end() >= 3:
        word = word[article.end() :]
    for ending in _ARABIC_ENDINGS:
        rest = word[: -len(ending)]
        if word.endswith(ending) and len(rest) >= 3:
            # ة is written ت before an ending; feminine plurals (ات) are of words ending in ة
            return rest[:-1] + "ه" if rest.endswith("ت") else rest + ("ه" if ending == "ات" else "")
    return word


def word_key(word: str) -> str:
    """One key for a word's forms: English its Snowball stem, Hebrew without prefix letters (as search
    strips them), Arabic without article and endings."""
    if "\u0621" <= word[:1] <= "\u064a":
        return _arabic_stem(word)
    return word_forms(word)[-1]


def readable(word: str) -> str:
    """A folded word as people write it: Hebrew final letters back at the end."""
    if "\u05d0" <= word[-1:] <= "\u05ea":
        return word[:-1] + word[-1].translate(_HEBREW_FINALS)
    return word


@dataclass(frozen=True, slots=True)
class Keyphrases:
    counts: Counter[str]  # key -> times said
    surfaces: dict[str, str]  # key -> the words as first said


def keyphrases(texts: Iterable[str], language: str) -> Keyphrases:
    """Keys of the content words and of neighbouring content-word pairs in `texts`."""
    stop = stopwords(language)
    counts: Counter[str] = Counter()
    surfaces: dict[str, str] = {}
    for text in texts:
        previous: tuple[str, str] | None = None
        for word in normalize(text).split():
            if word in stop or len(word) < 2 or word.isdigit():
                previous = None  # a pair is two content words said together
                continue
            key = word_key(word)
            counts[key] += 1
            shown = readable(word)
            surfaces.setdefault(key, shown)
            if previous is not None:
                pair = f"{previous[0]} {key}"
                counts[pair] += 1
                surfaces.setdefault(pair, f"{previous[1]} {shown}")
            previous = (key, shown)
    return Keyphrases(counts, surfaces)


def customer_turns(segments: Iterable[Segment]) -> list[Segment]:
    """The customer's segments; on a call without roles, everything not said by the agent."""
    segments = list(segments)
    said = [s for s in segments if s.role == "customer"]
    return said or [s for s in segments if s.role != "agent"]


def call_keyphrases(segments: Iterable[Segment], language: str) -> list[list[str]]:
    """The call's most said keyphrases as [key, surface] pairs (pairs of words first among equals)."""
    found = keyphrases((s.text for s in customer_turns(segments)), language)
    ranked = sorted(found.counts, key=lambda k: (-found.counts[k], -k.count(" "), k))
    return [[key, found.surfaces[key]] for key in ranked[:MAX_KEYPHRASES]]
