"""The README's third-party stage, as written there: its own package, installed, then used by the CLI and from Python."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
MTCLEAN = str(Path(sys.executable).with_name("mtclean"))


def section(title: str) -> str:
    start = README.index(title)
    end = README.find("\n## ", start)
    return README[start:end]


def blocks(text: str) -> list[tuple[str, str]]:
    """The fenced code blocks of *text* as (language, code)."""
    return re.findall(r"```(\w+)\n(.*?)```", text, flags=re.S)


def tagged(text: str, tag: str) -> dict[str, str]:
    """Blocks whose first line is ``# file: NAME`` (or ``# run: NAME``), by NAME."""
    out = {}
    for _lang, code in blocks(text):
        first, _, rest = code.partition("\n")
        if first.startswith(f"# {tag}: "):
            out[first.removeprefix(f"# {tag}: ").strip()] = code
    return out


PLUGIN = section("### Writing a stage")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, str]:
    """The README's package, built and installed with pip into a folder of its own (not the test environment)."""
    root = tmp_path_factory.mktemp("plugin")
    src, site = root / "src", root / "site"
    src.mkdir()
    files = tagged(PLUGIN, "file")
    assert set(files) == {"pyproject.toml", "mtclean_housewords.py"}
    for name, code in files.items():
        (src / name).write_text(code, encoding="utf-8")
    # The test environment's setuptools builds it when there is one (no download); else pip fetches one.
    build = ["--no-build-isolation"] if importlib.util.find_spec("setuptools") else []
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", *build, "--target", str(site),
                        str(src)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (site / "mtclean_housewords.py").exists()
    return {**os.environ, "PYTHONPATH": str(site), "PYTHONIOENCODING": "utf-8"}


def test_the_installed_stage_is_listed_and_runs_from_the_cli(installed, tmp_path):
    r = subprocess.run([MTCLEAN, "stages"], capture_output=True, text=True, env=installed, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "housewords.v1" in r.stdout and "mtclean-housewords 0.1.0" in r.stdout
    notes = tmp_path / "notes.txt"
    notes.write_text("Send an e-mail to the web site team.\nThe email is fine.\n", encoding="utf-8")
    # the README's command line, on a file of our own
    (command,) = [line for _lang, code in blocks(PLUGIN) for line in code.splitlines()
                  if line.startswith("mtclean cleanup notes.txt")]
    args = command.split("#")[0].split()[1:]
    r = subprocess.run([MTCLEAN, *args], capture_output=True, text=True, env=installed, cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "-Send an e-mail to the web site team.\n+Send an email to the web site team.\n" in r.stdout
    assert "-The email is fine." not in r.stdout and "+The email is fine." not in r.stdout  # correct text: untouched
    r = subprocess.run([MTCLEAN, "cleanup", "--only", "housewords", "--set", "housewords.words=e-mail", "-"],
                       capture_output=True, text=True, env=installed, input="x", timeout=120)
    assert r.returncode == 2 and r.stderr.strip() == "mtclean: error: housewords.words: 'e-mail' is not WRONG=RIGHT"


def test_the_python_example_runs_and_its_report_reads(installed, tmp_path):
    (code,) = tagged(PLUGIN, "run").values()
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=installed, cwd=tmp_path,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run([MTCLEAN, "explain", "report.jsonl"], capture_output=True, text=True, env=installed,
                       cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "'e-mail' -> 'email'" in r.stdout and "house spelling: web site -> website" in r.stdout
    r = subprocess.run([MTCLEAN, "review", "report.jsonl", "-o", "review.html"], capture_output=True, text=True,
                       env=installed, cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "e-mail" in (tmp_path / "review.html").read_text(encoding="utf-8")
