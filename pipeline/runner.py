"""Run stages over documents.

A document the stages changed is run through them again, until a round changes nothing (at
most ``SETTLE_ROUNDS`` more rounds): one repair can expose another to an earlier stage (a quote
made curly next to mojibake), and a cleaned text cleaned again must come out unchanged. Only
the documents a round changed go on to the next, so clean text costs one round.

In verify mode (on in tests) the runner checks after every stage that replaying
the stage's edits on its input gives its output, and that inverting them gives
the input back: no stage can change text without recording it.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Iterable, Iterator, Sequence

from mtclean.pipeline import language
from mtclean.pipeline.document import Document
from mtclean.pipeline.edits import apply_edits, invert_edits
from mtclean.pipeline.errors import StageError


LANGUAGE = "(language detection)"  # its time in the per-stage summary
SETTLE_ROUNDS = 2


@dataclass
class Stats:
    """What a run did, per stage: documents, edits by rule, spans, seconds."""

    documents: int = 0
    edits: Counter = field(default_factory=Counter)  # (stage, rule) -> count
    spans: Counter = field(default_factory=Counter)  # stage -> count
    suggestions: Counter = field(default_factory=Counter)
    seconds: defaultdict = field(default_factory=lambda: defaultdict(float))
    chars: int = 0

    def add(self, other: "Stats") -> None:
        self.documents += other.documents
        self.edits.update(other.edits)
        self.spans.update(other.spans)
        self.suggestions.update(other.suggestions)
        for k, v in other.seconds.items():
            self.seconds[k] += v
        self.chars += other.chars


class Pipeline:
    """An ordered list of stages, set up once and run over many documents.

    >>> from mtclean.stages.encoding import EncodingStage
    >>> with Pipeline([EncodingStage()], lang="en") as p:
    ...     p.run_text("The cafÃ© opened.").text
    'The café opened.'
    """

    def __init__(self, stages: Sequence, *, lang: str | None = None, verify: bool = False):
        self.stages = list(stages)
        self.lang = lang
        self.verify = verify
        self.stats = Stats()
        self._ready = False

    @classmethod
    def from_config(cls, config, **kwargs) -> "Pipeline":
        return cls(config.build(), lang=kwargs.pop("lang", config.lang), verify=kwargs.pop("verify", config.verify))

    def validate(self) -> None:
        """Every stage's :meth:`~mtclean.pipeline.stage.Stage.validate`, in the main process."""
        for s in self.stages:
            s.validate()

    def setup(self) -> None:
        for s in self.stages:
            s.ensure_ready()  # the stage keeps its readiness, whether or not setup() calls super().setup()
        self._ready = True

    def teardown(self) -> None:
        for s in self.stages:
            s.teardown()
            s._ready = False
        self._ready = False

    def __enter__(self) -> "Pipeline":
        self.setup()
        return self

    def __exit__(self, *exc) -> None:
        self.teardown()

    def detect_languages(self, docs: Sequence[Document]) -> None:
        """Give each of *docs* without a language the pipeline's, or the one detected in its text.

        run_batch does this for its documents; a caller holding more documents than one
        batch can do it first for all of them: langdetect then samples more texts together.
        """
        unknown = [d for d in docs if d.lang is None]
        if unknown and self.lang is not None:
            for d in unknown:
                d.lang = self.lang
        elif unknown:
            t0 = time.perf_counter()
            for d, lang in zip(unknown, language.detect_many([d.text for d in unknown], default="en")):
                d.lang = lang
            self.stats.seconds[LANGUAGE] += time.perf_counter() - t0  # a cost worth showing in the summary

    def run(self, doc: Document) -> Document:
        return self.run_batch([doc])[0]

    def run_text(self, text: str, *, id: str = "") -> Document:
        return self.run(Document(text=text, id=id))

    def run_batch(self, docs: Sequence[Document]) -> list[Document]:
        if not self._ready:
            self.setup()
        docs = list(docs)
        self.detect_languages(docs)
        inputs = [d.text for d in docs]
        docs = self._run_stages(docs)
        changed = [d for d, text in zip(docs, inputs) if d.text != text]
        for _ in range(SETTLE_ROUNDS):
            if not changed:
                break
            changed = self._settle(changed)
        self.stats.documents += len(docs)
        self.stats.chars += sum(len(d.text) for d in docs)
        return docs

    def _settle(self, docs: list[Document]) -> list[Document]:
        """Run the stages again over copies of *docs*; give each document the records of the
        round that changed it (their spans and suggestions left out: the first round's stand,
        and the second would repeat them). Returns the documents this round changed."""
        # As a fresh run would see the text: only the regions given with it (code, URLs) stay;
        # the stages find their spans (fragments) again.
        copies = [Document(text=d.text, id=d.id, lang=d.lang, spans=[s for s in d.spans if s.kind == "protected"],
                           meta=d.meta) for d in docs]
        copies = self._run_stages(copies, count=False)
        changed = []
        for d, c in zip(docs, copies):
            if c.text == d.text:
                continue
            for rec in c.history:
                if rec.edits:
                    d.apply(replace(rec, spans=(), suggestions=()))
                    for e in rec.edits:
                        self.stats.edits[(rec.stage_name, e.rule)] += 1
            changed.append(d)
        return changed

    def _run_stages(self, docs: list[Document], *, count: bool = True) -> list[Document]:
        for stage in self.stages:
            before = [d.text for d in docs] if self.verify else None
            t0 = time.perf_counter()
            docs = stage.process_batch(docs)
            self.stats.seconds[stage.name] += time.perf_counter() - t0
            stage_id, edits = stage.id, self.stats.edits
            spans = suggestions = 0
            for i, d in enumerate(docs):
                rec = d.history[-1] if d.history and d.history[-1].stage == stage_id else None
                if rec is None:
                    raise StageError(f"stage {stage_id} returned a document without its record")
                if before is not None:
                    _verify(stage_id, before[i], d.text, rec)
                if count:
                    for e in rec.edits:
                        edits[(stage.name, e.rule)] += 1
                spans += len(rec.spans)
                suggestions += len(rec.suggestions)
            if count:
                self.stats.spans[stage.name] += spans
                self.stats.suggestions[stage.name] += suggestions
        return docs

    def run_stream(self, docs: Iterable[Document], *, batch_size: int = 64) -> Iterator[Document]:
        batch: list[Document] = []
        for d in docs:
            batch.append(d)
            if len(batch) >= batch_size:
                yield from self.run_batch(batch)
                batch = []
        if batch:
            yield from self.run_batch(batch)


def _verify(stage_id: str, before: str, after: str, rec) -> None:
    if apply_edits(before, rec.edits) != after:
        raise StageError(f"verify: {stage_id} edits do not replay to its output")
    if apply_edits(after, invert_edits(rec.edits)) != before:
        raise StageError(f"verify: {stage_id} edits do not invert to its input")
