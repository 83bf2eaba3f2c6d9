"""Deterministic language identification with langdetect.

langdetect is random by design (it samples n-grams); a private factory with a
fixed seed makes every run give the same answer without touching its global
state. Profiles load once per process, on first use.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

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
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = SEED
    return factory


def guesses(text: str, *, max_chars: int = SAMPLE_CHARS) -> list[Guess]:
    """Languages of *text* with probabilities, most likely first; [] when there is nothing to go on."""
    from langdetect.lang_detect_exception import LangDetectException

    with _lock:
        factory = _factory()
    detector = factory.create()
    detector.append(text[:max_chars])
    try:
        probs = detector.get_probabilities()
    except LangDetectException:
        return []
    return [Guess(_normalize(p.lang), p.prob) for p in probs]


def detect(text: str, *, default: str | None = None) -> str | None:
    """The most likely language code of *text* (ISO 639-1 where langdetect has one)."""
    g = guesses(text)
    return g[0].lang if g else default


def _normalize(code: str) -> str:
    # langdetect says zh-cn/zh-tw; keep the region only where it matters to us.
    return code.lower()
