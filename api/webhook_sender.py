"""Sending outgoing webhooks (call.done, call.failed, flag.raised, driver.rising) from the delivery log.

Each request carries `X-Callrec-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">` keyed by
the webhook's secret: receivers check it and reject old timestamps, so a captured request cannot be
replayed later. A delivery that does not get a 2xx is tried again after each delay of the backoff
schedule, then marked failed; every attempt is in the log admins read.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from datetime import datetime, timedelta

import httpx

from recorder.settings import RecorderSettings
from storage import webhooks
from storage.database import Database
from storage.tables import utcnow

from .webhook_targets import WebhookTargetRefused, resolve

log = logging.getLogger(__name__)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, tolerance_s: float = 300, now: float | None = None) -> bool:
    """The receiver's check (for tests and for receivers written in Python)."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


def next_attempt(attempts_made: int, backoff_s: list[float]) -> datetime | None:
    """When to try again after `attempts_made` failed attempts; None once the schedule is used up."""
    if attempts_made > len(backoff_s):
        return None
    return utcnow() + timedelta(seconds=backoff_s[attempts_made - 1])


def deliver_due(db: Database, client: httpx.Client, settings: RecorderSettings) -> int:
    """Send every delivery that is due; returns how many were attempted."""
    with db.session() as session:
        due = webhooks.claim_due(session, lease_s=settings.webhook_timeout_s * 3 + 30)
    for delivery in due:
        body = json.dumps({"id": delivery.id, **delivery.payload}, ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "callrec-webhooks/1",
            "X-Callrec-Event": delivery.event,
            "X-Callrec-Delivery": str(delivery.id),
            "X-Callrec-Signature": sign(delivery.secret, int(time.time()), body),
        }
        status: int | None = None
        error: str | None = None
        try:
            target = resolve(delivery.url, settings.webhook_allowed_networks)
            response = client.post(
                target.url,
                content=body,
                headers={**headers, "Host": httpx.URL(delivery.url).netloc.decode()},
                extensions={"sni_hostname": target.host},
            )
            status = response.status_code
            if not 200 <= status < 300:
                error = f"HTTP {status}"  # never the body: it could be an internal service's answer
        except WebhookTargetRefused as exc:
            error = str(exc)
        except httpx.HTTPError as exc:
            error = type(exc).__name__
        delivered = status is not None and 200 <= status < 300
        retry_at = None if delivered else next_attempt(delivery.attempts + 1, settings.webhook_backoff_s)
        with db.session() as session:
            webhooks.record_attempt(session, delivery.id, status, error, retry_at)
        if not delivered:
            log.warning(
                "webhook delivery failed",
                extra={
                    "delivery": delivery.id,
                    "event": delivery.event,
                    "error": error,
                    "retry": bool(retry_at),
                },
            )
    return len(due)


def deliver_forever(
    db: Database, settings: RecorderSettings, stop: threading.Event, poll_s: float = 2.0
) -> None:
    """The sender loop the worker runs beside transcription."""
    with httpx.Client(timeout=settings.webhook_timeout_s, follow_redirects=False) as client:
        while not stop.is_set():
            try:
                sent = deliver_due(db, client, settings)
            except Exception:  # a database hiccup must not end notifications for the worker's lifetime
                log.exception("webhook sender pass failed")
                sent = 0
            if not sent:
                stop.wait(poll_s)
