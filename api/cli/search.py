"""Search from the command line, and rebuilding the search index."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from .common import (
    ConfigOption,
    DataDirOption,
    _database,
    _settings,
    app,
)


@app.command()
def search(
    query: Annotated[
        str,
        typer.Argument(
            help='The query language: words, "phrase", OR, -word, pre*, fuzzy~, speaker:agent ...'
        ),
    ],
    order: Annotated[str, typer.Option(help="relevance or date")] = "relevance",
    limit: Annotated[int, typer.Option(help="Calls per page")] = 20,
    page: Annotated[int, typer.Option(help="Page number, from 1")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Search transcripts, as GET /v1/search does."""
    from storage.errors import InvalidQuery, SearchTooCostly
    from storage.search_index import search as run_search

    db_settings = _settings(config, data_dir)
    db = _database(db_settings, migrate=False)
    try:
        with db.session() as session:
            result = run_search(
                session, query, limit=limit, offset=(max(page, 1) - 1) * limit, order=order,
                time_limit_s=db_settings.storage.search_time_limit_s,
            )  # fmt: skip
    except (InvalidQuery, SearchTooCostly) as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        body = {
            "query": query,
            "total": result.total,
            "fuzzy": result.fuzzy,
            "results": [
                {
                    "call_id": r.call_id,
                    "score": r.score,
                    "hits": [
                        {
                            "start": h.start,
                            "end": h.end,
                            "role": h.role,
                            "text": h.text,
                            "matched": [h.words[i] for i in h.matched_words],
                        }
                        for h in r.hits
                    ],
                }
                for r in result.results
            ],
        }
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{result.total} call(s){' (fuzzy)' if result.fuzzy else ''}")
    for r in result.results:
        typer.echo(r.call_id)
        for h in r.hits:
            marked = set(h.matched_words)
            words = " ".join(f"[{w}]" if i in marked else w for i, w in enumerate(h.words)) or h.text
            typer.echo(f"  {h.start:8.2f}s  {h.role:<8} {words}")


@app.command()
def reindex(data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    """Rebuild the search index of every transcript, with a progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from storage.reindex import reindex_segments

    db = _database(_settings(config, data_dir))
    with Progress(
        TextColumn("[bold]reindex"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        disable=not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task("segments", total=None)
        count = reindex_segments(db, lambda done, total: progress.update(task, completed=done, total=total))
    typer.echo(f"reindexed {count} segment(s)")
