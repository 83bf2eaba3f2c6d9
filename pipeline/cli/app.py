"""The `mtclean` command line (typer). Heavy modules load inside commands, not here."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from mtclean.pipeline.cli.common import (
    APP_SETTINGS, DEBUG, check_reading, reporting_errors, say_reading_stdin, stdin_format,
)
from mtclean.pipeline.errors import MtcleanError

app = typer.Typer(
    name="mtclean",
    help="Clean up machine-translated text: explainable, reversible edits.",
    **APP_SETTINGS,
)


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
) -> None:
    DEBUG.set(debug)


@app.command()
def cleanup(
    paths: List[str] = typer.Argument(None, help="Files, directories (recursive) or - for stdin.", show_default=False),
    output: Optional[str] = typer.Option(None, "-o", "--output", help="Output file, or directory for several inputs."),
    in_place: bool = typer.Option(False, "--in-place", "-i", help="Rewrite the input files atomically."),
    backup: Optional[str] = typer.Option(None, "--backup", help="With --in-place, keep the original as FILE+SUFFIX (e.g. .orig)."),
    report: Optional[str] = typer.Option(None, "--report", help="Write the edit log as JSON Lines to this file."),
    report_text: bool = typer.Option(False, "--report-text", help="Include each cleaned text in the report."),
    diff: bool = typer.Option(False, "--diff", help="Print a unified diff instead of writing."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 when anything would change."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language of the text (default: detect it)."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Pipeline config file (TOML)."),
    glossary_dir: Optional[Path] = typer.Option(None, "--glossary-dir", "-d", help="Project glossary directory, read before the shipped glossaries (default: $MTCLEAN_GLOSSARY_DIR or ./glossaries)."),
    only: List[str] = typer.Option([], "--only", help="Run only these stages (comma-separated or repeated)."),
    skip: List[str] = typer.Option([], "--skip", help="Skip these stages."),
    set_: List[str] = typer.Option([], "--set", help="Override a stage option: STAGE.KEY=VALUE."),
    glob: List[str] = typer.Option([], "--glob", help="File patterns searched in directories (default: *.txt *.md *.jsonl *.ndjson)."),
    field: Optional[str] = typer.Option(None, "--field", help="JSON Lines: the field to clean (default: text).", show_default=False),
    id_field: Optional[str] = typer.Option(None, "--id-field", help="JSON Lines: the field holding a document id."),
    input_format: str = typer.Option("auto", "--format", help="Input format: auto (by suffix), text or jsonl."),
    errors: str = typer.Option("strict", "--errors", help="Invalid UTF-8: strict (refuse the file) or replace."),
    verify: bool = typer.Option(False, "--verify", help="Check after every stage that its edits replay and invert."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary or progress on stderr."),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Worker processes (0: every core). Output order never changes."),
    engine: str = typer.Option("local", "--engine", help="local (worker processes) or ray (Ray Data; needs the ray extra)."),
    address: Optional[str] = typer.Option(None, "--address", help="With --engine ray: the cluster to join (e.g. ray://head:10001 or auto)."),
    stage_groups: Optional[str] = typer.Option(None, "--stage-groups", help="With --engine ray: stages per actor class, e.g. 'encoding,fragments|translate|punctuation,names'."),
    shard_size: str = typer.Option("64MB", "--shard-size", help="With -o: input bytes per resumable shard."),
    resume: bool = typer.Option(True, "--resume/--no-resume", help="With -o: keep finished shards and reuse them when the same command is re-run."),
    html: Optional[str] = typer.Option(None, "--html", help="Also write an HTML review page of the edits (see `mtclean review`)."),
) -> None:
    """Clean files and write the cleaned text (stdout, -o, or --in-place)."""
    from mtclean.pipeline.cli.cleanup import Options, parse_size, parse_stage_groups, run_cleanup, summarize
    from mtclean.pipeline.config import load_config
    from mtclean.pipeline.runner import Pipeline

    with reporting_errors():
        check_reading(errors, input_format)
        given_paths, paths = paths, list(paths or ["-"])
        json_options = [name for name, given in (("--field", field), ("--id-field", id_field)) if given]
        input_format = stdin_format(input_format, paths, json_options)
        if backup is not None and not in_place:
            raise MtcleanError("--backup only makes sense with --in-place")
        if backup is not None and (not backup.strip() or "/" in backup or "\\" in backup or "\0" in backup):
            raise MtcleanError(f"--backup {backup!r}: give a suffix added to each file's name", hint="e.g. --backup .orig")
        cfg = load_config(config, only=only, skip=skip, overrides=set_, lang=lang, verify=verify or None,
                          glossary_dir=glossary_dir)
        pipeline = Pipeline.from_config(cfg)
        pipeline.validate()  # files the stages name, before any input is read or worker started
        opts = Options(
            output=output, in_place=in_place, backup=backup, report=report, report_text=report_text,
            diff=diff, check=check, field=field or "text", id_field=id_field, errors=errors, quiet=quiet,
            globs=tuple(glob), input_format=input_format,
            jobs=jobs, engine=engine, address=address, stage_groups=parse_stage_groups(stage_groups, cfg.stages),
            shard_size=parse_size(shard_size), resume=resume,
        )
        from mtclean.pipeline.review.html import html_after_cleanup

        with html_after_cleanup(html, opts, quiet=quiet):  # --html: the page is built from the edit log after the run
            if not quiet:
                say_reading_stdin(given_paths)
            outcome = run_cleanup(paths, pipeline, opts, progress=not quiet and sys.stderr.isatty())
        if not quiet and (outcome.inputs > 1 or outcome.documents > 1 or sys.stderr.isatty()):
            summarize(pipeline.stats, sys.stderr, pipeline.stages)
    raise typer.Exit(outcome.exit_code)


@app.command()
def stages() -> None:
    """List installed stages: name, id, provider and description."""
    from mtclean.pipeline import registry

    with reporting_errors():
        rows = []
        for name in registry.available():
            cls = registry.load(name)
            rows.append((name, f"{cls.name}.v{cls.version}", registry.provider(name), cls.description))
        _table(["stage", "id", "provider", "description"], rows)


def _table(headers: list[str], rows: list[tuple]) -> None:
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        t = Table(*headers)
        for r in rows:
            t.add_row(*map(str, r))
        Console().print(t)
    else:
        for r in rows:
            typer.echo("\t".join(map(str, r)))


# sub-commands ---------------------------------------------------------------
# One line per sub-command module (each keeps its heavy imports inside commands).
from mtclean.pipeline.cli import models as _models_cli; app.add_typer(_models_cli.app, name="models")  # noqa: E402,E702
from mtclean.pipeline.cli import glossary as _glossary_cli; app.add_typer(_glossary_cli.app, name="glossary")  # noqa: E402,E702
from mtclean.pipeline.cli import cache as _cache_cli; app.add_typer(_cache_cli.app, name="cache")  # noqa: E402,E702
from mtclean.pipeline.cli import detect as _detect_cli; app.command("detect")(_detect_cli.detect)  # noqa: E402,E702
from mtclean.pipeline.cli import explain as _explain_cli; app.command("explain")(_explain_cli.explain)  # noqa: E402,E702
from mtclean.pipeline.cli import review as _review_cli; _review_cli.register(app)  # noqa: E402,E702
# end sub-commands -----------------------------------------------------------
