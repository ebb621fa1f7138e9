"""Calls, transcripts and the full-text index on SQLite and PostgreSQL alike."""

from datetime import UTC, datetime, timedelta

import pytest

from storage import api_keys, call_list
from storage import calls as call_records
from storage.call_list import CallFilter
from storage.errors import CallNotFound, InvalidQuery
from storage.records import CallStatus, NewCall, Segment, Speaker, Transcript, Word
from storage.search_index import search
from storage.transcripts import load_transcript, save_transcript


def new_call(external_id=None, source="pbx", **overrides):
    values = dict(
        source=source,
        external_id=external_id,
        audio_key="calls/x/original.wav",
        audio_sha256="ab" * 32,
        audio_size=100,
        audio_filename="x.wav",
        audio_format="wav/pcm_mulaw",
        duration=40.5,
        channels=2,
        sample_rate=8000,
        channel_roles=("agent", "customer"),
        agent_id="a1",
    )
    values.update(overrides)
    return NewCall(**values)


def transcript(*lines):
    segments = tuple(
        Segment(
            start,
            start + 2,
            speaker,
            role,
            int(speaker[1]),
            text,
            tuple(Word(start + i * 0.3, start + i * 0.3 + 0.25, w, 0.9) for i, w in enumerate(text.split())),
        )
        for start, speaker, role, text in lines
    )
    return Transcript(
        "en", 30.0, (Speaker("S0", "agent", 0), Speaker("S1", "customer", 1)), segments, "tiny.en"
    )


def test_same_source_and_external_id_returns_the_existing_call(db):
    with db.session() as session:
        first, created = call_records.create_call(session, call_records.new_call_id(), new_call("ext-1"))
    with db.session() as session:
        again, created_again = call_records.create_call(
            session, call_records.new_call_id(), new_call("ext-1")
        )
        other, created_other = call_records.create_call(
            session, call_records.new_call_id(), new_call("ext-1", source="other")
        )
    assert created and not created_again and created_other
    assert again.id == first.id and other.id != first.id


def test_status_moves_through_processing_to_done_and_failed(db):
    with db.session() as session:
        call, _ = call_records.create_call(session, "c-1", new_call())
    assert call.status == CallStatus.QUEUED
    with db.session() as session:
        call_records.mark_processing(session, "c-1")
        call_records.set_progress(session, "c-1", "transcribe", 0.4)
    with db.session() as session:
        call = call_records.get_call(session, "c-1")
    assert (call.status, call.stage, call.progress, call.attempts) == (
        CallStatus.PROCESSING,
        "transcribe",
        0.4,
        1,
    )
    with db.session() as session:
        call_records.mark_failed(session, "c-1", "ffmpeg could not decode")
        assert call_records.get_call(session, "c-1").error == "ffmpeg could not decode"
    assert call.created_at.tzinfo is not None


def test_unknown_call_raises_not_found(db):
    with db.session() as session, pytest.raises(CallNotFound):
        call_records.get_call(session, "nope")


def test_list_filters_and_pages_newest_first(db):
    with db.session() as session:
        for n in range(5):
            call_records.create_call(
                session, f"id-{n}", new_call(f"e{n}", direction="inbound" if n % 2 else "outbound")
            )
    with db.session() as session:
        page1 = call_list.list_calls(session, CallFilter(), limit=3)
        last = page1[-1]
        page2 = call_list.list_calls(session, CallFilter(), limit=3, before=(last.created_at, last.id))
        inbound = call_list.list_calls(session, CallFilter(direction="inbound"))
    assert len(page1) == 3 and len(page2) == 2
    assert {c.id for c in page1}.isdisjoint({c.id for c in page2})
    assert {c.id for c in inbound} == {"id-1", "id-3"}
    with db.session() as session:
        future = datetime.now(UTC) + timedelta(days=1)
        assert call_list.list_calls(session, CallFilter(created_after=future)) == []


