"""Reading inputs and writing outputs without losing a byte.

Text files keep their BOM and CRLF line endings: both are taken off on reading
(so stages see plain ``\\n`` text) and put back on writing. Every write is atomic
(temporary file in the same directory, then ``os.replace``), so a failed or
interrupted run never leaves a half-written or missing file.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterable, Iterator

from mtclean.pipeline.errors import InputError, OutputError

BINARY_SNIFF = 8192
DEFAULT_GLOBS = ("*.txt", "*.md", "*.markdown", "*.jsonl", "*.ndjson")
JSONL_SUFFIXES = {".jsonl", ".ndjson"}


@dataclass(frozen=True, slots=True)
class TextFormat:
    """How a text was stored, so it can be written back the same way."""

    bom: bool = False
    newline: str = "\n"
    replaced_bytes: int = 0  # invalid bytes replaced under --errors replace


def decode(data: bytes, source: str, *, errors: str = "strict") -> tuple[str, TextFormat]:
    """Decode UTF-8 *data*; raise :class:`InputError` naming the byte offset of bad input."""
    if b"\x00" in data[:BINARY_SNIFF]:
        raise InputError(source, "looks like a binary file (NUL bytes); skipped",
                         hint="mtclean cleans UTF-8 text, Markdown and JSON Lines")
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8):]
    replaced = 0
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if errors != "replace":
            raise InputError(
                source,
                f"invalid UTF-8 ({exc.reason})",
                position=f"byte {exc.start + (3 if bom else 0)}",
                hint="fix the file or run with --errors replace",
            ) from None
        text = data.decode("utf-8", errors="replace")
        replaced = text.count("\ufffd") - data.decode("utf-8", errors="ignore").count("\ufffd")
    newline = "\n"
    crlf = text.count("\r\n")
    if crlf and crlf == text.count("\n"):
        newline = "\r\n"
        text = text.replace("\r\n", "\n")
    return text, TextFormat(bom=bom, newline=newline, replaced_bytes=replaced)


def encode(text: str, fmt: TextFormat = TextFormat()) -> bytes:
    if fmt.newline != "\n":
        text = text.replace("\n", fmt.newline)
    data = text.encode("utf-8", "surrogatepass")
    return codecs.BOM_UTF8 + data if fmt.bom else data


@contextmanager
def _reading(path: str):
    """Turn the usual reasons a file cannot be read into one-line input errors."""
    try:
        yield
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory", hint="pass files, or a directory with --glob") from None
    except PermissionError:
        raise InputError(path, "permission denied") from None


def read_bytes(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with _reading(path):
        return Path(path).read_bytes()


def check_readable(path: str) -> None:
    """Raise :class:`InputError` now, before a run starts, if *path* cannot be read."""
    with _reading(path), open(path, "rb"):
        pass


TEMP_SUFFIX = ".mtclean-tmp"
_TEMP_TAIL = re.compile(r"(\d+)\.[A-Za-z0-9_]{8}\.mtclean-tmp")


def temp_beside(path: Path, *, error: type[Exception] = InputError) -> tuple[int, str]:
    """A temporary file in *path*'s directory (so the final rename stays on one file system).

    Its name, ``.NAME.PID.XXXX.mtclean-tmp``, says which process writes it: the temporary
    files of *path* left by a process that is gone (killed mid-write) are removed first.
    """
    parent = path.parent if str(path.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(parent, path.name)
        return tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=TEMP_SUFFIX, dir=parent)
    except OSError as exc:
        raise error(str(path), f"cannot write output: {exc.strerror or exc}") from None


LOCK_NAME = ".mtclean-lock"


@contextmanager
def write_lock(path: str | Path, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the lock for writing *path* (a file, or a directory of outputs) for a whole run.

    The lock is ``.NAME.mtclean-lock`` beside *path* (whether or not it exists yet, so every
    run finds the same one), held with ``flock`` and removed on release. A second run that
    wants it waits up to *wait* seconds, then stops with :class:`OutputError` naming the run
    that holds it; nothing of the first is touched.
    """
    try:
        import fcntl
    except ImportError:  # no flock (Windows): runs are not kept apart
        yield
        return
    path = Path(path)
    real = path.resolve()
    lock = real.parent / f".{real.name}{LOCK_NAME}" if real.name else real / LOCK_NAME
    deadline = time.monotonic() + wait
    while True:
        try:
            lock.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except FileExistsError:
            raise OutputError(str(path), f"cannot write: {lock.parent} is not a directory") from None
        except OSError as exc:
            raise OutputError(str(path), f"cannot write: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            if time.monotonic() < deadline:
                time.sleep(0.05)
                continue
            raise OutputError(str(path), f"another mtclean run (pid {holder}) is writing it",
                              hint="wait for that run to finish") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the holder removed this lock file as we opened it: take the new one
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        yield
    finally:
        unlink_quietly(lock)  # before unlocking: a run that opens it after this takes a new file
        os.close(fd)


def remove_stale_temps(parent: Path, name: str) -> None:
    """Remove ``parent/.NAME.PID.*.mtclean-tmp`` files whose process no longer runs."""
    prefix = f".{name}."
    try:
        candidates = [e for e in os.scandir(parent) if e.name.startswith(prefix) and e.name.endswith(TEMP_SUFFIX)]
    except OSError:
        return
    for e in candidates:
        m = _TEMP_TAIL.fullmatch(e.name, len(prefix))  # PID.XXXXXXXX.mtclean-tmp, nothing else
        if m and not _alive(int(m.group(1))):
            unlink_quietly(e.path)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process: alive
    return True


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


def replace(tmp: str, path: Path, *, backup: str | None = None, error: type[Exception] = InputError) -> None:
    """Rename the finished *tmp* over *path*, keeping the old file's mode (and a hard-linked backup)."""
    try:
        if not path.exists():
            os.chmod(tmp, 0o666 & ~_umask())  # as a plain open() would have made it
        else:
            st = path.stat()
            os.chmod(tmp, stat.S_IMODE(st.st_mode))
            _keep_owner_and_xattrs(path, tmp, st)
            if backup:
                # A hard link keeps the original bytes under the backup name
                # without a window where neither name holds them.
                bak = path.with_name(path.name + backup)
                if bak.exists():
                    bak.unlink()
                os.link(path, bak)
        os.replace(tmp, path)
        fsync_dir(path.parent if str(path.parent) else Path("."))
    except OSError as exc:
        unlink_quietly(tmp)
        raise error(str(path), f"cannot write output: {exc.strerror or exc}") from None


def _keep_owner_and_xattrs(path: Path, tmp: str, st: os.stat_result) -> None:
    """Give the new file the old one's owner, group and extended attributes (ACLs live there),
    where this user may; what a rename cannot keep is the file's other hard links."""
    if (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()):
        try:
            os.chown(tmp, st.st_uid, st.st_gid)
        except OSError:
            try:
                os.chown(tmp, -1, st.st_gid)  # a member of the file's group may keep at least that
            except OSError:
                pass
    if hasattr(os, "listxattr"):
        try:
            names = os.listxattr(path)
        except OSError:
            return
        for name in names:
            try:
                os.setxattr(tmp, name, os.getxattr(path, name))
            except OSError:
                pass


def atomic_write(path: str | Path, data: bytes, *, backup: str | None = None) -> None:
    """Write *data* to *path* atomically; keep the old file's mode; optionally keep a backup copy."""
    out = AtomicFile(path, backup=backup)
    out.write(data)  # (a failed write or commit discards the temporary file itself)
    out.commit()


def _mode(path: Path) -> int | None:
    try:
        return path.stat().st_mode
    except OSError:
        return None


def _special(mode: int | None) -> bool:
    return mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def is_special(path: Path) -> bool:
    """Whether *path* is a device, FIFO or socket (``/dev/null``, a named pipe): written into, never replaced."""
    return _special(_mode(path))


def write_all(f: IO[bytes], data: bytes, target: str, error: type[Exception] = InputError) -> None:
    """``f.write(data)``; a failure (a full disk, an I/O error) is one line naming *target*.

    Every byte mtclean writes to a file or standard output goes through here (or
    :func:`finish`), so a fault test can make each write fail in turn.
    """
    try:
        f.write(data)
    except OSError as exc:
        raise error(target, f"cannot write: {exc.strerror or exc}") from None


def finish(f: IO[bytes], target: str, *, sync: bool = True, error: type[Exception] = InputError) -> None:
    """Flush (and fsync) *f* and close it; a failure is one line naming *target*."""
    try:
        try:
            f.flush()
            if sync:
                os.fsync(f.fileno())
        finally:
            f.close()
    except OSError as exc:
        raise error(target, f"cannot write: {exc.strerror or exc}") from None


class AtomicFile:
    """A file written whole or not at all: bytes go to a temporary file beside *path*, and
    :meth:`commit` renames it over *path* (mode kept, optional hard-linked backup). A device,
    FIFO or socket (``--report /dev/null``) is written into directly, never replaced.
    :meth:`discard` removes the temporary file; any write failure discards it and raises
    *error* (``InputError``: the run goes on with other inputs; ``OutputError``: it stops)."""

    def __init__(self, path: str | Path, *, backup: str | None = None, error: type[Exception] = InputError):
        self.path = Path(path)
        if self.path.is_symlink():
            # Written through to the file the link names: the link stays a link (as `>` does).
            self.path = Path(os.path.realpath(self.path))
        self.backup = backup
        self.error = error
        self.tmp: str | None = None
        mode = _mode(self.path)
        if mode is not None and stat.S_ISREG(mode) and not mode & 0o222:
            # A file its owner made read-only (chmod 444) is not replaced, even by root, who may.
            raise error(str(self.path), f"is read-only (mode {stat.S_IMODE(mode):04o}): not replaced",
                        hint="make it writable (chmod u+w) or write elsewhere")
        if _special(mode):
            try:
                self.f: IO[bytes] = open(self.path, "wb")
            except OSError as exc:
                raise error(str(self.path), f"cannot write: {exc.strerror or exc}") from None
        else:
            fd, self.tmp = temp_beside(self.path, error=error)
            self.f = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        try:
            write_all(self.f, data, str(self.path), self.error)
        except BaseException:
            self.discard()
            raise

    def commit(self) -> None:
        try:
            finish(self.f, str(self.path), sync=self.tmp is not None, error=self.error)
        except BaseException:
            self.discard()
            raise
        if self.tmp is not None:
            replace(self.tmp, self.path, backup=self.backup, error=self.error)
            self.tmp = None

    def discard(self) -> None:
        if not self.f.closed:
            try:
                self.f.close()
            except OSError:
                pass
        if self.tmp is not None:
            unlink_quietly(self.tmp)
            self.tmp = None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def unlink_quietly(p: str | Path) -> None:
    try:
        os.unlink(p)
    except FileNotFoundError:
        pass


def is_jsonl(path: str) -> bool:
    return Path(path).suffix.lower() in JSONL_SUFFIXES


def expand_inputs(paths: list[str], globs: tuple[str, ...] = ()) -> Iterator[tuple[str, str | None]]:
    """Yield ``(file, base_dir)`` for each input; directories are searched recursively.

    *base_dir* is the directory argument a file was found under (None for files
    named directly), so outputs can mirror the tree.
    """
    for p in paths:
        if p == "-":
            yield p, None
            continue
        path = Path(p)
        if path.is_dir():
            found: set[Path] = set()
            for pattern in globs or DEFAULT_GLOBS:
                try:
                    found.update(f for f in path.rglob(pattern) if f.is_file() and not _hidden(f, path))
                except (ValueError, NotImplementedError) as exc:  # `/abs/*.txt`, `a/**b`
                    raise InputError(p, f"--glob {pattern!r} is not a pattern of file names below it ({exc})",
                                     hint="e.g. --glob '*.txt' or --glob 'news/**/*.md'") from None
            for f in sorted(found):
                yield str(f), p
        else:
            yield p, None


def _hidden(f: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in f.relative_to(root).parts)


@dataclass(slots=True)
class JsonLine:
    lineno: int
    raw: str  # the line as read, without its line break
    obj: dict | None
    error: str | None = None


def iter_jsonl(text: str, source: str) -> Iterator[JsonLine]:
    """Parse JSON Lines; bad lines come back with ``error`` set (and are kept, never dropped)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final line break ends the last line; it opens no new one
    for lineno, raw in enumerate(lines, start=1):
        if not raw.strip():
            yield JsonLine(lineno, raw, None, None)  # blank lines pass through as they are
            continue
        obj, problem = json_object(raw)
        yield JsonLine(lineno, raw, obj, problem)


def json_object(line: str) -> tuple[dict | None, str | None]:
    """A JSON Lines line as its object, or None and what is wrong with it."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON at column {exc.colno}: {exc.msg}"
    except RecursionError:  # valid JSON, but nested deeper than Python's parser goes (~1,000 levels)
        return None, "JSON nested too deeply to read"
    return (obj, None) if isinstance(obj, dict) else (None, "not a JSON object")


@dataclass(slots=True)
class TextRecord:
    """A text to read: a whole text file (``line`` None), or the text field of one JSON Lines record."""

    source: str
    line: int | None
    text: str | None  # None when the record has none (see ``problem``)
    problem: str | None = None

    @property
    def where(self) -> str:
        return self.source if self.line is None else f"{self.source}:line {self.line}"


def iter_texts(src: str, name: str, *, field: str = "text", errors: str = "strict",
               input_format: str = "auto") -> Iterator[TextRecord]:
    """The texts of one input, for commands that read rather than rewrite (``detect``, ``glossary suggest``).

    A text file (or standard input) is one text. A JSON Lines file gives the string *field* of
    each record; a line that is not a JSON object with that field comes back with its problem
    set, and the lines after it still come. Raises :class:`InputError` when the file itself
    cannot be read or decoded. *input_format* ``text`` or ``jsonl`` overrides the file name's
    suffix (standard input is text unless told).
    """
    text, _fmt = decode(read_bytes(src), name, errors=errors)
    jsonl = input_format == "jsonl" or (input_format == "auto" and src != "-" and is_jsonl(src))
    if not jsonl:
        yield TextRecord(name, None, text)
        return
    for line in iter_jsonl(text, name):
        if line.error is not None:
            yield TextRecord(name, line.lineno, None, line.error)
            continue
        if line.obj is None:
            continue  # a blank line
        value = line.obj.get(field)
        if isinstance(value, str):
            yield TextRecord(name, line.lineno, value)
        elif value is None:
            yield TextRecord(name, line.lineno, None, f"no field {field!r} (see --field)")
        else:
            yield TextRecord(name, line.lineno, None, f"field {field!r} is not a string")


def problem_lines(records: Iterable[TextRecord]) -> list[str]:
    """What was wrong with an input's unreadable records, one line per distinct problem.

    ``FILE:line N: problem`` for a single record, ``FILE: K records (first at line N):
    problem`` for several alike: a wrong ``--field`` is one line, not one per record.
    """
    alike: dict[str, list[TextRecord]] = {}
    for record in records:
        if record.text is None:
            alike.setdefault(record.problem or "unreadable", []).append(record)
    return [f"{group[0].where}: {problem}" if len(group) == 1 else
            f"{group[0].source}: {len(group)} records (first at line {group[0].line}): {problem}"
            for problem, group in alike.items()]


def write_stdout(data: bytes, stream: IO[bytes] | None = None) -> None:
    """Write *data* to standard output and flush it; a short write stops the run with one line."""
    out = stream or sys.stdout.buffer
    try:
        write_all(out, data, "standard output", OutputError)
        out.flush()
    except (OSError, OutputError) as exc:
        if stream is None:
            _silence_stdout()  # or Python's own flush at exit reports the same failure again
        if isinstance(exc, OutputError):
            raise
        raise OutputError("standard output", f"cannot write: {exc.strerror or exc}") from None


def _silence_stdout() -> None:
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)
    except (OSError, ValueError):
        pass
