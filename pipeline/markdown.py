"""Regions no cleanup stage may rewrite: code and link targets in Markdown, URLs anywhere.

`echo "done.."` inside a fenced block is a command, not a doubled period.
Block structure (fenced and indented code, raw HTML blocks) comes from
markdown-it-py's CommonMark parser; inline code spans are the backtick runs
CommonMark defines (an opening run closed by a run of the same length).

>>> text = "Say `wait..` twice.\\n\\n```\\necho done..\\n```\\n"
>>> [text[s:e] for s, e in code_regions(text)]
['`wait..`', '```\\necho done..\\n```\\n']
"""

from __future__ import annotations

import bisect
import re

import regex

from mtclean.pipeline.document import Span

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
_BLOCKS = {"fence", "code_block", "html_block"}
_INLINE_CODE = regex.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", regex.DOTALL)


def is_markdown(name: str) -> bool:
    return name.lower().endswith(MARKDOWN_SUFFIXES)


def code_regions(text: str) -> list[tuple[int, int]]:
    """Sorted, disjoint ``(start, end)`` character ranges of code in Markdown *text*."""
    if "`" not in text and "~~~" not in text and "    " not in text and "\t" not in text and "<" not in text:
        return []
    from markdown_it import MarkdownIt

    line_starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            line_starts.append(i + 1)
    line_starts.append(len(text))

    def offset(line: int) -> int:
        return line_starts[min(line, len(line_starts) - 1)]

    blocks: list[tuple[int, int]] = []
    for tok in MarkdownIt("commonmark").parse(text):
        if tok.type in _BLOCKS and tok.map:
            blocks.append((offset(tok.map[0]), offset(tok.map[1])))
    starts = [s for s, _ in blocks]
    inline = []
    for m in _INLINE_CODE.finditer(text):
        i = bisect.bisect_right(starts, m.start()) - 1
        if i >= 0 and m.start() < blocks[i][1]:
            continue  # backticks inside a code block are part of that block
        if "\n\n" in m.group(2):
            continue  # a code span never crosses a paragraph break
        inline.append(m.span())
    return sorted(blocks + inline)


# `](target)` / `](<target> "title")` of an inline link or image, `[id]: target` of a reference
# definition, `<scheme:...>` autolinks: the target is an address, not prose (`cafÃ©.png` names a file).
_LINK_TARGET = regex.compile(r"\]\(\s*(<[^<>\n]*>|(?:[^\s()]|\([^\s()]*\))+)")
_REFERENCE = regex.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]*(<[^<>\n]*>|\S+)", regex.MULTILINE)
_AUTOLINK = regex.compile(r"<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>")
# A URL in any text (`http://kiev.ua/Kiev..` is an address: its dots are not a doubled period).
URL = regex.compile(r"(?:https?://|ftp://|www\.)[^\s<>\"]+", regex.IGNORECASE)


def link_regions(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` ranges of Markdown link and image targets and autolinks in *text*."""
    if "](" not in text and "]:" not in text and "<" not in text:
        return []
    found = [m.span(1) for m in _LINK_TARGET.finditer(text)] + [m.span(1) for m in _REFERENCE.finditer(text)]
    return sorted(found + [m.span() for m in _AUTOLINK.finditer(text)])


_MAYBE_URL = re.compile(r"://|www\.", re.IGNORECASE)  # one scan of the text, no copy of it


def url_regions(text: str) -> list[tuple[int, int]]:
    if not _MAYBE_URL.search(text):
        return []
    return [m.span() for m in URL.finditer(text)]


def protected_spans(text: str, *, markdown: bool = True) -> list[Span]:
    """What no stage may rewrite in *text*, as protected spans for a :class:`Document`: URLs, and
    in Markdown (*markdown*) code and link targets too. Overlapping regions are merged."""
    regions = url_regions(text)
    if markdown:
        regions = [*regions, *code_regions(text), *link_regions(text)]
    merged: list[list[int]] = []
    for s, e in sorted(regions):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [Span(s, e, text[s:e], "", 1.0, "markdown" if markdown else "url", kind="protected")
            for s, e in merged if e > s]
