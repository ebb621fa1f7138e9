"""Run the rules again over stored calls (after rules change), without duplicating flags."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from storage.calls import CallFilter, count_recent_calls, get_call, list_calls, set_listen_reason
from storage.database import Database, Session
from storage.flags import save_characteristics, save_flags
from storage.records import Call, CallStatus
from storage.transcripts import load_transcript
from storage.voices import voice_history

from .analyse import analyse, assess, call_metadata, history_facts
from .characteristics import measure
from .rules.model import Rule
from .settings import TranscribeSettings

BATCH = 200


def caller_history(
    session: Session, rules: Sequence[Rule], call: Call, voice_threshold: float
) -> dict[str, int]:
    """Counts of this caller's calls that the rules' history conditions need, from the database (the
    call's own voiceprints must be saved first)."""
    moment = call.started_at or call.created_at
    return history_facts(
        rules,
        call,
        lambda number, days: count_recent_calls(session, number, moment, days),
        lambda days: voice_history(session, call.id, moment, days, voice_threshold),
    )


def reanalyse_call(
    session: Session, rules: Sequence[Rule], call_id: str, voice_threshold: float, reason: str
) -> None:
    """After a transcript changed (an import, a correction): characteristics and rules again, as the
    worker runs them, on the stored transcript; the loudness measured from the audio is kept. Open
    flags whose rules no longer hold are withdrawn with `reason`."""
    call = get_call(session, call_id)
    transcript = load_transcript(session, call_id)
    stored = call.characteristics or {}
    history = caller_history(session, rules, call, voice_threshold)
    characteristics, assessment = analyse(
        call, transcript, None, rules, history, stored.get("loudness_dbfs_per_second")
    )
    save_characteristics(session, call_id, characteristics)
    set_listen_reason(session, call_id, assessment.listen_reason)
    # The voice watchlist's flag needs voiceprints, which an edit does not change: left as it is.
    save_flags(session, call_id, assessment.flags, [rule.id for rule in rules], withdraw_reason=reason)


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
                set_listen_reason(session, call.id, assessment.listen_reason)
                raised += len(assessment.flags)
        if not calls:
            break
        checked += len(calls)
        before = (calls[-1].created_at, calls[-1].id)
        on_progress(checked)
    return checked, raised
