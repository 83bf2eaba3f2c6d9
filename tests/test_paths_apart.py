"""A run never writes over its own inputs or writes two things to one file (issue 24, items 1 and 10)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

MTCLEAN = str(Path(sys.executable).with_name("mtclean"))
TEXT = "Kiev is big.. Yes.\n"


def run(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([MTCLEAN, "cleanup", *args, "--lang", "en", "-q"], cwd=tmp, capture_output=True, text=True)


@pytest.mark.parametrize("args,says", [
    (["a.txt", "-o", "out.txt", "--report", "a.txt"], "the report a.txt is the input a.txt"),
    (["a.txt", "-o", "o.txt", "--report", "o.txt"], "the report o.txt and the output o.txt are one file"),
    (["a.txt", "-o", "o.txt", "--html", "a.txt"], "the review page a.txt is the input a.txt"),
    (["a.txt", "-o", "o.txt", "--html", "p.html", "--report", "p.html"], "the review page p.html and the report"),
    (["a.txt", "-o", "o.txt", "--report", "link.txt"], "the report link.txt is the input a.txt"),  # a hard link
    (["a.txt", "-o", "./sub/../a.txt"], "the output sub/../a.txt is the input a.txt"),
    (["a.txt", "a.txt.orig", "-i", "--backup", ".orig"], "the backup a.txt.orig is the input a.txt.orig"),
    (["dir", "-o", "dir/"], "the output dir/a.txt is the input dir/a.txt"),
])
def test_a_path_the_run_reads_or_writes_twice_is_refused(tmp_path, args, says):
    for name in ("a.txt", "a.txt.orig", "o.txt", "p.html", "dir/a.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(TEXT, encoding="utf-8")
    os.link(tmp_path / "a.txt", tmp_path / "link.txt")
    (tmp_path / "sub").mkdir()
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    r = run(tmp_path, *args)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and says in r.stderr, r.stderr
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before  # nothing touched


def test_a_report_beside_the_output_and_devices_are_fine(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    r = run(tmp_path, "a.txt", "-o", "o.txt", "--report", "r.jsonl")
    assert r.returncode == 0, r.stderr
    r = run(tmp_path, "a.txt", "-o", os.devnull, "--report", os.devnull)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("args,says", [
    (["a.txt", "-i", "--backup", ""], "--backup ''"),
    (["a.txt", "-i", "--backup", "/x"], "--backup '/x'"),
    (["d", "-o", "out/", "--glob", "/abs/*.txt"], "--glob '/abs/*.txt'"),
    (["d", "-o", "out/", "--glob", "a/**b"], "--glob 'a/**b'"),
])
def test_bad_backup_and_glob_values_are_one_line_errors(tmp_path, args, says):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "b.txt").write_text(TEXT, encoding="utf-8")
    r = run(tmp_path, *args)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and says in r.stderr, r.stderr
    assert "internal error" not in r.stderr
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".mtclean-tmp")]
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == TEXT
