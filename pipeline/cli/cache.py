"""``mtclean cache``: where the cache of built resources is, how big, and clearing it.

Wired into the main app with ``app.add_typer(cache.app, name="cache")``.
"""

from __future__ import annotations

import typer

from mtclean.pipeline.cli.common import reporting_errors, sub_app

app = sub_app("cache", "The per-user cache of built glossaries, name matchers and language profiles.")


@app.command("dir")
def show_dir() -> None:
    """Print the cache directory, with its entries and their size (or say the cache is off)."""
    from mtclean.pipeline import cache

    folder = cache.cache_dir()
    if folder is None:
        typer.echo(f"the cache is off ({cache.ENV_SWITCH}=off, or no home directory)")
        return
    entries = cache.entries(folder)
    size = sum(p.stat().st_size for p in entries)
    typer.echo(f"{folder}\t{len(entries)} entries, {size / 1e6:.1f} MB")


@app.command("clear")
def clear() -> None:
    """Delete every cache entry (always safe: what is needed is built again)."""
    from mtclean.pipeline import cache

    with reporting_errors():
        folder = cache.cache_dir()
        if folder is None:
            typer.echo("the cache is off: nothing to clear")
            return
        removed = cache.clear(folder)
        typer.echo(f"removed {removed} entries from {folder}")
