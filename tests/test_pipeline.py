"""Properties every installed stage keeps, and the runner's contract."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings, strategies as st

from mtclean.pipeline import registry
from mtclean.pipeline.config import load_config
from mtclean.pipeline.document import Document
from mtclean.pipeline.edits import Edit, apply_edits, invert_edits
from mtclean.pipeline.errors import ConfigError, StageError
from mtclean.pipeline.runner import Pipeline
from mtclean.pipeline.stage import Stage

STAGES = registry.available()

# Text that looks like MT output: words, quotes, dashes, other scripts, odd spacing.
PIECES = st.sampled_from([
    "The", " ", "  ", "word", "Kiev", "Zelenski", "post -war", "..", ".", ",", " ,", "“", "”", "‘", "’", "\"", "'",
    "«", "»", "„", "–", " - ", "-", "παγωμένα ρωσικά", "Путин", "\n", "\n\n", "cafÃ©", "&amp;", "don't", "[...]",
    "…", "Emauel Macron", "http://x.org/a-b", "e@x.org", "10", "-5",
])
MT_TEXT = st.lists(st.one_of(PIECES, st.text(max_size=5)), max_size=30).map("".join)


@pytest.fixture(scope="module")
def stages():
    built = {}
    for name in STAGES:
        cls = registry.load(name)
        stage = cls()
        stage.setup()
        built[name] = stage
    return built


@pytest.mark.parametrize("name", STAGES)
def test_stage_is_picklable_and_cheap(name):
    cls = registry.load(name)
    stage = cls()
    clone = pickle.loads(pickle.dumps(stage))
    assert type(clone) is cls and clone.config == stage.config
    assert stage.id == f"{cls.name}.v{cls.version}" and cls.description


@pytest.mark.parametrize("name", STAGES)
@settings(max_examples=60)
@given(text=MT_TEXT)
def test_stage_records_every_change(stages, name, text):
    stage = stages[name]
    doc = stage.process(Document(text=text, lang="en"))
    rec = doc.history[-1]
    assert rec.stage == stage.id
    assert apply_edits(text, rec.edits) == doc.text
    assert apply_edits(doc.text, invert_edits(rec.edits)) == text


@settings(max_examples=60)
@given(text=MT_TEXT)
def test_default_pipeline_idempotent_and_reversible(text):
    with Pipeline.from_config(load_config(lang="en"), verify=True) as pipe:
        doc = pipe.run_text(text)
        assert doc.original_text == text
        again = pipe.run_text(doc.text)
        assert again.text == doc.text, [e for r in again.history for e in r.edits]


@given(st.text(max_size=300))
def test_default_pipeline_survives_arbitrary_unicode(text):
    with Pipeline.from_config(load_config(lang="en"), verify=True) as pipe:
        doc = pipe.run_text(text)
    assert doc.original_text == text


class _Sneaky(Stage):
    name = "sneaky"
    description = "changes text without recording it"

    def process(self, doc):
        rec = self.record(doc, [])
        doc.history.append(rec)
        doc.text = doc.text.upper()
        return doc


def test_verify_catches_unrecorded_changes():
    with pytest.raises(StageError, match="sneaky"):
        Pipeline([_Sneaky()], lang="en", verify=True).run_text("abc")


def test_document_refuses_output_that_does_not_match_edits():
    doc = Document(text="abc")
    rec = _Sneaky().record(doc, [Edit(0, 1, "a", "A", "x.y", "r")])
    with pytest.raises(StageError):
        doc.apply(rec, "ABC")


def test_unknown_config_key_lists_valid_keys():
    with pytest.raises(ConfigError, match="valid keys"):
        load_config(overrides=["encoding.nonsense=1"])


def test_config_rejects_bad_bool():
    with pytest.raises(ConfigError, match="true or false"):
        load_config(overrides=["encoding.homoglyphs=maybe"])


def test_spans_follow_later_edits():
    from mtclean.pipeline.document import Span

    doc = Document(text="aa.. [ζ] b")
    doc.spans.append(Span(6, 7, "ζ", "el"))
    rec = _Sneaky().record(doc, [Edit(2, 4, "..", ".", "p.d", "r")])
    doc.apply(rec)
    assert doc.spans[0].start == 5 and doc.text[5:6] == "ζ"


@pytest.mark.parametrize("lang", ["xx", "english", "gr"])
def test_unknown_language_code_is_a_config_error(lang):
    with pytest.raises(ConfigError, match="unknown language code"):
        load_config(lang=lang)


def test_text_digest_follows_the_text():
    from mtclean.pipeline.document import digest

    doc = Document(text="first")
    assert doc.text_digest() == digest("first")
    doc.text = "second"  # set directly, not through apply(): the cached digest must not be reused
    assert doc.text_digest() == digest("second")
    assert Document(text="second") == doc  # the cache is not part of the document's value


def test_a_stage_whose_setup_forgets_super_is_set_up_once():
    from mtclean.pipeline.stage import Stage

    class Counting(Stage):
        name = "counting"
        calls = 0

        def setup(self) -> None:  # no super().setup(): the pipeline keeps track all the same
            type(self).calls += 1

        def fix(self, text, *, lang=None):
            return text, []

    with Pipeline([Counting()], lang="en") as pipe:
        for i in range(5):
            pipe.run_text(f"text {i}")
    assert Counting.calls == 1
    alone = Counting()
    for i in range(3):
        alone.process(Document(text=f"t {i}", lang="en"))
    assert Counting.calls == 2  # used without a pipeline: set up on first use, once
