"""Corpora and test stages for the scale tests (parallel, resumable, Ray)."""

from __future__ import annotations

import codecs
import json
import os
import random
from dataclasses import dataclass
from pathlib import Path

from mtclean.pipeline.errors import ConfigError
from mtclean.pipeline.document import digest
from mtclean.pipeline.stage import Stage, StageConfig

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "coalition-of-the-willing-el-en.txt"


def paragraphs() -> list[str]:
    return [p for p in SEED.read_text(encoding="utf-8").split("\n") if p.strip()]


def damaged(text: str, i: int) -> str:
    """Some documents get mojibake, some doubled periods, the rest stay clean."""
    if i % 3 == 0:
        return text + " The caf\u00c3\u00a9 opened."
    if i % 5 == 0:
        return text.replace(". ", ".. ", 1)
    return text


def jsonl_lines(n: int, *, seed: int = 0, bad_every: int = 0, trigger_every: int = 0) -> list[str]:
    rnd = random.Random(seed)
    paras = paragraphs()
    lines = []
    for i in range(n):
        text = damaged(rnd.choice(paras), i)
        if trigger_every and i % trigger_every == trigger_every - 1:
            text += f" DIE{i}"
        lines.append(json.dumps({"id": i, "text": text, "n": i * 7}, ensure_ascii=False))
        if bad_every and i % bad_every == bad_every - 1:
            lines.append("{not json")
            lines.append("")
            lines.append(json.dumps({"id": f"x{i}", "body": "no text field"}))
    return lines


def write_jsonl(path: Path, n: int, **kw) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(jsonl_lines(n, **kw)) + "\n", encoding="utf-8")
    return path


def write_big_jsonl(path: Path, megabytes: float, *, seed: int = 0) -> Path:
    """At least *megabytes* of JSON Lines, written in pieces."""
    path.parent.mkdir(parents=True, exist_ok=True)
    size, i = 0, 0
    with path.open("w", encoding="utf-8") as f:
        while size < megabytes * 1e6:
            block = "\n".join(jsonl_lines(500, seed=seed + i)) + "\n"
            f.write(block)
            size += len(block.encode())
            i += 1
    return path


def write_mixed_tree(root: Path) -> Path:
    """A directory of text and JSON Lines files with BOM, CRLF, bad lines and no final newline."""
    paras = paragraphs()
    (root / "sub").mkdir(parents=True, exist_ok=True)
    write_jsonl(root / "a.jsonl", 300, bad_every=40)
    crlf = "\r\n".join(jsonl_lines(120, seed=3)).encode()  # CRLF and no final line break
    (root / "sub" / "b.jsonl").write_bytes(codecs.BOM_UTF8 + crlf)
    bad_utf8 = "\n".join(jsonl_lines(30, seed=4)).encode() + b'\n{"text": "caf\xe9"}\n'
    (root / "sub" / "c.jsonl").write_bytes(bad_utf8)
    for i in range(6):
        text = "\n\n".join(damaged(p, i + k) for k, p in enumerate(paras[i::6]))
        (root / f"doc{i}.txt").write_text(text + "\n", encoding="utf-8")
    (root / "empty.jsonl").write_bytes(b"")
    return root


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def report_entries(path: Path) -> list[dict]:
    from mtclean.pipeline.report import read_report

    out = []
    for entry in read_report(path):
        entry.pop("output", None)  # where it was written differs between the runs compared
        out.append(entry)
    return out


@dataclass(frozen=True)
class DieOnceConfig(StageConfig):
    marker_dir: str = ""  # where the "already died for this document" markers go
    trigger: str = "DIE"  # documents containing this kill their worker once


class DieOnceStage(Stage):
    """Kills its own worker process (os._exit) the first time it sees each trigger document."""

    name = "dieonce"
    version = 1
    description = "test stage: the worker dies once per trigger document"
    Config = DieOnceConfig

    def fix(self, text: str, *, lang: str | None = None):
        if self.config.trigger in text:
            marker = Path(self.config.marker_dir) / f"died-{digest(text)}"
            try:
                fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                return text, []
            os.close(fd)
            os._exit(17)
        return text, []


@dataclass(frozen=True)
class CrashConfig(StageConfig):
    flag_file: str = ""  # while this file exists, trigger documents crash the run
    trigger: str = "CRASH"


class CrashStage(Stage):
    """Raises on trigger documents while a flag file exists: an interrupted run, in process."""

    name = "crash"
    version = 1
    description = "test stage: crashes the run on trigger documents while a flag file exists"
    Config = CrashConfig

    def fix(self, text: str, *, lang: str | None = None):
        if self.config.trigger in text and os.path.exists(self.config.flag_file):
            raise RuntimeError("simulated crash")
        return text, []


@dataclass(frozen=True)
class SetupFailsConfig(StageConfig):
    main_pid: int = 0  # setup() fails in every other process: a worker


class SetupFailsStage(Stage):
    """Sets up in the main process but not in a worker: what validate() cannot foresee."""

    name = "setupfails"
    version = 1
    description = "test stage: setup fails in worker processes"
    Config = SetupFailsConfig

    def setup(self) -> None:
        if os.getpid() != self.config.main_pid:
            raise ConfigError("setupfails: cannot set up in a worker")
        super().setup()

    def fix(self, text: str, *, lang: str | None = None):
        return text, []
