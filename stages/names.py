"""Name normalization: house spellings from the glossaries.

Three passes over a text, all driven by the loaded glossaries:

1. **Exact variants.** Every variant, canonical and allowed form of every entry
   goes into one Aho-Corasick automaton (pyahocorasick) over lower-cased text.
   A hit counts only as a whole word (never inside another word, URL or e-mail
   address) and with a plausible case (``Zelenski``, ``ZELENSKI``; not
   ``zelenski``). Where hits overlap the longest wins, and canonical or allowed
   forms beat variants, so ``Chicken Kiev`` (allowed) or another entry's name
   is never rewritten. A possessive or suffix after the name stays
   (``Zelenski's`` -> ``Zelensky's``).
2. **Unseen near-misses.** A capitalized word that is in no glossary and is not
   a common word is looked up among the glossary's name words (one or two edits
   away, or equal after transliteration folding: k/c, y/i, ph/f, doubled
   letters...) through a symmetric-deletion index, so the cost does not grow
   with the glossary. rapidfuzz verifies the distance. The correction is made
   only when the context supports it: the rest of the full name is there
   (``Emauel Macron``), a title precedes the surname (``President Zelenski``),
   or the entry's context words occur nearby; otherwise it becomes a
   suggestion (not applied).
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
import json
import tomllib
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import ahocorasick
import regex
from rapidfuzz.distance import OSA

from mtclean.pipeline.edits import Edit, apply_edits, map_offset
from mtclean.pipeline.errors import ConfigError
from mtclean.pipeline.glossary import Entry, Glossary, load_glossaries
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
    minority spelling within a document).
    """

    glossary_dirs: tuple[str, ...] = ()
    shipped_glossaries: bool = True
    fuzzy: bool = True
    apply_fuzzy: bool = True
    max_distance: int = 2
    min_length: int = 4
    consistency: str = "report"


# -- text helpers ----------------------------------------------------------------

_WORD = regex.compile(r"[\p{L}\p{M}]+")
_WORDCHAR = regex.compile(r"[\p{L}\p{M}\p{N}_]")
_URLISH = regex.compile(
    r"(?:https?://|ftp://|www\.)[^\s<>\"]+"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?<![\w@.])(?:[\w-]+\.)+(?:com|org|net|gov|edu|int|info|io|eu|uk|ua|ru|gr|cy|de|fr|it|tr)\b(?:/[^\s<>\"]*)?",
    regex.I,
)
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
    out = {s}
    frontier = {s}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))} - out
        out |= frontier
    return out


def _match_case(template: str, word: str) -> str:
    """*word* in the case pattern of *template* (ALL CAPS, Capitalized, or as given)."""
    if len(template) > 1 and template.isupper():
        return word.upper()
    if template[:1].isupper() and word[:1].islower():
        return word[:1].upper() + word[1:]
    return word


@lru_cache(maxsize=4)
def _common_words(lang: str) -> frozenset[str]:
    # Words frequent enough in the language (wordfreq data, see the file's header)
    # are never taken as misspelt names.
    path = DATA / f"common_words_{lang}.json"
    if not path.exists():
        return frozenset()
    data = json.loads(path.read_text(encoding="utf-8"))
    return frozenset(w.lower() for w in data.get("words", ()))


@lru_cache(maxsize=1)
def _titles() -> dict[str, tuple[str, ...]]:
    with (DATA / "names.toml").open("rb") as f:
        return {k: tuple(v) for k, v in tomllib.load(f)["titles"].items()}


@lru_cache(maxsize=8)
def _title_pattern(lang: str) -> "regex.Pattern[str]":
    titles = sorted({t for ts in _titles().values() for t in ts} if lang == "*" else set(_titles().get(lang, ())),
                    key=len, reverse=True)
    alt = "|".join(regex.escape(t) for t in titles) or r"(?!)"
    return regex.compile(rf"(?:(?<![\p{{L}}\p{{M}}])(?:{alt}))\s+$", regex.I)


# -- the matcher -----------------------------------------------------------------

PROTECT, VARIANT = 0, 1


@dataclass(frozen=True, slots=True)
class Claim:
    what: int  # PROTECT (a correct form) or VARIANT (a form to replace)
    entry: int  # index into Matcher.entries
    form: str


@dataclass(frozen=True, slots=True)
class FormRef:
    entry: int
    tokens: tuple[str, ...]  # folded tokens of a correct multi-word form
    surface: tuple[str, ...]  # the same tokens as written in the glossary
    pos: int  # position of the indexed token in the form


