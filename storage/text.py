"""The search form of text, shared by indexing and querying so both sides agree.

FTS5's unicode61 tokenizer splits words at Arabic harakat and Hebrew niqqud, and PostgreSQL has no
Hebrew configuration, so diacritics and letter variants are folded here, in Python, for both engines.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import Levenshtein

_ARABIC_FOLD = str.maketrans(
    {
        "\u0640": None,  # tatweel
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        # Hebrew final letters match their regular forms
        "ך": "כ",
        "ם": "מ",
        "ן": "נ",
        "ף": "פ",
        "ץ": "צ",
        # geresh / gershayim (and their ASCII stand-ins) vanish inside words: צ'ק = צק, צה"ל = צהל
        "\u05f3": None,
        "\u05f4": None,
    }
)
_ARABIC_INDIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_HEBREW_QUOTE_INSIDE_WORD = re.compile(r"(?<=[\u05d0-\u05ea])['\"](?=[\u05d0-\u05ea])")
_NON_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """NFKC, case-folded, without diacritics, punctuation turned to spaces; words separated by one space."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _HEBREW_QUOTE_INSIDE_WORD.sub("", text)
    # NFD exposes combining marks (harakat, niqqud, cantillation, Latin accents) so they can be dropped.
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    folded = unicodedata.normalize("NFC", stripped).translate(_ARABIC_FOLD).translate(_ARABIC_INDIC_DIGITS)
    return " ".join(_NON_WORD.sub(" ", folded).split())


def words_of(text: str) -> list[str]:
    return normalize(text).split()


# Embeddings, overrides and isolates (U+202A-202E, U+2066-2069) reorder what is displayed around them:
# "txt\u202eexe.doc" shows as "txtcod.exe". The marks LRM, RLM and ALM only nudge neutral
# characters and are kept: Hebrew and Arabic text uses them.
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def without_bidi_controls(text: str) -> str:
    return text.translate(_BIDI_CONTROLS)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or limit + 1 once it must exceed `limit` (rapidfuzz, in C: a fuzzy word
    is compared with thousands of terms)."""
    return int(Levenshtein.distance(a, b, score_cutoff=limit))
