"""Applying an editor's decisions from the review page.

The page (``mtclean review``) lets an editor reject edits and accept
suggestions, and downloads a decisions file::

    {"schema": "mtclean.review-decisions.v1",
     "report": "out/report.jsonl", "report_sha256": "…",
     "glossary_file": null, "glossary_dir": null,
     "rejected": [{"doc": 0, "id": "a.txt", "record": 1, "stage": "punctuation.v1", "edit": 0,
                   "start": 4, "before": "..", "after": ".", "rule": "punctuation.double_period"}],
     "accepted": [{"doc": 0, "id": "a.txt", "record": 3, "stage": "names.v1", "suggestion": 0,
                   "start": 12, "before": "Zelenskyi", "after": "Zelensky",
                   "rule": "names.fuzzy_suggestion", "entry": "person.volodymyr-zelensky"}]}

:func:`plan_decisions` checks every decision against the report (same document,
record and edit, same before/after) and works out the new texts:

- a rejected edit is undone through the edit log: the history is replayed
  without it, every other edit kept. If a later stage changed its text, that
  later edit must be rejected too (then both are undone); otherwise the
  rejection is listed as not applied, naming that stage;
- an accepted suggestion is applied to the final text where no later stage
  changed that text, and a name suggestion (one with a glossary ``entry``) adds
  its spelling as a variant of that entry through the same code as
  ``mtclean glossary add-variant``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mtclean.pipeline.edits import Edit, apply_edits
from mtclean.pipeline.errors import MtcleanError
from mtclean.pipeline.document import StageRecord
from mtclean.pipeline.report import read_report, records
from mtclean.pipeline.review.history import carry
from mtclean.pipeline.review.revert import reject_edits
from mtclean.pipeline.review.texts import Result, TextFinder, doc_label, report_digest

SCHEMA = "mtclean.review-decisions.v1"


class DecisionsError(MtcleanError):
    """A decisions file that does not fit its report."""


@dataclass
class Plan:
    results: list[Result] = field(default_factory=list)  # documents whose text changes
    reverted: int = 0
    applied: int = 0  # suggestions applied to the text
    variants: list[tuple[str, str]] = field(default_factory=list)  # (entry id, spelling) to add
    skipped: list[str] = field(default_factory=list)  # decisions that could not be carried out, and why


def load_decisions(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DecisionsError(f"{path}: decisions file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DecisionsError(f"{path}: not a JSON decisions file ({exc})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise DecisionsError(f"{path}: not an mtclean decisions file (schema {SCHEMA} expected)",
                             hint="download it from the page written by `mtclean review`")
    for key in ("rejected", "accepted"):
        if not isinstance(data.get(key, []), list):
            raise DecisionsError(f"{path}: {key} must be a list")
    return data


def find_report(decisions: dict[str, Any], decisions_path: str | Path, report: str | Path | None) -> Path:
    """The report the decisions were made on: *report* if given, else the one the page names."""
    if report is not None:
        return Path(report)
    named = decisions.get("report")
    if not named:
        raise DecisionsError("the decisions file names no report", hint="pass --report REPORT.jsonl")
    p = Path(named)
    if not p.exists() and not p.is_absolute():
        beside = Path(decisions_path).parent / p
        if beside.exists():
            return beside
    if not p.exists():
        raise DecisionsError(f"report {named} (named in the decisions file) not found", hint="pass --report REPORT.jsonl")
    return p


def _check(kind: str, d: dict[str, Any], items: tuple[Edit, ...], key: str, label: str) -> int:
    i = d.get(key)
    if not isinstance(i, int) or not 0 <= i < len(items):
        raise DecisionsError(f"{label}: {kind} {key} {i!r} is not in the report")
    e = items[i]
    if (d.get("before"), d.get("after")) != (e.before, e.after) or d.get("rule", e.rule) != e.rule:
        raise DecisionsError(f"{label}: {kind} {key} {i} does not match the report "
                             f"({d.get('before')!r} -> {d.get('after')!r} vs {e.before!r} -> {e.after!r})",
                             hint="the decisions were made on another report")
    return i


def plan_decisions(decisions: dict[str, Any], report: Path, *, check_digest: bool = True) -> Plan:
    entries = list(read_report(report))
    if check_digest and decisions.get("report_sha256") and decisions["report_sha256"] != report_digest(report):
        raise DecisionsError(f"{report} changed since the review page was made (its sha256 differs)",
                             hint="make the page again with `mtclean review`, or pass --ignore-digest")
    by_doc: dict[int, dict[str, list[dict[str, Any]]]] = {}
    for kind in ("rejected", "accepted"):
        for d in decisions.get(kind, []):
            di = d.get("doc")
            if not isinstance(di, int) or not 0 <= di < len(entries):
                raise DecisionsError(f"{kind} decision for document {di!r}: not in the report")
            if d.get("id") is not None and str(d["id"]) != str(entries[di].get("id")):
                raise DecisionsError(f"{kind} decision for document {di}: id {d['id']!r} does not match the report "
                                     f"({entries[di].get('id')!r})", hint="the decisions were made on another report")
            by_doc.setdefault(di, {"rejected": [], "accepted": []})[kind].append(d)
    plan = Plan()
    finder = TextFinder(base=report.parent)
    for di in sorted(by_doc):
        entry = entries[di]
        label = doc_label(entry)
        recs = records(entry)
        todo = by_doc[di]
        per_record: dict[int, list[int]] = {}
        for d in todo["rejected"]:
            k = d.get("record")
            if not isinstance(k, int) or not 0 <= k < len(recs):
                raise DecisionsError(f"{label}: record {k!r} is not in the report")
            per_record.setdefault(k, []).append(_check("edit", d, recs[k].edits, "edit", label))
        for d in todo["accepted"]:
            k = d.get("record")
            if not isinstance(k, int) or not 0 <= k < len(recs):
                raise DecisionsError(f"{label}: record {k!r} is not in the report")
            _check("suggestion", d, recs[k].suggestions, "suggestion", label)
        located = None
        if per_record or todo["accepted"]:
            try:
                located = finder.final(entry)
            except MtcleanError as exc:
                if per_record:
                    raise
                plan.skipped.append(f"{exc} (suggestions not applied to the text)")
        text, diff = (located.text, []) if located is not None else (None, [])
        if per_record:
            text, diff, dropped = reject_edits(located.text, recs, {k: set(v) for k, v in per_record.items()})
            plan.reverted += sum(len(set(v)) for v in per_record.values()) - len(dropped)
            for k, i, later in dropped:
                e = recs[k].edits[i]
                plan.skipped.append(f"{label}: edit {e.rule} at {e.start} ({e.before!r} -> {e.after!r}) not reverted: "
                                    f"{later} later changed its text (reject that edit too to undo both)")
        accepted: list[Edit] = []
        left_out = [StageRecord("rejected edits", "", "", tuple(diff))] if diff else []
        for d in todo["accepted"]:
            k, s = d["record"], recs[d["record"]].suggestions[d["suggestion"]]
            entry_id = d.get("entry") or s.evidence.get("entry")
            if entry_id:
                plan.variants.append((str(entry_id), s.before))
            if text is None:
                continue
            where = carry(s.start, s.end, [*recs[k + 1:], *left_out])
            if where.conflict:
                why = "a rejected edit overlaps it" if where.conflict == "rejected edits" else f"{where.conflict} later changed it"
                plan.skipped.append(f"{label}: suggestion {s.before!r} -> {s.after!r} not applied to the text: {why}")
                continue
            accepted.append(Edit(where.start, where.end, s.before, s.after, s.rule, f"accepted: {s.reason}"))
        if accepted:
            accepted.sort(key=lambda e: (e.start, e.end))
            clash = _first_overlap(accepted)
            if clash is not None:
                raise DecisionsError(f"{label}: two accepted suggestions overlap at offset {clash}", hint="keep one of them")
            text = apply_edits(text, accepted)
            plan.applied += len(accepted)
        if text is not None and text != located.text:
            plan.results.append(Result(entry, located, text))
    plan.variants = list(dict.fromkeys(plan.variants))
    return plan


def _first_overlap(changes: list[Edit]) -> int | None:
    for a, b in zip(changes, changes[1:]):
        if b.start < a.end or (a.start == a.end == b.start == b.end):
            return b.start
    return None


def add_variants(variants: list[tuple[str, str]], *, glossary_file: str | None, glossary_dir: str | None,
                 shipped: bool = True) -> tuple[list[str], list[str]]:
    """Add accepted spellings through the ``mtclean glossary add-variant`` code.

    Returns (messages for added variants, messages for failures)."""
    from mtclean.pipeline.cli.glossary import add_variants as glossary_add_variants

    done, failed = [], []
    for entry_id, spelling in variants:
        try:
            added = glossary_add_variants(entry_id, [spelling], glossary_dir=Path(glossary_dir) if glossary_dir else None,
                                          file=Path(glossary_file) if glossary_file else None, shipped=shipped)
        except MtcleanError as exc:
            failed.append(f"variant {spelling!r} of {entry_id} not added: {exc} "
                          "(choose the glossary file with --glossary-file)")
            continue
        done.append(f"{'added' if added else 'already there'}: {spelling!r} as a variant of {entry_id}")
    return done, failed
