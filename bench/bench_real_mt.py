"""Do no harm on real machine translation into English, judged against human references.

Sets (from ../shared/data): WMT22 Russian->English (10 systems, professional reference,
one document per WMT document id, its lines joined) and MLQE-PE (ro/et/ru/ne/si->English
NMT output with professional post-edits, one document per segment). The default
pipeline runs on every MT output with ``--lang en``.

Printed per set and per system: chrF and BLEU against the reference before and after
(sacrebleu), and every edit classified against the aligned reference:

- confirmed: the reference has the edit's new form and not its old one;
- harmful: the reverse;
- unclear: both, neither, or no visible difference once spaces are folded.

A form is the edit with the words around it (to the neighbouring spaces, at least one
word of text on each side), compared with spaces folded and on word boundaries.
precision = confirmed / (confirmed + harmful); harm is also given per 10k words of MT.
Suggestions (proposed, not applied) are classified the same way.

A set whose texts predate a change of English spellings (MLQE-PE: 2019, before Odesa, Luhansk
and Donbas) is cleaned with ``names.text_year`` set, as its users would; the undated figures
follow it.

Targets (issue 22): precision >= 0.95, harmful <= 1 per 10k words, chrF never lower on
any system, at least half of the suggestions confirmed.

Run: .venv/bin/python bench/bench_real_mt.py [--show harmful|unclear|confirmed] [--limit N]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from corpora import require

from mtclean.pipeline.config import load_config
from mtclean.pipeline.edits import apply_edits
from mtclean.pipeline.runner import Pipeline

KINDS = ("confirmed", "harmful", "unclear")
TARGETS = {"precision": 0.95, "harmful_per_10k": 1.0, "suggestions_confirmed": 0.5}


# -- the sets -------------------------------------------------------------------------------

@dataclass
class System:
    """One MT system's documents, aligned with the reference documents."""

    name: str
    mt: list[str]
    ref: list[str]


def wmt22_ru_en() -> list[System]:
    folder = require("wmt22-general-uk-ru-en", "ru-en")
    with (folder / "generaltest2022.ru-en.docids.tsv").open(encoding="utf-8", newline="") as f:
        doc_of = [row["doc_id"] for row in csv.DictReader(f, delimiter="\t")]

    def documents(path) -> list[str]:
        lines = path.read_text(encoding="utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        assert len(lines) == len(doc_of), (path, len(lines), len(doc_of))
        docs: dict[str, list[str]] = {}
        for doc, line in zip(doc_of, lines):
            docs.setdefault(doc, []).append(line)
        return ["\n".join(v) for v in docs.values()]

    ref = documents(folder / "generaltest2022.ru-en.ref.A.en")
    return [System(p.name.split(".hyp.")[1].removesuffix(".en"), documents(p), ref)
            for p in sorted(folder.glob("generaltest2022.ru-en.hyp.*.en"))]


def mlqe_pe() -> list[System]:
    """One "system" per language pair: the MLQE NMT model's output and its post-edit (detokenized)."""
    from sacremoses import MosesDetokenizer

    detok = MosesDetokenizer(lang="en")
    by_pair: dict[str, System] = {}
    for line in require("mlqe-pe-into-english", "test20_merged.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        s = by_pair.setdefault(r["pair"], System(r["pair"], [], []))
        s.mt.append(r["mt"])
        s.ref.append(detok.detokenize(r["pe_tok"].split()))
    return list(by_pair.values())


SETS = {"wmt22-ru-en": wmt22_ru_en, "mlqe-pe": mlqe_pe}
# The year a set's texts were written, where it predates a change of English spellings of names
# (Kyiv for Kiev in 2019, Odesa, Luhansk, Donbas in 2022): the set is cleaned as a user with
# such texts would clean them, `--set names.text_year=YEAR`, and the undated run is shown beside it.
# WMT22's texts and references are of late 2022 and later: today's spellings apply.
TEXT_YEARS = {"mlqe-pe": (2019, "sentences of Wikipedia and of Reddit posts of November 2019, post-edited in 2020")}


# -- judging an edit against the reference ---------------------------------------------------------

_SPACES = re.compile(r"\s+")


_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})  # Kyiv’s and Kyiv's: one spelling of the name


def fold(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text).translate(_APOSTROPHES)).strip()


def _word_start(text: str, i: int, more: bool) -> int:
    """Back from *i* over non-space, then (*more*), if that was nothing, over spaces and one word more."""
    j = i
    while j > 0 and not text[j - 1].isspace():
        j -= 1
    if j == i and more:
        while j > 0 and text[j - 1].isspace():
            j -= 1
        while j > 0 and not text[j - 1].isspace():
            j -= 1
    return j


