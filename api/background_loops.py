"""What a worker process runs beside its jobs: the reconciler (calls whose job Redis lost get it back),
retention, audit anchoring, call-driver discovery and webhook delivery. Each pass that must not run
twice at once across workers takes a Redis lock; a failed pass is logged and the next one runs as
planned."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from recorder.queue import requeue_stranded_calls

from .services import Services
from .settings import Settings
from .webhook_sender import deliver_forever

log = logging.getLogger(__name__)
RECONCILE_S = 60
RETENTION_S = 3600


def start_background_loops(services: Services, settings: Settings) -> None:
    every("reconciler", RECONCILE_S, lambda: requeue_stranded_calls(services.db, services.queue))
    if settings.storage.retention_policies:
        every("retention", RETENTION_S, lambda: apply_retention_once(services, settings))
    every("audit-anchor", settings.storage.audit_anchor_s, lambda: anchor_audit_once(services))
    if settings.transcribe.drivers_discover_s > 0:
        every("drivers", settings.transcribe.drivers_discover_s, lambda: discover_drivers_once(services))
    threading.Thread(
        target=deliver_forever,
        args=(services.db, settings.recorder, threading.Event()),
        name="webhooks",
        daemon=True,
    ).start()


def apply_retention_once(services: Services, settings: Settings) -> None:
    from storage.retention import apply_retention

    lock = services.redis.lock("callrec:retention", timeout=3600)
    if lock.acquire(blocking=False):
        try:
            apply_retention(services.db, services.objects, settings.storage.retention_policies)
        finally:
            lock.release()


def anchor_audit_once(services: Services) -> None:
    from storage.audit_anchor import anchor_if_moved

    lock = services.redis.lock("callrec:audit-anchor", timeout=600)
    if lock.acquire(blocking=False):
        try:
            with services.db.session() as session:
                anchor_if_moved(session, services.objects)
        finally:
            lock.release()


def discover_drivers_once(services: Services) -> None:
    from transcribe.drivers.refresh import rediscover

    lock = services.redis.lock("callrec:drivers", timeout=3600)
    if lock.acquire(blocking=False):
        try:
            themes, rising = rediscover(services.db, services.settings.transcribe)
            log.info("drivers discovered", extra={"themes": len(themes), "rising": len(rising)})
        finally:
            lock.release()


def every(name: str, seconds: float, step: Callable[[], object]) -> None:
    """Run `step` now and then every `seconds` in a daemon thread."""

    def loop() -> None:
        while True:
            try:
                step()
            except Exception:
                log.exception("%s pass failed", name)
            time.sleep(seconds)

    threading.Thread(target=loop, name=name, daemon=True).start()
