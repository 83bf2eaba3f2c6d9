"""Finding the texts a report describes, and writing results back.

A report entry carries digests of the input and output text. The final text
comes from (first that matches its digest):

1. the output file named in the entry (a text file, or the field and line of the JSON
   Lines output the entry names), so results can be written back there;
2. the entry's ``text`` (``mtclean cleanup --report-text``);
3. the source file, if it still holds the input: the records are replayed on it.

Every candidate is checked against the digests, so a file edited since the run
is never mistaken for the run's output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from mtclean.pipeline import io, jsonl
from mtclean.pipeline.edits import apply_edits
from mtclean.pipeline.errors import MtcleanError
from mtclean.pipeline.report import records, sha256


class TextUnavailable(MtcleanError):
    """The report's texts cannot be found (no ``text`` in the report, output and source gone or changed)."""


@dataclass
class Located:
    """Where the final text of one report entry was found."""

    text: str
    how: str  # "report text", "output file PATH", "source file PATH (replayed)"
    path: str | None = None  # the output file holding it, when it came from one
    fmt: io.TextFormat | None = None  # how that text file is stored (BOM, line ends)
    jsonl_line: int | None = None  # 1-based line of the JSON Lines output holding it
    jsonl_field: str | None = None
    block: tuple[int, int] | None = None  # (offset, length) in bytes of a large file's block in that file


def entry_format(entry: dict[str, Any]) -> io.TextFormat:
    """How the entry's text was stored in its file (BOM, line ends), as the report says."""
    f = entry.get("format") or {}
    return io.TextFormat(bom=bool(f.get("bom")), newline=f.get("newline") or "\n")


def _block(entry: dict[str, Any]) -> dict[str, Any] | None:
    b = entry.get("block")
    return b if isinstance(b, dict) else None


def doc_label(entry: dict[str, Any]) -> str:
    return str(entry.get("id") or entry.get("source") or "<document>")


