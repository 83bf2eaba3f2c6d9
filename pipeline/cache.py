"""A per-user cache of resources built from data files: glossaries, name matchers, language profiles.

Building these takes a few tenths of a second per process (parsing TOML,
indexing every glossary word's deletes for near-miss lookups, reading
langdetect's 55 profiles), paid by every ``mtclean`` run and by every worker
of a parallel one. The result depends only on the files it was built from and
on the code that built it, so it is kept on disk under a key made of both:

- the key is a SHA-256 of what the caller names: the data files' contents, the
  options, and the source files of the code that builds the resource (and of
  the classes it holds), with Python's version. An edited glossary, an upgrade
  or a changed module never reads a stale entry: it builds and writes a new one;
- entries are written to a temporary file and renamed into place, so a reader
  sees a whole entry or none, whatever runs at the same time;
- anything that goes wrong (an unwritable directory, a truncated or foreign
  file) costs only the cache: the resource is built as if there were none;
- old entries of a kind are removed once there are more than ``KEEP`` of them.

Where: ``$MTCLEAN_CACHE_DIR``; else ``$MTCLEAN_HOME/cache`` when ``MTCLEAN_HOME``
is set; else the user cache directory (``$XDG_CACHE_HOME/mtclean`` or
``~/.cache/mtclean`` on Linux). ``MTCLEAN_CACHE=off`` turns it off.

Entries are pickles (only numpy's ``.npz`` for the language profiles, read with
``allow_pickle=False``): like any per-user cache, the directory must be writable
by its user only.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterable, TypeVar

T = TypeVar("T")

ENV_DIR = "MTCLEAN_CACHE_DIR"
ENV_SWITCH = "MTCLEAN_CACHE"
KEEP = 8  # entries per kind


def cache_dir() -> Path | None:
    """Where entries go, or None when the cache is off."""
    if os.environ.get(ENV_SWITCH, "").strip().lower() in ("0", "off", "no", "false"):
        return None
    explicit = os.environ.get(ENV_DIR, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    from mtclean.pipeline.models import ENV_HOME, mtclean_home, user_dir

    try:
        if os.environ.get(ENV_HOME, "").strip():
            return mtclean_home() / "cache"
        return user_dir("cache")
    except (RuntimeError, OSError, KeyError):  # no home directory to be found: no cache
        return None


def key(*parts: bytes | str) -> str:
    """The hex key of *parts* and this Python's version."""
    h = hashlib.sha256()
    for part in (sys.version, *parts):
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))  # length-prefixed: ("ab", "c") is not ("a", "bc")
        h.update(data)
    return h.hexdigest()


def file_parts(paths: Iterable[Path]) -> list[bytes]:
    """Key parts for the contents of *paths* (names and bytes, in order)."""
    out: list[bytes] = []
    for p in paths:
        out += [str(p).encode("utf-8", "surrogatepass"), Path(p).read_bytes()]
    return out


def cached(kind: str, parts: Iterable[bytes | str], build: Callable[[], T], *,
           read: Callable[[Path], T] | None = None, write: Callable[[T, Path], None] | None = None,
           suffix: str = ".pickle") -> T:
    """The resource *build* makes, read from the cache when an entry for *kind* and *parts* is there.

    *read* and *write* default to pickle; a reader may raise anything: the entry
    is then ignored (and replaced).
    """
    folder = cache_dir()
    if folder is None:
        return build()
    path = folder / f"{kind}-{key(kind, *parts)[:40]}{suffix}"
    try:
        return (read or _read_pickle)(path)
    except Exception:  # noqa: BLE001 -- missing, truncated, foreign, from another library version: rebuild
        pass
    value = build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{kind}-", suffix=suffix, dir=folder)
        os.close(fd)
        try:
            (write or _write_pickle)(value, Path(tmp))
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        _prune(folder, kind, suffix, keep=path)
    except Exception:  # noqa: BLE001 -- a cache that cannot be written is no cache; the value is good
        pass
    return value


def entries(folder: Path) -> list[Path]:
    """The cache entries in *folder* (the files this module writes, nothing else)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and _ENTRY.fullmatch(p.name))


def clear(folder: Path) -> int:
    """Delete the entries in *folder*; returns how many."""
    found = entries(folder)
    for p in found:
        p.unlink(missing_ok=True)
    return len(found)


# kind-<40 hex digits>.pickle or .npz, as cached() names them, and the temporary files it
# writes them through (.kind-<mkstemp's random part>.pickle): a folder shared with other
# files loses only these.
_ENTRY = re.compile(r"(?:[a-z][a-z0-9-]*-[0-9a-f]{40}|\.[a-z][a-z0-9-]*-[A-Za-z0-9_]+)\.(?:pickle|npz)")


def _read_pickle(path: Path):
    with path.open("rb") as f:
        return pickle.load(f)


def _write_pickle(value, path: Path) -> None:
    with path.open("wb") as f:
        pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)


def _prune(folder: Path, kind: str, suffix: str, *, keep: Path) -> None:
    newest_first = sorted(folder.glob(f"{kind}-*{suffix}"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in newest_first[KEEP:]:
        if old != keep:
            old.unlink(missing_ok=True)
