"""Encoding stage vs ftfy.fix_text alone, on the same clean news, in one run.

Prints MB/s for both, their ratio, and the edits the stage makes on clean text
(target: 0). Run: .venv/bin/python bench/bench_encoding.py
"""

from __future__ import annotations

from collections import Counter

import ftfy

from corpora import best_of, clean_news, mb
from mtclean.stages.encoding import fix_encoding



def main() -> None:
    corpora = clean_news()
    print(f"{'corpus':<14}{'MB':>7}{'stage MB/s':>12}{'ftfy MB/s':>11}{'ratio':>8}{'edits':>7}")
    for name, docs in corpora.items():
        size = mb(docs)
        # Interleave the two so machine noise hits both alike.
        t_stage = best_of(fix_encoding, docs)
        t_ftfy = best_of(ftfy.fix_text, docs)
        edits = Counter(e.rule for d in docs for e in fix_encoding(d)[1])
        print(f"{name:<14}{size:>7.2f}{size / t_stage:>12.2f}{size / t_ftfy:>11.2f}{t_ftfy / t_stage:>8.2f}"
              f"{sum(edits.values()):>7}")
        for rule, n in edits.most_common():
            print(f"    {rule}: {n}")


if __name__ == "__main__":
    main()
