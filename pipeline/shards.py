"""Resumable corpus runs: shards with completion markers in a hidden work directory.

A run with ``-o`` cuts every input into shards (about ``--shard-size`` bytes of
JSON Lines, a group of Parquet row groups, or a whole text file). Each finished
shard's output and report lines are renamed into the work directory, then a
``.done`` marker (also written atomically) records its counts. When all shards of
an input are done they are concatenated into the output file, which is renamed
into place; the work directory goes away when the whole run has finished.

Re-running the same command after a crash or ``kill -9`` finds the markers and
skips finished shards, so the output is exactly that of an uninterrupted run. A
run fingerprint (stage ids and config digests, options, and every input's path,
size and mtime) is stored with the shards: a changed command or changed input
starts from scratch instead of reusing stale shards.

Layout of the work directory (``DIR/.mtclean-work`` for ``-o DIR``,
``.NAME.mtclean-work`` beside the file for ``-o NAME``)::

    run.json        fingerprint
    3-0.part        output of input 3, shard 0 (bytes, or Parquet)
    3-0.report      report lines of that shard
    3-0.done        marker: counts, messages and stage stats of the shard
    3.done          input 3 was assembled into its output
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mtclean.pipeline import jsonl
from mtclean.pipeline.document import config_digest
from mtclean.pipeline.errors import MtcleanError, OutputError
from mtclean.pipeline.io import AtomicFile, fsync_dir
from mtclean.pipeline.report import place_blocks
from mtclean.pipeline.runner import Stats
from mtclean.pipeline.sinks import writer_for
from mtclean.pipeline.work import MissingField, TaskResult

FORMAT = 1
WORK_DIR = ".mtclean-work"


def work_dir_for(output: str, as_dir: bool) -> Path:
    out = Path(output)
    return out / WORK_DIR if as_dir else out.with_name(f".{out.name}{'.mtclean-work'}")


def pipeline_digest(pipeline) -> list:
    return [[s.id, config_digest(s.config)] for s in pipeline.stages] + [["lang", pipeline.lang],
                                                                         ["verify", pipeline.verify]]


def fingerprint(pipeline, options: dict[str, Any], inputs: list[tuple[str, str | None]]) -> dict[str, Any]:
    files = []
    for src, _ in inputs:
        try:
            st = os.stat(src)
            files.append([os.path.abspath(src), st.st_size, st.st_mtime_ns])
        except OSError:
            files.append([os.path.abspath(src), None, None])
    from mtclean.pipeline.glossary import digests_read_by

    # What the stages read besides their options: a glossary edited since the interrupted run
    # makes its shards stale (a resumed run must give the bytes a fresh one gives).
    glossaries = [[str(f), digest] for f, digest in digests_read_by(pipeline.stages)]
    data = {"format": FORMAT, "pipeline": pipeline_digest(pipeline), "options": options, "inputs": files,
            "glossaries": glossaries}
    data["digest"] = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    return data


def stats_to_json(s: Stats) -> dict[str, Any]:
    return {
        "documents": s.documents, "chars": s.chars,
        "edits": [[st, rule, n] for (st, rule), n in s.edits.items()],
        "spans": dict(s.spans), "suggestions": dict(s.suggestions), "seconds": dict(s.seconds),
    }


def stats_from_json(d: dict[str, Any]) -> Stats:
    s = Stats(documents=d.get("documents", 0), chars=d.get("chars", 0))
    s.edits = Counter({(st, rule): n for st, rule, n in d.get("edits", [])})
    s.spans = Counter(d.get("spans", {}))
    s.suggestions = Counter(d.get("suggestions", {}))
    for k, v in d.get("seconds", {}).items():
        s.seconds[k] += v
    return s


def write_json_atomic(path: Path, data: dict) -> None:
    out = AtomicFile(path, error=OutputError)
    out.write(jsonl.dumps(data).encode("utf-8"))
    out.commit()


@dataclass
class ShardSummary:
    documents: int = 0
    edits: int = 0
    changed: bool = False
    problems: int = 0
    messages: list[str] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)
    missing: MissingField = field(default_factory=MissingField)

    def add(self, r: "TaskResult | ShardSummary") -> None:
        """Count a task's result, or a finished shard's summary (both carry the same totals)."""
        self.documents += r.documents
        self.edits += r.edits
        self.changed |= r.changed
        self.problems += r.problems
        self.messages.extend(r.messages)
        self.stats.add(r.stats)
        self.missing.add(r.missing)

    def to_json(self) -> dict[str, Any]:
        return {"documents": self.documents, "edits": self.edits, "changed": self.changed,
                "problems": self.problems, "messages": self.messages, "stats": stats_to_json(self.stats),
                "missing": self.missing.to_json()}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "ShardSummary":
        return cls(d["documents"], d["edits"], d["changed"], d["problems"], list(d["messages"]),
                   stats_from_json(d["stats"]), MissingField.from_json(d.get("missing")))


class ShardStore:
    """The work directory of one resumable run."""

    def __init__(self, root: Path, fp: dict[str, Any]):
        self.root = root
        self.fp = fp
        self.resumed = 0  # shards found finished when the run started
        self.shards: dict[int, list[int]] = {}  # input -> its shard numbers, filled while planning

    def open(self) -> bool:
        """Create or reuse the work directory; True when an earlier run's shards are reused."""
        run = self.root / "run.json"
        if run.exists():
            try:
                old = json.loads(run.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                old = None
            if old and old.get("digest") == self.fp["digest"]:
                for stale in [*self.root.glob("*.mtclean-tmp"), *self.root.glob("*-tmp"), *self.root.glob("*.tmp")]:
                    stale.unlink(missing_ok=True)  # half-written files of the interrupted run
                self.resumed = len(list(self.root.glob("*-*.done")))
                return True
        self.remove()  # another run's shards, or what an interrupted clean-up left: never reused
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            write_json_atomic(run, self.fp)
        except OSError as exc:
            raise MtcleanError(f"{self.root.parent}: cannot write output: {exc.strerror or exc}") from None
        fsync_dir(self.root)
        return False

    def remove(self) -> None:
        try:
            (self.root / "run.json").unlink()  # first: a half-removed directory is never resumed
        except OSError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)

    def finished(self) -> int:
        """Shards and inputs finished so far: what a re-run would reuse."""
        return len(list(self.root.glob("*.done"))) if self.root.is_dir() else 0

    def _p(self, name: str) -> Path:
        return self.root / name

    def shard_done(self, j: int, k: int) -> bool:
        return self._p(f"{j}-{k}.done").exists()

    def input_done(self, j: int) -> bool:
        return self._p(f"{j}.done").exists()

    def input_summary(self, j: int) -> ShardSummary:
        """The summary of an assembled input (and its shard list, for the report)."""
        data = json.loads(self._p(f"{j}.done").read_text(encoding="utf-8"))
        self.shards[j] = list(data.get("shards", []))
        return ShardSummary.from_json(data)

    def shard_writer(self, j: int, k: int, kind: str):
        return writer_for(kind, self._part(j, k))

    def _part(self, j: int, k: int) -> Path:
        return self._p(f"{j}-{k}.part")

    def bytes_before(self, j: int, k: int) -> int:
        """The output bytes of input *j*'s finished shards before shard *k* (some perhaps written by
        an earlier, interrupted run): where shard *k*'s output will start in the assembled file."""
        return sum(p.stat().st_size for p in self.root.glob(f"{j}-*.part")
                   if int(p.name[len(f"{j}-"):-len(".part")]) < k)

    def report_path(self, j: int, k: int) -> Path:
        return self._p(f"{j}-{k}.report")

    def mark_shard(self, j: int, k: int, summary: ShardSummary) -> None:
        write_json_atomic(self._p(f"{j}-{k}.done"), summary.to_json())

    def shard_summary(self, j: int, k: int) -> ShardSummary:
        return ShardSummary.from_json(json.loads(self._p(f"{j}-{k}.done").read_text(encoding="utf-8")))

    def assemble(self, j: int, kind: str, target: str) -> ShardSummary:
        """Concatenate input *j*'s shards into *target* atomically; return the input's summary."""
        total = ShardSummary()
        w = writer_for(kind, target)
        try:
            for k in self.shards.get(j, []):
                total.add(self.shard_summary(j, k))
                part = self._part(j, k)
                if kind == "parquet":
                    import pyarrow.parquet as pq

                    pf = pq.ParquetFile(part)
                    for g in range(pf.num_row_groups):
                        w.write_table(pf.read_row_group(g))
                    if pf.num_row_groups == 0:
                        w.write_table(pf.schema_arrow.empty_table())
                else:
                    with open(part, "rb") as f:
                        while chunk := f.read(1 << 20):
                            w.write_bytes(chunk)
            w.commit()
        except BaseException:
            w.discard()
            raise
        done = total.to_json()
        done["shards"] = self.shards.get(j, [])
        write_json_atomic(self._p(f"{j}.done"), done)
        for k in self.shards.get(j, []):
            try:
                os.unlink(self._part(j, k))
            except FileNotFoundError:
                pass
        return total

    def copy_reports(self, j: int, out: AtomicFile) -> None:
        for k in self.shards.get(j, []):
            p = self.report_path(j, k)
            if p.exists():
                with open(p, "rb") as f:
                    while chunk := f.read(1 << 20):
                        out.write(chunk)


