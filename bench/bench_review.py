"""The review page with 20,000 edits: generation time, HTML size, load time and DOM size in chromium.

Two layouts of the same edits, side by side in one run: many documents (400 x 50
edits) and one long document (20,000 edits), each with the default page size
(300 edits a page) and with every edit on one page (page size 20,000), to show
what pagination buys. "ready" is navigation start to the end of the page's
script (7 MB of data parsed, first page built); "paint" is two animation frames
later (layout and first paint done); filter time is one stage filter click,
layout included. Best of three loads each.

Texts: English Wikinews articles from ../shared/data (generated text when absent);
edits are synthetic but shaped like the real stages' (letter fixes, spacing,
name spellings), recorded through the document model as stages record them.

Needs chromium and playwright (as the browser tests); without them only the
generation figures are printed. Run: .venv/bin/python bench/bench_review.py
"""

from __future__ import annotations

import json
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from mtclean.pipeline.document import Document, StageRecord
from mtclean.pipeline.edits import Edit, apply_edits
from mtclean.pipeline.report import document_entry
from mtclean.pipeline.review.html import write_review

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STAGES = (("encoding.v1", "encoding.mojibake"), ("punctuation.v1", "punctuation.quote_spacing"),
          ("names.v1", "names.variant"))


def texts() -> list[str]:
    try:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from corpora import SHARED_DATA, wikinews

        if (SHARED_DATA / "wikinews-en-2019-2020").exists():
            return [t for t in wikinews() if len(t) > 2000]
    except Exception:  # noqa: BLE001 - any problem with the corpus: fall back to generated text
        pass
    rng = random.Random(1)
    words = "the minister said talks would resume in the capital after weeks of delay on Thursday".split()
    return [" ".join(rng.choice(words) for _ in range(800)) + "." for _ in range(50)]


def make_doc(text: str, n_edits: int, rng: random.Random, doc_id: str) -> tuple[Document, str]:
    """A document whose three stages make *n_edits* edits in all, on distinct words."""
    doc = Document(text=text, id=doc_id, lang="en")
    per_stage = [n_edits // 3 + (1 if i < n_edits % 3 else 0) for i in range(3)]
    for (stage, rule), n in zip(STAGES, per_stage):
        cur = doc.text
        words = [m for m in re.finditer(r"[A-Za-z]{4,}", cur)]
        chosen = sorted(rng.sample(range(len(words)), min(n, len(words))))
        edits = []
        for i in chosen:
            m = words[i]
            w = m.group()
            after = w[0].upper() + w[1:] if w[0].islower() else w[:-1] + "y" if w[-1] != "y" else w[:-1] + "i"
            edits.append(Edit(m.start(), m.end(), w, after, rule, f"synthetic {rule} edit", {"bench": True}))
        doc.apply(StageRecord(stage, "bench", "bench", tuple(edits)), apply_edits(cur, edits))
    return doc, text


def write(path: Path, docs) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for doc, original in docs:
            fh.write(json.dumps(document_entry(doc, input_text=original, include_text=True), ensure_ascii=False) + "\n")


def measure(ctx, html: Path, rounds: int = 3) -> dict:
    """Best of *rounds* loads (the first load of a fresh browser is slower for every page)."""
    runs = [measure_once(ctx, html) for _ in range(rounds)]
    return {k: min(r[k] for r in runs) if k in ("ready", "painted", "filter", "wall") else runs[0][k] for k in runs[0]}


def measure_once(ctx, html: Path) -> dict:
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    t0 = time.perf_counter()
    page.goto(html.as_uri())
    page.wait_for_selector("html[data-ready='1']", timeout=300_000)
    wall = time.perf_counter() - t0
    got = page.evaluate("""async () => {
        // two animation frames after "ready": layout and first paint are done
        await new Promise(res => requestAnimationFrame(() => requestAnimationFrame(res)));
        const r = {ready: window.mtcleanReview.ready, painted: performance.now(), nodes: document.getElementsByTagName('*').length,
                   marks: document.querySelectorAll('mark.ed').length};
        const cb = document.querySelector('input.stage-cb');
        const t = performance.now(); cb.click(); document.body.offsetHeight; r.filter = performance.now() - t;
        cb.click();
        return r; }""")
    page.close()
    if errors:
        raise SystemExit(f"bench: page errors in {html.name}: {errors}")
    return {**got, "wall": wall}


def main() -> None:
    rng = random.Random(7)
    corpus = texts()
    tmp = Path(tempfile.mkdtemp(prefix="mtclean-bench-review-"))
    layouts = {}
    many = []
    for i in range(400):
        many.append(make_doc(corpus[i % len(corpus)], 50, rng, f"doc-{i}"))
    layouts["400 docs x 50"] = many
    long_text = "\n\n".join(corpus)
    while len(re.findall(r"[A-Za-z]{4,}", long_text)) < 25_000:
        long_text += "\n\n" + long_text
    layouts["1 doc x 20000"] = [make_doc(long_text, 20_000, rng, "long")]
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    browser_ok = sync_playwright is not None and Path(CHROMIUM).exists()
    print(f"{'layout':<16}{'page size':>10}{'edits':>7}{'gen s':>7}{'HTML MB':>9}"
          + (f"{'ready ms':>9}{'paint ms':>9}{'DOM nodes':>11}{'marks':>7}{'filter ms':>11}" if browser_ok else ""))
    rows = []
    ctx_mgr = sync_playwright() if browser_ok else None
    p = ctx_mgr.__enter__() if ctx_mgr else None
    ctx = p.chromium.launch_persistent_context(str(tmp / "profile"), executable_path=CHROMIUM, args=ARGS) if p else None
    if ctx:  # warm the browser up so the first measured page is not charged for it
        warm = ctx.new_page()
        warm.set_content("<p>warm-up</p>")
        warm.close()
    try:
        for name, docs in layouts.items():
            report = tmp / f"{name.replace(' ', '_')}.jsonl"
            write(report, docs)
            n = sum(d.edit_count for d, _ in docs)
            for size in (300, 20_000):
                html = tmp / f"{report.stem}-{size}.html"
                t0 = time.perf_counter()
                write_review(report, html, page_size=size)
                gen = time.perf_counter() - t0
                line = f"{name:<16}{size:>10}{n:>7}{gen:>7.2f}{html.stat().st_size / 1e6:>9.2f}"
                if ctx:
                    m = measure(ctx, html)
                    rows.append((name, size, m))
                    line += f"{m['ready']:>9.0f}{m['painted']:>9.0f}{m['nodes']:>11}{m['marks']:>7}{m['filter']:>11.0f}"
                print(line, flush=True)
    finally:
        if ctx:
            ctx.close()
            ctx_mgr.__exit__(None, None, None)
        shutil.rmtree(tmp, ignore_errors=True)
    for name in layouts:
        paged = next(m for n_, s, m in rows if n_ == name and s == 300) if rows else None
        whole = next(m for n_, s, m in rows if n_ == name and s == 20_000) if rows else None
        if paged and whole:
            print(f"{name}: one page of everything / paginated: load to first paint x{whole['painted'] / paged['painted']:.1f}, "
                  f"DOM nodes x{whole['nodes'] / paged['nodes']:.1f}, filter x{whole['filter'] / max(paged['filter'], 0.1):.1f}")
    if not browser_ok:
        print("chromium or playwright missing: load time and DOM size not measured")


if __name__ == "__main__":
    main()
