"""The document model: text, language, spans and an append-only stage history."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from mtclean.pipeline.edits import Edit, apply_edits, invert_edits, map_offset


def digest(text: str) -> str:
    """Short, stable digest of a text (sha256 of its UTF-8, first 16 hex digits)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def config_digest(config: Any) -> str:
    from dataclasses import asdict, is_dataclass

    data = asdict(config) if is_dataclass(config) else config
    return digest(json.dumps(data, sort_keys=True, default=str, ensure_ascii=False))


@dataclass(frozen=True, slots=True)
class Span:
    """A region of the document found by a detection stage (e.g. a fragment in another language)."""

    start: int
    end: int
    text: str
    lang: str
    confidence: float = 1.0
    method: str = ""
    kind: str = "fragment"

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start, "end": self.end, "text": self.text, "lang": self.lang,
            "confidence": round(self.confidence, 4), "method": self.method, "kind": self.kind,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Span":
        return cls(d["start"], d["end"], d["text"], d["lang"], d.get("confidence", 1.0), d.get("method", ""),
                   d.get("kind", "fragment"))


@dataclass(frozen=True, slots=True)
class StageRecord:
    """What one stage did to one document. ``edits`` apply to the stage's input text."""

    stage: str  # versioned id, e.g. "encoding.v1"
    config_digest: str
    input_digest: str
    edits: tuple[Edit, ...] = ()
    suggestions: tuple[Edit, ...] = ()  # proposed, not applied; offsets into the stage's output
    spans: tuple[Span, ...] = ()  # spans found by this stage, offsets into its output
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "stage": self.stage,
            "config_digest": self.config_digest,
            "input_digest": self.input_digest,
            "edits": [e.to_json() for e in self.edits],
        }
        if self.suggestions:
            out["suggestions"] = [e.to_json() for e in self.suggestions]
        if self.spans:
            out["spans"] = [s.to_json() for s in self.spans]
        if self.notes:
            out["notes"] = list(self.notes)
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "StageRecord":
        return cls(
            stage=d["stage"],
            config_digest=d.get("config_digest", ""),
            input_digest=d.get("input_digest", ""),
            edits=tuple(Edit.from_json(e) for e in d.get("edits", ())),
            suggestions=tuple(Edit.from_json(e) for e in d.get("suggestions", ())),
            spans=tuple(Span.from_json(s) for s in d.get("spans", ())),
            notes=tuple(d.get("notes", ())),
        )

    @property
    def stage_name(self) -> str:
        return self.stage.rsplit(".v", 1)[0]


@dataclass(slots=True)
class Document:
    """A text moving through the pipeline.

    ``history`` only grows; :meth:`apply` is the one way a stage changes ``text``,
    so every change is in a record.
    """

    text: str
    id: str = ""
    lang: str | None = None
    spans: list[Span] = field(default_factory=list)
    history: list[StageRecord] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    # (text, digest(text)) for the last text digested; not part of the document's value.
    _digest: tuple[str, str] | None = field(default=None, init=False, repr=False, compare=False)

    def text_digest(self) -> str:
        """``digest(self.text)``, computed once per text: stages that change nothing pass the text on."""
        cached = self._digest
        if cached is None or cached[0] is not self.text:
            cached = self._digest = (self.text, digest(self.text))
        return cached[1]

    def apply(self, record: StageRecord, output: str | None = None) -> "Document":
        """Append *record* and apply its edits (checking them against the current text)."""
        if not record.edits and not record.spans and (output is None or output == self.text):
            self.history.append(record)  # most stages on most documents: nothing to apply
            return self
        new_text = apply_edits(self.text, record.edits)
        if output is not None and output != new_text:
            from mtclean.pipeline.errors import StageError

            raise StageError(f"stage {record.stage} changed text it did not record in its edits")
        protected = [s for s in self.spans if s.kind == "protected"]
        if protected and record.edits:
            # Code (Markdown code blocks and spans) is never rewritten: edits that
            # touch it are left out, and the record says how many.
            kept = tuple(e for e in record.edits if not any(_touches(e, s) for s in protected))
            if len(kept) != len(record.edits):
                note = f"{len(record.edits) - len(kept)} edit(s) inside code left out"
                record = replace(record, edits=kept, notes=(*record.notes, note))
                new_text = apply_edits(self.text, kept)
        if record.edits:
            self.spans = [s2 for s2 in (_shift(s, record.edits, new_text) for s in self.spans) if s2]
        self.text = new_text
        self.spans.extend(record.spans)
        self.spans.sort(key=lambda s: (s.start, s.end))
        self.history.append(record)
        return self

    def text_at(self, stage: str) -> str:
        """The text as it was after *stage* (a name or versioned id; ``"input"`` for the original)."""
        text = self.text
        for rec in reversed(self.history):
            if stage in (rec.stage, rec.stage_name):
                return text
            text = apply_edits(text, invert_edits(rec.edits))
        if stage == "input":
            return text
        raise KeyError(stage)

    @property
    def original_text(self) -> str:
        return self.text_at("input")

    @property
    def edit_count(self) -> int:
        return sum(len(r.edits) for r in self.history)


def _touches(e: Edit, span: Span) -> bool:
    if e.start == e.end:  # an insertion touches code only strictly inside it
        return span.start < e.start < span.end
    return e.start < span.end and span.start < e.end


def _shift(span: Span, edits, new_text: str) -> Span | None:
    if any(e.start <= span.start and span.end <= e.end and e.end > e.start for e in edits):
        return None  # the span was rewritten as a whole (translated, marked, removed)
    start = map_offset(edits, span.start, side="left")
    end = map_offset(edits, span.end, side="right")
    if end <= start:
        return None  # the span's text was removed (e.g. a fragment deleted)
    return Span(start, end, new_text[start:end], span.lang, span.confidence, span.method, span.kind)
