"""Facts about a text's characters that several stages ask for, worked out once per text."""

from __future__ import annotations

import regex

# (regex scans this negated ASCII range about three times as fast as re does.)
_NON_ASCII = regex.compile(r"[^\x00-\x7f]+")

_last: tuple[str, frozenset[str]] = ("", frozenset())


def non_ascii_chars(text: str) -> frozenset[str]:
    """The distinct non-ASCII characters of *text*: a few dozen in a news article.

    A stage that asks whether a text has any letter of some script looks at
    these instead of scanning the whole text with a script property. The
    answer for the last text asked about is kept: a stage that changes nothing
    passes the same string on to the next one.
    """
    global _last
    last = _last
    if last[0] is text:
        return last[1]
    chars = frozenset() if text.isascii() else frozenset("".join(_NON_ASCII.findall(text)))
    _last = (text, chars)
    return chars
