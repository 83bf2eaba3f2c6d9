"""A full disk or an I/O error at any write: one line, exit 2, no temporary file, nothing half-written.

Every byte mtclean writes goes through ``io.write_all`` or ``io.finish``; these tests make each
such call fail in turn (ENOSPC, then EIO) for the commands that write, and check what is left.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mtclean.pipeline import io
from mtclean.pipeline.cli import main

MTCLEAN = str(Path(sys.executable).with_name("mtclean"))
INPUTS = {
    "a.txt": "The cafÃ© is open.. Kiev is big. Yes.\n",
    "b.jsonl": '{"id": 1, "text": "Emauel Macron met Zelenski.. Then"}\n{"id": 2, "text": "fine"}\n',
}
OLD = b"old bytes that must survive a failed run\n"
SCENARIOS = {
    "outputs, report and page": ["cleanup", "a.txt", "b.jsonl", "-o", "out/", "--report", "r.jsonl",
                                 "--html", "p.html", "--lang", "en", "-q"],
    "standard output": ["cleanup", "a.txt", "--report", "r.jsonl", "--lang", "en", "-q"],
    "in place with a backup": ["cleanup", "a.txt", "--in-place", "--backup", ".orig", "--lang", "en", "-q"],
}


def _setup(tmp: Path) -> None:
    for name, text in INPUTS.items():
        (tmp / name).write_text(text, encoding="utf-8")
    (tmp / "out").mkdir()
    for name in ("out/a.txt", "out/b.jsonl", "r.jsonl", "p.html"):
        (tmp / name).write_bytes(OLD)


def _snapshot(tmp: Path) -> dict[str, bytes]:
    # (the review page says when it was made: that is not part of what is compared)
    return {str(p.relative_to(tmp)): re.sub(rb'"generated":"[^"]*"', b"", p.read_bytes())
            for p in sorted(tmp.rglob("*")) if p.is_file()}


def _run(tmp: Path, args: list[str], capsys) -> tuple[int, str]:
    cwd = os.getcwd()
    os.chdir(tmp)
    try:
        code = main(args)
    finally:
        os.chdir(cwd)
    return code, capsys.readouterr().err


def _count_writes(monkeypatch, fail_at: int | None = None, code: int = errno.ENOSPC) -> list[int]:
    calls = [0]
    real_write, real_finish = io.write_all, io.finish

    def maybe_fail():
        calls[0] += 1
        if fail_at is not None and calls[0] == fail_at:
            raise OSError(code, os.strerror(code))

    def write_all(f, data, target, error=io.InputError):
        try:
            maybe_fail()
        except OSError as exc:
            raise error(target, f"cannot write: {exc.strerror}") from None
        return real_write(f, data, target, error)

    def finish(f, target, *, sync=True, error=io.InputError):
        try:
            maybe_fail()
        except OSError as exc:
            f.close()
            raise error(target, f"cannot write: {exc.strerror}") from None
        return real_finish(f, target, sync=sync, error=error)

    monkeypatch.setattr(io, "write_all", write_all)
    monkeypatch.setattr(io, "finish", finish)
    return calls


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_each_write_failing_in_turn_leaves_nothing_half_written(tmp_path, monkeypatch, capsys, scenario):
    args = SCENARIOS[scenario]
    tmp = tmp_path / "work"  # one directory for every run: the review page names its report by path
    tmp.mkdir()
    _setup(tmp)
    with monkeypatch.context() as m:
        calls = _count_writes(m)
        code, err = _run(tmp, args, capsys)
    assert code == 0, err
    good = _snapshot(tmp)
    assert calls[0] >= 2, "the writes do not go through io.write_all / io.finish"
    for k in range(1, calls[0] + 1):
        for fault in (errno.ENOSPC, errno.EIO):
            shutil.rmtree(tmp)
            tmp.mkdir()
            _setup(tmp)
            before = _snapshot(tmp)
            with monkeypatch.context() as m:
                _count_writes(m, fail_at=k, code=fault)
                code, err = _run(tmp, args, capsys)
            lines = err.strip().splitlines()
            assert code == 2, (k, fault, err)
            assert lines and all(line.startswith("mtclean: ") for line in lines), err
            assert "internal error" not in err and os.strerror(fault) in err, err
            after = _snapshot(tmp)
            assert not [p for p in after if p.endswith(".mtclean-tmp")], (k, sorted(after))
            for name, data in after.items():
                if ".mtclean-work/" in name:
                    continue  # finished shards, kept so that the same command resumes (checked below)
                if data in (before.get(name), good.get(name)):
                    continue  # as it was before the run, or as a successful run writes it
                # A run that lost one input still writes the edit log and page of the others: whole.
                assert name in ("r.jsonl", "p.html"), (k, fault, name, data[:80])
                if name == "r.jsonl":
                    assert all(json.loads(line) for line in data.decode("utf-8").splitlines())
                else:
                    assert data.endswith(b"</html>\n")
            for name in INPUTS:
                assert after[name] in (before[name], good[name])  # an input in place: old or new, whole
            if scenario != "in place with a backup":  # (the input may be cleaned already: a rerun is another run)
                code, err = _run(tmp, args, capsys)  # the disk has room again: the same command finishes the job
                assert code == 0, err
                assert {n: d for n, d in _snapshot(tmp).items() if n != "out/a.txt.orig"} == good, (k, fault)


def test_standard_output_on_a_full_disk_is_an_error(tmp_path):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    src = tmp_path / "big.txt"
    src.write_text("The cafÃ© is open.. Kiev is big. Yes.\n" * 20000, encoding="utf-8")
    with open("/dev/full", "wb") as full:
        r = subprocess.run([MTCLEAN, "cleanup", str(src), "--lang", "en", "-q"], stdout=full,
                           stderr=subprocess.PIPE, text=True)
    assert r.returncode == 2
    assert r.stderr == "mtclean: error: standard output: cannot write: No space left on device\n"


def test_a_report_on_a_device_is_written_into_not_replaced(tmp_path):
    (tmp_path / "a.txt").write_text("Kiev is big.. Yes.\n", encoding="utf-8")
    r = subprocess.run([MTCLEAN, "cleanup", "a.txt", "-o", "o.txt", "--report", os.devnull, "--lang", "en"],
                       cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert Path(os.devnull).is_char_device()
    assert (tmp_path / "o.txt").read_text(encoding="utf-8") == "Kyiv is big. Yes.\n"
