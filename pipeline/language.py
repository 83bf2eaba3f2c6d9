"""Deterministic language identification with langdetect.

langdetect is random by design (it samples n-grams); a private factory with a
fixed seed makes every run give the same answer without touching its global
state. Profiles load once per process, on first use. The detector runs
langdetect's own algorithm with its inner loop in numpy (pipeline/detector.py).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

import regex

SEED = 0
# Enough text to be sure of a document's language; detecting on the whole of a
# huge document costs time and says nothing more.
SAMPLE_CHARS = 2000

_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Guess:
    lang: str
    prob: float


@lru_cache(maxsize=1)
def _factory():
    from mtclean.pipeline.detector import load_factory

    return load_factory(SEED)


def guesses(text: str, *, max_chars: int = SAMPLE_CHARS) -> list[Guess]:
    """Languages of *text* with probabilities, most likely first; [] when there is nothing to go on."""
    from langdetect.lang_detect_exception import LangDetectException

    from mtclean.pipeline.detector import FastDetector

    detector = FastDetector(_shared_factory())
    detector.append(text[:max_chars])
    try:
        probs = detector.get_probabilities()
    except LangDetectException:
        return []
    return [Guess(_normalize(p.lang), p.prob) for p in probs]


def top_language(text: str, *, max_chars: int = SAMPLE_CHARS) -> str | None:
    """langdetect's most likely language for *text*, or None; stops sampling once it is settled."""
    return top_languages([text], max_chars=max_chars)[0]


# Texts langdetect samples together (see detector.top_languages): past a few dozen the
# arrays of one pass outgrow the processor's caches and it gets slower again.
BATCH = 32


def top_languages(texts: list[str], *, max_chars: int = SAMPLE_CHARS) -> list[str | None]:
    """:func:`top_language` for each of *texts*, sampled together in batches (the same answers)."""
    if not texts:
        return []  # (nothing to sample: langdetect's profiles stay unloaded)
    from mtclean.pipeline.detector import top_languages as sample

    factory = _shared_factory()
    found: list[str | None] = []
    for k in range(0, len(texts), BATCH):
        found += sample(factory, [t[:max_chars] for t in texts[k:k + BATCH]])
    return [_normalize(lang) if lang else None for lang in found]


def _shared_factory():
    with _lock:
        return _factory()


@dataclass(frozen=True, slots=True)
class WordList:
    """Frequent words of one language (generated from wordfreq by tools/make_common_words.py)."""

    words: frozenset[str]  # every frequent word
    shared: frozenset[str]  # those more frequent in some other language
    own: frozenset[str]  # words - shared: evidence for this language


@lru_cache(maxsize=8)
def common_words(lang: str) -> WordList | None:
    """The frequent-word list of *lang*, or None when mtclean has none."""
    import json
    from importlib import resources

    try:
        data = json.loads(resources.files("mtclean.pipeline").joinpath("data", f"common_words_{lang}.json")
                          .read_text(encoding="utf-8"))
    except (FileNotFoundError, OSError):
        return None
    words = frozenset(w.lower() for w in data["words"])
    shared = frozenset(w.lower() for w in data.get("shared", ()))
    return WordList(words, shared, words - shared)


# Words of two letters or more, with their clitics: "aren't" and "country's" are looked up whole.
# (Single letters, like the x of 33 x 22 cm, say little about the language.)
_WORDS = regex.compile(r"\p{L}{2,}(?:['’]\p{L}+)*")
# The same words in ASCII text (most documents), where ``re`` finds them faster.
_ASCII_WORDS = re.compile(r"[A-Za-z]{2,}(?:'[A-Za-z]+)*")
_LATIN_WORD = regex.compile(r"[\p{Latin}'’]+")
# URLs, e-mail addresses, @handles and #tags are made of English-looking tokens
# (http, www, com) whatever the language around them.
_NOT_PROSE = regex.compile(r"(?:https?://|www\.)\S+|\S+@\S+|[@#]\w+")
_CLITICS = frozenset({"s", "t", "re", "ve", "ll", "d", "m"})
# Below this many words the quick check has too little to go on...
QUICK_MIN_WORDS = 5
# ...unless every word is one that only English uses that much ("has given up so much").
QUICK_MIN_OWN_WORDS = 3
QUICK_SHARE = 0.9
QUICK_OWN_SHARE = 0.6
# A longer text may hold one rare word the list lacks ("woefully", "gerrymandered").
QUICK_SLACK_FROM = 8


