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
from typing import Any, Iterator

from mtclean.pipeline.document import Document, StageRecord
from mtclean.pipeline.edits import apply_edits, invert_edits
from mtclean.pipeline.errors import InputError

SCHEMA = "mtclean.report.v1"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def document_entry(doc: Document, *, input_text: str, source: str | None = None,
                   output: str | None = None, include_text: bool = False,
                   errors: list[str] | None = None) -> dict[str, Any]:
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
    if include_text:
        entry["text"] = doc.text
    if errors:
        entry["errors"] = errors
    return entry


def read_report(path: str | Path) -> Iterator[dict[str, Any]]:
    """Report entries from a JSON Lines file, with a clear error for a broken line."""
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
            if not isinstance(entry, dict) or "records" not in entry:
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
