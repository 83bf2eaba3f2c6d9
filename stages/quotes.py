"""Quote repair for the punctuation stage: direction, pairing, mixed styles, spacing, apostrophes.

A small state machine walks the quote marks of each paragraph (line) with a
stack of open quotations. A mark's role comes from the language's CLDR pairs
(``stages/data/quotes.toml``): in English ``“`` opens, in German it closes.
The machine only acts where the evidence is local and clear, because text
with quotations spanning several lines is normal and must come out unchanged:

- a closing mark opening a paragraph (``” Yes``) becomes the opening mark;
- an opening mark used to close (``last.“ he said`` / ``last. “he said``) becomes the closing mark;
- a quotation opened in one style and closed in another (``‘… »``) is unified;
- missing space after a closing mark (``States”said``) and stray space inside (``“ Yes``, ``debate »``);
- ``‘`` used as an apostrophe (``Russia‘s``) becomes the document's apostrophe.

Straight quotes carry no direction, so a straight-quote paragraph is never
touched in the default ``preserve`` policy.

>>> repair_quotes("” Yes, but not now”said Starmer.", lang="en")[0]
'“Yes, but not now” said Starmer.'
>>> repair_quotes("He said „ja“ und ging.", lang="de")[0]
'He said „ja“ und ging.'
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Sequence

import regex

from mtclean.pipeline.edits import Edit, apply_edits, compose, run_passes
from mtclean.pipeline.errors import ConfigError

POLICIES = ("preserve", "curly", "straight")

# -- resources ----------------------------------------------------------------

CURLY_DOUBLE = "“”„‟«»"
CURLY_SINGLE = "‘’‚‛‹›"
CURLY = CURLY_DOUBLE + CURLY_SINGLE

# A glyph's role when the document's language does not use it: the usual
# reading of the shape (high-6 and low-9 open, high-9 closes).
_FOREIGN_OPENS = frozenset("“„‟‘‚‛«‹")
# Closers a quotation opened with a glyph may legitimately end with, whatever
# the language (de „…“, pl „…”, da »…«, sv ”…”).
_UNIVERSAL_CLOSERS = {
    "“": "”", "„": "“”", "‟": "”", "«": "»", "»": "«»", "”": "”",
    "‘": "’", "‚": "‘’", "‛": "’", "‹": "›", "›": "‹›", "’": "’",
    '"': '"', "'": "'",
}
_MIRROR_OPENER = {"”": "“", "’": "‘", "»": "«", "›": "‹", "“": "„", "‘": "‚"}

# Plain character sets, compiled by the standard ``re``: it scans them about three times as fast as ``regex``.
_MARK = re.compile(r'["“”„‟‘’‚‛«»‹›]')
_MARK_CURLY_MODE = re.compile(r"[\"'“”„‟‘’‚‛«»‹›]")
_DOUBLE_MARK = re.compile(r'["“”„‟«»]')
_HAS_CURLY = re.compile(r"[“”„‟‘’‚‛«»‹›]")
_LINE = re.compile(r"[^\n\r]+")
# What may follow an apostrophe inside a word: English contractions and possessives.
_CONTRACTION = regex.compile(r"(?:s|t|d|m|ll|re|ve|n|em)(?![\p{L}\p{M}\p{N}])", regex.IGNORECASE)
# A ’ after text and before a space, punctuation or the end: a proper closing quote.
_LATER_CLOSING_RSQUO = regex.compile(r"(?<=\S)’(?=[\s.,;:!?)]|$)")
_IN_WORD_APOSTROPHE = regex.compile(r"(?<=[\p{L}\p{N}])['’](?=\p{L})")
_OPEN_CONTEXT_LEFT = set("([{—–-/\u00a0\u202f") | set("“„‟‘‚‛«‹\"'")
_CLOSE_CONTEXT_RIGHT = set(".,;:!?)]}…—–-/\u00a0\u202f") | set("”’»›\"'“‘«‹")
# One-letter words that take an apostrophe before a name or noun: O’Brien, d’Artagnan, l’homme.
_ELIDING_LETTERS = frozenset("ODdLl")
_NO_BREAK = "\u00a0\u202f"
_SENTENCE_END = set(".!?…,")
_INNER_SPACES = " \u00a0\u202f\u2009"


@dataclass(frozen=True, slots=True)
class QuoteStyle:
    """The quotation marks of one language (CLDR primary and nested pairs)."""

    lang: str
    primary: tuple[str, str]
    nested: tuple[str, str]
    inner_space: str = ""

    def pair(self, level: int) -> tuple[str, str]:
        return self.primary if level % 2 == 0 else self.nested

    def role(self, glyph: str) -> str:
        """'open', 'close' or 'both' for *glyph* in this language."""
        opens = glyph in (self.primary[0], self.nested[0])
        closes = glyph in (self.primary[1], self.nested[1])
        if opens and closes:
            return "both"
        if opens:
            return "open"
        if closes:
            return "close"
        return "open" if glyph in _FOREIGN_OPENS else "close"

    def closers_for(self, opener: str) -> str:
        own = "".join(c for o, c in (self.primary, self.nested) if o == opener)
        return own + _UNIVERSAL_CLOSERS.get(opener, "")

    def closer_for(self, opener: str) -> str:
        for o, c in (self.primary, self.nested):
            if o == opener:
                return c
        return _UNIVERSAL_CLOSERS.get(opener, "”")[0]

    def opener_for(self, closer: str) -> str:
        for o, c in (self.primary, self.nested):
            if c == closer:
                return o
        return _MIRROR_OPENER.get(closer, "“")


@lru_cache(maxsize=1)
def load_quote_table() -> dict[str, QuoteStyle]:
    """The per-language quote table from ``stages/data/quotes.toml``."""
    raw = tomllib.loads(resources.files("mtclean.stages").joinpath("data/quotes.toml").read_text("utf-8"))
    return {
        tag.lower(): QuoteStyle(tag, tuple(v["primary"]), tuple(v["nested"]), v.get("inner_space", ""))
        for tag, v in raw.items()
    }


def resolve_quote_style(lang: str | None) -> QuoteStyle:
    """The table entry for *lang*: full tag, then base language, then English."""
    table = load_quote_table()
    tag = (lang or "en").replace("_", "-").lower()
    return table.get(tag) or table.get(tag.split("-")[0]) or table["en"]


def check_policy(policy: str) -> str:
    if policy not in POLICIES:
        raise ConfigError(f"punctuation.quotes must be one of {', '.join(POLICIES)}, not {policy!r}")
    return policy


# -- document-level style -------------------------------------------------------

def detect_dominant_style(text: str) -> str:
    """'straight' when straight double quotes outnumber curly ones, else 'curly'."""
    straight = text.count('"')
    curly = sum(text.count(c) for c in CURLY_DOUBLE)
    return "straight" if straight > curly else "curly"


def detect_apostrophe(text: str) -> str:
    """The apostrophe the document uses inside words (``'`` or ``’``; ``’`` on a tie)."""
    counts = {"'": 0, "’": 0}
    for m in _IN_WORD_APOSTROPHE.finditer(text):
        counts[m.group()] += 1
    return "'" if counts["'"] > counts["’"] else "’"


def detect_inner_spacing(text: str, style: QuoteStyle) -> str:
    """The space the document mostly puts inside its primary quotes (French « … »), or ''."""
    if not style.inner_space:
        return ""
    o = style.primary[0]
    counts = {sp: text.count(o + sp) for sp in _INNER_SPACES}
    best = max(counts, key=counts.get)
    return best if counts[best] > text.count(o) - sum(counts.values()) else ""


def detect_own_style(text: str, style: QuoteStyle) -> bool:
    """Whether the document mostly quotes with the language's own primary pair.

    Only then is a consistent pair in another style (``«…»`` in English) a
    mixture to unify; in a straight-quote document it may be a quoted foreign phrase.
    """
    own = sum(text.count(ch) for ch in set(style.primary))
    foreign = sum(text.count(ch) for ch in CURLY_DOUBLE if ch not in style.primary and ch not in style.nested)
    return own >= 4 and own >= 2 * foreign and own > text.count('"')


# -- the state machine -----------------------------------------------------------

@dataclass(slots=True)
class _Open:
    pos: int  # offset of the mark in the text
    glyph: str  # the mark as it will read after this stage's edits
    level: int
    edit: int | None = None  # index of the edit that rewrote the mark, if any


class _Walker:
    """Walks one paragraph's quote marks and collects edits (absolute offsets)."""

    def __init__(self, text: str, style: QuoteStyle, policy: str, dominant: str, apostrophe: str,
                 edits: list[Edit]):
        self.text = text
        # French spacing inside « »: enforced under quotes=curly, else only where the
        # document itself mostly spaces its quotes (Swiss and web French often do not).
        if style.inner_space and policy != "curly":
            style = QuoteStyle(style.lang, style.primary, style.nested, detect_inner_spacing(text, style))
        self.style = style
        self.policy = policy
        self.dominant = "curly" if policy == "curly" else ("straight" if policy == "straight" else dominant)
        self.apostrophe = "’" if policy == "curly" else apostrophe
        self.edits = edits
        self.stack: list[_Open] = []
        self.own = frozenset(style.primary + style.nested)
        self.foreign_pairs = policy == "preserve" and detect_own_style(text, style)

    # context helpers
    def left(self, i: int, start: int) -> str:
        return self.text[i - 1] if i > start else ""

    def right(self, i: int, end: int) -> str:
        return self.text[i + 1] if i + 1 < end else ""

    def add(self, start: int, end: int, after: str, rule: str, reason: str, **evidence) -> int:
        self.edits.append(Edit(start, end, self.text[start:end], after, f"punctuation.{rule}", reason,
                               evidence or {}))
        return len(self.edits) - 1

    def walk(self, start: int, end: int) -> None:
        pattern = _MARK_CURLY_MODE if self.policy == "curly" else _MARK
        for m in pattern.finditer(self.text, start, end):
            i = m.start()
            g = m.group()
            l, r = self.left(i, start), self.right(i, end)
            if l.isalnum() and r.isalpha() and g in "'’‘":
                self.handle_in_word(i, g, start, end)
            elif g == "'":
                self.handle_straight_single(i, l, r)
            elif g == '"':
                self.handle_straight_double(i, l, r)
            else:
                self.handle_curly(i, g, l, r, start, end)

    # in-word marks: apostrophes, or a closing mark with the space missing
    def handle_in_word(self, i: int, g: str, start: int, end: int) -> None:
        left_len = 0
        while i - left_len - 1 >= start and self.text[i - left_len - 1].isalnum() and left_len < 2:
            left_len += 1
        suffix = _CONTRACTION.match(self.text, i + 1, end)
        top = self.stack[-1] if self.stack else None
        if (g == "’" and top is not None and "’" in self.style.closers_for(top.glyph)
                and suffix is None and left_len > 1 and not _LATER_CLOSING_RSQUO.search(self.text, i + 1, end)):
            self.stack.pop()
            self.add(i + 1, i + 1, " ", "quote_spacing", "missing space after closing quote", quote=g)
            return
        if g == "‘" and (suffix is not None or (left_len == 1 and self.text[i - 1] in _ELIDING_LETTERS)):
            self.add(i, i + 1, self.apostrophe, "apostrophe",
                     "opening quote used as an apostrophe inside a word", apostrophe=self.apostrophe)
        elif g == "'" and self.policy == "curly":
            self.add(i, i + 1, "’", "quote_style", "straight apostrophe made typographic (quotes=curly)")

    def handle_straight_single(self, i: int, l: str, r: str) -> None:
        # Only reached in curly mode: straight singles are too ambiguous (primes,
        # '90s, rock 'n' roll) to pair in the other modes.
        opening = (l == "" or l.isspace() or l in _OPEN_CONTEXT_LEFT) and r != "" and not r.isspace()
        closing = l != "" and not l.isspace() and (r == "" or r.isspace() or r in _CLOSE_CONTEXT_RIGHT)
        if opening and r.isdigit():
            self.add(i, i + 1, "’", "quote_style", "straight apostrophe made typographic (quotes=curly)")
        elif opening:
            self.stack.append(_Open(i, "'", len(self.stack)))
        elif closing:
            idx = self.find_opener("'")
            if idx is not None:
                opener = self.stack[idx]
                del self.stack[idx:]
                o, c = self.style.nested  # a single quote stays single
                self.restyle(opener, o, "quote_style", "straight quote made typographic (quotes=curly)")
                self.space_inside(opener, i, c)
                self.add(i, i + 1, c, "quote_style", "straight quote made typographic (quotes=curly)")

    def handle_straight_double(self, i: int, l: str, r: str) -> None:
        if l.isdigit() and self.policy != "curly":
            return  # 21" is an inch mark
        opening = (l == "" or l.isspace() or l in _OPEN_CONTEXT_LEFT) and r != "" and not r.isspace()
        closing = l != "" and not l.isspace() and (r == "" or r.isspace() or r in _CLOSE_CONTEXT_RIGHT)
        idx = self.find_opener('"')
        if idx is not None and not (opening and not closing):
            opener = self.stack[idx]
            inner = self.stack[idx + 1:]
            del self.stack[idx:]
            if self.policy == "curly":
                o, c = self.style.pair(opener.level)
                if any(c in self.style.closers_for(x.glyph) for x in inner):
                    return  # a curly closer here would pair with the inner quote instead: leave it
                self.restyle(opener, o, "quote_style", "straight quote made typographic (quotes=curly)")
                self.space_inside(opener, i, c)
                self.add(i, i + 1, c, "quote_style", "straight quote made typographic (quotes=curly)")
            return
        top = self.stack[-1] if self.stack else None
        if top is not None and top.glyph in CURLY_DOUBLE and closing and not opening:
            self.stack.pop()
            self.unify(top, i, '"')
            return
        if opening or (l == "" and r != ""):
            self.stack.append(_Open(i, '"', len(self.stack)))

    def handle_curly(self, i: int, g: str, l: str, r: str, start: int, end: int) -> None:
        style = self.style
        role = style.role(g)
        # No-break spaces hug the quote they belong to (French « … »): not a gap here.
        l_space = l == "" or (l.isspace() and l not in _NO_BREAK)
        r_space = r == "" or (r.isspace() and r not in _NO_BREAK)
        opening = (l_space or l in _OPEN_CONTEXT_LEFT) and not r_space
        closing = not l_space and (r_space or r in _CLOSE_CONTEXT_RIGHT)
        if role == "both":
            idx = self.find_opener(g)
            if idx is not None and not (opening and not closing):
                del self.stack[idx:]
            else:
                self.stack.append(_Open(i, g, len(self.stack)))
            return
        if role == "close":
            if g == "’" and opening:
                return  # ’90s, ’em, ’s Morgens: an apostrophe, not a quote
            idx = self.find_opener(g)
            if idx is not None:
                opener = self.stack[idx]
                del self.stack[idx:]
                self.fix_closer_spacing(i, g, l, r, start, end, opener)
                if self.policy == "curly" and (opener.glyph, g) not in (style.primary, style.nested):
                    self.unify(opener, i, g, policy_reason=True)
                elif self.foreign_pairs and opener.glyph not in self.own and g not in self.own:
                    # «…» in a document that otherwise quotes “…”: a style mixture
                    self.unify(opener, i, g, why=f"{opener.glyph}…{g} among the document's {style.primary[0]}…"
                               f"{style.primary[1]} quotes; unified")
                return
            if self.stack and g != "’" and (not opening or g not in _FOREIGN_OPENS):
                # (’ after a word is as often a plural possessive as a closing quote)
                opener = self.stack.pop()
                self.fix_closer_spacing(i, g, l, r, start, end, opener)
                self.unify(opener, i, g)
                return
            if g in _FOREIGN_OPENS:
                if opening:  # de/ru “ closes, but “…” there is English style, not an error
                    self.stack.append(_Open(i, g, len(self.stack)))
            elif not self.stack and g in CURLY_DOUBLE:
                self.fix_closer_as_opener(i, g, l, r, start, end)
            return
        # role == "open"
        top = self.stack[-1] if self.stack else None
        if top is not None and g in style.closers_for(top.glyph) and closing:
            self.stack.pop()  # e.g. „…“ in a language whose own “ opens
            return
        if (top is not None and top.glyph not in "\"'" and closing and not opening
                and (g in CURLY_DOUBLE) == (top.glyph in CURLY_DOUBLE)):
            self.stack.pop()
            c = self.settle_closer(top)
            if self.policy == "curly":
                self.space_inside(top, i, c)
            self.add(i, i + 1, c, "quote_direction", f"opening quote {g} used to close a quotation; made {c}",
                     opener=top.glyph)
            self.fix_closer_spacing(i, c, l, r, start, end, top, check_left=False)
            return
        if (top is not None and top.glyph == g and l == " " and i - 2 >= start
                and self.text[i - 2] in _SENTENCE_END and r.islower()
                and not self.closes_later(g, i + 1, end)):
            # `last. “he said`: the closing mark slipped past its space and turned round.
            self.stack.pop()
            c = self.settle_closer(top)
            self.add(i - 1, i + 1, c + " ", "quote_direction",
                     f"opening quote {g} after the sentence closes the quotation; made {c} before the space",
                     opener=top.glyph)
            return
        opened = _Open(i, g, len(self.stack))
        if (r == " " and (l == "" or (l.isspace() and not self.stack)) and i + 2 < end
                and self.text[i + 2].isalnum() and not style.inner_space):
            self.add(i + 1, i + 2, "", "quote_spacing", "stray space after opening quote")
        elif style.inner_space and g == style.primary[0] and r and r not in _INNER_SPACES and r != style.primary[1]:
            self.add(i + 1, i + 1, style.inner_space, "quote_spacing",
                     self.inner_reason())
        self.stack.append(opened)

    # pieces
    def inner_reason(self) -> str:
        o, c = self.style.primary
        return f"missing space inside {o} {c} ({self.style.lang} spaces them, U+{ord(self.style.inner_space):04X})"

    def closes_later(self, opener: str, pos: int, end: int) -> bool:
        """Whether the next double quote mark after *pos* in the paragraph closes *opener*."""
        m = _DOUBLE_MARK.search(self.text, pos, end)
        return m is not None and m.group() in self.style.closers_for(opener)

    def find_opener(self, closer: str) -> int | None:
        for k in range(len(self.stack) - 1, -1, -1):
            if closer in self.style.closers_for(self.stack[k].glyph):
                return k
        return None

    def settle_closer(self, opener: _Open) -> str:
        """The closer for *opener*; under quotes=curly a foreign pair becomes the language's."""
        c = self.closer_glyph(opener)
        if self.policy == "curly" and (opener.glyph, c) not in (self.style.primary, self.style.nested):
            o, c = self.style.pair(opener.level)
            self.restyle(opener, o, "quote_style", f"quote pair made {o}…{c} (quotes=curly)")
        return c

    def closer_glyph(self, opener: _Open) -> str:
        return '"' if opener.glyph == '"' else self.style.closer_for(opener.glyph)

    def fix_closer_as_opener(self, i: int, g: str, l: str, r: str, start: int, end: int) -> None:
        o = self.style.opener_for(g)
        if l == "" and r == " " and i + 2 < end and self.text[i + 2].isalnum():
            k = self.add(i, i + 2, o, "quote_direction",
                         f"closing quote {g} opens the paragraph; made {o} (and the stray space removed)")
        elif (l == "" or l.isspace()) and r.isalnum():
            k = self.add(i, i + 1, o, "quote_direction", f"closing quote {g} used to open a quotation; made {o}")
        else:
            return
        self.stack.append(_Open(i, o, len(self.stack), k))

    def fix_closer_spacing(self, i: int, g: str, l: str, r: str, start: int, end: int, opener: _Open,
                           check_left: bool = True) -> None:
        style = self.style
        moved = False
        if style.inner_space and g == style.primary[1]:
            if check_left and l and l not in _INNER_SPACES and i > opener.pos + 1:
                self.add(i, i, style.inner_space, "quote_spacing",
                         self.inner_reason())
        elif (check_left and l == " " and i - 2 >= start and not self.text[i - 2].isspace()
              and i - 1 > opener.pos + 1 and r != "" and not r.isspace() and r not in ".,;:!?"):
            # `debate »said`: the space belongs after the mark, not before it.
            self.add(i - 1, i, "", "quote_spacing", "stray space before closing quote")
            moved = True
        if r.isalnum() and (moved or l.isalnum() or l in _SENTENCE_END):
            self.add(i + 1, i + 1, " ", "quote_spacing", "missing space after closing quote", quote=g)

    def unify(self, opener: _Open, i: int, closer: str, *, policy_reason: bool = False, why: str = "") -> None:
        """A quotation opened and closed in two styles: both marks get one style.

        Straight with curly: the straight mark takes the curly one's shape (or
        both go straight in a straight-quote document). Two curly styles (‘…»):
        the language's pair for the nesting level.
        """
        straight = [q for q in (opener.glyph, closer) if q in "\"'"]
        if straight and self.policy != "curly":
            if self.dominant == "straight":
                o = c = straight[0]
            elif opener.glyph in "\"'":
                o, c = self.style.opener_for(closer), closer
            else:
                o, c = opener.glyph, self.closer_glyph(opener)
        else:
            o, c = self.style.pair(opener.level)
        if policy_reason:
            why = f"quote pair {opener.glyph}…{closer} made {o}…{c} (quotes=curly)"
        elif why:
            why = f"{why} to {o}…{c}"
        else:
            why = f"quotation opened with {opener.glyph} and closed with {closer}; unified to {o}…{c}"
        self.restyle(opener, o, "quote_style", why)
        if policy_reason or self.policy == "curly":
            self.space_inside(opener, i, c)
        if closer != c:
            self.add(i, i + 1, c, "quote_style", why)

    def space_inside(self, opener: _Open, i: int, closer: str) -> None:
        """Under quotes=curly, give a newly made « … » the language's inner spaces."""
        sp = self.style.inner_space
        if not sp or (opener.glyph, closer) != self.style.primary or i <= opener.pos + 1:
            return
        if opener.edit is not None and self.edits[opener.edit].end > opener.pos + 1:
            return  # the opener's edit already reaches past it
        why = self.inner_reason()
        if self.text[opener.pos + 1] not in _INNER_SPACES:
            self.add(opener.pos + 1, opener.pos + 1, sp, "quote_spacing", why)
        if self.text[i - 1] not in _INNER_SPACES:
            self.add(i, i, sp, "quote_spacing", why)

    def restyle(self, opener: _Open, glyph: str, rule: str, reason: str) -> None:
        if opener.edit is not None:
            # The opener was already rewritten (direction): restyle that edit instead of adding one.
            old = self.edits[opener.edit]
            self.edits[opener.edit] = Edit(old.start, old.end, old.before, glyph, old.rule,
                                           old.reason + f"; {reason}", old.evidence)
        elif glyph != self.text[opener.pos]:
            opener.edit = self.add(opener.pos, opener.pos + 1, glyph, rule, reason)
        opener.glyph = glyph


def repair_quotes(text: str, *, lang: str | None = None, policy: str = "preserve",
                  style: QuoteStyle | None = None) -> tuple[str, list[Edit]]:
    """Repair quote direction, pairing, style mixtures, spacing and apostrophes.

    With ``policy="straight"`` the repaired quotes are then made ASCII. Returns the new text and one edit per change (offsets into *text*).
    """
    passes = [lambda t: settle_quote_edits(t, lang=lang, policy=policy, style=style)]
    passes.append(straighten_quotes if policy == "straight" else space_straight_closers)
    return run_passes(text, passes)


def quote_edits(text: str, *, lang: str | None = None, policy: str = "preserve",
                style: QuoteStyle | None = None) -> list[Edit]:
    """The edits of the quote state machine (no straightening; see :func:`straighten_quotes`)."""
    check_policy(policy)
    if policy != "curly" and not _HAS_CURLY.search(text):
        return []  # straight quotes carry no direction: nothing here can be repaired safely
    style = style or resolve_quote_style(lang)
    walker = _Walker(text, style, policy, detect_dominant_style(text), detect_apostrophe(text), [])
    needs = _MARK_CURLY_MODE if policy == "curly" else _HAS_CURLY
    for line in _LINE.finditer(text):
        if needs.search(text, line.start(), line.end()):
            walker.stack = []
            walker.walk(line.start(), line.end())
    edits = [e for e in walker.edits if e.before != e.after]
    edits.sort(key=lambda e: (e.start, e.end))
    return _drop_collisions(edits)


def settle_quote_edits(text: str, *, lang: str | None = None, policy: str = "preserve",
                       style: QuoteStyle | None = None, rounds: int = 4) -> list[Edit]:
    """:func:`quote_edits` repeated on its own output until nothing changes.

    One repair can reveal another (a mark turned round changes how the next
    one pairs); settling here keeps the stage idempotent. Clean text costs one
    round.
    """
    edits = quote_edits(text, lang=lang, policy=policy, style=style)
    current = text
    step = edits
    for _ in range(rounds - 1):
        if not step:
            break
        current = apply_edits(current, step)
        step = quote_edits(current, lang=lang, policy=policy, style=style)
        if step:
            edits = compose(edits, step)
    return edits


def _drop_collisions(edits: Sequence[Edit]) -> list[Edit]:
    # Two rules claiming the same characters: keep the first, the text stays valid.
    out: list[Edit] = []
    pos = -1
    for e in edits:
        if e.start < pos or (out and e.start == e.end == out[-1].start == out[-1].end):
            continue
        out.append(e)
        pos = max(e.end, pos)
    return out


# `"We will win,"he said`: a straight quote after sentence punctuation and before a
# lowercase word can only be a closing quote with its space missing.
_GLUED_STRAIGHT_CLOSER = regex.compile(r'(?<=[\p{L}\p{N}][.!?,])"(?=\p{Ll})')


def space_straight_closers(text: str) -> list[Edit]:
    """Insert the missing space after a straight closing quote glued to the next word."""
    if '"' not in text:
        return []
    return [
        Edit(m.end(), m.end(), "", " ", "punctuation.quote_spacing", "missing space after closing quote",
             {"quote": '"'})
        for m in _GLUED_STRAIGHT_CLOSER.finditer(text)
    ]


_STRAIGHTEN = {**{c: '"' for c in CURLY_DOUBLE}, **{c: "'" for c in CURLY_SINGLE}}
_CURLY_RUN = re.compile(r"[“”„‟«»‘’‚‛‹›]")


def straighten_quotes(text: str) -> list[Edit]:
    """Policy ``straight``: every typographic quote and apostrophe becomes ASCII."""
    return [
        Edit(m.start(), m.end(), m.group(), _STRAIGHTEN[m.group()], "punctuation.quote_style",
             "typographic quote made straight (quotes=straight)")
        for m in _CURLY_RUN.finditer(text)
    ]
