"""`datagen generate`: plan shards, keep finished ones, write the rest, write the manifest.

Resume: `manifest.json` is rewritten (atomically) after every finished shard with
`"complete": false`; a re-run with the same recipe, seed and shard size keeps every
shard whose file still has the recorded size and sha256, and writes the others. The
final manifest lists shards in index order and holds no timings, so it is
byte-identical whatever the worker count or backend.
"""
from __future__ import annotations

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

    setup_skipped = preflight_counts(recipe, Resources(out=output.url))

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

    def on_shard(result: dict) -> None:
        done[result["index"]] = result
        write_progress_manifest(complete=False)

    if todo:
        if backend == "local":
            from datagen.engine.local import run_local

            run_local(recipe, seed, todo, output, workers, on_shard, progress, kept_samples=samples - sum(t.samples for t in todo))
        elif backend == "ray":
            from datagen.engine.ray_backend import run_ray

            run_ray(recipe, seed, todo, output, workers, on_shard, progress, ray_address,
                    kept_samples=samples - sum(t.samples for t in todo))
        else:
            raise UserError(f"unknown backend {backend!r} (expected local or ray)")
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


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
