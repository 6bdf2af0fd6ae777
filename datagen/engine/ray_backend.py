"""The Ray backend: every shard is one Ray task, retried when its worker dies.

`datagen generate RECIPE --backend ray` runs the same shard tasks as the local backend
on a Ray cluster, so the shards and the manifest are byte-identical to a local run:
a shard's bytes depend only on (recipe, seed, shard index). Without `--ray-address`
(and without RAY_ADDRESS in the environment) a local Ray with `--workers` CPUs is
started and stopped at the end; with an address (or `auto`) the run joins that cluster
and uses all the CPUs it has (`--workers` is then ignored).

- Each worker process builds its `SampleBuilder` once (fonts, corpora, indexes) and
  keeps it for the next shard of the same run (`_builder`). The driver's `DATAGEN_*`
  variables (DATAGEN_FONTS, DATAGEN_RECIPES, ...) are applied in the workers first.
- Workers write their shards straight to the output (a shared path or an object-store
  URL); the driver only receives the shard records and writes the manifest.
- A task whose worker process dies (OOM kill, lost node) is retried `MAX_RETRIES`
  times; an error raised by the task itself (a user error, a bug) is not retried.
- Workers report every finished sample to a small progress actor, so the driver shows
  the same tqdm bar (samples/s) as the local backend.

Ray is an optional extra (`pip install -e '.[ray]'`); only this module imports it.
"""
from __future__ import annotations

import os
import socket
from typing import Callable

from datagen.engine.output import LocalOutput, Output
from datagen.engine.plan import ShardTask
from datagen.errors import UserError

MAX_RETRIES = 3
"""Retries of a shard task whose worker process died (not of errors the task raised)."""
POLL_S = 0.25
"""How often the driver refreshes the progress bar."""
SETTINGS_PREFIX = "DATAGEN_"
CONNECT_TIMEOUT_S = 10.0

_builders: dict = {}  # in a worker process: (recipe sha256, output url, settings) -> SampleBuilder


def _import_ray():
    try:
        import ray
    except ImportError:
        raise UserError("--backend ray needs Ray: pip install -e '.[ray]'") from None
    return ray


def driver_settings() -> dict[str, str]:
    """The driver's DATAGEN_* variables (fonts and recipes folders, the test-only fault
    hook): Ray workers are long-lived processes that do not inherit them."""
    return {k: v for k, v in os.environ.items() if k.startswith(SETTINGS_PREFIX)}


def _apply_settings(settings: dict[str, str]) -> None:
    for k in [k for k in os.environ if k.startswith(SETTINGS_PREFIX) and k not in settings]:
        del os.environ[k]
    os.environ.update(settings)


def _builder(recipe_dict: dict, recipe_sha: str, out_url: str, settings: dict[str, str]):
    """This worker process's SampleBuilder for the run, built on its first shard."""
    _apply_settings(settings)
    key = (recipe_sha, out_url, tuple(sorted(settings.items())))
    if key not in _builders:
        import cv2

        from datagen import __version__
        from datagen.recipe.load import recipe_from_dict, recipe_sha256
        from datagen.resources import Resources
        from datagen.sample import SampleBuilder

        cv2.setNumThreads(1)
        recipe = recipe_from_dict(recipe_dict)
        if recipe_sha256(recipe) != recipe_sha:
            raise UserError(f"Ray node {socket.gethostname()} (datagen {__version__}) resolves the recipe "
                            "differently from the driver; install the same datagen version on every node")
        _builders.clear()  # one run at a time per worker: do not keep an old run's caches
        _builders[key] = SampleBuilder(recipe, Resources(out=out_url))
    return _builders[key]


def _write_shard_task(recipe_dict: dict, recipe_sha: str, seed: int, task: dict, out: Output, progress,
                      settings: dict[str, str]) -> dict:
    """Body of one Ray task: build and write one shard, report each sample."""
    from datagen.engine.shard import write_shard

    t = ShardTask(**task)
    builder = _builder(recipe_dict, recipe_sha, out.url, settings)
    progress.start.remote(t.index)
    return write_shard(builder, seed, t, out, on_sample=lambda: progress.add.remote(t.index))


class ProgressCounter:
    """Samples written so far per shard (a Ray actor). A retried shard starts again at 0."""

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}

    def start(self, index: int) -> None:
        self.counts[index] = 0

    def add(self, index: int) -> None:
        self.counts[index] = self.counts.get(index, 0) + 1

    def snapshot(self) -> dict[int, int]:
        return dict(self.counts)


def _check_reachable(address: str) -> None:
    """Fail fast on a HOST:PORT nobody listens on (ray.init would retry for many minutes)."""
    hostport = address.split("://", 1)[-1].rstrip("/")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        return  # "auto", "local" or a form Ray resolves itself
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as e:
        raise UserError(f"cannot reach the Ray cluster at {address} ({e.strerror or e}); "
                        "is `ray start --head` running there?") from None


