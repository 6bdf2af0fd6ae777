"""`datagen generate`: plan shards, keep finished ones, write the rest, write the manifest.

Resume: `manifest.json` is rewritten (atomically) with `"complete": false` after the
first finished shard, then at most every `MANIFEST_INTERVAL_S` seconds, and when a run
stops early (an error, Ctrl-C); a re-run with the same recipe, seed and shard size keeps
every shard whose file still has the recorded size and sha256, and writes the others.
(Rewriting it after every shard would cost O(shards²): a 20,000-shard manifest is
4.6 MB.) The final manifest lists shards in index order and holds no timings, so it is
byte-identical whatever the worker count or backend.
"""
from __future__ import annotations

import contextlib
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field

from datagen import FORMAT_VERSION, __version__
from datagen.engine.output import Output, open_output
from datagen.engine.plan import ShardTask, plan_shards
from datagen.errors import UserError
from datagen.recipe.load import recipe_sha256, resolved_dict
from datagen.recipe.schema import RecipeBase

MANIFEST = "manifest.json"
MANIFEST_INTERVAL_S = 5.0
"""Least time between two progress rewrites of the manifest during a run."""


@dataclass
class GenerateResult:
    out: str
    samples: int
    shards: int
    bytes: int
    seconds: float
    written: int
    kept: int
    skipped_inputs: dict = field(default_factory=dict)
    manifest: dict = field(default_factory=dict)

    def summary(self) -> str:
        rate = self.samples / self.seconds if self.seconds > 0 else 0.0
        if self.skipped_inputs:
            skipped = ", ".join(f"{k} {v}" for k, v in self.skipped_inputs.items())
        else:
            skipped = "none"
        return (
            f"{self.samples} samples in {self.shards} shards ({self.written} written, {self.kept} kept), "
            f"{self.bytes / 1e6:.1f} MB, {self.seconds:.1f} s ({rate:.1f} samples/s); "
            f"skipped inputs: {skipped} -> {self.out}"
        )


def manifest_header(recipe: RecipeBase, seed: int, samples: int, shard_size: int) -> dict:
    clip = recipe.clip
    ext = recipe.encode.format
    streams = ["clean", "corrupted", "mask"] + (["alpha"] if recipe.encode.alpha else [])
    return {
        "format_version": FORMAT_VERSION,
        "generator": {"name": "datagen", "version": __version__},
        "recipe_name": recipe.name,
        "recipe_sha256": recipe_sha256(recipe),
        "seed": int(seed),
        "samples": int(samples),
        "shard_size": int(shard_size),
        "clip": clip.model_dump(mode="json"),
        "streams": {s: ("png" if s in ("mask", "alpha") else ext) for s in streams},
        "recipe": resolved_dict(recipe),
    }


