"""What every command shares: the Typer apps, the common options, settings and the database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from ..ingest_client import IngestOutcome
from ..settings import Settings, load_settings

app = typer.Typer(
    help="callrec: call recording, transcription and search.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _sub_app(name: str, help: str) -> typer.Typer:
    sub = typer.Typer(help=help, no_args_is_help=True)
    app.add_typer(sub, name=name)
    return sub


keys_app = _sub_app("keys", "API keys.")
rules_app = _sub_app("rules", "Rule packs.")
drivers_app = _sub_app("drivers", "Call drivers: why customers call.")
recorder_app = _sub_app("recorder", "Telephony ingestion: folder watch, bucket drop.")
audit_app = _sub_app("audit", "The audit trail.")
retention_app = _sub_app("retention", "Retention policies.")
customers_app = _sub_app("customers", "Customers' data.")
objects_app = _sub_app("objects", "The object store: encryption keys.")
users_app = _sub_app("users", "People who sign in to the review desk.")
teams_app = _sub_app("teams", "Teams: agents, and the managers who see their calls.")

ConfigOption = Annotated[
    Path | None, typer.Option("--config", envvar="CALLREC_CONFIG", help="A file of CALLREC_...=value lines")
]
DataDirOption = Annotated[Path | None, typer.Option("--data-dir", help="Folder for all embedded state")]


def _settings(config: Path | None, data_dir: Path | None = None) -> Settings:
    try:
        return load_settings(config, data_dir)
    except (FileNotFoundError, ValueError) as exc:
        typer.echo(f"callrec: bad settings: {exc}", err=True)
        raise typer.Exit(2) from exc


def _database(settings: Settings, migrate: bool = True):  # type: ignore[no-untyped-def]
    """The database of the settings, brought up to the current schema for commands that write."""
    from ..services import open_database

    return open_database(settings, migrate)


def server_and_key(config: Path | None, url: str | None, key: str | None) -> tuple[str, str]:
    """The server and key for commands that post to a running callrec: options, else settings."""
    settings = _settings(config).api
    url, key = url or settings.url, key or settings.key
    if not key:
        typer.echo("callrec: no API key: pass --key or set CALLREC_API_KEY", err=True)
        raise typer.Exit(2)
    return url, key


def run_batch(run: Callable[[], list[IngestOutcome]]) -> list[IngestOutcome]:
    try:
        return run()
    except FileNotFoundError as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(2) from exc
