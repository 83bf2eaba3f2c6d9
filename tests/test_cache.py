"""The on-disk cache of built resources: right answers whether an entry is there, stale, broken or unwritable."""

from __future__ import annotations

import os
import pickle

import pytest

from mtclean.pipeline import cache, glossary as glossary_module
from mtclean.pipeline.glossary import clear_cache, load_glossaries


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV_DIR, str(folder))
    monkeypatch.delenv(cache.ENV_SWITCH, raising=False)
    return folder


class Builder:
    def __init__(self, value):
        self.value, self.calls = value, 0

    def __call__(self):
        self.calls += 1
        return self.value


def test_a_miss_builds_and_writes_then_a_hit_reads(cache_dir):
    build = Builder({"a": [1, 2]})
    assert cache.cached("thing", ["x"], build) == {"a": [1, 2]}
    assert cache.cached("thing", ["x"], build) == {"a": [1, 2]}
    assert build.calls == 1
    assert len(list(cache_dir.glob("thing-*.pickle"))) == 1


def test_other_parts_are_another_entry(cache_dir):
    one, two = Builder(1), Builder(2)
    assert cache.cached("thing", ["x"], one) == 1
    assert cache.cached("thing", ["y"], two) == 2
    assert cache.cached("thing", ["x"], Builder(99)) == 1
    # Length-prefixed parts: ("ab", "c") is not ("a", "bc").
    assert cache.key("ab", "c") != cache.key("a", "bc")


@pytest.mark.parametrize("damage", [b"", b"not a pickle", pickle.dumps(1)[:-3]])
def test_a_broken_entry_is_rebuilt_and_replaced(cache_dir, damage):
    cache.cached("thing", ["x"], Builder("good"))
    (entry,) = cache_dir.glob("thing-*.pickle")
    entry.write_bytes(damage)
    build = Builder("good")
    assert cache.cached("thing", ["x"], build) == "good"
    assert build.calls == 1
    assert cache.cached("thing", ["x"], Builder("other")) == "good"  # the entry was written again


def test_an_unwritable_cache_still_gives_the_value(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv(cache.ENV_DIR, str(blocker / "cache"))
    assert cache.cached("thing", ["x"], Builder(5)) == 5


def test_a_failing_build_raises_and_writes_nothing(cache_dir):
    def build():
        raise ValueError("bad input")

    with pytest.raises(ValueError):
        cache.cached("thing", ["x"], build)
    assert not cache_dir.exists() or not list(cache_dir.iterdir())


def test_off_writes_nothing(cache_dir, monkeypatch):
    monkeypatch.setenv(cache.ENV_SWITCH, "off")
    build = Builder(3)
    assert cache.cached("thing", ["x"], build) == 3
    assert cache.cached("thing", ["x"], build) == 3
    assert build.calls == 2
    assert not cache_dir.exists()


def test_old_entries_are_pruned(cache_dir):
    for i in range(cache.KEEP + 4):
        cache.cached("thing", [str(i)], Builder(i))
        path = max(cache_dir.glob("thing-*.pickle"), key=os.path.getmtime)
        os.utime(path, (1_000_000 + i, 1_000_000 + i))  # distinct ages, newest last
    assert len(list(cache_dir.glob("thing-*.pickle"))) == cache.KEEP
    assert not list(cache_dir.glob(".thing-*"))  # no temporary file left behind


def _write_glossary(folder, variant: str):
    folder.mkdir(exist_ok=True)
    (folder / "people.toml").write_text(
        '[[entry]]\nid = "person.kallas"\nkind = "person"\ncanonical = { en = "Kaja Kallas" }\n'
        f'variants = ["{variant}"]\n', encoding="utf-8")


def _not_built(*args, **kwargs):
    raise AssertionError("built again: the cache entry was not used")


def test_an_edited_glossary_is_read_again_not_taken_from_the_cache(cache_dir, tmp_path, monkeypatch):
    folder = tmp_path / "glossaries"
    _write_glossary(folder, "Kaya Kallas")
    clear_cache()
    first = load_glossaries([folder], shipped=False)
    clear_cache()  # the next load comes from disk
    with monkeypatch.context() as m:
        m.setattr(glossary_module, "_load", _not_built)
        again = load_glossaries([folder], shipped=False)
    assert again.entries == first.entries and again.source_key == first.source_key
    _write_glossary(folder, "Kaja Kalas")
    clear_cache()
    edited = load_glossaries([folder], shipped=False)
    assert edited.entries[0].variants == ("Kaja Kalas",)
    assert edited.source_key != first.source_key


def test_a_broken_glossary_still_fails_with_its_message(cache_dir, tmp_path):
    folder = tmp_path / "glossaries"
    folder.mkdir()
    (folder / "bad.toml").write_text("[[entry]]\nid = \n", encoding="utf-8")
    clear_cache()
    with pytest.raises(glossary_module.GlossaryError, match="bad.toml"):
        load_glossaries([folder], shipped=False)


def test_names_give_the_same_edits_with_a_cold_and_a_warm_cache(cache_dir, seed_text, monkeypatch):
    from mtclean.stages import names

    def run():
        clear_cache()
        names._matchers.clear()
        stage = names.NamesStage()
        stage.setup()
        return stage.fix(seed_text + "\nPresident Zelenskyy met Emmanuel Macrn in Kiev.", lang="en")

    cold = run()
    assert list(cache_dir.glob("names-matcher-*.pickle"))
    monkeypatch.setattr(names.Matcher, "__init__", _not_built)
    warm = run()
    assert warm == cold and cold[1]  # the same text and edits, and there are edits


def test_cached_language_profiles_are_the_built_ones(cache_dir):
    import numpy as np

    from langdetect.detector_factory import PROFILES_DIRECTORY

    from mtclean.pipeline import detector

    built = detector._profiles(PROFILES_DIRECTORY)  # a miss: built and written
    (entry,) = cache_dir.glob("langdetect-profiles-*.npz")
    langs, grams, matrix = detector._read_npz(entry)
    assert langs == built[0] and grams == built[1]
    assert np.array_equal(matrix, built[2])
    again = detector._profiles(PROFILES_DIRECTORY)  # a hit
    assert again[:2] == built[:2] and np.array_equal(again[2], built[2])


def test_no_home_directory_means_no_cache(monkeypatch, tmp_path):
    from pathlib import Path

    def no_home():
        raise RuntimeError("Could not determine home directory")

    for name in (cache.ENV_DIR, cache.ENV_SWITCH, "MTCLEAN_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert cache.cache_dir() is None
    assert cache.cached("thing", ["x"], Builder(7)) == 7


def test_cache_dir_and_clear_commands(cache_dir):
    from typer.testing import CliRunner

    from mtclean.pipeline.cli.app import app

    cache.cached("thing", ["x"], Builder(1))
    cache.cached("other-kind", ["y"], Builder(2))
    (cache_dir / "notes.txt").write_text("not ours")
    (cache_dir / ".thing-k2j_x9.pickle").write_bytes(b"a temporary file left by a killed run")
    runner = CliRunner()
    shown = runner.invoke(app, ["cache", "dir"])
    assert shown.exit_code == 0 and str(cache_dir) in shown.output and "3 entries" in shown.output
    cleared = runner.invoke(app, ["cache", "clear"])
    assert cleared.exit_code == 0 and "removed 3 entries" in cleared.output
    assert [p.name for p in cache_dir.iterdir()] == ["notes.txt"]  # only what the cache wrote
    assert cache.cached("thing", ["x"], Builder(5)) == 5  # built again