@dataclass
class TextFinder:
    """Locates final texts; caches decoded files so a JSON Lines output is read once."""

    base: Path | None = None  # also try relative paths against this directory (the report's)
    _files: dict[str, tuple[str, io.TextFormat] | None] = field(default_factory=dict)
    _jsonl: dict[str, dict[str, list[tuple[int, str, str]]]] = field(default_factory=dict)
    _records: dict[str, dict[int, dict]] = field(default_factory=dict)
    _bytes: dict[str, bytes | None] = field(default_factory=dict)
    _taken: set[tuple[str, int]] = field(default_factory=set)

    def _resolve(self, path: str) -> Path | None:
        p = Path(path)
        if p.is_file():
            return p
        if self.base is not None and not p.is_absolute() and (self.base / p).is_file():
            return self.base / p
        return None

    def read_bytes(self, path: Path) -> bytes | None:
        key = str(path)
        if key not in self._bytes:
            try:
                self._bytes[key] = path.read_bytes()
            except OSError:
                self._bytes[key] = None
        return self._bytes[key]

    def read_block(self, path: Path, start: int, length: int) -> tuple[str, io.TextFormat] | None:
        """The decoded bytes start:start+length of *path* (a block of a large text file)."""
        data = self.read_bytes(path)
        if data is None or start < 0 or start + length > len(data):
            return None
        try:
            return io.decode(data[start:start + length], str(path))
        except MtcleanError:
            return None

    def read_file(self, path: Path) -> tuple[str, io.TextFormat] | None:
        """The decoded text and format of *path* (read once), or None if it cannot be read."""
        key = str(path)
        if key not in self._files:
            try:
                self._files[key] = io.decode(path.read_bytes(), key)
            except (OSError, MtcleanError):
                self._files[key] = None
        return self._files[key]

    def _jsonl_hit(self, path: Path, digest: str | None, entry: dict[str, Any]) -> tuple[int, str, str] | None:
        """(line number, field, value) of the entry's record, if it holds text with *digest*.

        A record is addressed by the field and line the entry names, never found by its value:
        another field or line may hold the same text (a reference beside the MT).
        """
        name = entry.get("field")
        if isinstance(name, str):
            line = entry.get("line")
            obj = self._jsonl_records(path).get(line) if isinstance(line, int) else None
            value = obj.get(name) if obj is not None else None
            return (line, name, value) if isinstance(value, str) and sha256(value) == digest else None
        return self._legacy_jsonl_hit(path, digest, entry)

    def _jsonl_records(self, path: Path) -> dict[int, dict]:
        key = str(path)
        if key not in self._records:
            got = self.read_file(path)
            self._records[key] = {line.lineno: line.obj for line in io.iter_jsonl(got[0], key)
                                  if line.obj is not None} if got is not None else {}
        return self._records[key]

    def _legacy_jsonl_hit(self, path: Path, digest: str | None, entry: dict[str, Any]) -> tuple[int, str, str] | None:
        """For reports written before entries named their field: the line holding text with
        *digest*; the line named by the entry's ``file:LINE`` id wins when several hold it."""
        hits = self._jsonl_index(path).get(digest or "", [])
        if not hits:
            return None
        line = str(entry.get("id") or "").rpartition(":")[2]
        named = next((h for h in hits if str(h[0]) == line), None)
        # Several documents may hold the same text: give each its own line, in report order.
        hit = named or next((h for h in hits if (str(path), h[0]) not in self._taken), hits[0])
        self._taken.add((str(path), hit[0]))
        return hit

    def _jsonl_index(self, path: Path) -> dict[str, list[tuple[int, str, str]]]:
        key = str(path)
        if key not in self._jsonl:
            index: dict[str, list[tuple[int, str, str]]] = {}
            got = self.read_file(path)
            if got is not None:
                for line in io.iter_jsonl(got[0], key):
                    for name, value in (line.obj or {}).items():
                        if isinstance(value, str):
                            index.setdefault(sha256(value), []).append((line.lineno, name, value))
            self._jsonl[key] = index
        return self._jsonl[key]

    def final(self, entry: dict[str, Any]) -> Located:
        """The final (cleaned) text of *entry*; :class:`TextUnavailable` says why not."""
        want = entry.get("output_sha256")
        tried: list[str] = []
        out = entry.get("output")
        if out and out != "-":
            p = self._resolve(out)
            if p is None:
                tried.append(f"output file {out} not found")
            elif io.is_jsonl(str(p)):
                hit = self._jsonl_hit(p, want, entry)
                if hit:
                    return Located(hit[2], f"output file {out}", str(p), None, hit[0], hit[1])
                tried.append(f"no line of {out} holds this document's cleaned text (changed since the run?)")
            elif (block := _block(entry)) is not None and "output_offset" in block:
                span = (block["output_offset"], block["output_bytes"])
                got = self.read_block(p, *span)
                if got and sha256(got[0]) == want:
                    return Located(got[0], f"output file {out}", str(p), got[1], block=span)
                tried.append(f"block {block.get('index')} of output file {out} changed since the run")
            else:
                got = self.read_file(p)
                if got and sha256(got[0]) == want:
                    return Located(got[0], f"output file {out}", str(p), got[1])
                tried.append(f"output file {out} changed since the run (edited, or already reviewed?)")
        else:
            tried.append("the output went to standard output" if out == "-" else "no output file was written")
        text = entry.get("text")
        if isinstance(text, str):
            if sha256(text) == want:
                return Located(text, "report text", fmt=entry_format(entry))
            tried.append("the report's text does not match its output digest")
        else:
            tried.append("the report has no text (write it with `mtclean cleanup --report-text`)")
        src = entry.get("source")
        if src and src not in ("-", "<stdin>"):
            original = self.original_from_source(entry)
            if original is not None:
                replayed = original[0]
                for rec in records(entry):
                    replayed = apply_edits(replayed, rec.edits)
                if sha256(replayed) == want:
                    return Located(replayed, f"source file {src} (replayed)", None, original[1])
            tried.append(f"source file {src} is gone or changed")
        raise TextUnavailable(f"{doc_label(entry)}: cleaned text not available: " + "; ".join(tried))

    def original_from_source(self, entry: dict[str, Any]) -> tuple[str, io.TextFormat | None] | None:
        """The input text read from the source file, if the file still holds it."""
        src = entry.get("source")
        p = self._resolve(src) if src else None
        if p is None:
            return None
        want = entry.get("input_sha256")
        if io.is_jsonl(str(p)):
            hit = self._jsonl_hit(p, want, entry)
            return (hit[2], None) if hit else None
        block = _block(entry)
        if block is not None:
            start, end = block["input_bytes"]
            got = self.read_block(p, start, end - start)
            return got if got and sha256(got[0]) == want else None
        got = self.read_file(p)
        return got if got and sha256(got[0]) == want else None


# -- writing results ---------------------------------------------------------------


@dataclass
class Result:
    entry: dict[str, Any]
    located: Located
    text: str  # the new text of this document


def _group_key(r: Result) -> str:
    if r.located.path:
        return r.located.path
    # The blocks of one large file belong together wherever their texts were found.
    return f"doc:{r.entry.get('source')}" if _block(r.entry) else f"doc:{doc_label(r.entry)}"


