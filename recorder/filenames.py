"""Call metadata from a recording's file name: FreePBX's default pattern built in, or a template.

A template names the fields between literal separators, e.g.
`{direction}_{agent_id}_{customer_number}_{date}_{time}_{external_id}`. Fields: direction, agent_id,
customer_number, external_id, language, date (YYYYMMDD), time (HHMMSS), epoch (Unix seconds),
extra.NAME (kept in the call's extra), and * (ignored).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from .errors import FilenamePatternError

FREEPBX = "freepbx"
_FIELD = re.compile(r"\{([A-Za-z_.*][A-Za-z0-9_.]*)\}")
_FIELD_PATTERNS = {
    "date": r"\d{8}",
    "time": r"\d{6}",
    "epoch": r"\d{9,11}(?:\.\d+)?",
    "direction": r"[A-Za-z]+",
    "language": r"[a-z]{2,3}",
}
_DIRECTIONS = {
    "in": "inbound",
    "inbound": "inbound",
    "incoming": "inbound",
    "out": "outbound",
    "outbound": "outbound",
    "outgoing": "outbound",
    "internal": "internal",
}
_PLAIN_FIELDS = ("agent_id", "customer_number", "external_id", "language")
# FreePBX: {type}-{first}-{second}-{YYYYMMDD}-{HHMMSS}-{UNIQUEID}; what the two numbers mean depends on
# the recording type (who was dialled, who called).
_FREEPBX = re.compile(
    r"^(?P<type>[a-z]+)-(?P<first>[^-]*)-(?P<second>[^-]*)-(?P<date>\d{8})-(?P<time>\d{6})-"
    r"(?P<uniqueid>\d+(?:\.\d+)?)$"
)
_FREEPBX_INBOUND_GROUPS = {"in": "did", "q": "queue", "rg": "ring_group"}
_FREEPBX_OUTBOUND = {"out", "external", "force", "ondemand"}


@dataclass(frozen=True, slots=True)
class FilenamePattern:
    """Parses a file name (without its suffix) into metadata fields, or returns {} when it does not fit."""

    template: str
    timezone: str = "UTC"
    max_extension_digits: int = 6

    def __post_init__(self) -> None:
        if self.template != FREEPBX:
            _compile(self.template)
        try:
            ZoneInfo(self.timezone)
        except (KeyError, ValueError) as exc:
            raise FilenamePatternError(f"unknown time zone {self.timezone!r}") from exc

    def parse(self, stem: str) -> dict[str, Any]:
        if self.template == FREEPBX:
            return self._parse_freepbx(stem)
        match = _compile(self.template).match(stem)
        if not match:
            return {}
        fields = {_group_field(name): value for name, value in match.groupdict().items() if value}
        metadata: dict[str, Any] = {k: fields[k] for k in _PLAIN_FIELDS if fields.get(k)}
        direction = _DIRECTIONS.get(fields.get("direction", "").lower())
        if direction:
            metadata["direction"] = direction
        started = self._started_at(fields)
        if started:
            metadata["started_at"] = started.isoformat()
        extra = {k.removeprefix("extra."): v for k, v in fields.items() if k.startswith("extra.")}
        if extra:
            metadata["extra"] = extra
        return metadata

    def _started_at(self, fields: dict[str, str]) -> datetime | None:
        if "epoch" in fields:
            return datetime.fromtimestamp(float(fields["epoch"]), UTC)
        if "date" not in fields:
            return None
        try:
            local = datetime.strptime(fields["date"] + fields.get("time", "000000"), "%Y%m%d%H%M%S")
        except ValueError:
            return None
        return local.replace(tzinfo=ZoneInfo(self.timezone)).astimezone(UTC)

    def is_extension(self, number: str) -> bool:
        return number.isdigit() and len(number) <= self.max_extension_digits

    def _parse_freepbx(self, stem: str) -> dict[str, Any]:
        match = _FREEPBX.match(stem)
        if not match:
            return {}
        kind, first, second = match["type"], match["first"], match["second"]
        # The whole stem is unique per recording file; Asterisk's uniqueid may repeat across the
        # recordings of one transferred call, so it goes to extra (and matches CDR rows).
        metadata: dict[str, Any] = {"external_id": stem}
        extra: dict[str, Any] = {"recording_type": kind, "uniqueid": match["uniqueid"]}
        started = self._started_at({"date": match["date"], "time": match["time"]})
        if started:
            metadata["started_at"] = started.isoformat()
        if kind in _FREEPBX_INBOUND_GROUPS:  # {type}-{DID, queue or ring group}-{caller}
            extra[_FREEPBX_INBOUND_GROUPS[kind]] = first
            metadata.update(direction="inbound", customer_number=second or None)
        elif kind in _FREEPBX_OUTBOUND:  # {type}-{dialled number}-{extension}
            if self.is_extension(first):
                metadata.update(direction="internal", agent_id=second or None)
                extra["callee"] = first
            else:
                metadata.update(direction="outbound", agent_id=second or None, customer_number=first or None)
        else:  # exten, internal, ...: {type}-{extension rung}-{caller}
            if self.is_extension(second):
                metadata.update(direction="internal", agent_id=second or None)
                extra["callee"] = first
            else:
                metadata.update(direction="inbound", agent_id=first or None, customer_number=second or None)
        metadata["extra"] = extra
        return {k: v for k, v in metadata.items() if v is not None}


def _group_field(group: str) -> str:
    return group.replace("__", ".")


def _compile(template: str) -> re.Pattern[str]:
    parts, position, seen = ["^"], 0, set()
    for match in _FIELD.finditer(template):
        parts.append(re.escape(template[position : match.start()]))
        name = match.group(1)
        if name == "*":
            parts.append(".*?")
        else:
            base = name.split(".")[0]
            if base not in (*_PLAIN_FIELDS, "direction", "date", "time", "epoch", "extra") or (
                base == "extra" and "." not in name
            ):
                raise FilenamePatternError(
                    f"unknown field {{{name}}} in file-name template {template!r}; use "
                    "direction, agent_id, customer_number, external_id, language, date, time, epoch, "
                    "extra.NAME or *"
                )
            if name in seen:
                raise FilenamePatternError(f"field {{{name}}} appears twice in {template!r}")
            seen.add(name)
            group = name.replace(".", "__") if "." in name else name
            parts.append(f"(?P<{group}>{_FIELD_PATTERNS.get(name, '.+?')})")
        position = match.end()
    if not seen:
        raise FilenamePatternError(f"file-name template {template!r} names no field")
    parts.append(re.escape(template[position:]) + "$")
    return re.compile("".join(parts))
