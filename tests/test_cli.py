"""End-to-end CLI tests: typer's CliRunner in process, and real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from mtclean.pipeline.cli.app import app

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
    (entry,) = [json.loads(line) for line in rep.read_text().splitlines()]
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