def quick_language(text: str, *, max_chars: int = SAMPLE_CHARS) -> str | None:
    """"en" when nearly every word of *text* is a frequent English word; else None.

    langdetect costs about a millisecond per document whatever its length; most
    documents mtclean sees are plainly English, and a word-list check settles
    those in microseconds. Anything less clear-cut goes to langdetect.

    Measured on ../shared/data (tools/eval_quick_language.py): of 29,147
    lingua sentences in 30 other languages it calls English only one, which is
    English; no MLQE-PE or WMT22 source; 95% of NTREX English lines and 98% of
    Wikinews articles are settled here.
    """
    lists = common_words("en")
    if lists is None:
        return None
    sample = text[:max_chars]
    if "@" in sample or "#" in sample or "://" in sample or "www." in sample:
        sample = _NOT_PROSE.sub(" ", sample)
    ascii = sample.isascii()
    words = (_ASCII_WORDS if ascii else _WORDS).findall(sample)
    # Capitalised words are mostly names, which no word list holds: judge the others.
    lower = [w for w in words if w[0].islower()]
    # A word in another script is evidence against English.
    foreign = 0 if ascii else sum(1 for w in words if not w.isascii() and not _LATIN_WORD.fullmatch(w))
    lower = lower if not foreign else [w for w in lower if _LATIN_WORD.fullmatch(w)]
    n = len(lower) + foreign
    if n < QUICK_MIN_OWN_WORDS or (n < QUICK_MIN_WORDS and foreign):
        return None
    known = list(filter(lists.words.__contains__, lower))  # (filter and map: no Python loop per word)
    if len(known) < len(lower):  # "aren’t", "country's": try the straight apostrophe, then the bare word
        known += [w for w in (_apostrophe_form(w, lists.words) for w in lower if w not in lists.words) if w]
    hits = len(known)
    owned = sum(map(lists.own.__contains__, known))
    if n < QUICK_MIN_WORDS:
        return "en" if owned == n else None
    misses = n - hits
    # Most of the words must be English, and English more than any other language.
    if (hits >= QUICK_SHARE * n or (misses <= 1 and n >= QUICK_SLACK_FROM)) and owned >= QUICK_OWN_SHARE * n:
        return "en"
    return None


def _apostrophe_form(word: str, words: frozenset[str]) -> str | None:
    """The list word for *word* with an apostrophe (``aren't`` for ``aren’t``, ``country`` for ``country's``)."""
    if "'" not in word and "’" not in word:
        return None
    word = word.replace("’", "'")
    if word in words:
        return word
    head, _, tail = word.partition("'")
    return head if tail in _CLITICS and head in words else None


def detect(text: str, *, default: str | None = None) -> str | None:
    """The most likely language code of *text* (ISO 639-1 where langdetect has one)."""
    return detect_many([text], default=default)[0]


def detect_many(texts: list[str], *, default: str | None = None) -> list[str | None]:
    """:func:`detect` for each of *texts*; those the word-list check cannot settle go to
    langdetect together, which shares the fixed cost of its numpy passes."""
    out = [quick_language(t) for t in texts]
    rest = [i for i, lang in enumerate(out) if lang is None]
    for i, lang in zip(rest, top_languages([texts[i] for i in rest])):
        out[i] = lang
    return [lang or default for lang in out]


def _normalize(code: str) -> str:
    # langdetect says zh-cn/zh-tw; keep the region only where it matters to us.
    return code.lower()
