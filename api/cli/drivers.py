"""Call drivers: check the named ones, discover the recurring ones now, and list what was found."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import ConfigOption, DataDirOption, _database, _settings, drivers_app


@drivers_app.command("check")
def drivers_check(
    directories: Annotated[
        list[Path] | None, typer.Argument(help="Driver folders (default: the configured ones)")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Validate driver packs: every error names the file and what is wrong."""
    from transcribe.drivers.named import load_drivers
    from transcribe.errors import RuleError

    settings = _settings(config).transcribe
    try:
        drivers = load_drivers(directories or settings.drivers_dirs, settings.builtin_drivers)
    except RuleError as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(1) from exc
    for driver in drivers:
        typer.echo(f"{driver.id}\t{driver.name}\t{len(driver.phrases)} phrase(s)\t{driver.source}")
    typer.echo(f"{len(drivers)} driver(s) OK", err=True)


@drivers_app.command("discover")
def drivers_discover(data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    """Find the recurring themes in customers' words now (the service also does every
    drivers_discover_s), file calls under them and queue driver.rising for rising drivers."""
    from transcribe.drivers.refresh import rediscover

    settings = _settings(config, data_dir)
    themes, rising = rediscover(_database(settings), settings.transcribe)
    for theme in themes:
        typer.echo(f"{theme.id}\t{theme.language}\t{len(theme.call_ids)} call(s)\t{theme.name}")
    for event in rising:
        typer.echo(f"rising: {event['name']} ({event['calls']} calls, usually {event['usual']})")
    typer.echo(
        f"{len(themes)} driver(s) discovered over the last {settings.transcribe.drivers_window_days} days"
    )
