#!/usr/bin/env python3
"""Dump, or compare with a dump, everything the pipeline records on a fixed corpus.

For speed work that must not change behaviour: dump before the change, compare
after it. Every stage's record is compared (edits with their reasons and
evidence, spans, suggestions, notes) plus the final text, on ~19,750 documents
from ../shared/data (Wikinews, NTREX, MLQE-PE and WMT22 English, lingua
sentences in 8 languages) and the seed. Languages are given per corpus, not
detected, so a change to language detection shows up only through the stages.

Usage: python tools/pipeline_outputs.py dump FILE.json
       python tools/pipeline_outputs.py compare FILE.json   (exit 1 when any document differs)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from corpora import SHARED_DATA, clean_news, require  # noqa: E402  (the benchmarks' loaders)
from mtclean.pipeline.config import load_config  # noqa: E402
from mtclean.pipeline.document import Document  # noqa: E402
from mtclean.pipeline.runner import Pipeline  # noqa: E402

OTHER_LANGUAGES = ("de", "fr", "el", "ru", "es", "it", "nl", "pl")


def lines(path: Path) -> list[str]:
    return [line.rstrip("\n") for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def corpus() -> list[tuple[str, str]]:
    """(language, text) pairs, always in the same order."""
    docs = [("en", d) for group in clean_news().values() for d in group]
    mlqe = require("mlqe-pe-into-english", "test20_merged.jsonl")
    docs += [("en", json.loads(line)["mt"]) for line in mlqe.read_text(encoding="utf-8").splitlines()]
    for path in sorted((SHARED_DATA / "wmt22-general-uk-ru-en" / "ru-en").glob("*.en"))[:4]:
        docs += [("en", line) for line in lines(path)]
    docs += [("en", line) for line in lines(require("ntrex128-newstest2019-en-el", "newstest2019-src.eng.txt"))]
    for lang in OTHER_LANGUAGES:
        docs += [(lang, line) for line in lines(require("lingua-language-testdata", "sentences", f"{lang}.txt"))[:300]]
    docs.append(("en", (ROOT / "seeds" / "coalition-of-the-willing-el-en.txt").read_text(encoding="utf-8")))
    return docs


def outputs() -> list[dict]:
    pipeline = Pipeline.from_config(load_config(skip=["translate"]))
    pipeline.setup()
    out = []
    for lang, text in corpus():
        doc = pipeline.run_batch([Document(text=text, lang=lang)])[0]
        out.append({"text": doc.text, "records": [r.to_json() for r in doc.history]})
    return json.loads(json.dumps(out))  # as a dump reads back (tuples become lists)


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in ("dump", "compare"):
        sys.exit(__doc__.split("\n\n")[-1])
    mode, path = sys.argv[1], Path(sys.argv[2])
    now = outputs()
    if mode == "dump":
        path.write_text(json.dumps(now), encoding="utf-8")
        print(f"{len(now)} documents dumped to {path}")
        return
    before = json.loads(path.read_text(encoding="utf-8"))
    differ = [i for i, (a, b) in enumerate(zip(before, now)) if a != b]
    print(f"{len(now)} documents, {len(differ)} differ" + (f" (first: {differ[:10]})" if differ else ""))
    for i in differ[:3]:
        print(f"--- {i} before\n{json.dumps(before[i], ensure_ascii=False)[:600]}\n+++ {i} now\n"
              f"{json.dumps(now[i], ensure_ascii=False)[:600]}")
    if differ or len(before) != len(now):
        sys.exit(1)


if __name__ == "__main__":
    main()