class Matcher:
    """Everything the stage needs from a glossary, compiled once (automaton and indexes)."""

    def __init__(self, glossary: Glossary, *, max_distance: int = 2):
        self.entries: list[Entry] = list(glossary.entries)
        self.max_distance = max_distance
        self.automaton = ahocorasick.Automaton()
        keys: dict[str, list[Claim]] = defaultdict(list)
        for i, e in enumerate(self.entries):
            for form in e.forms():
                self._add_key(keys, form, Claim(PROTECT, i, form))
            for form in e.variants:
                self._add_key(keys, form, Claim(VARIANT, i, form))
        for key, claims in keys.items():
            self.automaton.add_word(key, (len(key), tuple(claims)))
        self.empty = not keys
        if keys:
            self.automaton.make_automaton()

        # Fuzzy indexes: every word of a correct form is a possible target.
        self.known: set[str] = set()  # folded words of every form, variants included
        self.target_surface: dict[str, str] = {}
        self.deletes: dict[str, set[str]] = defaultdict(set)
        self.pairs: dict[tuple[str, str], list[FormRef]] = defaultdict(list)
        self.singles: dict[str, list[FormRef]] = defaultdict(list)  # last word / one-word form -> entries
        self.context: dict[int, frozenset[str]] = {}
        for i, e in enumerate(self.entries):
            for form in [*e.forms(), *e.variants]:
                self.known.update(fold(w) for w in _WORD.findall(form))
            if e.context:
                self.context[i] = frozenset(fold(w) for c in e.context for w in _WORD.findall(c))
            if e.case_sensitive:
                continue  # acronyms and ambiguous short forms are matched exactly only
            for form in [*e.canonical.values(), *e.surname.values()]:
                surface = tuple(_WORD.findall(form))
                tokens = tuple(fold(w) for w in surface)
                if not tokens:
                    continue
                for w, t in zip(surface, tokens):
                    if len(t) >= 3 and t not in self.target_surface:
                        self.target_surface[t] = w
                        sk = skeleton(t)
                        for d in _deletes(sk, self._depth(len(sk))):
                            self.deletes[d].add(t)
                for k in range(len(tokens) - 1):
                    self.pairs[(tokens[k], tokens[k + 1])].append(FormRef(i, tokens, surface, k))
                last = len(tokens) - 1
                self.singles[tokens[last]].append(FormRef(i, tokens, surface, last))
        self._near_cache: dict[str, tuple[tuple[str, int, int], ...]] = {}

    def _depth(self, n: int) -> int:
        return min(self.max_distance, 2) if n >= 6 else (1 if n >= 3 else 0)

    @staticmethod
    def _add_key(keys: dict[str, list[Claim]], form: str, claim: Claim) -> None:
        form = form.strip()
        if not form:
            return
        for variant in {unicodedata.normalize("NFC", form), unicodedata.normalize("NFD", form)}:
            key = fold(variant)
            if claim not in keys[key]:
                keys[key].append(claim)

    def near(self, word: str) -> tuple[tuple[str, int, int], ...]:
        """Glossary words near folded *word*: (target, distance, skeleton distance), closest first."""
        hit = self._near_cache.get(word)
        if hit is not None:
            return hit
        sk = skeleton(word)
        depth = self._depth(len(sk))
        found: dict[str, tuple[int, int]] = {}
        for d in _deletes(sk, depth) if depth else ():
            for t in self.deletes.get(d, ()):
                if t in found or t == word:
                    continue
                tsk = skeleton(t)
                if tsk[:1] != sk[:1] or _script(t) != _script(word):
                    continue
                dist_sk = OSA.distance(sk, tsk, score_cutoff=2)
                dist = min(OSA.distance(word, t, score_cutoff=3), dist_sk)
                limit = min(self.max_distance, 2) if min(len(word), len(t)) >= 6 else 1
                if dist <= limit:
                    found[t] = (dist, dist_sk)
        out = tuple(sorted(((t, d, ds) for t, (d, ds) in found.items()), key=lambda x: (x[1], x[2], x[0])))
        if len(self._near_cache) > 200_000:
            self._near_cache.clear()
        self._near_cache[word] = out
        return out


_matchers: dict[tuple[int, int], tuple[Glossary, Matcher]] = {}


