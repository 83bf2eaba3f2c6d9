"""Errors users see: one clear line each, with a defined exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_CHANGES = 1  # --check found something to change
EXIT_USAGE = 2  # bad usage or bad input


class MtcleanError(Exception):
    """An error to report as one line (no traceback unless --debug)."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message


class ConfigError(MtcleanError):
    """Invalid pipeline or stage configuration."""


class UnknownStageError(ConfigError):
    def __init__(self, name: str, available: list[str]):
        super().__init__(
            f"unknown stage {name!r}",
            hint="available: " + (", ".join(sorted(available)) or "none installed"),
        )
        self.name = name
        self.available = available


class InputError(MtcleanError):
    """A problem with one input; the run can go on with the others."""

    def __init__(self, source: str, message: str, *, position: str | None = None, hint: str | None = None):
        where = f"{source}:{position}" if position else source
        super().__init__(f"{where}: {message}", hint=hint)
        self.source = source
        self.position = position


class OutputError(MtcleanError):
    """What the run writes cannot be written (a full disk, an I/O error): the run stops."""

    def __init__(self, target: str, message: str, *, hint: str | None = None):
        super().__init__(f"{target}: {message}", hint=hint)
        self.target = target


class StageError(MtcleanError):
    """A stage broke its contract (e.g. changed text without recording it)."""
