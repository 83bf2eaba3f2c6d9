"""Undo one stage's edits, or rewind a document to the text after a stage.

``revert_stage`` undoes stage *k*'s edits on the final text when no later stage
changed the text they produced; otherwise it refuses and names the later stage.
``text_after`` rewinds the final text through the inverted records: after a
named stage, or all the way to the input (which gives the original exactly).

>>> from mtclean.pipeline.document import Document, StageRecord
>>> from mtclean.pipeline.edits import Edit
>>> doc = Document("Done.. yes")
>>> _ = doc.apply(StageRecord("punctuation.v1", "", "", (Edit(4, 6, "..", ".", "punct.double", "doubled period"),)))
>>> _ = doc.apply(StageRecord("names.v1", "", "", (Edit(6, 9, "yes", "Yes", "names.x", "capital"),)))
>>> revert_stage(doc.text, doc.history, "punctuation")
'Done.. Yes'
>>> text_after(doc.text, doc.history, "input")
'Done.. yes'
"""

from __future__ import annotations

from typing import Any, Sequence

from mtclean.pipeline.document import StageRecord
from mtclean.pipeline.edits import Edit, apply_edits, invert_edits
from mtclean.pipeline.errors import MtcleanError
from mtclean.pipeline.report import records
from mtclean.pipeline.review.history import carry_all, find_record
from mtclean.pipeline.review.texts import Located, Result, TextFinder, doc_label


class RevertConflict(MtcleanError):
    """A later stage changed text that the stage to revert had edited."""


class UnknownStage(MtcleanError):
    """The report has no record of the stage asked for."""


def _stage_index(recs: Sequence[StageRecord], stage: str, label: str) -> int:
    k = find_record(recs, stage)
    if k < 0:
        names = ", ".join(r.stage for r in recs) or "none"
        raise UnknownStage(f"{label}: stage {stage!r} is not in the report", hint=f"stages run: {names}")
    return k


def undo_edits(recs: Sequence[StageRecord], k: int,
               which: Sequence[int] | None = None) -> tuple[list[Edit], list[tuple[int, str]]]:
    """Edits on the final text that undo edits *which* (indices; all by default) of record *k*.

    Returns ``(undo edits, conflicts)``; a conflict is ``(edit index, later stage id)``
    for an edit whose text a later stage changed (it gets no undo edit).
    """
    rec = recs[k]
    out_offsets = invert_edits(rec.edits)  # each edit's region in the stage's output
    chosen = list(range(len(rec.edits))) if which is None else sorted(set(which))
    undo: list[Edit] = []
    conflicts: list[tuple[int, str]] = []
    places = carry_all([(out_offsets[i].start, out_offsets[i].end) for i in chosen], recs[k + 1:])
    for i, where in zip(chosen, places):
        e = rec.edits[i]
        if where.conflict:
            conflicts.append((i, where.conflict))
            continue
        undo.append(Edit(where.start, where.end, e.after, e.before, e.rule, f"revert: {e.reason}", dict(e.evidence)))
    undo.sort(key=lambda x: (x.start, x.end))
    return undo, conflicts


def revert_stage(final: str, recs: Sequence[StageRecord], stage: str, *, label: str = "") -> str:
    """*final* with every edit of *stage* undone; :class:`RevertConflict` if a later stage touched one."""
    k = _stage_index(recs, stage, label or "document")
    undo, conflicts = undo_edits(recs, k)
    if conflicts:
        i, later = conflicts[0]
        e = recs[k].edits[i]
        raise RevertConflict(
            f"{label or 'document'}: cannot revert {recs[k].stage}: {later} later changed the text of its "
            f"{e.rule} edit at {e.start} ({e.before!r} -> {e.after!r})"
            + (f" and {len(conflicts) - 1} more" if len(conflicts) > 1 else ""),
            hint=f"revert {later.rsplit('.v', 1)[0]} first, or use --to to rewind",
        )
    return apply_edits(final, undo)


def text_after(final: str, recs: Sequence[StageRecord], stage: str, *, label: str = "") -> str:
    """The text as it was after *stage* (``"input"``: the original input)."""
    stop = -1 if stage == "input" else _stage_index(recs, stage, label or "document")
    text = final
    for i in range(len(recs) - 1, stop, -1):
        text = apply_edits(text, invert_edits(recs[i].edits))
    return text


