"""Foreign-language fragments: find the text that is not in the document's language.

Two detectors, the cheap and certain one first:

* **by script**: a run of Greek, Cyrillic, Arabic, CJK… words inside Latin-script
  text (and a run of Latin words inside text in another script) is a fragment.
  The ``regex`` module's Unicode script properties find it; langdetect only
  names the language when a script is shared by several (Cyrillic: ru/uk/bg/mk).
* **by language**: an untranslated French or Romanian clause inside English.
  Every word is looked up in a common-word list of the document's language;
  only where a sliding window holds many words the list does not know (or that
  are far more frequent in another language) does langdetect run, seeded, on
  the sentence or clause, with confidence and length thresholds.

Not fragments: glossary names, capitalized name sequences, URLs, e-mail
addresses, hashtags and mentions, code, product codes, numbers with units,
single letters used as symbols (``α-helix``, ``ΔT``, ``5 µm``), and, when
configured, quoted titles.

The stage edits nothing; it records :class:`~mtclean.pipeline.document.Span`
objects (kind ``fragment``) that the translate stage and the report read.

>>> [(s.text, s.lang, s.method) for s in find_fragments("Sanctions on [παγωμένα ρωσικά] assets.", lang="en")]
[('παγωμένα ρωσικά', 'el', 'script')]
"""

from __future__ import annotations

import bisect
import json
import operator
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache, partial
from importlib import resources
from itertools import accumulate, compress, repeat
from typing import Callable, Hashable, Iterable, Sequence

import regex

from mtclean.pipeline import language
from mtclean.pipeline.chars import non_ascii_chars
from mtclean.pipeline.document import Document, Span
from mtclean.pipeline.errors import ConfigError
from mtclean.pipeline.stage import Stage, StageConfig


@dataclass(frozen=True)
class FragmentsConfig(StageConfig):
    """Options of the fragments stage.

    The defaults are tuned for precision on clean English news (at most one
    false span per 100,000 words) with good recall for untranslated clauses of
    four words or more; lower ``min_words`` or ``min_confidence`` to find
    shorter fragments at the cost of more false alarms.
    """

    by_script: bool = True  # runs of words in another script
    by_language: bool = True  # same-script fragments (langdetect), where a common-word list exists
    min_script_letters: int = 3  # a lone foreign-script word needs this many letters (α, Δ, µ are symbols)
    min_words: int = 4  # a same-script fragment has at least this many words
    min_confidence: float = 0.9  # langdetect probability of a same-script fragment's language
    window: int = 5  # words in the cheap check's sliding window
    suspicion: float = 2.5  # window score from which langdetect is consulted
    foreign_share: float = 0.5  # share of a candidate's scored words that must look foreign
    skip_names: bool = True  # capitalized name sequences are not fragments (same script; Latin inside other scripts)
    skip_quoted_titles: bool = False  # text in quotation marks of at most max_title_words words is a title
    max_title_words: int = 12
    glossary_dirs: tuple[str, ...] = ()
    shipped_glossaries: bool = True

    def __post_init__(self) -> None:
        checks = [
            ("min_confidence", 0.0 <= self.min_confidence <= 1.0, "a probability from 0 to 1"),
            ("foreign_share", 0.0 <= self.foreign_share <= 1.0, "a share from 0 to 1"),
            ("window", self.window >= 2, "at least 2"),
            ("min_words", self.min_words >= 1, "at least 1"),
            ("min_script_letters", self.min_script_letters >= 1, "at least 1"),
            ("max_title_words", self.max_title_words >= 1, "at least 1"),
        ]
        for key, ok, what in checks:
            if not ok:
                raise ConfigError(f"fragments.{key} must be {what}, not {getattr(self, key)!r}")


# -- data ------------------------------------------------------------------------


@dataclass(frozen=True)
class ScriptGroup:
    name: str
    scripts: tuple[str, ...]
    langs: tuple[str, ...]
    host_langs: tuple[str, ...]
    char: regex.Pattern
    run: regex.Pattern


def _word_syntax(letter: str, inner: str) -> str:
    """A word: a *letter*, then *inner* characters, pieces joined by apostrophes or hyphens (чего-то, l'État)."""
    return rf"[{letter}][{inner}]*(?:['’ʼ\-‐][{letter}][{inner}]*)*"


def _word_classes(scripts: tuple[str, ...]) -> tuple[str, str]:
    """The character classes of a word in *scripts*: its first letter, and letters and marks."""
    letters = "".join(rf"\p{{{s}}}" for s in scripts)
    return letters, rf"{letters}\p{{M}}\u200c\u200d"


@lru_cache(maxsize=32)
def _word_pattern(scripts: tuple[str, ...]) -> regex.Pattern:
    """A word in *scripts*: letters and marks, joined by apostrophes or hyphens (чего-то, l'État)."""
    return regex.compile(_word_syntax(*_word_classes(scripts)))


@lru_cache(maxsize=32)
def _bmp_word_pattern(scripts: tuple[str, ...]) -> re.Pattern:
    """:func:`_word_pattern` for text without characters beyond U+FFFF, compiled by the standard ``re``.

    Finding the words is the largest cost on clean text, and ``re`` scans a plain
    character set about twice as fast as ``regex`` tests Unicode script properties.
    Each set holds the characters ``regex``'s own tables give the properties, so
    both patterns find the same words. Only the BMP is listed: characters beyond
    it would make ``re`` try a long list of ranges at every position, so text that
    has some keeps :func:`_word_pattern` (see :attr:`_Lazy.bmp`).
    """
    letter, inner = _word_classes(scripts)
    return re.compile(_word_syntax(_bmp_class(letter), _bmp_class(inner)))


def _bmp_class(members: str) -> str:
    """The BMP characters of the ``regex`` character class ``[members]``, as ranges for ``re``."""
    bmp = "".join(map(chr, [*range(0xD800), *range(0xE000, 0x10000)]))  # all but surrogates
    ranges: list[list[int]] = []
    for ch in regex.findall(rf"[{members}]", bmp):
        if ranges and ord(ch) == ranges[-1][1] + 1:
            ranges[-1][1] += 1
        else:
            ranges.append([ord(ch), ord(ch)])
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)


