"""`mtclean cleanup`: read inputs, run the pipeline, write outputs and the edit log."""

from __future__ import annotations

import difflib
import json
import sys
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable

from mtclean.pipeline import io
from mtclean.pipeline.document import Document
from mtclean.pipeline.errors import EXIT_CHANGES, EXIT_OK, EXIT_USAGE, InputError, MtcleanError
from mtclean.pipeline.report import document_entry
from mtclean.pipeline.runner import Pipeline


@dataclass
class Options:
    output: str | None = None
    in_place: bool = False
    backup: str | None = None
    report: str | None = None
    report_text: bool = False
    diff: bool = False
    check: bool = False
    field: str = "text"
    id_field: str | None = None
    errors: str = "strict"
    quiet: bool = False
    globs: tuple[str, ...] = ()
    input_format: str = "auto"  # auto | text | jsonl


@dataclass
class Outcome:
    inputs: int = 0
    changed: int = 0
    failed: int = 0
    documents: int = 0
    edits: int = 0
    messages: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.failed:
            return EXIT_USAGE
        return EXIT_CHANGES if self.changed and self._check else EXIT_OK

    _check: bool = False


@dataclass
class Produced:
    """The result of cleaning one input, before anything is written."""

    source: str
    data_in: bytes
    data_out: bytes
    text_in: str
    text_out: str
    entries: list[dict]
    errors: list[str]


def plan_outputs(inputs: list[tuple[str, str | None]], opts: Options) -> dict[str, str | None]:
    """Where each input's output goes (None = stdout, or nowhere for --check/--diff)."""
    if opts.in_place and opts.output:
        raise MtcleanError("--in-place and -o/--output cannot be used together")
    if opts.check or opts.diff:
        return {src: None for src, _ in inputs}
    if opts.in_place:
        if any(src == "-" for src, _ in inputs):
            raise MtcleanError("cannot clean standard input in place", hint="use -o FILE or stdout")
        return {src: src for src, _ in inputs}
    if opts.output is None:
        if len(inputs) > 1 or any(base for _, base in inputs):
            raise MtcleanError("several inputs need -o DIR or --in-place")
        return {src: None for src, _ in inputs}
    out = Path(opts.output)
    as_dir = len(inputs) > 1 or any(base for _, base in inputs) or opts.output.endswith(("/", "\\")) or out.is_dir()
    if not as_dir:
        return {inputs[0][0]: str(out)}
    plan: dict[str, str | None] = {}
    for src, base in inputs:
        if src == "-":
            raise MtcleanError("standard input needs -o FILE, not a directory")
        rel = Path(src).relative_to(base) if base else Path(src).name
        plan[src] = str(out / rel)
    targets = [p for p in plan.values() if p]
    if len(set(targets)) != len(targets):
        raise MtcleanError("two inputs would be written to the same output file", hint="clean them separately")
    return plan


def clean_one(src: str, pipeline: Pipeline, opts: Options) -> Produced:
    data = io.read_bytes(src)
    name = "<stdin>" if src == "-" else src
    fmt_jsonl = opts.input_format == "jsonl" or (opts.input_format == "auto" and io.is_jsonl(src))
    text, fmt = io.decode(data, name, errors=opts.errors)
    errors: list[str] = []
    if fmt.replaced_bytes:
        errors.append(f"{fmt.replaced_bytes} invalid UTF-8 byte sequence(s) replaced with U+FFFD (--errors replace)")
    if fmt_jsonl:
        out_text, entries, line_errors = _clean_jsonl(text, name, pipeline, opts)
        errors.extend(line_errors)
    else:
        doc = pipeline.run(Document(text=text, id=name, meta={"source": name}))
        out_text = doc.text
        entries = [document_entry(doc, input_text=text, source=name, include_text=opts.report_text, errors=errors)]
    data_out = data if out_text == text else io.encode(out_text, fmt)
    return Produced(name, data, data_out, text, out_text, entries, errors)


def _clean_jsonl(text: str, name: str, pipeline: Pipeline, opts: Options) -> tuple[str, list[dict], list[str]]:
    lines = list(io.iter_jsonl(text, name))
    errors: list[str] = []
    docs: list[tuple[int, Document]] = []
    for i, line in enumerate(lines):
        if line.error:
            errors.append(f"{name}:line {line.lineno}: {line.error}; line kept unchanged")
            continue
        if line.obj is None:
            continue
        value = line.obj.get(opts.field)
        if value is None:
            errors.append(f"{name}:line {line.lineno}: no field {opts.field!r}; line kept unchanged (see --field)")
            continue
        if not isinstance(value, str):
            errors.append(f"{name}:line {line.lineno}: field {opts.field!r} is not a string; line kept unchanged")
            continue
        doc_id = str(line.obj.get(opts.id_field, "")) if opts.id_field else ""
        docs.append((i, Document(text=value, id=doc_id or f"{name}:{line.lineno}",
                                 meta={"source": name, "line": line.lineno})))
    entries: list[dict] = []
    out_lines = [line.raw for line in lines]
    results = pipeline.run_stream(d for _, d in docs)
    for (i, original), doc in zip(docs, results):
        line = lines[i]
        input_text = line.obj[opts.field]
        if doc.text != input_text:
            obj = dict(line.obj)
            obj[opts.field] = doc.text
            out_lines[i] = io.dump_json_line(obj)
        entries.append(document_entry(doc, input_text=input_text, source=name, include_text=opts.report_text))
    out = "\n".join(out_lines)
    if text.endswith("\n") or (not lines and text):
        out += "\n"
    return out, entries, errors


