"""Clean reference corpora for benchmarks, read from ../shared/data beside the checkout."""

from __future__ import annotations

import csv
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("MTCLEAN_SHARED_DATA", ROOT.parent / "shared" / "data"))


def require(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        sys.exit(f"bench: {path} not found (set MTCLEAN_SHARED_DATA to the shared data folder)")
    return path


def wikinews() -> list[str]:
    """295 English Wikinews articles (2019-2020), straight quotes, CC BY 2.5."""
    csv.field_size_limit(10**8)
    docs = []
    for name in ("wikinews_2019.csv", "wikinews_2020.csv"):
        with require("wikinews-en-2019-2020", name).open(encoding="utf-8", newline="") as f:
            docs += [row["text"] for row in csv.DictReader(f)]
    return docs


def ntrex_english() -> list[str]:
    """WMT19 English news source lines (NTREX-128), CC BY-SA 4.0."""
    path = require("ntrex128-newstest2019-en-el", "newstest2019-src.eng.txt")
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def clean_news() -> dict[str, list[str]]:
    return {"wikinews": wikinews(), "ntrex128-en": ntrex_english()}


def repeat_to(docs: list[str], megabytes: float) -> list[str]:
    """Repeat *docs* until they hold at least *megabytes* of UTF-8."""
    size = sum(len(d.encode()) for d in docs)
    times = max(1, int(megabytes * 1e6 / max(size, 1)) + 1)
    return docs * times


def mb(docs: list[str]) -> float:
    return sum(len(d.encode()) for d in docs) / 1e6


def best_of(fn, docs, rounds: int = 3) -> float:
    """Fastest of *rounds* passes of *fn* over *docs*, in seconds (noise only adds time)."""
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for d in docs:
            fn(d)
        best = min(best, time.perf_counter() - t0)
    return best
