"""Rule packs: check them, and apply them again to stored calls."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .common import (
    ConfigOption,
    DataDirOption,
    _database,
    _settings,
    rules_app,
)


@rules_app.command("check")
def rules_check(
    directories: Annotated[
        list[Path] | None, typer.Argument(help="Rule folders (default: the configured ones)")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Validate rule packs: every error names the file, the line and what is wrong."""
    from transcribe.rules.loader import RuleError, load_rules

    settings = _settings(config).transcribe
    try:
        rules = load_rules(directories or settings.rules_dirs, include_builtin=settings.builtin_rules)
    except RuleError as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(1) from exc
    for rule in rules:
        typer.echo(f"{rule.id}\tv{rule.version}\t{rule.category}\t{rule.severity}\t{rule.source}")
    typer.echo(f"{len(rules)} rule(s) OK", err=True)


@rules_app.command("apply")
def rules_apply(
    since: Annotated[
        str | None, typer.Option(help="Only calls created on or after this date (2026-01-31)")
    ] = None,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Run the current rules over stored calls; flags are updated in place, never duplicated."""
    from datetime import UTC, datetime

    from rich.progress import Progress, SpinnerColumn, TextColumn

    from transcribe.reanalyse import apply_rules
    from transcribe.rules.loader import RuleError, load_rules

    settings = _settings(config, data_dir)
    try:
        start = datetime.fromisoformat(since).replace(tzinfo=UTC) if since else None
        rules = load_rules(settings.transcribe.rules_dirs, include_builtin=settings.transcribe.builtin_rules)
    except (ValueError, RuleError) as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(2) from exc
    db = _database(settings)
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]rules apply[/] {task.completed} calls"),
        disable=not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task("", total=None)
        checked, raised = apply_rules(
            db,
            rules,
            start,
            settings.transcribe.voice_match_threshold,
            lambda done: progress.update(task, completed=done),
        )
    typer.echo(f"checked {checked} call(s); {raised} flag(s) raised")