def test_transcript_round_trips_with_word_timings(db):
    with db.session() as session:
        call_records.create_call(session, "c-t", new_call())
        save_transcript(
            session,
            "c-t",
            transcript(
                (1.0, "S0", "agent", "Hello how can I help"), (4.0, "S1", "customer", "I was charged twice")
            ),
        )
    with db.session() as session:
        loaded = load_transcript(session, "c-t")
    assert loaded.language == "en"
    assert [s.role for s in loaded.segments] == ["agent", "customer"]
    assert loaded.segments[1].words[2] == Word(4.6, 4.85, "charged", 0.9)


def test_search_finds_phrase_with_its_segment_and_time(db):
    with db.session() as session:
        call_records.create_call(session, "c-a", new_call("a"))
        call_records.create_call(session, "c-b", new_call("b"))
        save_transcript(
            session,
            "c-a",
            transcript(
                (1.0, "S0", "agent", "Hello"), (9.5, "S1", "customer", "I was charged twice this month")
            ),
        )
        save_transcript(session, "c-b", transcript((2.0, "S1", "customer", "Twice I was charged? no")))
    with db.session() as session:
        phrase = search(session, '"charged twice"')
        words = search(session, "charged twice")
    assert phrase.total == 1 and phrase.results[0].call_id == "c-a"
    assert (phrase.results[0].hits[0].start, phrase.results[0].hits[0].role) == (9.5, "customer")
    assert words.total == 2  # all words, any order


def test_search_matches_across_diacritics_and_letter_forms(db):
    with db.session() as session:
        call_records.create_call(session, "c-he", new_call("he"))
        save_transcript(
            session,
            "c-he",
            transcript((0.0, "S1", "customer", "שָׁלוֹם, אני רוצה הֶחְזֵר"), (3.0, "S0", "agent", "مَرْحَبًا بِكُمْ")),
        )
    with db.session() as session:
        assert search(session, "שלום").total == 1
        assert search(session, "החזר").total == 1
        assert search(session, "مرحبا").total == 1
        assert search(session, "absent").total == 0


def test_replacing_or_deleting_a_transcript_updates_the_index(db):
    with db.session() as session:
        call_records.create_call(session, "c-r", new_call("r"))
        save_transcript(session, "c-r", transcript((0.0, "S1", "customer", "old words here")))
    with db.session() as session:
        save_transcript(session, "c-r", transcript((0.0, "S1", "customer", "new words here")))
    with db.session() as session:
        assert search(session, "old").total == 0 and search(session, "new").total == 1
        call_records.delete_call(session, "c-r")
    with db.session() as session:
        assert search(session, "new").total == 0


def test_query_syntax_is_never_passed_through(db):
    with db.session() as session:
        call_records.create_call(session, "c-q", new_call("q"))
        save_transcript(session, "c-q", transcript((0.0, "S1", "customer", "near and or not")))
    with db.session() as session:
        assert search(session, "NEAR AND NOT").total == 1  # FTS5 operators are just words here
        with pytest.raises(InvalidQuery):
            search(session, '"open')


def test_api_keys_are_stored_hashed_and_can_be_revoked(db):
    with db.session() as session:
        key, secret = api_keys.create_key(session, "telephony", "pbx-1")
    with db.session() as session:
        stored = session.execute(api_keys.select(api_keys.ApiKeyRow.key_hash)).scalar_one()
        assert secret not in stored
        assert api_keys.authenticate(session, secret).role == "telephony"
        assert api_keys.authenticate(session, secret + "x") is None
        assert api_keys.revoke_key(session, key.id)
    with db.session() as session:
        assert api_keys.authenticate(session, secret) is None
    with db.session() as session, pytest.raises(ValueError):
        api_keys.create_key(session, "superuser")


def test_recent_calls_from_a_number_are_counted_within_the_window(db):
    base = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    with db.session() as session:
        for n, days_ago in enumerate([0, 1, 2, 6.5, 8, 30]):
            call_records.create_call(
                session,
                f"h{n}",
                new_call(f"h{n}", customer_number="+972501", started_at=base - timedelta(days=days_ago)),
            )
        call_records.create_call(
            session, "other", new_call("other", customer_number="+972999", started_at=base)
        )
    with db.session() as session:
        assert call_records.count_recent_calls(session, "+972501", base, 7) == 4
        assert call_records.count_recent_calls(session, "+972501", base, 31) == 6
        assert call_records.count_recent_calls(session, "+972501", base - timedelta(days=1), 7) == 3


