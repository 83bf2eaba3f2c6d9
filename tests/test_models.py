"""`mtclean models install|list|remove`: archive checks, atomic install, no overwrites.

These tests build small stand-in archives (the layout of a real package, placeholder
weights); the real argostranslate path is in test_translate.py with the tiny model.
"""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mtclean.pipeline import models
from mtclean.pipeline.cli.models import app as models_app

runner = CliRunner()


def meta(from_code="el", to_code="en", version="1.0", **extra) -> bytes:
    return json.dumps({"package_version": version, "argos_version": "1.9", "from_code": from_code,
                       "to_code": to_code, "from_name": "Greek", "to_name": "English", **extra}).encode()


def package_members(name="el_en", **meta_kw) -> dict[str, bytes]:
    return {
        f"{name}/metadata.json": meta(**meta_kw),
        f"{name}/model/model.bin": b"\0" * 64,
        f"{name}/model/config.json": b"{}",
        f"{name}/sentencepiece.model": b"sp",
        f"{name}/README.md": b"readme",
    }


def make_zip(path: Path, members: dict[str, bytes], *, links: dict[str, str] = ()) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            zf.writestr(info, data)
        for name, target in dict(links).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


def cli(*args: str, home: Path):
    return runner.invoke(models_app, list(args), env={"MTCLEAN_HOME": str(home)}, catch_exceptions=False)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file and directory under *root* (hidden scratch directories included)."""
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else b"<dir>") for p in sorted(root.rglob("*"))}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def installed(home: Path, tmp_path: Path) -> Path:
    """A home with one good package installed through the CLI."""
    good = make_zip(tmp_path / "el_en.argosmodel", package_members())
    result = cli("install", str(good), home=home)
    assert result.exit_code == 0, result.output
    return home / "models"


def test_install_and_list(installed: Path, home: Path):
    assert (installed / "el_en" / "model" / "model.bin").read_bytes() == b"\0" * 64
    result = cli("list", home=home)
    assert result.exit_code == 0
    assert result.output.split() == ["el->en", "el_en", "1.0"]
    data = json.loads(cli("list", "--json", home=home).output)
    assert [(p["name"], p["from_code"], p["to_code"], p["version"]) for p in data] == [("el_en", "el", "en", "1.0")]
    assert [p.name for p in installed.iterdir()] == ["el_en"]  # no scratch directory left behind


def test_list_empty_says_how_to_install(home: Path):
    result = cli("list", home=home)
    assert result.exit_code == 0
    assert "no models installed" in result.output and "mtclean models install FILE.argosmodel" in result.output


def test_models_dir_option(tmp_path: Path, home: Path):
    good = make_zip(tmp_path / "p.argosmodel", package_members("ru_en", from_code="ru"))
    custom = tmp_path / "custom"
    assert cli("install", str(good), "--models-dir", str(custom), home=home).exit_code == 0
    assert models.find_package("ru", "en", custom).name == "ru_en"
    assert models.find_package("ru", "en", home / "models") is None


HOSTILE = {
    "zip-slip": ({"el_en/metadata.json": meta(), "el_en/../../evil.txt": b"x"}, "outside the package"),
    "absolute path": ({"el_en/metadata.json": meta(), "/tmp/evil.txt": b"x"}, "absolute path"),
    "drive path": ({"el_en/metadata.json": meta(), "C:/evil.txt": b"x"}, "absolute path"),
    "backslash": ({"el_en/metadata.json": meta(), "el_en\\..\\evil.txt": b"x"}, "backslash"),
    "missing metadata": ({"el_en/model/model.bin": b"0", "el_en/sentencepiece.model": b"s"}, "metadata.json missing"),
    "metadata not json": ({**package_members(), "el_en/metadata.json": b"{nope"}, "not valid JSON"),
    "metadata not object": ({**package_members(), "el_en/metadata.json": b"[1]"}, "JSON object"),
    "bad from_code": ({**package_members(), "el_en/metadata.json": meta(from_code="../x")}, "from_code"),
    "missing to_code": ({**package_members(), "el_en/metadata.json": b'{"from_code": "el"}'}, "to_code"),
    "same codes": ({**package_members(), "el_en/metadata.json": meta(to_code="el")}, "both"),
    "two top dirs": ({**package_members(), "other/x.txt": b"x"}, "one top-level"),
    "file at root": ({**package_members(), "stray.txt": b"x"}, "outside the package directory"),
    "hidden top dir": (package_members(".el_en"), "bad package directory name"),
    "no model": ({"el_en/metadata.json": meta(), "el_en/sentencepiece.model": b"s"}, "model/model.bin"),
    "no tokenizer": ({"el_en/metadata.json": meta(), "el_en/model/model.bin": b"0"}, "sentencepiece.model"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_archives_are_refused(case: str, installed: Path, home: Path, tmp_path: Path):
    members, message = HOSTILE[case]
    bad = make_zip(tmp_path / "bad.argosmodel", members)
    before = snapshot(home)
    result = cli("install", str(bad), home=home)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mtclean: error: ") and message in lines[0], result.stderr
    assert snapshot(home) == before
    assert not (tmp_path / "evil.txt").exists() and not (home / "evil.txt").exists()


def test_symlink_member_is_refused(installed: Path, home: Path, tmp_path: Path):
    bad = make_zip(tmp_path / "link.argosmodel", package_members(), links={"el_en/model/escape": "/etc/passwd"})
    before = snapshot(home)
    result = cli("install", str(bad), home=home)
    assert result.exit_code == 2 and "symbolic link" in result.stderr
    assert snapshot(home) == before


@pytest.mark.parametrize("data", [b"", b"not a zip at all", b"PK\x03\x04broken"])
def test_corrupt_file_is_refused(data: bytes, installed: Path, home: Path, tmp_path: Path):
    bad = tmp_path / "corrupt.argosmodel"
    bad.write_bytes(data)
    before = snapshot(home)
    result = cli("install", str(bad), home=home)
    assert result.exit_code == 2 and "not a valid .argosmodel" in result.stderr
    assert snapshot(home) == before


def test_truncated_archive_is_refused_and_leaves_nothing(installed: Path, home: Path, tmp_path: Path):
    good = make_zip(tmp_path / "ru.argosmodel", package_members("ru_en", from_code="ru"))
    data = good.read_bytes()
    bad = tmp_path / "truncated.argosmodel"
    bad.write_bytes(data[: len(data) // 2])
    before = snapshot(home)
    assert cli("install", str(bad), home=home).exit_code == 2
    assert snapshot(home) == before


def test_missing_file(home: Path, tmp_path: Path):
    result = cli("install", str(tmp_path / "nope.argosmodel"), home=home)
    assert result.exit_code == 2 and "no such file" in result.stderr


def test_size_limits(tmp_path: Path, home: Path):
    members = {**package_members(), "el_en/model/model.bin": b"\0" * 5000}
    archive = make_zip(tmp_path / "big.argosmodel", members)
    with pytest.raises(models.ModelError, match="too large"):
        models.install_package(archive, home / "models", limits=models.ArchiveLimits(max_file_bytes=4096))
    with pytest.raises(models.ModelError, match="too large when extracted"):
        models.install_package(archive, home / "models", limits=models.ArchiveLimits(max_total_bytes=4096))
    with pytest.raises(models.ModelError, match="too many members"):
        models.install_package(archive, home / "models", limits=models.ArchiveLimits(max_members=3))
    assert models.installed_packages(home / "models") == []
    assert models.install_package(archive, home / "models").name == "el_en"  # default limits: fine


def test_lying_sizes_are_caught_while_extracting(tmp_path: Path, home: Path):
    """A central directory that understates a member's size: the real byte count still stops it."""
    archive = make_zip(tmp_path / "liar.argosmodel", {**package_members(), "el_en/model/model.bin": b"\0" * 50_000})
    limits = models.ArchiveLimits(max_file_bytes=10_000)
    plan = models.check_archive(archive)  # sizes as declared
    lying = models.ArchivePlan(plan.name, plan.metadata, plan.members)
    for info in lying.members:
        info.file_size = min(info.file_size, 100)
    with pytest.raises(models.ModelError):
        models._extract(archive, lying, tmp_path / "out", limits)