def matcher_for(glossary: Glossary, *, max_distance: int = 2) -> Matcher:
    """The compiled matcher of *glossary* (built once per glossary object; load_glossaries caches those)."""
    key = (id(glossary), max_distance)
    hit = _matchers.get(key)
    if hit is not None and hit[0] is glossary:
        return hit[1]
    if len(_matchers) > 8:
        _matchers.clear()
    m = Matcher(glossary, max_distance=max_distance)
    _matchers[key] = (glossary, m)
    return m


# -- pass 1: exact variants ------------------------------------------------------------


def _protected_spans(text: str) -> list[tuple[int, int]]:
    if "." not in text and "@" not in text:
        return []
    return [m.span() for m in _URLISH.finditer(text)]


def _inside(spans: list[tuple[int, int]], starts: list[int], a: int, b: int) -> bool:
    i = bisect.bisect_right(starts, a) - 1
    return i >= 0 and spans[i][1] > a or (i + 1 < len(spans) and spans[i + 1][0] < b)


def _boundary_ok(text: str, start: int, end: int) -> bool:
    if start > 0:
        prev = text[start - 1]
        if _WORDCHAR.match(prev) or prev in "@#/\\":
            return False
    if end < len(text):
        nxt = text[end]
        if _WORDCHAR.match(nxt) or nxt in "@/\\":
            return False
        if nxt in ".-" and end + 1 < len(text) and text[end + 1].isalnum() and nxt == ".":
            return False  # a domain name such as kiev.ua
    return True


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
        return replacement.upper()
    if how == "capital":
        return replacement[:1].upper() + replacement[1:]
    return replacement


@dataclass
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


def _replacement(e: Entry, variant: str, matched: str, text: str, start: int, lang: str | None) -> str | None:
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
                protected: list[tuple[int, int]]) -> tuple[list[Edit], list[Mention]]:
    if matcher.empty:
        return [], []
    folded = fold(text)
    hits: list[tuple[int, int, tuple[Claim, ...]]] = []
    starts = [s for s, _ in protected]
    for end, (length, claims) in matcher.automaton.iter(folded):
        start = end - length + 1
        if _boundary_ok(text, start, end + 1) and not (protected and _inside(protected, starts, start, end + 1)):
            # Canonical or allowed forms win ties with variants: correct text stays.
            hits.append((start, end + 1, claims))
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0]), min(c.what for c in h[2])))
    edits: list[Edit] = []
    mentions: list[Mention] = []
    pos = 0
    for start, end, claims in hits:
        if start < pos:
            continue
        matched = text[start:end]
        protect = [c for c in claims if c.what == PROTECT]
        if protect:
            pos = end
            mentions.append(Mention(protect[0].entry, start, end, matched,
                                    _is_house(matcher.entries[protect[0].entry], matched)))
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
            mentions.append(Mention(c.entry, start, end, rep, True))
            if rep != matched:
                edits.append(Edit(
                    start, end, matched, rep, "names.variant",
                    f"glossary spelling of {e.id}: {matched} -> {rep}",
                    {"entry": e.id, "variant": c.form, "glossary": Path(e.file).name if e.file else "",
                     "line": e.line},
                ))
            break
    return edits, mentions


def _is_house(e: Entry, matched: str) -> bool:
    m = fold(matched)
    for form in [*e.canonical.values(), *e.surname.values()]:
        f = fold(form)
        if m == f or f.endswith(" " + m) or f.startswith(m + " "):
            return True
    return False


# -- pass 2: near-misses -----------------------------------------------------------------


@dataclass
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
    distance: int


def _tokens(text: str) -> list[Token]:
    return [Token(m.start(), m.end(), m.group(), fold(m.group())) for m in _WORD.finditer(text)]


def _adjacent(text: str, a: Token, b: Token) -> bool:
    gap = text[a.end:b.start]
    return 0 < len(gap) <= 2 and gap.strip() in ("", "-")


