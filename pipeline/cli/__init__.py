"""Entry point of the `mtclean` command."""

from __future__ import annotations

import sys

EXIT_INTERNAL = 3


def main(argv: list[str] | None = None) -> int:
    from mtclean.pipeline.errors import MtcleanError

    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv
    try:
        from mtclean.pipeline.cli.app import app

        # Not standalone: typer's own usage errors come back here to be said in one line.
        code = app(args=argv, prog_name="mtclean", standalone_mode=False)
        return code if isinstance(code, int) else 0
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        print("mtclean: interrupted", file=sys.stderr)
        return 130
    except MtcleanError as exc:
        if debug:
            raise
        print(f"mtclean: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:
        if _is_usage_error(exc):
            return _usage_error(exc)
        if type(exc).__name__ == "Abort":  # typer.Abort: end of input at a prompt
            print("mtclean: aborted", file=sys.stderr)
            return 1
        # A bug: say so in one line unless --debug.
        if debug:
            raise
        print(f"mtclean: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
              file=sys.stderr)
        return EXIT_INTERNAL
    return 0


def _is_usage_error(exc: Exception) -> bool:
    # click's UsageError (typer vendors click's exceptions since 0.22; older typer
    # raises click's own): told by its interface, not by a class from either.
    return isinstance(getattr(exc, "exit_code", None), int) and callable(getattr(exc, "format_message", None))


def _usage_error(exc: Exception) -> int:
    """A mistyped option, command or value: one line, naming where the help is."""
    ctx = getattr(exc, "ctx", None)
    if type(exc).__name__ == "NoArgsIsHelpError":  # `mtclean glossary` alone: the help is the answer
        text = exc.format_message()  # empty when typer has printed it with rich already
        if text.strip():
            print(text, file=sys.stderr)
        return exc.exit_code
    message = " ".join(exc.format_message().split())
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    print(f"mtclean: error: {message}{hint}", file=sys.stderr)
    return exc.exit_code


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
