"""Metadata that arrives beside a recording: a sidecar JSON file, or a row of a CDR CSV."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .errors import InvalidMetadata

# Asterisk cdr-csv (Master.csv) has no header; uniqueid and userfield follow when cdr.conf's
# loguniqueid / loguserfield are on.
ASTERISK_CDR_COLUMNS = (
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
    "uniqueid",
    "userfield",
)
_CDR_EXTRA = ("accountcode", "dcontext", "disposition", "billsec", "userfield", "dstchannel")


def read_sidecar(path: Path) -> dict[str, Any]:
    """The JSON object in `path` (CallMetadata fields), or a clear InvalidMetadata."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InvalidMetadata(f"sidecar {path.name} is not a readable JSON file: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidMetadata(f"sidecar {path.name} must hold a JSON object")
    return data


def merge_metadata(*layers: dict[str, Any]) -> dict[str, Any]:
    """Later layers win field by field; `extra` objects are merged rather than replaced."""
    merged: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if key == "extra" and isinstance(value, dict):
                merged["extra"] = {**merged.get("extra", {}), **value}
            elif value is not None:
                merged[key] = value
    return merged


@dataclass
class CdrIndex:
    """CDR rows by Asterisk uniqueid, re-read whenever the CSV file changes (PBXs append to it)."""

    path: Path
    timezone: str = "UTC"
    _rows: dict[str, dict[str, str]] = field(default_factory=dict)
    _mtime_ns: int = -1

    def lookup(self, uniqueid: str | None) -> dict[str, Any]:
        if not uniqueid:
            return {}
        self._refresh()
        row = self._rows.get(uniqueid)
        return cdr_metadata(row, self.timezone) if row else {}

    def _refresh(self) -> None:
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return
        if mtime == self._mtime_ns:
            return
        self._rows = {row["uniqueid"]: row for row in read_cdr_rows(self.path) if row.get("uniqueid")}
        self._mtime_ns = mtime


def read_cdr_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a CDR CSV: Asterisk's headerless Master.csv, or any CSV with a header naming a
    `uniqueid` column."""
    with open(path, newline="", encoding="utf-8", errors="replace") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return []
    if "uniqueid" in [c.strip().lower() for c in rows[0]]:
        header = [c.strip().lower() for c in rows[0]]
        return [dict(zip(header, row, strict=False)) for row in rows[1:]]
    return [dict(zip(ASTERISK_CDR_COLUMNS, row, strict=False)) for row in rows]


def cdr_metadata(row: dict[str, str], timezone: str = "UTC") -> dict[str, Any]:
    """What a CDR row adds: start time, and call facts kept in extra. Numbers are left to the file name
    (which knows the direction); src/dst fill in only where the name gave none."""
    metadata: dict[str, Any] = {}
    start = row.get("start", "").strip()
    if start:
        try:
            local = datetime.strptime(start, "%Y-%m-%d %H:%M:%S")
            metadata["started_at"] = local.replace(tzinfo=ZoneInfo(timezone)).isoformat()
        except ValueError:
            pass
    extra = {name: row[name] for name in _CDR_EXTRA if row.get(name)}
    if row.get("src"):
        extra["cdr_src"] = row["src"]
    if row.get("dst"):
        extra["cdr_dst"] = row["dst"]
    if extra:
        metadata["extra"] = extra
    return metadata
