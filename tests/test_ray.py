"""The Ray engine on a real local Ray cluster: same bytes as a local run, dead workers retried."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

import scale_helpers  # noqa: E402
from mtclean.pipeline.cli.cleanup import Options, run_cleanup  # noqa: E402
from mtclean.pipeline.config import load_config  # noqa: E402
from mtclean.pipeline.runner import Pipeline  # noqa: E402
from mtclean.stages.encoding import EncodingStage  # noqa: E402
from scale_helpers import DieOnceStage, report_entries, tree_bytes, write_jsonl, write_mixed_tree  # noqa: E402

pytestmark = [pytest.mark.ray, pytest.mark.xdist_group("ray")]  # one Ray cluster per run with --dist loadgroup


@pytest.fixture(scope="session")
def ray_cluster():
    # Test stages live in tests/, which Ray's workers cannot import: ship them by value.
    ray.cloudpickle.register_pickle_by_value(scale_helpers)
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=200 * 1024 * 1024)
    yield
    ray.shutdown()


def _pipeline(*stages):
    if stages:
        return Pipeline(list(stages), lang="en")
    return Pipeline.from_config(load_config(only=["encoding,punctuation"], lang="en"))


def _run(src: Path, out: Path, rep: Path, pipeline: Pipeline, **kw):
    opts = Options(output=str(out), report=str(rep), quiet=True, shard_size=8192, **kw)
    return run_cleanup([str(src)], pipeline, opts)


def test_ray_output_equals_local_byte_for_byte(ray_cluster, tmp_path, monkeypatch):
    from mtclean.pipeline import work

    monkeypatch.setattr(work, "CHUNK_BYTES", 4096)  # many tasks
    tree = write_mixed_tree(tmp_path / "in")
    globs: tuple[str, ...] = ()
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        pass
    else:  # Parquet goes through the same actors
        rows = [json.loads(line) for line in scale_helpers.jsonl_lines(100, seed=9)]
        pq.write_table(pa.table({"id": [r["id"] for r in rows], "text": [r["text"] for r in rows]}),
                       tree / "rows.parquet", row_group_size=16)
        globs = ("*.txt", "*.jsonl", "*.parquet")
    local = _run(tree, tmp_path / "local", tmp_path / "local.jsonl", _pipeline(), jobs=1, globs=globs)
    got = _run(tree, tmp_path / "ray", tmp_path / "ray.jsonl", _pipeline(), engine="ray", jobs=2, globs=globs)
    assert tree_bytes(tmp_path / "ray") == tree_bytes(tmp_path / "local")
    assert not globs or "rows.parquet" in tree_bytes(tmp_path / "ray")
    assert report_entries(tmp_path / "ray.jsonl") == report_entries(tmp_path / "local.jsonl")
    assert (got.documents, got.edits, got.changed, got.failed) == (local.documents, local.edits, local.changed,
                                                                   local.failed)
    # Two stage groups (two actor classes, documents handed from one to the other): same bytes.
    split = _run(tree, tmp_path / "split", tmp_path / "split.jsonl", _pipeline(), engine="ray", jobs=1,
                 stage_groups=(("encoding",), ("punctuation",)), globs=globs)
    assert tree_bytes(tmp_path / "split") == tree_bytes(tmp_path / "local")
    assert split.documents == local.documents


def test_killed_ray_worker_is_retried_without_loss_or_duplicates(ray_cluster, tmp_path, monkeypatch):
    from mtclean.pipeline import work

    monkeypatch.setattr(work, "CHUNK_BYTES", 4096)
    markers = tmp_path / "markers"
    markers.mkdir()
    src = write_jsonl(tmp_path / "in.jsonl", 240, trigger_every=80)  # three documents kill their worker once

    def pipeline():
        return _pipeline(EncodingStage(), DieOnceStage(marker_dir=str(markers)))

    got = _run(src, tmp_path / "ray.jsonl", tmp_path / "ray-rep.jsonl", pipeline(), engine="ray", jobs=2)
    assert len(list(markers.iterdir())) == 3  # the workers really died
    local = _run(src, tmp_path / "local.jsonl", tmp_path / "local-rep.jsonl", pipeline(), jobs=1)
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
    ids = [json.loads(line)["id"] for line in (tmp_path / "ray.jsonl").read_text().splitlines()]
    assert ids == list(range(240))
    assert got.documents == local.documents == 240
    assert [e["id"] for e in report_entries(tmp_path / "ray-rep.jsonl")] == [f"{src}:{i}" for i in range(1, 241)]


def test_cli_joins_a_running_cluster_with_address(ray_cluster, tmp_path):
    import os
    import subprocess
    import sys

    address = ray.get_runtime_context().gcs_address
    src = write_jsonl(tmp_path / "in.jsonl", 300, bad_every=100)
    mtclean = str(Path(sys.executable).with_name("mtclean"))
    args = [mtclean, "cleanup", str(src), "--only", "encoding,punctuation", "--lang", "en"]
    r = subprocess.run([*args, "-o", str(tmp_path / "ray.jsonl"), "--engine", "ray", "--address", address,
                        "-j", "2", "--stage-groups", "encoding|punctuation"],
                       capture_output=True, timeout=300, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert r.returncode == 2, r.stderr[-2000:]  # the bad lines, reported in order
    assert b"in.jsonl:line 101: invalid JSON" in r.stderr
    local = subprocess.run([*args, "-j", "1", "-q"], capture_output=True, timeout=300)
    assert (tmp_path / "ray.jsonl").read_bytes() == local.stdout
