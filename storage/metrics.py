"""Counters and histograms that every process (API servers, workers on any machine) adds to in Redis,
so one scrape of `GET /metrics` sees them all. Prometheus text format, written by hand: a few
families do not need a client library, and Redis already is the shared state.

Each family is one Redis hash: a field per label set (and, for histograms, per bucket, plus `sum` and
`count`). HINCRBYFLOAT is atomic, so concurrent processes never lose an increment.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

PREFIX = "callrec:metrics:"
SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
Labels = Mapping[str, str]


def _field(labels: Labels, extra: str = "") -> str:
    return json.dumps(dict(sorted(labels.items())), separators=(",", ":")) + extra


def add(redis: Redis, name: str, amount: float = 1.0, labels: Labels | None = None) -> None:
    """A counter goes up. Metrics never fail what they measure: a Redis hiccup is logged only."""
    try:
        redis.hincrbyfloat(PREFIX + name, _field(labels or {}), amount)
    except RedisError:
        log.warning("metric not recorded", extra={"metric": name})


def observe(
    redis: Redis,
    name: str,
    value: float,
    labels: Labels | None = None,
    buckets: Iterable[float] = SECONDS_BUCKETS,
) -> None:
    """One observation into a histogram (cumulative buckets, as Prometheus expects)."""
    base = _field(labels or {})
    try:
        with redis.pipeline(transaction=False) as pipe:
            for bound in buckets:
                if value <= bound:
                    pipe.hincrbyfloat(PREFIX + name, f"{base}|le={bound:g}", 1)
            pipe.hincrbyfloat(PREFIX + name, f"{base}|le=+Inf", 1)
            pipe.hincrbyfloat(PREFIX + name, f"{base}|sum", value)
            pipe.hincrbyfloat(PREFIX + name, f"{base}|count", 1)
            pipe.execute()
    except RedisError:
        log.warning("metric not recorded", extra={"metric": name})


def _label_text(labels: Mapping[str, object]) -> str:
    if not labels:
        return ""
    escaped = (
        f'{k}="{str(v).replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34)).replace(chr(10), " ")}"'
        for k, v in labels.items()
    )
    return "{" + ",".join(escaped) + "}"


def sample(name: str, value: float, labels: Mapping[str, object] | None = None) -> str:
    return f"{name}{_label_text(labels or {})} {value:g}"


def stored_families(redis: Redis, kinds: Mapping[str, tuple[str, str]]) -> list[str]:
    """The exposition lines of the stored families `kinds` (name -> (type, help))."""
    lines: list[str] = []
    for name, (kind, text) in kinds.items():
        lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
        found: dict = redis.hgetall(PREFIX + name)  # type: ignore[assignment]
        stored = {k.decode(): float(v) for k, v in found.items()}
        for field, value in sorted(stored.items(), key=lambda item: _order(item[0])):
            labels_json, _, part = field.partition("|")
            labels: dict[str, object] = json.loads(labels_json)
            if kind == "counter":
                lines.append(sample(f"{name}_total" if not name.endswith("_total") else name, value, labels))
            elif part.startswith("le="):
                lines.append(sample(f"{name}_bucket", value, {**labels, "le": part[3:]}))
            else:
                lines.append(sample(f"{name}_{part}", value, labels))
    return lines


def _order(field: str) -> tuple[str, int, float]:
    labels, _, part = field.partition("|")
    if part.startswith("le="):
        bound = part[3:]
        return labels, 0, float("inf") if bound == "+Inf" else float(bound)
    return labels, 1 if part == "sum" else 2, 0.0
