"""Punctuation stage: edits on clean, professionally edited text, and speed vs ftfy.fix_text.

Prints, per corpus, the edits the stage makes (target on the news corpora: 0;
each edit is listed so a reviewer can tell a bug from a real defect), then the
MB/s of the stage and of ftfy.fix_text on the same clean news, measured side
by side in one run, and their ratio (target: >= 1).
Run: .venv/bin/python bench/bench_punctuation.py
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter

import ftfy

from corpora import SHARED_DATA, best_of, clean_news, mb
from mtclean.stages.punctuation import PunctuationConfig, fix_punctuation

# KeenQuotes sections written in another language's typography.
SECTION_LANG = {"Dutch": "nl", "French": "fr"}


def ru_en_reference() -> list[str]:
    path = SHARED_DATA / "wmt22-general-uk-ru-en" / "ru-en" / "generaltest2022.ru-en.ref.A.en"
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()] if path.exists() else []


def keenquotes_expected() -> list[tuple[str, str]]:
    """(lang, expected output) of the KeenQuotes pairs KeenQuotes itself resolves."""
    path = SHARED_DATA / "typographic-quote-testcases" / "keenquotes_pairs.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        if case["file"] in ("ambiguous-n-pass.txt", "xml.txt", "invalid-grammar.txt"):
            continue  # no correct answer recorded, or markup
        out.append((SECTION_LANG.get(case["section"], "en"), case["expected_unicode"]))
    return out


def markdown_it_smartquotes() -> list[str]:
    """Expected outputs of markdown-it's smartquotes fixtures, tags stripped."""
    path = SHARED_DATA / "typographic-quote-testcases" / "markdown-it" / "smartquotes.txt"
    if not path.exists():
        return []
    blocks = re.findall(r"^\.\n(.*?)^\.\n(.*?)^\.$", path.read_text(encoding="utf-8"), re.S | re.M)
    return [html.unescape(re.sub(r"<[^>]+>", "", expected)).strip() for _, expected in blocks]


def count_edits(docs, lang="en", config=PunctuationConfig()):
    found = []
    for d in docs:
        for e in fix_punctuation(d, lang=lang, config=config)[1]:
            found.append((e, d[max(0, e.start - 30): e.end + 30]))
    return found


def report(name: str, found) -> None:
    rules = Counter(e.rule for e, _ in found)
    print(f"{name:<34}{len(found):>6} edits  " + ", ".join(f"{r}: {n}" for r, n in rules.most_common()))
    for e, ctx in found[:12]:
        print(f"      {e.before!r} -> {e.after!r}  [{e.rule}]  …{ctx!r}…")



def main() -> None:
    news = clean_news()
    news["wmt22-ru-en-ref"] = ru_en_reference()
    print("Edits on correct text (news target: 0)")
    for name, docs in news.items():
        report(name, count_edits(docs))
    keen = keenquotes_expected()
    found = [x for lang, text in keen for x in count_edits([text], lang=lang)]
    report(f"keenquotes expected ({len(keen)})", found)
    mdit = markdown_it_smartquotes()
    report(f"markdown-it smartquotes ({len(mdit)})", count_edits(mdit))

    print("\nThroughput on clean news, stage (quotes=preserve) vs ftfy.fix_text")
    print(f"{'corpus':<18}{'MB':>7}{'stage MB/s':>12}{'ftfy MB/s':>11}{'ratio':>8}")
    for name, docs in news.items():
        if not docs:
            continue
        size = mb(docs)
        t_stage = best_of(lambda d: fix_punctuation(d, lang="en"), docs)
        t_ftfy = best_of(ftfy.fix_text, docs)
        print(f"{name:<18}{size:>7.2f}{size / t_stage:>12.2f}{size / t_ftfy:>11.2f}{t_ftfy / t_stage:>8.2f}")


if __name__ == "__main__":
    main()
