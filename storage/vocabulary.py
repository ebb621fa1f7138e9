"""The vocabulary fuzzy matching draws from: every indexed form, per agent and with its length, so that
a fuzzy word is compared only with terms of a near length, from calls the search may see."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .tables import VocabularyRow

MAX_FUZZY_EXPANSIONS = 20


def remember_terms(session: Session, agent_id: str | None, terms: Iterable[str]) -> None:
    """Add index forms of a call of `agent_id` to the vocabulary fuzzy matching draws from."""
    rows = [
        {"agent_id": agent_id or "", "term": t, "length": len(t)} for t in sorted({t[:128] for t in terms})
    ]
    if not rows:
        return
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    session.execute(insert(VocabularyRow).on_conflict_do_nothing(), rows)


def fuzzy_expansions(session: Session, word: str, agent_ids: frozenset[str] | None = None) -> list[str]:
    """Vocabulary terms within 1 edit (words up to 5 letters) or 2 edits, sharing the first letter;
    for a scoped search, only terms of calls of `agent_ids`."""
    limit = 1 if len(word) <= 5 else 2
    lookup = select(VocabularyRow.term).where(
        VocabularyRow.length.between(len(word) - limit, len(word) + limit),
        VocabularyRow.term >= word[0],
        VocabularyRow.term < word[0] + "\U0010ffff",
    )
    if agent_ids is not None:
        lookup = lookup.where(VocabularyRow.agent_id.in_(sorted(agent_ids)))
    candidates = list(session.scalars(lookup.distinct()))
    found = process.extract(word, candidates, scorer=Levenshtein.distance, score_cutoff=limit, limit=None)
    scored = sorted((distance, term) for term, distance, _ in found)
    return [term for _, term in scored[:MAX_FUZZY_EXPANSIONS]]
