"""What every `mtclean` command shares: one-line errors and the sub-command app settings."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from contextvars import ContextVar

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


def stdin_format(input_format: str, paths: list[str], json_options: list[str]) -> str:
    """The ``--format`` to read with. Standard input is text under ``auto``, but ``--field``
    or ``--id-field`` say it is JSON Lines: it is never cleaned as prose, JSON syntax and all.

    *json_options* are the JSON Lines options given on the command line.
    """
    if input_format != "auto" or not json_options or "-" not in paths:
        return input_format
    if all(p == "-" for p in paths):
        return "jsonl"
    raise MtcleanError(f"{json_options[0]} with standard input among files: standard input's format is unknown",
                       hint="add --format jsonl (every input is JSON Lines), or clean standard input on its own")


def say_reading_stdin(paths: list[str] | None) -> None:
    """No path on a terminal: say what the command waits for instead of waiting without a word."""
    if not paths and sys.stdin is not None and sys.stdin.isatty():
        typer.echo("mtclean: reading standard input (end it with Ctrl-D; paths to read go after the "
                   "command, see --help)", err=True)


def sub_app(name: str, help: str) -> typer.Typer:
    """A sub-command group (`mtclean glossary`, `mtclean models`) with the main app's settings."""
    return typer.Typer(name=name, help=help, **APP_SETTINGS)


# Set by the root callback from `--debug`. A context variable rather than a look-up of
# click's current context: typer no longer depends on click (it vendors its own copy),
# so importing click works only where some other package happened to bring it in.
DEBUG: ContextVar[bool] = ContextVar("mtclean_debug", default=False)


def _debug() -> bool:
    return DEBUG.get()


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
