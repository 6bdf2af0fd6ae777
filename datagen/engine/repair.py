"""Regenerate chosen shards of an existing dataset exactly as the original run made them.

`datagen verify --fix` uses this for shards that are missing, truncated or corrupted.
Everything comes from the dataset's own manifest.json: the fully resolved recipe, the
seed and the shard size. Since a shard's bytes depend only on (resolved recipe, seed,
shard index, shard size), a regenerated shard is byte-identical to the original as long
as the inputs (fonts, corpora, background files) and the generator are unchanged; the
result says which shards came out identical to their manifest record. The shards are
written with the engine's own `write_shard` through the local pool (atomic renames,
progress bar), and the manifest is rewritten as `generate` does (throttled, and at the end).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from datagen.engine.output import open_output
from datagen.engine.plan import ShardTask, plan_shards
from datagen.engine.run import MANIFEST, check_memory, dump_manifest, manifest_header
from datagen.errors import UserError


@dataclass
class RepairResult:
    written: list[int] = field(default_factory=list)  # shard indices regenerated
    identical: list[int] = field(default_factory=list)  # ... whose sha256 equals the old record
    differs: list[int] = field(default_factory=list)  # ... whose old record had another sha256
    manifest: dict = field(default_factory=dict)


def planned_entry(t: ShardTask) -> tuple:
    """(name, first_sample, samples) a manifest entry for task `t` must hold."""
    return t.name, t.first_sample, t.samples


def _recipe_of(manifest: dict, source: str):
    from datagen.recipe.load import recipe_from_dict, recipe_sha256

    if not isinstance(manifest.get("recipe"), dict):
        raise UserError("has no resolved recipe; cannot regenerate shards", path=source)
    recipe = recipe_from_dict(manifest["recipe"], source=f"{source}: recipe")
    if recipe_sha256(recipe) != manifest.get("recipe_sha256"):
        raise UserError(
            "its recipe no longer resolves to the recorded recipe_sha256 (datagen changed since the run); "
            "regenerated shards would not match, so nothing was written",
            path=source,
        )
    return recipe


def repair_shards(
    out: str, manifest: dict, indices: list[int], workers: int = 1, progress: bool = True
) -> RepairResult:
    """Rewrite shards `indices` of the dataset in `out` and its manifest entries."""
    from datagen.engine.local import run_local
    from datagen.recipe.check import preflight_counts

    source = f"{out.rstrip('/')}/{MANIFEST}"
    recipe = _recipe_of(manifest, source)
    seed, samples, shard_size = int(manifest["seed"]), int(manifest["samples"]), int(manifest["shard_size"])
    tasks = plan_shards(samples, shard_size)
    bad = [i for i in indices if not 0 <= i < len(tasks)]
    if bad:
        raise UserError(f"no shard {bad[0]} in a run of {len(tasks)} shards", path=source)
    todo = [tasks[i] for i in sorted(set(indices))]
    header = manifest_header(recipe, seed, samples, shard_size)
    planned = {t.index: t for t in tasks}
    records = {}
    for r in manifest.get("shards", []):
        t = planned.get(r.get("index")) if isinstance(r, dict) else None
        if t and (r.get("name"), r.get("first_sample"), r.get("samples")) == planned_entry(t):
            records[t.index] = r
    old_sha = {t.index: (records.get(t.index) or {}).get("sha256") for t in todo}
    setup_skipped = preflight_counts(recipe)
    if todo:
        check_memory(recipe, min(workers, len(todo)))
    output = open_output(out)
    output.prepare()

    def write_manifest() -> dict:
        shards = [records[i] for i in sorted(records)]
        skipped: Counter = Counter(setup_skipped)
        for r in shards:
            skipped.update(r.get("skipped_inputs", {}))
        m = dict(header)
        m["complete"] = len(shards) == len(tasks)
        m["total_bytes"] = sum(int(r["bytes"]) for r in shards)
        m["skipped_inputs"] = dict(sorted(skipped.items()))
        m["shards"] = shards
        output.write_atomic(MANIFEST, dump_manifest(m))
        return m

    def on_shard(r: dict) -> None:
        records[r["index"]] = r
        write_manifest()

    result = RepairResult()
    if todo:
        run_local(recipe, seed, todo, output, workers, on_shard, progress,
                  kept_samples=samples - sum(t.samples for t in todo))
        output.remove_temporaries()  # left by workers that died mid-shard
    result.manifest = write_manifest()
    for t in todo:
        result.written.append(t.index)
        if old_sha[t.index] == records[t.index]["sha256"]:
            result.identical.append(t.index)
        elif old_sha[t.index] is not None:
            result.differs.append(t.index)
    return result
