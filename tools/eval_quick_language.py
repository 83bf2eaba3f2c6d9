#!/usr/bin/env python3
"""Measure the quick English check (mtclean.pipeline.language.quick_language) on ../shared/data.

For English sets it prints the share of documents the check settles without
langdetect; for sets in other languages (or German-English Reddit posts with
more German than English words), how many it wrongly calls English, with
examples. Change the check only when the second column stays at zero on the
curated sets (the UMass tweet labels are noisy: read the examples).

Usage: python tools/eval_quick_language.py [shared_data_dir]
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

if len(sys.argv) > 1:
    os.environ["MTCLEAN_SHARED_DATA"] = sys.argv[1]
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from corpora import SHARED_DATA as DATA, ntrex_english, wikinews  # noqa: E402  (the benchmarks' loaders)
from mtclean.pipeline.language import quick_language  # noqa: E402


def lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def tweets(label: str) -> list[str]:
    with (DATA / "umass-global-english-twitter" / "all_annotated.tsv").open(encoding="utf-8") as f:
        return [r["Tweet"] for r in csv.DictReader(f, delimiter="\t") if r[label] == "1"]


def mlqe(field: str) -> list[str]:
    path = DATA / "mlqe-pe-into-english" / "test20_merged.jsonl"
    return [json.loads(line)[field] for line in path.read_text(encoding="utf-8").splitlines()]


def mostly_german_posts() -> list[str]:
    words, labels = defaultdict(list), defaultdict(Counter)
    with (DATA / "denglisch-manual-codeswitch" / "Manu_corpus.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            key = (r["sen_id"], r["sen_num"])
            if r["token"] and not r["token"].startswith("$"):
                words[key].append(r["token"])
                labels[key][r["categ"]] += 1
    return [" ".join(w) for k, w in words.items() if labels[k]["2"] > labels[k]["1"]]


def english_sets() -> dict[str, list[str]]:
    wmt = DATA / "wmt22-general-uk-ru-en" / "ru-en"
    return {
        "NTREX-128 English lines": ntrex_english(),
        "Wikinews articles": wikinews(),
        "lingua English sentences": lines(DATA / "lingua-language-testdata" / "sentences" / "en.txt"),
        "MLQE-PE MT into English": mlqe("mt"),
        "WMT22 ru-en reference": lines(wmt / "generaltest2022.ru-en.ref.A.en"),
        "WMT22 ru-en MT systems": [t for p in sorted(wmt.glob("*.hyp.*.en")) for t in lines(p)],
        "UMass tweets, definitely English": tweets("Definitely English"),
    }


def other_sets() -> dict[str, list[str]]:
    lingua = DATA / "lingua-language-testdata"
    other = lambda kind: [t for p in sorted((lingua / kind).glob("*.txt")) if p.stem != "en" for t in lines(p)]
    return {
        "lingua sentences, 30 languages": other("sentences"),
        "lingua word pairs, 74 languages": other("word-pairs"),
        "MLQE-PE sources (ro, et, ru, ne, si)": mlqe("src"),
        "WMT22 Russian source": lines(DATA / "wmt22-general-uk-ru-en" / "ru-en" / "generaltest2022.ru-en.src.ru"),
        "Denglisch posts, mostly German": mostly_german_posts(),
        "UMass tweets, definitely not English": tweets("Definitely Not English"),
    }


def main() -> None:
    print(f"{'English set':<40}{'settled':>10}")
    for name, docs in english_sets().items():
        settled = sum(quick_language(d) == "en" for d in docs)
        print(f"{name:<40}{settled / len(docs):>10.1%}  ({settled}/{len(docs)})")
    print(f"\n{'other languages':<40}{'called en':>10}")
    for name, docs in other_sets().items():
        wrong = [d for d in docs if quick_language(d) == "en"]
        print(f"{name:<40}{len(wrong):>10}  of {len(docs)}", *(f"\n    {d[:90]!r}" for d in wrong[:3]))


if __name__ == "__main__":
    main()
