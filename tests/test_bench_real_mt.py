"""bench/bench_real_mt.py judges edits against a human reference: its judging, and a run on a slice of real MT."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from conftest import shared_data

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("bench_real_mt", BENCH / "bench_real_mt.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_real_mt"] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("bench_real_mt", None)
        sys.path.remove(str(BENCH))


def test_forms_take_the_words_an_edit_touches(bench):
    text = 'He visited Kiev, then "Odessa".. Next day'
    start = text.index("Kiev")
    assert bench.forms(text, start, start + 4, "Kyiv") == ("Kiev", "Kyiv")  # a name: the word, no punctuation
    dots = text.index("..")
    # punctuation only: with a word of text on each side, so `..` and `.` are told apart
    assert bench.forms(text, dots, dots + 2, ".") == ('"Odessa".. Next', '"Odessa". Next')
    spaced = "tomato paste -this is"
    hyphen = spaced.index(" -")
    assert bench.forms(spaced, hyphen, hyphen + 1, "") == ("paste -this", "paste-this")


@pytest.mark.parametrize("reference, old, new, kind", [
    ("Zelenskyy spoke in Kyiv.", "Kiev", "Kyiv", "confirmed"),
    ("Zelenskyy spoke in Kyiv.", "Zelenskyy", "Zelensky", "harmful"),
    ("Kyiv and Kiev.", "Kiev", "Kyiv", "unclear"),  # both
    ("Nothing here.", "Kiev", "Kyiv", "unclear"),  # neither
    ("Of course.. you write", "course.. you", "course. you", "harmful"),
    ("The Kievan Rus.", "Kiev", "Kyiv", "unclear"),  # a piece of a longer word is not the word
    ("same", "a  b", "a  b", "unclear"),
])
def test_judge(bench, reference, old, new, kind):
    assert bench.judge(bench.fold(reference), bench.fold(old), bench.fold(new)) == kind


def test_a_run_on_real_mt_adds_up(bench):
    shared_data("wmt22-general-uk-ru-en", "ru-en")
    (system,) = [s for s in bench.wmt22_ru_en() if s.name == "Online-Y"]
    assert len(system.mt) == len(system.ref) > 100
    system = bench.System(system.name, system.mt[:60], system.ref[:60])
    pipe = bench.pipeline()
    pipe.setup()
    r = bench.run_system(pipe, system)
    assert r.words == sum(len(d.split()) for d in system.mt)
    assert r.judged and all(j.kind in bench.KINDS for j in r.judged)
    assert 0 < r.chrf[0] < 100 and 0 < r.chrf[1] < 100


def test_a_name_edit_is_judged_on_the_words_it_changes(bench):
    text = "leader Vladimir Zelensky said"
    start = text.index("Vladimir")
    assert bench.forms(text, start, start + len("Vladimir Zelensky"), "Volodymyr Zelensky") == ("Vladimir", "Volodymyr")
    assert bench.fold("Kyiv’s") == "Kyiv's"
