"""The command line's error paths, as a new user meets them: exit codes and one-line errors.

`make test` runs this file twice: in the test environment with every extra, and in a
small environment with the base install only (MTCLEAN_BASE_INSTALL=1), where no
extra can bring in a module the code forgot to depend on. So it needs nothing but
pytest and the base install: no hypothesis, no typer test runner, no shared data.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

MTCLEAN = str(Path(sys.executable).with_name("mtclean"))
BASE_INSTALL = os.environ.get("MTCLEAN_BASE_INSTALL") == "1"
EXTRAS_ONLY = ("click", "ray", "pyarrow", "argostranslate", "playwright", "hypothesis")


def mtclean(*args: str, input: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [MTCLEAN, *map(str, args)], input=input, capture_output=True, cwd=cwd, timeout=180,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def one_error_line(r: subprocess.CompletedProcess) -> str:
    """The single stderr line of a refused run (exit 2), with nothing on stdout."""
    err = r.stderr.decode("utf-8")
    lines = err.splitlines()
    assert r.returncode == 2, (r.returncode, err)
    assert len(lines) == 1, err
    assert lines[0].startswith("mtclean: error: "), err
    assert "Traceback" not in err and "internal error" not in err
    assert r.stdout == b""
    return lines[0]


@pytest.fixture
def text(tmp_path: Path) -> Path:
    p = tmp_path / "a.txt"
    p.write_text("The café is open.\n", encoding="utf-8")
    return p


@pytest.mark.skipif(not BASE_INSTALL, reason="checks the base-install environment itself")
def test_the_base_environment_has_no_extras():
    present = [m for m in EXTRAS_ONLY if importlib.util.find_spec(m) is not None]
    assert present == [], f"the base-install test environment has {present}: it tests nothing"


# -- usage errors: exit 2 and one line naming what to do ---------------------------------

USAGE_ERRORS = [
    # (arguments after `cleanup` (TEXT is the sample file), what the line must say)
    (["--lang", "zz", "TEXT"], "unknown language code 'zz'"),
    (["--only", "nosuch", "TEXT"], "unknown stage 'nosuch'; available: encoding"),
    (["--skip", "nosuch", "TEXT"], "unknown stage 'nosuch'; available: encoding"),
    (["--skip", "encoding,nosuch", "TEXT"], "unknown stage 'nosuch'"),
    (["--set", "names.bogus=1", "TEXT"], "unknown key(s) 'bogus' for stage names; valid keys: "),
    (["--set", "nosuch.x=1", "TEXT"], "unknown stage 'nosuch'"),
    (["--set", "translate.policy=mark", "--only", "encoding", "TEXT"],
     "--set translate.policy: stage 'translate' is not in this run; stages run: encoding"),
    (["--set", "names", "TEXT"], "bad override 'names'; use --set STAGE.KEY=VALUE"),
    (["--set", "encoding.homoglyphs=maybe", "TEXT"], "encoding.homoglyphs must be true or false"),
    (["--set", "names.consistency=bogus", "--jobs", "2", "TEXT", "TEXT2", "-o", "OUT"],
     "names.consistency must be one of"),
    (["--set", "names.glossary_dirs=no/such/dir", "--jobs", "2", "TEXT", "TEXT2", "-o", "OUT"],
     "glossary directory not found"),
    (["--set", "translate.backend=fake", "--set", "translate.fake_table=no-such.toml", "--jobs", "2",
      "TEXT", "TEXT2", "-o", "OUT"], "translate.fake_table: no-such.toml not found"),
    (["--format", "xml", "TEXT"], "--format must be auto, text or jsonl"),
    (["--errors", "ignore", "TEXT"], "--errors must be strict or replace"),
    (["--backup", ".orig", "TEXT"], "--backup only makes sense with --in-place"),
    (["--in-place", "-o", "OUT", "TEXT"], "--in-place and -o/--output cannot be used together"),
    (["--engine", "spark", "TEXT"], "--engine must be local or ray"),
    (["--shard-size", "lots", "TEXT", "-o", "OUT"], "bad size 'lots'"),
    (["--config", "no-such.toml", "TEXT"], "no-such.toml: config file not found"),
    (["TEXT", "TEXT2"], "several inputs need -o DIR or --in-place"),
    # typer's own parsing errors, in the same one-line form
    (["--bogus", "TEXT"], "No such option: --bogus"),
    (["--jobs", "many", "TEXT"], "Invalid value for '--jobs'"),
    (["-o"], "Option '-o' requires an argument"),
]


@pytest.mark.parametrize("args, says", USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_cleanup_usage_errors_are_one_line_exit_2(tmp_path, text, args, says):
    second = tmp_path / "b.txt"
    second.write_text("Another line.\n", encoding="utf-8")
    names = {"TEXT": text.name, "TEXT2": second.name, "OUT": "out"}
    r = mtclean("cleanup", *[names.get(a, a) for a in args], cwd=tmp_path)
    assert says in one_error_line(r)
    assert not (tmp_path / "out").exists()  # refused before anything was read or written
    assert text.read_text(encoding="utf-8") == "The café is open.\n"


def test_unknown_command_is_one_line():
    line = one_error_line(mtclean("cleanu", "x.txt"))
    assert "No such command 'cleanu'" in line and "mtclean --help" in line


def test_bad_config_file_is_one_line(tmp_path, text):
    (tmp_path / "bad.toml").write_text("[pipeline\nstages = 1\n", encoding="utf-8")
    assert "bad.toml: invalid TOML" in one_error_line(mtclean("cleanup", "-c", "bad.toml", text.name, cwd=tmp_path))
    (tmp_path / "odd.toml").write_text("[stages.names]\nbogus = 1\n", encoding="utf-8")
    # a table for a stage this run leaves out is still checked: a typo never waits for another run
    line = one_error_line(mtclean("cleanup", "-c", "odd.toml", "--only", "encoding", text.name, cwd=tmp_path))
    assert "unknown key(s) 'bogus' for stage names" in line


def test_field_on_stdin_among_files_is_refused(text):
    line = one_error_line(mtclean("cleanup", "--field", "body", "-", str(text), "-o", str(text.parent / "o"),
                                  input=b'{"body": "x"}\n'))
    assert "--format jsonl" in line


@pytest.mark.parametrize("args, says", [
    (["explain", "--stage", "nosuch", "REPORT"], "unknown stage 'nosuch'; available: encoding"),
    (["explain", "no-such-report.jsonl"], "report not found"),
    (["explain", "."], "cannot read report"),
    (["detect", "--lang", "zz", "TEXT"], "unknown language code 'zz'"),
    (["detect", "--set", "bogus=1", "TEXT"], "unknown key(s) 'bogus' for stage fragments"),
    (["detect", "--format", "xml", "TEXT"], "--format must be auto, text or jsonl"),
])
def test_other_commands_usage_errors(tmp_path, text, args, says):
    report = tmp_path / "report.jsonl"
    r = mtclean("cleanup", "--only", "encoding", "--lang", "en", text.name, "-o", "clean.txt",
                "--report", report.name, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    names = {"TEXT": text.name, "REPORT": report.name}
    assert says in one_error_line(mtclean(*[names.get(a, a) for a in args], cwd=tmp_path))


# -- input errors: exit 2, the other inputs still go on -----------------------------------

def test_missing_and_undecodable_inputs_others_go_on(tmp_path):
    good = tmp_path / "good.txt"
    good.write_bytes("The cafÃ© is open.\n".encode("utf-8"))
    (tmp_path / "latin1.txt").write_bytes("café\n".encode("latin-1"))
    r = mtclean("cleanup", "--only", "encoding", "--lang", "en", "--in-place", "-q",
                "missing.txt", "latin1.txt", "good.txt", cwd=tmp_path)
    assert r.returncode == 2
    lines = r.stderr.decode().splitlines()
    assert len(lines) == 2 and "Traceback" not in r.stderr.decode()
    assert "missing.txt" in lines[0] and "latin1.txt:byte 3" in lines[1] and "--errors replace" in lines[1]
    assert good.read_text(encoding="utf-8") == "The café is open.\n"


# -- the exit codes of runs that work ---------------------------------------------------

def test_exit_0_and_exit_1_with_check(tmp_path, text):
    bad = tmp_path / "bad.txt"
    bad.write_bytes("The cafÃ© is open.\n".encode("utf-8"))
    assert mtclean("cleanup", "--check", "--only", "encoding", "--lang", "en", str(text)).returncode == 0
    r = mtclean("cleanup", "--check", "--only", "encoding", "--lang", "en", str(bad))
    assert r.returncode == 1 and b"would clean" in r.stderr


def test_piped_json_lines_with_field_stay_json():
    lines = [{"id": 1, "text": "He said \u201chello\u201d.", "note": "caf\u00c3\u00a9"}, {"id": 2, "text": "Plain."}]
    data = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines).encode("utf-8")
    for args in (["--field", "text"], ["--id-field", "id"], ["-", "--field", "text"]):
        r = mtclean("cleanup", "--lang", "en", "-q", *args, input=data)
        assert r.returncode == 0, r.stderr
        got = [json.loads(x) for x in r.stdout.decode("utf-8").splitlines()]
        # the curly quotes inside the JSON string are the text's own: JSON Lines, not prose
        assert got == lines


def test_wrong_field_is_one_line_per_file(tmp_path):
    src = tmp_path / "q.jsonl"
    src.write_text("".join(json.dumps({"body": "x", "id": i}) + "\n" for i in range(500)), encoding="utf-8")
    r = mtclean("cleanup", "--lang", "en", "--only", "encoding", "-q", str(src), "-o", str(tmp_path / "o.jsonl"))
    assert r.returncode == 2
    lines = r.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert "500 record(s) have no field 'text'" in lines[0] and "fields found: body, id" in lines[0]
    assert (tmp_path / "o.jsonl").read_bytes() == src.read_bytes()  # copied unchanged, nothing dropped


# -- what an extra brings, asked for on a base install: one line naming the extra --------------

@pytest.mark.skipif(importlib.util.find_spec("ray") is not None, reason="Ray is installed here")
def test_ray_engine_without_ray_names_the_extra(tmp_path, text):
    (tmp_path / "b.txt").write_text("More.\n", encoding="utf-8")
    r = mtclean("cleanup", "--engine", "ray", "a.txt", "b.txt", "-o", "out", cwd=tmp_path)
    assert "pip install 'mtclean[ray]'" in one_error_line(r)
    assert not (tmp_path / "out" / ".mtclean-work").exists()  # nothing to resume: no work directory left


@pytest.mark.skipif(importlib.util.find_spec("pyarrow") is not None, reason="pyarrow is installed here")
def test_parquet_without_pyarrow_names_the_extra(tmp_path):
    (tmp_path / "t.parquet").write_bytes(b"PAR1")
    r = mtclean("cleanup", "t.parquet", "-o", "o.parquet", cwd=tmp_path)
    err = r.stderr.decode()
    assert r.returncode == 2 and len(err.splitlines()) == 1 and "pip install 'mtclean[parquet]'" in err
    assert not (tmp_path / "o.parquet").exists()