def test_migration_0007_rekeys_existing_segments_and_keeps_them_searchable(unmigrated_database_url):
    import sqlalchemy as sa

    from storage.database import Database
    from storage.segment_keys import segment_id

    database = Database(unmigrated_database_url)
    database.migrate("0006")
    now = datetime(2026, 5, 1, tzinfo=UTC)
    with database.engine.begin() as connection:
        calls = sa.Table("calls", sa.MetaData(), autoload_with=connection)
        segments = sa.Table("segments", sa.MetaData(), autoload_with=connection)
        for n, call_id in enumerate(("old-b", "old-a")):  # created in this order: seq 1, then 2
            connection.execute(
                calls.insert().values(
                    id=call_id,
                    status="done",
                    progress=1.0,
                    source="pbx",
                    channel_roles=[],
                    extra={},
                    audio_key="k",
                    audio_sha256="0" * 64,
                    audio_size=1,
                    audio_filename="x.wav",
                    audio_format="wav",
                    duration=9.0,
                    channels=2,
                    sample_rate=8000,
                    speakers=[],
                    attempts=1,
                    created_at=now + timedelta(minutes=n),
                    updated_at=now,
                )
            )
        for segment_pk, (call_id, idx, role, text) in enumerate(
            [
                ("old-b", 0, "agent", "hello there"),
                ("old-b", 1, "customer", "refund please"),
                ("old-a", 0, "customer", "refund my card"),
            ],
            start=1,
        ):
            connection.execute(
                segments.insert().values(
                    id=segment_pk,
                    call_id=call_id,
                    idx=idx,
                    start=float(idx),
                    end=idx + 1.0,
                    speaker="S0",
                    role=role,
                    channel=0,
                    text=text,
                    text_normalized=text,
                    search_forms=text,
                    words=[],
                )
            )
    database.migrate()
    with database.session() as session:
        rows = session.execute(sa.text("SELECT id, call_id, idx, role FROM segments ORDER BY id")).all()
        assert [r.id for r in rows] == sorted(
            [segment_id(1, "agent", 0), segment_id(1, "customer", 1), segment_id(2, "customer", 0)]
        )
        found = search(session, "refund speaker:customer")
        assert found.total == 2 and {r.call_id for r in found.results} == {"old-a", "old-b"}
        assert search(session, "refund speaker:agent").total == 0
        # New calls continue the sequence.
        call, _ = call_records.create_call(session, "new-call", new_call("after-migration"))
        save_transcript(session, call.id, transcript((1.0, "S1", "customer", "refund again")))
    with database.session() as session:
        seq = session.execute(sa.text("SELECT seq FROM calls WHERE id = 'new-call'")).scalar_one()
        assert seq == 3
        assert search(session, "again").results[0].call_id == "new-call"
    database.dispose()


def test_timestamps_read_back_aware_in_utc_on_both_engines(db):
    """storage.tables.UtcDateTime: a time stored with any zone reads back as the same moment in UTC
    (SQLite keeps no zone at all), so no caller fixes zones by hand."""
    from datetime import timezone

    jerusalem = timezone(timedelta(hours=2))
    moment = datetime(2026, 3, 1, 10, 30, tzinfo=jerusalem)
    new = NewCall("api", "k", "h", 1, "f.wav", "wav", 1.0, 1, 8000, started_at=moment)
    with db.session() as session:
        created, _ = call_records.create_call(session, "tz-1", new)
    with db.session() as session:
        read = call_records.get_call(session, "tz-1")
    assert read.started_at == moment and read.started_at.tzinfo == UTC
    assert read.started_at.hour == 8 and read.created_at.tzinfo == UTC
