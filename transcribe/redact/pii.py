"""Personal data in a transcript: payment cards (Luhn), CVV, expiry dates, Israeli ID numbers (check
digit), phone numbers, e-mail addresses and IBANs (mod 97), in Hebrew, Arabic and English.

Callers speak numbers, and the recogniser writes them as digits, as words or as a mix ("four five
eight zero", "ארבע חמש שמונה אפס", "أربعة خمسة", "double seven", "4580 1234"). So detection reads runs of
number tokens across a speaker's words, and classifies each run by its digits (Luhn, check digit,
phone formats) and by the nearest cue word before it ("card", "תוקף", "الهويه", ...).

Pure: words in, spans out; `redact` gives the transcript with each span replaced by a placeholder.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from storage.records import Segment, Transcript, Word
from storage.text import normalize

from .checks import CARD_FOLLOW_S, after_card, classify, iban_valid, readings

PLACEHOLDERS = {
    "card": "[CARD]",
    "cvv": "[CVV]",
    "expiry": "[EXPIRY]",
    "id_number": "[ID]",
    "phone": "[PHONE]",
    "email": "[EMAIL]",
    "iban": "[IBAN]",
}
CONTEXT_WORDS = 10  # how far back a cue word counts


def _forms(words: str) -> list[str]:
    return [normalize(w) for w in words.split()]


def _digit_words(entries: dict[str, str]) -> dict[str, str]:
    return {normalize(word): digit for words, digit in entries.items() for word in words.split()}


# Spoken digits, normalised as the search index normalises (ة→ه, final letters, no diacritics).
DIGITS = _digit_words(
    {
        "zero oh o": "0",
        "one": "1",
        "two": "2",
        "three": "3",
        "four": "4",
        "five": "5",
        "six": "6",
        "seven": "7",
        "eight": "8",
        "nine": "9",
        "אפס": "0",
        "אחת אחד": "1",
        "שתיים שתים שניים שנים": "2",
        "שלוש שלושה שלש": "3",
        "ארבע ארבעה": "4",
        "חמש חמישה": "5",
        "שש שישה": "6",
        "שבע שבעה": "7",
        "שמונה": "8",
        "תשע תשעה": "9",
        "صفر": "0",
        "واحد واحده": "1",
        "اثنين اثنان اتنين": "2",
        "ثلاثه ثلاث تلاته": "3",
        "اربعه اربع": "4",
        "خمسه خمس": "5",
        "سته ست": "6",
        "سبعه سبع": "7",
        "ثمانيه ثمان تمانيه": "8",
        "تسعه تسع": "9",
    }
)
TEENS = _digit_words(
    {
        "ten": "10",
        "eleven": "11",
        "twelve": "12",
        "thirteen": "13",
        "fourteen": "14",
        "fifteen": "15",
        "sixteen": "16",
        "seventeen": "17",
        "eighteen": "18",
        "nineteen": "19",
    }
)
TENS = _digit_words(
    {
        "twenty עשרים عشرين": "2",
        "thirty שלושים ثلاثين": "3",
        "forty ארבעים اربعين": "4",
        "fifty חמישים خمسين": "5",
        "sixty שישים ستين": "6",
        "seventy שבעים سبعين": "7",
        "eighty שמונים ثمانين": "8",
        "ninety תשעים تسعين": "9",
    }
)
MONTHS = _digit_words(
    {
        "january ינואר يناير": "01",
        "february פברואר فبراير": "02",
        "march מרץ مارس": "03",
        "april אפריל ابريل": "04",
        "may מאי مايو": "05",
        "june יוני يونيو": "06",
        "july יולי يوليو": "07",
        "august אוגוסט اغسطس": "08",
        "september ספטמבר سبتمبر": "09",
        "october אוקטובר اكتوبر": "10",
        "november נובמבר نوفمبر": "11",
        "december דצמבר ديسمبر": "12",
    }
)
REPEATS = {"double": 2, "triple": 3}
FILLERS = set(_forms("uh um er and dash hyphen space slash אה אממ ו اه و"))
AND_PREFIXES = ("ו", "و")  # "ושלוש", "وخمسه": the conjunction is written onto the number
CUES = {
    # Payment words count: the recogniser often hears "card number" as something else ("current number"),
    # and a number read out for a payment is a card's even when a misheard digit breaks its Luhn check.
    "card": _forms(
        "card credit debit visa mastercard amex payment pay charge "
        "כרטיס אשראי ויזה מאסטרקארד תשלום לתשלום بطاقه ائتمان فيزا الدفع دفع"
    ),
    "cvv": _forms("cvv cvc cvv2 security back אבטחה הגב ספרות الامان الرمز رمز الخلف"),
    "expiry": _forms("expiry expiration expires expire valid validity תוקף התוקף انتهاء الانتهاء صلاحيه"),
    "id_number": _forms("id identity teudat zehut passport תעודת זהות תז דרכון هويه الهويه جواز"),
    "phone": _forms(
        "phone mobile cell callback reach טלפון נייד פלאפון לחזור هاتف الهاتف موبايل جوال الجوال"
    ),
    "iban": _forms("iban swift אייבן ايبان"),
}
# A cue matches a word that is the cue or carries it after a prefix ("בכרטיס", "والبطاقه").
# Digits read out pause between groups (under a second on the card fixture); a longer silence ends the
# number: the expiry asked for next is a number of its own, not eight more digits of the card.
RUN_GAP_S = 2.5
_HEBREW_ARABIC = re.compile(r"[\u05d0-\u05ea\u0621-\u064a]")
WRITTEN_IBAN = re.compile(r"[a-z]{2}\d{2}[a-z0-9]{10,30}")
EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
AT_WORDS = set(_forms("at @ שטרודל ات"))
DOT_WORDS = set(_forms("dot נקודה نقطه دوت"))


@dataclass(frozen=True, slots=True)
class Span:
    """One piece of personal data: which words (segment index, word index), when, and what kind."""

    kind: str
    words: tuple[tuple[int, int], ...]
    start: float
    end: float
    speaker: str


@dataclass(frozen=True, slots=True)
class _Token:
    form: str  # normalised
    raw: str
    where: tuple[int, int]
    start: float
    end: float


def _word_tokens(transcript: Transcript) -> dict[str, list[_Token]]:
    """Each speaker's words in time order, split into normalised tokens ("4580-1234" is two)."""
    by_speaker: dict[str, list[_Token]] = {}
    for s_index, segment in enumerate(transcript.segments):
        words = segment.words or _words_of_text(segment)
        for w_index, word in enumerate(words):
            for form in normalize(word.word).split() or [""]:
                by_speaker.setdefault(segment.speaker, []).append(
                    _Token(form, word.word, (s_index, w_index), word.start, word.end)
                )
    for tokens in by_speaker.values():
        tokens.sort(key=lambda t: (t.start, t.where))
    return by_speaker