def render_groups(results: Iterable[Result], finder: TextFinder) -> dict[str, tuple[Result, bytes]]:
    """New bytes per file: a text file keeps its BOM and line ends; a JSON Lines file gets
    its documents' fields replaced and every other byte kept as it was."""
    groups: dict[str, list[Result]] = {}
    for r in results:
        groups.setdefault(_group_key(r), []).append(r)
    out: dict[str, tuple[Result, bytes]] = {}
    for key, rs in groups.items():
        first = rs[0]
        loc = first.located
        if loc.jsonl_line is not None and loc.path:
            got = finder.read_file(Path(loc.path))
            if got is None:
                raise MtcleanError(f"{loc.path}: cannot read the output file any more")
            lines = list(io.iter_jsonl(got[0], loc.path))
            raw = [line.raw for line in lines]
            for r in rs:
                line = lines[r.located.jsonl_line - 1]
                if r.text != r.located.text:  # only this field's value changes (see pipeline/jsonl.py)
                    raw[r.located.jsonl_line - 1] = jsonl.splice_field(line.raw, r.located.jsonl_field, r.text)
            text = "\n".join(raw) + ("\n" if got[0].endswith("\n") else "")
            out[key] = (first, io.encode(text, got[1]))
        elif any(_block(r.entry) for r in rs):
            out[key] = (first, _join_blocks(key, rs, finder))
        else:
            if len(rs) > 1:  # one text file, several entries: cannot happen in a cleanup report
                raise MtcleanError(f"{key}: several documents claim the same text file")
            out[key] = (first, io.encode(first.text, loc.fmt or io.TextFormat()))
    return out


def _join_blocks(key: str, rs: list[Result], finder: TextFinder) -> bytes:
    """The bytes of a large text file cleaned in blocks: each result's block rewritten, in place
    in the output file it was found in, or (texts found elsewhere) all blocks joined in order."""
    rs = sorted(rs, key=lambda r: _block(r.entry)["index"])
    path = rs[0].located.path
    if path:
        data = finder.read_bytes(Path(path))
        if data is None:
            raise MtcleanError(f"{path}: cannot read the output file any more")
        parts, pos = [], 0
        for r in rs:
            start, length = r.located.block
            parts += [data[pos:start], io.encode(r.text, r.located.fmt or io.TextFormat())]
            pos = start + length
        return b"".join([*parts, data[pos:]])
    spans = [_block(r.entry)["input_bytes"] for r in rs]
    ends = [0, *(end for _, end in spans)]
    if [start for start, _ in spans] != ends[:-1] or ends[-1] != _block(rs[-1].entry).get("input_size"):
        raise MtcleanError(f"{key.removeprefix('doc:')}: the report does not hold every block of this large file",
                           hint="revert the whole report, not one block")
    return b"".join(io.encode(r.text, r.located.fmt or io.TextFormat()) for r in rs)


def write_results(results: list[Result], finder: TextFinder, *, output: str | None, in_place: bool,
                  stdout=None) -> list[str]:
    """Write new texts: over the output files (*in_place*), to *output* (a file, or a directory
    for several files), or to standard output (one file only). Returns the paths written."""
    if in_place and output:
        raise MtcleanError("--in-place and -o/--output cannot be used together")
    groups = render_groups(results, finder)
    written: list[str] = []
    if in_place:
        missing = [r.entry for r, _ in groups.values() if not r.located.path]
        if missing:
            out = missing[0].get("output")
            why = ("it went to standard output" if out in (None, "-") else
                   f"{out} no longer holds the cleaned text (changed since the run, or already reviewed?)")
            raise MtcleanError(f"{doc_label(missing[0])}: cannot rewrite the output in place: {why}",
                               hint="use -o FILE")
        for r, data in groups.values():
            io.atomic_write(r.located.path, data)
            written.append(r.located.path)
        return written
    if output is None:
        if len(groups) > 1:
            raise MtcleanError(f"the result spans {len(groups)} files", hint="use -o DIR or --in-place")
        for _, data in groups.values():
            io.write_stdout(data, stdout)
        return written
    if len(groups) == 1 and not output.endswith(("/", "\\")) and not Path(output).is_dir():
        (_, data), = groups.values()
        io.atomic_write(output, data)
        return [output]
    names: set[str] = set()
    for key, (r, data) in groups.items():
        label = Path(str(r.entry.get("source"))).name if _block(r.entry) else doc_label(r.entry)
        name = Path(r.located.path).name if r.located.path else _safe_name(label)
        if name in names:
            raise MtcleanError(f"two results would be written to {Path(output) / name}", hint="write them separately")
        names.add(name)
        target = Path(output) / name
        io.atomic_write(target, data)
        written.append(str(target))
    return written


def _safe_name(label: str) -> str:
    keep = "".join(c if c.isalnum() or c in "._-" else "_" for c in label).strip("._") or "document"
    return keep if "." in keep else keep + ".txt"


def report_digest(path: str | Path) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
