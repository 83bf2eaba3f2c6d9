"""The translate stage: policies, guards, glossary phrases, the fake backend's goldens,
and the real argostranslate code path with a tiny model built here, offline.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import logging
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from mtclean.pipeline.document import Document, Span
from mtclean.pipeline.edits import apply_edits, check_edits, invert_edits
from mtclean.pipeline.errors import ConfigError
from mtclean.pipeline.runner import Pipeline
from mtclean.stages.translate import (
    TranslateConfig,
    TranslateStage,
    Translation,
    check_translation,
    handle_fragments,
)

HERE = Path(__file__).parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))  # for argos_tiny (tests/ is not a package; import mode importlib)
GOLDEN = HERE / "golden" / "translate"
FAKE_TABLE = GOLDEN / "fake_table.toml"
RULES = {"translate.glossary", "translate.argos", "translate.fake", "translate.mark", "translate.remove"}


def spans_for(text: str, specs: list[dict]) -> list[Span]:
    out = []
    for s in specs:
        start = text.index(s["text"])
        out.append(Span(start, start + len(s["text"]), s["text"], s["lang"], s.get("confidence", 0.99),
                        "test", s.get("kind", "fragment")))
    return out


def run_stage(stage: TranslateStage, text: str, spans: list[Span], lang: str = "en") -> Document:
    doc = Document(text, lang=lang, spans=list(spans))
    with Pipeline([stage], lang=lang, verify=True) as p:  # verify: edits replay and invert
        return p.run(doc)


def fake_stage(**options) -> TranslateStage:
    return TranslateStage(TranslateConfig(backend="fake", fake_table=str(FAKE_TABLE), glossary=False, **options))


# -- goldens (fake backend) --------------------------------------------------------------

CASES = json.loads((GOLDEN / "cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_golden(case: dict):
    stage = fake_stage(**case.get("config", {}))
    text = case["input"]
    doc = run_stage(stage, text, spans_for(text, case["spans"]))
    rec = doc.history[-1]
    assert doc.text == case["expected"]
    check_edits(text, list(rec.edits))
    assert apply_edits(text, rec.edits) == doc.text
    assert apply_edits(doc.text, invert_edits(rec.edits)) == text
    assert [e.rule for e in rec.edits] == case["rules"]
    assert [e.rule for e in rec.suggestions] == case.get("suggestions", [e.rule for e in rec.suggestions])
    for e in (*rec.edits, *rec.suggestions):
        assert e.reason and "\n" not in e.reason and e.rule in RULES | {"translate.rejected"}
        json.dumps(e.to_json(), ensure_ascii=False)
    for s in rec.suggestions:  # suggestions point into the output
        assert doc.text[s.start:s.end] == s.before
    # Nothing silently: every fragment left unchanged under `translate` is explained in a note.
    kept = [s for s in doc.spans if s.kind == "fragment" and s.lang != "en"]
    if stage.config.policy == "translate" and case.get("config", {}).get("min_confidence") is None:
        for s in kept:
            assert any(repr(s.text) in n for n in rec.notes), (s, rec.notes)
    # Idempotent: a second run over the output, with the spans still in the document, changes nothing.
    again = run_stage(fake_stage(**case.get("config", {})), doc.text, doc.spans)
    assert again.text == doc.text and not again.history[-1].edits


def test_golden_evidence_names_the_source():
    text = "Leaders discussed the [παγωμένα ρωσικά] assets."
    doc = run_stage(fake_stage(), text, spans_for(text, [{"text": "παγωμένα ρωσικά", "lang": "el"}]))
    (edit,) = doc.history[-1].edits
    assert edit.evidence["source"] == "fake" and edit.evidence["table"] == "fake_table.toml"
    assert edit.evidence["from"] == "el" and edit.evidence["to"] == "en"
    assert edit.evidence["span"] == {"lang": "el", "confidence": 0.99, "method": "test"}
    assert "length_ratio" in edit.evidence["guards"]


def test_fake_table_json(tmp_path: Path):
    table = tmp_path / "t.json"
    table.write_text(json.dumps({"el-en": {"παγωμένα ρωσικά": "frozen Russian"}}), encoding="utf-8")
    stage = TranslateStage(backend="fake", fake_table=str(table), glossary=False)
    text = "The παγωμένα ρωσικά stay."
    assert run_stage(stage, text, spans_for(text, [{"text": "παγωμένα ρωσικά", "lang": "el"}])).text == \
        "The frozen Russian stay."


# -- glossary phrases come first -----------------------------------------------------------

PHRASES = '''
[glossary]
name = "test-phrases"
description = "phrases for the translate stage tests"

[[phrase]]
id = "phrase.el.frozen-russian"
source_lang = "el"
source = "παγωμένα ρωσικά"
translation = { en = "frozen Russian" }
note = "Left untranslated by MT in the seed article."

[[phrase]]
id = "phrase.ru.frozen-assets"
source_lang = "ru"
source = "замороженные активы"
translation = { en = "immobilised assets" }
'''


def test_glossary_phrase_wins_over_backend(tmp_path: Path):
    pytest.importorskip("mtclean.pipeline.glossary")
    (tmp_path / "phrases.toml").write_text(PHRASES, encoding="utf-8")
    stage = TranslateStage(backend="fake", fake_table=str(FAKE_TABLE), glossary_dirs=(str(tmp_path),),
                           shipped_glossaries=False)
    text = "The [Παγωμένα  ρωσικά] and замороженные активы stay; Слава Україні."
    spans = spans_for(text, [{"text": "Παγωμένα  ρωσικά", "lang": "el"}, {"text": "замороженные активы", "lang": "ru"},
                             {"text": "Слава Україні", "lang": "uk"}])
    doc = run_stage(stage, text, spans)
    assert doc.text == "The [frozen Russian] and immobilised assets stay; Glory to Ukraine."
    e1, e2, e3 = doc.history[-1].edits
    assert (e1.rule, e2.rule, e3.rule) == ("translate.glossary", "translate.glossary", "translate.fake")
    assert e1.evidence["phrase"] == "phrase.el.frozen-russian" and e1.evidence["file"].endswith("phrases.toml")
    assert e1.evidence["line"] > 0


# -- guards ----------------------------------------------------------------------------------

GUARD = dict(source_lang="el", target_lang="en", target_script="LATIN", config=TranslateConfig())


@pytest.mark.parametrize("source, output, failure", [
    ("παγωμένα ρωσικά", "frozen Russian", None),
    ("συνασπισμός των προθύμων", "coalition of the willing", None),
    ("παγωμένα ρωσικά", "παγωμένα ρωσικά", "identical"),
    ("παγωμένα ρωσικά", "", "empty"),
    ("παγωμένα ρωσικά", "εξωτερικών στο", "Latin"),
    ("μέτρα", "measures that the government has announced today", "length ratio"),
    ("η κυβέρνηση είπε ότι οι σύμμαχοι θα στηρίξουν την Ουκρανία", "yes", "length ratio"),
    ("η κυβέρνηση είπε", "the the the government", "repetition"),
    ("η κυβέρνηση είπε", "government said government said government said", "repetition"),
    ("η κυβέρνηση", "goooooooooooovernment", "repetition"),
    ("η κυβέρνηση είπε ότι οι σύμμαχοι θα στηρίξουν", "die Regierung sagte, dass die Verbündeten helfen werden",
     "not en"),
])
def test_guards(source: str, output: str, failure: str | None):
    result = check_translation(source, output, **GUARD)
    if failure is None:
        assert result.ok, result.failures
    else:
        assert not result.ok and any(failure in f for f in result.failures), result.failures


def test_guard_script_share_for_japanese():
    """Kana and kanji count as one script: a Japanese translation is not rejected for mixing them."""
    result = check_translation("frozen Russian assets", "凍結されたロシアの資産", source_lang="en", target_lang="ja",
                               target_script="CJK", config=TranslateConfig())
    assert result.ok, result.failures


def test_guard_rejects_output_still_in_the_source_language():
    result = check_translation("Это было", "Это было очень", source_lang="ru", target_lang="en",
                               target_script="", config=TranslateConfig())
    assert not result.ok and any("still ru" in f for f in result.failures)


# -- policies without any translator -------------------------------------------------------

def test_translate_without_translator_keeps_and_says_why():
    text = "The [παγωμένα ρωσικά] assets."
    res = handle_fragments(text, spans_for(text, [{"text": "παγωμένα ρωσικά", "lang": "el"}]), target_lang="en")
    assert res.text == text and not res.edits
    assert len(res.notes) == 1 and "not translated" in res.notes[0] and "kept" in res.notes[0]


def test_plain_function_with_a_custom_translator():
    """handle_fragments works without the stage; the translator's capital and full stop are undone."""
    def translator(text, source_lang, target_lang):
        return Translation("Frozen Russian.", "translate.fake", {"source": "test"})

    text = "The παγωμένα ρωσικά assets."
    res = handle_fragments(text, [Span(4, 19, "παγωμένα ρωσικά", "el")], target_lang="en", translator=translator)
    assert res.text == "The frozen Russian assets."
    (edit,) = res.edits
    assert edit.evidence["raw"] == "Frozen Russian." and edit.evidence["source"] == "test"


