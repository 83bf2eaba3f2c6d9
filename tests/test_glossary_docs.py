"""The glossary examples of the README and of glossaries/README.md, run as written in a project folder."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MTCLEAN = str(Path(sys.executable).with_name("mtclean"))
ARTICLE = "Minister Anika Lindqvist met Volodimir Zelenski in Kiev on Tuesday.\n"


def commands(text: str) -> list[str]:
    """The `mtclean ...` lines of the shell blocks in *text*, without their trailing comments."""
    out = []
    for block in re.findall(r"```(?:sh|bash|shell)\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            if line.startswith("mtclean "):
                out.append(line)
    return out


def glossary_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Names and glossaries")
    return readme[start:readme.index("\n## ", start + 3)]


EXAMPLES = [("glossaries/README.md", c) for c in commands((ROOT / "glossaries" / "README.md").read_text("utf-8"))] + [
    ("README.md", c) for c in commands(glossary_section())]


def test_there_are_examples():
    assert len(EXAMPLES) >= 8, EXAMPLES


def test_examples_run_as_written_one_after_the_other(tmp_path):
    """In one project folder, in order, as an editor would type them (one test: they build on each other)."""
    (tmp_path / "article.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "my-translations").mkdir()
    (tmp_path / "my-translations" / "a.txt").write_text(ARTICLE * 3, encoding="utf-8")
    (tmp_path / "my-glossaries").mkdir()
    env = {k: v for k, v in os.environ.items() if k != "MTCLEAN_GLOSSARY_DIR"}
    for where, command in EXAMPLES:
        args = shlex.split(command, comments=True)
        r = subprocess.run([MTCLEAN, *args[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=180,
                           env={**env, "PYTHONIOENCODING": "utf-8"})
        assert r.returncode == 0, f"{where}: {command}\n{r.stdout}\n{r.stderr}"
    # what the examples added is what the next cleanup there applies
    r = subprocess.run([MTCLEAN, "cleanup", "article.txt", "--only", "names", "--lang", "en"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=180, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Minister Annika Lindqvist met Volodymyr Zelensky in Kyiv")
