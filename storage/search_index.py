"""The first full-text index: SQLite FTS5 or PostgreSQL tsvector over normalised segment text.

Query form for now: words (all must appear in one segment) and "quoted phrases"; the search issue
extends the language. Both engines get the same normalised tokens, so they agree on what matches.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from .errors import InvalidQuery
from .records import CallHits, SearchHit
from .text import normalize

_TERM = re.compile(r'"([^"]*)"|(\S+)')
MAX_TERMS = 32


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    phrases: tuple[
        tuple[str, ...], ...
    ]  # each a sequence of normalised words; a single word is a phrase of one


def parse_query(query: str) -> ParsedQuery:
    if query.count('"') % 2:
        raise InvalidQuery('unbalanced quote in query: close every "phrase"')
    phrases = []
    for match in _TERM.finditer(query):
        words = tuple(normalize(match.group(1) if match.group(1) is not None else match.group(2)).split())
        if words:
            phrases.append(words)
    if not phrases:
        raise InvalidQuery("the query has no words to search for")
    if len(phrases) > MAX_TERMS:
        raise InvalidQuery(f"the query has more than {MAX_TERMS} terms")
    return ParsedQuery(tuple(phrases))


def _fts5_expression(parsed: ParsedQuery) -> str:
    # Every term quoted: FTS5 then treats it as literal tokens, never as query syntax.
    return " AND ".join('"' + " ".join(phrase) + '"' for phrase in parsed.phrases)


def _pg_tsquery(parsed: ParsedQuery) -> str:
    parts = []
    for phrase in parsed.phrases:
        # Tokens are \w+ only after normalize(), so they are safe inside a quoted lexeme.
        parts.append("(" + " <-> ".join(f"'{word}'" for word in phrase) + ")")
    return " & ".join(parts)


def search(
    session: Session, query: str, limit: int = 20, offset: int = 0, hits_per_call: int = 10
) -> tuple[list[CallHits], int]:
    """Calls whose segments match, best first, each with its matching segments; and the total call count."""
    parsed = parse_query(query)
    if session.get_bind().dialect.name == "sqlite":
        rows = session.execute(
            text(
                'SELECT s.call_id, s.idx, s.start, s."end", s.speaker, s.role, s.text, bm25(segments_fts) AS score '
                "FROM segments_fts JOIN segments s ON s.id = segments_fts.rowid "
                "WHERE segments_fts MATCH :q ORDER BY score, s.call_id, s.idx"
            ),
            {"q": _fts5_expression(parsed)},
        ).all()
        # bm25 is lower-is-better; flip it so both engines report higher-is-better.
        scored = [(r[0], r[1], r[2], r[3], r[4], r[5], r[6], -float(r[7])) for r in rows]
    else:
        rows = session.execute(
            text(
                'SELECT s.call_id, s.idx, s.start, s."end", s.speaker, s.role, s.text, '
                "ts_rank(to_tsvector('simple', s.text_normalized), q) AS score "
                "FROM segments s, to_tsquery('simple', :q) q "
                "WHERE to_tsvector('simple', s.text_normalized) @@ q ORDER BY score DESC, s.call_id, s.idx"
            ),
            {"q": _pg_tsquery(parsed)},
        ).all()
        scored = [tuple(r[:7]) + (float(r[7]),) for r in rows]

    by_call: OrderedDict[str, list[tuple]] = OrderedDict()
    for row in scored:
        by_call.setdefault(row[0], []).append(row)
    ranked = sorted(by_call.items(), key=lambda item: (-max(r[7] for r in item[1]), item[0]))
    page = ranked[offset : offset + limit]
    results = [
        CallHits(
            call_id=call_id,
            score=max(r[7] for r in segment_rows),
            hits=tuple(
                SearchHit(segment_index=r[1], start=r[2], end=r[3], speaker=r[4], role=r[5], text=r[6])
                for r in sorted(segment_rows, key=lambda r: r[1])[:hits_per_call]
            ),
        )
        for call_id, segment_rows in page
    ]
    return results, len(ranked)
