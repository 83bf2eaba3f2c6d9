"""Run the pipeline on Ray Data (``--engine ray``): the only module that imports Ray.

The run's tasks (small descriptors: a path and a byte range or row group) become a
Ray Dataset. Each *stage group* -- consecutive stages, by default all of them --
is one callable class given to ``map_batches``, so every actor builds its stages
from their configs and runs ``setup()`` once, then serves many tasks. The first
group also reads its task's bytes (inputs must be on a filesystem the workers
see, as for Ray's own readers); the last group formats the output. The driver
collects results in task order and writes them exactly as a local run does, so
the output is byte for byte the same. Ray restarts an actor that dies and retries
its task: a task's result is only used once, so nothing is lost or duplicated.

Start a cluster with ``ray start --head`` on one machine and ``ray start
--address=HEAD:6379`` on the others, then run ``mtclean cleanup --engine ray
--address auto ...`` on a node of the cluster (or ``--address ray://HEAD:10001``).
"""

from __future__ import annotations

import pickle
from typing import Iterable, Iterator, Sequence

from mtclean.pipeline.errors import MtcleanError
from mtclean.pipeline.runner import Pipeline
from mtclean.pipeline.work import Task, TaskResult, WorkOptions, finish, prepare, run_stages

MAX_BLOCKS = 200


def _ray():
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise MtcleanError("--engine ray needs Ray", hint="pip install 'mtclean[ray]'") from None
    return ray


class StageGroup:
    """One stage group on a Ray actor: set up once, then called on batches of tasks."""

    def __init__(self, stages: list, lang: str | None, verify: bool, opts: WorkOptions, first: bool, last: bool):
        self.pipeline = Pipeline(stages, lang=lang, verify=verify)
        self.pipeline.setup()
        self.opts = opts
        self.first = first
        self.last = last

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        out = []
        for payload in batch["payload"]:
            if self.first:
                prep = prepare(pickle.loads(payload), self.opts)
            else:
                prep = pickle.loads(payload)
            if prep.result.error is None and prep.docs:
                run_stages(prep, self.pipeline, count_documents=self.last)
            out.append(pickle.dumps(finish(prep, self.opts) if self.last else prep, protocol=5))
        return {"i": np.asarray(batch["i"]), "payload": np.array(out, dtype=object)}


def _groups(pipeline: Pipeline, names: Sequence[Sequence[str]]) -> list[list]:
    if not names:
        return [list(pipeline.stages)]
    by_name = {s.name: s for s in pipeline.stages}
    return [[by_name[n] for n in g] for g in names]


class RayEngine:
    def __init__(self, pipeline: Pipeline, opts: WorkOptions, *, jobs: int | None = None,
                 address: str | None = None, groups: Sequence[Sequence[str]] = ()):
        self.pipeline = pipeline
        self.opts = opts
        self.jobs = jobs
        self.address = address
        self.groups = _groups(pipeline, groups)
        self._owns = False

    def __enter__(self) -> "RayEngine":
        ray = _ray()
        import logging

        logging.getLogger("ray.data").setLevel(logging.WARNING)
        if not ray.is_initialized():
            try:
                ray.init(address=self.address, include_dashboard=False, logging_level=logging.WARNING)
            except ConnectionError as exc:
                raise MtcleanError(f"cannot reach the Ray cluster at {self.address}: {exc}",
                                   hint="start one with `ray start --head`, or leave out --address") from None
            self._owns = True
        return self

    def __exit__(self, *exc) -> None:
        if self._owns:
            _ray().shutdown()
            self._owns = False

    def _concurrency(self) -> int:
        if self.jobs and self.jobs > 0:
            return self.jobs
        ray = _ray()
        return max(1, int(ray.cluster_resources().get("CPU", 1)))

    def map(self, tasks: Iterable[Task]) -> Iterator[TaskResult]:
        ray = _ray()
        tasks = list(tasks)
        if not tasks:
            return
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True
        ctx.enable_progress_bars = False
        items = [{"i": i, "payload": pickle.dumps(t, protocol=5)} for i, t in enumerate(tasks)]
        ds = ray.data.from_items(items, override_num_blocks=min(len(items), MAX_BLOCKS))
        n = len(self.groups)
        workers = self._concurrency()
        for g, stages in enumerate(self.groups):
            ds = ds.map_batches(
                StageGroup,
                fn_constructor_kwargs=dict(stages=stages, lang=self.pipeline.lang, verify=self.pipeline.verify,
                                           opts=self.opts, first=g == 0, last=g == n - 1),
                batch_size=1,
                batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=workers),
                num_cpus=1.0 / n,  # every group's actors fit on the cluster at once
            )  # Ray Data restarts dead actors and retries their tasks by default
        # Rows arrive in order (preserve_order); the buffer only guards that promise.
        pending: dict[int, TaskResult] = {}
        want = 0
        for row in ds.iter_rows():
            i = int(row["i"])
            if i < want or i in pending:
                continue  # a retried task's result already taken: never use it twice
            pending[i] = pickle.loads(row["payload"])
            while want in pending:
                yield pending.pop(want)
                want += 1
        if want != len(tasks):
            raise MtcleanError(f"Ray returned {want} of {len(tasks)} results")
