"""The review page: one self-contained HTML file for editors.

Everything is inline (CSS, script, data); a Content-Security-Policy forbids the
page any network access. The report's documents are shown as their final text
with every edit highlighted where it ended up, colored by stage *and* marked
with a per-stage underline style and letter tag (color is never the only
signal). Hover or focus shows rule, reason and before → after; Enter opens the
details, where an edit can be rejected. Suggestions are listed apart and can be
accepted. Pages hold a bounded number of edits (``page_size``), so the page
stays quick with tens of thousands of edits. The editor downloads the decisions
as JSON for ``mtclean apply-review``.

>>> data = page_data([], report="r.jsonl")
>>> data["totals"]
{'documents': 0, 'edits': 0, 'suggestions': 0, 'spans': 0, 'without_text': 0}
"""

from __future__ import annotations

import datetime as _dt
import html as _html
import json
import os
import sys
from collections import Counter
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Iterator

from mtclean.pipeline import jsonl
from mtclean.pipeline.edits import invert_edits
from mtclean.pipeline.errors import MtcleanError
from mtclean.pipeline.report import read_report, records
from mtclean.pipeline.review.history import carry_all
from mtclean.pipeline.review.texts import TextFinder, report_digest

PAGE_SCHEMA = "mtclean.review-page.v1"
DEFAULT_PAGE_SIZE = 300
EVIDENCE_CHARS = 240
# Underline styles, one per stage in order, so stages differ without color too.
LINE_STYLES = ("solid", "double", "dotted", "dashed", "wavy")


def _evidence(ev: Any) -> str | None:
    if not ev:
        return None
    s = jsonl.escape_surrogates(json.dumps(ev, ensure_ascii=False, sort_keys=True))
    return s if len(s) <= EVIDENCE_CHARS else s[: EVIDENCE_CHARS - 1] + "…"


def _tags(names: list[str]) -> dict[str, str]:
    """A short tag per stage: its first letter, or more letters where two stages share one."""
    tags: dict[str, str] = {}
    for n in names:
        for size in range(1, len(n) + 1):
            tag = n[:size].upper() if size == 1 else n[:1].upper() + n[1:size]
            if tag not in tags.values():
                tags[n] = tag
                break
        else:
            tags[n] = n
    return tags


def doc_data(di: int, entry: dict[str, Any], finder: TextFinder | None) -> dict[str, Any]:
    """One document for the page: its final text (if found) and every edit placed on it."""
    recs = records(entry)
    text, missing = None, None
    if finder is not None:
        try:
            text = finder.final(entry).text
        except MtcleanError as exc:
            missing = str(exc)
    edits, sugs = [], []
    for k, rec in enumerate(recs):
        later = recs[k + 1:]
        name = rec.stage_name
        outs = invert_edits(rec.edits)
        places = carry_all([(o.start, o.end) for o in outs], later)
        for i, (e, where) in enumerate(zip(rec.edits, places)):
            item = {"id": f"{di}.{k}.{i}", "s": name, "st": rec.stage, "r": e.rule, "why": e.reason,
                    "b": e.before, "a": e.after, "at": e.start, "k": k, "e": i,
                    "fs": where.start, "ft": where.end, "c": where.conflict}
            ev = _evidence(e.evidence)
            if ev:
                item["ev"] = ev
            edits.append(item)
        places = carry_all([(x.start, x.end) for x in rec.suggestions], later)
        for i, (s, where) in enumerate(zip(rec.suggestions, places)):
            sugs.append({"id": f"{di}.{k}.{i}", "s": name, "st": rec.stage, "r": s.rule, "why": s.reason,
                         "b": s.before, "a": s.after, "at": s.start, "k": k, "x": i,
                         "fs": where.start, "ft": where.end, "c": where.conflict,
                         "entry": s.evidence.get("entry") if isinstance(s.evidence, dict) else None})
    notes = [f"{rec.stage_name}: {n}" for rec in recs for n in rec.notes]
    spans = [[s["start"], s["end"], s.get("lang", "?"), s.get("method", ""), s.get("confidence", 1.0),
              None if text is not None else s.get("text", "")] for s in entry.get("spans", []) if s.get("kind", "fragment") == "fragment"]
    if text is not None:
        _to_utf16(text, edits, sugs, spans)
    return {"i": di, "id": str(entry.get("id") or ""), "source": entry.get("source"), "output": entry.get("output"),
            "lang": entry.get("lang"), "text": text, "missing": missing, "edits": edits, "sugs": sugs,
            "spans": spans, "notes": notes, "errors": entry.get("errors", []), "clusters": clusters(edits)}


def _to_utf16(text: str, edits: list[dict], sugs: list[dict], spans: list[list]) -> None:
    """Turn final-text offsets (code points, as Python counts) into UTF-16 units (as JavaScript counts).

    They differ after every character outside the Basic Multilingual Plane (emoji, 𝔸…).
    """
    astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
    if not astral:
        return
    from bisect import bisect_left

    def conv(i: int) -> int:
        return i + bisect_left(astral, i)

    for item in [*edits, *sugs]:
        item["fs"], item["ft"] = conv(item["fs"]), conv(item["ft"])
    for sp in spans:
        sp[0], sp[1] = conv(sp[0]), conv(sp[1])


