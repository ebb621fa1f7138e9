"""Full-text search over transcripts: SQLite FTS5 or PostgreSQL tsvector, the same answers on both.

Each segment is indexed twice: `text_normalized` (the exact words, for "phrases") and `search_forms`
(every word's stems and prefix-stripped forms, for plain words). Both engines receive the same
normalised tokens, compiled from one parsed query (storage.search_query), so they agree on what matches;
they rank with their own functions (BM25 on SQLite, ts_rank on PostgreSQL).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import DateTime, Float, String, bindparam, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .errors import InvalidQuery
from .records import CallHits, SearchHit
from .search_query import AnyOf, Clause, Phrase, Query, Word, parse_query
from .tables import SearchTermRow
from .terms import query_forms, word_forms
from .text import normalize

MAX_FUZZY_EXPANSIONS = 20
ORDERS = ("relevance", "date")


@dataclass(frozen=True, slots=True)
class SearchPage:
    results: list[CallHits]
    total: int
    fuzzy: bool  # the automatic fuzzy fallback (or a ~ in the query) was used


@dataclass
class _Targets:
    """What a segment word must be (or start with) to count as a match, for highlighting."""

    forms: set[str]
    prefixes: set[str]

    def matches(self, word: str) -> bool:
        normalised = normalize(word).split()
        if not normalised:
            return False
        forms = word_forms(normalised[0])
        return bool(self.forms.intersection(forms)) or any(
            f.startswith(p) for f in forms for p in self.prefixes
        )


def remember_terms(session: Session, terms: Iterable[str]) -> None:
    """Add index forms to the vocabulary fuzzy matching draws from."""
    rows = [{"term": term[:128]} for term in sorted(set(terms))]
    if not rows:
        return
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    session.execute(insert(SearchTermRow).on_conflict_do_nothing(), rows)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (returning limit + 1) once it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def fuzzy_expansions(session: Session, word: str) -> list[str]:
    """Vocabulary terms within 1 edit (words up to 5 letters) or 2 edits, sharing the first letter."""
    limit = 1 if len(word) <= 5 else 2
    candidates = session.scalars(
        select(SearchTermRow.term).where(
            SearchTermRow.term >= word[0],
            SearchTermRow.term < word[0] + "\U0010ffff",
        )
    )
    scored = sorted(
        (distance, term)
        for term in candidates
        if abs(len(term) - len(word)) <= limit and (distance := edit_distance(word, term, limit)) <= limit
    )
    return [term for _, term in scored[:MAX_FUZZY_EXPANSIONS]]


class _Compiler:
    """Turns a parsed query into the engine's match expression, collecting highlight targets."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.is_sqlite = session.get_bind().dialect.name == "sqlite"
        self.targets = _Targets(set(), set())
        self.params: dict[str, str] = {}

    def word_options(self, word: Word) -> list[str]:
        if word.fuzzy:
            return fuzzy_expansions(self.session, word.text) or [word.text]
        return list(query_forms(word.text))

    # SQLite FTS5: every token quoted, so user input is never query syntax.
    def fts5(self, clause: Clause) -> str:
        if isinstance(clause, AnyOf):
            return "(" + " OR ".join(self.fts5(option) for option in clause.options) + ")"
        if isinstance(clause, Phrase):
            self.targets.forms.update(clause.words)
            return 'text_normalized : "' + " ".join(clause.words) + '"'
        if clause.prefix:
            self.targets.prefixes.add(clause.text)
            return f'search_forms : "{clause.text}" *'
        options = self.word_options(clause)
        self.targets.forms.update(options)
        return "search_forms : (" + " OR ".join(f'"{option}"' for option in options) + ")"

    def fts5_query(self, query: Query) -> str:
        required = " AND ".join(f"({self.fts5(c)})" for c in query.required)
        if not query.excluded:
            return required
        saved = self.targets
        self.targets = _Targets(set(), set())  # excluded words are never highlighted
        excluded = " OR ".join(f"({self.fts5(c)})" for c in query.excluded)
        self.targets = saved
        return f"({required}) NOT ({excluded})"

    # PostgreSQL: tokens are \w+ after normalize(), safe inside quoted lexemes.
    def tsquery(self, clause: Clause) -> str:
        if isinstance(clause, AnyOf):
            return "(" + " OR ".join(self.tsquery(option) for option in clause.options) + ")"
        name = f"q{len(self.params)}"
        if isinstance(clause, Phrase):
            self.targets.forms.update(clause.words)
            self.params[name] = " <-> ".join(f"'{w}'" for w in clause.words)
            return f"(segments.exact_tsv @@ to_tsquery('simple', :{name}))"
        if clause.prefix:
            self.targets.prefixes.add(clause.text)
            self.params[name] = f"'{clause.text}':*"
        else:
            options = self.word_options(clause)
            self.targets.forms.update(options)
            self.params[name] = " | ".join(f"'{option}'" for option in options)
        return f"(segments.forms_tsv @@ to_tsquery('simple', :{name}))"

    def pg_condition(self, query: Query) -> str:
        required = " AND ".join(self.tsquery(c) for c in query.required)
        if not query.excluded:
            return required
        saved = self.targets
        self.targets = _Targets(set(), set())
        excluded = " OR ".join(self.tsquery(c) for c in query.excluded)
        self.targets = saved
        return f"{required} AND NOT ({excluded})"

    def pg_rank_query(self) -> str:
        lexemes = [f"'{form}'" for form in sorted(self.targets.forms)]
        lexemes += [f"'{prefix}':*" for prefix in sorted(self.targets.prefixes)]
        return " | ".join(lexemes)


