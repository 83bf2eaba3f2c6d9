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

import json
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterable, Sequence

import regex

from mtclean.pipeline import language
from mtclean.pipeline.document import Document, Span
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
    window: int = 8  # words in the cheap check's sliding window
    suspicion: float = 3.0  # window score from which langdetect is consulted
    foreign_share: float = 0.5  # share of a candidate's scored words that must look foreign
    skip_names: bool = True  # capitalized name sequences are not fragments (same script; Latin inside other scripts)
    skip_quoted_titles: bool = False  # text in quotation marks of at most max_title_words words is a title
    max_title_words: int = 12
    glossary_dirs: tuple[str, ...] = ()
    shipped_glossaries: bool = True


# -- data ------------------------------------------------------------------------


@dataclass(frozen=True)
class ScriptGroup:
    name: str
    scripts: tuple[str, ...]
    langs: tuple[str, ...]
    host_langs: tuple[str, ...]
    bicameral: bool
    char: regex.Pattern
    run: regex.Pattern


def _data(name: str) -> dict:
    return json.loads(resources.files("mtclean.stages").joinpath("data", name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def script_groups() -> dict[str, ScriptGroup]:
    """The script groups of ``data/fragment_scripts.json``, with their compiled patterns."""
    groups = {}
    for name, g in _data("fragment_scripts.json")["groups"].items():
        letters = "".join(rf"\p{{{s}}}" for s in g["scripts"])
        word = rf"[{letters}][{letters}\p{{M}}\u200c\u200d]*(?:['’\-‐][{letters}][{letters}\p{{M}}\u200c\u200d]*)*"
        # Between two words of the run: spaces (not line breaks), punctuation, digits.
        sep = r"(?:[^\S\n]|[\p{P}\p{S}\d\u200c\u200d])+"
        groups[name] = ScriptGroup(
            name=name,
            scripts=tuple(g["scripts"]),
            langs=tuple(g["langs"]),
            host_langs=tuple(g["host_langs"]),
            bicameral=bool(g["bicameral"]),
            char=regex.compile(rf"[{letters}]"),
            run=regex.compile(rf"{word}(?:{sep}{word})*"),
        )
    return groups


@lru_cache(maxsize=8)
def common_words(lang: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """(common words, words more frequent in another language) for *lang*, or None without a list."""
    try:
        data = _data(f"common_words_{lang}.json")
    except (FileNotFoundError, OSError):
        return None
    return frozenset(data["words"]), frozenset(data["shared"])


def _base(lang: str | None) -> str:
    return (lang or "").lower().split("-")[0].split("_")[0]


def host_group(lang: str | None, text: str) -> ScriptGroup:
    """The script group the document is written in: from its language, else its most frequent script."""
    groups = script_groups()
    code = (lang or "").lower()
    for g in groups.values():
        if code in g.host_langs or _base(code) in g.host_langs:
            return g
    counts = {name: len(g.char.findall(text[:20000])) for name, g in groups.items()}
    return groups[max(counts, key=counts.get)] if any(counts.values()) else groups["latin"]


# -- things that are never fragments ------------------------------------------------

_PROTECTED = regex.compile(
    r"""
      (?:https?|ftp)://\S+                                  # URLs
    | \bwww\.\S+
    | \b[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.(?:com|org|net|gov|edu|info|io|eu|uk|de|fr|ru|gr|ua|рф|укр)\b(?:/\S*)?
    | [\w.+-]+@[\w-]+(?:\.[\w-]+)+                          # e-mail addresses
    | (?<![\w&])[#@][\p{L}\p{M}\p{N}_]+                     # hashtags, mentions
    | ```.*?```                                              # code blocks and inline code
    | `[^`\n]+`
    | \b[\p{L}\p{N}]+(?:_[\p{L}\p{N}]+)+\b                  # snake_case identifiers
    | \b[\p{L}\p{N}_.]+\(\)                                 # calls: foo()
    | \b(?=[\p{L}\p{N}-]*\p{N})(?=[\p{L}\p{N}-]*\p{L})[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*\b  # product codes: Су-35, XR500
    | \d[\d.,]*\s?(?:[\p{L}µ°Ω%]{1,3}(?:/[\p{L}µ]{1,3})?)(?![\p{L}\p{M}])      # numbers with units: 5 µm, 3 mΩ
    """,
    regex.VERBOSE | regex.DOTALL,
)


def protected_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges that hold URLs, e-mail addresses, hashtags, code, product codes or measures."""
    return [m.span() for m in _PROTECTED.finditer(text)]


def _overlaps(ranges: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    import bisect

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


def _is_wordchar(ch: str) -> bool:
    return ch.isalnum() or unicodedata.category(ch).startswith("M")


# -- detection by script ------------------------------------------------------------


def _foreign_letter(host: ScriptGroup) -> regex.Pattern:
    return _foreign_letter_cached(host.scripts)


@lru_cache(maxsize=32)
def _foreign_letter_cached(scripts: tuple[str, ...]) -> regex.Pattern:
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
    protected: Sequence[tuple[int, int]] | None = None,
) -> list[Span]:
    """Runs of words written in another script than the document's."""
    host = host_group(lang, text)
    if host.name == "latin" and text.isascii():
        return []
    groups = script_groups()
    foreign = _foreign_letter(host)
    protected = protected_ranges(text) if protected is None else protected
    name_ranges = names.ranges(text) if names else []
    spans: list[Span] = []
    pos = 0
    while True:
        m = foreign.search(text, pos)
        if m is None:
            break
        group = next((g for g in groups.values() if g is not host and g.char.match(text, m.start())), None)
        if group is None:  # a letter of a script no group covers: step over it
            pos = m.end()
            continue
        run = group.run.match(text, m.start())
        pos = max(run.end(), m.end()) if run else m.end()
        if not run:
            continue
        words = [w for w in _run_words(group, text, run.start(), run.end())
                 if not _glued(text, *w) and not _overlaps(protected, *w) and not _overlaps(name_ranges, *w)]
        for piece in _contiguous(text, words, run.start(), run.end()):
            span = _script_span(text, piece, group, host, config, names)
            if span is not None:
                spans.append(span)
    return spans


def _run_words(group: ScriptGroup, text: str, start: int, end: int) -> list[tuple[int, int]]:
    word = _word_pattern(group.scripts)
    return [w.span() for w in word.finditer(text, start, end)]


@lru_cache(maxsize=32)
def _word_pattern(scripts: tuple[str, ...]) -> regex.Pattern:
    letters = "".join(rf"\p{{{s}}}" for s in scripts)
    return regex.compile(rf"[{letters}][{letters}\p{{M}}\u200c\u200d]*(?:['’\-‐][{letters}][{letters}\p{{M}}\u200c\u200d]*)*")


def _glued(text: str, start: int, end: int) -> bool:
    """A word stuck to letters or digits of another script (ΔT, 5µm, α-helix) is a symbol, not language."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if _is_wordchar(before) or _is_wordchar(after):
        return True
    if before in "-‐" and start > 1 and _is_wordchar(text[start - 2]):
        return True
    if after in "-‐" and end + 1 < len(text) and _is_wordchar(text[end + 1]):
        return True
    return False


def _contiguous(text: str, words: list[tuple[int, int]], start: int, end: int) -> list[list[tuple[int, int]]]:
    """Split the kept words of a run where a dropped word (a symbol, a URL) was between them."""
    pieces: list[list[tuple[int, int]]] = []
    for w in words:
        if pieces and _only_separators(text, pieces[-1][-1][1], w[0]):
            pieces[-1].append(w)
        else:
            pieces.append([w])
    return pieces


def _only_separators(text: str, a: int, b: int) -> bool:
    return not any(_is_wordchar(c) and not c.isdigit() for c in text[a:b])


def _script_span(text, words, group, host, config, names) -> Span | None:
    start, end = words[0][0], words[-1][1]
    chunk = text[start:end]
    letters = sum(1 for c in chunk if c.isalpha())
    ideographic = group.name == "cjk"
    if len(words) == 1 and letters < (2 if ideographic else config.min_script_letters):
        return None  # a lone letter or abbreviation used as a symbol
    if not ideographic and max(e - s for s, e in words) < 2:
        return None  # α β γ: a list of symbols
    if names and names.is_name(chunk):
        return None
    if config.skip_names and group.name == "latin" and all(_CAPITALIZED.fullmatch(text[s:e]) for s, e in words):
        return None  # a name or acronym kept in Latin script (MWP, Twitter, Donald Trump)
    lang, confidence = _script_language(chunk, group)
    return Span(start, end, chunk, lang, confidence, "script", "fragment")


def _script_language(chunk: str, group: ScriptGroup) -> tuple[str, float]:
    if len(group.langs) == 1:
        return group.langs[0], 1.0
    if group.name == "cjk":
        if _HANGUL.search(chunk):
            return "ko", 1.0
        if _KANA.search(chunk):
            return "ja", 1.0
    for g in language.guesses(chunk):
        if g.lang in group.langs:
            return g.lang, g.prob
    return group.langs[0], 0.5


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
    protected: Sequence[tuple[int, int]] | None = None,
) -> list[Span]:
    """Stretches in another language written in the document's own script (needs a common-word list)."""
    lists = common_words(_base(lang))
    if lists is None:
        return []
    common, shared = lists
    host = host_group(lang, text)
    word_re = _word_pattern(host.scripts)
    protected = protected_ranges(text) if protected is None else protected
    tokens = [m.span() for m in word_re.finditer(text)]
    if len(tokens) < config.min_words:
        return []
    scores = [_word_score(text[s:e], common, shared) for s, e in tokens]
    regions = _suspicious_regions(scores, config)
    if not regions:
        return []
    # Names and protected stretches give no evidence: zero them before looking closer.
    blocked = sorted([*protected, *(names.ranges(text) if names else [])])
    for i, (s, e) in enumerate(tokens):
        if scores[i] and blocked and _overlaps(blocked, s, e):
            scores[i] = 0.0
    spans: list[Span] = []
    done_until = -1
    for first, last in regions:
        s_start, s_end = _sentence_around(text, tokens[first][0], tokens[last][1])
        if s_end <= done_until:
            continue
        done_until = s_end
        spans.extend(_judge_sentence(text, tokens, scores, s_start, s_end, lang, config))
    return _merge_adjacent(text, spans)


def _suspicious_regions(scores: list[float], config: FragmentsConfig) -> list[tuple[int, int]]:
    """Token index ranges where a window of words holds enough foreign evidence."""
    w = max(2, config.window)
    n = len(scores)
    if sum(s for s in scores if s > 0) < config.suspicion:
        return []
    regions: list[tuple[int, int]] = []
    total = sum(scores[:w])
    positives = sum(1 for s in scores[:w] if s > 0)
    for i in range(0, max(1, n - w + 1)):
        if i:
            old, new = scores[i - 1], scores[i + w - 1]
            total += new - old
            positives += (new > 0) - (old > 0)
        if total >= config.suspicion and positives >= 3:
            last = min(n, i + w) - 1
            if regions and i <= regions[-1][1] + 1:
                regions[-1] = (regions[-1][0], last)
            else:
                regions.append((i, last))
    return regions


def _sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence(s) holding text[start:end]: from the previous sentence end to the next."""
    left = 0
    for m in _SENTENCE_END.finditer(text, max(0, start - 2000), start):
        left = m.end()
    m = _SENTENCE_END.search(text, end)
    right = m.start() if m else len(text)
    # Keep the sentence's final punctuation out, but its words in.
    return left, max(right, end)


def _judge_sentence(text, tokens, scores, s_start, s_end, lang, config) -> list[Span]:
    idx = [i for i, (s, e) in enumerate(tokens) if s >= s_start and e <= s_end]
    if not idx:
        return []
    span = _judge(text, tokens, scores, idx, lang, config)
    if span is not None:
        return [span]
    # Not the whole sentence: try its clauses (an untranslated clause inside an English sentence).
    out: list[Span] = []
    clause: list[int] = []
    prev_end = tokens[idx[0]][0]
    for i in idx:
        s, e = tokens[i]
        if clause and _CLAUSE_BREAK.search(text, prev_end, s):
            out.extend(x for x in [_judge(text, tokens, scores, clause, lang, config)] if x)
            clause = []
        clause.append(i)
        prev_end = e
    if clause and len(clause) < len(idx):
        out.extend(x for x in [_judge(text, tokens, scores, clause, lang, config)] if x)
    return out


def _judge(text, tokens, scores, idx: list[int], lang, config) -> Span | None:
    """Accept tokens idx[0..] (trimmed of leading/trailing runs of ordinary words) as a fragment or not."""
    idx = _trim(idx, scores)
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


def _trim(idx: list[int], scores: list[float]) -> list[int]:
    """Drop an edge run of two or more ordinary (common, document-language) words."""
    def edge(seq: list[int]) -> int:
        k = 0
        while k < len(seq) and scores[seq[k]] < 0:
            k += 1
        return k if k >= 2 else 0

    head = edge(idx)
    idx = idx[head:]
    tail = edge(idx[::-1])
    return idx[: len(idx) - tail] if tail else idx


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
    protected = protected_ranges(text)
    spans: list[Span] = []
    if config.by_script:
        spans.extend(find_script_fragments(text, lang=lang, config=config, names=names, protected=protected))
    if config.by_language:
        taken = sorted((s.start, s.end) for s in spans)
        spans.extend(s for s in find_language_fragments(text, lang=lang, config=config, names=names,
                                                        protected=protected)
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

    def setup(self) -> None:
        notes = []
        try:  # the glossary module may be missing in a partial install: then no names are excluded
            from mtclean.pipeline.glossary import load_glossaries
        except ImportError:
            load_glossaries = None
            notes.append("glossary module unavailable: glossary names are not excluded")
        if load_glossaries is not None:
            glossary = load_glossaries(self.config.glossary_dirs, shipped=self.config.shipped_glossaries)
            self.names = NameMatcher(glossary.names())
        script_groups()
        common_words("en")
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
