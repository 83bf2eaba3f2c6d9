"""Parallel runs, streaming JSON Lines, resumable runs and Parquet."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mtclean.pipeline import work
from mtclean.pipeline.cli.app import app
from mtclean.pipeline.cli.cleanup import Options, parse_size, run_cleanup
from mtclean.pipeline.report import read_report
from mtclean.pipeline.runner import Pipeline
from mtclean.stages.encoding import EncodingStage

from scale_helpers import CrashStage, jsonl_lines, report_entries, tree_bytes, write_big_jsonl, write_jsonl, write_mixed_tree

MTCLEAN = str(Path(sys.executable).with_name("mtclean"))
STAGES = ["--only", "encoding,punctuation", "--lang", "en"]
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, ["cleanup", *map(str, args)], catch_exceptions=False)


@pytest.fixture
def small_chunks(monkeypatch):
    # Many tasks from a small corpus, so two workers really share the work.
    monkeypatch.setattr(work, "CHUNK_BYTES", 4096)


# --- planning ---------------------------------------------------------------------

@settings(derandomize=True, max_examples=150, deadline=None)
@given(
    lines=st.lists(st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"")), max_size=40),
    final_newline=st.booleans(),
    chunk=st.sampled_from([1, 2, 7, 64]),
    per_shard=st.sampled_from([0, 1, 3]),
    block=st.sampled_from([1, 5, 1 << 20]),
)
def test_plan_cuts_at_line_starts_and_covers_input(lines, final_newline, chunk, per_shard, block):
    data = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    data = data.replace(b"\x00", b"0")
    old = work.SCAN_BLOCK
    work.SCAN_BLOCK = block
    try:
        tasks = list(work.plan_input(0, "-", work.WorkOptions(input_format="jsonl"), chunk_bytes=chunk,
                                     shard_bytes=chunk * per_shard or None, stdin=data))
    finally:
        work.SCAN_BLOCK = old
    assert b"".join(t.data for t in tasks) == data
    for t in tasks:
        assert t.start == 0 or data[t.start - 1: t.start] == b"\n"
        assert t.lineno == data[: t.start].count(b"\n") + 1
    assert [t.last for t in tasks] == [False] * (len(tasks) - 1) + [True]
    assert [t.shard for t in tasks] == sorted(t.shard for t in tasks)
    for a, b in zip(tasks, tasks[1:]):
        assert a.shard_last == (a.shard != b.shard)


@settings(derandomize=True, max_examples=100, deadline=None)
@given(
    paras=st.lists(st.sampled_from([b"a", b"bb\ncc", b"x" * 9, b"", b"\r", b"d\r\ne"]), max_size=30),
    sep=st.sampled_from([b"\n\n", b"\r\n\r\n", b"\n", b"\n\n\n"]),
    chunk=st.sampled_from([1, 4, 16]),
    block=st.sampled_from([1, 3, 1 << 20]),
)
def test_large_text_is_cut_after_blank_lines(paras, sep, chunk, block):
    import tempfile

    data = sep.join(paras)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.txt"
        path.write_bytes(data)
        old = work.SCAN_BLOCK
        work.SCAN_BLOCK = block
        try:
            tasks = list(work._plan_text_blocks(0, str(path), "big.txt", chunk, None))
        finally:
            work.SCAN_BLOCK = old
    assert b"".join(data[t.start: t.end] for t in tasks) == data
    assert [t.last for t in tasks] == [False] * (len(tasks) - 1) + [True]
    for t in tasks[1:]:
        assert data[: t.start].endswith((b"\n\n", b"\n\r\n"))
        assert t.start - tasks[t.seq - 1].start > 0


def test_large_text_file_in_blocks_gives_same_output(tmp_path, monkeypatch):
    from scale_helpers import damaged, paragraphs

    text = "\n\n".join(damaged(p, i) for i, p in enumerate(paragraphs() * 4)) + "\n"
    src = tmp_path / "big.txt"
    src.write_text(text, encoding="utf-8")
    whole = invoke(src, *STAGES, "-j", "1")
    monkeypatch.setattr(work, "TEXT_SPLIT_BYTES", 1000)
    monkeypatch.setattr(work, "TEXT_CHUNK_BYTES", 2000)
    assert len(list(work.plan_input(0, str(src), work.WorkOptions()))) > 5
    rep = tmp_path / "rep.jsonl"
    blocks = invoke(src, *STAGES, "-j", "2", "--report", rep)
    assert blocks.exit_code == whole.exit_code == 0
    assert blocks.stdout == whole.stdout and blocks.stdout != text
    ids = [entry["id"] for entry in read_report(rep)]
    assert ids[:2] == [f"{src}#1", f"{src}#2"]
    bad = tmp_path / "bad.txt"
    bad.write_bytes(text.encode() + b"\n\ncaf\xe9\n")
    r = invoke(bad, *STAGES, "-j", "2", "-o", tmp_path / "bad-out.txt")
    assert r.exit_code == 2 and f"bad.txt:byte {len(text.encode()) + 5}" in r.output
    assert not (tmp_path / "bad-out.txt").exists()


def test_bad_engine_and_stage_groups_are_usage_errors(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", 3)
    r = invoke(src, *STAGES, "--engine", "spark")
    assert r.exit_code == 2 and "--engine must be local or ray" in r.output
    r = invoke(src, *STAGES, "--stage-groups", "punctuation|encoding")
    assert r.exit_code == 2 and "must list the pipeline's stages in order" in r.output


def test_parse_size():
    assert parse_size("64MB") == 64 << 20 and parse_size("512k") == 512 << 10 and parse_size("100") == 100
    with pytest.raises(Exception):
        parse_size("lots")


# --- parallel ---------------------------------------------------------------------

def test_jobs2_keeps_order_stdout(small_chunks, tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", 400, bad_every=50)
    r1 = invoke(src, *STAGES, "--jobs", "1", "-q")
    r2 = invoke(src, *STAGES, "--jobs", "2", "-q")
    assert r1.exit_code == r2.exit_code == 2  # bad lines reported, kept
    out = r2.stdout.splitlines()
    assert r1.stdout == r2.stdout
    assert len(out) == len(src.read_text().splitlines())
    objs = [json.loads(line) for line in out if line.startswith('{"id": ')]
    ids = [o["id"] for o in objs if "text" in o]
    assert ids == list(range(400))
    assert "caf\u00e9 opened" in r2.stdout and "caf\u00c3" not in r2.stdout


def test_stdin_jsonl_streams_in_order(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", 3000, bad_every=70)  # > 2 tasks of work.CHUNK_BYTES
    assert src.stat().st_size > 2 * work.CHUNK_BYTES
    data = b"\xef\xbb\xbf" + src.read_bytes()[:-1]  # BOM, no final line break
    r = subprocess.run([MTCLEAN, "cleanup", "-", "--format", "jsonl", *STAGES, "-j", "2", "-q"], input=data,
                       capture_output=True, timeout=300)
    ref = invoke(src, *STAGES, "-j", "1", "-q")
    assert r.returncode == 2 and b"line 71: invalid JSON" in r.stderr
    assert r.stdout == b"\xef\xbb\xbf" + ref.stdout.encode()[:-1]


def test_jobs1_and_jobs2_give_identical_tree_and_report(small_chunks, tmp_path):
    tree = write_mixed_tree(tmp_path / "in")
    outs = {}
    for jobs in (1, 2):
        out, rep = tmp_path / f"out{jobs}", tmp_path / f"rep{jobs}.jsonl"
        r = invoke(tree, "-o", out, "--report", rep, *STAGES, "--jobs", jobs, "--shard-size", "8KB")
        assert r.exit_code == 2, r.output  # the bad lines
        assert "c.jsonl:line 31: invalid UTF-8" in r.output
        outs[jobs] = (tree_bytes(out), report_entries(rep))
        assert not (out / ".mtclean-work").exists()
    assert outs[1] == outs[2]
    files = outs[1][0]
    assert set(files) == {"a.jsonl", "sub/b.jsonl", "sub/c.jsonl", "empty.jsonl"} | {f"doc{i}.txt" for i in range(6)}
    b_in = (tree / "sub" / "b.jsonl").read_bytes()
    b_out = files["sub/b.jsonl"]
    assert b_out.startswith(b"\xef\xbb\xbf") and b_out.count(b"\r\n") == b_in.count(b"\r\n") and not b_out.endswith(b"\n")
    assert files["sub/c.jsonl"].endswith(b'{"text": "caf\xe9"}\n')  # kept byte for byte
    assert files["empty.jsonl"] == b""


def test_jobs2_while_other_threads_run(small_chunks, tmp_path):
    """With threads in the parent (progress bar, Ray driver) workers start by forkserver, not fork."""
    import threading

    from mtclean.pipeline import parallel

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        assert parallel._context().get_start_method() != "fork"
        src = write_jsonl(tmp_path / "in.jsonl", 200)
        r2 = invoke(src, *STAGES, "-j", "2", "-q")
    finally:
        stop.set()
        thread.join()
    r1 = invoke(src, *STAGES, "-j", "1", "-q")
    assert r2.exit_code == 0 and r2.stdout == r1.stdout


def test_check_diff_and_in_place_with_jobs2(small_chunks, tmp_path):
    tree = write_mixed_tree(tmp_path / "in")
    before = tree_bytes(tree)
    r = invoke(tree, "--check", *STAGES, "-j", "2")
    assert r.exit_code == 2 and tree_bytes(tree) == before  # bad lines make it 2; nothing written
    assert "would clean" in r.output and "input(s) would change" in r.output
    r = invoke(tree / "a.jsonl", "--diff", *STAGES, "-j", "2")
    assert "+{" in r.stdout and "caf\u00c3" in r.stdout and tree_bytes(tree) == before
    (tree / "clean.txt").write_text("Nothing to change here.\n", encoding="utf-8")
    mtime = (tree / "clean.txt").stat().st_mtime_ns
    ref = invoke(tree, "-o", tmp_path / "ref", *STAGES, "-j", "1")
    r = invoke(tree, "--in-place", "--backup", ".orig", *STAGES, "-j", "2")
    assert r.exit_code == ref.exit_code == 2
    assert (tree / "clean.txt").stat().st_mtime_ns == mtime and not (tree / "clean.txt.orig").exists()
    assert (tree / "a.jsonl.orig").read_bytes() == before["a.jsonl"]
    for name, data in tree_bytes(tmp_path / "ref").items():
        assert (tree / name).read_bytes() == data


def test_unchanged_lines_are_byte_identical(tmp_path):
    lines = ['{"text":"clean text",  "k": 1.50}', json.dumps({"text": "caf\u00c3\u00a9"})]
    src = tmp_path / "x.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = invoke(src, "--only", "encoding", "--lang", "en", "-j", "2")
    got = r.stdout.splitlines()
    assert got[0] == lines[0] and json.loads(got[1]) == {"text": "caf\u00e9"}


def test_in_process_engine_counts_and_stats(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", 50)
    p = Pipeline([EncodingStage()], lang="en")
    out = tmp_path / "out.jsonl"
    outcome = run_cleanup([str(src)], p, Options(output=str(out), jobs=1, quiet=True))
    assert outcome.documents == 50 and outcome.inputs == 1 and outcome.failed == 0
    assert p.stats.documents == 50 and p.stats.edits[("encoding", "encoding.mojibake")] == outcome.edits > 0


def test_summary_lists_documents_and_stages(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", 30)
    r = invoke(src, "-o", tmp_path / "o.jsonl", *STAGES, "-j", "2")
    assert r.exit_code == 0
    assert "30 document(s)" in r.output and "encoding: mojibake=" in r.output and "punctuation:" in r.output


# --- resumable runs -------------------------------------------------------------------

def _run(args, cwd, **kw):
    return subprocess.run([MTCLEAN, "cleanup", *map(str, args)], cwd=cwd, capture_output=True, timeout=600,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"}, **kw)


def _kill_mid_run(args, cwd: Path, work_dir: Path, *, min_done: int = 2) -> int:
    """Start a real run, SIGKILL it once *min_done* shards are finished; return how many were."""
    p = subprocess.Popen([MTCLEAN, "cleanup", *map(str, args)], cwd=cwd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and p.poll() is None:
            if len(list(work_dir.glob("*-*.done"))) >= min_done:
                break
            time.sleep(0.01)
        assert p.poll() is None, "the run finished before it could be interrupted"
        os.killpg(p.pid, signal.SIGKILL)  # the main process and its workers, at once
    finally:
        p.wait()
    return len(list(work_dir.glob("*-*.done")))


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_kill9_then_rerun_gives_uninterrupted_output(tmp_path, jobs):
    run_a, run_b = tmp_path / "a", tmp_path / "b"
    for d in (run_a, run_b):
        d.mkdir()
    src = write_big_jsonl(tmp_path / "corpus.jsonl", 2)
    args = [src, "-o", "out.jsonl", "--report", "rep.jsonl", *STAGES, "--shard-size", "64KB", "-j", jobs]
    ref = _run(args, run_a)
    assert ref.returncode == 0, ref.stderr
    work_dir = run_b / ".out.jsonl.mtclean-work"
    done = _kill_mid_run(args, run_b, work_dir)
    assert done >= 2 and not (run_b / "out.jsonl").exists()
    again = _run(args, run_b)
    assert again.returncode == 0, again.stderr
    assert b"resuming: " in again.stderr
    assert (run_b / "out.jsonl").read_bytes() == (run_a / "out.jsonl").read_bytes()
    assert (run_b / "rep.jsonl").read_bytes() == (run_a / "rep.jsonl").read_bytes()
    assert not work_dir.exists()
    lines = (run_b / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(src.read_text(encoding="utf-8").splitlines())  # nothing lost or duplicated


@pytest.mark.slow
def test_changed_command_does_not_reuse_stale_shards(tmp_path):
    src = write_big_jsonl(tmp_path / "corpus.jsonl", 2)
    tree = tmp_path / "run"
    tree.mkdir()
    args = [src, "-o", "out/", "--shard-size", "64KB", "-j", "1", "--lang", "en"]
    _kill_mid_run([*args, "--only", "encoding,punctuation"], tree, tree / "out" / ".mtclean-work")
    r = _run([*args, "--only", "encoding"], tree)  # a different pipeline: shards must not be reused
    assert r.returncode == 0 and b"resuming" not in r.stderr
    ref = _run([src, "--only", "encoding", "--lang", "en"], tree)
    assert (tree / "out" / "corpus.jsonl").read_bytes() == ref.stdout


def test_interrupted_directory_run_skips_finished_inputs_and_shards(tmp_path):
    tree = tmp_path / "in"
    write_jsonl(tree / "1.jsonl", 200)
    write_jsonl(tree / "2.jsonl", 200, seed=1)
    lines = jsonl_lines(300, seed=2)
    lines[250] = json.dumps({"id": "boom", "text": "CRASH here"})
    (tree / "3.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    flag = tmp_path / "flag"
    flag.touch()

    def pipeline():
        return Pipeline([EncodingStage(), CrashStage(flag_file=str(flag))], lang="en")

    out, ref = tmp_path / "out", tmp_path / "ref"
    opts = dict(jobs=1, quiet=True, shard_size=8192)
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_cleanup([str(tree)], pipeline(), Options(output=str(out), **opts))
    work_dir = out / ".mtclean-work"
    assert (work_dir / "0.done").exists() and (work_dir / "1.done").exists() and not (work_dir / "2.done").exists()
    assert (work_dir / "2-0.done").exists()  # a finished shard of the interrupted input
    assert not (out / "3.jsonl").exists()  # no half-written output
    first = (out / "1.jsonl").stat().st_mtime_ns
    flag.unlink()
    err = io.StringIO()
    p = pipeline()
    outcome = run_cleanup([str(tree)], p, Options(output=str(out), **{**opts, "quiet": False}), err=err)
    assert "resuming:" in err.getvalue()
    assert (out / "1.jsonl").stat().st_mtime_ns == first  # finished inputs are not redone
    assert outcome.documents == 700 and p.stats.documents == 700  # counts include the resumed shards
    run_cleanup([str(tree)], pipeline(), Options(output=str(ref), resume=False, **opts))
    assert tree_bytes(out) == tree_bytes(ref)
    assert not work_dir.exists()



def test_a_glossary_edited_after_an_interruption_makes_its_shards_stale(tmp_path):
    # Kill, `glossary add-variant`, rerun: the finished shards spelt names by the old glossary.
    from mtclean.pipeline.glossary import clear_cache
    from mtclean.stages.names import NamesConfig, NamesStage

    tree = tmp_path / "in"
    lines = [json.dumps({"id": i, "text": f"Zelenskyj met Macron, part {i}."}) for i in range(300)]
    lines[250] = json.dumps({"id": "boom", "text": "CRASH here"})
    write_text = "\n".join(lines) + "\n"
    tree.mkdir()
    (tree / "a.jsonl").write_text(write_text, encoding="utf-8")
    gdir = tmp_path / "glossaries"
    gdir.mkdir()
    entry = '[[entry]]\nid = "person.volodymyr-zelensky"\nkind = "person"\ncanonical = {{ en = "Volodymyr Zelensky" }}\n' \
            'surname = {{ en = "Zelensky" }}\nvariants = [{variants}]\n'
    (gdir / "people.toml").write_text(entry.format(variants='"Zelenski"'), encoding="utf-8")
    flag = tmp_path / "flag"
    flag.touch()

    def pipeline():
        clear_cache()
        names = NamesStage(NamesConfig(glossary_dirs=(str(gdir),), shipped_glossaries=False, fuzzy=False))
        return Pipeline([names, CrashStage(flag_file=str(flag))], lang="en")

    out, ref = tmp_path / "out", tmp_path / "ref"
    opts = dict(jobs=1, quiet=True, shard_size=8192)
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_cleanup([str(tree)], pipeline(), Options(output=str(out), **opts))
    assert list((out / ".mtclean-work").glob("0-*.done"))  # finished shards, with the old glossary
    (gdir / "people.toml").write_text(entry.format(variants='"Zelenski", "Zelenskyj"'), encoding="utf-8")
    flag.unlink()
    err = io.StringIO()
    run_cleanup([str(tree)], pipeline(), Options(output=str(out), **{**opts, "quiet": False}), err=err)
    assert "resuming:" not in err.getvalue()
    run_cleanup([str(tree)], pipeline(), Options(output=str(ref), resume=False, **opts))
    assert tree_bytes(out) == tree_bytes(ref)
    assert "Zelensky met" in (out / "a.jsonl").read_text(encoding="utf-8")

# --- Parquet ---------------------------------------------------------------------------

def test_parquet_round_trip(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rows = [json.loads(line) for line in jsonl_lines(200)]
    texts = [r["text"] for r in rows]
    texts[5] = None
    table = pa.table({"id": [r["id"] for r in rows], "text": texts, "n": [r["n"] for r in rows]})
    src = tmp_path / "in.parquet"
    pq.write_table(table, src, row_group_size=30)
    outs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.parquet"
        rep = tmp_path / f"rep{jobs}.jsonl"
        r = invoke(src, "-o", out, "--report", rep, *STAGES, "-j", jobs, "--id-field", "id", "--shard-size", "8KB")
        assert r.exit_code == 0, r.output
        outs[jobs] = (out.read_bytes(), report_entries(rep))
    assert outs["1"] == outs["2"]
    got = pq.read_table(tmp_path / "out2.parquet")
    assert got.schema == table.schema and got.num_rows == 200
    assert got.column("id").to_pylist() == table.column("id").to_pylist()
    assert got.column("n").to_pylist() == table.column("n").to_pylist()
    cleaned = got.column("text").to_pylist()
    assert cleaned[5] is None
    assert "caf\u00e9 opened" in cleaned[0] and not any("caf\u00c3" in t for t in cleaned if t)
    assert [e["id"] for e in outs["2"][1]] == [str(i) for i in range(200) if i != 5]
    # Stdout cannot hold Parquet; a missing column is one clear error.
    assert invoke(src, *STAGES).exit_code == 2
    r = invoke(src, "-o", tmp_path / "x.parquet", "--field", "body", *STAGES)
    assert r.exit_code == 2 and "no column 'body'" in r.output


def test_unwritable_output_of_one_input_does_not_stop_the_others(tmp_path):
    a = tmp_path / "in" / "a.txt"
    a.parent.mkdir()
    a.write_text("The caf\u00c3\u00a9.\n", encoding="utf-8")
    (tmp_path / "in" / "b.txt").write_text("Fine.\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").mkdir()  # a directory where a.txt's output should go
    r = invoke(tmp_path / "in", "-o", out, *STAGES, "--no-resume", "-j", "2")
    assert r.exit_code == 2 and "a.txt" in r.output and "cannot write output" in r.output
    assert (out / "b.txt").read_text(encoding="utf-8") == "Fine.\n"


def test_tasks_in_flight_are_bounded(tmp_path):
    """The engine pulls tasks only as results are taken: memory does not grow with the input."""
    from mtclean.pipeline.parallel import IN_FLIGHT, ProcessEngine

    src = write_jsonl(tmp_path / "in.jsonl", 600)
    tasks = list(work.plan_input(0, str(src), work.WorkOptions(), chunk_bytes=2048))
    assert len(tasks) > 20
    pulled = 0

    def feed():
        nonlocal pulled
        for t in tasks:
            pulled += 1
            yield t

    ahead = []
    with ProcessEngine(Pipeline([EncodingStage()], lang="en"), work.WorkOptions(), jobs=2) as engine:
        results = []
        for r in engine.map(feed()):
            ahead.append(pulled - len(results))
            results.append(r)
    assert [r.task.seq for r in results] == list(range(len(tasks)))
    assert max(ahead) <= 2 * IN_FLIGHT + 1


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_workers_exit_when_the_main_process_is_killed(tmp_path):
    src = write_big_jsonl(tmp_path / "corpus.jsonl", 2)
    p = subprocess.Popen([MTCLEAN, "cleanup", str(src), "-o", str(tmp_path / "out.jsonl"), *STAGES, "-j", "2",
                          "--shard-size", "64KB"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while not workers and p.poll() is None and time.monotonic() < deadline:
            for task in os.listdir(f"/proc/{p.pid}/task"):
                with open(f"/proc/{p.pid}/task/{task}/children") as f:
                    workers += [int(c) for c in f.read().split()]
            time.sleep(0.02)
        assert workers and p.poll() is None, "no worker processes seen"
        p.kill()  # SIGKILL to the main process only
    finally:
        p.wait()
    deadline = time.monotonic() + 60  # a liveness bound, not a timing claim
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{w}") and _alive(w) for w in workers):
        time.sleep(0.1)
    assert not [w for w in workers if os.path.exists(f"/proc/{w}") and _alive(w)]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
