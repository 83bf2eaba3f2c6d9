"""JSON written by mtclean: one field of a record changed, every other byte kept; valid UTF-8 always.

A cleaned JSON Lines record is not re-serialised: the new string is spliced over the old
value of its field in the line as read, so key order, duplicate keys, spacing, number
spellings (``1e5``, ``-0``, ``1.10``, ``1e400``) and the escapes of the other fields stay
exactly as they were. (``json.loads`` + ``json.dumps`` would collapse ``"a":1,"a":2``, write
``1e400`` as ``Infinity`` and ``1.10`` as ``1.1``.)

JSON may spell a lone surrogate (``"\\ud800"``), which no UTF-8 file can hold as a
character: every string mtclean writes escapes those, so valid JSON in is valid JSON and
valid UTF-8 out.
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring
from typing import Any

_WS = re.compile(r"[ \t\n\r]*")
_SURROGATE = re.compile("[\ud800-\udfff]")
_DECODER = json.JSONDecoder()


def escape_surrogates(text: str) -> str:
    """*text* (JSON source) with each lone surrogate written as its ``\\uXXXX`` escape."""
    if not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def dumps(obj: Any) -> str:
    """``json.dumps(obj, ensure_ascii=False)`` that is always encodable as UTF-8 (report lines)."""
    return escape_surrogates(json.dumps(obj, ensure_ascii=False))


def string(value: str, *, ascii_only: bool = False) -> str:
    """*value* as a JSON string literal, non-ASCII kept as characters unless *ascii_only*."""
    return escape_surrogates(json.dumps(value, ensure_ascii=ascii_only))


def member_spans(line: str) -> dict[str, tuple[int, int]]:
    """Key -> (start, end) of its value's source in the JSON object *line*; a duplicate key
    gives the last occurrence's span, the one ``json.loads`` reads.

    >>> line = '{"a": 1, "t": "x\\\\n", "a": [2]}'
    >>> {k: line[s:e] for k, (s, e) in member_spans(line).items()}
    {'a': '[2]', 't': '"x\\\\n"'}
    """
    spans: dict[str, tuple[int, int]] = {}
    i = _WS.match(line).end()
    if line[i:i + 1] != "{":
        raise ValueError("not a JSON object")
    i = _WS.match(line, i + 1).end()
    if line[i:i + 1] == "}":
        return spans
    while True:
        if line[i:i + 1] != '"':
            raise ValueError(f"expected a key at column {i + 1}")
        key, i = scanstring(line, i + 1)
        i = _WS.match(line, i).end()
        if line[i:i + 1] != ":":
            raise ValueError(f"expected ':' at column {i + 1}")
        start = _WS.match(line, i + 1).end()
        _, end = _DECODER.raw_decode(line, start)
        spans[key] = (start, end)
        i = _WS.match(line, end).end()
        if line[i:i + 1] == ",":
            i = _WS.match(line, i + 1).end()
            continue
        if line[i:i + 1] != "}":
            raise ValueError(f"expected ',' or '}}' at column {i + 1}")
        return spans


def splice_field(line: str, field: str, value: str) -> str:
    """*line* (one JSON object) with the string *field* set to *value*, all else as it was.

    The new string is written the way the old one was: with non-ASCII characters as
    themselves, or, where the old value spelt them as ``\\u`` escapes only, as escapes.

    >>> splice_field('{"id":7, "n": 1e5,"text":"Kiev..",  "x":-0}', "text", "Kyiv.")
    '{"id":7, "n": 1e5,"text":"Kyiv.",  "x":-0}'
    """
    start, end = member_spans(line)[field]
    old = line[start:end]
    return line[:start] + string(value, ascii_only=old.isascii() and "\\u" in old) + line[end:]
