"""The bulk backfill's manifest: a CSV naming each past recording and its metadata.

Columns: `file` (relative to the recordings folder, or absolute), then any call metadata field
(external_id, source, direction, agent_id, customer_number, started_at, language, channel_roles as
"agent,customer"); every other column is kept in the call's extra. Empty cells are left out.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ManifestError

FIELDS = ("external_id", "source", "direction", "agent_id", "customer_number", "started_at", "language")


@dataclass(frozen=True, slots=True)
class ManifestRow:
    line: int
    path: Path
    metadata: dict[str, Any]


def read_manifest(csv_path: Path, root: Path) -> list[ManifestRow]:
    try:
        with open(csv_path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or "file" not in reader.fieldnames:
                raise ManifestError(f"{csv_path}: the first row must name the columns, one of them `file`")
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ManifestError(f"{csv_path}: {exc}") from exc
    manifest = []
    for line, row in enumerate(rows, start=2):
        cells = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        file = cells.pop("file", "")
        if not file:
            raise ManifestError(f"{csv_path}:{line}: the `file` cell is empty")
        metadata: dict[str, Any] = {k: cells.pop(k) for k in FIELDS if cells.get(k)}
        cells.pop("", None)
        roles = cells.pop("channel_roles", "")
        if roles:
            metadata["channel_roles"] = [r.strip() for r in roles.replace(";", ",").split(",") if r.strip()]
        extra = {k: v for k, v in cells.items() if v}
        if extra:
            metadata["extra"] = extra
        path = Path(file) if Path(file).is_absolute() else root / file
        manifest.append(ManifestRow(line, path, metadata))
    return manifest
