from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from mtclean.pipeline.edits import (
    Edit, EditError, apply_edits, check_edits, compose, diff_edits, invert_edits, map_offset, regex_edits,
    run_passes,
)


def E(start, end, before, after, rule="t.rule"):
    return Edit(start, end, before, after, rule, "test")


def test_apply_and_invert_simple():
    text = "Done.. yes"
    edits = [E(4, 6, "..", ".")]
    assert apply_edits(text, edits) == "Done. yes"
    assert apply_edits("Done. yes", invert_edits(edits)) == text


@pytest.mark.parametrize("edits, message", [
    ([E(0, 2, "xx", "y")], "expects"),
    ([E(2, 3, "c", "C"), E(0, 1, "a", "A")], "overlaps"),
    ([E(0, 2, "ab", "X"), E(1, 2, "b", "Y")], "overlaps"),
    ([E(0, 1, "a", "a")], "changes nothing"),
    ([E(0, 9, "abc", "x")], "bad range"),
])
def test_check_edits_rejects_bad_edits(edits, message):
    with pytest.raises(EditError, match=message):
        check_edits("abc", edits)


def test_map_offset():
    edits = [E(2, 4, "cd", "XYZ")]  # "abcdef" -> "abXYZef"
    assert map_offset(edits, 0) == 0
    assert map_offset(edits, 2) == 2
    assert map_offset(edits, 3) == 2
    assert map_offset(edits, 3, side="right") == 5
    assert map_offset(edits, 4) == 5
    assert map_offset(edits, 6) == 7


def test_compose_merges_overlaps_and_keeps_attribution():
    text = "a  b..c"
    first = [E(1, 3, "  ", " ", "p.space")]
    mid = apply_edits(text, first)  # "a b..c"
    second = [E(3, 5, "..", ".", "p.period")]
    merged = compose(first, second)
    assert apply_edits(text, merged) == "a b.c"
    assert [e.rule for e in merged] == ["p.space", "p.period"]
    # Overlapping: second rewrites what first produced.
    second = [E(0, 3, "a b", "A-B", "p.case")]
    merged = compose(first, second)
    assert apply_edits(text, merged) == apply_edits(mid, second)
    assert merged[0].rule == "p.space+p.case"


def test_compose_drops_edits_that_cancel():
    first = [E(0, 1, "a", "b")]
    second = [E(0, 1, "b", "a")]
    assert compose(first, second) == []


def test_diff_edits_whole_tokens():
    edits = diff_edits("the cat sat on the mat", "the hat sat on a mat", rule="x.y", reason="r")
    assert [(e.before, e.after) for e in edits] == [("cat", "hat"), ("the", "a")]


@given(st.text(alphabet="ab \n", max_size=60), st.text(alphabet="ab \n", max_size=60))
def test_diff_edits_always_replay(before, after):
    edits = diff_edits(before, after, rule="x.y", reason="r")
    check_edits(before, edits)
    assert apply_edits(before, edits) == after


# --- properties -----------------------------------------------------------------

@st.composite
def text_and_edits(draw, alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs"))):
    text = draw(st.text(alphabet=alphabet, max_size=40))
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
    edits = []
    pos = -1
    for i in range(0, len(cuts) - 1, 2):
        start, end = cuts[i], cuts[i + 1]
        if start <= pos or (start == end and start == pos):
            continue
        after = draw(st.text(alphabet=alphabet, max_size=4))
        if after == text[start:end]:
            continue
        edits.append(E(start, end, text[start:end], after))
        pos = end if end > start else start
    return text, edits


@given(text_and_edits())
def test_invert_round_trip(te):
    text, edits = te
    out = apply_edits(text, edits)
    inv = invert_edits(edits)
    check_edits(out, inv)
    assert apply_edits(out, inv) == text


@given(text_and_edits(), st.data())
def test_compose_equals_sequential_application(te, data):
    text, first = te
    mid = apply_edits(text, first)
    # a second edit list on the intermediate text
    cuts = sorted(data.draw(st.lists(st.integers(0, len(mid)), max_size=6)))
    second = []
    pos = -1
    for i in range(0, len(cuts) - 1, 2):
        s, e = cuts[i], cuts[i + 1]
        if s <= pos or (s == e and s == pos):
            continue
        after = data.draw(st.text(max_size=3))
        if after == mid[s:e]:
            continue
        second.append(E(s, e, mid[s:e], after, "t.second"))
        pos = e if e > s else s
    final = apply_edits(mid, second)
    merged = compose(first, second)
    check_edits(text, merged)
    assert apply_edits(text, merged) == final
    assert apply_edits(final, invert_edits(merged)) == text


@given(st.lists(st.sampled_from(["..", " ,", "ab", "x", "  "]), max_size=10).map("".join))
def test_run_passes_composes(text):
    import re

    dots = re.compile(r"\.\.")
    spaces = re.compile(r"  +")
    p1 = lambda t: [E(m.start(), m.end(), m.group(), ".") for m in dots.finditer(t)]
    p2 = lambda t: [E(m.start(), m.end(), m.group(), " ") for m in spaces.finditer(t)]
    out, edits = run_passes(text, [p1, p2])
    assert out == spaces.sub(" ", dots.sub(".", text))
    assert apply_edits(text, edits) == out
    assert apply_edits(out, invert_edits(edits)) == text


def test_regex_edits_one_edit_per_changing_match():
    import regex

    text = "Done.. and done... and [...]"
    pattern = regex.compile(r"(?<=\w)\.{2,3}(?!\.)")
    edits = regex_edits(text, pattern, lambda m: "." if m.group() == ".." else None,
                        rule="punct.double_period", reason="doubled period")
    assert [(e.start, e.before, e.after) for e in edits] == [(4, "..", ".")]
    assert apply_edits(text, edits) == "Done. and done... and [...]"


def test_regex_edits_takes_a_template_or_a_function():
    import re

    from mtclean.pipeline import regex_edits

    pattern = re.compile(r"(?P<word>\w+) \1\b")
    by_template = regex_edits("so so good, no no", pattern, r"\g<word>", rule="t.repeat", reason="repeated")
    by_function = regex_edits("so so good, no no", pattern, lambda m: m.group(1), rule="t.repeat", reason="repeated")
    assert by_template == by_function
    assert [(e.start, e.before, e.after) for e in by_template] == [(0, "so so", "so"), (12, "no no", "no")]
    # the template replaces the group asked for, expanded on the whole match
    grouped = regex_edits("a..b", re.compile(r"\w(\.\.)\w"), ".", rule="t.dots", reason="doubled", group=1)
    assert [(e.start, e.end, e.after) for e in grouped] == [(1, 3, ".")]
    with pytest.raises(TypeError, match="replacement must be a str or a function"):
        regex_edits("x", pattern, 3, rule="t", reason="r")
