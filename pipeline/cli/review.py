"""`mtclean review`, `mtclean apply-review` and `mtclean revert`: the editor's side of the edit log.

Wired into the main app with ``register(app)``; heavy work happens in
:mod:`mtclean.pipeline.review` and is imported inside the commands.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from mtclean.pipeline.cli.common import reporting_errors
from mtclean.pipeline.errors import EXIT_CHANGES


def review(
    report: Path = typer.Argument(..., help="An edit log written by `mtclean cleanup --report`."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="The HTML file to write (default: REPORT with .html)."),
    page_size: int = typer.Option(300, "--page-size", min=1, help="Edits per page of the review page."),
    glossary_file: Optional[str] = typer.Option(None, "--glossary-file", help="Glossary file the page proposes for accepted names."),
    glossary_dir: Optional[str] = typer.Option(None, "--glossary-dir", help="Project glossary directory for accepted names."),
    title: Optional[str] = typer.Option(None, "--title", help="Title of the page."),
) -> None:
    """Write a self-contained HTML review page for an edit log: edits inline, filters, decisions to download."""
    from mtclean.pipeline.review.html import write_review

    with reporting_errors():
        out = output or report.with_suffix(".html")
        totals = write_review(report, out, page_size=page_size, glossary_file=glossary_file,
                              glossary_dir=glossary_dir, title=title)
        missing = f"; {totals['without_text']} without text (edits listed without context)" if totals["without_text"] else ""
        typer.echo(f"mtclean: wrote {out}: {totals['documents']} document(s), {totals['edits']} edit(s), "
                   f"{totals['suggestions']} suggestion(s){missing}", err=True)


def apply_review(
    decisions: Path = typer.Argument(..., help="The decisions file downloaded from the review page."),
    report: Optional[Path] = typer.Option(None, "--report", help="The edit log (default: the one the decisions name)."),
    output: Optional[str] = typer.Option(None, "-o", "--output", help="Write the corrected text here (a file, or a directory for several) instead of over the outputs."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change; write nothing."),
    glossary_file: Optional[Path] = typer.Option(None, "--glossary-file", help="Glossary file for accepted names (overrides the decisions file)."),
    glossary_dir: Optional[Path] = typer.Option(None, "--glossary-dir", help="Project glossary directory (default: the decisions file's, $MTCLEAN_GLOSSARY_DIR or ./glossaries)."),
    no_glossary: bool = typer.Option(False, "--no-glossary", help="Do not add accepted names to a glossary."),
    ignore_digest: bool = typer.Option(False, "--ignore-digest", help="Apply even if the report changed since the page was made."),
) -> None:
    """Apply review decisions: revert rejected edits in the outputs, apply accepted suggestions, add accepted names to the glossary."""
    from mtclean.pipeline.review import decisions as dec
    from mtclean.pipeline.review.texts import TextFinder, write_results

    with reporting_errors():
        data = dec.load_decisions(decisions)
        report_path = dec.find_report(data, decisions, report)
        plan = dec.plan_decisions(data, report_path, check_digest=not ignore_digest)
        say = lambda msg: typer.echo(f"mtclean: {msg}", err=True)  # noqa: E731
        if dry_run:
            import difflib

            for r in plan.results:
                name = r.located.path or str(r.entry.get("id"))
                sys.stdout.write("".join(difflib.unified_diff(
                    r.located.text.splitlines(keepends=True), r.text.splitlines(keepends=True),
                    fromfile=f"{name} (cleaned)", tofile=f"{name} (reviewed)")))
            for entry_id, spelling in plan.variants:
                say(f"would add {spelling!r} as a variant of {entry_id}" + (" (--no-glossary: skipped)" if no_glossary else ""))
        else:
            added = 0
            written = write_results(plan.results, TextFinder(base=report_path.parent), output=output,
                                    in_place=output is None) if plan.results else []
            for path in written:
                say(f"wrote {path}")
            if plan.variants and not no_glossary:
                done, failed = dec.add_variants(
                    plan.variants,
                    glossary_file=str(glossary_file) if glossary_file else data.get("glossary_file"),
                    glossary_dir=str(glossary_dir) if glossary_dir else data.get("glossary_dir"))
                for msg in done:
                    say(msg)
                plan.skipped.extend(failed)
                added = sum(m.startswith("added") for m in done)
        for msg in plan.skipped:
            say(f"not applied: {msg}")
        if dry_run:
            say(f"dry run: {plan.reverted} edit(s) to revert, {plan.applied} suggestion(s) to apply, "
                f"{len(plan.variants)} glossary variant(s) to add")
        else:
            say(f"{plan.reverted} edit(s) reverted, {plan.applied} suggestion(s) applied, "
                f"{added} glossary variant(s) added")
    if plan.skipped:
        raise typer.Exit(EXIT_CHANGES)


def revert(
    report: Path = typer.Argument(..., help="An edit log written by `mtclean cleanup --report`."),
    stage: Optional[str] = typer.Option(None, "--stage", help="Undo this stage's edits (refused if a later stage changed their text)."),
    to: Optional[str] = typer.Option(None, "--to", help="The text as it was after this stage; `input` gives the original exactly."),
    doc: Optional[str] = typer.Option(None, "--doc", help="Only the document with this id (or source)."),
    output: Optional[str] = typer.Option(None, "-o", "--output", help="Write here (a file, or a directory for several files); default: standard output."),
    in_place: bool = typer.Option(False, "--in-place", "-i", help="Rewrite the output files named in the report."),
) -> None:
    """Undo one stage's edits, or give the text as it was after a stage (or the input)."""
    from mtclean.pipeline.report import read_report
    from mtclean.pipeline.review.revert import revert_entries
    from mtclean.pipeline.review.texts import TextFinder, write_results

    with reporting_errors():
        finder = TextFinder(base=report.parent)
        results = revert_entries(list(read_report(report)), finder, stage=stage, to=to, doc=doc)
        for r in results:
            if to == "input" and r.entry.get("errors"):
                typer.echo(f"mtclean: warning: {r.entry.get('id')}: {r.entry['errors'][0]}; those bytes cannot be restored",
                           err=True)
        for path in write_results(results, finder, output=output, in_place=in_place):
            typer.echo(f"mtclean: wrote {path}", err=True)


def register(app: typer.Typer) -> None:
    app.command("review")(review)
    app.command("apply-review")(apply_review)
    app.command("revert")(revert)
