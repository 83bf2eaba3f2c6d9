"""The fragments stage: golden cases, hard negatives, offsets, determinism, real clean news, the CLI."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from mtclean.pipeline.document import Document
from mtclean.pipeline.runner import Pipeline
from mtclean.stages.fragments import (
    FragmentsConfig,
    FragmentsStage,
    NameMatcher,
    find_fragments,
    protected_ranges,
)

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "fragments"
SHARED = Path(os.environ.get("MTCLEAN_SHARED_DATA", ROOT.parent / "shared" / "data"))
SEED = ROOT / "seeds" / "coalition-of-the-willing-el-en.txt"


def golden_cases() -> list[dict]:
    cases = []
    for f in sorted(GOLDEN.glob("*.json")):
        for case in json.loads(f.read_text(encoding="utf-8")):
            case["file"] = f.name
            cases.append(case)
    return cases


CASES = golden_cases()


def run_stage(text: str, lang: str, config: FragmentsConfig | None = None) -> Document:
    with Pipeline([FragmentsStage(config)], lang=lang, verify=True) as p:
        return p.run_text(text)


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_golden(case):
    config = FragmentsConfig.from_mapping(case.get("config", {}), stage="fragments")
    doc = run_stage(case["input"], case["lang"], config)
    # The stage edits nothing: the text comes out unchanged and the record has no edits,
    # so replay, inversion and idempotence of the (empty) edit list hold trivially; the runner
    # checked them in verify mode.
    assert doc.text == case["input"]
    (record,) = doc.history
    assert record.stage == "fragments.v1" and record.edits == ()
    got = [{"start": s.start, "end": s.end, "text": s.text, "lang": s.lang, "method": s.method} for s in record.spans]
    assert got == case["spans"], case["comment"]
    for s in record.spans:
        assert case["input"][s.start:s.end] == s.text
        assert s.kind == "fragment" and 0.0 < s.confidence <= 1.0
    # A second run finds the same spans (idempotent: nothing changed, nothing new).
    again = run_stage(doc.text, case["lang"], config)
    assert again.history[0].spans == record.spans


def test_golden_files_have_both_kinds():
    assert any(c["spans"] for c in CASES)
    assert sum(1 for c in CASES if not c["spans"]) >= 5  # must-not-flag text in every run


def test_seed_greek_fragment_is_one_el_span_without_brackets():
    text = SEED.read_text(encoding="utf-8")
    spans = find_fragments(text, lang="en")
    greek = [s for s in spans if "παγωμένα" in s.text]
    assert len(greek) == 1
    (s,) = greek
    assert (s.text, s.lang, s.method) == ("παγωμένα ρωσικά", "el", "script")
    assert text[s.start - 1] == "[" and text[s.end] == "]"
    assert text[s.start:s.end] == s.text
    assert spans == greek  # nothing else in the seed article is in another language


def test_seed_through_pipeline_records_span_in_document():
    text = SEED.read_text(encoding="utf-8")
    doc = run_stage(text, "en")
    assert [(s.text, s.lang) for s in doc.spans] == [("παγωμένα ρωσικά", "el")]


@pytest.mark.parametrize("text", [
    "The α-helix is stable.",
    "When ΔT rises, the pores shrink to 5 µm.",
    "Pores of 3 μm and a 2 mΩ resistor.",
    "Let α = 0.5 and β = 2.",
    "A β-blocker was given.",
])
def test_symbols_in_technical_use_are_not_fragments(text):
    assert find_fragments(text, lang="en") == []


def test_the_same_words_outside_technical_use_are_fragments():
    spans = find_fragments("He said αλφα βήτα γάμμα again.", lang="en")
    assert [(s.text, s.lang) for s in spans] == [("αλφα βήτα γάμμα", "el")]


def test_protected_ranges_cover_urls_mails_tags_code():
    text = "Go to https://пример.рф/а, mail me@пример.рф, tag #тег, code `x = 'ы'`, jet Су-35, 5 μm."
    covered = "".join(text[a:b] for a, b in protected_ranges(text))
    for piece in ("https://пример.рф/а,", "me@пример.рф", "#тег", "`x = 'ы'`", "Су-35", "5 μm"):
        assert piece.rstrip(",") in covered


_PROTECTED_PIECES = ["a", "Z", "9", "٣", "-", "‐", " ", ".", ",", "/", "%", "µ", "Ω", "\n", "_", "@", "#", "`", "(", ")",
                     "α", "ж", "क", "\u0301", "www.", "https://x", ".com", ".рф", "Су-35", "XR500", "5 µm", "3,5 km", "f()"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PROTECTED_PIECES), max_size=40))
def test_protected_ranges_are_those_of_the_plain_alternation(pieces):
    # protected_ranges leaves out absent alternatives and searches product codes apart: same ranges.
    from mtclean.stages.fragments import _PROTECTED

    text = "".join(pieces)
    assert protected_ranges(text) == [m.span() for m in _PROTECTED.finditer(text)]


def test_glossary_names_are_not_fragments():
    text = "President Βολοντίμιρ Ζελένσκι spoke, and the crowd shouted слава героям."
    plain = find_fragments(text, lang="en")
    assert [s.text for s in plain] == ["Βολοντίμιρ Ζελένσκι", "слава героям"]
    named = find_fragments(text, lang="en", names=["Βολοντίμιρ Ζελένσκι", "Volodymyr Zelensky"])
    assert [s.text for s in named] == ["слава героям"]


def test_name_matcher_needs_word_boundaries():
    m = NameMatcher(["Ivan"])
    assert m.ranges("Ivanov met Ivan.") == [(11, 15)]
    assert m.is_name("  ivan ")


def test_stage_excludes_names_from_glossary_files(tmp_path):
    pytest.importorskip("mtclean.pipeline.glossary")
    from mtclean.pipeline.glossary import clear_cache

    (tmp_path / "people.toml").write_text(
        '[glossary]\nname = "people"\n\n[[entry]]\nid = "person.test-zelensky"\nkind = "person"\n'
        'canonical = { en = "Volodymyr Zelensky", el = "Βολοντίμιρ Ζελένσκι" }\n',
        encoding="utf-8",
    )
    clear_cache()
    cfg = FragmentsConfig(glossary_dirs=(str(tmp_path),), shipped_glossaries=False)
    doc = run_stage("President Βολοντίμιρ Ζελένσκι met the press.", "en", cfg)
    assert doc.spans == []
    doc = run_stage("President Βολοντίμιρ Ζελένσκι met the press.", "en", FragmentsConfig(shipped_glossaries=False))
    assert [s.text for s in doc.spans] == ["Βολοντίμιρ Ζελένσκι"]


def test_stage_without_glossary_module_degrades(monkeypatch):
    monkeypatch.setitem(sys.modules, "mtclean.pipeline.glossary", None)  # import fails
    stage = FragmentsStage()
    stage.setup()
    assert stage.names is None and any("glossary" in n for n in stage.notes)
    doc = Document("Sanctions on [παγωμένα ρωσικά] assets.", lang="en")
    doc = stage.process(doc)
    assert [s.text for s in doc.spans] == ["παγωμένα ρωσικά"]
    assert any("glossary" in n for n in doc.history[-1].notes)


def test_language_without_word_list_skips_same_script_with_a_note():
    stage = FragmentsStage()
    doc = stage.process(Document("Das ist ein Satz. Le gouvernement a décidé de prolonger les mesures.", lang="de"))
    assert doc.spans == []
    assert any("no common-word list" in n for n in doc.history[-1].notes)


def test_config_switches_detectors_off():
    text = "He said que la vie est belle malgré tout, and [παγωμένα ρωσικά] too."
    assert {s.method for s in find_fragments(text, lang="en")} == {"script", "langdetect"}
    assert {s.method for s in find_fragments(text, lang="en", config=FragmentsConfig(by_language=False))} == {"script"}
    assert {s.method for s in find_fragments(text, lang="en", config=FragmentsConfig(by_script=False))} == {"langdetect"}


@pytest.mark.parametrize("key, value", [("min_confidence", "1.5"), ("window", "1"), ("foreign_share", "-0.1")])
def test_bad_config_values_are_config_errors(key, value):
    from mtclean.pipeline.errors import ConfigError

    with pytest.raises(ConfigError, match=key):
        FragmentsConfig.from_mapping({key: value}, stage="fragments")


def test_min_words_threshold():
    text = "The crowd answered vive la France and went home."
    assert find_fragments(text, lang="en") == []  # three words: below the default of four


def test_document_language_is_detected_when_missing():
    doc = Document("The leaders discussed sanctions on [παγωμένα ρωσικά] assets at length in London today.")
    doc = FragmentsStage().process(doc)
    assert [s.lang for s in doc.spans] == ["el"]


MIXED = (
    "Starmer said the plan would need support. Guvernul a decis să prelungească starea de alertă cu încă 30 de zile. "
    "Sanctions on [παγωμένα ρωσικά] assets. Он сказал: мы не отступим. He said que la vie est belle malgré tout."
)


def test_deterministic_within_a_process():
    first = find_fragments(MIXED, lang="en")
    for _ in range(3):
        assert find_fragments(MIXED, lang="en") == first
    assert {s.method for s in first} == {"script", "langdetect"}


def test_deterministic_across_processes():
    code = (
        "import json, sys\n"
        "from mtclean.stages.fragments import find_fragments\n"
        "print(json.dumps([s.to_json() for s in find_fragments(sys.argv[1], lang=None)], ensure_ascii=False))\n"
    )
    runs = {
        subprocess.run([sys.executable, "-c", code, MIXED], capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    }
    assert len(runs) == 1
    assert json.loads(runs.pop()) == [s.to_json() for s in find_fragments(MIXED, lang=None)]


# -- offsets are exact for any text ------------------------------------------------------------

PIECES = st.sampled_from([
    "The minister said", "on Tuesday", "παγωμένα ρωσικά", "[", "]", "«", "»", "Слава Україні", "ΔT", "α-helix",
    "5 µm", "https://пример.рф", "#тег", "que la vie est belle malgré tout", "Guvernul a decis să prelungească",
    "الشعب يريد", "我们坚决反对", ",", ".", "—", "\n", "\n\n", "  ", "Erdoğan", "O'Brien", "d'état", "’s", "İstanbul",
    "Straße", "ﬁnal", "e\u0301", "x\u200dy",
])


@settings(derandomize=True, deadline=None, max_examples=150)
@given(st.lists(PIECES, min_size=1, max_size=25), st.sampled_from(["en", "el", "ru", None]))
def test_offsets_exact_and_spans_disjoint(pieces, lang):
    text = " ".join(pieces)
    spans = find_fragments(text, lang=lang)
    prev_end = -1
    for s in spans:
        assert text[s.start:s.end] == s.text
        assert s.text and s.text == s.text.strip()
        assert s.start >= prev_end
        assert s.method in ("script", "langdetect") and s.lang
        prev_end = s.end


# -- real clean news (small sample of the benchmark's false-positive check) -------------------

WIKINEWS_QUOTE = regex.compile(r"\(\([a-z]{2,3}\)\)[^\n\u200d]{0,40}\u200d")


def _shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {'/'.join(parts)}")
    return path


def test_no_false_spans_on_real_clean_news_sample():
    csv.field_size_limit(1 << 30)
    with open(_shared("wikinews-en-2019-2020", "wikinews_2019.csv"), encoding="utf-8", newline="") as f:
        articles = [row["text"] for row in csv.DictReader(f)][:60]
    lines = _shared("ntrex128-newstest2019-en-el", "newstest2019-src.eng.txt").read_text(encoding="utf-8")
    docs = articles + ["\n".join(lines.splitlines()[:600])]
    words = 0
    false = []
    for text in docs:
        words += len(text.split())
        quotes = [(m.end(), text.find("\n", m.end()) % (len(text) + 1)) for m in WIKINEWS_QUOTE.finditer(text)]
        for s in find_fragments(text, lang="en"):
            if s.method == "langdetect" and not any(a <= s.start <= b for a, b in quotes):
                false.append(s.text)
    assert words > 20000
    assert false == []


# -- the CLI ---------------------------------------------------------------------------------


def _cli(args: list[str], input: str | None = None):
    from typer.testing import CliRunner

    from mtclean.pipeline.cli.app import app

    return CliRunner().invoke(app, args, input=input)


def test_cli_detect_json(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text("Sanctions on [παγωμένα ρωσικά] assets were discussed by the leaders today.\n", encoding="utf-8")
    b = tmp_path / "b.txt"
    b.write_text("Nothing foreign here, only plain English news text about the weather.\n", encoding="utf-8")
    result = _cli(["detect", "--json", str(a), str(b)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["path"] for r in rows] == [str(a), str(b)]
    assert rows[0]["lang"] == "en"
    assert [(s["text"], s["lang"], s["method"], s["start"]) for s in rows[0]["spans"]] == [
        ("παγωμένα ρωσικά", "el", "script", 14)]
    assert rows[1]["spans"] == []


def test_cli_detect_table_lang_and_set(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text("He said que la vie est belle malgré tout, and [παγωμένα ρωσικά] too.", encoding="utf-8")
    result = _cli(["detect", "--lang", "en", str(a)])
    assert result.exit_code == 0, result.output
    assert "que la vie est belle malgré tout" in result.output and "παγωμένα ρωσικά" in result.output
    result = _cli(["detect", "--lang", "en", "--set", "by_script=false", str(a)])
    assert result.exit_code == 0
    assert "que la vie est belle" in result.output and "παγωμένα" not in result.output
    b = tmp_path / "b.txt"
    b.write_text("Plain English only, about the weather in London today.", encoding="utf-8")
    result = _cli(["detect", str(b)])
    assert result.exit_code == 0 and "(none)" in result.output


def test_cli_detect_errors(tmp_path):
    result = _cli(["detect", "--set", "no_such_option=1", "-"], input="x")
    assert result.exit_code == 2 and "unknown key" in result.output
    result = _cli(["detect", str(tmp_path / "missing.txt")])
    assert result.exit_code == 2


def test_cli_detect_reads_each_json_lines_record(tmp_path):
    src = tmp_path / "mt.jsonl"
    src.write_text("\n".join([
        json.dumps({"id": "a", "text": "Sanctions on [παγωμένα ρωσικά] assets were discussed by the leaders today."},
                   ensure_ascii=True),  # escaped in the file, Greek in the record
        "",
        "{broken",
        json.dumps({"id": "c", "body": "no text field"}),
        json.dumps({"id": "d", "text": "Nothing foreign here, only plain English news text about the weather."}),
    ]) + "\n", encoding="utf-8")
    result = _cli(["detect", "--json", str(src)])
    assert result.exit_code == 2  # two lines could not be read; the others were
    rows = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert [(r["path"], r["line"]) for r in rows] == [(str(src), 1), (str(src), 5)]
    assert [(s["text"], s["start"]) for s in rows[0]["spans"]] == [("παγωμένα ρωσικά", 14)]
    assert rows[1]["spans"] == []
    assert f"{src}:line 3: invalid JSON" in result.output and f"{src}:line 4: no field 'text'" in result.output
    table = _cli(["detect", "--field", "body", str(src)])
    assert f"{src}:line 4" in table.output and "(none)" in table.output


def test_cli_detect_json_lines_on_standard_input():
    line = json.dumps({"text": "Sanctions on [παγωμένα ρωσικά] assets were discussed by the leaders today."})
    result = _cli(["detect", "--json", "--format", "jsonl", "-"], input=line + "\n")
    assert result.exit_code == 0, result.output
    (row,) = [json.loads(x) for x in result.output.splitlines()]
    assert (row["path"], row["line"], [s["text"] for s in row["spans"]]) == ("<stdin>", 1, ["παγωμένα ρωσικά"])
    assert _cli(["detect", "--format", "xml", "-"], input="x").exit_code == 2
