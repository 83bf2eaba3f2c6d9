"""The project's glossaries, found one way by every command: what an editor adds changes the next run.

The order: ``--glossary-dir``, else ``$MTCLEAN_GLOSSARY_DIR``, else ``./glossaries``, then the
shipped glossaries. The run summary and the report's first line name the files read.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mtclean.pipeline.config import load_config
from mtclean.pipeline.glossary import project_dir, project_dirs, shipped_dir
from mtclean.pipeline.report import RUN_SCHEMA, read_report, read_run

MTCLEAN = str(Path(sys.executable).with_name("mtclean"))
TEXT = "Minister Jonh Smiht spoke in Athens on Tuesday.\n"
FIXED = "Minister John Smith spoke in Athens on Tuesday.\n"


def mtclean(*args, cwd: Path, env: dict | None = None, input: bytes | None = None):
    base = {k: v for k, v in os.environ.items() if k != "MTCLEAN_GLOSSARY_DIR"}
    return subprocess.run([MTCLEAN, *map(str, args)], cwd=cwd, capture_output=True, input=input, timeout=180,
                          env={**base, "PYTHONIOENCODING": "utf-8", **(env or {})})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    return tmp_path


def add_smith(cwd: Path, *extra: str) -> None:
    r = mtclean("glossary", "add", "John Smith", "--kind", "person", "--variant", "Jonh Smiht", *extra, cwd=cwd)
    assert r.returncode == 0, r.stderr


def test_an_entry_added_in_the_project_changes_the_next_cleanup(project):
    before = mtclean("cleanup", "a.txt", "--lang", "en", "--only", "names", cwd=project)
    assert before.returncode == 0 and before.stdout.decode() == TEXT  # nothing to go on yet
    add_smith(project)
    assert (project / "glossaries" / "people.toml").exists()
    r = mtclean("cleanup", "a.txt", "b.txt", "--lang", "en", "--only", "names", "--report", "r.jsonl", "-o", "out",
                cwd=project)
    assert r.returncode == 2  # b.txt is missing: the run still says what it read
    assert (project / "out" / "a.txt").read_text(encoding="utf-8") == FIXED
    said = r.stderr.decode()
    assert "mtclean: glossaries: glossaries/people.toml, " in said and "shipped file(s)" in said
    run = read_run(project / "r.jsonl")
    assert run["schema"] == RUN_SCHEMA and [s["id"] for s in run["stages"]] == ["names.v1"]
    own = [g for g in run["glossaries"] if not g["shipped"]]
    assert [Path(g["file"]) for g in own] == [(project / "glossaries" / "people.toml").resolve()]
    assert len(own[0]["sha256"]) == 64
    assert len([g for g in run["glossaries"] if g["shipped"]]) == len(list(shipped_dir().glob("*.toml")))
    (entry,) = read_report(project / "r.jsonl")  # the header is not a document
    assert entry["records"][0]["edits"][0]["after"] == "John Smith"


def test_environment_and_flag_name_the_project_directory(project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("house")
    add_smith(project, "--glossary-dir", elsewhere)
    assert not (project / "glossaries").exists()
    r = mtclean("cleanup", "a.txt", "--lang", "en", "--only", "names", cwd=project,
                env={"MTCLEAN_GLOSSARY_DIR": str(elsewhere)})
    assert r.returncode == 0 and r.stdout.decode() == FIXED
    r = mtclean("cleanup", "a.txt", "--lang", "en", "--only", "names", "--glossary-dir", elsewhere, cwd=project)
    assert r.returncode == 0 and r.stdout.decode() == FIXED
    # the flag comes before the environment
    r = mtclean("cleanup", "a.txt", "--lang", "en", "--only", "names", "--glossary-dir", elsewhere, cwd=project,
                env={"MTCLEAN_GLOSSARY_DIR": str(project / "nowhere")})
    assert r.returncode == 0 and r.stdout.decode() == FIXED


@pytest.mark.parametrize("how", ["flag", "env"])
def test_a_named_directory_that_does_not_exist_is_an_error(project, how):
    args = ["--glossary-dir", "no-such-dir"] if how == "flag" else []
    env = {"MTCLEAN_GLOSSARY_DIR": "no-such-dir"} if how == "env" else {}
    for command in (["cleanup", "a.txt", "--lang", "en"], ["detect", "a.txt"], ["glossary", "list"]):
        r = mtclean(*command, *args, cwd=project, env=env)
        err = r.stderr.decode()
        assert r.returncode == 2 and len(err.splitlines()) == 1, (command, err)
        assert "no-such-dir: glossary directory not found" in err


def test_detect_and_glossary_list_read_the_same_directory(project):
    add_smith(project)
    r = mtclean("glossary", "list", "--kind", "person", "--no-shipped", cwd=project)
    assert r.returncode == 0 and "person.john-smith" in r.stdout.decode()
    r = mtclean("glossary", "show", "person.john-smith", cwd=project)
    assert r.returncode == 0 and "Jonh Smiht" in r.stdout.decode()


def test_load_config_resolves_the_directory_once_for_every_stage_that_reads_glossaries(project, monkeypatch):
    monkeypatch.chdir(project)
    monkeypatch.delenv("MTCLEAN_GLOSSARY_DIR", raising=False)
    cfg = load_config(lang="en")
    assert "glossary_dirs" not in cfg.stage_options.get("names", {})  # no ./glossaries here: shipped only
    (project / "glossaries").mkdir()
    cfg = load_config(lang="en")
    want = [str((project / "glossaries").resolve())]
    for stage in ("fragments", "translate", "names"):
        assert cfg.stage_options[stage]["glossary_dirs"] == want, stage
    assert "glossary_dirs" not in cfg.stage_options.get("encoding", {})
    # told which, a stage keeps what it was told
    cfg = load_config(lang="en", overrides=["names.glossary_dirs=" + str(project)])
    assert cfg.stage_options["names"]["glossary_dirs"] == str(project)
    assert load_config(lang="en", project_glossaries=False).stage_options.get("names", {}) == {}


def test_project_dir_order(monkeypatch, tmp_path):
    monkeypatch.delenv("MTCLEAN_GLOSSARY_DIR", raising=False)
    assert project_dir() == (Path("glossaries"), "./glossaries")
    monkeypatch.setenv("MTCLEAN_GLOSSARY_DIR", str(tmp_path))
    assert project_dir() == (tmp_path, "$MTCLEAN_GLOSSARY_DIR")
    assert project_dir("x") == (Path("x"), "--glossary-dir")
    assert project_dirs() == (str(tmp_path.resolve()),)