def _word_end(text: str, i: int, more: bool) -> int:
    j = i
    while j < len(text) and not text[j].isspace():
        j += 1
    if j == i and more:
        while j < len(text) and text[j].isspace():
            j += 1
        while j < len(text) and not text[j].isspace():
            j += 1
    return j


_WORDISH = re.compile(r"\w")
_EDGE = "\"'“”‘’«»()[]{}.,;:!?"  # punctuation around a word, not part of it


def forms(text: str, start: int, end: int, after: str) -> tuple[str, str]:
    """The words around an edit of *text* [start:end] -> *after*: (old form, new form), spaces folded.

    An edit of letters (a name) is judged on the words it touches, without the punctuation
    around them; an edit of punctuation or spaces only on those words and at least one
    word of text on each side, which is what tells `end.. Next` from `end. Next`.
    """
    wordy = bool(_WORDISH.search(text[start:end] + after))
    left, right = _word_start(text, start, not wordy), _word_end(text, end, not wordy)
    old = fold(text[left:right])
    new = fold(text[left:start] + after + text[end:right])
    if wordy:
        old, new = _changed_words(old.strip(_EDGE), new.strip(_EDGE))
    return old, new


def _changed_words(old: str, new: str) -> tuple[str, str]:
    """Only the words that differ: `Vladimir Zelensky` -> `Volodymyr Zelensky` is judged as
    `Vladimir` -> `Volodymyr`, since a reference may spell the rest another way."""
    a, b = old.split(" "), new.split(" ")
    while len(a) > 1 and len(b) > 1 and a[0] == b[0]:
        a, b = a[1:], b[1:]
    while len(a) > 1 and len(b) > 1 and a[-1] == b[-1]:
        a, b = a[:-1], b[:-1]
    old, new = " ".join(a).strip(_EDGE), " ".join(b).strip(_EDGE)
    if old.endswith("'s") and new.endswith("'s"):  # Kiev's -> Kyiv's: the reference may not use the possessive
        old, new = old[:-2], new[:-2]
    return old, new


def has(reference: str, form: str) -> bool:
    """*form* in *reference* (folded), not as a piece of a longer word."""
    return re.search(r"(?<!\w)" + re.escape(form) + r"(?!\w)", reference) is not None


def judge(reference: str, old: str, new: str) -> str:
    if old == new:
        return "unclear"
    in_old, in_new = has(reference, old), has(reference, new)
    if in_new and not in_old:
        return "confirmed"
    if in_old and not in_new:
        return "harmful"
    return "unclear"


# -- running ------------------------------------------------------------------------------------

@dataclass
class Judged:
    kind: str  # confirmed | harmful | unclear
    rule: str
    old: str
    new: str
    system: str
    suggestion: bool = False


@dataclass
class Result:
    system: str
    words: int
    chrf: tuple[float, float]
    bleu: tuple[float, float]
    judged: list[Judged] = field(default_factory=list)

    def count(self, kind: str, *, suggestions: bool = False) -> int:
        return sum(j.kind == kind and j.suggestion == suggestions for j in self.judged)


def pipeline(text_year: int | None = None) -> Pipeline:
    # The default stages and options, as `mtclean cleanup --lang en` runs them outside a project folder.
    overrides = [f"names.text_year={text_year}"] if text_year else []
    pipe = Pipeline.from_config(load_config(lang="en", project_glossaries=False, overrides=overrides))
    pipe.setup()
    return pipe


def run_system(pipe: Pipeline, system: System) -> Result:
    import sacrebleu

    outs: list[str] = []
    judged: list[Judged] = []
    for mt, ref in zip(system.mt, system.ref):
        doc = pipe.run_text(mt)
        outs.append(doc.text)
        reference = fold(ref)
        text = mt
        for rec in doc.history:
            for e in rec.edits:
                old, new = forms(text, e.start, e.end, e.after)
                judged.append(Judged(judge(reference, old, new), e.rule, old, new, system.name))
            text = apply_edits(text, rec.edits)
            for s in rec.suggestions:  # offsets into the stage's output
                old, new = forms(text, s.start, s.end, s.after)
                judged.append(Judged(judge(reference, old, new), s.rule, old, new, system.name, suggestion=True))
        assert text == doc.text
    refs = [system.ref]
    return Result(
        system.name,
        sum(len(d.split()) for d in system.mt),
        (sacrebleu.corpus_chrf(system.mt, refs).score, sacrebleu.corpus_chrf(outs, refs).score),
        (sacrebleu.corpus_bleu(system.mt, refs).score, sacrebleu.corpus_bleu(outs, refs).score),
        judged,
    )


def precision(confirmed: int, harmful: int) -> float | None:
    return confirmed / (confirmed + harmful) if confirmed + harmful else None


def _p(value: float | None) -> str:
    return "   -" if value is None else f"{value:.2f}"


