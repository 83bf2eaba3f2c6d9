"""The README documents every command and option (sqlite-utils style), and its examples run."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from mtclean.pipeline.cli.app import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands():
    root = typer.main.get_command(app)
    out = []

    def walk(cmd, path):
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, [*path, name])
        if path:
            out.append((" ".join(path), cmd))

    walk(root, [])
    return out


COMMANDS = _commands()


@pytest.mark.parametrize("path, cmd", COMMANDS, ids=[p for p, _ in COMMANDS])
def test_command_documented(path, cmd):
    assert f"mtclean {path}" in README, f"`mtclean {path}` is not in the README"


OPTIONS = [
    (path, opt)
    for path, cmd in COMMANDS
    for param in cmd.params
    if param.param_type_name == "option"
    for opt in param.opts
    if opt.startswith("--") and opt != "--help"
]


@pytest.mark.parametrize("path, opt", OPTIONS, ids=[f"{p} {o}" for p, o in OPTIONS])
def test_option_documented(path, opt):
    assert re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", README), f"{opt} of `mtclean {path}` is not in the README"


def test_python_example_runs(tmp_path):
    """The stage-API example in the README is runnable as written."""
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert blocks, "no python example in README"
    for code in blocks:
        if code.startswith(("# file: ", "# run: ")):
            continue  # the plugin example's: run with its package installed (tests/test_plugin_example.py)
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300)
        assert r.returncode == 0, f"README example failed:\n{code}\n{r.stderr}"
