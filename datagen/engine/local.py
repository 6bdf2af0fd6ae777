"""The local backend: one process per worker, one shard per task.

`--workers 1` runs in this process (easy to debug and profile); more workers use a
spawn-context process pool whose processes each build their `SampleBuilder` once.
Workers report every finished sample on a queue so the tqdm bar shows samples/s.
"""
from __future__ import annotations

import multiprocessing as mp
import queue as queue_mod
import threading
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Callable

from tqdm import tqdm

from datagen.engine.output import Output
from datagen.engine.plan import ShardTask
from datagen.errors import UserError

_state: dict = {}


def _init_worker(recipe_dict: dict, progress_queue, out_url: str) -> None:
    import cv2

    cv2.setNumThreads(1)
    from datagen.recipe.load import recipe_from_dict
    from datagen.resources import Resources
    from datagen.sample import SampleBuilder

    _state["builder"] = SampleBuilder(recipe_from_dict(recipe_dict), Resources(out=out_url))
    _state["queue"] = progress_queue


def _run_task(seed: int, task: ShardTask, out: Output) -> dict:
    from datagen.engine.shard import write_shard

    q = _state["queue"]
    return write_shard(_state["builder"], seed, task, out, on_sample=lambda: q.put(1))


def make_bar(total: int, initial: int, progress: bool) -> tqdm:
    return tqdm(
        total=total, initial=initial, unit="sample", desc="generate", disable=not progress,
        dynamic_ncols=True, smoothing=0.1,
    )


def run_local(
    recipe,
    seed: int,
    tasks: list[ShardTask],
    out: Output,
    workers: int,
    on_shard: Callable[[dict], None],
    progress: bool = True,
    kept_samples: int = 0,
) -> None:
    from datagen.recipe.load import resolved_dict

    total = kept_samples + sum(t.samples for t in tasks)
    bar = make_bar(total, kept_samples, progress)
    try:
        if workers == 1 or len(tasks) == 1:
            _run_inline(recipe, seed, tasks, out, on_shard, bar)
        else:
            _run_pool(resolved_dict(recipe), seed, tasks, out, min(workers, len(tasks)), on_shard, bar)
    finally:
        bar.close()


def _run_inline(recipe, seed, tasks, out, on_shard, bar) -> None:
    import cv2

    from datagen.engine.shard import write_shard
    from datagen.resources import Resources
    from datagen.sample import SampleBuilder

    prev = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        builder = SampleBuilder(recipe, Resources(out=out.url))
        for task in tasks:
            on_shard(write_shard(builder, seed, task, out, on_sample=lambda: bar.update(1)))
    finally:
        cv2.setNumThreads(prev)


def _run_pool(recipe_dict, seed, tasks, out, workers, on_shard, bar) -> None:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    stop = threading.Event()

    def pump() -> None:
        while not stop.is_set():
            try:
                n = q.get(timeout=0.1)
            except queue_mod.Empty:
                continue
            except (EOFError, OSError):
                return
            bar.update(n)

    pumper = threading.Thread(target=pump, daemon=True)
    pumper.start()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                               initargs=(recipe_dict, q, out.url))
    try:
        pending = {pool.submit(_run_task, seed, t, out) for t in tasks}
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                on_shard(fut.result())
    except BaseException as e:
        for fut in pending if "pending" in locals() else ():
            fut.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        if isinstance(e, UserError) or not isinstance(e, Exception):
            raise
        from concurrent.futures.process import BrokenProcessPool

        if isinstance(e, BrokenProcessPool):
            raise UserError("a worker process died (out of memory or killed); run the same command again to resume") from None
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        stop.set()
        pumper.join(timeout=1)
        # drain what is left so the bar ends exact
        try:
            while True:
                bar.update(q.get_nowait())
        except (queue_mod.Empty, EOFError, OSError):
            pass
        q.close()
