"""The edit log: one JSON object per document, written as JSON Lines.

Each line holds the document id, where it came from, digests of the input and
output, its language, the final spans, and every stage record with its edits.
Replaying the records on the input gives the output; inverting them gives the
input back.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterator, Sequence

from mtclean.pipeline.document import Document, StageRecord
from mtclean.pipeline.edits import apply_edits, invert_edits
from mtclean.pipeline.errors import InputError

SCHEMA = "mtclean.report.v1"
RUN_SCHEMA = "mtclean.run.v1"  # the report's first line: what the run used (stages, glossary files)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def document_entry(doc: Document, *, input_text: str, source: str | None = None,
                   output: str | None = None, include_text: bool = False,
                   errors: list[str] | None = None, field: str | None = None) -> dict[str, Any]:
    """The report entry of *doc*. A record of a JSON Lines file names its *field* and its line
    (``doc.meta["line"]``): `revert` and `apply-review` address it there, never by its value."""
    entry: dict[str, Any] = {
        "schema": SCHEMA,
        "id": doc.id,
        "source": source,
        "output": output,
        "lang": doc.lang,
        "input_sha256": sha256(input_text),
        "output_sha256": sha256(doc.text),
        "edits": doc.edit_count,
        "records": [r.to_json() for r in doc.history],
        "spans": [s.to_json() for s in doc.spans],
    }
    if field is not None:
        entry["field"] = field
        if "line" in doc.meta:
            entry["line"] = doc.meta["line"]
    if include_text:
        entry["text"] = doc.text
    if errors:
        entry["errors"] = errors
    return entry


def place_blocks(entries: Sequence[dict[str, Any]], offset: int) -> None:
    """Give the entries of a large file's blocks their byte offset in the output (*offset*:
    the bytes of the input's output written before this task's)."""
    for entry in entries:
        if "block" in entry:
            entry["block"]["output_offset"] = offset


def run_header(stages: Sequence[Any]) -> dict[str, Any]:
    """The report's first line: the stages with their config digests, and every glossary file read
    (path, SHA-256 of its bytes, whether it is shipped), so an edit can be traced to the entry's file."""
    from mtclean.pipeline.glossary import digests_read_by, shipped_dir

    shipped = shipped_dir()
    glossaries = [{"file": str(f), "sha256": digest, "shipped": f.is_relative_to(shipped)}
                  for f, digest in digests_read_by(stages)]
    return {
        "schema": RUN_SCHEMA,
        "mtclean": _version(),
        "stages": [{"id": s.id, "config_digest": s.config_digest} for s in stages],
        "glossaries": glossaries,
    }


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mtclean")
    except PackageNotFoundError:
        return "unknown"


def read_run(path: str | Path) -> dict[str, Any] | None:
    """The run header of a report (None for a report written before headers existed)."""
    for entry in _read_lines(path):
        return entry if entry.get("schema") == RUN_SCHEMA else None
    return None


def read_report(path: str | Path) -> Iterator[dict[str, Any]]:
    """The document entries of a report, with a clear error for a broken line (the run header is skipped)."""
    for entry in _read_lines(path):
        if entry.get("schema") != RUN_SCHEMA:
            yield entry


def _read_lines(path: str | Path) -> Iterator[dict[str, Any]]:
    path = Path(path)
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        raise InputError(str(path), "report not found") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot read report: {exc.strerror or exc}") from None
    with fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError(str(path), "not UTF-8 text", position=f"line {lineno}",
                                 hint="pass a report written by `mtclean cleanup --report`") from None
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(str(path), f"not a JSON line: {exc.msg}", position=f"line {lineno}",
                                 hint="pass a report written by `mtclean cleanup --report`") from None
            if not isinstance(entry, dict) or ("records" not in entry and entry.get("schema") != RUN_SCHEMA):
                raise InputError(str(path), "not an mtclean report entry", position=f"line {lineno}")
            yield entry


def stage_names(path: str | Path) -> set[str]:
    """The stages a report has records of, by name (``encoding``) and versioned id (``encoding.v1``)."""
    names: set[str] = set()
    for entry in read_report(path):
        for rec in entry["records"]:
            names.update((rec["stage"], rec["stage"].rsplit(".v", 1)[0]))
    return names


def records(entry: dict[str, Any]) -> list[StageRecord]:
    return [StageRecord.from_json(r) for r in entry["records"]]


def rewind(text: str, recs: list[StageRecord]) -> list[str]:
    """Texts before each record and after the last, given the final *text*."""
    texts = [text]
    for rec in reversed(recs):
        text = apply_edits(text, invert_edits(rec.edits))
        texts.append(text)
    texts.reverse()
    return texts
