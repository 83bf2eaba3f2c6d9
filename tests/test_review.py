"""The review page's data and HTML, decisions, `mtclean review`, `apply-review`, `cleanup --html`, `explain`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mtclean.pipeline.cli.app import app
from mtclean.pipeline.report import document_entry, read_report
from mtclean.pipeline.review.decisions import SCHEMA, DecisionsError, plan_decisions
from mtclean.pipeline.review.html import page_data, render_page
from mtclean.pipeline.review.texts import TextFinder, report_digest
from review_helpers import run_history, sample_doc, write_report

runner = CliRunner()
MTCLEAN = str(Path(sys.executable).with_name("mtclean"))
GLOSSARY = """# project glossary (this comment must survive)
[glossary]
name = "project"

[[entry]]
id = "place.caffe"
kind = "place"
canonical = { en = "Caff\u00e8" }
variants = ["Caffe"]
"""


def invoke(*args):
    return runner.invoke(app, list(args), catch_exceptions=False)


def sample_report(tmp_path: Path, **kw) -> Path:
    doc, original = sample_doc()
    return write_report(tmp_path / "report.jsonl", [(doc, original)], **kw)


# --- page data ----------------------------------------------------------------------------

def test_every_edit_is_placed_on_the_final_text():
    doc, original = sample_doc()
    entry = json.loads(json.dumps(document_entry(doc, input_text=original, include_text=True)))
    data = page_data([entry], finder=TextFinder())
    d = data["docs"][0]
    assert d["text"] == doc.text and len(d["edits"]) == doc.edit_count == 6
    for e in d["edits"]:
        if e["c"] is None:
            assert d["text"][e["fs"]:e["ft"]] == e["a"], e
    conflicted = [e for e in d["edits"] if e["c"]]
    assert [(e["r"], e["c"]) for e in conflicted] == [("encoding.homoglyph", "names.v1")]
    # the conflicted edit shares a highlight with the names edit that rewrote it
    ids = {tuple(sorted(d["edits"][i]["r"] for i in c[2])) for c in d["clusters"]}
    assert ("encoding.homoglyph", "names.variant") in ids
    assert sum(len(c[2]) for c in d["clusters"]) == 6
    (s,) = d["sugs"]
    assert d["text"][s["fs"]:s["ft"]] == s["b"] == "Café" and s["entry"] == "place.caffe"
    assert [x["name"] for x in data["stages"]] == ["encoding", "punctuation", "names"]
    assert {(r["stage"], r["rule"]): r["edits"] for r in data["summary"]}[("names", "names.variant")] == 2
    assert len({x["line"] for x in data["stages"]}) == 3 and len({x["tag"] for x in data["stages"]}) == 3


def test_page_is_self_contained_and_escapes_the_texts(tmp_path):
    doc = run_history("a </script><script>alert(1)</script> <!-- b", [("s.v1", [(0, 1, "A", "s.up")])])
    rep = write_report(tmp_path / "r.jsonl", [(doc, "a </script><script>alert(1)</script> <!-- b")])
    page = render_page(page_data(read_report(rep), report=str(rep), finder=TextFinder()))
    assert page.count("<script") == 2 and page.count("</script>") == 2  # the data block and the code, nothing from the text
    assert "<!--" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", page)


def test_review_command_writes_page(tmp_path):
    rep = sample_report(tmp_path)
    r = invoke("review", str(rep), "-o", str(tmp_path / "page.html"), "--page-size", "50", "--title", "Issue 7 check")
    assert r.exit_code == 0, r.output
    page = (tmp_path / "page.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="review-data">(.*?)</script>', page, re.S).group(1))
    assert data["page_size"] == 50 and data["title"] == "Issue 7 check"
    assert data["report_sha256"] == report_digest(rep) and data["totals"]["edits"] == 6
    assert "<title>Issue 7 check</title>" in page


def test_review_without_texts_lists_edits_and_says_why(tmp_path):
    rep = sample_report(tmp_path, include_text=False)
    r = invoke("review", str(rep), "-o", str(tmp_path / "p.html"))
    assert r.exit_code == 0
    assert "1 without text" in r.stderr
    data = page_data(read_report(rep), finder=TextFinder())
    assert data["docs"][0]["text"] is None and "--report-text" in data["docs"][0]["missing"]


def test_review_reads_the_output_file_when_the_report_has_no_text(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("The cafÃ© is open.\n", encoding="utf-8")
    rep = tmp_path / "rep.jsonl"
    r = invoke("cleanup", str(src), "-o", str(tmp_path / "out.txt"), "--report", str(rep), "--only", "encoding",
               "--lang", "en", "-q")
    assert r.exit_code == 0
    d = page_data(read_report(rep), finder=TextFinder())["docs"][0]
    assert d["text"] == "The café is open.\n"
    (tmp_path / "out.txt").write_text("edited by hand\n")
    src.unlink()
    d = page_data(read_report(rep), finder=TextFinder())["docs"][0]
    assert d["text"] is None and "changed since the run" in d["missing"]


# --- decisions ---------------------------------------------------------------------------

def decisions_for(rep: Path, *, rejected=(), accepted=(), **extra) -> dict:
    entries = list(read_report(rep))
    out = {"schema": SCHEMA, "report": str(rep), "report_sha256": report_digest(rep), "rejected": [], "accepted": []}
    for di, k, i in rejected:
        e = entries[di]["records"][k]["edits"][i]
        out["rejected"].append({"doc": di, "id": entries[di]["id"], "record": k, "stage": entries[di]["records"][k]["stage"],
                                "edit": i, "start": e["start"], "before": e["before"], "after": e["after"], "rule": e["rule"]})
    for di, k, i in accepted:
        s = entries[di]["records"][k]["suggestions"][i]
        out["accepted"].append({"doc": di, "id": entries[di]["id"], "record": k, "suggestion": i, "start": s["start"],
                                "before": s["before"], "after": s["after"], "rule": s["rule"],
                                "entry": (s.get("evidence") or {}).get("entry")})
    out.update(extra)
    return out


def test_plan_rejects_edits_and_applies_suggestions(tmp_path):
    rep = sample_report(tmp_path)
    # reject the doubled-period fix and Kiev -> Kyiv; try to reject the homoglyph fix (names rewrote it)
    plan = plan_decisions(decisions_for(rep, rejected=[(0, 1, 0), (0, 2, 1), (0, 0, 1)], accepted=[(0, 2, 0)]), rep)
    (res,) = plan.results
    assert res.text == "Caffè  news.. The minister Zelensky said:yes. Kiev talks\n"
    assert plan.reverted == 2 and plan.applied == 1
    assert plan.variants == [("place.caffe", "Café")]
    assert len(plan.skipped) == 1 and "names.v1" in plan.skipped[0]


def test_plan_refuses_decisions_for_another_report(tmp_path):
    rep = sample_report(tmp_path)
    dec = decisions_for(rep, rejected=[(0, 1, 0)])
    dec["rejected"][0]["after"] = "!"
    with pytest.raises(DecisionsError, match="does not match"):
        plan_decisions(dec, rep)
    dec = decisions_for(rep, rejected=[(0, 1, 0)], report_sha256="0" * 64)
    with pytest.raises(DecisionsError, match="changed since"):
        plan_decisions(dec, rep)


def test_apply_review_cli_writes_outputs_and_adds_glossary_variant(tmp_path):
    out = tmp_path / "out.txt"
    doc, original = sample_doc()
    out.write_text(doc.text, encoding="utf-8")
    rep = write_report(tmp_path / "report.jsonl", [(doc, original)], include_text=False, outputs=[str(out)])
    gloss = tmp_path / "project.toml"
    gloss.write_text(GLOSSARY, encoding="utf-8")
    dec = tmp_path / "d.json"
    dec.write_text(json.dumps(decisions_for(rep, rejected=[(0, 2, 1)], accepted=[(0, 2, 0)], glossary_file=str(gloss))))
    r = subprocess.run([MTCLEAN, "apply-review", str(dec), "--dry-run"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "-Caf" in r.stdout and "+Caff" in r.stdout and out.read_text(encoding="utf-8") == doc.text
    r = subprocess.run([MTCLEAN, "apply-review", str(dec)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert out.read_text(encoding="utf-8") == "Caffè  news. The minister Zelensky said:yes. Kiev talks\n"
    g = gloss.read_text(encoding="utf-8")
    assert "# project glossary (this comment must survive)" in g
    assert re.search(r'variants = \["Caffe", "Café"\]', g), g
    assert "1 edit(s) reverted, 1 suggestion(s) applied, 1 glossary variant(s) added" in r.stderr
    again = subprocess.run([MTCLEAN, "apply-review", str(dec)], capture_output=True, text=True)
    assert again.returncode == 2 and "already reviewed" in again.stderr  # never applied twice
    assert out.read_text(encoding="utf-8") == "Caffè  news. The minister Zelensky said:yes. Kiev talks\n"


def test_apply_review_reports_what_it_could_not_do(tmp_path):
    rep = sample_report(tmp_path)
    dec = tmp_path / "d.json"
    dec.write_text(json.dumps(decisions_for(rep, rejected=[(0, 0, 1)])))
    r = subprocess.run([MTCLEAN, "apply-review", str(dec), "-o", str(tmp_path / "x.txt")], capture_output=True, text=True)
    assert r.returncode == 1
    assert "not applied" in r.stderr and "names.v1" in r.stderr


def test_apply_review_bad_file_is_one_line_error(tmp_path):
    bad = tmp_path / "d.json"
    bad.write_text("{}")
    r = subprocess.run([MTCLEAN, "apply-review", str(bad)], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "decisions file" in r.stderr


# --- cleanup --html and explain -----------------------------------------------------------------

def test_cleanup_html_writes_page_and_edit_log(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("The cafÃ© is open.\n", encoding="utf-8")
    page = tmp_path / "review.html"
    r = invoke("cleanup", str(src), "-o", str(tmp_path / "out.txt"), "--only", "encoding", "--lang", "en",
               "--html", str(page))
    assert r.exit_code == 0, r.output
    log = tmp_path / "review.report.jsonl"
    assert page.exists() and log.exists()
    (entry,) = read_report(log)
    assert entry["text"] == "The café is open.\n"
    assert '"r":"encoding.mojibake"' in page.read_text(encoding="utf-8")


def test_explain_plain_when_piped_and_colored_inline_diff_when_asked(tmp_path):
    rep = sample_report(tmp_path)
    plain = invoke("explain", str(rep)).stdout
    assert "\x1b[" not in plain
    assert "names.variant" in plain and "'Kiev' -> 'Kyiv'" in plain
    colored = invoke("explain", str(rep), "--color", "always").stdout
    assert "\x1b[" in colored
    stripped = re.sub(r"\x1b\[[0-9;]*m", "", colored)
    assert "'Kiev' -> 'Kyiv'" in stripped
    assert "said:yes. KievKyiv talks" in stripped  # context, removed text, inserted text, context
    assert "\x1b[9" in colored or ";9m" in colored or "9;" in colored  # strike-through on the removed text


def test_apply_review_on_jsonl_output_changes_only_the_decided_line(tmp_path):
    src = tmp_path / "in.jsonl"
    rows = [{"id": "a", "text": "The cafÃ© is open."}, {"id": "b", "text": "naÃ¯ve and cafÃ©"}]
    src.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in rows), encoding="utf-8")
    out, rep = tmp_path / "out.jsonl", tmp_path / "rep.jsonl"
    r = invoke("cleanup", str(src), "-o", str(out), "--report", str(rep), "--only", "encoding", "--lang", "en",
               "--id-field", "id", "-q")
    assert r.exit_code == 0, r.output
    entries = list(read_report(rep))
    assert [e["id"] for e in entries] == ["a", "b"] and len(entries[1]["records"][0]["edits"]) == 2
    dec = tmp_path / "d.json"
    dec.write_text(json.dumps(decisions_for(rep, rejected=[(1, 0, 1)])))
    r = subprocess.run([MTCLEAN, "apply-review", str(dec)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    got = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert got == [{"id": "a", "text": "The café is open."}, {"id": "b", "text": "naïve and cafÃ©"}]


# --- property: rejecting any subset of edits, against an identity oracle ---------------------
# Every character is distinct, so the history can be replayed by identity: each kept edit finds
# its `before` in the replayed text, rejected edits are left out. A rejection may only be
# dropped when keeping it makes a later kept edit impossible.

from hypothesis import given, settings, strategies as st  # noqa: E402

from mtclean.pipeline.review.revert import reject_edits  # noqa: E402
from review_helpers import histories  # noqa: E402


def _replay(original, recs, rejected):
    text = original
    for k, rec in enumerate(recs):
        for i, e in enumerate(rec.edits):
            if i in rejected.get(k, ()):
                continue
            at = text.find(e.before)
            if at < 0:
                return None  # this kept edit changed text that a rejected edit had made
            text = text[:at] + e.after + text[at + len(e.before):]
    return text


@settings(derandomize=True, max_examples=200, deadline=None)
@given(histories(insertions=False), st.data())
def test_rejecting_any_subset_matches_identity_replay(hist, data):
    original, stages = hist
    doc = run_history(original, stages)
    all_ids = [(k, i) for k, rec in enumerate(doc.history) for i in range(len(rec.edits))]
    chosen = data.draw(st.lists(st.sampled_from(all_ids), unique=True, max_size=6)) if all_ids else []
    rejected: dict[int, set[int]] = {}
    for k, i in chosen:
        rejected.setdefault(k, set()).add(i)
    text, diff, dropped = reject_edits(doc.text, doc.history, rejected)
    kept_rejections = {k: v - {i for kk, i, _ in dropped if kk == k} for k, v in rejected.items()}
    assert _replay(original, doc.history, kept_rejections) == text
    from mtclean.pipeline.edits import apply_edits

    assert apply_edits(doc.text, diff) == text  # the diff on the final text says the same
    if _replay(original, doc.history, rejected) is not None:
        assert dropped == []  # nothing dropped when every rejection can be carried out


def test_plan_rejects_an_edit_and_the_later_edit_that_changed_it(tmp_path):
    rep = sample_report(tmp_path)
    plan = plan_decisions(decisions_for(rep, rejected=[(0, 0, 1), (0, 2, 0)]), rep)
    (res,) = plan.results
    assert res.text == "Café  news. The minister Zelensk\u0456 said:yes. Kyiv talks\n"  # the homoglyph is back
    assert plan.reverted == 2 and plan.skipped == []