def _words_of_text(segment: Segment) -> tuple[Word, ...]:
    """Segments without word timings (some imports): words spread evenly over the segment."""
    parts = segment.text.split()
    step = (segment.end - segment.start) / max(1, len(parts))
    return tuple(
        Word(segment.start + i * step, segment.start + (i + 1) * step, part, 1.0)
        for i, part in enumerate(parts)
    )


def _number(tokens: list[_Token], i: int, in_run: bool) -> tuple[str, int] | None:
    """The digits tokens[i:] start with and how many tokens they take, or None."""
    form = tokens[i].form
    if form.isdigit():
        return form, 1
    for prefix in AND_PREFIXES:
        if in_run and form.startswith(prefix) and form[1:] in DIGITS:
            form = form[1:]
    if form in REPEATS and i + 1 < len(tokens) and tokens[i + 1].form in DIGITS:
        return DIGITS[tokens[i + 1].form] * REPEATS[form], 2
    if form in TENS:
        unit = tokens[i + 1].form if i + 1 < len(tokens) else ""
        unit = unit[1:] if unit[:1] in AND_PREFIXES and unit[1:] in DIGITS else unit
        if unit in DIGITS and DIGITS[unit] != "0" and unit not in ("oh", "o"):
            return TENS[form] + DIGITS[unit], 2
        return TENS[form] + "0", 1
    if form in TEENS:
        return TEENS[form], 1
    if form in MONTHS:
        return MONTHS[form], 1
    if form in DIGITS and (in_run or form not in ("oh", "o")):
        return DIGITS[form], 1
    if form in ("oh", "o") and i + 1 < len(tokens) and _number(tokens, i + 1, in_run=True):
        return "0", 1  # "oh five four ...": a spoken zero opens a number
    return None