def summary(results: list[Result]) -> dict:
    words = sum(r.words for r in results)
    c, h, _ = (sum(r.count(k) for r in results) for k in KINDS)
    sc, sh, su = (sum(r.count(k, suggestions=True) for r in results) for k in KINDS)
    return {"precision": precision(c, h), "harmful_per_10k": h * 1e4 / words,
            "chrf_lower": [r.system for r in results if r.chrf[1] < r.chrf[0] - 1e-9],
            "suggestions_confirmed": sc / (sc + sh + su) if sc + sh + su else None}


def met(s: dict) -> bool:
    return ((s["precision"] is None or s["precision"] >= TARGETS["precision"])
            and s["harmful_per_10k"] <= TARGETS["harmful_per_10k"] and not s["chrf_lower"])


def report(name: str, results: list[Result]) -> dict:
    print(f"\n## {name}")
    if name in TEXT_YEARS:
        year, why = TEXT_YEARS[name]
        print(f"texts of {year} or earlier ({why}): --set names.text_year={year}")
    print(f"{'system':<18} {'words':>7} {'chrF before -> after':>22} {'BLEU before -> after':>22} "
          f"{'conf':>5} {'harm':>5} {'uncl':>5} {'prec':>5} {'harm/10k':>8} {'sugg conf/harm/uncl':>20}")
    for r in results:
        c, h, u = (r.count(k) for k in KINDS)
        sc, sh, su = (r.count(k, suggestions=True) for k in KINDS)
        print(f"{r.system:<18} {r.words:>7} {r.chrf[0]:>10.3f} -> {r.chrf[1]:<8.3f} {r.bleu[0]:>10.3f} -> "
              f"{r.bleu[1]:<8.3f} {c:>5} {h:>5} {u:>5} {_p(precision(c, h)):>5} {h * 1e4 / r.words:>8.2f} "
              f"{sc:>6}/{sh}/{su}")
    words = sum(r.words for r in results)
    c, h, u = (sum(r.count(k) for r in results) for k in KINDS)
    sc, sh, su = (sum(r.count(k, suggestions=True) for r in results) for k in KINDS)
    print(f"{'all':<18} {words:>7} {'':>22} {'':>22} {c:>5} {h:>5} {u:>5} {_p(precision(c, h)):>5} "
          f"{h * 1e4 / words:>8.2f} {sc:>6}/{sh}/{su}")
    by_rule: dict[str, Counter] = defaultdict(Counter)
    for r in results:
        for j in r.judged:
            by_rule[("suggestion " if j.suggestion else "") + j.rule][j.kind] += 1
    print("per rule (confirmed / harmful / unclear):")
    for rule, n in sorted(by_rule.items(), key=lambda kv: -sum(kv[1].values())):
        print(f"  {rule:<40} {n['confirmed']:>5} {n['harmful']:>5} {n['unclear']:>5}")
    s = summary(results)
    print(f"chrF lower on: {', '.join(s['chrf_lower']) or 'no system'}")
    return s


def show(results: list[Result], kind: str, limit: int) -> None:
    shown = Counter()
    print(f"\n{kind} edits (at most {limit} per rule):")
    for r in results:
        for j in r.judged:
            if j.kind == kind and shown[j.rule] < limit:
                shown[j.rule] += 1
                mark = " (suggestion)" if j.suggestion else ""
                print(f"  [{j.system}] {j.rule}{mark}: {j.old!r} -> {j.new!r}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", choices=sorted(SETS), action="append", help="only this set (repeatable)")
    ap.add_argument("--show", choices=KINDS, action="append", default=[], help="list edits of this kind")
    ap.add_argument("--limit", type=int, default=15, help="edits shown per rule with --show")
    args = ap.parse_args(argv)
    undated = pipeline()
    all_met = True
    for name in args.set or list(SETS):
        systems = SETS[name]()
        year = TEXT_YEARS.get(name, (None, ""))[0]
        pipe = pipeline(year) if year else undated
        results = [run_system(pipe, x) for x in systems]
        s = report(name, results)
        for kind in args.show:
            show(results, kind, args.limit)
        ok = met(s)
        all_met &= ok
        print(f"targets (precision >= {TARGETS['precision']}, harmful <= {TARGETS['harmful_per_10k']}/10k words, "
              f"chrF never lower): {'met' if ok else 'NOT met'}; suggestions confirmed: "
              f"{_p(s['suggestions_confirmed'])} (target >= {TARGETS['suggestions_confirmed']})")
        if year:  # the same set cleaned as if written today, for comparison
            u = summary([run_system(undated, x) for x in systems])
            print(f"undated (today's spellings): precision {_p(u['precision'])}, harmful "
                  f"{u['harmful_per_10k']:.2f}/10k words, chrF lower on: {', '.join(u['chrf_lower']) or 'no system'}")
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main())