def _call_filters(query: Query, params: dict) -> list[str]:
    f = query.filters
    conditions = []
    for column, value in (
        ("agent_id", f.agent_id),
        ("customer_number", f.customer_number),
        ("direction", f.direction),
        ("language", f.language),
        ("status", f.status),
    ):
        if value is not None:
            conditions.append(f"calls.{column} = :f_{column}")
            params[f"f_{column}"] = value
    if f.after is not None:
        conditions.append("coalesce(calls.started_at, calls.created_at) >= :f_after")
        params["f_after"] = f.after.astimezone(UTC)
    if f.before is not None:
        conditions.append("coalesce(calls.started_at, calls.created_at) < :f_before")
        params["f_before"] = f.before.astimezone(UTC)
    if f.min_duration is not None:
        conditions.append("calls.duration >= :f_min_duration")
        params["f_min_duration"] = f.min_duration
    if f.max_duration is not None:
        conditions.append("calls.duration <= :f_max_duration")
        params["f_max_duration"] = f.max_duration
    return conditions


def _typed(statement: str, params: dict):  # type: ignore[no-untyped-def]
    binds: list = []
    for name, value in params.items():
        if not re.search(rf":{name}\b", statement):
            continue
        if name in ("f_after", "f_before"):
            binds.append(bindparam(name, value, type_=DateTime(timezone=True)))
        elif isinstance(value, float):
            binds.append(bindparam(name, value, type_=Float))
        elif isinstance(value, str):
            binds.append(bindparam(name, value, type_=String))
        else:
            binds.append(bindparam(name, value))
    return text(statement).bindparams(*binds)


