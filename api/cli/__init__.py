"""The `callrec` command line: one Typer app, its commands grouped by what they are for."""

from __future__ import annotations

import os

import typer

from .common import app

# Importing the command modules registers their commands, in this order in `callrec --help`.
# isort: off
from . import serve, ingest, offline, search, rules, drivers, admin, compliance  # noqa: F401,E402
# isort: on

__all__ = ["app", "main"]


def main() -> None:
    # Recordings, transcripts, the database and keys are for callrec's own user: files 0600, folders
    # 0700 (the default umask left them 0644 and 0755, readable by every account on the machine).
    os.umask(0o077)
    from storage.audit import AuditKeyMissing

    try:
        app()
    except AuditKeyMissing as exc:  # another machine's key, or none: say so rather than a traceback
        typer.echo(f"callrec: {exc}", err=True)
        raise SystemExit(2) from exc