def unified_diff(p: Produced) -> str:
    return "".join(difflib.unified_diff(
        p.text_in.splitlines(keepends=True), p.text_out.splitlines(keepends=True),
        fromfile=f"{p.source} (original)", tofile=f"{p.source} (cleaned)",
    ))


def run_cleanup(
    paths: list[str],
    pipeline: Pipeline,
    opts: Options,
    *,
    err: IO[str] | None = None,
    out: IO[bytes] | None = None,
    progress: bool = False,
) -> Outcome:
    err = err or sys.stderr
    outcome = Outcome(_check=opts.check)
    inputs = list(io.expand_inputs(paths, opts.globs))
    if not inputs:
        raise MtcleanError("no input files found", hint="check the paths and --glob patterns")
    plan = plan_outputs(inputs, opts)
    with ExitStack() as stack:
        report = None
        if opts.report:
            report_tmp = Path(opts.report).with_name(f".{Path(opts.report).name}.mtclean-tmp")
            try:
                report_tmp.parent.mkdir(parents=True, exist_ok=True)
                report = stack.enter_context(report_tmp.open("w", encoding="utf-8"))
            except OSError as exc:
                raise MtcleanError(f"{opts.report}: cannot write report: {exc.strerror or exc}") from None
        bar = stack.enter_context(_progress(len(inputs), enabled=progress))
        with pipeline:
            for src, _ in inputs:
                outcome.inputs += 1
                try:
                    produced = clean_one(src, pipeline, opts)
                except InputError as exc:
                    outcome.failed += 1
                    _say(err, str(exc))
                    bar.advance()
                    continue
                outcome.documents += len(produced.entries)
                outcome.edits += sum(e["edits"] for e in produced.entries)
                for message in produced.errors:
                    _say(err, message if message.startswith(produced.source) else f"{produced.source}: {message}")
                if any("line kept unchanged" in m for m in produced.errors):
                    outcome.failed += 1
                changed = produced.data_out != produced.data_in
                outcome.changed += changed
                target = plan[src]
                try:
                    _deliver(produced, target, changed, opts, err=err, out=out)
                except InputError as exc:
                    outcome.failed += 1
                    _say(err, str(exc))
                if report is not None:
                    for entry in produced.entries:
                        entry["output"] = target or ("-" if not (opts.check or opts.diff) else None)
                        report.write(json.dumps(entry, ensure_ascii=False) + "\n")
                bar.advance()
        if report is not None:
            report.close()
            report_tmp.replace(opts.report)
    if opts.check and not opts.quiet:
        _say(err, f"{outcome.changed} of {outcome.inputs} input(s) would change ({outcome.edits} edit(s))")
    return outcome


def _deliver(p: Produced, target: str | None, changed: bool, opts: Options, *, err, out) -> None:
    if opts.check:
        if changed and not opts.quiet:
            _say(err, f"would clean {p.source}")
        return
    if opts.diff:
        text = unified_diff(p)
        if text:
            io.write_stdout(text.encode("utf-8", "surrogatepass"), out)
        return
    if target is None:
        io.write_stdout(p.data_out, out)
    elif opts.in_place:
        if changed:  # untouched files keep their mtime
            io.atomic_write(target, p.data_out, backup=opts.backup)
    else:
        io.atomic_write(target, p.data_out)


def _say(err: IO[str], message: str) -> None:
    print(f"mtclean: {message}", file=err)


class _NoBar:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def advance(self) -> None:
        pass


class _RichBar(_NoBar):
    def __init__(self, total: int):
        from rich.progress import Progress

        self._progress = Progress(transient=True)
        self._task = self._progress.add_task("cleaning", total=total)

    def __enter__(self):
        self._progress.start()
        return self

    def __exit__(self, *exc):
        self._progress.stop()
        return False

    def advance(self) -> None:
        self._progress.advance(self._task)


def _progress(total: int, *, enabled: bool):
    return _RichBar(total) if enabled and total > 1 else _NoBar()


def summarize(stats, err: IO[str]) -> None:
    """One line per stage: edits by rule and seconds."""
    by_stage: dict[str, list[str]] = {}
    for (stage, rule), n in sorted(stats.edits.items()):
        by_stage.setdefault(stage, []).append(f"{rule.split('.', 1)[-1]}={n}")
    for stage, seconds in stats.seconds.items():
        rules = ", ".join(by_stage.get(stage, [])) or "no edits"
        extra = f", {stats.spans[stage]} span(s)" if stats.spans.get(stage) else ""
        extra += f", {stats.suggestions[stage]} suggestion(s)" if stats.suggestions.get(stage) else ""
        print(f"mtclean: {stage}: {rules}{extra} [{seconds:.2f}s]", file=err)


def iter_paths(paths: Iterable[str]) -> list[str]:
    return list(paths) or ["-"]
