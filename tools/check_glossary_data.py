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
from collections import Counter
from pathlib import Path

import ahocorasick
import regex
import unicodedata

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
    """Whole-word occurrences of one form, not counting those inside one of the *allowed* forms."""
    return sum(n for n, _, _ in variant_hits([{"id": "", "variants": [form], "allowed": allowed,
                                               "case_sensitive": cs}], texts))


def _fold(text: str) -> str:
    """Lower-case without changing the length (so offsets stay valid)."""
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_" or unicodedata.category(ch).startswith("M")


def variant_hits(entries: list[dict], texts: dict[str, str]) -> list[tuple[int, str, str]]:
    """(count, entry id, variant) for every variant found whole-word in *texts*.

    One Aho-Corasick pass per text; overlapping hits keep the leftmost-longest (so 'Volodymyr
    Zelenskyy' is one hit, not two); hits inside an allowed form of the same entry ('Chicken Kiev')
    are not counted.
    """
    auto = ahocorasick.Automaton()
    for e in entries:
        cs = bool(e.get("case_sensitive"))
        for v in [*e.get("variants", []), *e.get("former", [])]:  # both are rewritten by default
            key = _fold(v)
            auto.add_word(key, auto.get(key, ()) + ((e["id"], v, cs, tuple(e.get("allowed", []))),))
    counts: Counter = Counter()
    if not len(auto):
        return []
    auto.make_automaton()
    for name, text in texts.items():
        folded = _fold(text)
        found = []
        for end, owners in auto.iter(folded):
            start = end - len(_fold(owners[0][1])) + 1
            if start > 0 and (_is_word(text[start - 1]) or text[start - 1] == "-"):
                continue
            if end + 1 < len(text) and _is_word(text[end + 1]):
                continue
            for eid, v, cs, allowed in owners:
                if cs and text[start:end + 1] != v:
                    continue
                found.append((start, end + 1, eid, v, cs, allowed))
                break
        found.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        last_end = -1
        for start, end, eid, v, cs, allowed in found:
            if start < last_end:
                continue
            last_end = end
            shielded = False
            for a in allowed:
                if v.casefold() in a.casefold():
                    lo = max(0, start - len(a))
                    window = text[lo:end + len(a)]
                    if any(lo + m.start() <= start and end <= lo + m.end() for m in word_re(a, cs).finditer(window)):
                        shielded = True
                        break
            if not shielded:
                counts[(eid, v)] += 1
    return [(n, eid, v) for (eid, v), n in counts.items()]


def main(argv: list[str]) -> int:
    mt = "--mt" in argv
    args = [a for a in argv if not a.startswith("--")]
    gdir = Path(args[0]) if args else REPO / "glossaries"
    docs = load(gdir)
    problems: list[str] = []
    notes: list[str] = []
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
    words: set[str] = set()  # common words (lower-case entries of the word list)
    proper: set[str] = set()  # proper nouns (capitalised entries: places, people, brands)
    if WORDLIST.exists():
        for w in WORDLIST.read_text(encoding="utf-8", errors="replace").split():
            w = w.strip()
            (proper if w[:1].isupper() else words).add(w.casefold())
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
                problems.append(f"{fname}: {e['id']}: single-word variant {v!r} is a common word")
            elif " " not in v and kf in proper:
                if e.get("kind") == "place":
                    notes.append(f"{e['id']}: {v!r} is a proper noun in the word list (an old name of this place: deliberate)")
                else:
                    problems.append(f"{fname}: {e['id']}: single-word variant {v!r} is a proper noun in the word list")
    # a variant that occurs, as whole words, inside another entry's canonical or allowed form
    protected = [(e["id"], f) for _, e in entries for f in list(e["canonical"].values()) + list(e.get("allowed", []))]
    for fname, e in entries:
        for v in e.get("variants", []):
            pat = word_re(v, bool(e.get("case_sensitive")))
            for oid, form in protected:
                if oid != e["id"] and pat.search(form):
                    problems.append(f"{fname}: {e['id']}: variant {v!r} matches inside {oid}'s form {form!r}")
    print("entries per file:", dict(n_entries))
    texts = clean_corpus()
    print(f"clean corpus: {sum(len(t) for t in texts.values()):,} chars in {len(texts)} files")
    hits = variant_hits([e for _, e in entries], texts)
    mt_texts = mt_corpus() if mt else {}
    mt_hits = variant_hits([e for _, e in entries], mt_texts) if mt_texts else []
    print(f"variants occurring in clean English news ({sum(h[0] for h in hits)} occurrences):")
    for n, i, v in sorted(hits, key=lambda h: (-h[0], h[1])):
        print(f"  {n:5d}  {i:45s} {v}")
    if mt_texts:
        print(f"variants occurring in WMT22 ru-en MT outputs ({sum(h[0] for h in mt_hits)} occurrences):")
        for n, i, v in sorted(mt_hits, key=lambda h: (-h[0], h[1])):
            print(f"  {n:5d}  {i:45s} {v}")
    for n in notes:
        print("note:", n)
    for p in problems:
        print("PROBLEM:", p)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