class ShardedSink:
    """Writes the results of one input shard by shard into a :class:`ShardStore`."""

    def __init__(self, store: ShardStore, j: int, kind: str, target: str, report_output: str | None,
                 with_report: bool):
        self.store = store
        self.j = j
        self.kind = kind
        self.target = target
        self.report_output = report_output
        self.with_report = with_report
        self.k: int | None = None
        self.writer = None
        self.report: AtomicFile | None = None
        self.summary = ShardSummary()

    def write(self, r: TaskResult) -> None:
        t = r.task
        if self.k != t.shard:
            self._open(t.shard)
        self.writer.write(r)
        if self.report is not None:
            place_blocks(r.entries, self.offset)
            for entry in r.entries:
                entry["output"] = self.report_output
                self.report.write((jsonl.dumps(entry) + "\n").encode("utf-8"))
        self.offset += len(r.out or b"")
        self.summary.add(r)
        if t.shard_last:
            self._close_shard()

    def _open(self, k: int) -> None:
        self.offset = self.store.bytes_before(self.j, k)
        self.k = k
        self.writer = self.store.shard_writer(self.j, k, self.kind)
        self.summary = ShardSummary()
        if self.with_report:
            self.report = AtomicFile(self.store.report_path(self.j, k), error=OutputError)

    def _close_shard(self) -> None:
        if self.report is not None:
            self.report.commit()
            self.report = None
        self.writer.commit()
        self.store.mark_shard(self.j, self.k, self.summary)  # the marker comes last
        self.writer = None
        self.k = None

    def discard(self) -> None:
        if self.writer is not None:
            self.writer.discard()
        if self.report is not None:
            self.report.discard()
            self.report = None
