"""Where cleaned output goes, written as results stream in.

Every file is written to a temporary name in its own directory and renamed over
the target only when complete (after fsync), so a killed run never leaves a half
written output. Byte outputs (text, JSON Lines) and Parquet outputs share one
small interface: ``write(result)``, then ``commit()`` or ``discard()``.
"""

from __future__ import annotations

import os
from pathlib import Path

from mtclean.pipeline.errors import InputError
from mtclean.pipeline.io import AtomicFile, replace, temp_beside
from mtclean.pipeline.io import unlink_quietly as _unlink
from mtclean.pipeline.work import TaskResult, table_from_ipc


class FileWriter(AtomicFile):
    """Bytes to a temporary file beside *path*; ``commit()`` renames it into place."""

    def write(self, r: TaskResult) -> None:  # type: ignore[override]
        self.write_bytes(r.out or b"")

    def write_bytes(self, data: bytes) -> None:
        AtomicFile.write(self, data)


class ParquetFileWriter:
    """Arrow tables (one per task) to a Parquet file, renamed into place on commit."""

    def __init__(self, path: str | Path, *, backup: str | None = None):
        self.path = Path(path)
        self.backup = backup
        fd, self.tmp = temp_beside(self.path)
        os.close(fd)
        self.writer = None

    def write(self, r: TaskResult) -> None:
        self.write_table(table_from_ipc(r.out))

    def write_table(self, table) -> None:
        import pyarrow.parquet as pq

        if self.writer is None:
            self.writer = pq.ParquetWriter(self.tmp, table.schema)
        self.writer.write_table(table)

    def commit(self) -> None:
        if self.writer is None:
            raise InputError(str(self.path), "no Parquet data to write")
        self.writer.close()
        with open(self.tmp, "rb") as f:
            os.fsync(f.fileno())
        replace(self.tmp, self.path, backup=self.backup)

    def discard(self) -> None:
        if self.writer is not None:
            try:
                self.writer.close()
            except Exception:
                pass
        _unlink(self.tmp)


def writer_for(kind: str, path: str | Path, *, backup: str | None = None):
    return ParquetFileWriter(path, backup=backup) if kind == "parquet" else FileWriter(path, backup=backup)