def clusters(edits: list[dict[str, Any]]) -> list[list[Any]]:
    """Edits grouped where their places in the final text overlap: ``[start, end, [edit index, ...]]``.

    Disjoint edits (the usual case) are one cluster each; edits of several stages on
    the same words share one highlight that lists them all.
    """
    order = sorted(range(len(edits)), key=lambda i: (edits[i]["fs"], edits[i]["ft"]))
    out: list[list[Any]] = []
    for i in order:
        fs, ft = edits[i]["fs"], edits[i]["ft"]
        if out and fs < out[-1][1]:
            out[-1][1] = max(out[-1][1], ft)
            out[-1][2].append(i)
        else:
            out.append([fs, ft, [i]])
    return out


def page_data(entries: Iterable[dict[str, Any]], *, report: str | None = None, report_sha256: str | None = None,
              finder: TextFinder | None = None, glossary_file: str | None = None, glossary_dir: str | None = None,
              page_size: int = DEFAULT_PAGE_SIZE, title: str | None = None) -> dict[str, Any]:
    docs = [doc_data(i, e, finder) for i, e in enumerate(entries)]
    stage_order: dict[str, str] = {}
    for d in docs:
        for item in [*d["edits"], *d["sugs"]]:
            stage_order.setdefault(item["s"], item["st"])
    tags = _tags(list(stage_order))
    edit_counts = Counter((x["s"], x["r"]) for d in docs for x in d["edits"])
    sug_counts = Counter((x["s"], x["r"]) for d in docs for x in d["sugs"])
    stages = [{"name": n, "id": sid, "tag": tags[n], "n": sum(c for (s, _), c in edit_counts.items() if s == n),
               "line": LINE_STYLES[i % len(LINE_STYLES)], "color": i % 8} for i, (n, sid) in enumerate(stage_order.items())]
    order = {n: i for i, n in enumerate(stage_order)}
    summary = [{"stage": s, "rule": r, "edits": edit_counts.get((s, r), 0), "suggestions": sug_counts.get((s, r), 0)}
               for s, r in sorted(set(edit_counts) | set(sug_counts), key=lambda sr: (order[sr[0]], sr[1]))]
    return {
        "schema": PAGE_SCHEMA,
        "title": title or (f"Review of {Path(report).name}" if report else "mtclean review"),
        "report": report, "report_sha256": report_sha256,
        "generated": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "glossary_file": glossary_file, "glossary_dir": glossary_dir,
        "page_size": max(1, int(page_size)),
        "stages": stages, "summary": summary,
        "totals": {"documents": len(docs), "edits": sum(len(d["edits"]) for d in docs),
                   "suggestions": sum(len(d["sugs"]) for d in docs), "spans": sum(len(d["spans"]) for d in docs),
                   "without_text": sum(1 for d in docs if d["text"] is None)},
        "docs": docs,
    }


def _static(name: str) -> str:
    return resources.files("mtclean.pipeline.review").joinpath("static", name).read_text(encoding="utf-8")


def _script_json(data: Any) -> str:
    # Inside <script>, "</script>" or "<!--" in the texts would end or confuse the element.
    # A lone surrogate (JSON input may spell one) stays a \uXXXX escape: the page is UTF-8.
    return (jsonl.escape_surrogates(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
       "form-action 'none'; base-uri 'none'")


def render_page(data: dict[str, Any]) -> str:
    """The complete HTML document for *data* (from :func:`page_data`)."""
    title = _html.escape(data["title"])
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<meta name=\"generator\" content=\"mtclean review\">\n<title>{title}</title>\n"
        f"<style>\n{_static('review.css')}</style>\n</head>\n<body>\n"
        f"{_static('review.html').replace('{{title}}', title)}\n"
        f"<script type=\"application/json\" id=\"review-data\">{_script_json(data)}</script>\n"
        f"<script>\n{_static('review.js')}</script>\n</body>\n</html>\n"
    )


def write_review(report: str | Path, html_out: str | Path, *, page_size: int = DEFAULT_PAGE_SIZE,
                 glossary_file: str | None = None, glossary_dir: str | None = None,
                 title: str | None = None) -> dict[str, Any]:
    """Write the review page for the report at *report*; returns the page's totals."""
    from mtclean.pipeline import io

    report = Path(report)
    entries = list(read_report(report))
    data = page_data(entries, report=str(report.resolve()), report_sha256=report_digest(report),
                     finder=TextFinder(base=report.parent), glossary_file=glossary_file,
                     glossary_dir=glossary_dir, page_size=page_size, title=title)
    new = not Path(html_out).exists()
    io.atomic_write(html_out, render_page(data).encode("utf-8"))
    if new:  # a page is meant to be shared: the usual permissions, not the temporary file's 0600
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(html_out, 0o666 & ~umask)
    return data["totals"]


@contextmanager
def html_after_cleanup(html_out: str | None, opts: Any, *, quiet: bool = False) -> Iterator[None]:
    """For ``mtclean cleanup --html``: make sure the run writes an edit log, then build the page from it.

    Without ``--report`` the edit log (with texts) is written beside the page as
    ``PAGE.report.jsonl``: ``mtclean apply-review`` needs it later.
    """
    if not html_out:
        yield
        return
    opts.page = html_out
    if not opts.report:
        opts.report = str(Path(html_out).with_suffix(".report.jsonl"))
        opts.report_text = True
    yield
    totals = write_review(opts.report, html_out)
    if not quiet:
        print(f"mtclean: review page {html_out} ({totals['edits']} edit(s), {totals['suggestions']} suggestion(s); "
              f"edit log {opts.report})", file=sys.stderr)