def near_miss_fixes(text: str, matcher: Matcher, config: NamesConfig, lang: str | None,
                    taken: list[tuple[int, int]], doc_entries: set[int]) -> list[Fix]:
    """Near-misses of glossary names in *text*, each with what supports it."""
    common = _common_words(lang or "en")
    toks = _tokens(text)
    index_of = {t.start: k for k, t in enumerate(toks)}
    taken_starts = [s for s, _ in taken]
    titles = _title_pattern(lang if lang in _titles() else "*")
    doc_words = {t.folded for t in toks}

    def candidate(t: Token) -> bool:
        return (len(t.folded) >= config.min_length and t.text[:1].isupper() and t.folded not in matcher.known
                and t.folded not in common and not (taken and _inside(taken, taken_starts, t.start, t.end)))

    def fits(t: Token, f: str) -> int | None:
        """Distance of text token *t* to form word *f* (0 when equal), None when not near."""
        if t.folded == f:
            return 0
        if not candidate(t):
            return None
        for target, d, ds in matcher.near(t.folded):
            if target == f:
                return d if ds else 0
        return None

    fixes: list[Fix] = []
    used: set[int] = set()
    for j, t in enumerate(toks):
        if j in used or not candidate(t):
            continue
        near = matcher.near(t.folded)
        if not near:
            continue
        best: Fix | None = None
        # (a) the rest of a full name is there
        for target, d, ds in near:
            refs: list[FormRef] = []
            if j > 0 and _adjacent(text, toks[j - 1], t):
                refs += matcher.pairs.get((toks[j - 1].folded, target), [])
                for prev_t, _, _ in (matcher.near(toks[j - 1].folded) if candidate(toks[j - 1]) else ()):
                    refs += matcher.pairs.get((prev_t, target), [])
            if j + 1 < len(toks) and _adjacent(text, t, toks[j + 1]):
                refs += matcher.pairs.get((target, toks[j + 1].folded), [])
                for next_t, _, _ in (matcher.near(toks[j + 1].folded) if candidate(toks[j + 1]) else ()):
                    refs += matcher.pairs.get((target, next_t), [])
            for ref in refs:
                pos = ref.pos if ref.tokens[ref.pos] == target else ref.pos + 1
                first = j - pos
                if first < 0 or first + len(ref.tokens) > len(toks):
                    continue
                span = toks[first:first + len(ref.tokens)]
                if any(not _adjacent(text, a, b) for a, b in zip(span, span[1:])):
                    continue
                dists = [fits(tk, f) for tk, f in zip(span, ref.tokens)]
                if any(x is None for x in dists):
                    continue
                exact = sum(1 for tk, f in zip(span, ref.tokens) if tk.folded == f)
                if exact == 0 and any(dists):
                    continue  # every word misspelt: only transliteration variants may pass
                changed = [(tk, _match_case(tk.text, s)) for tk, f, s in zip(span, ref.tokens, ref.surface)
                           if tk.folded != f]
                fix = Fix(changed, ref.entry, "full-name", sum(x for x in dists if x))
                if best is None or fix.distance < best.distance:
                    best = fix
            if best:
                break
        if best is None:
            target, d, ds = near[0]
            refs = matcher.singles.get(target, [])
            entries = {r.entry for r in refs}
            if len(entries) == 1:
                ref = refs[0]
                e = matcher.entries[ref.entry]
                support = "none"
                if e.kind == "person" and len(ref.tokens) > 1 and titles.search(text, max(0, t.start - 40), t.start):
                    support = "title"
                elif ref.entry in matcher.context and matcher.context[ref.entry] & doc_words and (
                        ds == 0 or (d <= 1 and len(t.folded) >= 6)):
                    support = "context"
                elif ref.entry in doc_entries:
                    support = "document"
                best = Fix([(t, _match_case(t.text, ref.surface[ref.pos]))], ref.entry, support, d)
        if best is not None:
            fixes.append(best)
            used.update(index_of[tk.start] for tk, _ in best.tokens)
    return fixes


# -- pass 3: consistency of unknown names ------------------------------------------------


def unknown_spellings(text: str, matcher: Matcher, lang: str | None, skip: set[int]) -> list[tuple[str, Counter]]:
    """Groups of capitalized words that are in no glossary and equal after transliteration folding."""
    common = _common_words(lang or "en")
    groups: dict[str, Counter] = defaultdict(Counter)
    for t in _tokens(text):
        if (len(t.folded) >= 5 and t.text[:1].isupper() and not t.text.isupper() and t.folded not in matcher.known
                and t.folded not in common and t.start not in skip):
            groups[skeleton(t.folded)][t.text] += 1
    return [(k, c) for k, c in groups.items() if len(c) > 1]


# -- the stage function ---------------------------------------------------------------------


def fix_names(text: str, *, glossary: Glossary | None = None, config: NamesConfig = NamesConfig(),
              lang: str | None = None) -> tuple[str, list[Edit]]:
    """The names stage as a plain function: ``str -> (str, edits)``."""
    out, edits, _, _ = normalize_names(text, glossary=glossary, config=config, lang=lang)
    return out, edits


