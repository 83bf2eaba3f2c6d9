from __future__ import annotations

import csv
import doctest
import json

import pytest
from hypothesis import given, settings, strategies as st

from conftest import SEED, shared_data
from golden_helpers import case_id, check_case, load_cases
from mtclean.pipeline import registry
from mtclean.pipeline.document import Document, Span
from mtclean.pipeline.edits import apply_edits, check_edits, invert_edits
from mtclean.pipeline.errors import ConfigError
from mtclean.stages import punctuation, quotes
from mtclean.stages.punctuation import PunctuationConfig, PunctuationStage, fix_punctuation
from mtclean.stages.quotes import load_quote_table, resolve_quote_style

CASES = load_cases("punctuation")


def _fixer(case):
    config = PunctuationConfig.from_mapping(case.get("config", {}), stage="punctuation")
    return lambda text: fix_punctuation(text, lang=case.get("lang", "en"), config=config)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_golden(case):
    check_case(_fixer(case), case)


def test_golden_set_covers_rules_languages_and_must_not_change():
    assert sum(c["input"] == c["expected"] for c in CASES) >= 30
    langs = {c.get("lang", "en") for c in CASES}
    assert {"en", "de", "fr", "el"} <= langs
    rules = set()
    for case in CASES:
        rules |= {r for e in _fixer(case)(case["input"])[1] for r in e.rule.split("+")}
    assert {
        "punctuation.quote_direction", "punctuation.quote_spacing", "punctuation.quote_style",
        "punctuation.apostrophe", "punctuation.double_period", "punctuation.hyphenation",
    } <= rules
    # every file holds at least one must-not-change case
    files = {c["file"] for c in CASES}
    assert all(any(c["input"] == c["expected"] for c in CASES if c["file"] == f) for f in files)


@pytest.mark.parametrize("module", [punctuation, quotes])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0


# -- the seed document ------------------------------------------------------------

# Every quote, spacing, doubled-period and hyphenation defect listed in the seed
# README, as (damaged, repaired) snippets of the sample.
SEED_REPAIRS = [
    ("in a post -war.", "in a post-war."),
    ("will last. “he said.", "will last.” he said."),
    ("United States”saye..", "United States” saye."),
    ("ceasefire”the prime minister", "ceasefire” the prime minister"),
    ("NATO Secretary -General", "NATO Secretary-General"),
    ("Italy’s right -wing", "Italy’s right-wing"),
    ("a 30 -day cease -out", "a 30-day cease-out"),
    ("” Yes, but ‘from Russia is not good enough’said Starmer.",
     "“Yes, but ‘from Russia is not good enough’ said Starmer."),
    ("The leaders ‘They also discussed", "The leaders “They also discussed"),
    ("morning debate »said Starmer.", "morning debate” said Starmer."),
]
SEED_KEEPS = [
    "television profession", "discussion, but … we cannot", "Thursday’s", "European Council – but",
    "[παγωμένα ρωσικά]", "‘Sooner or later’", "‘Not good enough’", "today’s morning",
    "“coalition of the willing”", "Emauel Macron", "ceaseless ceasefire.”",
]


def test_seed_sample_is_repaired_and_nothing_else_changes():
    seed = SEED.read_text(encoding="utf-8")
    out, edits = PunctuationStage().fix(seed, lang="en")
    expected = seed
    for damaged, repaired in SEED_REPAIRS:
        assert expected.count(damaged) == 1, damaged
        expected = expected.replace(damaged, repaired)
    assert out == expected
    for keep in SEED_KEEPS:
        assert keep in out, keep
    assert "»" not in out and ".." not in out.replace("…", "") and " -" not in out
    check_edits(seed, edits)
    assert apply_edits(out, invert_edits(edits)) == seed
    assert PunctuationStage().fix(out, lang="en") == (out, [])


def test_seed_edits_are_explained():
    seed = SEED.read_text(encoding="utf-8")
    _, edits = fix_punctuation(seed, lang="en")
    for e in edits:
        assert e.rule.startswith("punctuation.") and e.reason and "\n" not in e.reason


# -- stage API ----------------------------------------------------------------------

def test_stage_is_registered_and_records_versioned_id():
    assert registry.load("punctuation") is PunctuationStage
    doc = PunctuationStage().process(Document(text="A post -war plan.", lang="en"))
    assert doc.text == "A post-war plan."
    assert doc.history[-1].stage == "punctuation.v1"
    assert doc.original_text == "A post -war plan."


def test_stage_leaves_foreign_fragments_alone():
    text = "A post -war plan. Ein post -war Plan."
    start = text.index("Ein")
    span = Span(start, len(text), text[start:], "de", method="test")
    doc = PunctuationStage().process(Document(text=text, lang="en", spans=[span]))
    assert doc.text == "A post-war plan. Ein post -war Plan."
    unprotected = PunctuationStage(protect_fragments=False).process(Document(text=text, lang="en", spans=[span]))
    assert unprotected.text == "A post-war plan. Ein post-war Plan."


def test_config_validates_quote_policy():
    assert PunctuationConfig.from_mapping({"quotes": "curly"}).quotes == "curly"
    with pytest.raises(ConfigError):
        PunctuationConfig.from_mapping({"quotes": "fancy"}, stage="punctuation")
    with pytest.raises(ConfigError):
        PunctuationConfig.from_mapping({"quote_style": "curly"}, stage="punctuation")


