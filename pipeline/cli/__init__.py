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

        app(args=argv, prog_name="mtclean")
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
    except Exception as exc:  # a bug: say so in one line unless --debug
        if debug:
            raise
        print(f"mtclean: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
              file=sys.stderr)
        return EXIT_INTERNAL
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