def revert_entries(entries: Sequence[dict[str, Any]], finder: TextFinder, *, stage: str | None = None,
                   to: str | None = None, doc: str | None = None) -> list[Result]:
    """New texts for every entry (or the one with id *doc*): all checked before anything is written."""
    if (stage is None) == (to is None):
        raise MtcleanError("give either --stage NAME (undo one stage) or --to NAME (rewind to after a stage)")
    chosen = [e for e in entries if doc is None or str(e.get("id")) == doc or e.get("source") == doc]
    if not chosen:
        raise MtcleanError(f"no document {doc!r} in the report" if doc else "the report is empty")
    results: list[Result] = []
    for entry in chosen:
        label = doc_label(entry)
        recs = records(entry)
        located: Located = finder.final(entry)
        if stage is not None:
            text = revert_stage(located.text, recs, stage, label=label)
        else:
            text = text_after(located.text, recs, to, label=label)
            if to == "input" and entry.get("input_sha256"):
                from mtclean.pipeline.report import sha256

                if sha256(text) != entry["input_sha256"]:
                    raise MtcleanError(f"{label}: rewinding the edit log does not give the input back "
                                       "(the report is inconsistent)")
        results.append(Result(entry, located, text))
    return results


def reject_edits(final: str, recs: Sequence[StageRecord], rejected: dict[int, set[int]]
                 ) -> tuple[str, list[Edit], list[tuple[int, int, str]]]:
    """*final* as if the *rejected* edits (record index -> edit indices) had never been made.

    The history is replayed from the input with those edits left out and every
    other edit kept. A later edit that changed the text of a rejected edit can
    only be kept if it is rejected too (then both go); otherwise that rejection
    is dropped and reported. Returns ``(text, diff, dropped)``: ``diff`` turns
    *final* into the new text (offsets into *final*), ``dropped`` lists
    ``(record, edit, later stage id)`` for rejections that could not be carried out.
    """
    from mtclean.pipeline.review.history import touches

    todo = {k: set(v) for k, v in rejected.items() if v}
    dropped: list[tuple[int, int, str]] = []
    texts = None
    while True:
        if texts is None:
            from mtclean.pipeline.report import rewind

            texts = rewind(final, recs)
        text, diff, clash = _replay_without(texts, recs, todo)
        if clash is None:
            return text, diff, dropped
        r, bad = clash
        culprits = []
        for k in sorted(todo):
            if k >= r:
                continue
            idx = sorted(todo[k])
            outs = invert_edits(recs[k].edits)
            places = carry_all([(outs[i].start, outs[i].end) for i in idx], recs[k + 1:r])
            culprits += [(k, i) for i, p in zip(idx, places) if any(touches(b, p.start, p.end) for b in bad)]
        if not culprits:  # cannot happen with a consistent report; never loop forever
            culprits = [(k, i) for k in sorted(todo) if k < r for i in sorted(todo[k])]
        for k, i in culprits:
            todo[k].discard(i)
            dropped.append((k, i, recs[r].stage))


def _replay_without(texts: Sequence[str], recs: Sequence[StageRecord], todo: dict[int, set[int]]):
    """Replay *recs* on the input leaving out the edits in *todo*.

    Keeps ``diff``: edits turning the original history's text after each record
    into the replayed one. Returns ``(text, diff on the final text, None)``, or
    ``(None, None, (record, kept edits that touch a left-out edit's text))``.
    """
    from dataclasses import replace

    from mtclean.pipeline.edits import compose

    text, diff = texts[0], []
    for r, rec in enumerate(recs):
        out = todo.get(r, set())
        if not out and not diff:
            text = texts[r + 1]  # nothing left out so far: the replay is the history itself
            continue
        kept = [e for i, e in enumerate(rec.edits) if i not in out]
        if diff:
            places = carry_all([(e.start, e.end) for e in kept], [StageRecord("left-out", "", "", tuple(diff))])
            bad = [e for e, p in zip(kept, places) if p.conflict]
            if bad:
                return None, None, (r, bad)
            kept = [replace(e, start=p.start, end=p.end) for e, p in zip(kept, places)]
        text = apply_edits(text, kept)
        diff = compose(compose(invert_edits(rec.edits), diff), kept)
    return text, diff, None
