"""Units of work for corpus runs: planning tasks, and cleaning one task.

A run is a sequence of :class:`Task` s in input order. A task is small (a path and
a byte range or row group, never the text itself, except for standard input), so
the planner streams over any number of inputs of any size. A worker -- the main
process, a local worker process, or a Ray actor -- reads its task's bytes itself,
cleans them and returns a :class:`TaskResult` holding the output bytes (or Arrow
table for Parquet) and the report entries. Results are put back in task order, so
the output never depends on how many workers ran or how the input was cut.

JSON Lines are cut at line boundaries into chunks of about ``CHUNK_BYTES``; every
line is cleaned on its own, and a line that is not a JSON object, has no such field
or is not valid UTF-8 is kept byte for byte and reported. A text file is one document
(one task). A Parquet file gives one task per row group.
"""

from __future__ import annotations

import codecs
import logging
import os
import re
import sys
from dataclasses import dataclass, field
from contextlib import contextmanager
from dataclasses import replace as dc_replace
from typing import Iterator

from mtclean.pipeline import io, jsonl, markdown
from mtclean.pipeline.document import Document
from mtclean.pipeline.errors import InputError, MtcleanError
from mtclean.pipeline.report import document_entry
from mtclean.pipeline.runner import Pipeline, Stats

CHUNK_BYTES = 256 << 10  # JSON Lines bytes per task
SCAN_BLOCK = 8 << 20  # bytes read at a time while planning
TEXT_SPLIT_BYTES = 16 << 20  # a text file larger than this is cleaned in blocks of paragraphs...
TEXT_CHUNK_BYTES = 1 << 20  # ...of about this many bytes, each one document
PARAGRAPH_END = re.compile(rb"\n\r?\n")  # a text block is cut right after a blank line
DOC_BATCH = 64  # documents per Pipeline.run_batch call inside a task


@dataclass(frozen=True)
class WorkOptions:
    """What a worker needs to know about the run (sent once to each worker)."""

    field: str = "text"
    id_field: str | None = None
    errors: str = "strict"
    report: bool = False
    report_text: bool = False
    keep_input: bool = False  # --diff needs the input bytes back
    input_format: str = "auto"  # auto | text | jsonl


@dataclass(frozen=True, slots=True)
class Task:
    index: int  # input number, in run order
    source: str  # name used in messages, ids and the report
    kind: str  # text | jsonl | parquet | error | skip
    path: str | None = None  # file to read (None: `data` holds the bytes)
    start: int = 0  # byte offset (jsonl) or row group (parquet)
    end: int = -1  # byte offset, exclusive (jsonl); -1 = to the end
    lineno: int = 1  # number of the first line (jsonl) or row (parquet)
    seq: int = 0  # task number within its input
    last: bool = True  # the input's last task
    shard: int = 0  # resumable runs: the shard this task belongs to
    shard_last: bool = True  # the shard's last task
    data: bytes | None = None  # standard input
    error: str | None = None  # kind == "error": why the input was refused


@dataclass
class MissingField:
    """JSON Lines records without the field to clean (a wrong ``--field``, most often).

    Said once per input, with the names the records do have, rather than once per
    line: a file of 5,000 records gives one line, not 5,000.
    """

    count: int = 0
    first_line: int | None = None
    fields: list[str] = field(default_factory=list)  # sorted names found in those records (the first few)

    def add_record(self, lineno: int, obj: dict) -> None:
        self.add(MissingField(1, lineno, list(map(str, obj))))

    def add(self, other: "MissingField") -> None:
        if not other.count:
            return
        self.count += other.count
        self.first_line = other.first_line if self.first_line is None else min(self.first_line, other.first_line)
        if len(self.fields) < FIELDS_SHOWN:
            self.fields = sorted({*self.fields, *other.fields})[:FIELDS_SHOWN]

    def message(self, source: str, name: str) -> str:
        found = ", ".join(self.fields) if self.fields else "none"
        return (f"{source}: {self.count} record(s) have no field {name!r} (first at line {self.first_line}; "
                f"fields found: {found}); kept unchanged (see --field)")

    def to_json(self) -> dict:
        return {"count": self.count, "first_line": self.first_line, "fields": self.fields}

    @classmethod
    def from_json(cls, d: dict | None) -> "MissingField":
        return cls(**d) if d else cls()