def _connect(ray, ray_address: str | None, workers: int) -> bool:
    """Join the cluster at `ray_address`, or start a local Ray; True if we started it."""
    if ray.is_initialized():
        return False
    ray_address = ray_address or os.environ.get("RAY_ADDRESS") or None
    if ray_address:
        _check_reachable(ray_address)
    opts = dict(log_to_driver=False, logging_level="ERROR", include_dashboard=False)
    try:
        if ray_address:
            ray.init(address=ray_address, **opts)
        else:  # "local": a new instance even when `ray start` runs on this machine
            ray.init(address="local", num_cpus=workers, **opts)
    except (ConnectionError, RuntimeError, ValueError) as e:
        where = f"the Ray cluster at {ray_address}" if ray_address else "a local Ray"
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        hint = "; if the cluster uses token authentication, set RAY_AUTH_MODE=token and its token" if ray_address else ""
        raise UserError(f"cannot start or join {where} ({msg}){hint}") from None
    return True


def run_ray(
    recipe,
    seed: int,
    tasks: list[ShardTask],
    output: Output,
    workers: int,
    on_shard: Callable[[dict], None],
    progress: bool = True,
    ray_address: str | None = None,
    kept_samples: int = 0,
) -> None:
    """Write `tasks` as Ray tasks; call `on_shard(record)` in the driver as each finishes."""
    ray = _import_ray()
    from datagen.engine.local import make_bar
    from datagen.recipe.load import recipe_sha256, resolved_dict

    started = _connect(ray, ray_address, workers)
    bar = make_bar(kept_samples + sum(t.samples for t in tasks), kept_samples, progress)
    refs: dict = {}
    try:
        counter = ray.remote(num_cpus=0)(ProgressCounter).remote()
        remote_fn = ray.remote(num_cpus=1, max_retries=MAX_RETRIES, retry_exceptions=False)(_write_shard_task)
        recipe_ref = ray.put(resolved_dict(recipe))
        sha, settings = recipe_sha256(recipe), driver_settings()
        # workers may run in another directory: give them an absolute local path
        target = LocalOutput(output.path.resolve()) if isinstance(output, LocalOutput) else output
        refs = {remote_fn.remote(recipe_ref, sha, seed, t.to_dict(), target, counter, settings): t for t in tasks}
        _collect(ray, refs, output, on_shard, counter, bar, kept_samples)
    except BaseException:
        for ref in refs:
            try:
                ray.cancel(ref, force=True)
            except Exception:  # noqa: BLE001 - finished or already gone
                pass
        raise
    finally:
        bar.close()
        if started:
            ray.shutdown()


def _collect(ray, refs: dict, output: Output, on_shard, counter, bar, kept_samples: int) -> None:
    """Wait for the shard tasks, hand each record to on_shard, keep the bar current."""
    pending = list(refs)
    shown: dict[int, int] = {}  # shard index -> samples shown on the bar (never decreases)
    done: set[int] = set()
    while pending:
        ready, pending = ray.wait(pending, num_returns=len(pending), timeout=POLL_S)
        for ref in ready:
            task = refs[ref]
            record = _result(ray, ref, task)
            _check_visible(output, record)
            on_shard(record)
            done.add(task.index)
            shown[task.index] = task.samples
        counts = ray.get(counter.snapshot.remote())
        for index, n in counts.items():
            if index not in done:
                shown[index] = max(shown.get(index, 0), n)
        bar.update(kept_samples + sum(shown.values()) - bar.n)


def _result(ray, ref, task: ShardTask) -> dict:
    """The shard record, or a one-line UserError for what went wrong in the task."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as e:
        cause = getattr(e, "cause", None)
        if isinstance(cause, UserError):
            raise UserError(str(cause)) from None
        if isinstance(cause, OSError):  # e.g. the worker may not write to --out
            raise UserError(f"shard {task.index}: {cause.strerror or cause}", path=cause.filename) from None
        raise
    except ray.exceptions.RayError as e:  # the worker or its node died more often than retried
        raise UserError(
            f"shard {task.index}: its Ray worker died {MAX_RETRIES + 1} times ({type(e).__name__}); "
            "finished shards are kept, run the same command again to resume"
        ) from None


def _check_visible(output: Output, record: dict) -> None:
    """A local --out must be one shared filesystem: the driver must see what workers wrote."""
    if isinstance(output, LocalOutput) and output.size(record["name"]) != record["bytes"]:
        raise UserError(
            f"{record['name']} was written by a Ray worker but is not visible here; on a multi-machine "
            "cluster --out must be a shared filesystem or an object-store URL (s3://...)",
            path=output.url,
        )
