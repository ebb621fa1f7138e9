"""The composition root: builds the database, object store, queue and ingestor from settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from redis import Redis

from recorder.ingest import Ingestor
from recorder.queue import CallQueue
from storage import audit
from storage.audit_key import load_audit_key
from storage.database import Database
from storage.objects import ObjectStore, open_object_store
from storage.objects_s3 import S3ObjectStore
from transcribe.drivers.named import NamedDriver, load_drivers
from transcribe.rules.changes import record_rule_set
from transcribe.rules.loader import load_rules
from transcribe.rules.model import Rule

from .settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    db: Database
    objects: ObjectStore
    redis: Redis
    queue: CallQueue
    ingestor: Ingestor
    rules: list[Rule]
    drivers: list[NamedDriver]

    def close(self) -> None:
        self.db.dispose()
        self.redis.close()


def open_objects(settings: Settings) -> ObjectStore:
    storage = settings.storage
    objects = open_object_store(
        storage.resolved_objects_url(),
        access_key=storage.s3_access_key.get_secret_value() if storage.s3_access_key else None,
        secret_key=storage.s3_secret_key.get_secret_value() if storage.s3_secret_key else None,
        keyring=storage.keyring(),
    )
    if isinstance(objects, S3ObjectStore):
        objects.ensure_bucket()
    return objects


def open_redis(url: str) -> Redis:
    if not url:
        raise RuntimeError(
            "no Redis URL: set CALLREC_QUEUE_REDIS_URL, or use `callrec up` for an embedded Redis"
        )
    return Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30, health_check_interval=30)


def open_database(settings: Settings, migrate: bool = True) -> Database:
    """The database with the audit chain's key; migrating also keys a chain written before one was."""
    storage = settings.storage
    db = Database(storage.resolved_database_url(), load_audit_key(storage), storage.keyring())
    if migrate:
        db.migrate()
        try:
            with db.session() as session:
                rehashed = audit.key_chain(session, db.audit_key)  # type: ignore[arg-type]
            if rehashed:
                log.info("audit trail keyed", extra={"entries": rehashed})
        except audit.AuditChainBroken as exc:
            log.error(str(exc))  # left as it is, for `callrec audit verify` to show
    return db


def build_services(settings: Settings, migrate: bool = True) -> Services:
    db = open_database(settings, migrate)
    objects = open_objects(settings)
    redis = open_redis(settings.queue.redis_url)
    queue = CallQueue(redis, settings.queue)
    rules = load_rules(settings.transcribe.rules_dirs, include_builtin=settings.transcribe.builtin_rules)
    drivers = load_drivers(settings.transcribe.drivers_dirs, settings.transcribe.builtin_drivers)
    if migrate:
        record_rule_set(db, rules, "callrec (rules loaded at start)")
    return Services(
        settings, db, objects, redis, queue, Ingestor(db, objects, queue, settings.recorder), rules, drivers
    )
