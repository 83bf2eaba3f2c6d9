"""What every `mtclean` command shares: one-line errors and the sub-command app settings."""

from __future__ import annotations

import sys
from contextlib import contextmanager

import typer

from mtclean.pipeline.errors import MtcleanError

APP_SETTINGS = dict(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def check_reading(errors: str, input_format: str) -> None:
    """The reading options `cleanup` and `detect` share: ``--errors`` and ``--format``."""
    if errors not in ("strict", "replace"):
        raise MtcleanError(f"--errors must be strict or replace, not {errors!r}")
    if input_format not in ("auto", "text", "jsonl"):
        raise MtcleanError(f"--format must be auto, text or jsonl, not {input_format!r}")


def sub_app(name: str, help: str) -> typer.Typer:
    """A sub-command group (`mtclean glossary`, `mtclean models`) with the main app's settings."""
    return typer.Typer(name=name, help=help, **APP_SETTINGS)


def _debug() -> bool:
    import click

    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    return bool(root and root.obj and root.obj.get("debug")) or "--debug" in sys.argv


@contextmanager
def reporting_errors():
    """Turn MtcleanError into one line on stderr and its exit code (a traceback with --debug)."""
    try:
        yield
    except MtcleanError as exc:
        if _debug():
            raise
        typer.echo(f"mtclean: error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
