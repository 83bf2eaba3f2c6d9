"""Where cleaned output goes, written as results stream in.

Every file is written to a temporary name in its own directory and renamed over
the target only when complete (after fsync), so a killed run never leaves a half
written output. Byte outputs (text, JSON Lines) and Parquet outputs share one
small interface: ``write(result)``, then ``commit()`` or ``discard()``.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import IO

from mtclean.pipeline.errors import InputError
from mtclean.pipeline.work import TaskResult, table_from_ipc


def temp_beside(path: Path) -> tuple[int, str]:
    parent = path.parent if str(path.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(prefix=f".{path.name}.", suffix=".mtclean-tmp", dir=parent)
    except OSError as exc:
        raise InputError(str(path), f"cannot write output: {exc.strerror or exc}") from None


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def replace(tmp: str, path: Path, *, backup: str | None = None) -> None:
    """Rename *tmp* over *path*, keeping the old file's mode (and a hard-linked backup)."""
    try:
        if not path.exists():
            os.chmod(tmp, 0o666 & ~_umask())  # as a plain open() would have made it
        else:
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
            if backup:
                bak = path.with_name(path.name + backup)
                if bak.exists():
                    bak.unlink()
                os.link(path, bak)
        os.replace(tmp, path)
        fsync_dir(path.parent if str(path.parent) else Path("."))
    except OSError as exc:
        _unlink(tmp)
        raise InputError(str(path), f"cannot write output: {exc.strerror or exc}") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _unlink(p: str | Path) -> None:
    try:
        os.unlink(p)
    except FileNotFoundError:
        pass


class FileWriter:
    """Bytes to a temporary file beside *path*; ``commit()`` renames it into place."""

    def __init__(self, path: str | Path, *, backup: str | None = None):
        self.path = Path(path)
        self.backup = backup
        fd, self.tmp = temp_beside(self.path)
        self.f: IO[bytes] = os.fdopen(fd, "wb")

    def write(self, r: TaskResult) -> None:
        self.write_bytes(r.out or b"")

    def write_bytes(self, data: bytes) -> None:
        try:
            self.f.write(data)
        except OSError as exc:
            self.discard()
            raise InputError(str(self.path), f"cannot write output: {exc.strerror or exc}") from None

    def commit(self) -> None:
        try:
            self.f.flush()
            os.fsync(self.f.fileno())
        finally:
            self.f.close()
        replace(self.tmp, self.path, backup=self.backup)

    def discard(self) -> None:
        if not self.f.closed:
            self.f.close()
        _unlink(self.tmp)


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
