"""What every command shares: the Typer apps, the common options, settings and the database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..ingest_client import IngestOutcome
from ..settings import Settings, load_settings

if TYPE_CHECKING:
    pass

app = typer.Typer(
    help="callrec: call recording, transcription and search.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
rules_app = typer.Typer(help="Rule packs.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
recorder_app = typer.Typer(help="Telephony ingestion: folder watch, bucket drop.", no_args_is_help=True)
app.add_typer(recorder_app, name="recorder")
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
retention_app = typer.Typer(help="Retention policies.", no_args_is_help=True)
app.add_typer(retention_app, name="retention")
customers_app = typer.Typer(help="Customers' data.", no_args_is_help=True)
app.add_typer(customers_app, name="customers")
objects_app = typer.Typer(help="The object store: encryption keys.", no_args_is_help=True)
app.add_typer(objects_app, name="objects")
users_app = typer.Typer(help="People who sign in to the review desk.", no_args_is_help=True)
app.add_typer(users_app, name="users")
teams_app = typer.Typer(help="Teams: agents, and the managers who see their calls.", no_args_is_help=True)
app.add_typer(teams_app, name="teams")

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
