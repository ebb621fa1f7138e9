"""Run the rules again over stored calls (after rules change), without duplicating flags."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from storage.call_list import CallFilter, list_calls
from storage.calls import count_recent_calls, get_call, set_listen_reason
from storage.database import Database, Session
from storage.flags import save_characteristics, save_flags
from storage.processed_calls import save_processed_call
from storage.qa_auto import refresh_automatic_reviews
from storage.records import Call, CallStatus
from storage.transcripts import load_transcript
from storage.voiceprints import StoredVoice, voice_history

from .analyse import assess, call_metadata, history_facts
from .characteristics import measure
from .drivers.named import NamedDriver
from .pipeline import analyse_transcript
from .rules.model import Rule
from .settings import TranscribeSettings

BATCH = 200


def caller_history(
    session: Session,
    rules: Sequence[Rule],
    call: Call,
    voice_threshold: float,
    voices: Sequence[StoredVoice] | None = None,
) -> dict[str, int]:
    """Counts of this caller's calls that the rules' history conditions need, from the database; the
    call's own voiceprints are `voices`, or the stored ones."""
    moment = call.started_at or call.created_at
    return history_facts(
        rules,
        call,
        lambda number, days: count_recent_calls(session, number, moment, days),
        lambda days: voice_history(session, call, moment, days, voice_threshold, voices),
    )


def reanalyse_call(
    session: Session,
    rules: Sequence[Rule],
    call_id: str,
    voice_threshold: float,
    reason: str,
    drivers: Sequence[NamedDriver] = (),
) -> None:
    """After a transcript changed (an import, a correction): characteristics and rules again, as the
    worker runs them, on the stored transcript; the loudness measured from the audio is kept. Open
    flags whose rules no longer hold are withdrawn with `reason`."""
    call = get_call(session, call_id)
    stored = call.characteristics or {}
    record = analyse_transcript(
        call,
        load_transcript(session, call_id),
        None,
        rules,
        caller_history(session, rules, call, voice_threshold),
        from_model=False,
        voices=None,  # an edit does not change the voiceprints, nor the watchlist's flag
        withdraw_reason=reason,
        loudness=stored.get("loudness_dbfs_per_second"),
        drivers=drivers,
    )
    save_processed_call(session, call_id, record)


def apply_rules(
    db: Database,
    rules: Sequence[Rule],
    since: datetime | None = None,
    voice_threshold: float = TranscribeSettings().voice_match_threshold,
    on_progress: Callable[[int], None] = lambda done: None,
) -> tuple[int, int]:
    """Re-evaluate every done call created since `since`; returns (calls checked, flags now raised)."""
    checked = raised = 0
    before: tuple[datetime, str] | None = None
    rule_ids = [rule.id for rule in rules]
    while True:
        with db.session() as session:
            calls = list_calls(
                session, CallFilter(status=CallStatus.DONE, created_after=since), limit=BATCH, before=before
            )
            for call in calls:
                transcript = load_transcript(session, call.id)
                characteristics = call.characteristics
                if not characteristics:  # imported before analysis existed: measure from the transcript
                    characteristics = measure(transcript)
                    save_characteristics(session, call.id, characteristics)
                assessment = assess(
                    rules,
                    transcript,
                    characteristics["metrics"],
                    call_metadata(call, transcript),
                    caller_history(session, rules, call, voice_threshold),
                )
                save_flags(session, call.id, assessment.flags, rule_ids)
                refresh_automatic_reviews(session, call.id)  # rule-bound QA criteria follow the flags
                set_listen_reason(session, call.id, assessment.listen_reason)
                raised += len(assessment.flags)
        if not calls:
            break
        checked += len(calls)
        before = (calls[-1].created_at, calls[-1].id)
        on_progress(checked)
    return checked, raised