def normalize_names(text: str, *, glossary: Glossary | None = None, config: NamesConfig = NamesConfig(),
                    lang: str | None = None) -> tuple[str, list[Edit], list[Edit], list[str]]:
    """Return (new text, edits, suggestions in new-text offsets, notes)."""
    if config.consistency not in CONSISTENCY_MODES:
        raise ConfigError(f"names.consistency must be one of {', '.join(CONSISTENCY_MODES)}, not {config.consistency!r}")
    if glossary is None:
        glossary = load_glossaries(config.glossary_dirs, shipped=config.shipped_glossaries)
    matcher = matcher_for(glossary, max_distance=config.max_distance)
    protected = _protected_spans(text)
    edits, mentions = exact_edits(text, matcher, lang, protected)
    suggestions: list[Edit] = []
    notes: list[str] = []
    if config.fuzzy and not matcher.empty:
        taken = sorted([*protected, *((m.start, m.end) for m in mentions)])
        doc_entries = {m.entry for m in mentions}
        for fix in near_miss_fixes(text, matcher, config, lang, taken, doc_entries):
            e = matcher.entries[fix.entry]
            apply = config.apply_fuzzy and (
                fix.support in ("full-name", "title", "context")
                or (fix.support == "document" and config.consistency == "unify"))
            for tk, new in fix.tokens:
                if new == tk.text:
                    continue
                why = {"full-name": "the rest of the full name matches", "title": "a title precedes it",
                       "context": "the entry's context words occur in the text",
                       "document": "the glossary spelling occurs elsewhere in the document",
                       "none": "no supporting context"}[fix.support]
                edit = Edit(tk.start, tk.end, tk.text, new, "names.fuzzy" if apply else "names.fuzzy_suggestion",
                            f"near-miss of {e.id} ({fix.distance} edit(s)); {why}",
                            {"entry": e.id, "support": fix.support, "distance": fix.distance})
                (edits if apply else suggestions).append(edit)
                mentions.append(Mention(fix.entry, tk.start, tk.end, new if apply else tk.text, apply))
    edits.sort(key=lambda x: x.start)
    if config.consistency != "off":
        notes += _entry_consistency(mentions, matcher)
        known_starts = {m.start for m in mentions}
        for _, counts in unknown_spellings(text, matcher, lang, known_starts):
            (major, n), *rest = counts.most_common()
            notes.append("names.consistency: one name spelt " + " / ".join(f"{w} x{c}" for w, c in counts.most_common()))
            if n > rest[0][1]:
                minority = {w for w, _ in rest}
                taken = [(x.start, x.end) for x in edits]
                starts = [s for s, _ in taken]
                for t in _tokens(text):
                    if t.text in minority and not (taken and _inside(taken, starts, t.start, t.end)):
                        edit = Edit(t.start, t.end, t.text, major, "names.consistency",
                                    f"spelt {major} {n} times elsewhere in the document", {"majority": major})
                        (edits if config.consistency == "unify" else suggestions).append(edit)
        edits.sort(key=lambda x: x.start)
    out = apply_edits(text, edits)
    moved = sorted((
        Edit(map_offset(edits, s.start), map_offset(edits, s.start) + (s.end - s.start), s.before, s.after,
             s.rule, s.reason, s.evidence) for s in suggestions), key=lambda x: x.start)
    return out, edits, moved, notes


def _entry_consistency(mentions: Sequence[Mention], matcher: Matcher) -> list[str]:
    by_entry: dict[int, Counter] = defaultdict(Counter)
    for m in mentions:
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

    def setup(self) -> None:
        if self.config.consistency not in CONSISTENCY_MODES:
            raise ConfigError(f"names.consistency must be one of {', '.join(CONSISTENCY_MODES)}")
        self.glossary = load_glossaries(self.config.glossary_dirs, shipped=self.config.shipped_glossaries)
        self.matcher = matcher_for(self.glossary, max_distance=self.config.max_distance)
        super().setup()

    def fix(self, text: str, *, lang: str | None = None) -> tuple[str, list[Edit]]:
        self._ensure_ready()
        return fix_names(text, glossary=self.glossary, config=self.config, lang=lang)

    def process(self, doc):
        self._ensure_ready()
        out, edits, suggestions, notes = normalize_names(doc.text, glossary=self.glossary, config=self.config,
                                                         lang=doc.lang)
        return doc.apply(self.record(doc, edits, suggestions=suggestions, notes=notes), out)