def test_refuses_to_overwrite_another_package(installed: Path, home: Path, tmp_path: Path):
    # Same directory name, different language pair: never replaced, not even with --force.
    other = make_zip(tmp_path / "other.argosmodel", package_members("el_en", from_code="ru", version="9.0"))
    before = snapshot(home)
    for extra in ((), ("--force",)):
        result = cli("install", str(other), *extra, home=home)
        assert result.exit_code == 2 and "belongs to another package" in result.stderr
    assert snapshot(home) == before


def test_reinstall_needs_force_and_replaces_atomically(installed: Path, home: Path, tmp_path: Path):
    newer = make_zip(tmp_path / "newer.argosmodel", {**package_members(version="2.0"),
                                                     "el_en/model/model.bin": b"\1" * 64})
    result = cli("install", str(newer), home=home)
    assert result.exit_code == 2 and "already installed" in result.stderr and "--force" in result.stderr
    assert models.find_package("el", "en", installed).version == "1.0"
    assert cli("install", str(newer), "--force", home=home).exit_code == 0
    assert models.find_package("el", "en", installed).version == "2.0"
    assert (installed / "el_en" / "model" / "model.bin").read_bytes() == b"\1" * 64
    assert [p.name for p in installed.iterdir()] == ["el_en"]


def test_not_a_package_directory_is_not_overwritten(home: Path, tmp_path: Path):
    (home / "models" / "el_en").mkdir(parents=True)
    (home / "models" / "el_en" / "mine.txt").write_text("user data")
    good = make_zip(tmp_path / "el_en.argosmodel", package_members())
    result = cli("install", str(good), "--force", home=home)
    assert result.exit_code == 2 and "not a model package" in result.stderr
    assert (home / "models" / "el_en" / "mine.txt").read_text() == "user data"


def test_highest_version_wins_and_remove(home: Path, tmp_path: Path):
    for name, version in (("el_en_a", "1.2"), ("el_en_b", "1.10")):
        models.install_package(make_zip(tmp_path / f"{name}.argosmodel", package_members(name, version=version)),
                               home / "models")
    assert models.find_package("el", "en", home / "models").name == "el_en_b"
    result = cli("remove", "el_en_b", home=home)
    assert result.exit_code == 0 and "removed" in result.output
    assert models.find_package("el", "en", home / "models").name == "el_en_a"
    assert cli("remove", "el_en_b", home=home).exit_code == 2


def test_home_and_default_dirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("MTCLEAN_HOME", str(tmp_path / "h"))
    assert models.models_dir() == tmp_path / "h" / "models"
    assert models.models_dir(str(tmp_path / "m")) == tmp_path / "m"
    monkeypatch.delenv("MTCLEAN_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    if models.sys.platform.startswith("linux"):
        assert models.models_dir() == tmp_path / "xdg" / "mtclean" / "models"


def test_wired_into_main_cli(home: Path):
    from mtclean.pipeline.cli.app import app

    result = runner.invoke(app, ["models", "list"], env={"MTCLEAN_HOME": str(home)}, catch_exceptions=False)
    assert result.exit_code == 0 and "no models installed" in result.output