def test_options_switch_repairs_off():
    cfg = PunctuationConfig(hyphenation=False, doubled_punctuation=False, quote_repair=False)
    text = "” Yes” post -war saye.."
    assert fix_punctuation(text, config=cfg) == (text, [])


def test_quote_table_is_cldr_data_for_many_languages():
    table = load_quote_table()
    assert len(table) >= 15
    assert {"en", "en-gb", "de", "fr", "el", "es", "it", "pt", "ru", "uk", "pl", "nl", "sv", "cs", "da", "fi"} <= set(table)
    assert table["de"].primary == ("„", "“") and table["de"].nested == ("‚", "‘")
    assert table["el"].primary == ("«", "»") and table["el"].nested == ("“", "”")
    assert resolve_quote_style("de_AT").lang == "de"
    assert resolve_quote_style(None).lang == "en"
    assert resolve_quote_style("pt-PT").primary == ("«", "»")


# -- clean, professionally edited text ------------------------------------------------

def _edits_in(docs, lang="en"):
    found = []
    for d in docs:
        out, edits = fix_punctuation(d, lang=lang)
        found += [(e.rule, e.before, e.after, d[max(0, e.start - 20): e.end + 10]) for e in edits]
    return found


def test_wikinews_changes_only_its_two_real_defects():
    docs = []
    for name in ("wikinews_2019.csv", "wikinews_2020.csv"):
        with shared_data("wikinews-en-2019-2020", name).open(encoding="utf-8", newline="") as f:
            csv.field_size_limit(10**8)
            docs += [row["text"] for row in csv.DictReader(f)]
    found = _edits_in(docs)
    # `I‘m` (opening quote as apostrophe; the article's apostrophes are straight)
    # and `that..` (doubled period) are real typos in the published text.
    assert [(r, b, a) for r, b, a, _ in found] == [
        ("punctuation.apostrophe", "‘", "'"),
        ("punctuation.double_period", "..", "."),
    ], found
    assert "I‘m beyond" in found[0][3] and "for that.." in found[1][3]


def test_ntrex_english_changes_only_its_real_defect():
    lines = shared_data("ntrex128-newstest2019-en-el", "newstest2019-src.eng.txt").read_text(encoding="utf-8")
    found = _edits_in(lines.splitlines())
    assert [(r, b, a) for r, b, a, _ in found] == [("punctuation.comma_spacing", " ,", ",")], found
    assert "no , no." in found[0][3]


def test_wmt22_ru_en_reference_is_untouched():
    ref = shared_data("wmt22-general-uk-ru-en", "ru-en", "generaltest2022.ru-en.ref.A.en").read_text(encoding="utf-8")
    assert _edits_in(ref.splitlines()) == []


def test_keenquotes_expected_outputs_are_untouched():
    path = shared_data("typographic-quote-testcases", "keenquotes_pairs.jsonl")
    langs = {"Dutch": "nl", "French": "fr"}
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        if case["file"] in ("ambiguous-n-pass.txt", "xml.txt", "invalid-grammar.txt"):
            continue  # no correct typography recorded for these
        found += _edits_in([case["expected_unicode"]], lang=langs.get(case["section"], "en"))
    assert found == []


# -- properties -------------------------------------------------------------------------

_ALPHABET = st.sampled_from(list("ab AZ1 \n.,-'\"“”‘’«»„…[]") + ["..", " -", "’s", " “", "” "])
TEXTS = st.lists(_ALPHABET, max_size=40).map("".join)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(TEXTS, st.sampled_from(["en", "de", "fr", "el", "sv"]), st.sampled_from(["preserve", "curly", "straight"]))
def test_edits_replay_invert_and_settle(text, lang, policy):
    config = PunctuationConfig(quotes=policy)
    out, edits = fix_punctuation(text, lang=lang, config=config)
    check_edits(text, edits)
    assert apply_edits(text, edits) == out
    assert apply_edits(out, invert_edits(edits)) == text
    again, more = fix_punctuation(out, lang=lang, config=config)
    assert again == out and not more, more


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abcXYZ019 \n,;:!?()'\"-—–")), max_size=60))
def test_straight_quote_text_without_defect_patterns_is_untouched(text):
    # Straight quotes carry no direction: in the default policy only `..`,
    # ` ,`, `,,`, `word -word` and `win,"he` can lead to an edit in such text.
    out, edits = fix_punctuation(text, lang="en")
    if (not any(p in text for p in ("..", " ,", "\t,", ",,")) and not punctuation._MAYBE_HYPHEN.search(text)
            and not quotes._GLUED_STRAIGHT_CLOSER.search(text)):
        assert edits == [] and out == text
    else:
        assert {r for e in edits for r in e.rule.split("+")} <= {
            "punctuation.double_period", "punctuation.double_comma", "punctuation.comma_spacing",
            "punctuation.hyphenation", "punctuation.quote_spacing",
        }


def test_seed_through_the_pipeline_with_verify():
    from mtclean.pipeline.runner import Pipeline

    seed = SEED.read_text(encoding="utf-8")
    with Pipeline([PunctuationStage()], lang="en", verify=True) as pipe:
        doc = pipe.run_text(seed)
    assert doc.text == PunctuationStage().fix(seed, lang="en")[0]
    assert doc.history[-1].stage == "punctuation.v1" and doc.original_text == seed
