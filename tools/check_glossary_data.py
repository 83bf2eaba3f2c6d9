#!/usr/bin/env python3
"""Check the shipped glossary data files (glossaries/*.toml) without the mtclean loader.

Structural checks (exit status 1 when any fails):
  * every file parses with tomllib and has a [glossary] table;
  * entry / phrase ids are unique across all files and sorted within each file;
  * no variant is claimed by two entries, no variant equals another entry's canonical,
    no variant equals its own entry's canonical or one of its allowed forms;
  * no single-word variant is a dictionary word or proper noun (needs a word list such as
    Debian's `wamerican`, /usr/share/dict/words; skipped with a warning when absent).

Corpus check (printed, informative): whole-word occurrences of every variant in clean
English news (Wikinews 2019-2020 and the NTREX-128 English source, found in the `shared/data`
folder that sits next to the repository).  Variants found there are either deliberate house-style
rewrites (listed with counts) or mistakes to drop.  Occurrences inside an entry's `allowed`
forms are not counted.

Usage: python tools/check_glossary_data.py [--mt] [glossary_dir]
  --mt  also count variants in the WMT22 ru->en MT outputs (evidence that a variant is real).
"""
from __future__ import annotations

import csv
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

import regex

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
WORDLIST = Path("/usr/share/dict/words")


def load(dirpath: Path):
    files = sorted(dirpath.glob("*.toml"))
    docs = {}
    for f in files:
        with f.open("rb") as fh:
            docs[f.name] = tomllib.load(fh)
    return docs


def clean_corpus() -> dict[str, str]:
    texts = {}
    csv.field_size_limit(10**8)
    for name in ("wikinews_2019.csv", "wikinews_2020.csv"):
        p = DATA / "wikinews-en-2019-2020" / name
        if p.exists():
            with p.open(newline="", encoding="utf-8") as fh:
                texts[name] = "\n\n".join(r["title"] + "\n" + r["text"] for r in csv.DictReader(fh))
    p = DATA / "ntrex128-newstest2019-en-el" / "newstest2019-src.eng.txt"
    if p.exists():
        texts[p.name] = p.read_text(encoding="utf-8")
    return texts


def mt_corpus() -> dict[str, str]:
    d = DATA / "wmt22-general-uk-ru-en" / "ru-en"
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(d.glob("*.hyp.*.en"))} if d.exists() else {}


def word_re(form: str, case_sensitive: bool):
    flags = 0 if case_sensitive else regex.IGNORECASE
    return regex.compile(r"(?<![\p{L}\p{M}\p{N}_-])" + regex.escape(form) + r"(?![\p{L}\p{M}\p{N}_])", flags)


def count(form: str, cs: bool, texts: dict[str, str], allowed: list[str]) -> int:
    pat = word_re(form, cs)
    shields = [word_re(a, cs) for a in allowed if form.lower() in a.lower()]
    n = 0
    for t in texts.values():
        spans = [m.span() for s in shields for m in s.finditer(t)]
        for m in pat.finditer(t):
            if not any(a <= m.start() and m.end() <= b for a, b in spans):
                n += 1
    return n


def main(argv: list[str]) -> int:
    mt = "--mt" in argv
    args = [a for a in argv if not a.startswith("--")]
    gdir = Path(args[0]) if args else REPO / "glossaries"
    docs = load(gdir)
    problems: list[str] = []
    ids: dict[str, str] = {}
    canon_owner: dict[str, str] = {}
    variant_owner: dict[str, str] = {}
    entries = []
    n_entries = Counter()
    for fname, doc in docs.items():
        if "glossary" not in doc:
            problems.append(f"{fname}: no [glossary] table")
        for table in ("entry", "phrase"):
            seq = [x["id"] for x in doc.get(table, [])]
            if seq != sorted(seq):
                problems.append(f"{fname}: [[{table}]] not sorted by id")
            for i in seq:
                if i in ids:
                    problems.append(f"{fname}: duplicate id {i} (also in {ids[i]})")
                ids[i] = fname
        for e in doc.get("entry", []):
            n_entries[fname] += 1
            entries.append((fname, e))
            for lang, c in e["canonical"].items():
                canon_owner.setdefault(c.casefold(), e["id"])
    for fname, doc in docs.items():
        n_entries[fname] += len(doc.get("phrase", []))
    words = set()
    if WORDLIST.exists():
        words = {w.strip().casefold() for w in WORDLIST.read_text(encoding="utf-8", errors="replace").split()}
    else:
        print(f"warning: {WORDLIST} missing, dictionary-word check skipped", file=sys.stderr)
    for fname, e in entries:
        own = {c.casefold() for c in e["canonical"].values()}
        allowed = {a.casefold() for a in e.get("allowed", [])}
        for v in e.get("variants", []):
            k = v.casefold() if not e.get("case_sensitive") else v
            kf = v.casefold()
            if v != v.strip() or not v:
                problems.append(f"{fname}: {e['id']}: empty/padded variant {v!r}")
            if kf in own:
                problems.append(f"{fname}: {e['id']}: variant {v!r} equals its own canonical")
            if kf in allowed:
                problems.append(f"{fname}: {e['id']}: variant {v!r} is also allowed")
            if kf in canon_owner and canon_owner[kf] != e["id"]:
                problems.append(f"{fname}: {e['id']}: variant {v!r} is canonical of {canon_owner[kf]}")
            if kf in variant_owner and variant_owner[kf] != e["id"]:
                problems.append(f"{fname}: {e['id']}: variant {v!r} also claimed by {variant_owner[kf]}")
            variant_owner[kf] = e["id"]
            if " " not in v and kf in words:
                problems.append(f"{fname}: {e['id']}: single-word variant {v!r} is in the word list")
    print("entries per file:", dict(n_entries))
    texts = clean_corpus()
    print(f"clean corpus: {sum(len(t) for t in texts.values()):,} chars in {len(texts)} files")
    hits = []
    mt_texts = mt_corpus() if mt else {}
    mt_hits = []
    for fname, e in entries:
        cs = bool(e.get("case_sensitive"))
        for v in e.get("variants", []):
            n = count(v, cs, texts, e.get("allowed", []))
            if n:
                hits.append((n, e["id"], v))
            if mt_texts:
                m = count(v, cs, mt_texts, e.get("allowed", []))
                if m:
                    mt_hits.append((m, e["id"], v))
    print(f"variants occurring in clean English news ({sum(h[0] for h in hits)} occurrences):")
    for n, i, v in sorted(hits, key=lambda h: (-h[0], h[1])):
        print(f"  {n:5d}  {i:45s} {v}")
    if mt_texts:
        print(f"variants occurring in WMT22 ru-en MT outputs ({sum(h[0] for h in mt_hits)} occurrences):")
        for n, i, v in sorted(mt_hits, key=lambda h: (-h[0], h[1])):
            print(f"  {n:5d}  {i:45s} {v}")
    for p in problems:
        print("PROBLEM:", p)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