def dump_manifest(m: dict) -> bytes:
    return (json.dumps(m, indent=1, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


def _same_run(old: dict, header: dict) -> bool:
    keys = ("format_version", "recipe_sha256", "seed", "shard_size")
    return all(old.get(k) == header.get(k) for k in keys)


def read_manifest(out: Output) -> dict | None:
    text = out.read_text(MANIFEST)
    if text is None:
        return None
    try:
        m = json.loads(text)
    except json.JSONDecodeError:
        return None  # a corrupt manifest is treated as absent: shards are re-verified by rewriting
    return m if isinstance(m, dict) else None


def keep_existing(out: Output, old: dict | None, header: dict, tasks: list[ShardTask]) -> dict[int, dict]:
    """Shards from an earlier run of the same command that are intact (size and sha256)."""
    if old is None:
        return {}
    if not _same_run(old, header):
        raise UserError(
            "holds a dataset made with another recipe, seed or shard size "
            f"(manifest.json: recipe {old.get('recipe_name')!r}, seed {old.get('seed')}); "
            "use another --out or delete it",
            path=out.url,
        )
    records = {r.get("index"): r for r in old.get("shards", []) if isinstance(r, dict)}
    kept = {}
    for t in tasks:
        r = records.get(t.index)
        if not r or r.get("first_sample") != t.first_sample or r.get("samples") != t.samples:
            continue
        if r.get("name") != t.name or out.size(t.name) != r.get("bytes"):
            continue
        if out.sha256(t.name) == r.get("sha256"):
            kept[t.index] = r
    return kept


def generate(
    recipe: RecipeBase,
    out: str,
    samples: int,
    workers: int = 1,
    seed: int = 0,
    shard_size: int = 50,
    backend: str = "local",
    progress: bool = True,
    ray_address: str | None = None,
) -> GenerateResult:
    if samples < 1:
        raise UserError(f"--samples must be >= 1, got {samples}")
    if workers < 1:
        raise UserError(f"--workers must be >= 1, got {workers}")
    if shard_size < 1:
        raise UserError(f"--shard-size must be >= 1, got {shard_size}")
    if backend != "ray" or not ray_address:  # a cluster's nodes have their own memory
        check_memory(recipe, min(workers, -(-samples // shard_size)))
    t0 = time.perf_counter()
    output = open_output(out)
    output.prepare()
    tasks = plan_shards(samples, shard_size)
    header = manifest_header(recipe, seed, samples, shard_size)
    kept = keep_existing(output, read_manifest(output), header, tasks)
    todo = [t for t in tasks if t.index not in kept]
    done: dict[int, dict] = dict(kept)

    from datagen.recipe.check import preflight_counts

    from datagen.resources import Resources

    setup_skipped = preflight_counts(recipe, Resources(out=output.url, clip=recipe.clip))

    def write_progress_manifest(complete: bool) -> dict:
        shards = [done[i] for i in sorted(done)]
        skipped: Counter = Counter(setup_skipped)
        for r in shards:
            skipped.update(r.get("skipped_inputs", {}))
        m = dict(header)
        m["complete"] = complete
        m["total_bytes"] = sum(r["bytes"] for r in shards)
        m["skipped_inputs"] = dict(sorted(skipped.items()))
        m["shards"] = shards
        output.write_atomic(MANIFEST, dump_manifest(m))
        return m

    recorded = {"at": float("-inf"), "shards": len(done)}  # last progress rewrite

    def record_progress() -> None:
        write_progress_manifest(complete=False)
        recorded.update(at=time.monotonic(), shards=len(done))

    def on_shard(result: dict) -> None:
        done[result["index"]] = result
        if time.monotonic() - recorded["at"] >= MANIFEST_INTERVAL_S:
            record_progress()

    if todo:
        kept_samples = samples - sum(t.samples for t in todo)
        try:
            if backend == "local":
                from datagen.engine.local import run_local

                run_local(recipe, seed, todo, output, workers, on_shard, progress, kept_samples=kept_samples)
            elif backend == "ray":
                from datagen.engine.ray_backend import run_ray

                run_ray(recipe, seed, todo, output, workers, on_shard, progress, ray_address,
                        kept_samples=kept_samples)
            else:
                raise UserError(f"unknown backend {backend!r} (expected local or ray)")
        except BaseException:
            if len(done) != recorded["shards"]:  # stopped early: record every finished shard for resume
                with contextlib.suppress(Exception):  # (a full disk must not hide the first error)
                    record_progress()
            raise
        output.remove_temporaries()  # left by workers that died mid-shard (their shard was redone)
    manifest = write_progress_manifest(complete=True)
    return GenerateResult(
        out=output.url,
        samples=samples,
        shards=len(tasks),
        bytes=manifest["total_bytes"],
        seconds=time.perf_counter() - t0,
        written=len(todo),
        kept=len(kept),
        skipped_inputs=manifest["skipped_inputs"],
        manifest=manifest,
    )


def clip_bytes(clip) -> int:
    """Memory one sample of this clip size needs while it is built (the estimate the
    recipe schema uses for its per-sample limit: RGB clean + corrupted, mask, alpha, a
    float32 working frame)."""
    return clip.frames * clip.width * clip.height * 8 + clip.width * clip.height * 16


def available_memory() -> int | None:
    """Bytes of memory available to new processes here (MemAvailable, capped by a cgroup limit)."""
    try:
        with open("/proc/meminfo") as f:
            avail = next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError):
        return None
    try:
        limit = open("/sys/fs/cgroup/memory.max").read().strip()
        used = int(open("/sys/fs/cgroup/memory.current").read())
        if limit != "max":
            avail = min(avail, int(limit) - used)
    except (OSError, ValueError):
        pass
    return avail


def check_memory(recipe: RecipeBase, workers: int) -> None:
    """Refuse, before anything is allocated, a run whose workers' clips cannot fit in memory."""
    per_worker = clip_bytes(recipe.clip)
    avail = available_memory()
    if avail is None or per_worker * workers <= avail:
        return
    c, gib = recipe.clip, 1024**3
    raise UserError(
        f"recipe '{recipe.name}': a {c.frames}x{c.width}x{c.height} clip needs about {per_worker / gib:.1f} GiB "
        f"per worker; "
        f"{workers} workers need {per_worker * workers / gib:.1f} GiB but only {avail / gib:.1f} GiB of memory "
        "are available; use fewer --workers or a smaller clip"
    )


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
