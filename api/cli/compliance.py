"""Compliance: the audit trail, retention, customers' deletion requests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .common import (
    ConfigOption,
    DataDirOption,
    _database,
    _settings,
    audit_app,
    customers_app,
    retention_app,
)


@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[
        Path | None,
        typer.Option(help="An anchor file from `callrec audit anchor --out` (default: the newest stored)"),
    ] = None,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Recompute the audit trail's keyed hash chain and check it against an anchor kept outside the
    database; exit 1 if an entry was altered, removed or reordered."""
    from storage import audit
    from storage.audit_anchor import Anchor, latest_anchor

    from ..services import open_objects

    settings = _settings(config, data_dir)
    db = _database(settings, migrate=False)
    try:
        pinned = Anchor.from_json(anchor.read_text()) if anchor else latest_anchor(open_objects(settings))
    except (OSError, ValueError) as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(2) from exc
    with db.session() as session:
        check = audit.verify_chain(session, (pinned.last_id, pinned.last_hash) if pinned else None)
    if not check.ok:
        typer.echo(f"audit trail BROKEN after {check.entries} good entries: {check.problem}", err=True)
        raise typer.Exit(1)
    pinned_text = f", anchored at entry {pinned.last_id} ({pinned.at})" if pinned else ", no anchor yet"
    typer.echo(
        f"audit trail intact: {check.entries} entries, {'keyed' if check.keyed else 'NOT keyed'}{pinned_text}"
    )


@audit_app.command("anchor")
def audit_anchor(
    out: Annotated[
        Path | None, typer.Option(help="Also write the anchor to this file (ship it elsewhere)")
    ] = None,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Store the audit chain's head as an anchor object now (workers do it every
    CALLREC_STORAGE_AUDIT_ANCHOR_S) and print it."""
    from storage.audit_anchor import current_anchor, store_anchor

    from ..services import open_objects

    settings = _settings(config, data_dir)
    db = _database(settings, migrate=False)
    with db.session() as session:
        anchor = current_anchor(session)
    key = store_anchor(open_objects(settings), anchor)
    if out is not None:
        out.write_text(anchor.to_json() + "\n")
    typer.echo(anchor.to_json())
    typer.echo(f"stored as {key}", err=True)


@retention_app.command("apply")
def retention_apply(
    dry_run: Annotated[bool, typer.Option(help="Only say what would be deleted")] = False,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Apply the retention policies now (the workers also do it hourly)."""
    from storage.retention import apply_retention, due

    from ..services import open_objects

    settings = _settings(config, data_dir)
    policies = settings.storage.retention_policies
    if not policies:
        typer.echo(
            "callrec: no retention policies (CALLREC_STORAGE_RETENTION_POLICIES): nothing to do", err=True
        )
        raise typer.Exit(2)
    db = _database(settings)
    report = due(db, policies) if dry_run else apply_retention(db, open_objects(settings), policies)
    verb = "would" if dry_run else "did"
    typer.echo(
        f"retention {verb} expire the audio of {len(report.audio_expired)} call(s), "
        f"delete {len(report.deleted)} call(s); {len(report.held)} held"
    )


@customers_app.command("forget")
def customers_forget(
    customer_number: Annotated[str, typer.Argument(help="The customer's number, as stored on their calls")],
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Delete every call of a customer (a data deletion request), except calls under a legal hold;
    prints the report as JSON."""
    from storage.lifecycle import forget_customer

    from ..services import open_objects

    settings = _settings(config, data_dir)
    db = _database(settings)
    report = forget_customer(db, open_objects(settings), customer_number, "cli")
    typer.echo(json.dumps(report.as_dict(), indent=2))