def test_overlapping_and_stale_spans_are_skipped_with_a_note():
    text = "The παγωμένα ρωσικά assets."
    spans = [Span(4, 19, "παγωμένα ρωσικά", "el"), Span(13, 19, "ρωσικά", "el"), Span(0, 3, "xyz", "el")]
    res = handle_fragments(text, spans, target_lang="en", config=TranslateConfig(policy="mark"))
    assert res.text == "The ⟦el: παγωμένα ρωσικά⟧ assets."
    assert sum("skipped" in n for n in res.notes) == 2


def test_translator_errors_are_not_hidden():
    def broken(text, src, tgt):
        raise RuntimeError("model crashed")

    text = "The παγωμένα ρωσικά assets."
    with pytest.raises(RuntimeError):
        handle_fragments(text, [Span(4, 19, "παγωμένα ρωσικά", "el")], target_lang="en", translator=broken)


@pytest.mark.parametrize("options, message", [
    ({"policy": "drop"}, "bad policy"),
    ({"policies": ("ru",)}, "bad policy"),
    ({"policies": ("ru=shred",)}, "bad policy"),
    ({"on_failure": "remove"}, "on_failure"),
    ({"backend": "google"}, "backend"),
    ({"backend": "fake"}, "fake_table"),
    ({"mark_format": "[{lang}]"}, "{text}"),
    ({"length_ratio": 0.5}, "length_ratio"),
])
def test_config_errors(options: dict, message: str):
    with pytest.raises(ConfigError, match=message.replace("{", r"\{").replace("}", r"\}")):
        TranslateStage(TranslateConfig(**options))


