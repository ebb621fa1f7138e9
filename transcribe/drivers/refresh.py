"""Discover the drivers again over the recent calls, file every call under the new themes, and announce
the drivers that are rising: run on a schedule by the background loops, or on request."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from storage.database import Database
from storage.driver_match import Theme
from storage.drivers import discovery_calls, raise_rising, replace_discovered
from storage.tables import utcnow

from ..settings import TranscribeSettings
from .discover import CallKeys, discover


def _call_keys(call_id: str, pairs: Any) -> CallKeys:
    pairs = [p for p in pairs if isinstance(p, list) and len(p) == 2]
    return CallKeys(call_id, frozenset(str(k) for k, _ in pairs), {str(k): str(s) for k, s in pairs})


def rediscover(
    db: Database, settings: TranscribeSettings, now: datetime | None = None
) -> tuple[list[Theme], list[dict[str, Any]]]:
    """The themes found per language over the last drivers_window_days, and the rising events queued."""
    now = now or utcnow()
    with db.session() as session:
        calls = discovery_calls(session, now - timedelta(days=settings.drivers_window_days), now)
    themes: list[Theme] = []
    for language, rows in sorted(calls.items()):
        docs = [_call_keys(call_id, pairs) for call_id, pairs in rows]
        themes += discover(docs, language, settings.drivers_min_calls)
    with db.session() as session:
        replace_discovered(session, themes)
        events = raise_rising(session, now)
    return themes, events