def _runs(tokens: list[_Token]) -> list[tuple[int, int, list[str], list[int]]]:
    """(first token, last token, the digits of each step, each step's first token) of each run of
    spoken or written numbers."""
    runs = []
    i = 0
    while i < len(tokens):
        found = _number(tokens, i, in_run=False)
        if found is None or tokens[i].form in MONTHS and not _month_in_date(tokens, i):
            i += 1
            continue
        first, pieces, at, i = i, [found[0]], [i], i + found[1]
        last = i - 1
        while i < len(tokens):
            if tokens[i].start - tokens[i - 1].end > RUN_GAP_S:  # a new answer, not more of this number
                break
            step = _number(tokens, i, in_run=True)
            if step is None and tokens[i].form in FILLERS and i + 1 < len(tokens):
                following = _number(tokens, i + 1, in_run=True)
                if following is not None:
                    step, i = following, i + 1
            if step is None:
                break
            pieces.append(step[0])
            at.append(i)
            i += step[1]
            last = i - 1
        runs.append((first, last, pieces, at))
    return runs


def _month_in_date(tokens: list[_Token], i: int) -> bool:
    """A month name starts a run only when a number follows it ("December twenty seven")."""
    return i + 1 < len(tokens) and _number(tokens, i + 1, in_run=True) is not None


def _cues(timeline: list[_Token], starts: list[float], before: float) -> list[str]:
    """The kinds of cue words said (by anyone: the agent asks, the customer answers) in the words just
    before `before`, nearest first."""
    found: list[str] = []
    end = bisect.bisect_left(starts, before)
    for token in reversed(timeline[max(0, end - CONTEXT_WORDS) : end]):
        for kind, cues in CUES.items():
            if kind not in found and (
                token.form in cues
                or (
                    _HEBREW_ARABIC.search(token.form)
                    and any(len(cue) >= 3 and token.form.endswith(cue) for cue in cues)
                )
            ):
                found.append(kind)
    return found


def find_pii(transcript: Transcript) -> list[Span]:
    spans = []
    by_speaker = _word_tokens(transcript)
    timeline = sorted((t for tokens in by_speaker.values() for t in tokens), key=lambda t: (t.start, t.where))
    starts = [t.start for t in timeline]
    for speaker, tokens in by_speaker.items():
        used: set[int] = set()
        for index, token in enumerate(tokens):  # written addresses: one word, several tokens
            if WRITTEN_IBAN.fullmatch(token.form) and iban_valid(token.form):
                spans.append(_span("iban", [token], speaker))
                used.add(index)
            elif EMAIL.match(token.raw.strip(".,;:!?\"'()")):
                same_word = [j for j in range(index, len(tokens)) if tokens[j].where == token.where]
                if index not in used:
                    spans.append(_span("email", [tokens[j] for j in same_word], speaker))
                used.update(same_word)
        spans += _spoken_emails(tokens, speaker, used)
        card_said_at: float | None = None
        for first, last, pieces, at in _runs(tokens):
            if used & set(range(first, last + 1)):
                continue
            letters, letter_tokens = _iban_letters(tokens, first)
            cues = _cues(timeline, starts, tokens[first - letter_tokens].start)
            kind = next(
                (k for digits in readings(pieces) if (k := classify(digits, cues, letters)) is not None), None
            )
            if (
                kind is None
                and card_said_at is not None
                and tokens[first].start - card_said_at <= CARD_FOLLOW_S
            ):
                ends = [*at[1:], last + 1]  # the token after each piece
                parts = after_card(pieces)
                if not parts and _says_only(tokens, first, last, pieces):
                    # a code heard in part: "three one seven" written "3 -1 -pammon"
                    parts = [("cvv", 0, len(pieces) - 1)]
                for part, a, b in parts:
                    spans.append(_span(part, tokens[at[a] : ends[b]], speaker))
                continue
            if kind == "card":
                card_said_at = tokens[last].end
            if kind is not None:
                start = first - (letter_tokens if kind == "iban" else 0)
                spans.append(_span(kind, tokens[start : last + 1], speaker))
    return sorted(spans, key=lambda s: (s.start, s.speaker))


