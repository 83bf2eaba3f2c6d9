"""End-to-end CLI tests: typer's CliRunner in process, and real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from mtclean.pipeline.cli.app import app
from mtclean.pipeline.report import read_report

runner = CliRunner()
# The installed console script, as users run it.
MTCLEAN = str(Path(sys.executable).with_name("mtclean"))
MOJIBAKE = "The cafÃ© is open.\n"
CLEAN = "The café is open.\n"


def invoke(*args, input=None):
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


def mtclean(*args, input: bytes | None = None, cwd=None):
    """Run the real console entry point in a subprocess."""
    return subprocess.run(
        [MTCLEAN, *args],
        input=input, capture_output=True, cwd=cwd, timeout=120,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --- subprocess: stdin/stdout and exit codes ------------------------------------

def test_stdin_to_stdout():
    r = mtclean("cleanup", "--only", "encoding", "--lang", "en", "-", input=MOJIBAKE.encode())
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode() == CLEAN


def test_check_exit_codes(tmp_path):
    bad = write(tmp_path / "bad.txt", MOJIBAKE)
    good = write(tmp_path / "good.txt", CLEAN)
    assert mtclean("cleanup", "--check", "--only", "encoding", str(good)).returncode == 0
    r = mtclean("cleanup", "--check", "--only", "encoding", str(bad))
    assert r.returncode == 1
    assert bad.read_text() == MOJIBAKE  # --check writes nothing


def test_invalid_utf8_is_one_line_error_with_byte_offset(tmp_path):
    f = write(tmp_path / "latin1.txt", "café".encode("latin-1"))
    r = mtclean("cleanup", "--only", "encoding", str(f))
    assert r.returncode == 2
    lines = r.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "latin1.txt:byte 3" in lines[0] and "--errors replace" in lines[0]
    assert b"Traceback" not in r.stderr


def test_unknown_stage_lists_available():
    r = mtclean("cleanup", "--only", "nope", "-", input=b"x")
    assert r.returncode == 2
    err = r.stderr.decode()
    assert "unknown stage 'nope'" in err and "encoding" in err and "Traceback" not in err


def test_debug_shows_traceback():
    r = mtclean("--debug", "cleanup", "--only", "nope", "-", input=b"x")
    assert r.returncode != 0 and b"Traceback" in r.stderr


def test_help_is_fast_path():
    r = mtclean("--help")
    assert r.returncode == 0 and b"cleanup" in r.stdout


# --- in process ------------------------------------------------------------------

def test_output_file_and_report(tmp_path):
    src = write(tmp_path / "in.txt", MOJIBAKE)
    out = tmp_path / "out.txt"
    rep = tmp_path / "report.jsonl"
    r = invoke("cleanup", str(src), "-o", str(out), "--report", str(rep), "--only", "encoding", "--lang", "en")
    assert r.exit_code == 0, r.output
    assert out.read_text() == CLEAN
    (entry,) = read_report(rep)
    assert entry["records"][0]["stage"] == "encoding.v1"
    edit = entry["records"][0]["edits"][0]
    assert (edit["before"], edit["after"]) == ("cafÃ©", "café")
    r = invoke("explain", str(rep))
    assert "cafÃ©" in r.output and "encoding.mojibake" in r.output


def test_directory_to_directory_mirrors_tree(tmp_path):
    write(tmp_path / "in" / "a.txt", MOJIBAKE)
    write(tmp_path / "in" / "sub" / "b.md", CLEAN)
    write(tmp_path / "in" / "skip.bin", b"\x00\x01")
    r = invoke("cleanup", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--only", "encoding", "--lang", "en", "-q")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out" / "a.txt").read_text() == CLEAN
    assert (tmp_path / "out" / "sub" / "b.md").read_text() == CLEAN
    assert not (tmp_path / "out" / "skip.bin").exists()


def test_binary_file_refused_others_go_on(tmp_path):
    good = write(tmp_path / "a.txt", MOJIBAKE)
    binary = write(tmp_path / "b.txt", b"\x89PNG\r\n\x1a\n\x00\x00")
    r = invoke("cleanup", str(good), str(binary), "--in-place", "--only", "encoding", "--lang", "en")
    assert r.exit_code == 2
    assert "binary" in r.output
    assert good.read_text() == CLEAN
    assert binary.read_bytes() == b"\x89PNG\r\n\x1a\n\x00\x00"


def test_missing_file_error(tmp_path):
    r = invoke("cleanup", str(tmp_path / "nope.txt"), "--only", "encoding")
    assert r.exit_code == 2 and "no such file" in r.output


def test_in_place_with_backup_preserves_bom_and_crlf(tmp_path):
    data = b"\xef\xbb\xbfcaf\xc3\x83\xc2\xa9\r\nline two\r\n"
    f = write(tmp_path / "doc.txt", data)
    r = invoke("cleanup", str(f), "--in-place", "--backup", ".orig", "--only", "encoding", "--lang", "fr")
    assert r.exit_code == 0, r.output
    assert f.read_bytes() == b"\xef\xbb\xbfcaf\xc3\xa9\r\nline two\r\n"
    assert (tmp_path / "doc.txt.orig").read_bytes() == data


def test_clean_file_is_byte_identical_and_untouched(tmp_path):
    data = "“Quoted” text — with Ελληνικά and 東京。\n".encode()
    f = write(tmp_path / "ok.txt", data)
    before = f.stat().st_mtime_ns
    r = invoke("cleanup", str(f), "--in-place", "--only", "encoding", "--lang", "en")
    assert r.exit_code == 0
    assert f.read_bytes() == data and f.stat().st_mtime_ns == before


def test_empty_file(tmp_path):
    f = write(tmp_path / "empty.txt", b"")
    r = invoke("cleanup", str(f), "--only", "encoding")
    assert r.exit_code == 0 and r.stdout == ""


def test_jsonl_cleans_one_field_keeps_others_and_bad_lines(tmp_path):
    lines = [
        json.dumps({"id": 1, "text": "cafÃ©", "meta": {"title": "cafÃ©"}}, ensure_ascii=False),
        "{not json",
        json.dumps({"id": 2, "text": "fine"}),
        "",
        json.dumps({"id": 3, "body": "no text field"}),
    ]
    f = write(tmp_path / "docs.jsonl", "\n".join(lines) + "\n")
    out = tmp_path / "out.jsonl"
    r = invoke("cleanup", str(f), "-o", str(out), "--only", "encoding", "--lang", "en", "--id-field", "id")
    assert r.exit_code == 2  # bad lines are reported...
    assert "line 2" in r.output and "line 5" in r.output
    got = out.read_text().split("\n")
    assert json.loads(got[0]) == {"id": 1, "text": "café", "meta": {"title": "cafÃ©"}}
    assert got[1:5] == lines[1:5]  # ...and kept, byte for byte
    assert len(got) == len(lines) + 1


def test_diff_prints_unified_diff(tmp_path):
    f = write(tmp_path / "x.txt", MOJIBAKE)
    r = invoke("cleanup", str(f), "--diff", "--only", "encoding", "--lang", "en")
    assert r.exit_code == 0
    assert "-The cafÃ© is open." in r.stdout and "+The café is open." in r.stdout
    assert f.read_text() == MOJIBAKE


def test_several_inputs_need_output_dir(tmp_path):
    a, b = write(tmp_path / "a.txt", "x"), write(tmp_path / "b.txt", "y")
    r = invoke("cleanup", str(a), str(b), "--only", "encoding")
    assert r.exit_code == 2 and "-o DIR or --in-place" in r.output


def test_unwritable_output(tmp_path):
    src = write(tmp_path / "a.txt", MOJIBAKE)
    blocker = write(tmp_path / "file", "x")
    r = invoke("cleanup", str(src), "-o", str(blocker / "out.txt"), "--only", "encoding", "--lang", "en")
    assert r.exit_code == 2 and "cannot write" in r.output


def test_config_file_and_unknown_keys(tmp_path):
    cfg = write(tmp_path / "mtclean.toml", '[pipeline]\nstages = ["encoding"]\n[stages.encoding]\nhomoglyphs = false\n')
    src = write(tmp_path / "a.txt", "Prazі cafÃ©\n")
    r = invoke("cleanup", str(src), "--config", str(cfg), "--lang", "en")
    assert r.exit_code == 0 and r.stdout == "Prazі café\n"
    r = invoke("cleanup", str(src), "--config", str(cfg), "--lang", "en", "--set", "encoding.homoglyphs=true")
    assert r.stdout == "Prazi café\n"
    bad = write(tmp_path / "bad.toml", '[stages.encoding]\nhomoglyph = false\n')
    r = invoke("cleanup", str(src), "--config", str(bad))
    assert r.exit_code == 2 and "homoglyph" in r.output and "valid keys" in r.output


def test_stages_lists_builtins():
    r = invoke("stages")
    assert r.exit_code == 0 and "encoding.v1" in r.output


def test_cleanup_twice_equals_once(tmp_path, seed_text):
    src = write(tmp_path / "seed.txt", seed_text)
    once = invoke("cleanup", str(src), "--lang", "en").stdout
    write(tmp_path / "once.txt", once)
    twice = invoke("cleanup", str(tmp_path / "once.txt"), "--lang", "en").stdout
    assert once == twice


def test_in_place_failure_leaves_original_intact_and_no_temp_files(tmp_path, monkeypatch):
    import mtclean.pipeline.io as mio

    f = write(tmp_path / "doc.txt", MOJIBAKE)

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(mio.os, "replace", broken_replace)
    r = invoke("cleanup", str(f), "--in-place", "--only", "encoding", "--lang", "en")
    assert r.exit_code == 2 and "cannot write" in r.output
    assert f.read_text() == MOJIBAKE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.txt"]


# --- first run: what a new user sees ------------------------------------------------

def _with_tty(args: list[str], *, stdin_tty: bool = False, stderr_tty: bool = False, data: bytes = b"",
              timeout: float = 120) -> tuple[int, bytes, bytes]:
    """Run mtclean with standard input and/or error on a pseudo-terminal; (exit, stdout, what the terminal got)."""
    import pty
    import select
    import time

    master, slave = pty.openpty()
    proc = subprocess.Popen([MTCLEAN, *args], stdin=slave if stdin_tty else subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=slave if stderr_tty else subprocess.PIPE,
                            env={**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "120"})
    os.close(slave)
    if stdin_tty:
        time.sleep(1.0)  # the notice comes before reading: give it time to be written
        os.write(master, data + b"\x04")
    else:
        proc.stdin.write(data)
        proc.stdin.close()
    seen = b""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        if select.select([master], [], [], 0.1)[0]:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
    out = proc.stdout.read()
    code = proc.wait(timeout=10)
    try:
        while select.select([master], [], [], 0.1)[0]:
            seen += os.read(master, 65536)
    except OSError:
        pass
    os.close(master)
    err = b"" if stdin_tty and not stderr_tty and proc.stderr is None else (proc.stderr.read() if proc.stderr else b"")
    return code, out, seen + err


def test_no_path_on_a_terminal_says_it_reads_standard_input():
    code, out, said = _with_tty(["cleanup", "--only", "encoding", "--lang", "en"], stdin_tty=True,
                                data=b"The caf\xc3\x83\xc2\xa9 is open.\n")
    assert code == 0, said
    assert b"reading standard input" in said and b"Ctrl-D" in said
    assert out == CLEAN.encode()
    # piped, nothing is said: standard input is the data
    r = mtclean("cleanup", "--only", "encoding", "--lang", "en", input=MOJIBAKE.encode())
    assert r.returncode == 0 and r.stderr == b""


def test_progress_on_a_terminal_for_one_big_file(tmp_path):
    from scale_helpers import write_jsonl

    src = write_jsonl(tmp_path / "big.jsonl", 20_000)
    code, _out, said = _with_tty(["cleanup", "--only", "encoding,punctuation", "--lang", "en", "--jobs", "1",
                                  str(src), "-o", str(tmp_path / "out.jsonl")], stderr_tty=True)
    assert code == 0, said
    assert b"cleaning" in said and b"document(s)" in said and b"1 input(s)" in said
    # not a terminal: no progress at all
    r = mtclean("cleanup", "--only", "encoding", "--lang", "en", "-q", str(src), "-o", str(tmp_path / "o2.jsonl"))
    assert r.returncode == 0 and r.stderr == b""


def test_diff_without_final_newline_applies_with_patch_and_git(tmp_path):
    import shutil

    files = {
        "a.txt": b"The caf\xc3\x83\xc2\xa9 is open..",  # no final newline
        "sub/b.txt": b"\xef\xbb\xbfFirst line..\r\nThe caf\xc3\x83\xc2\xa9\xe2\x80\xa8 same line.\r\nlast",  # BOM, CRLF
        "c.txt": b"Clean text stays.\n",
    }
    for name, data in files.items():
        write(tmp_path / name, data)
    r = mtclean("cleanup", "--diff", "--only", "encoding,punctuation", "--lang", "en", "a.txt", "sub/b.txt", "c.txt",
                cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    patch_text = r.stdout
    assert patch_text.count(b"\\ No newline at end of file\n") == 3  # a.txt old and new, b.txt context
    assert b"--- a.txt\t(original)\n+++ a.txt\t(cleaned)\n" in patch_text
    expected = {}
    for name in files:
        expected[name] = mtclean("cleanup", "--only", "encoding,punctuation", "--lang", "en", name, cwd=tmp_path).stdout
    (tmp_path / "changes.patch").write_bytes(patch_text)
    tools = [cmd for cmd in (["patch", "-p0", "-i", "changes.patch"], ["git", "apply", "-p0", "changes.patch"])
             if shutil.which(cmd[0])]
    assert tools, "neither patch nor git is installed"
    for cmd in tools:
        for name, data in files.items():
            write(tmp_path / name, data)
        done = subprocess.run(cmd, cwd=tmp_path, capture_output=True)
        assert done.returncode == 0, (cmd, done.stdout, done.stderr)
        for name in files:
            assert (tmp_path / name).read_bytes() == expected[name], (cmd, name)


def test_in_place_lists_the_rewritten_files(tmp_path):
    bad = write(tmp_path / "bad.txt", MOJIBAKE)
    good = write(tmp_path / "good.txt", CLEAN)
    r = mtclean("cleanup", "--in-place", "--backup", ".orig", "--only", "encoding", "--lang", "en", str(bad), str(good))
    assert r.returncode == 0, r.stderr
    said = [line for line in r.stderr.decode().splitlines() if "rewrote" in line]
    assert said == [f"mtclean: rewrote {bad} (original kept as {bad}.orig)"]
    write(bad, MOJIBAKE)
    r = mtclean("cleanup", "--in-place", "-q", "--only", "encoding", "--lang", "en", str(bad))
    assert r.returncode == 0 and r.stderr == b"" and bad.read_text() == CLEAN


UKRAINIAN = ("The minister spoke to reporters on Tuesday about the new budget plan. "
             "Він сказав, що уряд підтримує цей план повністю. "
             "The opposition said it would vote against the plan next week.\n")


def test_missing_model_warning_once_per_run_and_quiet_hides_it(tmp_path):
    for i in range(4):
        write(tmp_path / "in" / f"{i}.txt", UKRAINIAN)
    r = mtclean("cleanup", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--jobs", "2", "--lang", "en")
    assert r.returncode == 0, r.stderr
    warnings = [line for line in r.stderr.decode().splitlines() if "uk->en" in line or "argostranslate is not" in line]
    assert len(warnings) == 1, r.stderr.decode()
    assert "Traceback" not in r.stderr.decode()
    r = mtclean("cleanup", str(tmp_path / "in"), "-o", str(tmp_path / "out2"), "--jobs", "2", "--lang", "en", "-q")
    assert r.returncode == 0 and r.stderr == b""


def test_a_stage_that_cannot_set_up_in_a_worker_is_one_error(tmp_path):
    from scale_helpers import SetupFailsStage

    from mtclean.pipeline.cli.cleanup import Options, run_cleanup
    from mtclean.pipeline.errors import MtcleanError
    from mtclean.pipeline.runner import Pipeline
    from mtclean.stages.encoding import EncodingStage

    srcs = [str(write(tmp_path / f"{i}.txt", MOJIBAKE)) for i in range(3)]
    pipeline = Pipeline([EncodingStage(), SetupFailsStage(main_pid=os.getpid())], lang="en")
    opts = Options(output=str(tmp_path / "out"), jobs=2, quiet=True, resume=False)
    try:
        run_cleanup(srcs, pipeline, opts, err=open(os.devnull, "w"))
    except MtcleanError as exc:
        assert str(exc) == "setupfails: cannot set up in a worker"
    else:
        raise AssertionError("the run went on without its stage")


def test_main_turns_an_unexpected_exception_into_exit_3(monkeypatch, capsys):
    from mtclean.pipeline import cli
    from mtclean.pipeline.cli import app as app_module

    def boom(**kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(app_module, "app", boom)
    assert cli.main(["stages"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: ZeroDivisionError: a bug" in err