FIELDS_SHOWN = 12  # field names a missing-field message lists


@dataclass(slots=True)
class TaskResult:
    task: Task
    out: bytes | None = None  # jsonl/text output bytes; parquet: Arrow IPC stream
    changed: bool = False
    documents: int = 0
    edits: int = 0
    entries: list[dict] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    problems: int = 0  # lines kept unchanged because they could not be read
    missing: MissingField = field(default_factory=MissingField)  # of those, records without the field
    warnings: list[tuple[int, str]] = field(default_factory=list)  # (level, message) logged while cleaning
    error: str | None = None  # the whole input was refused (nothing to write)
    stats: Stats = field(default_factory=Stats)
    data_in: bytes | None = None


# -- planning ------------------------------------------------------------------

def input_kind(path: str, input_format: str) -> str:
    if input_format in ("text", "jsonl"):
        return input_format
    if path != "-" and path.lower().endswith(".parquet"):
        return "parquet"
    return "jsonl" if io.is_jsonl(path) else "text"


def plan_input(index: int, path: str, opts: WorkOptions, *, chunk_bytes: int = CHUNK_BYTES,
               shard_bytes: int | None = None, stdin: bytes | None = None) -> Iterator[Task]:
    """The tasks of one input, in order. Problems that refuse the whole input give one ``error`` task."""
    name = "<stdin>" if path == "-" else path
    try:
        kind = input_kind(path, opts.input_format)
        if kind == "parquet":
            yield from _plan_parquet(index, path, name, shard_bytes)
        elif kind == "text":
            if path == "-":
                yield Task(index, name, "text", data=stdin if stdin is not None else io.read_bytes("-"))
            else:
                io.check_readable(path)
                if os.path.getsize(path) > TEXT_SPLIT_BYTES:
                    yield from _plan_text_blocks(index, path, name, TEXT_CHUNK_BYTES, shard_bytes)
                else:
                    yield Task(index, name, "text", path=path)
        else:
            yield from _plan_jsonl(index, path, name, chunk_bytes, shard_bytes, stdin)
    except InputError as exc:
        yield Task(index, name, "error", error=str(exc))


