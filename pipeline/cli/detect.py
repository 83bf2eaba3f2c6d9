"""`mtclean detect`: print the foreign-language fragments the fragments stage finds, per file.

Nothing is changed. Offsets are code points into the file's text as mtclean reads
it (UTF-8, a BOM taken off, CRLF line ends read as LF), the same offsets the
cleanup report uses.
"""

from __future__ import annotations

import sys
from typing import List, Optional

import typer

from mtclean.pipeline import jsonl
from mtclean.pipeline.errors import EXIT_OK, EXIT_USAGE, MtcleanError


def detect(
    paths: List[str] = typer.Argument(None, help="Files, directories (recursive) or - for stdin.", show_default=False),
    as_json: bool = typer.Option(False, "--json", help="Print JSON Lines: {path, line (records only), lang, spans} per file or JSON Lines record."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language of the text (default: detect it per file)."),
    set_: List[str] = typer.Option([], "--set", help="A fragments option: KEY=VALUE (e.g. min_words=3)."),
    glob: List[str] = typer.Option([], "--glob", help="File patterns searched in directories (default: *.txt *.md *.jsonl *.ndjson)."),
    errors: str = typer.Option("strict", "--errors", help="Invalid UTF-8: strict (skip the file) or replace."),
    field: Optional[str] = typer.Option(None, "--field", help="JSON Lines: the field holding each record's text (default: text).", show_default=False),
    input_format: str = typer.Option("auto", "--format", help="Input format: auto (by suffix), text or jsonl."),
    glossary_dir: Optional[str] = typer.Option(None, "--glossary-dir", "-d", help="Project glossary directory: its names are not fragments (default: $MTCLEAN_GLOSSARY_DIR or ./glossaries)."),
) -> None:
    """Find text left in another language (by script, then langdetect) and print the spans."""
    from mtclean.pipeline.cli.common import check_reading, reporting_errors, say_reading_stdin, stdin_format
    from mtclean.pipeline.config import check_lang

    with reporting_errors():
        check_reading(errors, input_format)
        if lang is not None:
            check_lang(lang)
        all_paths = list(paths or ["-"])
        input_format = stdin_format(input_format, all_paths, ["--field"] if field else [])
        stage = build_stage(set_, glossary_dir=glossary_dir)
        stage.validate()
        stage.setup()
        say_reading_stdin(paths)
        failed = run_detect(all_paths, stage, lang=lang, as_json=as_json, globs=tuple(glob), errors=errors,
                            field=field or "text", input_format=input_format)
    raise typer.Exit(EXIT_USAGE if failed else EXIT_OK)


def build_stage(overrides: List[str], *, glossary_dir: str | None = None):
    """A FragmentsStage with ``KEY=VALUE`` options checked like a config file's, reading the
    project glossaries as cleanup does unless ``glossary_dirs`` is set."""
    from mtclean.pipeline.glossary import project_dirs
    from mtclean.stages.fragments import FragmentsConfig, FragmentsStage

    options = {}
    for item in overrides:
        key, sep, value = item.partition("=")
        key = key.strip().removeprefix("fragments.")
        if not sep or not key:
            raise MtcleanError(f"bad option {item!r}", hint="use --set KEY=VALUE, e.g. --set min_words=3")
        options[key] = value.strip()
    if "glossary_dirs" not in options:
        options["glossary_dirs"] = list(project_dirs(glossary_dir))
    return FragmentsStage(FragmentsConfig.from_mapping(options, stage="fragments"))


def run_detect(paths: list[str], stage, *, lang: str | None, as_json: bool, globs: tuple[str, ...] = (),
               errors: str = "strict", field: str = "text", input_format: str = "auto", out=None) -> int:
    """Detect in every input (each record of a JSON Lines file on its own) and print the results;
    returns the number of inputs and records that could not be read."""
    from mtclean.pipeline import io, language
    from mtclean.pipeline.document import Document
    from mtclean.pipeline.errors import InputError

    out = out or sys.stdout
    failed = 0
    rows: list[tuple] = []
    for src, _base in io.expand_inputs(paths, globs):
        name = "<stdin>" if src == "-" else src
        try:
            records = list(io.iter_texts(src, name, field=field, errors=errors, input_format=input_format))
        except InputError as exc:
            print(f"mtclean: error: {exc}", file=sys.stderr)
            failed += 1
            continue
        for line in io.problem_lines(records):
            print(f"mtclean: error: {line}; skipped", file=sys.stderr)
        failed += sum(r.text is None for r in records)
        records = [r for r in records if r.text is not None]
        # The records' languages together: langdetect samples the unsettled ones in batches.
        langs = [lang] * len(records) if lang else language.detect_many([r.text for r in records], default="en")
        for record, doc_lang in zip(records, langs):
            doc = stage.process(Document(text=record.text, id=record.where, lang=doc_lang))
            spans = doc.history[-1].spans
            if as_json:
                row = {"path": name, **({"line": record.line} if record.line is not None else {}),
                       "lang": doc.lang, "spans": [s.to_json() for s in spans]}
                out.write(jsonl.dumps(row) + "\n")
            else:
                rows.extend((record.where, doc.lang, s) for s in spans)
                if not spans:
                    rows.append((record.where, doc.lang, None))
    if not as_json:
        print_table(rows, out)
    return failed


def print_table(rows: list[tuple], out) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("file", "doc", "at", "lang", "conf", "method", "fragment", show_lines=False)
    for name, doc_lang, span in rows:
        if span is None:
            table.add_row(name, doc_lang, "", "", "", "", "(none)")
        else:
            table.add_row(name, doc_lang, f"{span.start}-{span.end}", span.lang, f"{span.confidence:.2f}",
                          span.method, span.text)
    Console(file=out, soft_wrap=False, width=None if out.isatty() else 200).print(table)
