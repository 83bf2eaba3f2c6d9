"""`mtclean cleanup`: read inputs, run the pipeline, write outputs and the edit log."""

from __future__ import annotations

import difflib
import logging
import os
import sys
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from dataclasses import replace as dc_replace
from pathlib import Path
from typing import IO, Iterator

from mtclean.pipeline import io, jsonl
from mtclean.pipeline import work as _work
from mtclean.pipeline.errors import EXIT_CHANGES, EXIT_OK, EXIT_USAGE, InputError, MtcleanError, OutputError
from mtclean.pipeline.parallel import local_engine
from mtclean.pipeline.report import place_blocks, run_header
from mtclean.pipeline.runner import Pipeline
from mtclean.pipeline.shards import ShardedSink, ShardStore, fingerprint, work_dir_for
from mtclean.pipeline.sinks import writer_for
from mtclean.pipeline.work import MissingField, Task, TaskResult, WorkOptions, input_kind, plan_input

DEFAULT_SHARD_BYTES = 64 << 20


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
    jobs: int | None = None  # worker processes; None/0 = every core
    engine: str = "local"  # local | ray
    address: str | None = None  # Ray cluster address (--engine ray)
    stage_groups: tuple[tuple[str, ...], ...] = ()  # Ray: stages run by one actor class each
    shard_size: int = DEFAULT_SHARD_BYTES  # resumable runs: bytes of input per shard
    resume: bool = True  # -o runs keep finished shards and reuse them when re-run
    page: str | None = None  # --html: the review page, written from the report after the run


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


def check_apart(inputs: list[tuple[str, str | None]], plan: dict[str, str | None], opts: Options) -> None:
    """Refuse a run that would write over one of its own inputs, or write two things to one file.

    A report, review page, backup or output naming an input (`--report a.txt` for input a.txt)
    or another output of the run (`--report o.txt -o o.txt`) would replace it: paths are
    compared resolved, and existing files by device and inode too (a hard link is the same file).
    """
    def key(path: str) -> tuple:
        p = Path(path)
        try:
            st = p.stat()
            return ("inode", st.st_dev, st.st_ino)
        except OSError:
            return ("path", str(p.resolve()))

    def keys(path: str) -> set[tuple]:
        return {key(path), ("path", str(Path(path).resolve()))}

    read = {k: src for src, _ in inputs if src != "-" for k in keys(src)}
    written: list[tuple[str, str]] = []
    if not opts.in_place:
        written += [("output", target) for target in plan.values() if target]
    elif opts.backup:
        written += [("backup", src + opts.backup) for src, _ in inputs]
    written += [(what, path) for what, path in (("report", opts.report), ("review page", opts.page)) if path]
    seen: dict[tuple, tuple[str, str]] = {}
    for what, path in written:
        if path == "-" or io.is_special(Path(path)):
            continue  # standard output, /dev/null: nothing is replaced
        for k in keys(path):
            if k in read:
                raise MtcleanError(f"the {what} {path} is the input {read[k]}: it would be replaced",
                                   hint=f"write the {what} elsewhere")
            if k in seen:
                other, other_path = seen[k]
                raise MtcleanError(f"the {what} {path} and the {other} {other_path} are one file: one would be lost",
                                   hint=f"give the {what} another name")
        for k in keys(path):
            seen.setdefault(k, (what, path))


def parse_size(value: str) -> int:
    """``64MB``, ``512k``, ``1GiB`` or a plain number of bytes."""
    import re

    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*", value.lower())
    if not m or float(m.group(1)) <= 0:
        raise MtcleanError(f"bad size {value!r}", hint="use e.g. 64MB, 512KB or a number of bytes")
    return max(1, int(float(m.group(1)) * 1024 ** " kmgt".index(m.group(2) or " ")))