def _plan_jsonl(index: int, path: str, name: str, chunk_bytes: int, shard_bytes: int | None,
                stdin: bytes | None) -> Iterator[Task]:
    """Cut a JSON Lines input at line starts near every multiple of *chunk_bytes*.

    One pass counts line breaks block by block, so planning a huge file takes
    little memory. With *shard_bytes* (a multiple of *chunk_bytes*), every task
    also gets the shard it belongs to: the shard of the target it was cut at.
    """
    if path == "-" and stdin is None:
        yield from _plan_jsonl_stream(index, name, sys.stdin.buffer, chunk_bytes)
        return
    if path == "-":
        data = stdin
        size = len(data)
        f = None
    else:
        io.check_readable(path)
        size = os.path.getsize(path)
        data = None
        f = open(path, "rb")
    try:
        head = data[: io.BINARY_SNIFF] if data is not None else f.read(io.BINARY_SNIFF)
        if b"\x00" in head:
            raise InputError(name, "looks like a binary file (NUL bytes); skipped",
                             hint="mtclean cleans UTF-8 text, Markdown and JSON Lines")
        if shard_bytes:
            chunk_bytes = max(1, min(chunk_bytes, shard_bytes))
        per_shard = max(1, shard_bytes // chunk_bytes) if shard_bytes else 0

        def cuts() -> Iterator[tuple[int, int, int]]:  # (offset, line number, target number)
            yield 0, 1, 0
            t = 1  # next target: cut at the first line start at or after t * chunk_bytes
            pos = 0  # bytes scanned so far
            lines = 0  # line breaks before pos
            if f is not None:
                f.seek(0)
            while pos < size:
                block = data[pos: pos + SCAN_BLOCK] if data is not None else f.read(SCAN_BLOCK)
                if not block:
                    break
                end = pos + len(block)
                while True:
                    want = t * chunk_bytes
                    if want - 1 >= end:
                        break
                    nl = block.find(b"\n", max(want - 1, pos) - pos)
                    if nl < 0:
                        break  # the line goes on in the next block
                    cut = pos + nl + 1
                    if cut >= size:
                        break
                    yield cut, lines + block.count(b"\n", 0, nl + 1) + 1, t
                    t = cut // chunk_bytes + 1
                lines += block.count(b"\n")
                pos = end

        for i, (start, end, lineno, shard, last, shard_last) in enumerate(_spans(cuts(), size, per_shard)):
            yield Task(index, name, "jsonl", path=None if path == "-" else path, start=start, end=end,
                       lineno=lineno, seq=i, last=last, shard=shard, shard_last=shard_last,
                       data=data[start:end] if data is not None else None)
    finally:
        if f is not None:
            f.close()


def _spans(cuts: Iterator[tuple[int, int, int]], size: int, per_shard: int) -> Iterator[tuple]:
    """Consecutive cuts as (start, end, line number, shard, last, shard_last), one cut ahead:
    tasks flow while the rest of the input is still being scanned."""
    prev = next(cuts)
    for cut in cuts:
        start, lineno, tgt = prev
        shard = tgt // per_shard if per_shard else 0
        next_shard = cut[2] // per_shard if per_shard else 0
        yield start, cut[0], lineno, shard, False, next_shard != shard
        prev = cut
    start, lineno, tgt = prev
    yield start, size, lineno, tgt // per_shard if per_shard else 0, True, True


def _plan_jsonl_stream(index: int, name: str, stream, chunk_bytes: int) -> Iterator[Task]:
    """JSON Lines from a stream (standard input): tasks of whole lines, read as they come."""
    buf = b""
    lineno, seq, first = 1, 0, True
    pending: Task | None = None
    while True:
        block = stream.read(chunk_bytes)
        if block:
            buf += block
            if first:
                first = False
                if b"\x00" in buf[: io.BINARY_SNIFF]:
                    raise InputError(name, "looks like a binary file (NUL bytes); skipped",
                                     hint="mtclean cleans UTF-8 text, Markdown and JSON Lines")
            if len(buf) < chunk_bytes:
                continue
            nl = buf.rfind(b"\n")
            if nl < 0:
                continue  # one long line: read on
            data, buf = buf[: nl + 1], buf[nl + 1:]
        else:
            data, buf = buf, b""
            if not data and pending is not None:
                break
        if pending is not None:
            yield pending
        pending = Task(index, name, "jsonl", start=0 if seq == 0 else 1, end=-1, lineno=lineno, seq=seq,
                       last=False, data=data)
        lineno += data.count(b"\n")
        seq += 1
        if not block:
            break
    yield dc_replace(pending, last=True)


def _plan_text_blocks(index: int, path: str, name: str, chunk_bytes: int, shard_bytes: int | None) -> Iterator[Task]:
    """Cut a large text file after the first blank line at or after every multiple of *chunk_bytes*."""
    if shard_bytes:
        chunk_bytes = max(1, min(chunk_bytes, shard_bytes))
    per_shard = max(1, shard_bytes // chunk_bytes) if shard_bytes else 0
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(io.BINARY_SNIFF)
        if b"\x00" in head:
            raise InputError(name, "looks like a binary file (NUL bytes); skipped",
                             hint="mtclean cleans UTF-8 text, Markdown and JSON Lines")

        def cuts() -> Iterator[tuple[int, int, int]]:  # (offset, 0, target number)
            yield 0, 0, 0
            t = 1
            f.seek(0)
            buf, buf_start, pos = b"", 0, 0
            while True:
                block = f.read(SCAN_BLOCK)
                if not block:
                    break
                keep = buf[-2:]  # a blank line may straddle two blocks
                buf, buf_start = keep + block, pos - len(keep)
                pos += len(block)
                while t * chunk_bytes < pos:
                    want = t * chunk_bytes
                    m = PARAGRAPH_END.search(buf, max(0, want - buf_start - 2))
                    while m is not None and buf_start + m.end() < want:
                        m = PARAGRAPH_END.search(buf, m.start() + 1)
                    if m is None:
                        break  # no blank line yet: read on
                    cut = buf_start + m.end()
                    if cut >= size:
                        return
                    yield cut, 0, t
                    t = cut // chunk_bytes + 1

        for i, (start, end, _, shard, last, shard_last) in enumerate(_spans(cuts(), size, per_shard)):
            yield Task(index, name, "text", path=path, start=start, end=end, seq=i, last=last,
                       shard=shard, shard_last=shard_last)


def _plan_parquet(index: int, path: str, name: str, shard_bytes: int | None) -> Iterator[Task]:
    if path == "-":
        raise InputError(name, "Parquet cannot be read from standard input")
    pq = _pyarrow_parquet(name)
    io.check_readable(path)
    try:
        meta = pq.ParquetFile(path).metadata
    except Exception as exc:  # pyarrow raises several types for a broken file
        raise InputError(name, f"cannot read Parquet: {exc}") from None
    groups = meta.num_row_groups
    if groups == 0:
        yield Task(index, name, "parquet", path=path, start=-1)
        return
    row = 1
    done_bytes = 0
    shard = 0
    for g in range(groups):
        rg = meta.row_group(g)
        if shard_bytes and done_bytes >= shard_bytes * (shard + 1):
            shard = done_bytes // shard_bytes
        next_bytes = done_bytes + rg.total_byte_size
        next_shard = shard
        if shard_bytes and next_bytes >= shard_bytes * (shard + 1):
            next_shard = next_bytes // shard_bytes
        yield Task(index, name, "parquet", path=path, start=g, lineno=row, seq=g, last=g + 1 == groups,
                   shard=shard, shard_last=g + 1 == groups or next_shard != shard)
        row += rg.num_rows
        done_bytes = next_bytes


def _pyarrow_parquet(name: str):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(name, "Parquet needs pyarrow", hint="pip install 'mtclean[parquet]'") from None
    return pq


# -- doing a task ----------------------------------------------------------------

@dataclass(slots=True)
class Prepared:
    """A task read and parsed, ready for the stages (what travels between stage groups)."""

    result: TaskResult
    docs: list[Document]
    slots: list  # per output unit: bytes to keep, or (doc index, extra) to fill in
    extra: object = None


def prepare(task: Task, opts: WorkOptions) -> Prepared:
    result = TaskResult(task)
    if task.kind == "error":
        result.error = task.error
        return Prepared(result, [], [])
    if task.kind == "skip":
        return Prepared(result, [], [])
    try:
        if task.kind == "text":
            return _prepare_text(task, opts, result)
        if task.kind == "jsonl":
            return _prepare_jsonl(task, opts, result)
        if task.kind == "parquet":
            return _prepare_parquet(task, opts, result)
    except InputError as exc:
        result.error = str(exc)
        return Prepared(result, [], [])
    raise MtcleanError(f"unknown task kind {task.kind!r}")


class _Collect(logging.Handler):
    def __init__(self, into: list[tuple[int, str]]):
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append((record.levelno, record.getMessage()))


@contextmanager
def collected_warnings(into: list[tuple[int, str]]):
    """What is logged at WARNING or above (a stage's "no model for uk->en") goes into *into*.

    It travels back with the task's result, so the main process says each message
    once per run, and not at all with ``-q`` unless it is an error, instead of every
    worker printing its own copy.
    """
    root = logging.getLogger()
    handler = _Collect(into)
    root.addHandler(handler)  # with a handler in place, logging's last-resort stderr one stays silent
    try:
        yield
    finally:
        root.removeHandler(handler)


def run_stages(prep: Prepared, pipeline: Pipeline, *, count_documents: bool = True) -> Prepared:
    """Run *pipeline* over the prepared documents; its stats for them go into the result.

    Of several stage groups run one after the other, only one counts the documents.
    """
    if prep.docs:
        saved, pipeline.stats = pipeline.stats, Stats()
        try:
            out: list[Document] = []
            with collected_warnings(prep.result.warnings):
                pipeline.detect_languages(prep.docs)  # all of the task's at once (see Pipeline.detect_languages)
                for i in range(0, len(prep.docs), DOC_BATCH):
                    out.extend(pipeline.run_batch(prep.docs[i: i + DOC_BATCH]))
            prep.docs = out
            if not count_documents:
                pipeline.stats.documents = pipeline.stats.chars = 0
            prep.result.stats.add(pipeline.stats)
        finally:
            pipeline.stats = saved
    return prep


def finish(prep: Prepared, opts: WorkOptions) -> TaskResult:
    r = prep.result
    if r.error is not None or r.task.kind == "skip":
        return r
    kind = r.task.kind
    if kind == "text":
        return _finish_text(prep, opts)
    if kind == "jsonl":
        return _finish_jsonl(prep, opts)
    return _finish_parquet(prep, opts)


def do_task(task: Task, pipeline: Pipeline, opts: WorkOptions) -> TaskResult:
    return finish(run_stages(prepare(task, opts), pipeline), opts)


def _read(task: Task) -> bytes:
    if task.data is not None:
        return task.data
    if task.kind == "text" and task.end < 0:
        return io.read_bytes(task.path)
    try:
        with open(task.path, "rb") as f:
            f.seek(task.start)
            return f.read(task.end - task.start)
    except OSError as exc:
        raise InputError(task.source, f"cannot read: {exc.strerror or exc}") from None


# text ---------------------------------------------------------------------------

def _prepare_text(task: Task, opts: WorkOptions, result: TaskResult) -> Prepared:
    data = _read(task)
    try:
        text, fmt = io.decode(data, task.source, errors=opts.errors)
    except InputError:
        if task.start <= 0:
            raise
        try:  # a block of a large file: name the offset in the file
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(task.source, f"invalid UTF-8 ({exc.reason})", position=f"byte {task.start + exc.start}",
                             hint="fix the file or run with --errors replace") from None
        raise
    if fmt.replaced_bytes:
        result.messages.append(f"{task.source}: {fmt.replaced_bytes} invalid UTF-8 byte sequence(s) "
                               "replaced with U+FFFD (--errors replace)")
    whole = task.end < 0 or (task.seq == 0 and task.last)
    doc_id = task.source if whole else f"{task.source}#{task.seq + 1}"  # blocks of a large file
    doc = Document(text=text, id=doc_id, meta={"source": task.source, "block": task.seq + 1} if not whole
                   else {"source": task.source})
    doc.spans.extend(markdown.protected_spans(text, markdown=markdown.is_markdown(task.source)))
    return Prepared(result, [doc], [], extra=(data, text, fmt))


def _finish_text(prep: Prepared, opts: WorkOptions) -> TaskResult:
    r = prep.result
    data, text, fmt = prep.extra
    (doc,) = prep.docs
    errors = [m.split(": ", 1)[1] for m in r.messages]
    r.out = data if doc.text == text else io.encode(doc.text, fmt)
    r.changed = r.out != data
    r.documents = 1
    r.edits = doc.edit_count
    if opts.report:
        entry = document_entry(doc, input_text=text, source=r.task.source, include_text=opts.report_text,
                               errors=errors)
        if fmt.bom or fmt.newline != "\n":
            entry["format"] = {"bom": fmt.bom, "newline": fmt.newline}  # to write the text back byte for byte
        if "block" in doc.meta:  # a block of a large file: where it lies in the input and in the output
            t = r.task
            entry["block"] = {"index": doc.meta["block"], "input_bytes": [t.start, t.end],
                              "input_size": os.path.getsize(t.path),
                              "output_bytes": len(r.out)}  # output_offset: added where the output is written
        r.entries.append(entry)
    if opts.keep_input:
        r.data_in = data
    return r


# JSON Lines ------------------------------------------------------------------------

def _prepare_jsonl(task: Task, opts: WorkOptions, result: TaskResult) -> Prepared:
    data = _read(task)
    slots: list = []
    docs: list[Document] = []
    prefix = b""
    if task.start == 0 and data.startswith(codecs.BOM_UTF8):
        prefix, data = codecs.BOM_UTF8, data[len(codecs.BOM_UTF8):]
    parts = data.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
        ends = [b"\n"] * len(parts)
    else:
        ends = [b"\n"] * (len(parts) - 1) + [b""]
    name = task.source
    for k, (body, nl) in enumerate(zip(parts, ends)):
        lineno = task.lineno + k
        raw = body + nl
        if k == 0 and prefix:
            raw = prefix + raw
        cr = body.endswith(b"\r")
        if cr:
            body = body[:-1]
        if not body.strip():
            slots.append(raw)
            continue
        try:
            line = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            if opts.errors != "replace":
                result.messages.append(f"{name}:line {lineno}: invalid UTF-8 ({exc.reason}) at byte "
                                       f"{exc.start} of the line; line kept unchanged (see --errors replace)")
                result.problems += 1
                slots.append(raw)
                continue
            line = body.decode("utf-8", errors="replace")
            result.messages.append(f"{name}:line {lineno}: invalid UTF-8 replaced with U+FFFD (--errors replace)")
        obj, problem = io.json_object(line)
        if problem is None:
            value = obj.get(opts.field)
            if value is None:
                result.missing.add_record(lineno, obj)
                result.problems += 1
                slots.append(raw)
                continue
            if not isinstance(value, str):
                problem = f"field {opts.field!r} is not a string"
        if problem is not None:
            result.messages.append(f"{name}:line {lineno}: {problem}; line kept unchanged")
            result.problems += 1
            slots.append(raw)
            continue
        doc_id = str(obj.get(opts.id_field, "")) if opts.id_field else ""
        docs.append(Document(text=value, id=doc_id or f"{name}:{lineno}", meta={"source": name, "line": lineno},
                             spans=markdown.protected_spans(value, markdown=False)))
        slots.append((len(docs) - 1, value, line, raw, (prefix if k == 0 else b""), b"\r\n" if cr and nl else nl))
    return Prepared(result, docs, slots)


def _finish_jsonl(prep: Prepared, opts: WorkOptions) -> TaskResult:
    r = prep.result
    out: list[bytes] = []
    for slot in prep.slots:
        if isinstance(slot, bytes):
            out.append(slot)
            continue
        i, input_text, line, raw, prefix, end = slot
        doc = prep.docs[i]
        if doc.text != input_text:
            # Only the field's value changes: the rest of the line is kept byte for byte.
            out.append(prefix + jsonl.splice_field(line, opts.field, doc.text).encode("utf-8") + end)
            r.changed = True
        else:
            out.append(raw)
        r.edits += doc.edit_count
        if opts.report:
            r.entries.append(document_entry(doc, input_text=input_text, source=r.task.source,
                                            include_text=opts.report_text, field=opts.field))
    r.documents = len(prep.docs)
    r.out = b"".join(out)
    if opts.keep_input:
        r.data_in = b"".join(s if isinstance(s, bytes) else s[3] for s in prep.slots)
    return r


# Parquet -----------------------------------------------------------------------------

def _prepare_parquet(task: Task, opts: WorkOptions, result: TaskResult) -> Prepared:
    pq = _pyarrow_parquet(task.source)
    import pyarrow as pa

    pf = pq.ParquetFile(task.path)
    table = pf.schema_arrow.empty_table() if task.start < 0 else pf.read_row_group(task.start)
    if opts.field not in table.column_names:
        raise InputError(task.source, f"no column {opts.field!r}", hint="choose one with --field")
    col = table.column(opts.field)
    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        raise InputError(task.source, f"column {opts.field!r} is not a string column ({col.type})")
    ids = table.column(opts.id_field).to_pylist() if opts.id_field and opts.id_field in table.column_names else None
    values = col.to_pylist()
    docs: list[Document] = []
    slots: list = []
    for k, value in enumerate(values):
        if value is None:
            slots.append(None)
            continue
        row = task.lineno + k
        doc_id = str(ids[k]) if ids is not None and ids[k] is not None else ""
        docs.append(Document(text=value, id=doc_id or f"{task.source}:row {row}",
                             meta={"source": task.source, "row": row}))
        slots.append(len(docs) - 1)
    return Prepared(result, docs, slots, extra=(table, values))


def _finish_parquet(prep: Prepared, opts: WorkOptions) -> TaskResult:
    import pyarrow as pa

    r = prep.result
    table, values = prep.extra
    new_values = list(values)
    for k, slot in enumerate(prep.slots):
        if slot is None:
            continue
        doc = prep.docs[slot]
        if doc.text != values[k]:
            new_values[k] = doc.text
            r.changed = True
        r.edits += doc.edit_count
        if opts.report:
            r.entries.append(document_entry(doc, input_text=values[k], source=r.task.source,
                                            include_text=opts.report_text))
    r.documents = len(prep.docs)
    if r.changed:
        idx = table.column_names.index(opts.field)
        col_type = table.schema.field(idx).type
        table = table.set_column(idx, table.schema.field(idx), pa.array(new_values, type=col_type))
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    r.out = sink.getvalue().to_pybytes()
    return r


def table_from_ipc(data: bytes):
    import pyarrow as pa

    return pa.ipc.open_stream(data).read_all()
