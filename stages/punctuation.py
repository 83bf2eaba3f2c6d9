"""Punctuation repair: quotes, doubled punctuation and broken hyphenation.

Machine translation damages punctuation in recurring ways: quotes turned the
wrong way round or closed in another style (see :mod:`mtclean.stages.quotes`),
doubled periods (``saye..``), a space before a comma, and compounds split
before their hyphen (``post -war``). Each repair is one edit with a rule id and
a reason; text that shows none of these patterns is skipped by a fast check.

>>> fix_punctuation("A post -war plan, he saye..\\nThe armies", lang="en")[0]
'A post-war plan, he saye.\\nThe armies'
>>> fix_punctuation("Wait... [...] it is -5 degrees - cold", lang="en")[0]
'Wait... [...] it is -5 degrees - cold'
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Callable

import regex

from mtclean.pipeline.document import Document
from mtclean.pipeline.edits import Edit, apply_edits, compose, run_passes
from mtclean.pipeline.stage import Stage, StageConfig
from mtclean.stages.quotes import (
    POLICIES, check_policy, settle_quote_edits, space_straight_closers, straighten_quotes,
)

# -- resources ----------------------------------------------------------------

# `saye..` / `that..`: exactly two periods after a word, then a space or the end.
# `...`, `…` and `[...]` never match (three periods, or a bracket before them).
_DOUBLE_PERIOD = regex.compile(r"(?<=[\p{L}\p{N}\)\]”’»])\.\.(?=[\s\"”’»)]|$)")
# `,,` between words. A `,,` glued to the next word is a low opening quote (,,Hallo").
_DOUBLE_COMMA = regex.compile(r"(?<=[\p{L}\p{N}]),,(?=\s)")
# `no , no`: space before a comma that is followed by a space (not `1 ,5` nor `a ,b`).
# (The lookbehind comes after the literal comma so that the scan looks for commas, not letters.)
_SPACE_COMMA = regex.compile(r"[ \t]+,(?<=[\p{L}\p{N}][ \t]+,)(?=\s|$)")
# `Of course.. you write`, `Yeah.. thank you`, `Love or.. I stopped`: in informal writing `..` before
# a word that goes on the sentence (lower case, or `I`) is an ellipsis. A document that writes one so
# writes its ellipses so: then none of its `..` is taken for a doubled period.
_DOTS_AS_ELLIPSIS = regex.compile(r"(?<=[\p{L}\p{N}])\.\.[ \t]+(?:\p{Ll}|I\b)")
# `is not at all..` / `its corpse was perla..` as the last words of a text: on real MT such a `..` is
# a source's `...` cut short (WMT22 ru-en, MLQE-PE ne-en: every one seen), so it is left alone, unless
# an abbreviation's own period comes first (`in the U.S..`, `i.e..`, `etc..`).
_TEXT_END = regex.compile(r"[\s\"”’»)]*\Z")
_ABBREVIATION_END = regex.compile(r"(?:(?<![\p{L}\p{N}])(?:\p{L}{1,3}\.)+\p{L}{1,3}|(?<![\p{L}\p{N}])etc)\Z")
# (what the text must hold, pattern, replacement, rule, reason, what in the text says to leave it all);
# an ellipsis has `..`, but no `,,` nor ` ,`.
_DOUBLED = (
    (("..",), _DOUBLE_PERIOD, ".", "punctuation.double_period", "doubled period after a word", _DOTS_AS_ELLIPSIS),
    ((",,",), _DOUBLE_COMMA, ",", "punctuation.double_comma", "doubled comma", None),
    ((" ,", "\t,"), _SPACE_COMMA, ",", "punctuation.comma_spacing", "space before a comma", None),
)


# `post -war`, `Secretary -General`, `30 -day`: a word, one space, a hyphen glued
# to the next word. Negative numbers (`-5`) and bullets (line start) do not match.
_BROKEN_HYPHEN = regex.compile(
    r"(?<![\p{L}\p{M}\p{N}\-.'’/\\@#$%&_])(?P<left>[\p{L}\p{N}][\p{L}\p{M}\p{N}]*) -(?P<right>\p{L}[\p{L}\p{M}]*)"
    r"(?![\p{L}\p{M}\p{N}\-=_/.:](?=\S))"
)
_MAYBE_HYPHEN = regex.compile(r"[\p{L}\p{N}] -\p{L}")
# Lines that look like code or a shell session: flags there are flags.
_CODE_LINE = regex.compile(r"`|^\s*[$#>%] |\s--[\p{L}]|\s-[\p{L}](?=\s|$)", regex.MULTILINE)


@lru_cache(maxsize=1)
def load_punctuation_data() -> dict:
    raw = tomllib.loads(resources.files("mtclean.stages").joinpath("data/punctuation.toml").read_text("utf-8"))
    hy = raw["hyphenation"]
    return {"commands": frozenset(hy["commands"]), "not_after": frozenset(hy["not_after"]),
            "dash_before": {lang: frozenset(words) for lang, words in hy["dash_before"].items()}}


# -- config -------------------------------------------------------------------

@dataclass(frozen=True)
class PunctuationConfig(StageConfig):
    """Options of the punctuation stage.

    ``quotes``: ``preserve`` (default) keeps the document's quote style and only
    repairs direction, pairing and spacing; ``curly`` also converts straight
    quotes and foreign pairs to the language's typographic quotes (CLDR);
    ``straight`` makes every quote ASCII. ``protect_fragments`` leaves text
    inside foreign-language fragment spans (``doc.spans``) alone.
    """

    quotes: str = "preserve"
    quote_repair: bool = True
    doubled_punctuation: bool = True
    hyphenation: bool = True
    protect_fragments: bool = True

    def __post_init__(self) -> None:
        check_policy(self.quotes)


# -- the repairs ------------------------------------------------------------------

def repair_doubled_punctuation(text: str) -> list[Edit]:
    """``saye..`` → ``saye.``, ``a,, b`` → ``a, b``, ``no , no`` → ``no, no``; ellipses stay,
    and so do all the ``..`` of a text that writes its ellipses ``..`` (``Yeah.. thank you``)."""
    edits = [
        Edit(m.start(), m.end(), m.group(), after, rule, reason)
        for needs, pattern, after, rule, reason, unless in _DOUBLED
        if any(map(text.__contains__, needs))  # each pattern only where its characters are
        and not (unless is not None and unless.search(text))
        for m in pattern.finditer(text)
    ]
    edits.sort(key=lambda e: e.start)
    if edits and edits[-1].rule == "punctuation.double_period" and _trails_off(text, edits[-1].start, edits[-1].end):
        edits.pop()
    return edits


def _trails_off(text: str, start: int, end: int) -> bool:
    """Whether the ``..`` at start:end ends the text after a word that is not an abbreviation."""
    return bool(_TEXT_END.match(text, end)) and not _ABBREVIATION_END.search(text, max(0, start - 12), start)


def repair_broken_hyphenation(text: str, lang: str | None = None) -> list[Edit]:
    """``post -war`` → ``post-war``; flags, negative numbers, bullets, spaced dashes and a hyphen
    used as a dash before a clause (``paste -this is``) stay."""
    if " -" not in text or not _MAYBE_HYPHEN.search(text):
        return []
    data = load_punctuation_data()
    dash_before = data["dash_before"].get((lang or "en").split("-")[0].lower(), frozenset())
    code_lines = {text.count("\n", 0, m.start()) for m in _CODE_LINE.finditer(text)} if _CODE_LINE.search(text) else set()
    edits = []
    for m in _BROKEN_HYPHEN.finditer(text):
        left, right = m.group("left"), m.group("right")
        if len(right) < 2 or left.lower() in data["commands"] or left.lower() in data["not_after"]:
            continue
        if right[0].islower() and right in dash_before:
            continue
        if code_lines and text.count("\n", 0, m.start()) in code_lines:
            continue
        edits.append(Edit(m.start(), m.end(), m.group(), f"{left}-{right}", "punctuation.hyphenation",
                          "space before the hyphen splits a compound"))
    return edits


def fix_punctuation(text: str, *, lang: str | None = None,
                    config: PunctuationConfig = PunctuationConfig()) -> tuple[str, list[Edit]]:
    """The punctuation stage as a plain function: ``str -> (str, edits)``."""
    # Doubled punctuation first: `said.."he` only shows its glued quote once `..` is `.`.
    passes: list[Callable[[str], list[Edit]]] = []
    if config.doubled_punctuation:
        passes.append(repair_doubled_punctuation)
    if config.quote_repair or config.quotes != "preserve":
        passes.append(lambda t: settle_quote_edits(t, lang=lang, policy=config.quotes))
    if config.quotes == "straight":
        passes.append(straighten_quotes)
    elif config.quote_repair:
        # (not after straightening: a straightened `.“a` would read as a glued closer)
        passes.append(space_straight_closers)
    if config.hyphenation:
        passes.append(lambda t: repair_broken_hyphenation(t, lang))
    return settle_passes(text, passes)


def settle_passes(text: str, passes, *, rounds: int = 4) -> tuple[str, list[Edit]]:
    """Run *passes* again on their own output until nothing changes (at most *rounds* times).

    One repair can expose another (``Z"..`` only shows a doubled period after a
    quote once the quote is curly); settling keeps the stage idempotent. Text
    with nothing to repair costs one round.
    """
    out, edits = run_passes(text, passes)
    for _ in range(rounds - 1):
        if not edits:
            break
        again, more = run_passes(out, passes)
        if not more:
            break
        out, edits = again, compose(edits, more)
    return out, edits


def drop_protected(edits: list[Edit], ranges: list[tuple[int, int]]) -> list[Edit]:
    """Edits that touch none of *ranges* (half-open; an insertion at a boundary is outside)."""
    if not ranges:
        return edits
    return [e for e in edits if not any(e.start < end and start < e.end or start < e.start < end
                                        for start, end in ranges)]


class PunctuationStage(Stage):
    """Repair quotes (direction, pairing, style, spacing, apostrophes), doubled punctuation, broken hyphens."""

    name = "punctuation"
    version = 1
    description = "Repair quote direction/pairing/spacing, apostrophes, doubled punctuation and broken hyphenation"
    Config = PunctuationConfig

    def fix(self, text: str, *, lang: str | None = None) -> tuple[str, list[Edit]]:
        return fix_punctuation(text, lang=lang, config=self.config)

    def process(self, doc: Document) -> Document:
        self._ensure_ready()
        new_text, edits = self.fix(doc.text, lang=doc.lang)
        if self.config.protect_fragments and edits:
            ranges = [(s.start, s.end) for s in doc.spans if s.kind == "fragment"]
            kept = drop_protected(edits, ranges)
            if len(kept) != len(edits):
                edits, new_text = kept, apply_edits(doc.text, kept)
        return doc.apply(self.record(doc, edits), new_text)


__all__ = [
    "POLICIES", "PunctuationConfig", "PunctuationStage", "fix_punctuation", "repair_broken_hyphenation",
    "repair_doubled_punctuation", "drop_protected",
]
