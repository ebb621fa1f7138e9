"""Search that could pin the server (hardening item 2): a transcript of 30,000 distinct words, queried
with many OR and fuzzy terms, on SQLite and PostgreSQL; fuzzy expansions stay within the searcher's
scope; both engines stop a query at its time limit."""

from __future__ import annotations

import random
import string

import pytest

from storage import calls as call_records
from storage.database import Database
from storage.errors import InvalidQuery, SearchTooCostly
from storage.records import NewCall, Segment, Speaker, Transcript, Word
from storage.search_index import search
from storage.search_query import MAX_FUZZY_WORDS, MAX_TERMS, parse_query
from storage.transcripts import save_transcript
from storage.vocabulary import fuzzy_expansions


def add_call(db: Database, name: str, agent: str, texts: list[str]) -> str:
    with db.session() as session:
        call, _ = call_records.create_call(
            session,
            f"call-{name}",
            NewCall(
                source="test", external_id=name, audio_key=f"k/{name}", audio_sha256="0" * 64,
                audio_size=1, audio_filename="x.wav", audio_format="wav/pcm_s16le", duration=60.0,
                channels=1, sample_rate=8000, agent_id=agent,
            ),
        )  # fmt: skip
        segments = tuple(
            Segment(
                i * 2.0,
                i * 2.0 + 1.5,
                "S0",
                "customer",
                0,
                text,
                tuple(Word(i * 2.0, i * 2.0 + 0.1, w, 0.9) for w in text.split()),
            )  # fmt: skip
            for i, text in enumerate(texts)
        )
        save_transcript(
            session, call.id, Transcript("en", 60.0, (Speaker("S0", "customer", 0),), segments, "t")
        )
    return call.id


@pytest.fixture
def wordy(db: Database) -> Database:
    """One imported transcript of 30,000 distinct made-up words (the attack's set-up)."""
    rng = random.Random(7)
    words = sorted({"".join(rng.choices(string.ascii_lowercase, k=rng.randint(5, 9))) for _ in range(31_000)})
    words = words[:30_000]
    add_call(db, "wordy", "dana", [" ".join(words[i : i + 50]) for i in range(0, len(words), 50)])
    return db


def test_many_terms_or_fuzzy_words_are_refused_with_a_reason():
    many = " OR ".join(f"w{i}x~" for i in range(76))
    with pytest.raises(InvalidQuery, match=f"more than {MAX_TERMS} words"):
        parse_query(many)
    fuzzy = " OR ".join(f"word{i}~" for i in range(MAX_FUZZY_WORDS + 1))
    with pytest.raises(InvalidQuery, match="fuzzy"):
        parse_query(fuzzy)
    assert (
        parse_query(" OR ".join(f"word{i}~" for i in range(MAX_FUZZY_WORDS))).fuzzy_words == MAX_FUZZY_WORDS
    )


def test_the_attack_queries_are_answered_or_refused_within_bounds(wordy):
    with wordy.session() as session:
        # 32 words that match nothing: too many to retry fuzzily, so the answer is simply none.
        nothing = " ".join(f"qq{c}{d}zz" for c in "abcd" for d in "abcdefgh")
        page = search(session, nothing)
        assert page.total == 0 and not page.fuzzy
        # The largest fuzzy query allowed still finds its words.
        some = sorted({w for w in _words(session)[:MAX_FUZZY_WORDS]})
        typo = " OR ".join(w[:-1] + ("a" if w[-1] != "a" else "b") + "~" for w in some)
        assert search(session, typo).total == 1


def _words(session) -> list[str]:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    return list(session.scalars(text("SELECT term FROM vocabulary WHERE length >= 7 ORDER BY term LIMIT 50")))


def test_fuzzy_expansions_stay_within_the_searchers_scope(db):
    add_call(db, "dana", "dana", ["the chargeback was reversed"])
    add_call(db, "omar", "omar", ["the chargebock password is secret"])
    with db.session() as session:
        everyone = fuzzy_expansions(session, "chargebak")
        dana_only = fuzzy_expansions(session, "chargebak", frozenset({"dana"}))
        nobody = fuzzy_expansions(session, "chargebak", frozenset())
        scoped = search(session, parse_query("chargebak agent:omar")).total
    assert set(everyone) == {"chargeback", "chargebock"}
    assert dana_only == ["chargeback"] and nobody == []
    assert scoped == 1


def test_both_engines_stop_a_search_at_its_time_limit(wordy):
    # Prefix words expand to thousands of terms: costly enough to overrun a limit of a millisecond.
    costly = " OR ".join(f"{a}{b}*" for a in "abcdef" for b in "aeiou")
    with wordy.session() as session, pytest.raises(SearchTooCostly, match="ran past its limit"):
        search(session, costly, time_limit_s=0.001)
    with wordy.session() as session:  # the connection is usable again, with no limit left behind
        assert search(session, costly).total == 1