def _data(name: str) -> dict:
    return json.loads(resources.files("mtclean.stages").joinpath("data", name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def script_groups() -> dict[str, ScriptGroup]:
    """The script groups of ``data/fragment_scripts.json``, with their compiled patterns."""
    groups = {}
    for name, g in _data("fragment_scripts.json")["groups"].items():
        scripts = tuple(g["scripts"])
        letters = "".join(rf"\p{{{s}}}" for s in scripts)
        word = _word_pattern(scripts).pattern
        # Between two words of the run: spaces (not line breaks), punctuation, symbols, digits.
        sep = r"(?:[^\S\n]|[\p{P}\p{S}\d\u200c\u200d\u02bc])+"
        groups[name] = ScriptGroup(
            name=name,
            scripts=scripts,
            langs=tuple(g["langs"]),
            host_langs=tuple(g["host_langs"]),
            char=regex.compile(rf"[{letters}]"),
            run=regex.compile(rf"{word}(?:{sep}{word})*"),
        )
    return groups


def common_words(lang: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]] | None:
    """(common words, those more frequent in another language, the others) for *lang*; None without a list."""
    lists = language.common_words(lang)
    return (lists.words, lists.shared, lists.own) if lists else None


@lru_cache(maxsize=256)  # a handful of language codes, looked up several times per document
def _base(lang: str | None) -> str:
    return (lang or "").lower().split("-")[0].split("_")[0]


def host_group(lang: str | None, text: str) -> ScriptGroup:
    """The script group the document is written in: from its language, else its most frequent script."""
    group = _language_group(lang)
    if group is not None:
        return group
    groups = script_groups()
    counts = {name: len(g.char.findall(text[:20000])) for name, g in groups.items()}
    return groups[max(counts, key=counts.get)] if any(counts.values()) else groups["latin"]


@lru_cache(maxsize=256)
def _language_group(lang: str | None) -> ScriptGroup | None:
    """The script group whose host languages include *lang*, if one does."""
    code = (lang or "").lower()
    for g in script_groups().values():
        if code in g.host_langs or _base(code) in g.host_langs:
            return g
    return None


# -- things that are never fragments ------------------------------------------------

_TLD = r"\.(?:com|org|net|gov|edu|info|io|eu|uk|de|fr|ru|gr|ua|рф|укр)\b"
_DOMAIN = r"\b[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*" + _TLD + r"(?:/\S*)?"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_CODE_CHAR = r"[\p{Latin}\p{Greek}\p{Cyrillic}\p{N}]"
_PRODUCT_CODE = (r"\b(?=[\p{Latin}\p{Greek}\p{Cyrillic}\p{N}-]*\p{N})(?=[\p{Latin}\p{Greek}\p{Cyrillic}\p{N}-]*\p{L})"
                 rf"{_CODE_CHAR}+(?:-{_CODE_CHAR}+)*\b")

# Each alternative with what it needs to match at all: one of some substrings, or a match
# of a pattern much cheaper than the alternative (None: no cheap test).
_PROTECTED_PARTS: tuple[tuple[tuple[str, ...] | regex.Pattern | None, str], ...] = (
    (("://",), r"(?:https?|ftp)://\S+"),  # URLs
    (("www.",), r"\bwww\.\S+"),
    (regex.compile(_TLD), _DOMAIN),  # domains
    (("@",), _EMAIL),  # e-mail addresses
    (("#", "@"), r"(?<![\w&])[\#@][\p{L}\p{M}\p{N}_]+"),  # hashtags, mentions
    (("```",), r"```.*?```"),  # code blocks and inline code
    (("`",), r"`[^`\n]+`"),
    (("_",), r"\b[\p{L}\p{N}]+(?:_[\p{L}\p{N}]+)+\b"),  # snake_case identifiers
    (("()",), r"\b[\p{L}\p{N}_.]+\(\)"),  # calls: foo()
    (None, _PRODUCT_CODE),  # product codes: Су-35, XR500
    (None, r"\d+(?:[.,]\d+)*\s?(?:[\p{Latin}µμΩ°%]{1,3}(?:/[\p{Latin}µμ]{1,3})?)(?![\p{L}\p{M}])"),  # measures: 5 µm, 3 mΩ
)


@dataclass(frozen=True)
class _Cue:
    """Where an alternative of the protected scan can match at all.

    Each match needs a match of *cue* at or after its start, and lies between
    the start of the run of *before* characters that ends at that cue and the
    end of the run of *after* characters that starts there (it may read one
    character more). The alternation tries the alternative at every position of
    the text; :meth:`search` tries it only around the cues.
    """

    cue: regex.Pattern
    before: str  # a character class
    after: str

    def search(self, pattern: regex.Pattern, text: str, pos: int) -> regex.Match | None:
        """``pattern.search(text, pos)`` for the alternative, looking only around the cues.

        No match starts before the stretch around the first cue from *pos*: it would
        need a cue of its own, earlier. So the search looks into that stretch (and one
        character more, which a final \\b or lookahead may read), then on from the next cue.
        """
        back, forth = _class_run(self.before, True), _class_run(self.after, False)
        while (cue := self.cue.search(text, pos)) is not None:
            start = back.match(text, pos, cue.start()).start()
            end = forth.match(text, cue.start()).end()
            m = pattern.search(text, start, end + 1)
            if m is not None:
                return m
            pos = end
        return None


@lru_cache(maxsize=None)
def _class_run(char_class: str, backwards: bool) -> regex.Pattern:
    return regex.compile(rf"{char_class}*", regex.REVERSE if backwards else 0)


# The dearest alternatives, searched apart around their cues. A domain holds its top-level
# domain, with only letters, digits, dots and hyphens before it, no space after it. An
# e-mail address holds one @, with only word characters, dots, plus signs and hyphens
# before it, no space after it. A product code needs a digit (its first lookahead) in the
# run of code characters and hyphens it starts in, and stays in that run.
_SEARCHED_APART: dict[str, _Cue] = {
    _DOMAIN: _Cue(regex.compile(_TLD), r"[\p{L}\p{N}.\-]", r"\S"),
    _EMAIL: _Cue(regex.compile("@"), r"[\w.+\-]", r"\S"),
    _PRODUCT_CODE: _Cue(regex.compile(r"\p{N}"), r"[\p{Latin}\p{Greek}\p{Cyrillic}\p{N}\-]",
                        r"[\p{Latin}\p{Greek}\p{Cyrillic}\p{N}\-]"),
}


@lru_cache(maxsize=None)
def _protected_pattern(present: tuple[bool, ...]) -> regex.Pattern | None:
    """The alternation of the parts flagged in *present* (compiled on first use), None if none is."""
    parts = [part for (_, part), keep in zip(_PROTECTED_PARTS, present) if keep]
    return regex.compile("|".join(parts), regex.DOTALL) if parts else None


_PROTECTED = _protected_pattern((True,) * len(_PROTECTED_PARTS))  # what protected_ranges finds, done plainly


def protected_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges that hold URLs, e-mail addresses, hashtags, code, product codes or measures.

    The same ranges as ``_PROTECTED.finditer(text)``, found faster:

    * the scan tries every alternative at every position; an alternative whose required
      characters (@, #, `, _, a top-level domain...) are nowhere in the text can never
      match, and leaving it out changes no match (the alternation is leftmost-first,
      alternatives are independent) while making the scan of plain prose markedly cheaper;
    * the dearest alternatives (domains, e-mail addresses, product codes) are searched
      apart, only around their cues (:class:`_Cue`), the others in alternations of
      neighbours, and the matches merged as the whole alternation would pick them
      (:func:`_leftmost_first`).
    """
    present = tuple(_may_match(need, text) for need, _ in _PROTECTED_PARTS)
    return _leftmost_first(text, _protected_searches(present))


def _may_match(need: tuple[str, ...] | regex.Pattern | None, text: str) -> bool:
    if need is None:
        return True
    if isinstance(need, tuple):
        return any(x in text for x in need)
    return need.search(text) is not None


@lru_cache(maxsize=None)
def _protected_searches(present: tuple[bool, ...]) -> list[Callable[[str, int], regex.Match | None]]:
    """``search(text, pos)`` for the parts flagged in *present*, in order: one per part searched
    apart, one per stretch of neighbours between them."""
    searches = []
    group = [False] * len(present)  # the neighbours gathered so far
    for i, ((_, part), keep) in enumerate(zip(_PROTECTED_PARTS, present)):
        if not keep:
            continue
        if part in _SEARCHED_APART:
            if any(group):
                searches.append(_protected_pattern(tuple(group)).search)
                group = [False] * len(present)
            searches.append(partial(_SEARCHED_APART[part].search, regex.compile(part, regex.DOTALL)))
        else:
            group[i] = True
    if any(group):
        searches.append(_protected_pattern(tuple(group)).search)
    return searches


def _leftmost_first(text: str, searches: list[Callable[[str, int], regex.Match | None]]) -> list[tuple[int, int]]:
    """The spans that ``finditer`` of the alternation ``A|B|...`` finds, given ``search(text, pos)``
    of each alternative (in order): at each step, the match that starts first, the earlier
    alternative on a tie, then on from its end. (No alternative matches the empty string.)"""
    found = [search(text, 0) for search in searches]
    out: list[tuple[int, int]] = []
    pos = 0
    while True:
        best = None
        for i, m in enumerate(found):
            if m is not None and m.start() < pos:  # inside the last match: search again from its end
                m = found[i] = searches[i](text, pos)
            if m is not None and (best is None or m.start() < best.start()):
                best = m
        if best is None:
            return out
        out.append(best.span())
        pos = best.end()


class _Lazy:
    """Per-text facts computed on first use: clean text seldom needs the ranges."""

    def __init__(self, text: str, names: "NameMatcher | None"):
        self.text = text
        self.names = names
        self._protected: list[tuple[int, int]] | None = None
        self._names: list[tuple[int, int]] | None = None
        self._chars: frozenset[str] | None = None
        self._blocked: list[tuple[int, int]] | None = None

    @property
    def chars(self) -> frozenset[str]:
        """The distinct non-ASCII characters of the text: a few dozen in English news, found in one quick scan."""
        if self._chars is None:
            self._chars = non_ascii_chars(self.text)
        return self._chars

    @property
    def lower_keeps_non_ascii(self) -> bool:
        """Whether lower() changes no character of the text but ASCII letters."""
        return not self.chars or all(c.lower() == c for c in self.chars)

    @property
    def bmp(self) -> bool:
        """Whether the text has no character beyond U+FFFF (emoji, historic scripts)."""
        return not self.chars or max(self.chars) <= "\uffff"

    def word_pattern(self, scripts: tuple[str, ...]) -> re.Pattern | regex.Pattern:
        """The fastest pattern that finds the words in *scripts* of this text exactly."""
        return _bmp_word_pattern(scripts) if self.bmp else _word_pattern(scripts)

    @property
    def protected(self) -> list[tuple[int, int]]:
        if self._protected is None:
            self._protected = protected_ranges(self.text)
        return self._protected

    @property
    def name_ranges(self) -> list[tuple[int, int]]:
        if self._names is None:
            self._names = _union(self.names.ranges(self.text)) if self.names else []
        return self._names

    @property
    def blocked(self) -> list[tuple[int, int]]:
        """Protected stretches and names together (sorted and disjoint): no fragment is found in them."""
        if self._blocked is None:
            self._blocked = _union([*self.protected, *self.name_ranges])
        return self._blocked


def _union(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, non-overlapping ranges covering the same characters (what :func:`_overlaps` needs)."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _overlaps(ranges: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps one of *ranges* (sorted and disjoint)."""
    i = bisect.bisect_right(ranges, (start, float("inf"))) - 1
    for a, b in ranges[max(i, 0): i + 2]:
        if a < end and start < b:
            return True
    return False


_QUOTED = regex.compile(r'"[^"\n]+"|“[^”\n]+”|„[^“”\n]+[“”]|«[^»\n]+»|‘[^’\n]+’|\'[^\'\n]+\'')


def quoted_titles(text: str, max_words: int) -> list[tuple[int, int]]:
    """Quoted stretches of at most *max_words* words: titles of films, books, songs…"""
    return [m.span() for m in _QUOTED.finditer(text) if len(m.group().split()) <= max_words]


class NameMatcher:
    """Finds known names (glossary forms) in a text, on word boundaries, case-insensitively."""

    def __init__(self, names: Iterable[str]):
        import ahocorasick

        self.keys = frozenset(_key(n) for n in names if n and n.strip())
        self._auto = None
        forms = {_key(n) for n in names if len(n.strip()) >= 2}
        if forms:
            auto = ahocorasick.Automaton()
            for form in forms:
                auto.add_word(form, len(form))
            auto.make_automaton()
            self._auto = auto

    def __bool__(self) -> bool:
        return bool(self.keys)

    def ranges(self, text: str) -> list[tuple[int, int]]:
        if self._auto is None:
            return []
        folded = text.casefold()
        if len(folded) != len(text):  # ß -> ss and the like: fold per character so offsets stay exact
            folded = "".join(f if len(f := c.casefold()) == 1 else c for c in text)
        out = []
        for end, length in self._auto.iter(folded):
            start, stop = end + 1 - length, end + 1
            if (start == 0 or not _is_wordchar(text[start - 1])) and (stop == len(text) or not _is_wordchar(text[stop])):
                out.append((start, stop))
        return sorted(out)

    def is_name(self, text: str) -> bool:
        return _key(text) in self.keys


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@lru_cache(maxsize=None)  # one entry per distinct character: far cheaper than asking unicodedata again
def _is_wordchar(ch: str) -> bool:
    return ch.isalnum() or unicodedata.category(ch).startswith("M")


# -- detection by script ------------------------------------------------------------


@lru_cache(maxsize=32)
def _foreign_letter(scripts: tuple[str, ...]) -> regex.Pattern:
    """A letter of any script but *scripts* (and not a Common/Inherited one such as ʻ or µ)."""
    own = "".join(rf"\p{{{s}}}" for s in scripts)
    return regex.compile(rf"[\p{{L}}--[{own}\p{{Common}}\p{{Inherited}}]]", regex.V1)


_CAPITALIZED = regex.compile(r"\p{Lu}[\p{Ll}\p{M}'’\-]*(?:[\-'’]\p{Lu}[\p{Ll}\p{M}]*)*|\p{Lu}[\p{Lu}\p{M}]+")
_KANA = regex.compile(r"[\p{Hiragana}\p{Katakana}]")
_HANGUL = regex.compile(r"\p{Hangul}")


def find_script_fragments(
    text: str,
    *,
    lang: str | None,
    config: FragmentsConfig = FragmentsConfig(),
    names: NameMatcher | None = None,
    lazy: _Lazy | None = None,
) -> list[Span]:
    """Runs of words written in another script than the document's."""
    host = host_group(lang, text)
    lazy = lazy or _Lazy(text, names)
    foreign = _foreign_letter(host.scripts)
    if host.name == "latin" and not any(map(foreign.match, lazy.chars)):
        return []  # ASCII has no letter of another script: looking at each distinct other character is enough
    groups = script_groups()
    spans: list[Span] = []
    pos = 0
    while True:
        m = foreign.search(text, pos)
        if m is None:
            break
        group = _letter_group(host.name, m.group())
        if group is None:  # a letter of a script no group covers: step over it
            pos = m.end()
            continue
        run = group.run.match(text, m.start())
        pos = max(run.end(), m.end()) if run else m.end()
        if not run:
            continue
        for piece in _run_pieces(text, group, run.start(), run.end(), lazy):
            span = _script_span(text, piece, group, config, names)
            if span is not None:
                spans.append(span)
    return _name_languages(spans, groups)


@lru_cache(maxsize=4096)  # a few letters per document: the same few dozen lookups again and again
def _letter_group(host: str, letter: str) -> ScriptGroup | None:
    """The script group, other than *host*, that *letter* is written in (None if no group covers it)."""
    return next((g for name, g in script_groups().items() if name != host and g.char.match(letter)), None)


def _name_languages(spans: list[Span], groups: dict[str, ScriptGroup]) -> list[Span]:
    """Give script spans of a shared script (Cyrillic: ru, uk, bg, mk) one language per document and script:
    langdetect on all of them together knows more than on two words, and runs once."""
    by_group: dict[str, list[int]] = {}
    for i, sp in enumerate(spans):
        if sp.lang == "":
            by_group.setdefault(sp.kind, []).append(i)
    out = list(spans)
    for name, idx in by_group.items():
        group = groups[name]
        lang, confidence = _script_language(" ".join(spans[i].text for i in idx), group)
        for i in idx:
            sp = spans[i]
            out[i] = Span(sp.start, sp.end, sp.text, lang, confidence, sp.method, "fragment")
    return out


def _run_pieces(text: str, group: ScriptGroup, start: int, end: int, lazy: _Lazy) -> list[list[tuple[int, int]]]:
    """The words of the run text[start:end] that are language: not glued to other letters or digits,
    not in a protected stretch or a name; in pieces that no dropped word interrupts."""
    words = _run_words(group, text, start, end)
    digits = group.name != "cjk"
    plain = _plain_gaps(text, group, start, end)
    if plain and len(words) > 2:
        # Then no word inside the run is glued: only the outer neighbours of its first and last words may glue them.
        first, last = words[0], words[-1]
        words = words[1:-1]
        if not _glued(text, *first, digits=digits):
            words.insert(0, first)
        if not _glued(text, *last, digits=digits):
            words.append(last)
    else:
        words = [w for w in words if not _glued(text, *w, digits=digits)]
    if _overlaps(lazy.blocked, start, end):  # seldom: then look at each word
        words = [w for w in words if not _overlaps(lazy.blocked, *w)]
        plain = False
    if plain:  # what is left is one stretch of words with plain separators between them
        return [words] if words else []
    return _contiguous(text, words)


def _run_words(group: ScriptGroup, text: str, start: int, end: int) -> list[tuple[int, int]]:
    word = _word_pattern(group.scripts)
    return [w.span() for w in word.finditer(text, start, end)]


def _plain_gaps(text: str, group: ScriptGroup, start: int, end: int) -> bool:
    """Whether the characters between the words of text[start:end] are all plain separators
    (spaces, punctuation...): neither glue nor join words (see :func:`_glued`, :func:`_only_separators`)."""
    gaps = _word_pattern(group.scripts).sub("", text[start:end])
    return all(map(_is_plain_gap, set(gaps)))


@lru_cache(maxsize=None)
def _is_plain_gap(ch: str) -> bool:
    # Elision marks count as spaces next to a word (l’État, Γιʼ αυτό); hyphens glue (α-helix).
    return ch in _ELISION or not (_is_wordchar(ch) or ch in "-‐")


_ELISION = "'’ʼ"


def _glued(text: str, start: int, end: int, *, digits: bool = True) -> bool:
    """A word stuck to letters or digits of another script (ΔT, 5µm, α-helix) is a symbol, not language.

    Ideographic text writes numbers without spaces (我1978年), so there *digits* is False.
    """
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    before = " " if before in _ELISION else before  # Γιʼ αυτό, l’État: an elided word, not a glued one
    after = " " if after in _ELISION else after
    if (_is_wordchar(before) and (digits or not before.isdigit())) or (
            _is_wordchar(after) and (digits or not after.isdigit())):
        return True
    if before in "-‐" and start > 1 and _is_wordchar(text[start - 2]):
        return True
    if after in "-‐" and end + 1 < len(text) and _is_wordchar(text[end + 1]):
        return True
    return False


def _contiguous(text: str, words: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Split the kept words of a run where a dropped word (a symbol, a URL) was between them."""
    pieces: list[list[tuple[int, int]]] = []
    for w in words:
        if pieces and _only_separators(text, pieces[-1][-1][1], w[0]):
            pieces[-1].append(w)
        else:
            pieces.append([w])
    return pieces


def _only_separators(text: str, a: int, b: int) -> bool:
    return not any(map(_is_word_letter, text[a:b]))


@lru_cache(maxsize=None)
def _is_word_letter(ch: str) -> bool:
    """A character that joins two words into one: a word character, but no digit or elision mark."""
    return _is_wordchar(ch) and not ch.isdigit() and ch not in _ELISION


_PAIRS = {"(": ")", "[": "]", "{": "}", "«": "»", "“": "”", "„": "“", "‹": "›", "「": "」", "『": "』", "（": "）"}


_OPENER = regex.compile("[" + regex.escape("".join(_PAIRS)) + "]")


def _balance(text: str, start: int, end: int) -> int:
    """The span's end, moved past a closing bracket or quote whose opener is inside the span
    (`Паркинг (Санкт-Петербург)`), so a span never opens what it does not close."""
    if not _OPENER.search(text, start, end):  # most spans open nothing: skip the walk through their characters
        return end
    stack = []
    for ch in text[start:end]:
        if stack and ch == stack[-1]:
            stack.pop()
        elif ch in _PAIRS:
            stack.append(_PAIRS[ch])
    while stack and end < len(text) and text[end] == stack[-1]:
        stack.pop()
        end += 1
    return end


def _script_span(text, words, group, config, names) -> Span | None:
    start, end = words[0][0], words[-1][1]
    end = _balance(text, start, end)
    chunk = text[start:end]
    letters = sum(map(str.isalpha, chunk))
    ideographic = group.name == "cjk"
    if len(words) == 1 and letters < (2 if ideographic else config.min_script_letters):
        return None  # a lone letter or abbreviation used as a symbol
    if not ideographic and not any(e - s >= 2 for s, e in words):
        return None  # α β γ: a list of symbols
    if names and names.is_name(chunk):
        return None
    if config.skip_names and group.name == "latin" and all(_CAPITALIZED.fullmatch(text[s:e]) for s, e in words):
        return None  # a name or acronym kept in Latin script (MWP, Twitter, Donald Trump)
    if len(group.langs) == 1:
        return Span(start, end, chunk, group.langs[0], 1.0, "script", "fragment")
    # Language named later, once for all spans of this script (kind holds the group meanwhile).
    return Span(start, end, chunk, "", 1.0, "script", group.name)


def _script_language(chunk: str, group: ScriptGroup) -> tuple[str, float]:
    if len(group.langs) == 1:
        return group.langs[0], 1.0
    langs = group.langs
    if group.name == "cjk":
        if _HANGUL.search(chunk):
            return "ko", 1.0
        if _KANA.search(chunk):
            return "ja", 1.0
        langs = tuple(x for x in langs if x != "ko")  # Han without Hangul is not Korean text
    guesses = [g for g in language.guesses(chunk, max_chars=2000) if g.lang in langs]
    if not guesses:
        return langs[0], 0.5
    total = sum(g.prob for g in guesses)
    return guesses[0].lang, guesses[0].prob / total if total else 0.5


# -- detection by language (same script) ---------------------------------------------

_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'"})
_CLITICS = ("'s", "'t", "'re", "'ve", "'ll", "'d", "'m")
_SENTENCE_END = regex.compile(r"[.!?…]+[\"”»’')\]]*\s+|\n+|(?<=[.!?…][\"”»’')\]]*)$")
_CLAUSE_BREAK = regex.compile(r"[,;:()\[\]{}\"“”«»„‟‹›—–]|\s-\s")


def _word_score(word: str, common: frozenset[str], shared: frozenset[str]) -> float:
    """Foreign evidence of one word: +1 unknown, +1.5 unknown with letters outside ASCII,
    +0.5 more frequent in another language, -1 common in the document's language, 0 name-like."""
    low = word.lower().translate(_APOSTROPHES)
    if low in shared:
        return 0.5
    if low in common:
        return -1.0
    if "'" in low:
        for c in _CLITICS:
            if low.endswith(c) and low[: -len(c)] in common:
                return -1.0
    if word[0].isupper() or word.isupper():
        return 0.0  # a name, an acronym, or a capitalized noun: no evidence either way
    return 1.0 if low.isascii() else 1.5


def find_language_fragments(
    text: str,
    *,
    lang: str,
    config: FragmentsConfig = FragmentsConfig(),
    names: NameMatcher | None = None,
    lazy: _Lazy | None = None,
) -> list[Span]:
    """Stretches in another language written in the document's own script (needs a common-word list)."""
    if common_words(_base(lang)) is None:
        return []
    host = host_group(lang, text)
    lazy = lazy or _Lazy(text, names)
    word_re = lazy.word_pattern(host.scripts)
    # The hot path on clean text: one findall, then work per distinct word; the
    # per-token scores are only computed where foreign evidence could add up to a region.
    words = word_re.findall(text)
    if len(words) < config.min_words:
        return []
    vocabulary = _Vocabulary(text, words, lazy, host.scripts, _base(lang))
    if not _may_be_suspicious(vocabulary, config):
        return []
    scores = vocabulary.scores()
    regions = _suspicious_regions(scores, config)
    if not regions:
        return []
    tokens = [m.span() for m in word_re.finditer(text)]
    # Names and protected stretches give no evidence: zero them before looking closer.
    skip = _covered(tokens, lazy.blocked)
    for i in skip:
        scores[i] = 0.0
    spans: list[Span] = []
    done_until = -1
    for first, last in regions:
        for s_start, s_end in _sentences(text, tokens[first][0], tokens[last][1]):
            if s_end <= done_until:
                continue
            done_until = s_end
            spans.extend(_judge_sentence(text, tokens, scores, skip, s_start, s_end, lang, config))
    return _merge_adjacent(text, spans)


class _Vocabulary:
    """The tokens of a text as keys, and the score of each distinct key, computed once, on first use.

    A news article has about three tokens per distinct word, and most words are
    written as they stand in the plain list: a set difference drops those (they
    score -1), and only the few others (names, rare words) are lower-cased and
    looked at. When lower() changes only ASCII letters, a word's lower-cased
    form depends on the word alone, and the key is the word. Otherwise
    (lower-casing may change lengths: İ -> i̇, or depend on context: final sigma)
    the words are found again in the lower-cased text, and the key is the pair
    (word, lower-cased word).
    """

    def __init__(self, text: str, words: list[str], lazy: _Lazy, scripts: tuple[str, ...], lang: str):
        self.common, self.shared, self.plain = common_words(lang)
        self.keys: Sequence[Hashable]
        self._scores: dict[Hashable, float] = {}
        # The distinct keys not known to score -1, with their words and lower-cased words.
        self._others: list[Hashable]
        self._other_words: list[str]
        self._other_lows: list[str]
        if lazy.lower_keeps_non_ascii:
            self.keys = words
            self._others = self._other_words = list(set(words).difference(_plain_as_written(lang)))
            self._other_lows = _lower_each(self._others)
        else:
            self.keys = list(zip(words, _lower_in_text(text, words, _word_pattern(scripts))))
            self._others = list(set(self.keys))
            self._other_words = [word for word, _ in self._others]
            self._other_lows = [low for _, low in self._others]

    def score(self, key: Hashable) -> float:
        """A word of the plain list scores -1 (whatever its case), any other word :func:`_word_score`."""
        score = self._scores.get(key)
        if score is None:
            word, low = key if isinstance(key, tuple) else (key, _lower(key))
            score = self._scores[key] = -1.0 if low in self.plain else _word_score(word, self.common, self.shared)
        return score

    def scores(self) -> list[float]:
        """The score of every token."""
        table = {key: self.score(key) for key in self._others}
        return list(map(table.get, self.keys, repeat(-1.0)))

    def positive(self) -> dict[Hashable, float]:
        """The keys that score above zero, with their scores."""
        lows = self._other_lows
        # Only words outside the plain list can (more frequent elsewhere, or not common at all).
        maybe = set(lows).difference(self.plain)
        out = {}
        for key, word, low in compress(zip(self._others, self._other_words, lows), map(maybe.__contains__, lows)):
            # A capitalized word outside the shared list scores 0 or -1: no need to score it.
            if (low in self.shared or not word[0].isupper()) and (score := self.score(key)) > 0:
                out[key] = score
        return out


@lru_cache(maxsize=8)
def _plain_as_written(lang: str) -> frozenset[str]:
    """The words of *lang*'s plain list that are their own lower-cased form: a token spelled so scores -1."""
    return frozenset(w for w in common_words(lang)[2] if _lower(w) == w)


def _lower(word: str) -> str:
    """The lower-cased *word*, apostrophes unified."""
    low = word.lower()
    return low.translate(_APOSTROPHES) if "’" in low or "ʼ" in low else low


def _lower_each(words: list[str]) -> list[str]:
    """The lower-cased *words* (as :func:`_lower` does, but at C speed)."""
    # Words hold no line break: lower-case (and unify) them all in one string.
    joined = "\n".join(words).lower()
    if "’" in joined or "ʼ" in joined:  # str.translate is slow: only when there is something to unify
        joined = joined.translate(_APOSTROPHES)
    return joined.split("\n")


def _lower_in_text(text: str, words: list[str], word_re: regex.Pattern) -> list[str]:
    """The lower-cased words of *text* (apostrophes unified), one per item of *words*, found in the lower-cased text."""
    low_text = text.lower()
    if "’" in low_text or "ʼ" in low_text:
        low_text = low_text.translate(_APOSTROPHES)
    lows = word_re.findall(low_text)
    if len(lows) != len(words):
        lows = [w.lower().translate(_APOSTROPHES) for w in words]
    return lows


def _may_be_suspicious(vocabulary: _Vocabulary, config: FragmentsConfig) -> bool:
    """Whether :func:`_suspicious_regions` finds a region, decided without scoring every token.

    Most clean documents have none. A region needs positive scores summing to
    ``suspicion`` in the whole text, and a window holding three positive words
    whose total reaches ``suspicion``: only windows around such triples are
    summed. Scores are multiples of 0.5, so these sums equal the running sums of
    :func:`_suspicious_regions` exactly.
    """
    positive = vocabulary.positive()
    if not positive:
        return False
    keys, score = vocabulary.keys, vocabulary.score
    # The positions of the positive tokens, found at C speed (map and compress, no Python loop per token).
    at = list(compress(range(len(keys)), map(positive.__contains__, keys)))
    if sum(positive[keys[i]] for i in at) < config.suspicion:
        return False
    w, n = config.window, len(keys)
    tried: set[int] = set()
    for k in range(len(at) - 2):
        first, third = at[k], at[k + 2]
        if third - first >= w:
            continue
        # The windows [i, i + w) that hold both, as _suspicious_regions slides them.
        for i in range(max(0, third - w + 1), min(first, max(0, n - w)) + 1):
            if i not in tried:
                tried.add(i)
                if sum(score(keys[j]) for j in range(i, min(n, i + w))) >= config.suspicion:
                    return True
    return False


def _covered(tokens: list[tuple[int, int]], ranges: list[tuple[int, int]]) -> set[int]:
    """Indices of the *tokens* (sorted, disjoint) that overlap one of *ranges*: per range, two
    bisections find the tokens it touches, instead of one :func:`_overlaps` call per token."""
    if not ranges:
        return set()
    starts = [s for s, _ in tokens]
    ends = [e for _, e in tokens]
    out: set[int] = set()
    for a, b in ranges:
        # overlap: token end > a and token start < b
        out.update(range(bisect.bisect_right(ends, a), bisect.bisect_left(starts, b)))
    return out


def _suspicious_regions(scores: list[float], config: FragmentsConfig) -> list[tuple[int, int]]:
    """Token index ranges where a window of words holds enough foreign evidence: a total of
    ``suspicion`` or more and three positive scores (a shorter text is one window)."""
    is_positive = (0.0).__lt__  # s > 0
    if sum(filter(is_positive, scores)) < config.suspicion:
        return []
    n = len(scores)
    width = min(config.window, n)
    # Window totals from prefix sums, at C speed: scores are multiples of 0.5, so every
    # sum is exact, in whatever order its terms are added.
    totals = list(accumulate(scores, initial=0.0))
    positives = list(accumulate(map(is_positive, scores), initial=0))
    count = n - width + 1
    sums = map(operator.sub, totals[width:], totals[:count])
    rich = compress(range(count), map(operator.ge, sums, repeat(config.suspicion)))
    regions: list[tuple[int, int]] = []
    for i in rich:
        if positives[i + width] - positives[i] < 3:
            continue
        last = i + width - 1
        if regions and i <= regions[-1][1] + 1:
            regions[-1] = (regions[-1][0], last)
        else:
            regions.append((i, last))
    return regions


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentences that text[start:end] touches, each as (start, end) without its final punctuation."""
    left = max(0, start - 2000)  # a "sentence" longer than that is looked at from here
    for m in _SENTENCE_END.finditer(text, left, start):
        left = m.end()
    out = []
    for m in _SENTENCE_END.finditer(text, left):
        if m.start() > left:
            out.append((left, m.start()))
        left = m.end()
        if left >= end:
            break
    if left < end:
        out.append((left, len(text)))
    return out


def _judge_sentence(text, tokens, scores, skip, s_start, s_end, lang, config) -> list[Span]:
    lo = bisect.bisect_left(tokens, (s_start, -1))
    hi = bisect.bisect_right(tokens, (s_end, s_end))
    idx = [i for i in range(lo, hi) if tokens[i][1] <= s_end]
    if not idx:
        return []
    span = _judge(text, tokens, scores, skip, idx, lang, config)
    if span is not None:
        return [_drop_host_clauses(text, tokens, scores, idx, span, config)]
    # Not the whole sentence: try its clauses (an untranslated clause inside an English sentence).
    clauses = _clauses(text, tokens, idx)
    out: list[Span] = []
    if len(clauses) > 1:
        for clause in clauses:
            span = _judge(text, tokens, scores, skip, clause, lang, config)
            if span is not None:
                out.append(span)
    return out


def _clauses(text: str, tokens, idx: list[int]) -> list[list[int]]:
    out: list[list[int]] = []
    prev_end = None
    for i in idx:
        s, e = tokens[i]
        if not out or _CLAUSE_BREAK.search(text, prev_end, s):
            out.append([])
        out[-1].append(i)
        prev_end = e
    return out


def _looks_foreign(scores, clause: list[int], config) -> bool:
    evidence = [scores[i] for i in clause if scores[i] != 0.0]
    foreign = [s for s in evidence if s > 0]
    strong = len(foreign) >= 2 or any(s >= 1.0 for s in foreign)  # a lone `de` or `es` is no clause
    return strong and len(foreign) / len(evidence) >= config.foreign_share


def _drop_host_clauses(text, tokens, scores, idx, span: Span, config) -> Span:
    """A foreign sentence introduced in the host language (`Spanish: ...`): cut the host-language clauses off its edges."""
    clauses = [c for c in _clauses(text, tokens, idx) if tokens[c[-1]][1] > span.start and tokens[c[0]][0] < span.end]
    while len(clauses) > 1 and not _looks_foreign(scores, clauses[0], config):
        clauses.pop(0)
    while len(clauses) > 1 and not _looks_foreign(scores, clauses[-1], config):
        clauses.pop()
    start, end = max(span.start, tokens[clauses[0][0]][0]), min(span.end, tokens[clauses[-1][-1]][1])
    if (start, end) == (span.start, span.end):
        return span
    return Span(start, end, text[start:end], span.lang, span.confidence, span.method, span.kind)


def _judge(text, tokens, scores, skip, idx: list[int], lang, config) -> Span | None:
    """Accept tokens idx[0..] (trimmed of leading/trailing runs of ordinary words) as a fragment or not."""
    idx = _trim(text, tokens, idx, scores, skip)
    if len(idx) < config.min_words:
        return None
    sc = [scores[i] for i in idx]
    evidence = [s for s in sc if s != 0.0]
    foreign = [s for s in evidence if s > 0]
    if len(foreign) < 3 or not evidence or len(foreign) / len(evidence) < config.foreign_share:
        return None
    start, end = tokens[idx[0]][0], tokens[idx[-1]][1]
    chunk = text[start:end]
    guesses = language.guesses(chunk)
    if not guesses:
        return None
    top = guesses[0]
    if _base(top.lang) == _base(lang) or top.prob < config.min_confidence:
        return None
    return Span(start, end, chunk, top.lang, top.prob, "langdetect", "fragment")


def _trim(text: str, tokens, idx: list[int], scores: list[float], skip: set[int]) -> list[int]:
    """Drop an edge run of two or more ordinary (common, lower-case, document-language) words."""
    def edge(seq: list[int], capital_first: bool) -> int:
        # A capitalized common word ends the run (Europe, White House), except a sentence's first word.
        k = 0
        while k < len(seq) and scores[seq[k]] < 0 and (
                not text[tokens[seq[k]][0]].isupper() or (capital_first and k == 0)):
            k += 1
        return k if k >= 2 else 0

    while True:
        n = len(idx)
        # A fragment neither starts nor ends inside a URL, hashtag, code or a known name.
        while idx and idx[0] in skip:
            idx = idx[1:]
        while idx and idx[-1] in skip:
            idx = idx[:-1]
        head = edge(idx, True)
        idx = idx[head:]
        tail = edge(idx[::-1], False)
        idx = idx[: len(idx) - tail] if tail else idx
        if len(idx) == n:
            return idx


def _merge_adjacent(text: str, spans: list[Span]) -> list[Span]:
    """Join neighbouring fragments of one language separated only by punctuation and spaces."""
    out: list[Span] = []
    for sp in sorted(spans, key=lambda s: s.start):
        if out and out[-1].lang == sp.lang and sp.start >= out[-1].end and _only_separators(text, out[-1].end, sp.start) \
                and "\n" not in text[out[-1].end:sp.start]:
            prev = out[-1]
            out[-1] = Span(prev.start, sp.end, text[prev.start:sp.end], prev.lang,
                           min(prev.confidence, sp.confidence), prev.method, prev.kind)
        elif not out or sp.start >= out[-1].end:
            out.append(sp)
    return out


# -- both ----------------------------------------------------------------------------


def find_fragments(
    text: str,
    *,
    lang: str | None = None,
    config: FragmentsConfig = FragmentsConfig(),
    names: NameMatcher | Iterable[str] | None = None,
) -> list[Span]:
    """Fragments of *text* in another language than *lang* (detected when None), sorted by offset."""
    if not text.strip():
        return []
    lang = lang or language.detect(text, default="en")
    if names is not None and not isinstance(names, NameMatcher):
        names = NameMatcher(names)
    lazy = _Lazy(text, names)
    spans: list[Span] = []
    if config.by_script:
        spans.extend(find_script_fragments(text, lang=lang, config=config, names=names, lazy=lazy))
    if config.by_language:
        taken = sorted((s.start, s.end) for s in spans)
        spans.extend(s for s in find_language_fragments(text, lang=lang, config=config, names=names, lazy=lazy)
                     if not _overlaps(taken, s.start, s.end))
    if config.skip_quoted_titles:
        titles = quoted_titles(text, config.max_title_words)
        spans = [s for s in spans if not any(a < s.start and s.end < b for a, b in titles)]
    return sorted(spans, key=lambda s: (s.start, s.end))


class FragmentsStage(Stage):
    """Find fragments in another language (by Unicode script, then langdetect); edits nothing."""

    name = "fragments"
    version = 1
    description = "Find text left in another language (Unicode script runs, then langdetect on suspicious clauses)"
    Config = FragmentsConfig

    def __init__(self, config: FragmentsConfig | None = None, **overrides):
        super().__init__(config, **overrides)
        self.names: NameMatcher | None = None
        self.notes: tuple[str, ...] = ()

    def _glossary(self):
        """The glossaries whose names are never fragments; None when the glossary module is
        missing (a partial install): then no names are excluded."""
        try:
            from mtclean.pipeline.glossary import load_glossaries
        except ImportError:
            return None
        return load_glossaries(self.config.glossary_dirs, shipped=self.config.shipped_glossaries)

    def validate(self) -> None:
        self._glossary()  # a broken glossary is one error line here; setup() reads it back from the cache

    def setup(self) -> None:
        notes = []
        glossary = self._glossary()
        if glossary is None:
            notes.append("glossary module unavailable: glossary names are not excluded")
        else:
            self.names = NameMatcher(glossary.names())
        _bmp_word_pattern(host_group("en", "").scripts)  # the per-process tables of clean English text
        _plain_as_written("en")
        self.notes = tuple(notes)
        super().setup()

    def process(self, doc: Document) -> Document:
        self._ensure_ready()
        lang = doc.lang or language.detect(doc.text, default="en")
        spans = find_fragments(doc.text, lang=lang, config=self.config, names=self.names)
        notes = list(self.notes)
        if self.config.by_language and common_words(_base(lang)) is None:
            notes.append(f"same-script detection skipped: no common-word list for {lang!r}")
        return doc.apply(self.record(doc, [], spans=spans, notes=notes))
