from hypothesis import given, strategies as st

from mtclean.pipeline.chars import non_ascii_chars


@given(st.text())
def test_non_ascii_chars_are_the_texts_characters_past_ascii(text):
    assert non_ascii_chars(text) == {c for c in text if ord(c) > 0x7F}


def test_the_kept_answer_is_only_for_the_same_text():
    a = "café “x”"
    assert non_ascii_chars(a) == {"é", "“", "”"}
    assert non_ascii_chars(a) == {"é", "“", "”"}  # the kept answer
    b = "".join(["caf", "ï"])  # another string, not the same object
    assert non_ascii_chars(b) == {"ï"}
    assert non_ascii_chars("plain") == frozenset()
    assert non_ascii_chars(a) == {"é", "“", "”"}