def _run(
    session: Session, query: Query, order: str, limit: int, offset: int, hits_per_call: int
) -> tuple[list[CallHits], int]:
    compiler = _Compiler(session)
    params: dict = {}
    segment_conditions = []
    if query.filters.speaker:
        segment_conditions.append("segments.role = :f_speaker")
        params["f_speaker"] = query.filters.speaker
    if compiler.is_sqlite:
        params["match"] = compiler.fts5_query(query)
        matched = (
            "SELECT segments.id AS id, segments.call_id AS call_id, bm25(segments_fts, 2.0, 1.0) AS score "
            "FROM segments_fts JOIN segments ON segments.id = segments_fts.rowid "
            "WHERE segments_fts MATCH :match" + "".join(f" AND {c}" for c in segment_conditions) + " LIMIT -1"
        )
        best = "min(m.score)"  # BM25: lower is better
        relevance_order = "best ASC"
    else:
        condition = compiler.pg_condition(query)
        params.update(compiler.params)
        params["rank"] = compiler.pg_rank_query()
        matched = (
            "SELECT segments.id AS id, segments.call_id AS call_id, "
            "ts_rank(segments.forms_tsv, to_tsquery('simple', :rank)) AS score FROM segments "
            f"WHERE {condition}" + "".join(f" AND {c}" for c in segment_conditions)
        )
        best = "max(m.score)"
        relevance_order = "best DESC"
    call_conditions = _call_filters(query, params)
    where_calls = (" WHERE " + " AND ".join(call_conditions)) if call_conditions else ""
    grouped = (
        f"SELECT m.call_id AS call_id, {best} AS best, coalesce(calls.started_at, calls.created_at) AS at "
        f"FROM ({matched}) m JOIN calls ON calls.id = m.call_id{where_calls} GROUP BY m.call_id, at"
    )
    order_by = f"{relevance_order}, call_id" if order == "relevance" else "at DESC, call_id DESC"
    total = session.execute(_typed(f"SELECT count(*) FROM ({grouped}) g", params)).scalar_one()
    page = session.execute(
        _typed(
            f"SELECT call_id, best FROM ({grouped}) g ORDER BY {order_by} LIMIT :limit OFFSET :offset",
            {**params, "limit": limit, "offset": offset},
        )
    ).all()
    if not page:
        return [], total
    call_ids = [row.call_id for row in page]
    id_binds = {f"c{i}": call_id for i, call_id in enumerate(call_ids)}
    in_list = ", ".join(f":c{i}" for i in range(len(call_ids)))
    hit_rows = session.execute(
        _typed(
            'SELECT segments.call_id, segments.idx, segments.start, segments."end", segments.speaker, '
            f"segments.role, segments.text, segments.words FROM ({matched}) m JOIN segments ON segments.id = m.id "
            f"WHERE segments.call_id IN ({in_list}) ORDER BY segments.call_id, segments.idx",
            {**params, **id_binds},
        )
    ).all()
    by_call: dict[str, list[SearchHit]] = {call_id: [] for call_id in call_ids}
    for row in hit_rows:
        hits = by_call[row.call_id]
        if len(hits) >= hits_per_call:
            continue
        words = row.words if isinstance(row.words, list) else json.loads(row.words)
        matched_words = tuple(i for i, w in enumerate(words) if compiler.targets.matches(w[2]))
        hits.append(
            SearchHit(
                segment_index=row.idx,
                start=row.start,
                end=row.end,
                speaker=row.speaker,
                role=row.role,
                text=row.text,
                matched_words=matched_words,
                words=tuple(w[2] for w in words),
            )
        )
    scores = {row.call_id: float(row.best) for row in page}
    # Report higher-is-better on both engines.
    return [
        CallHits(call_id=c, score=-scores[c] if compiler.is_sqlite else scores[c], hits=tuple(by_call[c]))
        for c in call_ids
    ], total


def search(
    session: Session,
    query: str | Query,
    limit: int = 20,
    offset: int = 0,
    hits_per_call: int = 10,
    order: str = "relevance",
    fuzzy_fallback: bool = True,
) -> SearchPage:
    """Calls with a matching segment, each with its matching segments; fuzzy retry when nothing matches."""
    if order not in ORDERS:
        raise InvalidQuery(f"order must be one of {', '.join(ORDERS)}")
    parsed = parse_query(query) if isinstance(query, str) else query
    results, total = _run(session, parsed, order, limit, offset, hits_per_call)
    if total == 0 and fuzzy_fallback and not parsed.has_fuzzy:
        fuzzy = parsed.with_fuzzy_words()
        if fuzzy != parsed:
            results, total = _run(session, fuzzy, order, limit, offset, hits_per_call)
            return SearchPage(results, total, fuzzy=total > 0)
    return SearchPage(results, total, fuzzy=parsed.has_fuzzy)
