"""`mtclean explain`: every edit of a report, readably; colored inline diffs in a terminal.

Piped or redirected, the output is plain text (one line per edit and its reason),
the same as before colors existed. In a terminal (or with ``--color always``)
each edit also shows its place in the text: the removed text struck through in
red and the inserted text in green, between a few words of context.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

import typer

CONTEXT = 30  # characters of context on each side of an edit


def explain(
    report: Path = typer.Argument(..., help="A report written by `mtclean cleanup --report`."),
    stage: Optional[str] = typer.Option(None, "--stage", help="Show only this stage's edits."),
    rule: Optional[str] = typer.Option(None, "--rule", help="Show only edits whose rule starts with this."),
    color: str = typer.Option("auto", "--color", help="Colored inline diffs: auto (in a terminal), always or never."),
) -> None:
    """Print every edit in a report readably: stage, rule, before -> after, reason, position."""
    from mtclean.pipeline.cli.common import reporting_errors
    from mtclean.pipeline.errors import MtcleanError
    from mtclean.pipeline.report import read_report

    with reporting_errors():
        if color not in ("auto", "always", "never"):
            raise MtcleanError(f"--color must be auto, always or never, not {color!r}")
        if stage:
            _check_stage(stage, report)
        rich = color == "always" or (color == "auto" and sys.stdout.isatty())
        console = None
        finder = None
        if rich:
            from rich.console import Console

            from mtclean.pipeline.review.texts import TextFinder

            console = Console(force_terminal=True, highlight=False, soft_wrap=True) if color == "always" else Console(highlight=False, soft_wrap=True)
            finder = TextFinder(base=report.parent)
        for entry in read_report(report):
            texts = _stage_texts(entry, finder) if rich else None
            shown = False

            def head() -> None:
                nonlocal shown
                if not shown:
                    _out(console, f"{entry.get('id') or entry.get('source')}:", style="bold")
                    shown = True

            for k, rec in enumerate(entry["records"]):
                if stage and rec["stage"].rsplit(".v", 1)[0] != stage and rec["stage"] != stage:
                    continue
                for kind, items in (("edit", rec.get("edits", [])), ("suggestion", rec.get("suggestions", []))):
                    for e in items:
                        if rule and not e["rule"].startswith(rule):
                            continue
                        head()
                        mark = "" if kind == "edit" else " (suggested, not applied)"
                        line = (f"  {rec['stage']:<16} {e['rule']:<28} @{e['start']}  "
                                f"{e['before']!r} -> {e['after']!r}{mark}\n      {e['reason']}")
                        if console is None:
                            typer.echo(line)
                        else:
                            _out(console, line)
                            # An edit's offsets are in its stage's input; a suggestion's in its output.
                            base = None if texts is None else texts[k if kind == "edit" else k + 1]
                            console.print(inline_diff(base, e, suggestion=kind != "edit"))
            for span in entry.get("spans", []) if not stage and not rule else []:
                head()
                if span.get("kind", "fragment") == "fragment":
                    _out(console, f"  fragment [{span['lang']}] @{span['start']}: {span['text']!r} ({span['method']})")
                else:
                    _out(console, f"  code @{span['start']}-{span['end']}: left as it is ({span['method']})")


def _check_stage(stage: str, report: Path) -> None:
    """``--stage`` names an installed stage or one the report has: a typo is refused, not an empty list."""
    from mtclean.pipeline import registry
    from mtclean.pipeline.errors import UnknownStageError
    from mtclean.pipeline.report import stage_names

    installed = set(registry.available())
    if stage in installed or stage.rsplit(".v", 1)[0] in installed:
        return
    in_report = stage_names(report)
    if stage not in in_report:
        raise UnknownStageError(stage, sorted(installed | {n for n in in_report if ".v" not in n}))


def _out(console, text: str, style: str | None = None) -> None:
    if console is None:
        typer.echo(text)
    else:
        from rich.text import Text

        console.print(Text(text, style=style or ""))


def _stage_texts(entry: dict[str, Any], finder) -> list[str] | None:
    """Texts before each record and after the last, if the final text can be found."""
    from mtclean.pipeline.errors import MtcleanError
    from mtclean.pipeline.report import records, rewind

    try:
        final = finder.final(entry).text
    except MtcleanError:
        return None
    return rewind(final, records(entry))


def inline_diff(text: str | None, e: dict[str, Any], *, suggestion: bool = False):
    """A rich Text: context, the removed text (red, struck through), the inserted text (green), context."""
    from rich.text import Text

    out = Text("      ")
    start = e["start"]
    end = start + len(e["before"])
    if text is not None and text[start:end] == e["before"]:
        left = text[max(0, start - CONTEXT):start]
        right = text[end:end + CONTEXT]
        out.append(("…" if start > CONTEXT else "") + _flat(left), style="dim")
        out.append(_flat(e["before"]) or "", style="red strike")
        out.append(_flat(e["after"]), style="green underline" if not suggestion else "yellow underline")
        out.append(_flat(right) + ("…" if end + CONTEXT < len(text) else ""), style="dim")
    else:
        out.append(_flat(e["before"]), style="red strike")
        out.append(_flat(e["after"]), style="green underline" if not suggestion else "yellow underline")
        out.append("  (text not available for context)", style="dim")
    return out


def _flat(s: str) -> str:
    return s.replace("\n", "↵")
