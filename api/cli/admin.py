"""Administration: API keys, migrations, object encryption keys, desk users and teams."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .common import (
    ConfigOption,
    DataDirOption,
    _database,
    _settings,
    app,
    keys_app,
    objects_app,
    teams_app,
    users_app,
)


@keys_app.command("create")
def keys_create(
    role: Annotated[
        str, typer.Option(help="admin, compliance (read and review everything) or telephony (upload)")
    ],
    name: Annotated[str, typer.Option(help="A label for the key")] = "",
    source: Annotated[
        str | None,
        typer.Option(
            help="Bind the key to the one source it uploads for (e.g. asterisk-east); no other key may use it"
        ),
    ] = None,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Create a key; it is printed once, alone on stdout."""
    from storage import api_keys, audit

    settings = _settings(config, data_dir)
    db = _database(settings)
    try:
        with db.session() as session:
            key, secret = api_keys.create_key(session, role, name, source)
            details = {"role": role, "name": name, "source": source}
            audit.record(session, "cli", "key.create", str(key.id), details)
    except ValueError as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(secret)


@keys_app.command("list")
def keys_list(data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    """Keys by id, role and prefix (never the secret)."""
    from storage import api_keys

    db = _database(_settings(config, data_dir))
    with db.session() as session:
        for key in api_keys.list_keys(session):
            state = "revoked" if key.revoked else "active"
            bound = f"\tsource {key.source}" if key.source else ""
            typer.echo(f"{key.id}\t{key.role}\t{key.prefix}...\t{state}\t{key.name}{bound}")


@keys_app.command("revoke")
def keys_revoke(key_id: int, data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    from storage import api_keys, audit

    db = _database(_settings(config, data_dir), migrate=False)
    with db.session() as session:
        if not api_keys.revoke_key(session, key_id):
            typer.echo(f"callrec: no active key {key_id}", err=True)
            raise typer.Exit(1)
        audit.record(session, "cli", "key.revoke", str(key_id), {})
    typer.echo(f"revoked key {key_id}")


@app.command()
def migrate(data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    """Bring the database schema up to date (the API and workers also do this at start)."""

    _database(_settings(config, data_dir))
    typer.echo("database is up to date")


@objects_app.command("new-key")
def objects_new_key(key_id: Annotated[str, typer.Argument(help="A name for the key, e.g. 2026-11")]) -> None:
    """Print a new encryption key line for the keyring (put it first to make it current)."""
    from storage.encryption import new_key_line

    typer.echo(new_key_line(key_id))


@objects_app.command("rekey")
def objects_rekey(data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    """Rewrite every object of the local store under the keyring's current key (after a rotation)."""
    from rich.progress import track

    from storage.objects_local import LocalObjectStore

    from ..services import open_objects

    settings = _settings(config, data_dir)
    try:
        objects = open_objects(settings)
    except ValueError as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(2) from exc
    if not isinstance(objects, LocalObjectStore) or objects.keyring is None:
        typer.echo("callrec: rekey is for an encrypted local object folder (set an encryption key)", err=True)
        raise typer.Exit(2)
    keys = [o.key for o in objects.list("")]
    changed = sum(
        objects.rekey(key) for key in track(keys, description="rekey", disable=not sys.stderr.isatty())
    )
    typer.echo(f"{changed} of {len(keys)} object(s) rewritten under key {objects.keyring.current}")


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Argument(help="The sign-in name")],
    role: Annotated[str, typer.Option(help="admin, compliance, manager or agent")],
    display_name: Annotated[str, typer.Option(help="The name shown in the desk")] = "",
    agent_id: Annotated[str, typer.Option(help="An agent user's telephony agent id")] = "",
    password_stdin: Annotated[bool, typer.Option(help="Read the password from standard input")] = False,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Add a user; the password is asked for (twice), or read from standard input."""
    from storage import audit
    from storage.users import UserError, create_user

    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else typer.prompt("password", hide_input=True, confirmation_prompt=True)
    )
    settings = _settings(config, data_dir)
    db = _database(settings)
    try:
        with db.session() as session:
            user = create_user(session, username, password, role, display_name, agent_id or None)
            audit.record(session, "cli", "user.create", user.username, {"role": user.role})
    except UserError as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"user {user.username} ({user.role}) created")


@users_app.command("list")
def users_list(data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    from storage.users import list_users

    settings = _settings(config, data_dir)
    db = _database(settings)
    with db.session() as session:
        for user in list_users(session):
            typer.echo(
                f"{user.username}\t{user.role}\t{'active' if user.active else 'disabled'}\t{user.display_name}"
            )


@users_app.command("disable")
def users_disable(username: str, data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    """Disable a user; their sessions end at once."""
    from storage import audit
    from storage.users import UserError, disable_user

    settings = _settings(config, data_dir)
    db = _database(settings)
    try:
        with db.session() as session:
            disable_user(session, username)
            audit.record(session, "cli", "user.disable", username, {})
    except UserError as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"user {username} disabled")


@teams_app.command("set")
def teams_set(
    name: Annotated[str, typer.Argument(help="The team; created when new")],
    agent: Annotated[list[str] | None, typer.Option(help="An agent id in the team (repeat)")] = None,
    manager: Annotated[list[str] | None, typer.Option(help="A manager's username (repeat)")] = None,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Create a team or replace its agents and/or managers."""
    from storage import audit
    from storage.errors import StorageError
    from storage.teams import put_team

    db = _database(_settings(config, data_dir))
    try:
        with db.session() as session:
            team = put_team(session, name, agent, manager)
            audit.record(
                session,
                "cli",
                "team.set",
                name,
                {"agents": list(team.agents), "managers": list(team.managers)},
            )
    except StorageError as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(
        f"team {team.name}: agents {', '.join(team.agents) or '-'}; managers {', '.join(team.managers) or '-'}"
    )


@teams_app.command("list")
def teams_list(data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    from storage.teams import list_teams

    db = _database(_settings(config, data_dir))
    with db.session() as session:
        for team in list_teams(session):
            typer.echo(
                f"{team.name}\tagents: {', '.join(team.agents) or '-'}\tmanagers: {', '.join(team.managers) or '-'}"
            )
