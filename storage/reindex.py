"""Rebuild every segment's search forms (after the normaliser or the stemming rules change)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select, update

from .database import Database
from .tables import CallRow, SegmentRow
from .terms import index_forms
from .text import normalize
from .vocabulary import remember_terms

BATCH = 2000


def reindex_segments(db: Database, on_progress: Callable[[int, int], None] = lambda done, total: None) -> int:
    """Recompute text_normalized and search_forms for all segments, batch by batch; returns the count.

    Each batch commits on its own: the index stays queryable throughout, and an interrupted run can
    simply be started again.
    """
    with db.session() as session:
        total = session.scalar(select(func.count()).select_from(SegmentRow)) or 0
    done, last_id = 0, 0
    while True:
        with db.session() as session:
            rows = session.execute(
                select(SegmentRow.id, SegmentRow.text, CallRow.agent_id)
                .join(CallRow, CallRow.id == SegmentRow.call_id)
                .where(SegmentRow.id > last_id)
                .order_by(SegmentRow.id)
                .limit(BATCH)
            ).all()
            if not rows:
                break
            terms: dict[str | None, set[str]] = {}
            for row in rows:
                forms = index_forms(row.text)
                terms.setdefault(row.agent_id, set()).update(forms.split())
                session.execute(
                    update(SegmentRow)
                    .where(SegmentRow.id == row.id)
                    .values(text_normalized=normalize(row.text), search_forms=forms)
                )
            for agent_id, agent_terms in terms.items():
                remember_terms(session, agent_id, agent_terms)
            last_id = rows[-1].id
        done += len(rows)
        on_progress(done, total)
    return done
