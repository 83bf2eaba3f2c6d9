"""`mtclean revert` and the history mapping behind it (mtclean.pipeline.review.revert / history)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from mtclean.pipeline.cli.app import app
from mtclean.pipeline.edits import apply_edits
from mtclean.pipeline.review.revert import RevertConflict, UnknownStage, revert_stage, text_after, undo_edits
from review_helpers import histories, run_history, sample_doc, write_report

runner = CliRunner()
MTCLEAN = str(Path(sys.executable).with_name("mtclean"))


def invoke(*args):
    return runner.invoke(app, list(args), catch_exceptions=False)


# --- the functions ---------------------------------------------------------------------

def test_revert_last_stage_gives_text_after_previous():
    doc, original = sample_doc()
    assert revert_stage(doc.text, doc.history, "names") == doc.text_at("punctuation")


def test_revert_middle_stage_keeps_later_edits():
    doc, _ = sample_doc()
    out = revert_stage(doc.text, doc.history, "punctuation")
    assert out == "Café  news.. The minister Zelensky said :yes. Kyiv talks\n"


def test_revert_refuses_and_names_the_conflicting_stage():
    doc, _ = sample_doc()
    with pytest.raises(RevertConflict) as exc:
        revert_stage(doc.text, doc.history, "encoding", label="sample")
    msg = str(exc.value)
    assert "names.v1" in msg and "encoding.homoglyph" in msg and "\n" not in msg


def test_undo_edits_reverts_what_it_can_and_lists_conflicts():
    doc, _ = sample_doc()
    undo, conflicts = undo_edits(doc.history, 0)
    assert [e.rule for e in undo] == ["encoding.accent"]
    assert conflicts == [(1, "names.v1")]
    assert apply_edits(doc.text, undo).startswith("Cafe  news.")


@pytest.mark.parametrize("stage", ["input", "encoding", "encoding.v1", "punctuation", "names"])
def test_text_after_each_stage(stage):
    doc, original = sample_doc()
    expected = original if stage == "input" else doc.text_at(stage)
    assert text_after(doc.text, doc.history, stage) == expected


def test_unknown_stage_lists_the_stages_run():
    doc, _ = sample_doc()
    with pytest.raises(UnknownStage, match="punctuation.v1"):
        revert_stage(doc.text, doc.history, "quotes")


def test_insertion_right_before_a_region_moves_it_without_conflict():
    text = "ab"
    doc = run_history(text, [("s1.v1", [(1, 2, "B", "s1.up")]),      # aB
                             ("s2.v1", [(1, 1, "-", "s2.dash")])])   # a-B (insertion at the region's start)
    assert doc.text == "a-B"
    assert revert_stage(doc.text, doc.history, "s1") == "a-b"


def test_insertion_into_a_deletion_point_is_a_conflict():
    doc = run_history("a  b", [("s1.v1", [(1, 2, "", "s1.space")]),   # "a b"
                               ("s2.v1", [(1, 1, "x", "s2.ins")])])     # "ax b": inserted where s1 deleted
    with pytest.raises(RevertConflict, match="s2.v1"):
        revert_stage(doc.text, doc.history, "s1")


# --- property: against an oracle that tracks characters by identity --------------------
# Every character of the input and of every replacement is distinct, so an edit's
# replacement can be found in the final text by identity: it is revertible exactly when
# all its characters survive, contiguous, and then reverting swaps that run back.

@settings(derandomize=True, max_examples=300, deadline=None)
@given(histories(), st.data())
def test_revert_stage_matches_identity_oracle(hist, data):
    original, stages = hist
    doc = run_history(original, stages)
    k = data.draw(st.integers(0, len(stages) - 1))
    rec = doc.history[k]
    final = doc.text
    expected, possible = final, True
    # Replace each edit's (distinct) replacement run, right to left, if it survived intact.
    runs = []
    for e in rec.edits:
        at = final.find(e.after)
        if at < 0:
            possible = False
            break
        runs.append((at, e))
    if possible:
        for at, e in sorted(runs, key=lambda x: -x[0]):
            expected = expected[:at] + e.before + expected[at + len(e.after):]
        assert revert_stage(final, doc.history, rec.stage) == expected
    else:
        with pytest.raises(RevertConflict):
            revert_stage(final, doc.history, rec.stage)
    assert text_after(final, doc.history, "input") == original


# --- the command ------------------------------------------------------------------------

def _report(tmp_path, *, include_text=True, output=None):
    doc, original = sample_doc()
    return write_report(tmp_path / "report.jsonl", [(doc, original)], include_text=include_text,
                        outputs=[output] if output else None), doc, original


def test_cli_revert_stage_to_stdout(tmp_path):
    rep, doc, _ = _report(tmp_path)
    r = invoke("revert", str(rep), "--stage", "names")
    assert r.exit_code == 0, r.output
    assert r.stdout == doc.text_at("punctuation")


def test_cli_revert_conflict_exit_2_one_line(tmp_path):
    rep, _, _ = _report(tmp_path)
    r = subprocess.run([MTCLEAN, "revert", str(rep), "--stage", "encoding"], capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "names.v1" in r.stderr and "Traceback" not in r.stderr


def test_cli_needs_stage_or_to(tmp_path):
    rep, _, _ = _report(tmp_path)
    r = subprocess.run([MTCLEAN, "revert", str(rep)], capture_output=True, text=True)
    assert r.returncode == 2 and "--stage" in r.stderr


def test_cli_without_text_says_so(tmp_path):
    rep, _, _ = _report(tmp_path, include_text=False, output=str(tmp_path / "gone.txt"))
    r = subprocess.run([MTCLEAN, "revert", str(rep), "--to", "input"], capture_output=True, text=True)
    assert r.returncode == 2
    assert "not available" in r.stderr and "--report-text" in r.stderr and "gone.txt not found" in r.stderr


def test_cli_to_input_is_byte_exact_with_bom_and_crlf(tmp_path):
    """A real cleanup run on a CRLF file with a BOM; `--to input` from the output file gives its bytes back."""
    raw = "\ufeffThe cafÃ© is open.\r\nIt said â€œhelloâ€\x9d.\r\n".encode("utf-8")
    src = tmp_path / "in.txt"
    src.write_bytes(raw)
    out, rep = tmp_path / "out.txt", tmp_path / "rep.jsonl"
    r = subprocess.run([MTCLEAN, "cleanup", str(src), "-o", str(out), "--report", str(rep), "--only", "encoding",
                        "--lang", "en", "-q"], capture_output=True)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() != raw
    src.unlink()  # only the output and the report remain
    back = tmp_path / "back.txt"
    r = subprocess.run([MTCLEAN, "revert", str(rep), "--to", "input", "-o", str(back)], capture_output=True)
    assert r.returncode == 0, r.stderr
    assert back.read_bytes() == raw


def test_cli_in_place_rewrites_jsonl_output_lines(tmp_path):
    src = tmp_path / "in.jsonl"
    lines = [{"id": 1, "text": "The cafÃ© is open."}, {"id": 2, "text": "Clean text."}, {"id": 3, "text": "naÃ¯ve"}]
    src.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    out, rep = tmp_path / "out.jsonl", tmp_path / "rep.jsonl"
    r = subprocess.run([MTCLEAN, "cleanup", str(src), "-o", str(out), "--report", str(rep), "--only", "encoding",
                        "--lang", "en", "-q"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    cleaned = [json.loads(x)["text"] for x in out.read_text(encoding="utf-8").splitlines()]
    assert cleaned == ["The café is open.", "Clean text.", "naïve"]
    r = subprocess.run([MTCLEAN, "revert", str(rep), "--stage", "encoding", "--in-place"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()] == lines


def _reference_carry(start, end, later):
    """carry() written the slow, obvious way: one region, every later edit checked."""
    from mtclean.pipeline.edits import map_offset
    from mtclean.pipeline.review.history import touches

    conflict = None
    for rec in later:
        if any(touches(e, start, end) for e in rec.edits):
            conflict = conflict or rec.stage
            start = map_offset(rec.edits, start, side="left")
            end = max(start, map_offset(rec.edits, end, side="right"))
        else:
            delta = sum(len(e.after) - len(e.before) for e in rec.edits if e.end <= start)
            start, end = start + delta, end + delta
    return start, end, conflict


@settings(derandomize=True, max_examples=200, deadline=None)
@given(histories(), st.data())
def test_carry_all_sweep_equals_reference(hist, data):
    from mtclean.pipeline.review.history import carry_all

    original, stages = hist
    doc = run_history(original, stages)
    k = data.draw(st.integers(0, len(stages) - 1))
    n = len(doc.text_at(doc.history[k].stage))
    regions = sorted(data.draw(st.lists(st.tuples(st.integers(0, n), st.integers(0, 3)), max_size=6)))
    regions = [(a, min(n, a + w)) for a, w in regions]
    got = carry_all(regions, doc.history[k + 1:])
    assert [(c.start, c.end, c.conflict) for c in got] == [_reference_carry(a, b, doc.history[k + 1:]) for a, b in regions]


def test_jsonl_documents_with_the_same_text_keep_their_own_lines(tmp_path):
    src = tmp_path / "in.jsonl"
    rows = [{"k": "x", "text": "cafÃ©"}, {"k": "y", "text": "cafÃ©"}, {"k": "z", "text": "ok"}]
    src.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in rows), encoding="utf-8")
    out, rep = tmp_path / "out.jsonl", tmp_path / "rep.jsonl"
    r = invoke("cleanup", str(src), "-o", str(out), "--report", str(rep), "--only", "encoding", "--lang", "en",
               "--id-field", "k", "-q")
    assert r.exit_code == 0, r.output
    r = invoke("revert", str(rep), "--to", "input", "-o", str(tmp_path / "back.jsonl"))
    assert r.exit_code == 0, r.output
    assert [json.loads(x) for x in (tmp_path / "back.jsonl").read_text(encoding="utf-8").splitlines()] == rows
