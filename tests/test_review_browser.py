"""The review page in a real headless browser (Debian's chromium driven by Playwright).

Needs ``apt-get install chromium`` and ``pip install playwright`` (never
``playwright install``: the system chromium is used). Skipped cleanly when
either is missing. Set ``MTCLEAN_CHROMIUM`` to use another chromium binary.
A screenshot of the page is saved under artifacts/ (gitignored).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from mtclean.pipeline.report import read_report
from mtclean.pipeline.review.html import write_review
from review_helpers import run_history, sample_doc, write_report

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
MTCLEAN = str(Path(sys.executable).with_name("mtclean"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str | None:
    for c in (os.environ.get("MTCLEAN_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
              shutil.which("chromium-browser")):
        if c and Path(c).exists():
            return c
    return None


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    exe = _chromium()
    if exe is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    profile = tempfile.mkdtemp(prefix="mtclean-chromium-")
    with sync_api.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(profile, executable_path=exe, args=CHROMIUM_ARGS,
                                                   accept_downloads=True, viewport={"width": 1200, "height": 900})
        yield ctx
        ctx.close()
    shutil.rmtree(profile, ignore_errors=True)


class Page:
    """One loaded review page, with the console errors and network requests it made."""

    def __init__(self, ctx, html: Path):
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page = ctx.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(html.as_uri())
        self.page.wait_for_selector("html[data-ready='1']")

    def marks(self) -> list[dict]:
        return self.page.eval_on_selector_all("mark.ed", """ms => ms.map(m => ({
            ids: m.dataset.edits.split(' '), stage: m.dataset.stage, tag: m.dataset.tag,
            text: Array.from(m.childNodes).filter(n => !(n.classList && (n.classList.contains('gone') || n.classList.contains('nothing')))).map(n => n.textContent).join(''),
            gone: (m.querySelector('del.gone') || {}).textContent || null,
            rejected: m.classList.contains('rej'), tabindex: m.getAttribute('tabindex'), label: m.getAttribute('aria-label')}))""")

    def close(self):
        self.page.close()


def sample_page(tmp_path: Path, ctx, *, page_size: int = 300) -> tuple[Page, Path, dict]:
    doc, original = sample_doc()
    # an emoji (outside the BMP) before two edits: JavaScript counts it as two units, Python as one
    second = "Second.. \U0001F600 text ,here\n"
    other = run_history(second, [("punctuation.v1", [(6, 8, ".", "punctuation.double_period"),
                                                     (15, 16, "", "punctuation.space_before_comma"),
                                                     (17, 17, " ", "punctuation.space_after_comma")])],
                        doc_id="second")
    assert other.text == "Second. \U0001F600 text, here\n"
    rep = write_report(tmp_path / "report.jsonl", [(doc, original), (other, second)],
                       outputs=[str(tmp_path / "sample.txt"), str(tmp_path / "second.txt")])
    (tmp_path / "sample.txt").write_text(doc.text, encoding="utf-8")
    (tmp_path / "second.txt").write_text(other.text, encoding="utf-8")
    html = tmp_path / "review.html"
    write_review(rep, html, page_size=page_size)
    return Page(ctx, html), rep, {"sample": doc, "second": other}


def all_edits(rep: Path) -> dict[str, dict]:
    out = {}
    for di, entry in enumerate(read_report(rep)):
        for k, rec in enumerate(entry["records"]):
            for i, e in enumerate(rec["edits"]):
                out[f"{di}.{k}.{i}"] = {**e, "stage": rec["stage"].rsplit(".v", 1)[0]}
    return out


def test_loads_clean_and_highlights_match_the_edit_log(tmp_path, browser):
    pg, rep, docs = sample_page(tmp_path, browser)
    try:
        marks = pg.marks()
        edits = all_edits(rep)
        seen = [i for m in marks for i in m["ids"]]
        assert sorted(seen) == sorted(edits)  # every edit highlighted exactly once
        for m in marks:
            if len(m["ids"]) == 1:
                e = edits[m["ids"][0]]
                assert m["stage"] == e["stage"]
                if e["after"]:
                    assert m["text"] == e["after"]
                else:
                    assert m["text"] == "" and m["gone"] == e["before"]  # a deletion shows what went, struck out
        # The text shown (without the struck-out deletions) is exactly the cleaned text.
        shown = pg.page.eval_on_selector_all("section.doc .text", """els => els.map(el => {
            const c = el.cloneNode(true); c.querySelectorAll('del.gone, .nothing').forEach(n => n.remove()); return c.textContent; })""")
        assert shown == [docs["sample"].text, docs["second"].text]
        frag = pg.page.eval_on_selector("span.frag", "s => [s.getAttribute('lang'), s.textContent]")
        assert frag == ["de", "yes"]
        sugs = pg.page.eval_on_selector_all("#sugs tbody tr[data-sug]", "rs => rs.map(r => r.textContent)")
        assert len(sugs) == 1 and "Café" in sugs[0] and "place.caffe" in sugs[0]
        assert pg.errors == []
        assert pg.requests == [(tmp_path / "review.html").as_uri()]  # nothing fetched: self-contained
    finally:
        pg.close()


def test_filter_by_stage_and_rule(tmp_path, browser):
    pg, rep, _ = sample_page(tmp_path, browser)
    try:
        edits = all_edits(rep)
        pg.page.uncheck("input.stage-cb[value='punctuation']")
        ids = [i for m in pg.marks() for i in m["ids"]]
        assert ids and all(edits[i]["stage"] != "punctuation" for i in ids)
        assert sorted(ids) == sorted(k for k, e in edits.items() if e["stage"] != "punctuation")
        pg.page.click("#reset-filters")
        pg.page.select_option("#rule-filter", "names.variant")
        ids = [i for m in pg.marks() for i in m["ids"]]
        assert sorted(ids) == sorted(k for k, e in edits.items() if e["rule"] == "names.variant")
        assert "2 edit(s) match" in pg.page.inner_text("#status")
        pg.page.click("#reset-filters")
        assert len([i for m in pg.marks() for i in m["ids"]]) == len(edits)
        assert pg.errors == []
    finally:
        pg.close()


def test_reject_with_keyboard_accept_suggestion_download_and_apply(tmp_path, browser):
    pg, rep, docs = sample_page(tmp_path, browser)
    try:
        page = pg.page
        # Keyboard only: j moves to the first edit, then on to the Kiev -> Kyiv edit.
        page.focus("body")
        target = next(i for i, m in enumerate(pg.marks()) if m["text"] == "Kyiv")
        for _ in range(target + 1):
            page.keyboard.press("j")
        assert page.evaluate("document.activeElement.textContent") == "Kyiv"
        tip = page.locator("#tip")
        assert tip.is_visible() and "names.variant" in tip.inner_text() and "Kiev" in tip.inner_text()
        page.keyboard.press("Enter")  # details panel, focus on its reject checkbox
        assert page.locator("#panel").is_visible()
        assert page.evaluate("document.activeElement.className") == "reject"
        page.keyboard.press("Space")
        page.keyboard.press("Escape")
        assert page.locator("#panel").is_hidden()
        assert page.evaluate("document.activeElement.textContent") == "Kyiv"  # focus returns to the edit
        kyiv = next(m for m in pg.marks() if m["text"] == "Kyiv")
        assert kyiv["rejected"] and "(rejected)" in kyiv["label"]
        page.check("#sugs input.accept")
        assert "1 edit(s) rejected, 1 suggestion(s) accepted" in page.inner_text("#decision-count")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "review-page.png"), full_page=True)
        with page.expect_download() as dl:
            page.click("#download")
        path = tmp_path / "decisions.json"
        dl.value.save_as(str(path))
        assert dl.value.suggested_filename == "report.decisions.json"
        got = json.loads(path.read_text(encoding="utf-8"))
        assert got["schema"] == "mtclean.review-decisions.v1" and got["report"] == str(rep.resolve())
        assert got["rejected"] == [{"doc": 0, "id": "sample", "record": 2, "stage": "names.v1", "edit": 1,
                                    "start": 44, "before": "Kiev", "after": "Kyiv", "rule": "names.variant"}]
        assert [(a["before"], a["after"], a["entry"]) for a in got["accepted"]] == [("Café", "Caffè", "place.caffe")]
        assert pg.errors == []
    finally:
        pg.close()
    # The downloaded file drives apply-review.
    r = subprocess.run([MTCLEAN, "apply-review", str(path), "--no-glossary"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "sample.txt").read_text(encoding="utf-8") == \
        "Caffè  news. The minister Zelensky said:yes. Kiev talks\n"
    assert (tmp_path / "second.txt").read_text(encoding="utf-8") == docs["second"].text


def test_non_color_signals_and_focusable_edits(tmp_path, browser):
    pg, _, _ = sample_page(tmp_path, browser)
    try:
        page = pg.page
        styles = page.eval_on_selector_all("mark.ed", """ms => ms.map(m => [m.dataset.stage,
            getComputedStyle(m).textDecorationStyle, getComputedStyle(m, '::after').content])""")
        by_stage = {}
        for stage, line, tag in styles:
            by_stage.setdefault(stage, set()).add((line, tag))
        lines = {next(iter(v))[0] for v in by_stage.values()}
        tags = {next(iter(v))[1] for v in by_stage.values()}
        assert len(lines) == len(by_stage) == 3 and len(tags) == 3  # each stage: its own underline and tag
        assert all(len(v) == 1 for s, v in by_stage.items() if s != "encoding")
        assert all(m["tabindex"] == "0" and m["label"] for m in pg.marks())
        # Tab from the stage filters reaches the edits in order.
        page.focus("#reset-filters")
        for _ in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.tagName") == "MARK":
                break
        assert page.evaluate("document.activeElement.tagName") == "MARK"
        page.keyboard.press("x")
        rejected = page.eval_on_selector("mark.ed.rej", """m => [getComputedStyle(m).textDecorationLine,
            getComputedStyle(m, '::before').content]""")
        assert rejected[0] == "line-through" and "✗" in rejected[1]  # rejected: struck through and marked, not just recolored
        assert pg.errors == []
    finally:
        pg.close()


def test_pages_split_documents_and_keep_every_edit(tmp_path, browser):
    pg, rep, _ = sample_page(tmp_path, browser, page_size=2)
    try:
        page = pg.page
        seen = []
        n_pages = len(page.eval_on_selector_all("#pager-top option", "os => os.map(o => o.value)"))
        assert n_pages >= 4
        for p in range(n_pages):
            marks = pg.marks()
            assert 1 <= sum(len(m["ids"]) for m in marks) <= 3  # a page: about page_size edits (a shared highlight counts once)
            seen += [i for m in marks for i in m["ids"]]
            page.focus("#docs")
            page.keyboard.press("]")
        assert sorted(seen) == sorted(all_edits(rep))
        assert "part 1 of" in page.evaluate("document.body.textContent") or n_pages >= 4
        assert pg.errors == []
    finally:
        pg.close()


def test_documents_without_text_list_their_edits(tmp_path, browser):
    doc, original = sample_doc()
    rep = write_report(tmp_path / "report.jsonl", [(doc, original)], include_text=False,
                       outputs=[str(tmp_path / "missing.txt")])
    html = tmp_path / "review.html"
    write_review(rep, html)
    pg = Page(browser, html)
    try:
        assert "missing.txt not found" in pg.page.inner_text("section.doc .missing")
        assert pg.page.eval_on_selector("section.doc q[lang='de']", "q => q.textContent") == "yes"
        marks = pg.marks()
        assert sorted(i for m in marks for i in m["ids"]) == sorted(all_edits(rep))
        assert [m["text"] for m in marks if m["ids"] == ["0.2.1"]] == ["Kyiv"]
        assert pg.errors == []
    finally:
        pg.close()
    write_review(rep, html, page_size=4)  # the list is paginated too
    pg = Page(browser, html)
    try:
        first = [i for m in pg.marks() for i in m["ids"]]
        pg.page.focus("#docs")
        pg.page.keyboard.press("]")
        second = [i for m in pg.marks() for i in m["ids"]]
        assert len(first) == 4 and len(second) == 2 and sorted(first + second) == sorted(all_edits(rep))
        assert "part 2 of 2" in pg.page.inner_text("section.doc h3")
        assert pg.errors == []
    finally:
        pg.close()


def test_reject_all_matching_edits_of_a_rule(tmp_path, browser):
    pg, rep, _ = sample_page(tmp_path, browser)
    try:
        page = pg.page
        page.select_option("#rule-filter", "punctuation.double_period")
        page.click("#reject-shown")
        assert "Rejected 2 edit(s)" in page.inner_text("#status")
        page.click("#reset-filters")
        got = page.evaluate("window.mtcleanReview.decisions()")
        assert sorted((d["doc"], d["rule"]) for d in got["rejected"]) == [(0, "punctuation.double_period"),
                                                                         (1, "punctuation.double_period")]
        assert sum(m["rejected"] for m in pg.marks()) == 2
        page.select_option("#rule-filter", "punctuation.double_period")
        page.click("#restore-shown")
        assert page.evaluate("window.mtcleanReview.decisions()")["rejected"] == []
        assert pg.errors == []
    finally:
        pg.close()


def test_shared_highlight_rejects_both_edits_and_apply_undoes_both(tmp_path, browser):
    pg, rep, _ = sample_page(tmp_path, browser)
    try:
        page = pg.page
        shared = page.locator("mark.ed.multi")
        assert shared.count() == 1 and shared.inner_text().startswith("Zelensky")
        shared.click()  # opens the details: one reject box per edit
        boxes = page.locator("#panel input.reject")
        assert boxes.count() == 2
        assert "later stage (names.v1)" in page.inner_text("#panel")
        boxes.nth(0).check()
        boxes = page.locator("#panel input.reject")
        boxes.nth(1).check()
        page.keyboard.press("Escape")
        assert page.locator("mark.ed.multi.rej").count() == 1
        with page.expect_download() as dl:
            page.click("#download")
        path = tmp_path / "decisions.json"
        dl.value.save_as(str(path))
        assert pg.errors == []
    finally:
        pg.close()
    got = json.loads(path.read_text(encoding="utf-8"))
    assert sorted(d["rule"] for d in got["rejected"]) == ["encoding.homoglyph", "names.variant"]
    r = subprocess.run([MTCLEAN, "apply-review", str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "sample.txt").read_text(encoding="utf-8") == \
        "Café  news. The minister Zelensk\u0456 said:yes. Kyiv talks\n"
