"""Full-text search over transcripts: SQLite FTS5 or PostgreSQL tsvector, the same answers on both.

Each segment is indexed twice: `text_normalized` (the exact words, for "phrases") and `search_forms`
(every word's stems and prefix-stripped forms, for plain words). Both engines receive the same
normalised tokens, compiled from one parsed query (storage.search_query), so they agree on what matches;
they rank with their own functions (BM25 on SQLite, ts_rank on PostgreSQL).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from sqlalchemy import DateTime, Float, String, bindparam, select, text
from sqlalchemy.orm import Session

from .errors import InvalidQuery
from .query_time_limit import time_limit
from .records import CallHits, SearchHit
from .search_query import MAX_FUZZY_WORDS, AnyOf, Clause, Phrase, Query, Word, parse_query
from .segment_keys import CALL_SHIFT, ROLE_SHIFT, role_code
from .tables import CallRow, SegmentRow
from .terms import is_prefixing_word, query_forms, word_forms
from .text import normalize
from .times import as_utc
from .vocabulary import fuzzy_expansions

SEARCH_TIME_LIMIT_S = 10.0
ORDERS = ("relevance", "date")


@dataclass(frozen=True, slots=True)
class SearchPage:
    results: list[CallHits]
    total: int
    fuzzy: bool  # the automatic fuzzy fallback (or a ~ in the query) was used


class _Compiler:
    """Turns a parsed query into each engine's match expression, and evaluates it on one segment in
    Python to pick and highlight the hits of the calls on the page (the engines only rank calls)."""

    def __init__(self, session: Session, agent_ids: frozenset[str] | None) -> None:
        self.session = session
        self.agent_ids = agent_ids  # the search's scope, which fuzzy expansions stay within
        self.is_sqlite = session.get_bind().dialect.name == "sqlite"
        self.params: dict[str, str] = {}
        self._options: dict[Word, tuple[str, ...]] = {}

    def word_options(self, word: Word) -> tuple[str, ...]:
        if word not in self._options:
            if word.fuzzy:
                expansions = fuzzy_expansions(self.session, word.text, self.agent_ids)
                self._options[word] = tuple(expansions) or (word.text,)
            else:
                self._options[word] = query_forms(word.text)
        return self._options[word]

    # SQLite FTS5: every token quoted, so user input is never query syntax.
    def fts5(self, clause: Clause) -> str:
        if isinstance(clause, AnyOf):
            return "(" + " OR ".join(self.fts5(option) for option in clause.options) + ")"
        if isinstance(clause, Phrase):
            if has_prefixed_forms(clause):
                # Every word among the segment's forms; adjacency is checked on the segment's words.
                return " AND ".join(f'search_forms : "{w}"' for w in clause.words)
            return 'text_normalized : "' + " ".join(clause.words) + '"'
        if clause.prefix:
            return f'search_forms : "{clause.text}" *'
        return "search_forms : (" + " OR ".join(f'"{option}"' for option in self.word_options(clause)) + ")"

    def fts5_query(self, query: Query) -> str:
        required = " AND ".join(f"({self.fts5(c)})" for c in query.required)
        if not query.excluded:
            return required
        return f"({required}) NOT (" + " OR ".join(f"({self.fts5(c)})" for c in query.excluded) + ")"

    # PostgreSQL: tokens are \w+ after normalize(), safe inside quoted lexemes, and already what the
    # 'simple' dictionary would make of them, so the text is cast straight to tsquery: a cast is done
    # once per statement, where to_tsquery(:param) runs again for every row under a generic plan.
    def tsquery(self, clause: Clause) -> str:
        if isinstance(clause, AnyOf):
            return "(" + " OR ".join(self.tsquery(option) for option in clause.options) + ")"
        name = f"q{len(self.params)}"
        if isinstance(clause, Phrase) and has_prefixed_forms(clause):
            self.params[name] = " & ".join(f"'{w}'" for w in clause.words)
            return f"(segments.forms_tsv @@ CAST(:{name} AS tsquery))"
        if isinstance(clause, Phrase):
            self.params[name] = " <-> ".join(f"'{w}'" for w in clause.words)
            if len(clause.words) == 1:
                return f"(segments.exact_tsv @@ CAST(:{name} AS tsquery))"
            # Adjacent pairs first (migration 0013): few segments hold them, and only those are rechecked.
            self.params[name + "_pairs"] = " & ".join(f"'{a}{b}'" for a, b in pairwise(clause.words))
            return (
                f"(segments.pairs_tsv @@ CAST(:{name}_pairs AS tsquery) "
                f"AND segments.exact_tsv @@ CAST(:{name} AS tsquery))"
            )
        if clause.prefix:
            self.params[name] = f"'{clause.text}':*"
        else:
            self.params[name] = " | ".join(f"'{option}'" for option in self.word_options(clause))
        return f"(segments.forms_tsv @@ CAST(:{name} AS tsquery))"

    def pg_condition(self, query: Query) -> str:
        required = " AND ".join(self.tsquery(c) for c in query.required)
        if not query.excluded:
            return required
        return f"{required} AND NOT (" + " OR ".join(self.tsquery(c) for c in query.excluded) + ")"

    def pg_postings(self, query: Query, role: int | None) -> str | None:
        """(seq, score) rows from `call_terms` (migration 0013), or None when the query needs segment
        logic. One clause of plain or prefix words, with no exclusions, holds in a call exactly when
        one of its segments (on the side asked for) holds one of the words: the call-level postings
        answer it by index-only scans, without reading a segment row."""
        if len(query.required) != 1 or query.excluded:
            return None
        clause = query.required[0]
        words = clause.options if isinstance(clause, AnyOf) else (clause,)
        if not all(isinstance(word, Word) for word in words):
            return None
        on_side = f" AND role = {role}" if role is not None else ""
        exact: set[str] = set()
        scans = []
        for word in words:
            assert isinstance(word, Word)
            if not word.prefix:
                exact.update(self.word_options(word))
                continue
            name = f"p{len(self.params)}"
            self.params[name], self.params[name + "_end"] = word.text, word.text + "\U0010ffff"
            scans.append(
                f"SELECT seq, segments FROM call_terms WHERE term >= :{name} AND term < :{name}_end{on_side}"
            )
        if exact:
            name = f"t{len(self.params)}"
            self.params[name] = ",".join(sorted(exact))
            scans.append(
                "SELECT seq, segments FROM call_terms "
                f"WHERE term = ANY(string_to_array(CAST(:{name} AS text), ',')){on_side}"
            )
        # UNION ALL, not OR: each part stays an index-only scan (an OR becomes a bitmap heap scan).
        return "SELECT seq, segments AS score FROM (" + " UNION ALL ".join(scans) + ") postings"

    def pg_rank_query(self, query: Query) -> str:
        lexemes: set[str] = set()

        def collect(clause: Clause) -> None:
            if isinstance(clause, AnyOf):
                for option in clause.options:
                    collect(option)
            elif isinstance(clause, Phrase):
                lexemes.update(f"'{w}'" for w in clause.words)
            elif clause.prefix:
                lexemes.add(f"'{clause.text}':*")
            else:
                lexemes.update(f"'{o}'" for o in self.word_options(clause))

        for clause in query.required:
            collect(clause)
        return " | ".join(sorted(lexemes))

    # The same query, evaluated on one segment's tokens.
    def matched_tokens(self, clause: Clause, tokens: list[str]) -> set[int]:
        if isinstance(clause, AnyOf):
            return set().union(*(self.matched_tokens(option, tokens) for option in clause.options))
        if isinstance(clause, Phrase):
            size = len(clause.words)
            return {
                j
                for i in range(len(tokens) - size + 1)
                if all(
                    phrase_word_matches(w, t) for w, t in zip(clause.words, tokens[i : i + size], strict=True)
                )
                for j in range(i, i + size)
            }
        if clause.prefix:
            return {
                i
                for i, token in enumerate(tokens)
                if any(f.startswith(clause.text) for f in word_forms(token))
            }
        options = set(self.word_options(clause))
        return {i for i, token in enumerate(tokens) if options.intersection(word_forms(token))}

    def segment_match(self, query: Query, tokens: list[str]) -> set[int] | None:
        """Token indexes the query matched in this segment, or None when the segment does not match."""
        matched: set[int] = set()
        for clause in query.required:
            found = self.matched_tokens(clause, tokens)
            if not found:
                return None
            matched |= found
        if any(self.matched_tokens(clause, tokens) for clause in query.excluded):
            return None
        return matched


def has_prefixed_forms(phrase: Phrase) -> bool:
    """A phrase with Hebrew or Arabic words: those match their prefixed forms, as single words do."""
    return any(is_prefixing_word(word) for word in phrase.words)


def phrase_word_matches(word: str, token: str) -> bool:
    """In a phrase, English words are exact; Hebrew and Arabic ones also match with attached prefixes
    ("כרטיס האשראי" in "בכרטיס האשראי", "مبلغ مرتين" in "المبلغ مرتين")."""
    return token == word or (is_prefixing_word(word) and word in word_forms(token))


def _tokens_of_words(words: list[str]) -> tuple[list[str], list[int]]:
    """Normalised tokens of the transcribed words, with the index of the word each came from."""
    tokens, owners = [], []
    for index, word in enumerate(words):
        for token in normalize(word).split():
            tokens.append(token)
            owners.append(index)
    return tokens, owners


def _call_filters(query: Query, params: dict) -> list[str]:
    f = query.filters
    conditions = []
    for column, value in (
        ("agent_id", f.agent_id),
        ("customer_number", f.customer_number),
        ("direction", f.direction),
        ("language", f.language),
        ("status", f.status),
        ("medium", f.medium),
    ):
        if value is not None:
            conditions.append(f"calls.{column} = :f_{column}")
            params[f"f_{column}"] = value
    if f.after is not None:
        conditions.append("coalesce(calls.started_at, calls.created_at) >= :f_after")
        params["f_after"] = as_utc(f.after)
    if f.before is not None:
        conditions.append("coalesce(calls.started_at, calls.created_at) < :f_before")
        params["f_before"] = as_utc(f.before)
    if f.flag is not None:
        conditions.append(
            "EXISTS (SELECT 1 FROM flags WHERE flags.call_id = calls.id "
            "AND flags.category = :f_flag AND flags.state != 'dismissed')"
        )
        params["f_flag"] = f.flag
    if f.driver is not None:
        conditions.append(
            "EXISTS (SELECT 1 FROM call_drivers WHERE call_drivers.call_id = calls.id "
            "AND call_drivers.driver_id = :f_driver)"
        )
        params["f_driver"] = f.driver
    if f.agent_ids is not None:
        names = [f"f_scope{i}" for i in range(len(f.agent_ids))]
        params.update(zip(names, sorted(f.agent_ids), strict=True))
        conditions.append(f"calls.agent_id IN ({', '.join(':' + n for n in names)})" if names else "1 = 0")
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


def _ranked_calls(
    session: Session, compiler: _Compiler, query: Query, order: str, limit: int, offset: int
) -> tuple[list[tuple[str, float]], int]:
    """One page of the matching calls, in order, with a higher-is-better score, and how many match in
    all: one pass of the engine (the page is cut in SQL, the total is a window count over the groups)."""
    params: dict = {}
    speaker, sentiment = query.filters.speaker, query.filters.sentiment
    if sentiment:
        params["f_sentiment"] = sentiment
    if compiler.is_sqlite:
        # The row id carries call and side (storage/segment_keys.py): no segment row is read per match,
        # unless the segment's sentiment is asked for.
        params["match"] = compiler.fts5_query(query)
        on_side = f" AND ((segments_fts.rowid >> {ROLE_SHIFT}) & 15) = :f_role" if speaker else ""
        if speaker:
            params["f_role"] = role_code(speaker)
        felt = (
            " AND segments_fts.rowid IN (SELECT id FROM segments WHERE sentiment = :f_sentiment)"
            if sentiment
            else ""
        )
        matched = (
            f"SELECT segments_fts.rowid >> {CALL_SHIFT} AS seq, bm25(segments_fts, 2.0, 1.0) AS score "
            f"FROM segments_fts WHERE segments_fts MATCH :match{on_side}{felt} LIMIT -1"
        )
        best = "-min(m.score)"  # BM25 is lower-is-better
    elif (
        not sentiment
        and (postings := compiler.pg_postings(query, role_code(speaker) if speaker else None)) is not None
    ):
        params.update(compiler.params)
        matched = postings
        best = "sum(m.score)"  # segments holding the words, over the call
    else:
        condition = compiler.pg_condition(query)
        params.update(compiler.params)
        params["rank"] = compiler.pg_rank_query(query)
        on_side = " AND segments.role = :f_speaker" if speaker else ""
        if speaker:
            params["f_speaker"] = speaker
        if sentiment:
            on_side += " AND segments.sentiment = :f_sentiment"
        matched = (
            f"SELECT segments.id >> {CALL_SHIFT} AS seq, "
            "ts_rank(segments.forms_tsv, CAST(:rank AS tsquery)) AS score "
            f"FROM segments WHERE {condition}{on_side}"
        )
        best = "max(m.score)"
    call_conditions = _call_filters(query, params)
    if order == "relevance":
        # Rank straight from the matches; call filters become one set of call numbers to test against.
        where_calls = (
            " WHERE m.seq IN (SELECT calls.seq FROM calls WHERE " + " AND ".join(call_conditions) + ")"
            if call_conditions
            else ""
        )
        columns = f"m.seq AS seq, {best} AS best"
        grouped = f"FROM ({matched}) m{where_calls} GROUP BY m.seq"
        order_by = "best DESC, m.seq"
    else:
        where_calls = (" WHERE " + " AND ".join(call_conditions)) if call_conditions else ""
        columns = f"m.seq AS seq, {best} AS best, coalesce(calls.started_at, calls.created_at) AS at"
        grouped = f"FROM ({matched}) m JOIN calls ON calls.seq = m.seq{where_calls} GROUP BY m.seq, at"
        order_by = "at DESC, m.seq DESC"
    params["page_limit"], params["page_offset"] = limit, offset
    statement = (
        f"SELECT {columns}, count(*) OVER () AS total {grouped} "
        f"ORDER BY {order_by} LIMIT :page_limit OFFSET :page_offset"
    )
    rows = session.execute(_typed(statement, params)).all()
    if rows:
        lookup = select(CallRow.seq, CallRow.id).where(CallRow.seq.in_([r.seq for r in rows]))
        ids = {seq: call_id for seq, call_id in session.execute(lookup).all()}
        return [(ids[row.seq], float(row.best)) for row in rows], int(rows[0].total)
    if offset == 0:
        return [], 0
    params.pop("page_limit"), params.pop("page_offset")  # a page past the end: count on its own
    total = session.execute(
        _typed(f"SELECT count(*) FROM (SELECT {columns} {grouped}) g", params)
    ).scalar_one()
    return [], int(total)


def _hits(
    session: Session, compiler: _Compiler, query: Query, call_ids: list[str], hits_per_call: int
) -> dict[str, list[SearchHit]]:
    by_call: dict[str, list[SearchHit]] = {call_id: [] for call_id in call_ids}
    rows = session.execute(
        select(
            SegmentRow.call_id,
            SegmentRow.idx,
            SegmentRow.start,
            SegmentRow.end,
            SegmentRow.speaker,
            SegmentRow.role,
            SegmentRow.text,
            SegmentRow.text_normalized,
            SegmentRow.words,
            SegmentRow.sentiment,
        )
        .where(SegmentRow.call_id.in_(call_ids))
        .order_by(SegmentRow.call_id, SegmentRow.idx)
    ).all()
    for row in rows:
        hits = by_call[row.call_id]
        if len(hits) >= hits_per_call or (query.filters.speaker and row.role != query.filters.speaker):
            continue
        if query.filters.sentiment and row.sentiment != query.filters.sentiment:
            continue
        words = [w[2] for w in row.words]
        tokens, owners = _tokens_of_words(words)
        matched = compiler.segment_match(query, tokens) if tokens else None
        if matched is None:
            # Word timings can disagree with the text (edited transcripts): the text decides.
            if compiler.segment_match(query, row.text_normalized.split()) is None:
                continue
            matched = set()
        hits.append(
            SearchHit(
                segment_index=row.idx,
                start=row.start,
                end=row.end,
                speaker=row.speaker,
                role=row.role,
                text=row.text,
                words=tuple(words),
                matched_words=tuple(sorted({owners[i] for i in matched})),
            )
        )
    return by_call


def search(
    session: Session,
    query: str | Query,
    limit: int = 20,
    offset: int = 0,
    hits_per_call: int = 10,
    order: str = "relevance",
    fuzzy_fallback: bool = True,
    time_limit_s: float = SEARCH_TIME_LIMIT_S,
) -> SearchPage:
    """Calls with a matching segment, each with its matching segments; fuzzy retry when nothing matches."""
    if order not in ORDERS:
        raise InvalidQuery(f"order must be one of {', '.join(ORDERS)}")
    parsed = parse_query(query) if isinstance(query, str) else query
    scope = parsed.filters.agent_ids
    with time_limit(session, time_limit_s):
        compiler = _Compiler(session, scope)
        page, total = _ranked_calls(session, compiler, parsed, order, limit, offset)
        fuzzed = parsed.with_fuzzy_words()
        if (
            not total
            and fuzzy_fallback
            and not parsed.has_fuzzy
            and fuzzed != parsed
            and fuzzed.fuzzy_words <= MAX_FUZZY_WORDS
        ):
            parsed, compiler = fuzzed, _Compiler(session, scope)
            page, total = _ranked_calls(session, compiler, parsed, order, limit, offset)
    hits = _hits(session, compiler, parsed, [call_id for call_id, _ in page], hits_per_call) if page else {}
    results = [CallHits(call_id=call_id, score=score, hits=tuple(hits[call_id])) for call_id, score in page]
    # A prefixed-form phrase is narrowed by the engines to segments holding all its words; a call whose
    # segments hold them apart (checked word by word above) is no answer.
    kept = [r for r in results if r.hits]
    return SearchPage(kept, total - (len(results) - len(kept)), fuzzy=parsed.has_fuzzy and bool(total))
