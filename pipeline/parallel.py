"""Local engines: run tasks in this process, or in a pool of worker processes.

Each worker process builds the stages from their (pickled) configs and runs every
stage's ``setup()`` once, so a loaded model serves all the documents of that
worker. Results come back in task order. At most ``jobs * IN_FLIGHT`` tasks are
submitted and not yet collected, so memory stays bounded whatever the input size.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Iterable, Iterator

from mtclean.pipeline.errors import MtcleanError
from mtclean.pipeline.runner import Pipeline
from mtclean.pipeline.work import Task, TaskResult, WorkOptions, do_task, finish, prepare

IN_FLIGHT = 3  # tasks per worker submitted ahead


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def resolve_jobs(jobs: int | None) -> int:
    """``--jobs``: 0 or None means every available core."""
    if jobs is None or jobs <= 0:
        return available_cores()
    return jobs


def _trivial(task: Task) -> bool:
    return task.kind in ("error", "skip")


class SerialEngine:
    """Everything in this process (``--jobs 1``, or a run with a single task)."""

    def __init__(self, pipeline: Pipeline, opts: WorkOptions):
        self.pipeline = pipeline
        self.opts = opts
        self._ready = False

    def __enter__(self) -> "SerialEngine":
        return self

    def __exit__(self, *exc) -> None:
        if self._ready:
            self.pipeline.teardown()
            self._ready = False

    def run(self, task: Task) -> TaskResult:
        if _trivial(task):
            return finish(prepare(task, self.opts), self.opts)
        if not self._ready:
            self.pipeline.setup()
            self._ready = True
        return do_task(task, self.pipeline, self.opts)

    def map(self, tasks: Iterable[Task]) -> Iterator[TaskResult]:
        for task in tasks:
            yield self.run(task)


# -- worker process side ----------------------------------------------------------
_worker: tuple[Pipeline, WorkOptions] | None = None


def _exit_with_parent() -> None:
    """A worker whose parent was killed (kill -9) must not linger: it exits too.

    The parent is the run's main process (fork) or the fork server, which ends
    with it; either way the worker is re-parented when it goes.
    """
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="mtclean-parent-watch", daemon=True).start()


_setup_error: str | None = None  # why this worker's stages could not be set up


def _init_worker(stages: list, lang: str | None, verify: bool, opts: WorkOptions) -> None:
    global _worker, _setup_error
    _exit_with_parent()
    pipeline = Pipeline(stages, lang=lang, verify=verify)
    try:
        pipeline.setup()  # once per worker process
    except MtcleanError as exc:
        # Raised from an initializer it would kill the pool with a traceback per
        # worker; kept, it comes back with the first task as the one-line error it is.
        _setup_error = str(exc)
        return
    _worker = (pipeline, opts)


def _run_in_worker(task: Task) -> TaskResult:
    if _setup_error is not None:
        raise MtcleanError(_setup_error)  # rebuilt from its text: travels back by pickle
    assert _worker is not None, "worker not initialised"
    pipeline, opts = _worker
    return do_task(task, pipeline, opts)


def _context():
    # fork starts workers fastest and shares the parent's imports, but forking a
    # process that runs other threads (a progress bar, a Ray driver) is unsafe:
    # then forkserver, and spawn where neither exists.
    import threading

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class ProcessEngine:
    """A pool of ``jobs`` worker processes; results in task order, bounded in flight.

    The pool starts only when a second task needing work arrives: a run over one
    small file never pays for starting processes.
    """

    def __init__(self, pipeline: Pipeline, opts: WorkOptions, jobs: int):
        self.pipeline = pipeline
        self.opts = opts
        self.jobs = jobs
        self.serial = SerialEngine(pipeline, opts)
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "ProcessEngine":
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        self.serial.__exit__(*exc)

    def _start(self) -> ProcessPoolExecutor:
        p = self.pipeline
        self.pool = ProcessPoolExecutor(
            max_workers=self.jobs, mp_context=_context(), initializer=_init_worker,
            initargs=(p.stages, p.lang, p.verify, self.opts),
        )
        return self.pool

    def map(self, tasks: Iterable[Task]) -> Iterator[TaskResult]:
        it = iter(tasks)
        held: list[Task] = []  # tasks seen before deciding whether to start the pool
        real = 0
        for task in it:
            held.append(task)
            real += not _trivial(task)
            if real >= 2:
                break
        else:  # the whole run has at most one task that needs work
            for task in held:
                yield self.serial.run(task)
            return
        pool = self._start()
        window: deque[Future] = deque()
        limit = self.jobs * IN_FLIGHT

        def submit(task: Task) -> None:
            if _trivial(task):
                f: Future = Future()
                f.set_result(finish(prepare(task, self.opts), self.opts))
                window.append(f)
            else:
                window.append(pool.submit(_run_in_worker, task))

        try:
            for task in held:
                submit(task)
            for task in it:
                while len(window) >= limit:
                    yield window.popleft().result()
                submit(task)
            while window:
                yield window.popleft().result()
        except BrokenProcessPool:
            raise MtcleanError(
                "a worker process died (killed or out of memory)",
                hint="re-run the same command: finished shards of an -o run are kept",
            ) from None
        finally:
            for f in window:
                f.cancel()


def local_engine(pipeline: Pipeline, opts: WorkOptions, jobs: int | None):
    jobs = resolve_jobs(jobs)
    return SerialEngine(pipeline, opts) if jobs == 1 else ProcessEngine(pipeline, opts, jobs)
