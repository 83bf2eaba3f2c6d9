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


def test_read_only_outputs_and_inputs_in_place_are_refused_and_the_others_cleaned(tmp_path):
    # (issue 24, item 9: a rename would replace a 0444 file even though nobody may write it; root may)
    for name, text in (("ro.txt", TEXT), ("rw.txt", TEXT), ("old.txt", "old\n")):
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "ro.txt").chmod(0o444)
    (tmp_path / "old.txt").chmod(0o444)
    r = run(tmp_path, "ro.txt", "rw.txt", "-i")
    assert r.returncode == 2 and "ro.txt: is read-only (mode 0444): not replaced" in r.stderr, r.stderr
    assert (tmp_path / "ro.txt").read_text(encoding="utf-8") == TEXT
    assert (tmp_path / "rw.txt").read_text(encoding="utf-8") == "Kyiv is big. Yes.\n"  # the run went on
    r = run(tmp_path, "rw.txt", "-o", "old.txt")
    assert r.returncode == 2 and "old.txt: is read-only" in r.stderr
    assert (tmp_path / "old.txt").read_text(encoding="utf-8") == "old\n"
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".mtclean-tmp")]


def test_in_place_writes_through_a_symbolic_link_and_keeps_owner_and_extended_attributes(tmp_path):
    # (issue 24, items 7 and 8)
    target = tmp_path / "target.txt"
    target.write_text(TEXT, encoding="utf-8")
    (tmp_path / "link.txt").symlink_to("target.txt")
    xattr = False
    if hasattr(os, "setxattr"):
        try:
            os.setxattr(target, "user.mtclean-test", b"kept")
            xattr = True
        except OSError:
            pass  # a file system without user attributes
    if os.getuid() == 0:
        os.chown(target, 1234, 5678)
    r = run(tmp_path, "link.txt", "-i")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "link.txt").is_symlink() and os.readlink(tmp_path / "link.txt") == "target.txt"
    assert target.read_text(encoding="utf-8") == "Kyiv is big. Yes.\n"
    if os.getuid() == 0:
        assert (target.stat().st_uid, target.stat().st_gid) == (1234, 5678)
    if xattr:
        assert os.getxattr(target, "user.mtclean-test") == b"kept"