def _says_only(tokens: list[_Token], first: int, last: int, pieces: Sequence[str]) -> bool:
    """A short number (two to four digits) that is what its turn says: no more other words than its
    own. Soon after a card, that is its security code even when a digit was misheard as a word."""
    turn = sum(t.where[0] == tokens[first].where[0] for t in tokens)
    taken = last - first + 1
    return 2 <= len("".join(pieces)) <= 4 and turn - taken <= taken


def _iban_letters(tokens: list[_Token], first: int) -> tuple[str, int]:
    """An IBAN's country code before its digits: "IL", or spelt "I L"."""
    if first >= 1 and re.fullmatch(r"[a-z]{2}", tokens[first - 1].form):
        return tokens[first - 1].form.upper(), 1
    if first >= 2 and all(re.fullmatch(r"[a-z]", tokens[j].form) for j in (first - 2, first - 1)):
        return (tokens[first - 2].form + tokens[first - 1].form).upper(), 2
    return "", 0


def _spoken_emails(tokens: list[_Token], speaker: str, used: set[int]) -> list[Span]:
    """ "dana at example dot com": a name, an at-word, then labels joined by dot-words."""
    spans = []
    for at in range(1, len(tokens) - 2):
        if tokens[at].form not in AT_WORDS or not tokens[at - 1].form.isalnum():
            continue
        end, j = None, at + 1
        while j + 2 < len(tokens) + 1 and j < len(tokens) and tokens[j].form.isalnum():
            if j + 2 < len(tokens) and tokens[j + 1].form in DOT_WORDS and tokens[j + 2].form.isalpha():
                end, j = j + 2, j + 2
                continue
            break
        if end is not None:
            spans.append(_span("email", tokens[at - 1 : end + 1], speaker))
            used.update(range(at - 1, end + 1))
    return spans


def _span(kind: str, tokens: Sequence[_Token], speaker: str) -> Span:
    where = tuple(dict.fromkeys(t.where for t in tokens))
    return Span(kind, where, min(t.start for t in tokens), max(t.end for t in tokens), speaker)


def redact(transcript: Transcript, spans: Sequence[Span]) -> Transcript:
    """The transcript with each span's words replaced by its placeholder (one word per segment piece)."""
    marked: dict[tuple[int, int], str] = {}
    for span in spans:
        for where in span.words:
            marked[where] = PLACEHOLDERS[span.kind]
    if not marked:
        return transcript
    segments = []
    for s_index, segment in enumerate(transcript.segments):
        words = segment.words or _words_of_text(segment)
        if not any((s_index, w) in marked for w in range(len(words))):
            segments.append(segment)
            continue
        out: list[Word] = []
        for w_index, word in enumerate(words):
            placeholder = marked.get((s_index, w_index))
            if placeholder is None:
                out.append(word)
            elif out and out[-1].word == placeholder and (s_index, w_index - 1) in marked:
                out[-1] = replace(out[-1], end=word.end)  # one placeholder for the whole run
            else:
                out.append(Word(word.start, word.end, placeholder, 1.0))
        text = " ".join(w.word for w in out)
        segments.append(replace(segment, text=text, words=tuple(out) if segment.words else ()))
    return replace(transcript, segments=tuple(segments))


def summarise(spans: Sequence[Span]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for span in spans:
        counts[span.kind] = counts.get(span.kind, 0) + 1
    return counts
