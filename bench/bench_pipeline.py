"""The whole pipeline at scale, measured side by side in one run.

On the clean English news (../shared/data wikinews + ntrex128) repeated to at
least --mb megabytes and written as JSON Lines, prints:

- end-to-end MB/s of ``mtclean cleanup`` with the default stages except
  translation (no MT), against ``ftfy.fix_text`` alone on the same texts, and the
  ratio (target: >= 0.5);
- MB/s of each stage (from the run's per-stage times);
- the ``--jobs 2`` vs ``--jobs 1`` speed-up (target: >= 1.7x on 2 free cores);
- peak memory of a run over a large JSON Lines input (--large-mb; target: < 500 MB
  with ``--jobs 2`` for 1 GB), for the main process and for it and its workers;
- startup: ``mtclean --help`` and cleaning one small file (targets: 0.5 s / 1.5 s).

Run: .venv/bin/python bench/bench_pipeline.py [--mb 20] [--large-mb 200]
Timings depend on what else the machine is doing: compare the ratios.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import ftfy

from corpora import clean_news, mb, repeat_to
from mtclean.pipeline.cli.cleanup import Options, run_cleanup
from mtclean.pipeline.config import load_config
from mtclean.pipeline.runner import Pipeline

MTCLEAN = str(Path(sys.executable).with_name("mtclean"))
NO_MT = ["translate"]


def ftfy_all(docs: list[str]) -> tuple[float, None]:
    t0 = time.perf_counter()
    for d in docs:
        ftfy.fix_text(d)
    return time.perf_counter() - t0, None


def write_jsonl(path: Path, docs: list[str]) -> float:
    with path.open("w", encoding="utf-8") as f:
        for i, d in enumerate(docs):
            f.write(json.dumps({"id": i, "text": d}, ensure_ascii=False) + "\n")
    return path.stat().st_size / 1e6


def pipeline(lang: str | None = None) -> Pipeline:
    return Pipeline.from_config(load_config(skip=NO_MT, lang=lang))


def cleanup(src: Path, out: Path, jobs: int, lang: str | None = None) -> tuple[float, Pipeline]:
    p = pipeline(lang)
    t0 = time.perf_counter()
    run_cleanup([str(src)], p, Options(output=str(out), jobs=jobs, quiet=True, resume=False), err=io.StringIO())
    return time.perf_counter() - t0, p


def rss_tree_kb(pid: int) -> tuple[int, int]:
    """(RSS of *pid*, RSS of *pid* and all its descendants), in kB, from /proc."""
    def rss(p: int) -> int:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def children(p: int) -> list[int]:
        out = []
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    out += [int(c) for c in f.read().split()]
        except OSError:
            pass
        return out

    own = rss(pid)
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss(p)
        todo += children(p)
    return own, total


def peak_memory(src: Path, out: Path, jobs: int, stages: list[str]) -> tuple[float, float, float]:
    """Run the real CLI; sample RSS every 50 ms. Returns (seconds, main peak MB, tree peak MB)."""
    t0 = time.perf_counter()
    p = subprocess.Popen([MTCLEAN, "cleanup", str(src), "-o", str(out), *stages, "--jobs", str(jobs), "-q"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    main_peak = tree_peak = 0
    while p.poll() is None:
        own, tree = rss_tree_kb(p.pid)
        main_peak, tree_peak = max(main_peak, own), max(tree_peak, tree)
        time.sleep(0.05)
    if p.returncode not in (0, 1, 2):
        sys.exit(f"bench: large run failed with exit code {p.returncode}")
    return time.perf_counter() - t0, main_peak / 1024, tree_peak / 1024


def memory_run(tmp: Path, docs: list[str], megabytes: float, stages: list[str]) -> None:
    big = tmp / "big.jsonl"
    with big.open("w", encoding="utf-8") as f:  # written piece by piece: the bench itself stays small
        size, i = 0, 0
        while size < megabytes * 1e6:
            line = json.dumps({"id": i, "text": docs[i % len(docs)]}, ensure_ascii=False) + "\n"
            f.write(line)
            size += len(line.encode())
            i += 1
    big_size = big.stat().st_size / 1e6
    secs, main_mb, tree_mb = peak_memory(big, tmp / "big-out.jsonl", 2, stages)
    print(f"\npeak memory, {big_size:.0f} MB JSON Lines, --jobs 2 ({' '.join(stages)}): main process "
          f"{main_mb:.0f} MB, main + workers {tree_mb:.0f} MB ({secs:.0f} s, {big_size / secs:.2f} MB/s)")


def startup(args: list[str], rounds: int = 5, stdin: bytes | None = None) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        subprocess.run([MTCLEAN, *args], input=stdin, capture_output=True, check=False)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=20.0, help="corpus size for throughput (default 20)")
    ap.add_argument("--rounds", type=int, default=3, help="runs of each measure; the best counts (default 3)")
    ap.add_argument("--large-mb", type=float, default=100.0, help="JSON Lines size for the memory run (default 100)")
    ap.add_argument("--memory-only", action="store_true", help="only the peak memory run")
    ap.add_argument("--memory-stages", default="", help="stages for the memory run, e.g. encoding (default: no MT)")
    args = ap.parse_args()
    mem_stages = ["--only", args.memory_stages, "--lang", "en"] if args.memory_stages else ["--skip", ",".join(NO_MT)]
    if args.memory_only:
        with tempfile.TemporaryDirectory(prefix="mtclean-bench-") as tmp:
            memory_run(Path(tmp), [d for g in clean_news().values() for d in g], args.large_mb, mem_stages)
        return
    docs = [d for group in clean_news().values() for d in group]
    docs = repeat_to(docs, args.mb)
    stages = ", ".join(s.name for s in pipeline().stages)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; stages (no MT): {stages}")
    with tempfile.TemporaryDirectory(prefix="mtclean-bench-") as tmp:
        tmp = Path(tmp)
        src = tmp / "news.jsonl"
        size = write_jsonl(src, docs)
        text_mb = mb(docs)
        print(f"corpus: {len(docs)} documents, {text_mb:.1f} MB of text, {size:.1f} MB of JSON Lines")

        # Each measure is the best of --rounds runs, the runs of one round side by side, so
        # that a slow spell of this shared machine does not land on one side of a ratio only.
        best: dict[str, float] = {}
        stats: dict[str, Pipeline] = {}
        runs = {
            "ftfy": lambda: ftfy_all(docs),
            "jobs1": lambda: cleanup(src, tmp / "out1.jsonl", jobs=1),
            "jobs2": lambda: cleanup(src, tmp / "out2.jsonl", jobs=2),
            "jobs1en": lambda: cleanup(src, tmp / "out1en.jsonl", jobs=1, lang="en"),
            "jobs2en": lambda: cleanup(src, tmp / "out2en.jsonl", jobs=2, lang="en"),
        }
        for _ in range(args.rounds):
            for name, run in runs.items():
                secs, p = run()
                if secs < best.get(name, float("inf")):
                    best[name], stats[name] = secs, p
        t_ftfy, t1, t2, t1en, t2en = (best[k] for k in runs)
        p1 = stats["jobs1"]
        same = (tmp / "out1.jsonl").read_bytes() == (tmp / "out2.jsonl").read_bytes()
        print(f"\nbest of {args.rounds} rounds")
        print(f"{'':<42}{'seconds':>9}{'MB/s':>8}")
        print(f"{'ftfy.fix_text alone':<42}{t_ftfy:>9.2f}{text_mb / t_ftfy:>8.2f}")
        print(f"{'mtclean cleanup --jobs 1':<42}{t1:>9.2f}{text_mb / t1:>8.2f}")
        print(f"{'mtclean cleanup --jobs 2':<42}{t2:>9.2f}{text_mb / t2:>8.2f}")
        print(f"{'mtclean cleanup --jobs 1 --lang en':<42}{t1en:>9.2f}{text_mb / t1en:>8.2f}")
        print(f"{'mtclean cleanup --jobs 2 --lang en':<42}{t2en:>9.2f}{text_mb / t2en:>8.2f}")
        print(f"ratio end-to-end / ftfy (jobs 1): {t_ftfy / t1:.2f}, with --lang en {t_ftfy / t1en:.2f}"
              "  (target >= 0.5)")
        print(f"speed-up --jobs 2 vs --jobs 1: {t1 / t2:.2f}x, with --lang en {t1en / t2en:.2f}x"
              f"  (target >= 1.7x); identical output: {same}")
        print(f"edits on this clean corpus: {sum(p1.stats.edits.values())}")

        print(f"\n{'stage':<14}{'seconds':>9}{'MB/s':>9}  edits by rule")
        for stage, secs in p1.stats.seconds.items():
            rules = {r: n for (s, r), n in p1.stats.edits.items() if s == stage}
            print(f"{stage:<14}{secs:>9.2f}{text_mb / max(secs, 1e-9):>9.1f}  {rules or ''}")

        memory_run(tmp, docs, args.large_mb, mem_stages)

        small = tmp / "small.txt"
        small.write_text("The cafÃ© is open.. Itâ€™s “fine” .\n", encoding="utf-8")
        print(f"\nstartup: mtclean --help            {startup(['--help']):.2f} s (target < 0.5 s)")
        print(f"startup: cleaning one small file   {startup(['cleanup', str(small)]):.2f} s (target < 1.5 s)")


if __name__ == "__main__":
    main()
