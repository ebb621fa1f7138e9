"""Outgoing webhooks: subscriptions, and the delivery log that doubles as an outbox.

An event is recorded in the same transaction that makes it true (a call marked done, a flag saved), so
a notification is never sent for something that rolled back, nor lost for something that committed.
Senders claim due deliveries with a lease, so several workers never send the same one at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from .encryption import EncryptionError, Keyring
from .errors import WebhookNotFound
from .records import record_of
from .sealed import seal, unseal
from .tables import WebhookDeliveryRow, WebhookRow, utcnow

EVENTS = ("call.done", "call.failed", "flag.raised", "driver.rising")


@dataclass(frozen=True, slots=True)
class Webhook:
    id: int
    url: str
    events: tuple[str, ...]
    active: bool
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    webhook_id: int
    event: str
    payload: dict[str, Any]
    state: str
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A claimed delivery with what it takes to send it."""

    id: int
    url: str
    secret: str
    event: str
    payload: dict[str, Any]
    attempts: int


def shown_url(url: str) -> str:
    """A URL as listed: credentials in it are never shown back."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _webhook(row: WebhookRow, keyring: Keyring | None) -> Webhook:
    try:
        url = shown_url(unseal(keyring, row.url))
    except EncryptionError:
        url = "(sealed with a key this process does not hold)"
    return Webhook(row.id, url, tuple(row.events), row.active, row.created_by, row.created_at)  # type: ignore[arg-type]


def _delivery(row: WebhookDeliveryRow) -> Delivery:
    return record_of(Delivery, row)


def create_webhook(
    session: Session, url: str, events: list[str], created_by: str, secret: str | None = None
) -> tuple[Webhook, str]:
    """A subscription; returns it with its signing secret (generated unless given), shown only now."""
    unknown = sorted(set(events) - set(EVENTS))
    if unknown or not events:
        raise ValueError(f"unknown event(s) {unknown}; choose from {', '.join(EVENTS)}")
    secret = secret or "whsec_" + secrets.token_urlsafe(32)
    keyring = session.info.get("keyring")
    row = WebhookRow(
        url=seal(keyring, url), secret=seal(keyring, secret), events=sorted(set(events)), active=True,
        created_by=created_by,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return _webhook(row, keyring), secret


def list_webhooks(session: Session) -> list[Webhook]:
    keyring = session.info.get("keyring")
    return [_webhook(row, keyring) for row in session.scalars(select(WebhookRow).order_by(WebhookRow.id))]


def deactivate_webhook(session: Session, webhook_id: int) -> Webhook:
    """Stop sending to it; its delivery log is kept for the admins."""
    row = session.get(WebhookRow, webhook_id)
    if row is None:
        raise WebhookNotFound(f"no webhook with id {webhook_id}")
    row.active = False
    session.execute(
        update(WebhookDeliveryRow)
        .where(WebhookDeliveryRow.webhook_id == webhook_id, WebhookDeliveryRow.state == "pending")
        .values(state="failed", last_error="webhook deactivated")
    )
    session.flush()
    return _webhook(row, session.info.get("keyring"))


def record_event(session: Session, event: str, data: dict[str, Any]) -> int:
    """Queue `event` for every active webhook subscribed to it; returns how many deliveries were queued."""
    now = utcnow()
    payload = {"event": event, "created_at": now.isoformat(), "data": data}
    count = 0
    for row in session.scalars(select(WebhookRow).where(WebhookRow.active.is_(True))):
        if event in row.events:
            session.add(
                WebhookDeliveryRow(
                    webhook_id=row.id,
                    event=event,
                    payload=payload,
                    state="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
            count += 1
    return count


def claim_due(session: Session, lease_s: float = 60, limit: int = 20) -> list[DueDelivery]:
    """Pending deliveries whose time has come, leased to this sender for `lease_s` seconds."""
    now = utcnow()
    candidates = session.scalars(
        select(WebhookDeliveryRow.id)
        .where(
            WebhookDeliveryRow.state == "pending",
            WebhookDeliveryRow.next_attempt_at <= now,
            or_(WebhookDeliveryRow.claimed_until.is_(None), WebhookDeliveryRow.claimed_until < now),
        )
        .order_by(WebhookDeliveryRow.next_attempt_at, WebhookDeliveryRow.id)
        .limit(limit)
    ).all()
    claimed = []
    for delivery_id in candidates:
        won = session.execute(
            update(WebhookDeliveryRow)
            .where(
                WebhookDeliveryRow.id == delivery_id,
                WebhookDeliveryRow.state == "pending",
                or_(WebhookDeliveryRow.claimed_until.is_(None), WebhookDeliveryRow.claimed_until < now),
            )
            .values(claimed_until=now + timedelta(seconds=lease_s))
        )
        if won.rowcount != 1:  # type: ignore[attr-defined]  # another sender took it
            continue
        row = session.get(WebhookDeliveryRow, delivery_id)
        hook = session.get(WebhookRow, row.webhook_id) if row else None
        if row is None or hook is None:
            continue
        keyring = session.info.get("keyring")
        url, secret = unseal(keyring, hook.url), unseal(keyring, hook.secret)
        claimed.append(DueDelivery(row.id, url, secret, row.event, row.payload, row.attempts))
    return claimed


def record_attempt(
    session: Session,
    delivery_id: int,
    status: int | None,
    error: str | None,
    retry_at: datetime | None,
) -> None:
    """One send: delivered on a 2xx; otherwise due again at `retry_at`, or failed for good when None."""
    row = session.get(WebhookDeliveryRow, delivery_id)
    if row is None:
        return
    row.attempts += 1
    row.claimed_until = None
    row.last_status, row.last_error = status, (error or None) and error[:2000]  # type: ignore[index]
    if status is not None and 200 <= status < 300:
        row.state, row.delivered_at = "delivered", utcnow()
    elif retry_at is None:
        row.state = "failed"
    else:
        row.next_attempt_at = retry_at
    session.flush()


def list_deliveries(
    session: Session, webhook_id: int, state: str | None = None, limit: int = 100
) -> list[Delivery]:
    if session.get(WebhookRow, webhook_id) is None:
        raise WebhookNotFound(f"no webhook with id {webhook_id}")
    query = select(WebhookDeliveryRow).where(WebhookDeliveryRow.webhook_id == webhook_id)
    if state:
        query = query.where(WebhookDeliveryRow.state == state)
    query = query.order_by(WebhookDeliveryRow.id.desc()).limit(limit)
    return [_delivery(row) for row in session.scalars(query)]


def redeliver(session: Session, delivery_id: int) -> Delivery:
    """Send a delivery again now (an admin fixed the receiver)."""
    row = session.get(WebhookDeliveryRow, delivery_id)
    if row is None:
        raise WebhookNotFound(f"no webhook delivery with id {delivery_id}")
    row.state, row.next_attempt_at, row.claimed_until = "pending", utcnow(), None
    session.flush()
    return _delivery(row)
