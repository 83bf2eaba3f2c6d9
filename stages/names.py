"""Name normalization: house spellings from the glossaries.

Three passes over a text, all driven by the loaded glossaries:

1. **Exact variants.** Every variant, canonical and allowed form of every entry
   goes into one Aho-Corasick automaton (pyahocorasick) over lower-cased text
   whose non-word characters are spaces, so it reports whole words only (never
   inside another word, a URL, an e-mail address or D'Souza), with a plausible case (``Zelenski``, ``ZELENSKI``; not
   ``zelenski``). Where hits overlap the longest wins, and canonical or allowed
   forms beat variants, so ``Chicken Kiev`` (allowed) or another entry's name
   is never rewritten. A possessive or suffix after the name stays
   (``Zelenski's`` -> ``Zelensky's``).
2. **Unseen near-misses.** On the text with the listed variants replaced, a
   capitalized word that is in no glossary and is not a common word is looked up among the glossary's name words (one or two edits
   away, or equal after transliteration folding: k/c, y/i, ph/f, doubled
   letters...) through a symmetric-deletion index, so the cost does not grow
   with the glossary. rapidfuzz verifies the distance. The correction is made
   only when the context supports it: the rest of the full name is there
   (``Emauel Macron``), a title precedes a transliterated surname
   (``President Zelenskij``), or a transliterated surname stands near the
   entry's context words; otherwise it becomes a suggestion (not applied).
   A common word next to the rest of a name is only ever suggested.
3. **Within-document consistency.** A document that spells one name two ways
   (a glossary name and a near-miss or allowed form, or two unknown capitalized
   words equal after transliteration folding) is reported in the record's
   notes and suggestions; with ``consistency = "unify"`` the minority spelling
   is rewritten to the glossary (or majority) form.

>>> from mtclean.pipeline.glossary import Entry, Glossary
>>> g = Glossary([Entry("person.emmanuel-macron", "person", {"en": "Emmanuel Macron"}, ("Emanuel Macron",))])
>>> fix_names("French President Emauel Macron met Emanuel Macron's team.", glossary=g)[0]
"French President Emmanuel Macron met Emmanuel Macron's team."
"""

from __future__ import annotations

import bisect
import gc
import tomllib
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple, Sequence

import ahocorasick
import regex
from rapidfuzz.distance import OSA

from mtclean.pipeline import language, markdown
from mtclean.pipeline.edits import Edit, apply_edits, compose, map_offset
from mtclean.pipeline.errors import ConfigError
from mtclean.pipeline.glossary import FORMER_YEARS, Entry, Glossary, load_glossaries
from mtclean.pipeline.stage import Stage, StageConfig

DATA = Path(__file__).resolve().parent / "data"
CONSISTENCY_MODES = ("off", "report", "unify")


@dataclass(frozen=True)
class NamesConfig(StageConfig):
    """Options of the names stage.

    ``fuzzy`` looks for unseen near-misses of glossary names; ``apply_fuzzy``
    lets those with supporting context be corrected (off: they are only
    suggested). ``max_distance`` caps the edit distance of a near-miss (words of
    six letters or more; shorter ones allow one edit). ``consistency`` is
    ``off``, ``report`` (notes and suggestions) or ``unify`` (rewrite the
    minority spelling within a document). ``suggest_unsupported`` also reports, as
    suggestions, near-misses that nothing in the text supports: off by default, since
    on real MT most of them are other names or ordinary words (``Tokarev`` is not a
    misspelt ``Tokayev``); ``mtclean glossary suggest`` lists them for editors.
    ``house_style`` turns on the house-style profile: an entry's ``house`` forms (spellings a
    major outlet or the person's government uses, such as AP's ``Zelenskyy``) are rewritten
    to the canonical, by the rule ``names.house_style``; off, they are kept as correct.
    ``text_year`` is the year the text was written, when it is not recent: an entry's
    ``former`` spellings (``Kiev``, the usual English spelling until 2019) are kept in a text
    of their time, and otherwise rewritten by the rule ``names.former_spelling``.
    """

    glossary_dirs: tuple[str, ...] = ()
    shipped_glossaries: bool = True
    fuzzy: bool = True
    apply_fuzzy: bool = True
    max_distance: int = 2
    min_length: int = 4
    consistency: str = "report"
    suggest_unsupported: bool = False
    house_style: bool = False
    text_year: int | None = None

    def __post_init__(self) -> None:
        # Checked when the config is built, in the main process, before any input is read.
        if self.consistency not in CONSISTENCY_MODES:
            raise ConfigError(f"names.consistency must be one of {', '.join(CONSISTENCY_MODES)}, "
                              f"not {self.consistency!r}")
        for key in ("max_distance", "min_length"):
            if not isinstance(getattr(self, key), int) or getattr(self, key) < 0:
                raise ConfigError(f"names.{key} must be a whole number of 0 or more, not {getattr(self, key)!r}")
        if self.text_year is not None and not (type(self.text_year) is int and self.text_year in FORMER_YEARS):
            raise ConfigError(f"names.text_year must be a year from {FORMER_YEARS[0]} to {FORMER_YEARS[-1]}, "
                              f"not {self.text_year!r}")

    def profile(self, glossary: Glossary) -> Glossary:
        """*glossary* as this config matches it (house style, spellings of the text's time)."""
        return glossary.profiled(house_style=self.house_style, text_year=self.text_year)


# -- text helpers ----------------------------------------------------------------

_WORD = regex.compile(r"[\p{L}\p{M}]+")
_WORDCHAR = regex.compile(r"[\p{L}\p{M}\p{N}_]")
_URL = markdown.URL  # the one definition of a URL, which every stage leaves alone
_EMAIL = regex.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TLD = regex.compile(r"\.(?:com|org|net|gov|edu|int|info|io|eu|uk|ua|ru|gr|cy|de|fr|it|tr)\b", regex.I)
_DOMAIN = regex.compile(r"(?<![\w@.])[\w-]+(?:\.[\w-]+)*$")
_SCRIPT = {
    "latin": regex.compile(r"\p{Latin}"),
    "greek": regex.compile(r"\p{Greek}"),
    "cyrillic": regex.compile(r"\p{Cyrillic}"),
}


def _script(s: str) -> str:
    for ch in s:
        if ch.isalpha():
            for name, pat in _SCRIPT.items():
                if pat.match(ch):
                    return name
            return "other"
    return ""


