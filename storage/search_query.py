"""The search query language, parsed into a small tree. Shared by the API, the CLI and both engines.

refund charged             all words (in one segment; English stems, Hebrew/Arabic prefixes match)
"charged twice"            exact phrase (diacritics, case and letter variants still fold)
refund OR chargeback       either
-retention                 segments with this word are excluded
refun*                     words starting with "refun"
refnud~                    fuzzy: words within one or two edits (also tried when nothing matches)
speaker:agent  agent:dana  customer:+97250...  direction:inbound  language:he  status:done
after:2026-01-01  before:2026-02-01  duration>60  duration<600
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from .errors import InvalidQuery
from .text import normalize

MAX_CLAUSES = 32
# Words in all (OR options and phrase words included), and fuzzy words: each fuzzy word becomes up to
# 20 vocabulary terms, so a query of many of them could pin the server.
MAX_TERMS = 32
MAX_FUZZY_WORDS = 6
ROLES = ("agent", "customer", "other")
DIRECTIONS = ("inbound", "outbound", "internal")
STATUSES = ("queued", "processing", "done", "failed")
FLAG_CATEGORIES = ("agent_conduct", "suspicious_customer", "complaint", "compliance")
_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')
_FIELD = re.compile(
    r"^(speaker|agent|customer|direction|language|lang|status|after|before|flag|sentiment|driver|medium):(.+)$"
)
SENTIMENTS = ("positive", "neutral", "negative")
MEDIA = ("call", "chat", "email")
_DURATION = re.compile(r"^duration([<>])(\d+(?:\.\d+)?)$")


@dataclass(frozen=True, slots=True)
class Word:
    text: str  # normalised
    prefix: bool = False
    fuzzy: bool = False


@dataclass(frozen=True, slots=True)
class Phrase:
    words: tuple[str, ...]  # normalised


@dataclass(frozen=True, slots=True)
class AnyOf:
    options: tuple[Word | Phrase, ...]


Clause = Word | Phrase | AnyOf


@dataclass(frozen=True, slots=True)
class Filters:
    speaker: str | None = None
    agent_id: str | None = None
    customer_number: str | None = None
    direction: str | None = None
    language: str | None = None
    status: str | None = None
    after: datetime | None = None
    before: datetime | None = None
    min_duration: float | None = None
    max_duration: float | None = None
    flag: str | None = None  # a flag category the call carries (not dismissed)
    sentiment: str | None = None  # the matching segment reads positive, neutral or negative
    driver: str | None = None  # the call has this driver (named or discovered)
    medium: str | None = None  # call, chat or email
    # The searcher's scope (storage/teams.py), never typed in a query: None means every call.
    agent_ids: frozenset[str] | None = None

    def merged(self, other: Filters) -> Filters:
        """Values set in `other` win (query-string parameters over the same filters typed in q)."""
        return replace(
            self, **{k: getattr(other, k) for k in self.__slots__ if getattr(other, k) is not None}
        )


@dataclass(frozen=True, slots=True)
class Query:
    required: tuple[Clause, ...]
    excluded: tuple[Clause, ...] = ()
    filters: Filters = field(default_factory=Filters)

    def with_fuzzy_words(self) -> Query:
        """The automatic fallback: every plain word becomes fuzzy."""

        def fuzz(clause: Clause) -> Clause:
            if isinstance(clause, Word) and not clause.prefix:
                return Word(clause.text, fuzzy=True)
            if isinstance(clause, AnyOf):
                return AnyOf(tuple(fuzz(option) for option in clause.options))  # type: ignore[misc]
            return clause

        return replace(self, required=tuple(fuzz(c) for c in self.required))

    @property
    def has_fuzzy(self) -> bool:
        return self.fuzzy_words > 0

    @property
    def fuzzy_words(self) -> int:
        return sum(isinstance(w, Word) and w.fuzzy for w in _leaves(self.required))

    @property
    def term_count(self) -> int:
        leaves = _leaves(self.required + self.excluded)
        return sum(len(leaf.words) if isinstance(leaf, Phrase) else 1 for leaf in leaves)

    @property
    def words(self) -> set[str]:
        """Normalised words the query looks for, for highlighting."""
        found: set[str] = set()

        def collect(clause: Clause) -> None:
            if isinstance(clause, AnyOf):
                for option in clause.options:
                    collect(option)
            elif isinstance(clause, Phrase):
                found.update(clause.words)
            else:
                found.add(clause.text)

        for clause in self.required:
            collect(clause)
        return found


def _leaves(clauses: tuple[Clause, ...]) -> list[Word | Phrase]:
    return [o for c in clauses for o in (c.options if isinstance(c, AnyOf) else (c,))]


def _date(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidQuery(f"{name}: expects a date like 2026-01-31, got {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _apply_field(filters: Filters, name: str, value: str) -> Filters:
    if name == "speaker":
        if value not in ROLES:
            raise InvalidQuery(f"speaker: must be one of {', '.join(ROLES)}, got {value!r}")
        return replace(filters, speaker=value)
    if name == "direction":
        if value not in DIRECTIONS:
            raise InvalidQuery(f"direction: must be one of {', '.join(DIRECTIONS)}, got {value!r}")
        return replace(filters, direction=value)
    if name == "status":
        if value not in STATUSES:
            raise InvalidQuery(f"status: must be one of {', '.join(STATUSES)}, got {value!r}")
        return replace(filters, status=value)
    if name in ("language", "lang"):
        if not re.fullmatch(r"[a-z]{2,3}", value):
            raise InvalidQuery(f"language: expects a code like he, ar or en, got {value!r}")
        return replace(filters, language=value)
    if name == "after":
        return replace(filters, after=_date(value, name))
    if name == "before":
        return replace(filters, before=_date(value, name))
    if name == "flag":
        if value not in FLAG_CATEGORIES:
            raise InvalidQuery(f"flag: must be one of {', '.join(FLAG_CATEGORIES)}, got {value!r}")
        return replace(filters, flag=value)
    if name == "sentiment":
        if value not in SENTIMENTS:
            raise InvalidQuery(f"sentiment: must be one of {', '.join(SENTIMENTS)}, got {value!r}")
        return replace(filters, sentiment=value)
    if name == "medium":
        if value not in MEDIA:
            raise InvalidQuery(f"medium: must be one of {', '.join(MEDIA)}, got {value!r}")
        return replace(filters, medium=value)
    if name == "driver":
        if not re.fullmatch(r"[a-z0-9._-]{1,64}", value):
            raise InvalidQuery(f"driver: expects a driver id like billing.refund, got {value!r}")
        return replace(filters, driver=value)
    if name == "agent":
        return replace(filters, agent_id=value)
    return replace(filters, customer_number=value)


def _word(raw: str) -> Word | None:
    prefix = raw.endswith("*")
    fuzzy = raw.endswith("~")
    core = raw.rstrip("*~")
    words = normalize(core).split()
    if not words:
        return None
    if len(words) > 1:
        raise InvalidQuery(f"{raw!r} holds several words; quote it to search for a phrase")
    if prefix and len(words[0]) < 2:
        raise InvalidQuery(f"{raw!r}: a prefix search needs at least two letters")
    return Word(words[0], prefix=prefix, fuzzy=fuzzy)


def parse_query(text: str) -> Query:
    """Parse the query language; InvalidQuery (HTTP 400) says what is wrong."""
    if text.count('"') % 2:
        raise InvalidQuery('unbalanced quote: close every "phrase"')
    filters = Filters()
    required: list[Clause] = []
    excluded: list[Clause] = []
    pending_or = False
    for match in _TOKEN.finditer(text):
        negated, quoted, bare = match.group(1) == "-", match.group(2), match.group(3)
        clause: Clause | None
        if quoted is not None:
            words = tuple(normalize(quoted).split())
            if not words:
                continue
            clause = Phrase(words)  # a quoted single word matches exactly, without stems or prefixes
        else:
            if bare == "OR":
                if not required or pending_or:
                    raise InvalidQuery("OR needs a term on each side")
                pending_or = True
                continue
            if (field_match := _FIELD.match(bare)) is not None:
                filters = _apply_field(filters, field_match.group(1), field_match.group(2))
                continue
            if (duration := _DURATION.match(bare)) is not None:
                seconds = float(duration.group(2))
                if duration.group(1) == ">":
                    filters = replace(filters, min_duration=seconds)
                else:
                    filters = replace(filters, max_duration=seconds)
                continue
            negated = bare.startswith("-") and len(bare) > 1
            clause = _word(bare[1:] if negated else bare)
            if clause is None:
                continue
        if negated:
            if pending_or:
                raise InvalidQuery("OR cannot join an excluded term")
            excluded.append(clause)
            continue
        if pending_or:
            previous = required.pop()
            options = previous.options if isinstance(previous, AnyOf) else (previous,)
            clause = AnyOf((*options, clause))  # type: ignore[arg-type]
            pending_or = False
        required.append(clause)
    if pending_or:
        raise InvalidQuery("OR needs a term on each side")
    if not required:
        raise InvalidQuery(
            "the query has no words to search for" + (" (only exclusions)" if excluded else "")
        )
    if len(required) + len(excluded) > MAX_CLAUSES:
        raise InvalidQuery(f"the query has more than {MAX_CLAUSES} terms")
    query = Query(tuple(required), tuple(excluded), filters)
    if query.term_count > MAX_TERMS:
        raise InvalidQuery(f"the query has more than {MAX_TERMS} words (OR options and phrases included)")
    if query.fuzzy_words > MAX_FUZZY_WORDS:
        raise InvalidQuery(f"the query has more than {MAX_FUZZY_WORDS} fuzzy~ words")
    return query
