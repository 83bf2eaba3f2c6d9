"""Helpers for the review/revert tests: documents with hand-made stage histories, and reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Sequence

from hypothesis import strategies as st

from mtclean.pipeline.document import Document, Span, StageRecord
from mtclean.pipeline.edits import Edit, apply_edits
from mtclean.pipeline.report import document_entry


def edit(text: str, start: int, end: int, after: str, rule: str, reason: str = "", **evidence) -> Edit:
    return Edit(start, end, text[start:end], after, rule, reason or f"{rule} fix", evidence)


def run_history(text: str, stages: Sequence[tuple[str, Iterable[tuple]]], *, doc_id: str = "doc",
                suggestions: dict[str, list[tuple]] | None = None, spans: dict[str, list[tuple]] | None = None,
                lang: str = "en") -> Document:
    """A document whose history holds one record per ``(stage id, [(start, end, after, rule), ...])``.

    Offsets are into the text each stage receives. ``suggestions[stage]`` are
    ``(start, end, after, rule, evidence)`` into that stage's output; ``spans[stage]``
    are ``(start, end, lang)`` into its output.
    """
    doc = Document(text=text, id=doc_id, lang=lang)
    for stage, items in stages:
        cur = doc.text
        edits = tuple(edit(cur, s, e, a, r) for s, e, a, r in sorted(items))
        out = doc.text
        out = apply_edits(cur, edits)
        sugs = tuple(Edit(s, e, out[s:e], a, r, f"{r} suggested", ev)
                     for s, e, a, r, ev in (suggestions or {}).get(stage, []))
        sps = tuple(Span(s, e, out[s:e], lg, 0.9, "script") for s, e, lg in (spans or {}).get(stage, []))
        doc.apply(StageRecord(stage, "cfg", "in", edits, sugs, sps), out)
    return doc


def write_report(path: Path, docs: Sequence[tuple[Document, str]], *, include_text: bool = True,
                 sources: Sequence[str | None] | None = None, outputs: Sequence[str | None] | None = None) -> Path:
    """Write a report for ``(document, input text)`` pairs, like `mtclean cleanup --report`."""
    with path.open("w", encoding="utf-8") as fh:
        for i, (doc, original) in enumerate(docs):
            entry = document_entry(doc, input_text=original, include_text=include_text,
                                   source=(sources[i] if sources else None), output=(outputs[i] if outputs else None))
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return path


def sample_doc() -> tuple[Document, str]:
    """Three stages; names rewrites a word whose homoglyph encoding had fixed (so encoding cannot be reverted alone)."""
    text = "Cafe  news.. The minister Zelensk\u0456 said :yes. Kiev talks\n"
    t1 = text.replace("\u0456", "i").replace("Cafe", "Caf\u00e9")
    t2 = t1.replace("..", ".").replace(" :", ":")
    stages = [
        ("encoding.v1", [(3, 4, "\u00e9", "encoding.accent"),
                         (text.index("\u0456"), text.index("\u0456") + 1, "i", "encoding.homoglyph")]),
        ("punctuation.v1", [(t1.index(".."), t1.index("..") + 2, ".", "punctuation.double_period"),
                            (t1.index(" :"), t1.index(" :") + 1, "", "punctuation.space_before_colon")]),
        ("names.v1", [(t2.index("Zelenski"), t2.index("Zelenski") + 8, "Zelensky", "names.variant"),
                      (t2.index("Kiev"), t2.index("Kiev") + 4, "Kyiv", "names.variant")]),
    ]
    t3 = t2.replace("Zelenski", "Zelensky").replace("Kiev", "Kyiv")
    doc = run_history(text, stages, doc_id="sample",
                      suggestions={"names.v1": [(0, 4, "Caff\u00e8", "names.fuzzy_suggestion", {"entry": "place.caffe"})]},
                      spans={"punctuation.v1": [(t2.index("yes"), t2.index("yes") + 3, "de")]})
    assert doc.text == t3, doc.text
    return doc, text


# Every character of the input and of every replacement is distinct, so an edit's
# replacement can be found in the final text by identity (the oracle of the revert tests).
@st.composite
def histories(draw, insertions: bool = True):
    fresh = iter(range(0x4E00, 0x9FFF))
    text = "".join(chr(next(fresh)) for _ in range(draw(st.integers(1, 20))))
    original = text
    stages = []
    for n in range(draw(st.integers(1, 4))):
        cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=8))))
        items, pos = [], -1
        for a, b in zip(cuts[::2], cuts[1::2] + [None] * (len(cuts) % 2)):
            b = a if b is None else b
            if a <= pos or (a == b and not insertions):
                continue
            after = "".join(chr(next(fresh)) for _ in range(draw(st.integers(1, 3))))
            items.append((a, b, after, f"s{n}.r"))
            pos = b
        doc_text = apply_edits(text, [Edit(a, b, text[a:b], x, r, "") for a, b, x, r in items])
        stages.append((f"s{n}.v1", items))
        text = doc_text
    return original, stages