def fold(text: str) -> str:
    """Lower-case *text* keeping its length (so offsets stay valid)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _strip_marks(s: str) -> str:
    if s.isascii():
        return s  # nothing to decompose (most glossary and text words)
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


_SKELETON_RULES = (("ph", "f"), ("kh", "h"), ("ck", "k"), ("c", "k"), ("q", "k"), ("x", "ks"), ("y", "i"),
                   ("j", "i"), ("w", "v"), ("z", "s"))
_DOUBLE = regex.compile(r"(.)\1+")


@lru_cache(maxsize=65536)
def skeleton(word: str) -> str:
    """Transliteration-folded form: no accents, k/c, y/i, ph/f, w/v, z/s merged, doubled letters single.

    >>> skeleton("Zelenskyy") == skeleton("Zelenski"), skeleton("Erdoğan") == skeleton("Erdogan")
    (True, True)
    """
    s = _strip_marks(word.lower())
    for a, b in _SKELETON_RULES:
        s = s.replace(a, b)
    return _DOUBLE.sub(r"\1", s)


def _deletes(s: str, depth: int) -> set[str]:
    """*s* and every string made from it by deleting up to *depth* (at most 2) of its characters.

    The second deletion is only made at or after the position of the first, so each pair of
    positions is deleted once rather than twice (the Matcher makes these for every glossary word).
    """
    if not depth:
        return {s}
    once = [s[:i] + s[i + 1:] for i in range(len(s))]
    out = {s, *once}
    if depth > 1:
        out.update([w[:j] + w[j + 1:] for i, w in enumerate(once) for j in range(i, len(w))])
    return out


def _same_text(a: str, b: str) -> bool:
    """Equal up to Unicode normalization: a word differing only so is correct and stays as written."""
    return a == b or unicodedata.normalize("NFC", a) == unicodedata.normalize("NFC", b)


def _upper(word: str) -> str:
    # Upper-casing can decompose (ΐ -> Ι + two accents): compose again, as text usually is.
    return unicodedata.normalize("NFC", word.upper())


def _match_case(template: str, word: str) -> str:
    """*word* in the case pattern of *template* (ALL CAPS, Capitalized, or as given)."""
    if len(template) > 1 and template.isupper():
        return _upper(word)
    if template[:1].isupper() and word[:1].islower():
        return word[:1].upper() + word[1:]
    return word


def _common_words(lang: str) -> frozenset[str]:
    # Words frequent enough in the language (wordfreq data, see the file's header)
    # are never taken as misspelt names.
    lists = language.common_words(lang)
    return lists.words if lists else frozenset()


@lru_cache(maxsize=1)
def _titles() -> dict[str, tuple[str, ...]]:
    with (DATA / "names.toml").open("rb") as f:
        return {k: tuple(v) for k, v in tomllib.load(f)["titles"].items()}


@lru_cache(maxsize=1)
def _title_ends() -> frozenset[str]:
    """The last word of every title, lower-cased: a cheap test before the title pattern."""
    return frozenset(w.lower() for ts in _titles().values() for t in ts for w in [_WORD.findall(t)[-1]] if w)


@lru_cache(maxsize=8)
def _title_pattern(lang: str) -> "regex.Pattern[str]":
    titles = sorted({t for ts in _titles().values() for t in ts} if lang == "*" else set(_titles().get(lang, ())),
                    key=len, reverse=True)
    alt = "|".join(regex.escape(t) for t in titles) or r"(?!)"
    return regex.compile(rf"(?:(?<![\p{{L}}\p{{M}}])(?:{alt}))\s+$", regex.I)


@lru_cache(maxsize=4096)
def _phrase_pattern(phrase: str) -> "regex.Pattern[str]":
    return regex.compile(r"(?<![\p{L}\p{M}])" + regex.escape(phrase) + r"(?![\p{L}\p{M}])", regex.I)


# -- the matcher -----------------------------------------------------------------

PROTECT, VARIANT = 0, 1
NEAR_LIMIT = 4


class Claim(NamedTuple):
    what: int  # PROTECT (a correct form) or VARIANT (a form to replace)
    entry: int  # index into Matcher.entries
    form: str


class FormRef(NamedTuple):
    entry: int
    tokens: tuple[str, ...]  # folded tokens of a correct multi-word form
    surface: tuple[str, ...]  # the same tokens as written in the glossary
    pos: int  # position of the indexed token in the form
    lang: str = ""  # language of the form ("" for a surname shared by all)
    is_surname: bool = False


class Head(NamedTuple):
    """A capitalized word a near-miss can start from (see Matcher.near_miss_heads), judged once per process."""
    text: str
    folded: str
    near: frozenset[str]  # the glossary words near it
    alone: bool  # may be corrected on its own, unless it is a common word (see Matcher.may_stand_alone)
    partners: frozenset[str] | None  # the words that can complete its full name (see Matcher.completing_words)


class Matcher:
    """Everything the stage needs from a glossary, compiled once (automaton and indexes)."""

    def __init__(self, glossary: Glossary, *, max_distance: int = 2):
        self.entries: list[Entry] = list(glossary.entries)
        self.max_distance = max_distance
        self.rules = glossary.form_rules()  # entry id -> {form: rule}: house and former spellings
        self.automaton = ahocorasick.Automaton()
        keys: dict[str, list[Claim]] = defaultdict(list)
        for i, e in enumerate(self.entries):
            for form in e.forms():
                self._add_key(keys, form, Claim(PROTECT, i, form))
            for form in e.variants:
                self._add_key(keys, form, Claim(VARIANT, i, form))
        for key, claims in keys.items():
            claims.sort(key=lambda c: c.what)  # correct forms first: they win ties
            # A hit starting with a lower-case letter spells none of these forms (see _case_form):
            # exact_edits skips it at once ("was" for the surname Was, "may" for May).
            capital = all(c.form.strip()[:1].isupper() for c in claims)
            self.automaton.add_word(key, (len(key), tuple(claims), claims[0].what, capital))
        self.empty = not keys
        if keys:
            self.automaton.make_automaton()

        # Fuzzy indexes: every word of a correct form is a possible target.
        self.known: set[str] = set()  # folded words of every correct form (canonical, surname, allowed)
        self.target_surface: dict[str, str] = {}
        # Tuples of strings are not tracked by the garbage collector: a big glossary must not make
        # every collection in the worker slower. Built as tuples from the start: a set per delete
        # (ten times as many as glossary words) was most of the cost of building the matcher.
        self.deletes: dict[str, tuple[str, ...]] = {}
        self.pairs: dict[tuple[str, str], list[FormRef]] = defaultdict(list)
        self.singles: dict[str, list[FormRef]] = defaultdict(list)  # last word / one-word form -> entries
        self.context: dict[int, tuple[str, ...]] = {}  # entry -> context phrases
        for i, e in enumerate(self.entries):
            for form in e.forms():  # correct spellings only: a listed misspelling is no name to protect
                self.known.update(fold(w) for w in _WORD.findall(form))
            if e.context:
                self.context[i] = tuple(c.strip() for c in e.context if c.strip())
            if e.case_sensitive:
                continue  # acronyms and ambiguous short forms are matched exactly only
            for form_lang, form, is_surname in [*((k, v, False) for k, v in e.canonical.items()),
                                                *((k, v, True) for k, v in e.surname.items())]:
                surface = tuple(_WORD.findall(form))
                tokens = tuple(fold(w) for w in surface)
                if not tokens:
                    continue
                for w, t in zip(surface, tokens):
                    if len(t) >= 3 and t not in self.target_surface:
                        self.target_surface[t] = w
                        self._index_deletes(t)
                for k in range(len(tokens) - 1):
                    self.pairs[(tokens[k], tokens[k + 1])].append(
                        FormRef(i, tokens, surface, k, form_lang, is_surname))
                last = len(tokens) - 1
                self.singles[tokens[last]].append(FormRef(i, tokens, surface, last, form_lang, is_surname))
        self.pairs = {k: tuple(v) for k, v in self.pairs.items()}
        # The words next to each word in a full name (Emmanuel: macron): a common word is only
        # a near-miss next to one of these (see near_miss_heads).
        partners: dict[str, set[str]] = defaultdict(set)
        for a, b in self.pairs:
            partners[a].add(b)
            partners[b].add(a)
        self.partners = {k: tuple(v) for k, v in partners.items()}
        self.singles = {k: tuple(v) for k, v in self.singles.items()}
        self._near_cache: dict[str, tuple[tuple[str, int, int], ...]] = {}
        self._target_info: dict[str, tuple[str, str]] = {}
        # Only capitalised words and the lower-case particles of people's and places'
        # names (von, der, bin) and titles can take part in a name: making tokens of just those
        # keeps the cost of a document down to its names rather than all its words.
        self.particles = frozenset(
            w.lower() for e in self.entries if e.kind in ("person", "place")
            for form in e.forms() for w in _WORD.findall(form) if w[:1].islower()) | _title_ends()
        self._mention_cache: dict[tuple[int, str], str] = {}
        # Per-word answers of near_miss_heads (by min_length) and spelling_keys (by language).
        self._heads: dict[int, tuple[dict[str, Head], set[str]]] = {}
        self._spelling_keys: dict[str, dict[str, str]] = {}

    def _index_deletes(self, word: str) -> None:
        """File glossary *word* under every delete of its skeleton (see near)."""
        sk = skeleton(word)
        alone = (word,)
        deletes = self.deletes
        for d in _deletes(sk, self._depth(len(sk))):
            found = deletes.get(d)
            deletes[d] = alone if found is None else found + alone

    def _depth(self, n: int) -> int:
        return min(self.max_distance, 2) if n >= 6 else (1 if n >= 3 else 0)

    @staticmethod
    def _add_key(keys: dict[str, list[Claim]], form: str, claim: Claim) -> None:
        form = form.strip()
        if not form:
            return
        for variant in {unicodedata.normalize("NFC", form), unicodedata.normalize("NFD", form)}:
            key = _bounded(fold(variant))
            if claim not in keys[key]:
                keys[key].append(claim)

    def mention_kind(self, entry: int, matched: str) -> str:
        """"house" (the glossary spelling or part of it), "respelling" (an allowed other spelling) or ""."""
        key = (entry, matched)
        hit = self._mention_cache.get(key)
        if hit is None:
            e = self.entries[entry]
            hit = "house" if _is_house(e, matched) else "respelling" if _is_respelling(e, matched) else ""
            if len(self._mention_cache) > 100_000:
                self._mention_cache.clear()
            self._mention_cache[key] = hit
        return hit

    def near(self, word: str) -> tuple[tuple[str, int, int], ...]:
        """Glossary words near folded *word*: (target, distance, skeleton distance), closest first."""
        hit = self._near_cache.get(word)
        if hit is not None:
            return hit
        sk = skeleton(word)
        depth = self._depth(len(sk))
        found: dict[str, tuple[int, int]] = {}
        script = _script(word)
        info = self._target_info
        for d in _deletes(sk, depth) if depth else ():
            for t in self.deletes.get(d, ()):
                if t in found or t == word:
                    continue
                known = info.get(t)
                if known is None:  # skeleton and script of each glossary word, computed once
                    known = info[t] = (skeleton(t), _script(t))
                tsk, tscript = known
                if tsk[:1] != sk[:1] or tscript != script:
                    continue
                dist_sk = OSA.distance(sk, tsk, score_cutoff=2)
                dist = min(OSA.distance(word, t, score_cutoff=3), dist_sk)
                limit = min(self.max_distance, 2) if min(len(word), len(t)) >= 6 else 1
                if dist <= limit:
                    found[t] = (dist, dist_sk)
        # The closest few are enough: a word near many names is not a misspelling of one of them.
        out = tuple(sorted(((t, d, ds) for t, (d, ds) in found.items()), key=lambda x: (x[1], x[2], x[0]))[:NEAR_LIMIT])
        if len(self._near_cache) > 200_000:
            self._near_cache.clear()
        self._near_cache[word] = out
        return out

    def completing_words(self, word: str) -> frozenset[str] | None:
        """The words next to a glossary word near folded *word* in a full name (see _may_be_completed);
        None when one of them is a particle, which any text may hold."""
        found = frozenset(p for t, _, _ in self.near(word) for p in self.partners.get(t, ()))
        return None if not found.isdisjoint(self.particles) else found

    def may_stand_alone(self, word: str) -> bool:
        """Whether folded *word* (not a common word) could be corrected on its own, with no
        rest of a full name next to it (the one-word case of _run_fixes): its closest glossary
        word ends the names of one entry only and is close (a transliteration variant, or one
        edit in a word of five letters or more). Every other correction needs a partner word."""
        near = self.near(word)
        if not near:
            return False
        target, d, ds = near[0]
        return len({r.entry for r in self.singles.get(target, ())}) == 1 and (ds == 0 or (d <= 1 and len(word) >= 5))

    def near_miss_heads(self, words: set[str], min_length: int) -> list[Head]:
        """Those of the capitalized *words* a near-miss can start from: long enough, in no glossary,
        cased as a name (``Zelenskij``, ``ZELENSKIJ``) and near a glossary word.

        A document repeats the same few hundred words, so each word is judged once per
        process and a document only pays a set difference for the words it shares with others.
        """
        heads, others = self._heads.setdefault(min_length, ({}, set()))
        if len(others) > 200_000:
            heads.clear()
            others.clear()
        out = []
        for w in words - others:
            head = heads.get(w)
            if head is None:
                f = w.lower()
                if not (len(f) >= min_length and w[0].isupper() and f not in self.known
                        and (w[1:].islower() or (w.isupper() and len(w) >= 6)) and self.near(f)):
                    others.add(w)
                    continue
                head = heads[w] = Head(w, f, frozenset(t for t, _, _ in self.near(f)), self.may_stand_alone(f),
                                       self.completing_words(f))
            out.append(head)
        return out

    def spelling_keys(self, words: set[str], lang: str) -> dict[str, str]:
        """The transliteration skeleton of each of *words* that spelling_groups counts
        (capitalized, not all caps, five letters or more, in no glossary, not common in *lang*)."""
        keys = self._spelling_keys.setdefault(lang, {})
        if len(keys) > 200_000:
            keys.clear()
        new = words.difference(keys)  # (words - keys.keys() would copy every key)
        if new:
            common = _common_words(lang)
            for w in new:
                f = w.lower()
                keys[w] = skeleton(f) if (len(f) >= 5 and w[:1].isupper() and not w.isupper()
                                          and f not in self.known and f not in common) else ""
        return {w: k for w in words if (k := keys[w])}


_matchers: dict[tuple[int, int], tuple[Glossary, Matcher]] = {}


def matcher_for(glossary: Glossary, *, max_distance: int = 2) -> Matcher:
    """The compiled matcher of *glossary* (built once per glossary object; load_glossaries caches those)."""
    key = (id(glossary), max_distance)
    hit = _matchers.get(key)
    if hit is not None and hit[0] is glossary:
        return hit[1]
    if len(_matchers) > 8:
        _matchers.clear()
    m = _cached_matcher(glossary, max_distance)
    _matchers[key] = (glossary, m)
    return m


def _cached_matcher(glossary: Glossary, max_distance: int) -> Matcher:
    """A Matcher of *glossary*, from the on-disk cache when the glossary came from files (pipeline/cache.py)."""
    if not glossary.source_key:
        return Matcher(glossary, max_distance=max_distance)
    from mtclean.pipeline import cache

    code = Path(__file__).read_bytes()  # the Matcher's code and data layout
    m = cache.cached("names-matcher", [glossary.source_key, str(max_distance), code],
                     lambda: Matcher(glossary, max_distance=max_distance))
    m.entries = list(glossary.entries)  # the very entries of this glossary (the cached ones are equal copies)
    return m


# -- pass 1: exact variants ------------------------------------------------------------


def _merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a < out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return out


# The non-word characters of _bounded, as a regex (the reference definition; _bounded
# below computes the same substitution without scanning the text with it).
_NONWORD = regex.compile(r"[^\p{L}\p{M}\p{N}_ \n\r\t]")


# The same in two cheap steps. ASCII characters go through a byte table on the UTF-8
# encoding (bytes.translate is many times faster than a regex substitution, and it
# leaves the bytes of other characters alone): in ASCII the word characters are exactly
# letters, digits and "_", and every other one (line breaks and tabs included) becomes a
# space. Then only the rare non-ASCII non-word characters (“ ” — ’) are left for the regex.
_ASCII_BOUNDED = bytes(c if c >= 0x80 or chr(c).isalnum() or chr(c) == "_" else 0x20 for c in range(256))
_NONWORD_NON_ASCII = regex.compile(r"[^\x00-\x7f\p{L}\p{M}\p{N}]")


def _bounded(folded: str) -> str:
    """*folded* with every non-word character as a space, padded with one space each side (same offsets + 1)."""
    # surrogatepass: a lone surrogate (possible in JSON input) round-trips unchanged.
    out = folded.encode("utf-8", "surrogatepass").translate(_ASCII_BOUNDED).decode("utf-8", "surrogatepass")
    if not folded.isascii():
        out = _NONWORD_NON_ASCII.sub(" ", out)
    return " " + out + " "


def _protected_spans(text: str) -> list[tuple[int, int]]:
    """URLs, e-mail addresses and bare domain names (kiev.ua): never edited inside."""
    spans: list[tuple[int, int]] = []
    if "://" in text or "www." in text or "WWW." in text:
        spans += [m.span() for m in _URL.finditer(text)]
    if "@" in text:
        spans += [m.span() for m in _EMAIL.finditer(text)]
    for m in _TLD.finditer(text):  # bare domains: walk back from the top-level domain
        head = _DOMAIN.search(text, max(0, m.start() - 80), m.start())
        if head:
            end = m.end()
            while end < len(text) and not text[end].isspace() and text[end] not in "\"'<>),;":
                end += 1
            spans.append((head.start(), _trim(text, end)))
    return _merge_spans(spans)


def _trim(text: str, end: int) -> int:
    while end > 0 and text[end - 1] in ".,!?:":
        end -= 1
    return end


def _inside(spans: list[tuple[int, int]], starts: list[int], a: int, b: int) -> bool:
    i = bisect.bisect_right(starts, a) - 1
    return i >= 0 and spans[i][1] > a or (i + 1 < len(spans) and spans[i + 1][0] < b)


def _boundary_ok(text: str, start: int, end: int) -> bool:
    # A space either side (most hits) passes every test below: no regex call for it.
    if start > 0 and (prev := text[start - 1]) != " ":
        if _WORDCHAR.match(prev) or prev in "@#/\\":
            return False
        if prev in "'’" and start > 1 and text[start - 2].isalpha():
            return False  # the second half of D'Souza, O'Brien
    if end < len(text) and (nxt := text[end]) != " ":
        if _WORDCHAR.match(nxt) or nxt in "@/\\":
            return False
        if nxt in ".-" and end + 1 < len(text) and text[end + 1].isalnum() and nxt == ".":
            return False  # a domain name such as kiev.ua
    return True


def _spells(matched: str, form: str, case_sensitive: bool) -> bool:
    """Whether *matched* is *form* as written (case-sensitive), or in a case a name is written in."""
    if case_sensitive:
        return _same_text(matched, form)
    return _case_form(unicodedata.normalize("NFC", matched), unicodedata.normalize("NFC", form), False) is not None


def _case_form(matched: str, variant: str, case_sensitive: bool) -> str | None:
    """How *matched* spells *variant*: "same", "upper" or "capital"; None when the case is implausible."""
    if matched == variant:
        return "same"
    if case_sensitive:
        return None
    if len(matched) > 1 and matched.isupper() and matched == variant.upper():
        return "upper"
    if matched == variant[:1].upper() + variant[1:]:
        return "capital"
    if matched == " ".join(w[:1].upper() + w[1:] for w in variant.split(" ")):
        return "same"
    return None


def _recase(replacement: str, how: str) -> str:
    if how == "upper":
        return _upper(replacement)
    if how == "capital":
        return replacement[:1].upper() + replacement[1:]
    return replacement


@dataclass(slots=True)
class Mention:
    entry: int
    start: int
    end: int
    text: str
    house: bool  # spelt as the glossary wants it


def _pick(forms: Iterable[str], script: str) -> str | None:
    for f in forms:
        if f and _script(f) == script:
            return f
    return None


def _preferred_surface(e: Entry, ref: FormRef, lang: str | None) -> tuple[str, ...]:
    """The words of *ref*'s form in the document's language (a German `Selenskyj` matched
    in English text is written `Zelensky`), when that form has the same shape."""
    script = _script(" ".join(ref.surface))
    langs = [x for x in (lang, "en", *e.canonical) if x]
    table = e.surname if ref.is_surname else e.canonical
    want = _pick((table.get(x, "") for x in langs), script)
    if not want:
        return ref.surface
    words = tuple(_WORD.findall(want))
    if len(words) == len(ref.surface):
        return words
    if len(ref.surface) == 1 and not ref.is_surname and e.surname:
        # a one-word canonical form matched; keep to one word
        return (_pick((e.surname.get(x, "") for x in langs), script) or ref.surface[0],)
    return ref.surface


def serves(e: Entry, lang: str | None) -> bool:
    """Whether *e* says how to write its name in *lang*.

    Names and especially places differ between languages (German `Kyjiw`,
    Spanish `Zelenski` are correct there), so outside English an entry only
    rewrites text in a language it has a canonical form for.
    """
    base = (lang or "en").split("-")[0].lower()
    return base == "en" or base in e.canonical


def _replacement(e: Entry, variant: str, matched: str, text: str, start: int, lang: str | None) -> str | None:
    if not serves(e, lang):
        return None
    script = _script(matched)
    langs = [lang, "en", *e.canonical] if lang else ["en", *e.canonical]
    single = len(_WORD.findall(variant)) == 1
    if single and e.surname:
        rep = _pick((e.surname.get(x, "") for x in langs if x), script)
        if rep:
            return rep
    rep = _pick((e.canonical.get(x, "") for x in langs if x), script)
    if rep is None:
        return None
    words = rep.split(" ")
    if single and len(words) > 1:
        # "Volodymyr Zelenski": the given name is already there, replace the surname only.
        head = " ".join(words[:-1])
        if text[max(0, start - len(head) - 1):start].lower() == head.lower() + " ":
            return words[-1]
    return rep


def exact_edits(text: str, matcher: Matcher, lang: str | None,
                protected: list[tuple[int, int]]) -> tuple[list[Edit], list[Mention], list[tuple[int, int]]]:
    """Variant edits, mentions of entries, and every span a glossary form covers."""
    if matcher.empty:
        return [], [], []
    # Keys and text both have every non-word character as a space and a space at
    # each end, so the automaton only reports whole-word hits.
    hits: list[tuple[int, int, int, tuple[Claim, ...]]] = []
    starts = [s for s, _ in protected]
    for end, (length, claims, first, capital) in matcher.automaton.iter(_bounded(fold(text))):
        # `end` indexes the key's closing space in the padded text: the word is
        # text[end - length + 1 : end - 1].
        start, end = end - length + 1, end - 1
        if capital and text[start].islower():
            continue  # "was", "may": a common word, not the name Was or May
        if _boundary_ok(text, start, end) and not (protected and _inside(protected, starts, start, end)):
            # Longest first; canonical or allowed forms win ties with variants: correct text stays.
            hits.append((start, start - end, first, claims))
    hits.sort()
    edits: list[Edit] = []
    mentions: list[Mention] = []
    covered: list[tuple[int, int]] = []
    pos = 0
    for start, neg_len, _, claims in hits:
        end = start - neg_len
        if start < pos:
            continue
        matched = text[start:end]
        head = claims[0]
        if head.what == PROTECT and matched == head.form:
            protector = head.entry  # (most hits: a correct form, as written)
        else:
            # A correct form protects (and is a mention) when the text spells it in a case a
            # name is written in (ZELENSKY, Zelensky), as a variant must be to be replaced.
            protector = next((c.entry for c in claims if c.what == PROTECT and _spells(
                matched, c.form, matcher.entries[c.entry].case_sensitive)), -1)
        if protector >= 0:
            pos = end
            covered.append((start, end))
            how = matcher.mention_kind(protector, matched)
            if how:
                mentions.append(Mention(protector, start, end, matched, how == "house"))
            continue
        for c in claims:
            e = matcher.entries[c.entry]
            how = _case_form(unicodedata.normalize("NFC", matched), unicodedata.normalize("NFC", c.form),
                             e.case_sensitive)
            if how is None:
                continue
            rep = _replacement(e, c.form, matched, text, start, lang)
            if rep is None:
                continue
            rep = _recase(rep, how)
            pos = end
            covered.append((start, end))
            mentions.append(Mention(c.entry, start, end, rep, True))
            if not _same_text(rep, matched):
                rule = matcher.rules.get(e.id, {}).get(c.form, "names.variant")
                edits.append(Edit(
                    start, end, matched, rep, rule, f"{_reason(rule, e)}: {matched} -> {rep}",
                    {"entry": e.id, "variant": c.form, "glossary": Path(e.file).name if e.file else "",
                     "line": e.line},
                ))
            break
    return edits, mentions, covered


def _reason(rule: str, e: Entry) -> str:
    if rule == "names.former_spelling":
        return (f"former spelling of {e.id} (the usual English one until {e.former_until}; "
                f"kept in older texts with names.text_year)")
    return f"{'house style' if rule == 'names.house_style' else 'glossary spelling'} of {e.id}"


def _is_house(e: Entry, matched: str) -> bool:
    m = fold(matched)
    for form in [*e.canonical.values(), *e.surname.values()]:
        f = fold(form)
        if m == f or f.endswith(" " + m) or f.startswith(m + " "):
            return True
    return False


def _is_respelling(e: Entry, matched: str) -> bool:
    # An allowed form that is another spelling of the name (Erdogan for Erdoğan),
    # not another thing that shares a word with it (Chicken Kiev).
    sk = skeleton(matched)
    return any(OSA.distance(sk, skeleton(f), score_cutoff=2) <= 1
               for f in [*e.canonical.values(), *e.surname.values()])


# -- pass 2: near-misses -----------------------------------------------------------------


@dataclass(slots=True)
class Token:
    start: int
    end: int
    text: str
    folded: str


@dataclass
class Fix:
    tokens: list[tuple[Token, str]]  # token and its corrected spelling
    entry: int
    support: str  # full-name, title, context, document, none
    distance: int  # edits; 0 when the words differ only by transliteration (k/c, y/i, ...)
    safe: bool = True  # False when a rewritten word is common or another known name: suggest only
    span: tuple[int, int] = (0, 0)  # the whole name as found (for `mtclean glossary suggest`)


_ASCII_NON_LETTERS = frozenset(chr(c) for c in range(128) if not chr(c).isalpha())
# Whole words whose first letter is upper-case (within a word, str.isupper is \p{Lu}): the
# tokens a near-miss can start from.
_CAPITALIZED = regex.compile(r"(?<![\p{L}\p{M}])\p{Lu}[\p{L}\p{M}]*+")
# The word ending where a match ends (a reverse pattern: match(text, 0, end) reads backwards from end).
_WORD_ENDING = regex.compile(r"(?r)[\p{L}\p{M}]+")


def _is_letter_boundary(ch: str) -> bool:
    """Whether *ch* ends a _WORD word (it is no letter or mark)."""
    return ch in _ASCII_NON_LETTERS or (not ch.isascii() and not _WORD.match(ch))


def _has_context(matcher: Matcher, entry: int, text: str, t: Token, width: int = 400) -> bool:
    phrases = matcher.context.get(entry)
    if not phrases:
        return False
    lo, hi = max(0, t.start - width), t.end + width
    return any(_phrase_pattern(c).search(text, lo, hi) for c in phrases)


def _sentence_initial(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t\"'“‘«(":
        i -= 1
    return i < 0 or text[i] in ".!?:;\n\r—–-"


def _adjacent(text: str, a: Token, b: Token) -> bool:
    gap = text[a.end:b.start]
    return 0 < len(gap) <= 2 and gap.strip() in ("", "-")


def _is_token(word: str, particles: frozenset[str]) -> bool:
    """Whether a whole word (as _WORD finds it) can be part of a name: capitalized or a particle."""
    return word[0].isupper() or word in particles


def _token_before(text: str, t: Token, particles: frozenset[str]) -> Token | None:
    """The token just before *t* when no more than two characters lie between them."""
    for gap in (1, 2):
        m = _WORD_ENDING.match(text, 0, t.start - gap)
        if m:  # the nearest word: if it is no token, the previous token is further away
            w = m.group()
            return Token(m.start(), m.end(), w, w.lower()) if _is_token(w, particles) else None
    return None


def _token_after(text: str, t: Token, particles: frozenset[str]) -> Token | None:
    """The token just after *t* when no more than two characters lie between them."""
    for gap in (1, 2):
        m = _WORD.match(text, t.end + gap)
        if m:
            w = m.group()
            return Token(m.start(), m.end(), w, w.lower()) if _is_token(w, particles) else None
    return None


def _run_around(text: str, t: Token, particles: frozenset[str]) -> list[Token]:
    """The run of adjacent tokens (capitalized words and particles) that holds *t*."""
    before: list[Token] = []
    first = t
    while (prev := _token_before(text, first, particles)) and _adjacent(text, prev, first):
        before.append(prev)
        first = prev
    run = [*reversed(before), t]
    while (nxt := _token_after(text, run[-1], particles)) and _adjacent(text, run[-1], nxt):
        run.append(nxt)
    return run


@lru_cache(maxsize=4)
def _capitalized_words(text: str) -> frozenset[str]:
    """The distinct capitalized words of *text* (cached: near-misses and consistency both ask)."""
    return frozenset(_CAPITALIZED.findall(text))


def _occurrences(text: str, word: str) -> Iterator[int]:
    """Where *word* stands as a whole word (no letter or mark either side) in *text*."""
    i = text.find(word)
    while i >= 0:
        end = i + len(word)
        if (i == 0 or _is_letter_boundary(text[i - 1])) and (end == len(text) or _is_letter_boundary(text[end])):
            yield i
        i = text.find(word, i + 1)


def _all_occurrences(text: str, words: Iterable[str]) -> list[tuple[int, str]]:
    """(start, word) of every whole-word occurrence of *words* in *text*, in text order: for the
    capitalized words of _capitalized_words, exactly where _CAPITALIZED matches them."""
    return sorted((i, w) for w in words for i in _occurrences(text, w))


def _candidate_runs(text: str, matcher: Matcher, min_length: int, common: frozenset[str]) -> list[list[Token]]:
    """The runs of adjacent tokens around every word a near-miss can start from, in text order.

    Everything near_miss_fixes looks at (the rest of a full name, a title, a neighbour) is
    in the run of the word it corrects, and most words of a text are near no glossary name:
    making only these runs spares tokenizing the whole text.
    """
    words = _capitalized_words(text)
    heads = _may_be_completed(matcher.near_miss_heads(words, min_length), words, common)
    runs: list[list[Token]] = []
    if not heads:
        return runs
    for start, w in _all_occurrences(text, heads):
        if runs and start < runs[-1][-1].end:
            continue  # in the run of an earlier one
        t = Token(start, start + len(w), w, w.lower())
        if t.folded in common and not _known_neighbour(text, t, matcher):
            continue  # a common word is only a near-miss next to the rest of a known name (see _run_fixes)
        runs.append(_run_around(text, t, matcher.particles))
    return runs


def _may_be_completed(heads: list[Head], words: frozenset[str], common: frozenset[str]) -> list[str]:
    """The words of *heads* that can lead to a correction or suggestion in this text.

    A word is corrected on its own only when it is no common word and its closest glossary word
    allows it (Head.alone); otherwise only within a full name (Emauel Macron, State Duma): the
    name's word next to it must be in the text too, as written (a capitalized word or a particle)
    or misspelt (then it is a glossary word near one of the *heads*). With a big glossary most
    capitalized words are near some name word, but few have the rest of that name around.
    """
    kept = []
    present: set[str] | None = None  # the words that can stand for a name's word, made when needed
    for head in heads:
        needed = head.partners if (not head.alone or head.folded in common) else None
        if needed is not None:
            if present is None:
                present = {x.lower() for x in words}
                for other in heads:
                    present.update(other.near)
            if present.isdisjoint(needed):
                continue
        kept.append(head.text)
    return kept


def _known_neighbour(text: str, t: Token, matcher: Matcher) -> bool:
    """Whether a token next to *t* is a word of a glossary name."""
    prev = _token_before(text, t, matcher.particles)
    if prev and prev.folded in matcher.known and _adjacent(text, prev, t):
        return True
    nxt = _token_after(text, t, matcher.particles)
    return bool(nxt and nxt.folded in matcher.known and _adjacent(text, t, nxt))


def near_miss_fixes(text: str, matcher: Matcher, config: NamesConfig, lang: str | None,
                    taken: list[tuple[int, int]], doc_entries: set[int]) -> list[Fix]:
    """Near-misses of glossary names in *text*, each with what supports it.

    A near-miss and what supports it lie in one run of adjacent tokens, so only the runs that
    can hold a near-miss are examined, one by one.
    """
    common = _common_words(lang or "en")
    runs = _candidate_runs(text, matcher, config.min_length, common)
    taken_ends = [b for _, b in taken]
    fixes: list[Fix] = []
    for run in runs:
        level = [_level(text, t, matcher, common, config.min_length, taken, taken_ends) for t in run]
        if any(level):
            fixes += _run_fixes(text, run, level, matcher, lang, doc_entries)
    return fixes


def _level(text: str, t: Token, matcher: Matcher, common: frozenset[str], min_length: int,
           taken: list[tuple[int, int]], taken_ends: list[int]) -> int:
    """0: leave alone (short, lower-case, a glossary word, or inside a glossary match);
    1: may be corrected; 2: a common word, may only be suggested."""
    if not (len(t.folded) >= min_length and t.text[0].isupper() and t.folded not in matcher.known and (
            t.text[1:].islower() or (t.text.isupper() and len(t.text) >= 6)) and not (
            t.start > 1 and text[t.start - 1] in "'’" and text[t.start - 2].isalpha())):
        return 0
    k = bisect.bisect_right(taken_ends, t.start)  # the first taken span ending after the token's start
    if k < len(taken) and taken[k][0] < t.end:
        return 0  # inside a glossary match, a URL or an address
    return 2 if t.folded in common else 1


def _run_fixes(text: str, toks: list[Token], level: list[int], matcher: Matcher, lang: str | None,
               doc_entries: set[int]) -> list[Fix]:
    """The near-misses in one run of adjacent tokens *toks*, whose levels are *level* (see _level)."""
    known = matcher.known
    title_ends = _title_ends()

    def fits(k: int, f: str) -> int | None:
        """Distance of text token *k* to form word *f* (0 when equal), None when not near."""
        if toks[k].folded == f:
            return 0
        if not level[k]:
            return None
        for target, d, ds in matcher.near(toks[k].folded):
            if target == f:
                return d if ds else 0
        return None

    fixes: list[Fix] = []
    used: set[int] = set()
    for j in (k for k, lv in enumerate(level) if lv):
        if j in used:
            continue
        t = toks[j]
        # Most capitalized words are near no glossary name: the cached look-up comes first, and the
        # set look-ups before the adjacency tests (same decisions, fewer calls).
        if level[j] == 2 and not ((j > 0 and toks[j - 1].folded in known)
                                  or (j + 1 < len(toks) and toks[j + 1].folded in known)):
            continue
        near = matcher.near(t.folded)
        if not near:
            continue
        prev_ok = j > 0 and _adjacent(text, toks[j - 1], t)
        next_ok = j + 1 < len(toks) and _adjacent(text, t, toks[j + 1])
        if level[j] == 2 and not ((prev_ok and toks[j - 1].folded in known)
                                  or (next_ok and toks[j + 1].folded in known)):
            continue  # a common word is only ever suggested, and only next to the rest of a known name
        best: Fix | None = None
        # (a) the rest of a full name is there
        for target, d, ds in near:
            refs: list = []
            if prev_ok:
                refs += matcher.pairs.get((toks[j - 1].folded, target), [])
                for prev_t, _, _ in (matcher.near(toks[j - 1].folded) if level[j - 1] else ()):
                    refs += matcher.pairs.get((prev_t, target), [])
            if next_ok:
                refs += matcher.pairs.get((target, toks[j + 1].folded), [])
                for next_t, _, _ in (matcher.near(toks[j + 1].folded) if level[j + 1] else ()):
                    refs += matcher.pairs.get((target, next_t), [])
            for ref in refs:
                pos = ref.pos if ref.tokens[ref.pos] == target else ref.pos + 1
                first = j - pos
                if first < 0 or first + len(ref.tokens) > len(toks):
                    continue
                idx = range(first, first + len(ref.tokens))
                if any(not _adjacent(text, toks[a], toks[a + 1]) for a in idx[:-1]):
                    continue
                dists = [fits(k, f) for k, f in zip(idx, ref.tokens)]
                if any(x is None for x in dists):
                    continue
                if not any(toks[k].folded == f for k, f in zip(idx, ref.tokens)) and any(dists):
                    continue  # every word misspelt: only transliteration variants may pass
                surface = _preferred_surface(matcher.entries[ref.entry], ref, lang)
                changed = [(k, new) for k, s in zip(idx, surface)
                           if not _same_text(toks[k].text, new := _match_case(toks[k].text, s))]
                if not changed:
                    continue
                fix = Fix([(toks[k], new) for k, new in changed], ref.entry, "full-name",
                          sum(x for x in dists if x), all(level[k] == 1 for k, _ in changed),
                          (toks[first].start, toks[idx[-1]].end))
                fix_idx = [k for k, _ in changed]
                if best is None or fix.distance < best[0].distance:
                    best = (fix, fix_idx)
            if best:
                break
        if best is None and level[j] == 1:
            target, d, ds = near[0]
            refs = matcher.singles.get(target, [])
            if len({r.entry for r in refs}) == 1:
                ref = refs[0]
                e = matcher.entries[ref.entry]
                titled = bool(prev_ok and toks[j - 1].folded in title_ends and _title_pattern(
                    lang if lang in _titles() else "*").search(text, max(0, t.start - 40), t.start))
                # Next to another capitalized word the word is part of someone else's name
                # (Deval Patrick, James Cagney): a surname alone is only fixed when it stands alone.
                alone = not (prev_ok and toks[j - 1].text[0].isupper() and not titled
                             and not _sentence_initial(text, toks[j - 1].start)) and not (
                    next_ok and toks[j + 1].text[0].isupper())
                close = ds == 0 or (d <= 1 and len(t.folded) >= 5)
                support = "none"
                # A title alone vouches only for a transliteration variant (Zelenskij); one real
                # edit (Tokarev for Tokayev) also needs the entry's context words nearby.
                if alone and e.kind == "person" and len(ref.tokens) > 1 and titled and (
                        ds == 0 or (close and _has_context(matcher, ref.entry, text, t))):
                    support = "title"
                elif alone and ds == 0 and _has_context(matcher, ref.entry, text, t):
                    # only a transliteration variant (Zelenskij), with the entry's context words nearby
                    support = "context"
                if support == "none" and alone and close and ref.entry in doc_entries:
                    support = "document"
                if support == "none" and not (alone and close):
                    continue  # part of another name, or two edits from a surname: not worth a suggestion
                word = _preferred_surface(e, ref, lang)[ref.pos] if ref.pos < len(ref.surface) else ref.surface[ref.pos]
                new = _match_case(t.text, word)
                if _same_text(t.text, new):
                    continue
                fix = Fix([(t, new)], ref.entry, support, d if ds else 0, True, (t.start, t.end))
                best = (fix, [j])
        # A word already rewritten by a fix found from an earlier word of the same name is not fixed twice.
        if best is not None and serves(matcher.entries[best[0].entry], lang) and used.isdisjoint(best[1]):
            fixes.append(best[0])
            used.update(best[1])
    return fixes


# -- pass 3: consistency of unknown names ------------------------------------------------


def spelling_groups(text: str, matcher: Matcher, lang: str | None, skip: set[int] = frozenset()) -> dict[str, Counter]:
    """Capitalized words in no glossary and not common, grouped by transliteration skeleton."""
    keys = matcher.spelling_keys(_capitalized_words(text), lang or "en")
    return _spelling_counts(text, keys, set(keys.values()), skip)


def unknown_spellings(text: str, matcher: Matcher, lang: str | None, skip: set[int]) -> list[tuple[str, Counter]]:
    """Groups of capitalized words that are in no glossary and equal after transliteration folding."""
    keys = matcher.spelling_keys(_capitalized_words(text), lang or "en")
    if len(set(keys.values())) == len(keys):
        return []  # the usual case: no two words share a skeleton
    shared = {k for k, n in Counter(keys.values()).items() if n > 1}
    return [(k, c) for k, c in _spelling_counts(text, keys, shared, skip).items() if len(c) > 1]


def _spelling_counts(text: str, keys: dict[str, str], skeletons: set[str], skip: set[int]) -> dict[str, Counter]:
    """How often each word of *keys* whose skeleton is in *skeletons* occurs (not at *skip*), by skeleton.
    Groups and tied counts come in text order."""
    groups: dict[str, Counter] = defaultdict(Counter)
    for start, w in _all_occurrences(text, (w for w, k in keys.items() if k in skeletons)):
        if start not in skip:
            groups[keys[w]][w] += 1
    return groups


def near_misses(text: str, matcher: Matcher, *, lang: str | None = None,
                config: NamesConfig = NamesConfig()) -> list[Fix]:
    """Every near-miss of a glossary name in *text*, supported or not (for `mtclean glossary suggest`)."""
    protected = _protected_spans(text)
    _, mentions, covered = exact_edits(text, matcher, lang, protected)
    return near_miss_fixes(text, matcher, config, lang, _merge_spans([*protected, *covered]),
                           {m.entry for m in mentions})


# -- the stage function ---------------------------------------------------------------------


def fix_names(text: str, *, glossary: Glossary | None = None, config: NamesConfig = NamesConfig(),
              lang: str | None = None) -> tuple[str, list[Edit]]:
    """The names stage as a plain function: ``str -> (str, edits)``."""
    out, edits, _, _ = normalize_names(text, glossary=glossary, config=config, lang=lang)
    return out, edits


def normalize_names(text: str, *, glossary: Glossary | None = None, config: NamesConfig = NamesConfig(),
                    lang: str | None = None) -> tuple[str, list[Edit], list[Edit], list[str]]:
    """Return (new text, edits, suggestions in new-text offsets, notes)."""
    if glossary is None:
        glossary = load_glossaries(config.glossary_dirs, shipped=config.shipped_glossaries)
    glossary = config.profile(glossary)
    matcher = matcher_for(glossary, max_distance=config.max_distance)
    protected = _protected_spans(text)
    exact, mentions, covered = exact_edits(text, matcher, lang, protected)
    # Near-misses and consistency look at the text with the listed variants already
    # replaced, so "Volodimir Zelenski" (only the surname listed) can still be
    # completed from the full name.
    mid = text
    applied: list[Edit] = []
    for _ in range(3):  # a replaced surname can complete a listed full-name variant; chains are a lint error
        if not exact:
            break
        mid = apply_edits(mid, exact)
        applied = compose(applied, exact)
        protected = _protected_spans(mid)
        exact, mentions, covered = exact_edits(mid, matcher, lang, protected)
    exact = applied
    edits: list[Edit] = []  # offsets into mid
    suggestions: list[Edit] = []  # offsets into mid
    notes: list[str] = []
    if config.fuzzy and not matcher.empty:
        taken = _merge_spans([*protected, *covered])
        doc_entries = {m.entry for m in mentions}
        for fix in near_miss_fixes(mid, matcher, config, lang, taken, doc_entries):
            if fix.support == "none" and not config.suggest_unsupported:
                continue  # nothing in the text says it is that name: an editor's question (glossary suggest)
            e = matcher.entries[fix.entry]
            apply = config.apply_fuzzy and fix.safe and (
                fix.support in ("full-name", "title", "context")
                or (fix.support == "document" and config.consistency == "unify"))
            for tk, new in fix.tokens:
                if new == tk.text:
                    continue
                why = {"full-name": "the rest of the full name matches", "title": "a title precedes it",
                       "context": "the entry's context words occur in the text",
                       "document": "the glossary spelling occurs elsewhere in the document",
                       "none": "no supporting context"}[fix.support]
                if not fix.safe:
                    why += "; not applied: a common word or another known name"
                how = f"{fix.distance} edit(s)" if fix.distance else "transliteration variant"
                edit = Edit(tk.start, tk.end, tk.text, new, "names.fuzzy" if apply else "names.fuzzy_suggestion",
                            f"near-miss of {e.id} ({how}); {why}",
                            {"entry": e.id, "support": fix.support, "distance": fix.distance})
                (edits if apply else suggestions).append(edit)
                mentions.append(Mention(fix.entry, tk.start, tk.end, new if apply else tk.text, apply))
    edits.sort(key=lambda x: x.start)
    if config.consistency != "off":
        notes += _entry_consistency(mentions, matcher)
        known_starts = {m.start for m in mentions}
        for _, counts in unknown_spellings(mid, matcher, lang, known_starts):
            (major, n), *rest = counts.most_common()
            notes.append("names.consistency: one name spelt " + " / ".join(f"{w} x{c}" for w, c in counts.most_common()))
            if n > rest[0][1]:
                minority = {w for w, _ in rest}
                taken = [(x.start, x.end) for x in edits]
                starts = [s for s, _ in taken]
                for start, w in _all_occurrences(mid, minority):
                    end = start + len(w)
                    if not (taken and _inside(taken, starts, start, end)):
                        edit = Edit(start, end, w, major, "names.consistency",
                                    f"spelt {major} {n} times elsewhere in the document", {"majority": major})
                        (edits if config.consistency == "unify" else suggestions).append(edit)
        edits.sort(key=lambda x: x.start)
    out = apply_edits(mid, edits) if edits else mid
    moved = sorted((
        Edit(map_offset(edits, s.start), map_offset(edits, s.start) + (s.end - s.start), s.before, s.after,
             s.rule, s.reason, s.evidence) for s in suggestions), key=lambda x: x.start)
    return out, compose(exact, edits), moved, notes


def _entry_consistency(mentions: Sequence[Mention], matcher: Matcher) -> list[str]:
    odd = {m.entry for m in mentions if not m.house}  # only these can be spelt two ways
    if not odd:
        return []
    by_entry: dict[int, Counter] = defaultdict(Counter)
    for m in mentions:
        if m.entry in odd:
            by_entry[m.entry][(m.house, m.text)] += 1
    notes = []
    for i, counts in by_entry.items():
        forms = {(h, fold(t)) for h, t in counts}
        spellings = {t for h, t in forms if not h}
        if spellings and (len(spellings) > 1 or any(h for h, _ in forms)):
            e = matcher.entries[i]
            notes.append(f"names.consistency: {e.id} spelt " + " / ".join(
                f"{t} x{c}" for (h, t), c in sorted(counts.items(), key=lambda x: -x[1])))
    return notes


class NamesStage(Stage):
    """Apply glossary spellings of names; fix near-misses with supporting context; report inconsistencies."""

    name = "names"
    version = 1
    description = "Glossary name spellings, near-miss correction and within-document consistency"
    Config = NamesConfig

    def validate(self) -> None:
        # Parsed once here; load_glossaries caches the result for setup() in this
        # process and in workers forked from it.
        load_glossaries(self.config.glossary_dirs, shipped=self.config.shipped_glossaries)

    def setup(self) -> None:
        self.glossary = load_glossaries(self.config.glossary_dirs, shipped=self.config.shipped_glossaries)
        self.glossary = self.config.profile(self.glossary)
        self.matcher = matcher_for(self.glossary, max_distance=self.config.max_distance)
        # The glossary and its indexes live as long as the worker: move them out of
        # the cyclic garbage collector's sight, or every collection triggered while
        # processing documents rescans them and a big glossary slows every document.
        gc.collect()
        gc.freeze()
        super().setup()

    def fix(self, text: str, *, lang: str | None = None) -> tuple[str, list[Edit]]:
        self._ensure_ready()
        return fix_names(text, glossary=self.glossary, config=self.config, lang=lang)

    def process(self, doc):
        self._ensure_ready()
        out, edits, suggestions, notes = normalize_names(doc.text, glossary=self.glossary, config=self.config,
                                                         lang=doc.lang)
        return doc.apply(self.record(doc, edits, suggestions=suggestions, notes=notes), out)