def test_config_from_mapping_and_missing_fake_table(tmp_path: Path):
    cfg = TranslateConfig.from_mapping({"policies": "ru=keep, el=mark", "length_ratio": "2.5"}, stage="translate")
    assert cfg.policies == ("ru=keep", "el=mark") and cfg.length_ratio == 2.5
    stage = TranslateStage(backend="fake", fake_table=str(tmp_path / "missing.toml"), glossary=False)
    with pytest.raises(ConfigError, match="not found"):
        stage.setup()


# Mark, keep and remove on arbitrary text: the record always replays, inverts, and a second
# run finds nothing left to do.
_word = st.text(alphabet="abcdefgh αβγδεζ", min_size=1, max_size=8).map(str.strip).filter(bool)


@settings(derandomize=True, max_examples=150, deadline=None)
@given(words=st.lists(_word, min_size=1, max_size=12), picks=st.sets(st.integers(0, 11), max_size=4),
       policy=st.sampled_from(["mark", "remove", "keep"]), brackets=st.booleans())
def test_policies_replay_and_invert(words, picks, policy, brackets):
    parts, spans, pos = [], [], 0
    for i, w in enumerate(words):
        if i:
            parts.append(" ")
            pos += 1
        chunk = f"[{w}]" if brackets and i in picks else w
        if i in picks:
            start = pos + (1 if brackets else 0)
            spans.append(Span(start, start + len(w), w, "el"))
        parts.append(chunk)
        pos += len(chunk)
    text = "".join(parts) + "."
    res = handle_fragments(text, spans, target_lang="en", config=TranslateConfig(policy=policy))
    check_edits(text, res.edits)
    assert apply_edits(text, res.edits) == res.text
    assert apply_edits(res.text, invert_edits(res.edits)) == text
    assert len(res.edits) == (0 if policy == "keep" else len(spans))
    doc = Document(text, lang="en", spans=spans)
    doc.apply(TranslateStage(policy=policy).record(doc, res.edits), res.text)
    again = handle_fragments(doc.text, doc.spans, target_lang="en", config=TranslateConfig(policy=policy))
    assert again.text == doc.text and not again.edits


# -- missing extra / missing model: keep, note, warn once --------------------------------------

