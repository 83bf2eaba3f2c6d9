"""Translation model packages (Argos Translate ``.argosmodel`` files), offline.

mtclean keeps its models in its own directory, never in argostranslate's default
places under the user's home:

- ``$MTCLEAN_HOME`` when set, otherwise the user data directory
  (``$XDG_DATA_HOME/mtclean`` or ``~/.local/share/mtclean`` on Linux,
  ``~/Library/Application Support/mtclean`` on macOS, ``%LOCALAPPDATA%\\mtclean`` on Windows);
- models in ``<home>/models`` (or the stage option ``models_dir``), one directory per
  package, the layout argostranslate itself uses;
- argostranslate's data, cache and config directories in ``<home>/argos``.

Nothing here downloads anything: packages are installed from local files only
(:func:`install_package`), after the archive is checked member by member.
Listing and installing do not import argostranslate; only :class:`ArgosTranslator`
does (it loads torch, stanza and ctranslate2, which takes seconds).

>>> code_ok("el"), code_ok("../x")
(True, False)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import sys
import tempfile
import threading
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from mtclean.pipeline.errors import MtcleanError

ENV_HOME = "MTCLEAN_HOME"
EXTRA_INSTALL = "pip install 'mtclean[translate]'"
MODEL_INSTALL = "mtclean models install FILE.argosmodel"

# ISO 639-1/2/3 codes, with the script/region suffix some packages use (zh-Hant);
# also keeps codes safe to show and to use in file names.
_CODE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?$")
_PACKAGE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$")


class ModelError(MtcleanError):
    """A model package that cannot be installed or used."""


@dataclass(frozen=True)
class ArchiveLimits:
    """Limits checked before anything is extracted (real packages: ~10 files, 30-300 MB)."""

    max_members: int = 2_000
    max_file_bytes: int = 2 * 1024**3
    max_total_bytes: int = 4 * 1024**3
    max_metadata_bytes: int = 1024**2


@dataclass(frozen=True)
class ModelPackage:
    """An installed package (a directory in the models dir with a metadata.json)."""

    name: str
    path: Path
    from_code: str
    to_code: str
    version: str
    argos_version: str = ""
    from_name: str = ""
    to_name: str = ""
    type: str = "translate"
    sbd: str = ""  # "minisbd", "stanza", "spacy" or "" (no sentence splitter shipped)

    @property
    def pair(self) -> str:
        return f"{self.from_code}->{self.to_code}"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "from_code": self.from_code, "to_code": self.to_code,
                "version": self.version, "argos_version": self.argos_version, "type": self.type,
                "sbd": self.sbd, "path": str(self.path)}


def code_ok(code: Any) -> bool:
    return isinstance(code, str) and bool(_CODE.match(code))


# -- directories -----------------------------------------------------------------------

# Per kind of user directory: (XDG variable, its default under the home directory,
# the folder under ~/Library on macOS, the sub-folder under %LOCALAPPDATA%\<app> on Windows).
_USER_DIRS = {
    "data": ("XDG_DATA_HOME", (".local", "share"), "Application Support", ()),
    "cache": ("XDG_CACHE_HOME", (".cache",), "Caches", ("Cache",)),
}


def user_dir(kind: str, app: str = "mtclean") -> Path:
    """The per-user ``data`` or ``cache`` directory, as platformdirs would give it (stdlib only)."""
    xdg, default, mac, win = _USER_DIRS[kind]
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base, app, *win)
    if sys.platform == "darwin":
        return Path.home() / "Library" / mac / app
    base = os.environ.get(xdg, "").strip()
    return (Path(base) if base else Path.home().joinpath(*default)) / app


def user_data_dir(app: str = "mtclean") -> Path:
    return user_dir("data", app)


def mtclean_home() -> Path:
    env = os.environ.get(ENV_HOME, "").strip()
    return Path(env).expanduser() if env else user_data_dir()


def models_dir(configured: str | os.PathLike[str] | None = None) -> Path:
    """Where packages are installed: *configured* (stage option ``models_dir``) or ``<home>/models``."""
    return Path(configured).expanduser() if configured else mtclean_home() / "models"


def argos_state_dir() -> Path:
    return mtclean_home() / "argos"


# -- listing ---------------------------------------------------------------------------

def read_package(path: Path) -> ModelPackage:
    meta_path = path / "metadata.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path}: not a model package (no metadata.json)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{meta_path}: unreadable metadata ({exc})") from None
    _check_metadata(meta, str(meta_path))
    sbd = next((d for d in ("minisbd", "stanza", "spacy") if (path / d).is_dir()), "")
    return ModelPackage(
        name=path.name, path=path, from_code=meta["from_code"], to_code=meta["to_code"],
        version=str(meta.get("package_version", "")), argos_version=str(meta.get("argos_version", "")),
        from_name=str(meta.get("from_name", "")), to_name=str(meta.get("to_name", "")),
        type=str(meta.get("type", "translate")), sbd=sbd,
    )


def installed_packages(directory: str | os.PathLike[str] | None = None) -> list[ModelPackage]:
    """Installed packages, sorted by pair then name. Broken directories are skipped."""
    root = models_dir(directory)
    if not root.is_dir():
        return []
    out = []
    for path in sorted(root.iterdir()):
        if path.name.startswith(".") or not path.is_dir():
            continue  # install/removal scratch directories are hidden
        try:
            out.append(read_package(path))
        except ModelError:
            continue
    return sorted(out, key=lambda p: (p.from_code, p.to_code, p.name))


def find_package(from_code: str, to_code: str, directory: str | os.PathLike[str] | None = None) -> ModelPackage | None:
    """The installed translate package for the pair (highest version when there are several)."""
    found = [p for p in installed_packages(directory)
             if p.type == "translate" and p.from_code == from_code and p.to_code == to_code]
    return max(found, key=lambda p: (_version_key(p.version), p.name), default=None)


def _version_key(version: str) -> tuple:
    return tuple((0, int(x), "") if x.isdigit() else (1, 0, x) for x in re.split(r"[.\-+]", version))


# -- installing ------------------------------------------------------------------------

@dataclass(frozen=True)
class ArchivePlan:
    """A checked archive: its one top-level directory, metadata and members to extract."""

    name: str
    metadata: dict[str, Any]
    members: tuple[zipfile.ZipInfo, ...]


def check_archive(path: str | os.PathLike[str], *, limits: ArchiveLimits = ArchiveLimits()) -> ArchivePlan:
    """Check a ``.argosmodel`` zip without extracting it; raise :class:`ModelError` on the first problem."""
    src = Path(path)
    if not src.is_file():
        raise ModelError(f"{src}: no such file")
    try:
        zf = zipfile.ZipFile(src)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelError(f"{src}: not a valid .argosmodel (zip) archive: {exc}") from None
    with zf:
        infos = zf.infolist()
        if not infos:
            raise ModelError(f"{src}: empty archive")
        if len(infos) > limits.max_members:
            raise ModelError(f"{src}: too many members ({len(infos)} > {limits.max_members})")
        total = 0
        tops: set[str] = set()
        seen: set[str] = set()
        for info in infos:
            parts = _safe_parts(src, info.filename)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise ModelError(f"{src}: member {info.filename!r} is a symbolic link")
            if mode and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)) and stat.S_IFMT(mode):
                raise ModelError(f"{src}: member {info.filename!r} is not a regular file")
            if info.flag_bits & 0x1:
                raise ModelError(f"{src}: member {info.filename!r} is encrypted")
            key = "/".join(parts).lower()
            if key in seen and not info.is_dir():
                raise ModelError(f"{src}: member {info.filename!r} appears twice")
            seen.add(key)
            if info.file_size > limits.max_file_bytes:
                raise ModelError(f"{src}: member {info.filename!r} is too large "
                                 f"({info.file_size} > {limits.max_file_bytes} bytes)")
            total += info.file_size
            if total > limits.max_total_bytes:
                raise ModelError(f"{src}: archive too large when extracted (> {limits.max_total_bytes} bytes)")
            if len(parts) == 1 and not info.is_dir():
                raise ModelError(f"{src}: file {info.filename!r} outside the package directory")
            tops.add(parts[0])
        if len(tops) != 1:
            raise ModelError(f"{src}: expected one top-level package directory, found {len(tops)}")
        name = tops.pop()
        if not _PACKAGE_NAME.match(name):
            raise ModelError(f"{src}: bad package directory name {name!r}")
        files = {"/".join(_safe_parts(src, i.filename)[1:]) for i in infos if not i.is_dir()}
        if "metadata.json" not in files:
            raise ModelError(f"{src}: metadata.json missing from {name}/")
        meta_info = zf.getinfo(next(i.filename for i in infos
                                    if "/".join(_safe_parts(src, i.filename)[1:]) == "metadata.json"))
        if meta_info.file_size > limits.max_metadata_bytes:
            raise ModelError(f"{src}: metadata.json too large")
        try:
            metadata = json.loads(zf.read(meta_info).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, zipfile.BadZipFile, OSError, RuntimeError) as exc:
            raise ModelError(f"{src}: metadata.json is not valid JSON: {exc}") from None
        _check_metadata(metadata, f"{src}: metadata.json")
        if metadata.get("type", "translate") == "translate":
            if "model/model.bin" not in files:
                raise ModelError(f"{src}: translate package without model/model.bin")
            if not files & {"sentencepiece.model", "bpe.model"}:
                raise ModelError(f"{src}: translate package without sentencepiece.model or bpe.model")
        return ArchivePlan(name, metadata, tuple(infos))


def _safe_parts(src: Path, name: str) -> list[str]:
    if "\x00" in name or "\\" in name:
        raise ModelError(f"{src}: member name {name!r} has a backslash or NUL")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise ModelError(f"{src}: member {name!r} has an absolute path")
    parts = [p for p in PurePosixPath(name).parts if p not in ("", ".")]
    if not parts:
        raise ModelError(f"{src}: member with an empty name")
    if ".." in parts:
        raise ModelError(f"{src}: member {name!r} points outside the package (..)")
    return parts


def _check_metadata(meta: Any, where: str) -> None:
    if not isinstance(meta, dict):
        raise ModelError(f"{where}: metadata must be a JSON object")
    for key in ("from_code", "to_code"):
        if not code_ok(meta.get(key)):
            raise ModelError(f"{where}: {key} must be an ISO 639 language code, not {meta.get(key)!r}")
    if meta["from_code"] == meta["to_code"]:
        raise ModelError(f"{where}: from_code and to_code are both {meta['from_code']!r}")
    for key in ("package_version", "argos_version", "from_name", "to_name", "type"):
        if key in meta and not isinstance(meta[key], str):
            raise ModelError(f"{where}: {key} must be a string")


_install_lock = threading.Lock()


def install_package(
    path: str | os.PathLike[str],
    directory: str | os.PathLike[str] | None = None,
    *,
    replace: bool = False,
    limits: ArchiveLimits = ArchiveLimits(),
) -> ModelPackage:
    """Check and install a ``.argosmodel`` file into the models directory, atomically.

    The archive is extracted into a hidden scratch directory next to the installed
    packages and renamed into place only when complete, so a failed install leaves
    nothing behind. A package directory that already exists is replaced only with
    ``replace=True`` and only when it holds the same language pair.
    """
    plan = check_archive(path, limits=limits)
    root = models_dir(directory)
    root.mkdir(parents=True, exist_ok=True)
    target = root / plan.name
    with _install_lock:
        if target.exists():
            _check_replaceable(target, plan, replace)
        scratch = Path(tempfile.mkdtemp(prefix=f".install-{plan.name}-", dir=root))
        os.chmod(scratch, 0o755)  # mkdtemp makes it private; the package should read like any install
        try:
            _extract(Path(path), plan, scratch, limits)
            read_package(scratch)  # the extracted metadata must read back
            if target.exists():
                old = Path(tempfile.mkdtemp(prefix=f".old-{plan.name}-", dir=root))
                os.replace(target, old / plan.name)
                try:
                    os.replace(scratch, target)
                except OSError:
                    os.replace(old / plan.name, target)  # put the old package back
                    raise
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(scratch, target)
        except OSError as exc:
            raise ModelError(f"cannot install {plan.name} into {root}: {exc}") from None
        finally:
            if scratch.exists():
                shutil.rmtree(scratch, ignore_errors=True)
    return read_package(target)


def _check_replaceable(target: Path, plan: ArchivePlan, replace: bool) -> None:
    try:
        existing = read_package(target)
    except ModelError:
        raise ModelError(f"{target} exists and is not a model package; refusing to overwrite it") from None
    if (existing.from_code, existing.to_code) != (plan.metadata["from_code"], plan.metadata["to_code"]):
        raise ModelError(f"{target} belongs to another package ({existing.pair}); refusing to overwrite it")
    if not replace:
        raise ModelError(f"{plan.name} is already installed (version {existing.version or '?'})",
                         hint="use --force to replace it")


def _extract(src: Path, plan: ArchivePlan, dest: Path, limits: ArchiveLimits) -> None:
    total = 0
    with zipfile.ZipFile(src) as zf:
        for info in plan.members:
            rel = _safe_parts(src, info.filename)[1:]
            if not rel:
                continue
            out = dest.joinpath(*rel)
            if info.is_dir():
                out.mkdir(parents=True, exist_ok=True)
                continue
            out.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            try:
                with zf.open(info) as fin, open(out, "xb") as fout:
                    # Count real bytes: the sizes in the zip directory can lie.
                    while chunk := fin.read(1 << 20):
                        written += len(chunk)
                        total += len(chunk)
                        if written > limits.max_file_bytes or total > limits.max_total_bytes:
                            raise ModelError(f"{src}: {info.filename!r} expands beyond the size limit")
                        fout.write(chunk)
            except (zipfile.BadZipFile, EOFError, RuntimeError, zlib.error) as exc:
                raise ModelError(f"{src}: corrupt member {info.filename!r}: {exc}") from None
            except FileExistsError:
                raise ModelError(f"{src}: member {info.filename!r} appears twice") from None


def remove_package(name: str, directory: str | os.PathLike[str] | None = None) -> ModelPackage:
    root = models_dir(directory)
    if not _PACKAGE_NAME.match(name):
        raise ModelError(f"bad package name {name!r}")
    target = root / name
    package = read_package(target) if target.is_dir() else None
    if package is None:
        raise ModelError(f"no package {name!r} in {root}")
    trash = Path(tempfile.mkdtemp(prefix=f".old-{name}-", dir=root))
    os.replace(target, trash / name)
    shutil.rmtree(trash, ignore_errors=True)
    return package


# -- argostranslate, lazily and offline ------------------------------------------------

_argos_lock = threading.Lock()


def argos_available() -> bool:
    from importlib.util import find_spec

    return find_spec("argostranslate") is not None


def import_argostranslate(directory: str | os.PathLike[str] | None = None):
    """Import argostranslate with its directories pointed into mtclean's home.

    argostranslate reads its settings once, at import: the environment is set for
    the import only and restored afterwards. The user's own argostranslate
    settings.json is not read (its config directory is ours too), and the sentence
    splitter is pinned to the one shipped in the package, so nothing is downloaded.
    """
    with _argos_lock:
        if "argostranslate.translate" in sys.modules:
            return sys.modules["argostranslate.translate"]
        state = argos_state_dir()
        env = {
            "XDG_DATA_HOME": str(state / "data"),
            "XDG_CACHE_HOME": str(state / "cache"),
            "XDG_CONFIG_HOME": str(state / "config"),
            "ARGOS_PACKAGES_DIR": str(models_dir(directory)),
            "ARGOS_CHUNK_TYPE": "ARGOSTRANSLATE",  # SPACY would download a spaCy model at import
            "ARGOS_MODEL_PROVIDER": "OPENNMT",  # the others are web APIs
            "ARGOS_PACKAGE_INDEX": "http://127.0.0.1:9/",  # never used; harmless if something tries
        }
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            import argostranslate.translate as argos_translate
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        return argos_translate


def argos_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("argostranslate")
    except PackageNotFoundError:
        return ""


class ArgosTranslator:
    """One installed package, translating through argostranslate's own code path.

    Sentence splitting uses what the package ships: its MiniSBD ONNX model, or its
    stanza tokenizer loaded with ``download_method=None``. A package that ships
    neither is translated as one sentence per call (fragments are short) instead of
    letting MiniSBD fetch a model.
    """

    def __init__(self, package: ModelPackage, *, num_hypotheses: int = 1):
        self.package = package
        self.num_hypotheses = num_hypotheses
        argos_translate = import_argostranslate(package.path.parent)
        from argostranslate import package as argos_package
        from argostranslate import sbd

        pkg = argos_package.Package(package.path)
        self._translation = argos_translate.PackageTranslation(
            argos_translate.Language(package.from_code, package.from_name or package.from_code),
            argos_translate.Language(package.to_code, package.to_name or package.to_code),
            pkg,
        )
        sentencizer = self._translation.sentencizer
        if isinstance(sentencizer, sbd.StanzaSentencizer):
            import stanza

            sentencizer.stanza_pipeline = stanza.Pipeline(
                lang=sentencizer.stanza_lang_code, dir=str(package.path / "stanza"), processors="tokenize",
                use_gpu=False, logging_level="WARNING", download_method=None,
            )
        elif isinstance(sentencizer, sbd.MiniSBDSentencizer) and not Path(str(sentencizer.lang)).is_file():
            self._translation.sentencizer = _WholeText()

    def translate(self, text: str) -> str:
        return self._translation.hypotheses(text, num_hypotheses=self.num_hypotheses)[0].value

    @property
    def evidence(self) -> dict[str, str]:
        return {"package": self.package.name, "package_version": self.package.version,
                "argostranslate": argos_version()}


class _WholeText:
    """Sentence 'splitter' for packages without one: the fragment is one sentence."""

    def split_sentences(self, text: str) -> list[str]:
        return [text]