def parse_stage_groups(value: str | None, stages: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """``'encoding,fragments|translate|punctuation,names'``: consecutive stages run by one actor class."""
    if not value:
        return ()
    groups = tuple(tuple(n.strip() for n in g.split(",") if n.strip()) for g in value.split("|"))
    groups = tuple(g for g in groups if g)
    if tuple(n for g in groups for n in g) != tuple(stages):
        raise MtcleanError(f"--stage-groups {value!r} must list the pipeline's stages in order",
                           hint="stages: " + ",".join(stages))
    return groups


def _resumable(inputs: list[tuple[str, str | None]], opts: Options) -> bool:
    return bool(opts.resume and opts.output and not (opts.check or opts.diff or opts.in_place)
                and all(src != "-" for src, _ in inputs))


def _options_digest(opts: Options, wopts: WorkOptions) -> dict:
    return {"work": asdict(wopts), "output": str(Path(opts.output).resolve()) if opts.output else None,
            "shard_size": opts.shard_size, "report": bool(opts.report)}


def _make_engine(pipeline: Pipeline, wopts: WorkOptions, opts: Options):
    if opts.engine == "ray":
        from mtclean.pipeline.ray_engine import RayEngine

        return RayEngine(pipeline, wopts, jobs=opts.jobs, address=opts.address, groups=opts.stage_groups)
    if opts.engine != "local":
        raise MtcleanError(f"--engine must be local or ray, not {opts.engine!r}")
    return local_engine(pipeline, wopts, opts.jobs)


class _Input:
    """Where the results of the input being written go (one input is open at a time)."""

    def __init__(self, j: int, source: str, kind: str, target: str | None, writer, *, in_place: bool):
        self.j = j
        self.source = source
        self.kind = kind
        self.target = target
        self.writer = writer  # FileWriter/ParquetFileWriter, ShardedSink, or None
        self.in_place = in_place
        self.changed = False
        self.problems = 0
        self.missing = MissingField()
        self.failed = False
        self.opened = False
        self.data_in: list[bytes] = []
        self.data_out: list[bytes] = []
        self.bytes_out = 0  # of this input's output so far: where the next block of a large file lies


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
    check_apart(inputs, plan, opts)
    wopts = WorkOptions(field=opts.field, id_field=opts.id_field, errors=opts.errors, report=bool(opts.report),
                        report_text=opts.report_text, keep_input=opts.diff, input_format=opts.input_format)
    kinds = [input_kind(src, opts.input_format) for src, _ in inputs]
    for (src, _), kind in zip(inputs, kinds):
        if kind == "parquet" and plan[src] is None and not (opts.check or opts.diff):
            raise MtcleanError(f"{src}: Parquet output needs -o FILE.parquet, -o DIR or --in-place")
        if kind != "parquet" and (plan[src] or "").lower().endswith(".parquet"):
            raise MtcleanError(f"{src}: only a Parquet input is written as Parquet",
                               hint="the output keeps the input's format")
        if kind == "parquet" and opts.diff:
            raise MtcleanError(f"{src}: --diff does not show Parquet inputs", hint="use --check or --report")
    with ExitStack() as locks:
        # One run at a time writes an output, a report, an input rewritten in place.
        written = [opts.output, opts.report] + ([src for src, _ in inputs] if opts.in_place else [])
        for target in dict.fromkeys(t for t in written if t and t != "-" and not io.is_special(Path(t))):
            locks.enter_context(io.write_lock(target))
        return _run_locked(inputs, kinds, plan, wopts, pipeline, opts, outcome, err, out, progress)


def _run_locked(inputs, kinds, plan, wopts: WorkOptions, pipeline: Pipeline, opts: Options, outcome: Outcome,
                err, out, progress: bool) -> Outcome:
    stdin = None  # standard input is read as the run goes (JSON Lines), or whole (text)
    store: ShardStore | None = None
    if _resumable(inputs, opts):
        as_dir = any(plan[src] != opts.output for src, _ in inputs)
        store = ShardStore(work_dir_for(opts.output, as_dir), fingerprint(pipeline, _options_digest(opts, wopts), inputs))
        if store.open() and not opts.quiet:
            _say(err, f"resuming: {store.resumed} finished shard(s) found in {store.root}")
    shard_bytes = opts.shard_size if store is not None else None

    def tasks() -> Iterator[Task]:
        for j, (src, _) in enumerate(inputs):
            name = "<stdin>" if src == "-" else src
            if store is None:
                yield from plan_input(j, src, wopts, chunk_bytes=_work.CHUNK_BYTES, shard_bytes=None, stdin=stdin)
                continue
            if store.input_done(j):
                yield Task(j, name, "skip")
                continue
            shards: list[int] = []
            for t in plan_input(j, src, wopts, chunk_bytes=_work.CHUNK_BYTES, shard_bytes=shard_bytes, stdin=stdin):
                if t.kind == "error":
                    yield t
                    break
                if not shards or shards[-1] != t.shard:
                    shards.append(t.shard)
                if not store.shard_done(j, t.shard):
                    yield dc_replace(t, last=False)
            else:
                store.shards[j] = shards
                yield Task(j, name, "skip")  # ends the input: assemble its shards

    cur: _Input | None = None
    try:
        with ExitStack() as stack:
            report = None
            if opts.report:
                # Written whole or not at all, like every output; a failure stops the run (OutputError).
                report = io.AtomicFile(opts.report, error=OutputError)
                stack.callback(report.discard)  # nothing left behind if the run stops; a no-op once committed
                report.write((jsonl.dumps(run_header(pipeline.stages)) + "\n").encode("utf-8"))
            bar = stack.enter_context(_progress(inputs, kinds, enabled=progress))
            engine = stack.enter_context(_make_engine(pipeline, wopts, opts))
            warned: set[str] = set()
            for r in engine.map(tasks()):
                _say_warnings(r.warnings, warned, opts.quiet, err)
                bar.task_done(r)
                t = r.task
                j = t.index
                src = inputs[j][0]
                if cur is None or cur.j != j:
                    cur = _Input(j, t.source, kinds[j], plan[src], None, in_place=opts.in_place)
                if cur.failed:
                    continue
                if r.error is not None:
                    outcome.inputs += 1
                    outcome.failed += 1
                    cur.failed = True
                    _discard(cur)
                    _say(err, r.error)
                    bar.advance()
                    continue
                try:
                    if not cur.opened:
                        _open_writer(cur, opts, store, report is not None)
                    if store is not None:
                        if t.kind != "skip":
                            cur.writer.write(r)
                        if t.last:
                            _finish_sharded(cur, store, outcome, pipeline, err, opts.field)
                            bar.advance()
                        continue
                    _take(cur, r, opts, outcome, pipeline, err, report, out)
                    if t.last:
                        _finish_plain(cur, opts, outcome, err, out)
                        bar.advance()
                except InputError as exc:
                    outcome.inputs += 1
                    outcome.failed += 1
                    cur.failed = True
                    _discard(cur)
                    _say(err, str(exc))
            if report is not None:
                if store is not None:
                    for j in range(len(inputs)):
                        store.copy_reports(j, report)
                report.commit()
    except BaseException as exc:
        if cur is not None:
            _discard(cur)  # the output being written when the run stopped: its temporary file goes
        if store is not None and store.finished():
            why = "stopped" if isinstance(exc, MtcleanError) else "interrupted"
            _say(err, f"{why}: finished shards are kept in {store.root}; "
                      "run the same command again to resume")
        elif store is not None:
            store.remove()  # nothing to resume: a run refused at its start leaves no work directory
        raise
    if store is not None:
        store.remove()
    if opts.check and not opts.quiet:
        _say(err, f"{outcome.changed} of {outcome.inputs} input(s) would change ({outcome.edits} edit(s))")
    return outcome


def _say_warnings(warnings: list[tuple[int, str]], said: set[str], quiet: bool, err: IO[str]) -> None:
    """Each distinct warning once per run, however many workers logged it; -q says errors only."""
    for level, message in warnings:
        if message not in said and (level >= logging.ERROR or not quiet):
            said.add(message)
            _say(err, message)


def _open_writer(cur: _Input, opts: Options, store: ShardStore | None, with_report: bool) -> None:
    """Open where the input's output goes, on its first result (so a refused input leaves nothing)."""
    cur.opened = True
    if store is not None:
        cur.writer = ShardedSink(store, cur.j, cur.kind, cur.target, cur.target, with_report)
    elif not (opts.check or opts.diff) and cur.target is not None:
        cur.writer = writer_for(cur.kind, cur.target, backup=opts.backup if opts.in_place else None)


def _discard(cur: _Input) -> None:
    if cur.writer is not None:
        cur.writer.discard()
        cur.writer = None


def _take(cur: _Input, r: TaskResult, opts: Options, outcome: Outcome, pipeline: Pipeline, err, report,
          out) -> None:
    """Account for and write one result of a plain (not resumable) run."""
    outcome.documents += r.documents
    outcome.edits += r.edits
    pipeline.stats.add(r.stats)
    cur.changed |= r.changed
    cur.problems += r.problems
    cur.missing.add(r.missing)
    for message in r.messages:
        _say(err, message)
    if opts.diff:
        cur.data_in.append(r.data_in or b"")
        cur.data_out.append(r.out or b"")
    elif opts.check:
        pass
    elif cur.writer is not None:
        cur.writer.write(r)
    else:
        io.write_stdout(r.out or b"", out)
    if report is not None:
        output = cur.target or ("-" if not (opts.check or opts.diff) else None)
        place_blocks(r.entries, cur.bytes_out)
        for entry in r.entries:
            entry["output"] = output
            report.write((jsonl.dumps(entry) + "\n").encode("utf-8"))
    cur.bytes_out += len(r.out or b"")


def _finish_plain(cur: _Input, opts: Options, outcome: Outcome, err, out) -> None:
    outcome.inputs += 1
    outcome.changed += cur.changed
    if cur.problems:
        outcome.failed += 1
    if cur.missing.count:
        _say(err, cur.missing.message(cur.source, opts.field))
    if opts.check:
        if cur.changed and not opts.quiet:
            _say(err, f"would clean {cur.source}")
        return
    if opts.diff:
        patch = unified_diff(cur.source, b"".join(cur.data_in), b"".join(cur.data_out))
        if patch:
            io.write_stdout(patch, out)
        return
    if cur.writer is None:
        return
    if cur.in_place and not cur.changed:
        cur.writer.discard()  # untouched files keep their mtime
    else:
        cur.writer.commit()
        if cur.in_place and not opts.quiet:
            backup = f" (original kept as {cur.source}{opts.backup})" if opts.backup else ""
            _say(err, f"rewrote {cur.source}{backup}")
    cur.writer = None


def _finish_sharded(cur: _Input, store: ShardStore, outcome: Outcome, pipeline: Pipeline, err, field: str) -> None:
    j = cur.j
    summary = store.input_summary(j) if store.input_done(j) else store.assemble(j, cur.kind, cur.target)
    cur.writer = None
    outcome.inputs += 1
    outcome.documents += summary.documents
    outcome.edits += summary.edits
    outcome.changed += summary.changed
    if summary.problems:
        outcome.failed += 1
    pipeline.stats.add(summary.stats)
    for message in summary.messages:
        _say(err, message)
    if summary.missing.count:
        _say(err, summary.missing.message(cur.source, field))


NO_NEWLINE = "\\ No newline at end of file\n"


def unified_diff(source: str, data_in: bytes, data_out: bytes) -> bytes:
    """A unified diff of the bytes as they are, which `patch -p0` and `git apply -p0` apply.

    Lines are cut at LF only, so CRLF ends, a byte-order mark and bytes that are not
    UTF-8 stay in the diff as in the file (str.splitlines would also cut at U+2028,
    form feeds and more). The labels follow the name after a tab, where diff(1) puts
    a timestamp, and a last line without a line break is marked as diff(1) marks it:
    difflib does neither, and patch would take the label as part of the name, or
    join the last line to the next.
    """
    lines = difflib.unified_diff(
        _lines(data_in), _lines(data_out),
        fromfile=source, tofile=source, fromfiledate="(original)", tofiledate="(cleaned)",
    )
    text = "".join(line if line.endswith("\n") else line + "\n" + NO_NEWLINE for line in lines)
    return text.encode("utf-8", "surrogateescape")


def _lines(data: bytes) -> list[str]:
    parts = data.decode("utf-8", "surrogateescape").split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _say(err: IO[str], message: str) -> None:
    print(f"mtclean: {message}", file=err)


class _NoBar:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def advance(self) -> None:
        pass

    def task_done(self, r: TaskResult) -> None:
        pass


class _RichBar(_NoBar):
    """Bytes of input cleaned (so one big file moves too), documents and inputs done."""

    def __init__(self, total_bytes: int | None, inputs: int):
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(
            TextColumn("cleaning"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
            TextColumn("{task.fields[documents]:,} document(s), {task.fields[inputs]}/" + f"{inputs} input(s)"),
            console=Console(stderr=True),  # standard output may be the cleaned text itself
            transient=True,
        )
        self._task = self._progress.add_task("cleaning", total=total_bytes, documents=0, inputs=0)
        self._documents = 0
        self._inputs = 0

    def __enter__(self):
        self._progress.start()
        return self

    def __exit__(self, *exc):
        self._progress.stop()
        return False

    def advance(self) -> None:
        self._inputs += 1
        self._progress.update(self._task, inputs=self._inputs)

    def task_done(self, r: TaskResult) -> None:
        self._documents += r.documents
        self._progress.update(self._task, advance=_task_bytes(r.task), documents=self._documents)


def _task_bytes(t: Task) -> int:
    """The input bytes a text or JSON Lines task covers (Parquet row groups and skips: none)."""
    if t.kind not in ("text", "jsonl"):
        return 0
    if t.data is not None:
        return len(t.data)
    if t.end >= 0:
        return t.end - t.start
    try:
        return os.path.getsize(t.path) - t.start
    except OSError:
        return 0


def _progress(inputs: list[tuple[str, str | None]], kinds: list[str], *, enabled: bool):
    if not enabled:
        return _NoBar()
    total = 0
    for (src, _), kind in zip(inputs, kinds):
        if src == "-" or kind == "parquet":
            continue
        try:
            total += os.path.getsize(src)
        except OSError:
            pass
    return _RichBar(total or None, len(inputs))


def glossary_line(stages) -> str | None:
    """Which glossary files the run read: the project's by name, the shipped ones counted."""
    from mtclean.pipeline.glossary import files_read_by, shipped_dir

    files = files_read_by(stages)
    if not files:
        return None
    shipped = shipped_dir()
    own = [_shown(f) for f in files if not f.is_relative_to(shipped)]
    n_shipped = len(files) - len(own)
    parts = own + ([f"{n_shipped} shipped file(s)"] if n_shipped else [])
    return "glossaries: " + ", ".join(parts)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def summarize(stats, err: IO[str], stages=()) -> None:
    """The per-stage summary: documents, the glossary files read, then one line per stage with
    edits by rule, fragments (spans) found, suggestions and the time the stage took."""
    by_stage: dict[str, list[str]] = {}
    for (stage, rule), n in sorted(stats.edits.items()):
        by_stage.setdefault(stage, []).append(f"{rule.split('.', 1)[-1]}={n}")
    total = sum(stats.seconds.values())
    print(f"mtclean: {stats.documents} document(s), {stats.chars} character(s), "
          f"{sum(stats.edits.values())} edit(s), {total:.2f}s in stages", file=err)
    line = glossary_line(stages)
    if line:
        print(f"mtclean: {line}", file=err)
    for stage, seconds in stats.seconds.items():
        if stage.startswith("("):  # not a stage: e.g. language detection before the stages
            print(f"mtclean: {stage.strip('()')} [{seconds:.2f}s]", file=err)
            continue
        rules = ", ".join(by_stage.get(stage, [])) or "no edits"
        extra = f", {stats.spans[stage]} fragment(s)" if stats.spans.get(stage) else ""
        extra += f", {stats.suggestions[stage]} suggestion(s)" if stats.suggestions.get(stage) else ""
        print(f"mtclean: {stage}: {rules}{extra} [{seconds:.2f}s]", file=err)