def test_missing_model_warns_once_per_run(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    stage = TranslateStage(models_dir=str(tmp_path / "empty"), glossary=False)
    text = "The παγωμένα ρωσικά assets and замороженные активы."
    spans = spans_for(text, [{"text": "παγωμένα ρωσικά", "lang": "el"}, {"text": "замороженные активы", "lang": "ru"}])
    with caplog.at_level(logging.WARNING, logger="mtclean.stages.translate"):
        docs = [run_stage(stage, text, spans) for _ in range(3)]
    msgs = [r.getMessage() for r in caplog.records if r.name == "mtclean.stages.translate"]
    if not importlib.util.find_spec("argostranslate"):
        assert len(msgs) == 1 and "pip install 'mtclean[translate]'" in msgs[0]
    else:
        assert len(msgs) == 2  # one per missing pair, not per fragment or document
        assert all("mtclean models install FILE.argosmodel" in m for m in msgs)
    for doc in docs:
        assert doc.text == text
        assert len(doc.history[-1].notes) == 2 and all("kept" in n for n in doc.history[-1].notes)


def test_without_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture):
    from mtclean.pipeline import models

    monkeypatch.setattr(models, "argos_available", lambda: False)
    stage = TranslateStage(models_dir=str(tmp_path), glossary=False)
    text = "The παγωμένα ρωσικά assets."
    with caplog.at_level(logging.WARNING, logger="mtclean.stages.translate"):
        doc = run_stage(stage, text, spans_for(text, [{"text": "παγωμένα ρωσικά", "lang": "el"}]))
    assert [r.getMessage() for r in caplog.records][-1].endswith("pip install 'mtclean[translate]'")
    assert doc.text == text and "pip install 'mtclean[translate]'" in doc.history[-1].notes[0]


def test_argostranslate_is_not_imported_unless_a_model_is_needed(tmp_path: Path):
    """Documents without fragments, or whose pair has no model, never load argostranslate/torch."""
    code = f"""
import sys
from mtclean.pipeline.document import Document, Span
from mtclean.stages.translate import TranslateStage
stage = TranslateStage(models_dir={str(tmp_path)!r}, glossary=False)
stage.setup()
stage.process(Document("Plain English text.", lang="en"))
stage.process(Document("The παγωμένα ρωσικά assets.", lang="en", spans=[Span(4, 19, "παγωμένα ρωσικά", "el")]))
print(sorted(m for m in ("argostranslate", "torch", "stanza", "ctranslate2") if m in sys.modules))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# -- the real argostranslate path, with a tiny model built here --------------------------------

def _argos_ready() -> bool:
    return all(importlib.util.find_spec(m) for m in ("argostranslate", "ctranslate2", "sentencepiece", "onnx"))


translate_mark = pytest.mark.translate
needs_argos = pytest.mark.skipif(not _argos_ready(), reason="needs the [translate] extra and onnx")


@pytest.fixture(scope="module")
def tiny_home(tmp_path_factory: pytest.TempPathFactory):
    """Build the tiny el->en package and install it through `mtclean models install`."""
    from typer.testing import CliRunner

    from mtclean.pipeline.cli.models import app as models_app

    from argos_tiny import build_tiny_package
    root = tmp_path_factory.mktemp("argos")
    archive = build_tiny_package(root / "build")
    home = root / "home"
    result = CliRunner().invoke(models_app, ["install", str(archive)], env={"MTCLEAN_HOME": str(home)},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return home


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tiny_home: Path):
    """Network blocked, MTCLEAN_HOME pointed at the tiny model's home."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("MTCLEAN_HOME", str(tiny_home))
    return tiny_home


SEED_TEXT = "The allies discussed the [παγωμένα ρωσικά] assets on Monday."
SEED_SPAN = [{"text": "παγωμένα ρωσικά", "lang": "el"}]


@translate_mark
@needs_argos
def test_tiny_model_installed_and_listed(offline: Path):
    from mtclean.pipeline import models

    (pkg,) = models.installed_packages()
    assert (pkg.name, pkg.pair, pkg.version, pkg.sbd) == ("tiny_el_en", "el->en", "0.0.1", "minisbd")


@translate_mark
@needs_argos
def test_tiny_model_garbage_is_rejected_by_the_guards(offline: Path):
    doc = run_stage(TranslateStage(glossary=False), SEED_TEXT, spans_for(SEED_TEXT, SEED_SPAN))
    rec = doc.history[-1]
    assert doc.text == SEED_TEXT and not rec.edits  # random weights: garbage, so nothing applied
    (sug,) = rec.suggestions
    assert sug.rule == "translate.rejected" and sug.before == "παγωμένα ρωσικά" and sug.after
    assert sug.evidence["package"] == "tiny_el_en" and sug.evidence["package_version"] == "0.0.1"
    assert sug.evidence["failures"] and "rejected" in rec.notes[0]


@translate_mark
@needs_argos
def test_tiny_model_plumbing_with_guards_relaxed(offline: Path):
    """With the guards opened up the model's output is applied, with its evidence, deterministically."""
    relaxed = dict(glossary=False, min_script_share=0.0, max_source_prob=1.01, length_ratio=1000.0,
                   min_detect_letters=10**6)
    outputs = []
    for _ in range(2):  # two stage instances: same output
        doc = run_stage(TranslateStage(**relaxed), SEED_TEXT, spans_for(SEED_TEXT, SEED_SPAN))
        (edit,) = doc.history[-1].edits
        outputs.append(doc.text)
    assert outputs[0] == outputs[1] != SEED_TEXT
    assert edit.rule == "translate.argos" and edit.before == "παγωμένα ρωσικά"
    assert edit.evidence["package"] == "tiny_el_en" and edit.evidence["package_version"] == "0.0.1"
    assert edit.evidence["argostranslate"] and edit.evidence["from"] == "el" and edit.evidence["to"] == "en"
    assert doc.text == SEED_TEXT.replace("παγωμένα ρωσικά", edit.after)


@translate_mark
@needs_argos
def test_tiny_model_translates_long_text_with_its_own_sentence_splitter(offline: Path):
    from mtclean.pipeline import models

    translator = models.ArgosTranslator(models.find_package("el", "en"))
    text = "η κυβέρνηση είπε. ο πρόεδρος και ο υπουργός συμφώνησαν!"
    assert translator._translation.sentencizer.split_sentences(text) == [
        "η κυβέρνηση είπε.", "ο πρόεδρος και ο υπουργός συμφώνησαν!"]
    assert translator.translate(text) == translator.translate(text)


@translate_mark
@needs_argos
def test_package_without_sentence_splitter_downloads_nothing(offline: Path, tmp_path: Path):
    """MiniSBD would fetch a model for such a package: the fragment is one sentence instead."""
    from argos_tiny import build_tiny_package

    from mtclean.pipeline import models

    archive = build_tiny_package(tmp_path, from_code="ru", sentence_splitter=False)
    pkg = models.install_package(archive, tmp_path / "models")
    assert pkg.sbd == ""
    translator = models.ArgosTranslator(pkg)
    assert translator.translate("замороженные активы. да") == translator.translate("замороженные активы. да")
    assert translator._translation.sentencizer.split_sentences("a. b") == ["a. b"]


@translate_mark
@needs_argos
def test_broken_package_is_a_clear_error(offline: Path, tmp_path: Path):
    from mtclean.pipeline import models

    pkg = models.install_package(next((offline.parent / "build").glob("*.argosmodel")), tmp_path / "models")
    (pkg.path / "model" / "model.bin").write_bytes(b"not a model")
    stage = TranslateStage(models_dir=str(tmp_path / "models"), glossary=False)
    with pytest.raises(models.ModelError, match="tiny_el_en"):
        run_stage(stage, SEED_TEXT, spans_for(SEED_TEXT, SEED_SPAN))


@translate_mark
@needs_argos
def test_argos_directories_stay_in_mtclean_home(offline: Path):
    from mtclean.pipeline import models

    models.ArgosTranslator(models.find_package("el", "en")).translate("παγωμένα ρωσικά")
    argos_settings = sys.modules["argostranslate.settings"]
    home = Path(argos_settings.data_dir).parents[2]  # <home>/argos/data/argos-translate
    assert Path(argos_settings.data_dir) == home / "argos" / "data" / "argos-translate"
    assert Path(argos_settings.cache_dir) == home / "argos" / "cache" / "argos-translate"
    assert Path(argos_settings.config_dir) == home / "argos" / "config" / "argos-translate"
    assert Path(argos_settings.package_data_dir) == home / "models"
    assert Path(sys.modules["minisbd.models"].cache_dir) == home / "argos" / "data" / "argos-translate" / "minisbd"


@given(st.text(alphabet=st.sampled_from("abcxyzαβγжзの日한ＡＢ١٢ ,.\u0301"), max_size=40))
def test_main_script_counts_every_letter(text):
    # The reference: one letter at a time, the first script to reach the top count on a tie.
    from mtclean.stages.translate import _LETTER, main_script, script_of

    counts: dict[str, int] = {}
    for m in _LETTER.finditer(text):
        s = script_of(m.group())
        if s:
            counts[s] = counts.get(s, 0) + 1
    assert main_script(text) == (max(counts, key=counts.__getitem__) if counts else "")
