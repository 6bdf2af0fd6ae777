"""`datagen verify OUT_DIR`: every shard against manifest.json, every sample for completeness.

Shard level: listed in the manifest as the run plans it (name, first sample, count),
present, size and sha256 as recorded, a readable tar holding exactly the planned
sample keys in order. Sample level: a json that parses and names this sample and
clip; every stream of the manifest has all T frames, numbered as the contract says,
with nothing extra; every frame decodes at the clip size (JPEGs must also end with
their end-of-image marker, since decoders fill a cut-off JPEG with grey instead of
failing); masks are single-channel 0/255. With `--fix` the shards with any problem
are regenerated (`datagen.engine.repair`) and checked again.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import tarfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import cv2
import numpy as np
from tqdm import tqdm

from datagen.engine.output import open_output
from datagen.engine.plan import ShardTask, plan_shards
from datagen.engine.repair import planned_entry, repair_shards
from datagen.engine.run import MANIFEST
from datagen.errors import UserError
from datagen.reader import iter_raw
from datagen.sample import frame_digits, sample_key

MAX_LISTED = 12  # problems printed per shard (all count)
JPEG_EOI = b"\xff\xd9"


@dataclass
class Problem:
    where: str  # shard name or manifest.json
    message: str
    key: str = ""  # sample key, when the problem is inside one sample

    def __str__(self) -> str:
        return f"{self.where}: {self.key + ': ' if self.key else ''}{self.message}"


@dataclass
class ShardCheck:
    """What one shard must be, from the manifest and the run plan."""

    task: ShardTask
    record: dict | None  # the manifest's entry, None when it is missing
    recipe_name: str
    seed: int
    clip: dict
    streams: dict  # stream -> file extension


@dataclass
class ShardReport:
    index: int
    name: str
    samples: int = 0
    frames: int = 0
    problems: list[Problem] = field(default_factory=list)


# -- the manifest ------------------------------------------------------------------------
def read_manifest_text(out_dir: str) -> str:
    text = open_output(out_dir).read_text(MANIFEST)
    if text is None:
        raise UserError(f"no readable {MANIFEST}: not a dataset folder written by `datagen generate`", path=out_dir)
    return text


def check_manifest(text: str) -> tuple[dict | None, list[ShardCheck], list[Problem]]:
    """Parse the manifest and plan what every shard must be; manifest-level problems."""
    try:
        m = json.loads(text)
    except json.JSONDecodeError as e:
        return None, [], [Problem(MANIFEST, f"does not parse as JSON ({e.msg} at line {e.lineno})")]
    need = ("samples", "shard_size", "shards", "streams", "clip", "recipe_name", "seed")
    missing = [k for k in need if k not in m] if isinstance(m, dict) else list(need)
    if missing:
        return None, [], [Problem(MANIFEST, f"lacks {', '.join(missing)}")]
    clip, streams = m["clip"], m["streams"]
    if (not isinstance(m["shards"], list) or not isinstance(streams, dict) or not isinstance(clip, dict)
            or not all(isinstance(clip.get(k), int) for k in ("frames", "width", "height"))):
        return None, [], [Problem(MANIFEST, "shards, streams or clip (frames, width, height) are malformed")]
    problems = []
    try:
        tasks = plan_shards(int(m["samples"]), int(m["shard_size"]))
    except (TypeError, ValueError) as e:
        return None, [], [Problem(MANIFEST, f"bad samples/shard_size ({e})")]
    records = {r.get("index"): r for r in m["shards"] if isinstance(r, dict)}
    checks = []
    for t in tasks:
        r = records.get(t.index)
        if r is not None and (r.get("name"), r.get("first_sample"), r.get("samples")) != planned_entry(t):
            problems.append(Problem(MANIFEST, f"entry {t.index} is {r.get('name')} from sample "
                                              f"{r.get('first_sample')} x{r.get('samples')}, the run plans "
                                              f"{t.name} from {t.first_sample} x{t.samples}"))
            r = None
        checks.append(ShardCheck(t, r, str(m["recipe_name"]), int(m["seed"]), m["clip"], m["streams"]))
    extra = sorted(set(records) - {t.index for t in tasks}, key=str)
    if extra:
        problems.append(Problem(MANIFEST, f"lists shards the run does not plan: {extra}"))
    if not m.get("complete"):
        problems.append(Problem(MANIFEST, "is not marked complete (the run was interrupted)"))
    listed = [c.record for c in checks if c.record]
    if m.get("total_bytes") != sum(int(r.get("bytes") or 0) for r in listed):
        problems.append(Problem(MANIFEST, f"total_bytes {m.get('total_bytes')} is not the sum of its shards' bytes"))
    return m, checks, problems


# -- one sample --------------------------------------------------------------------------
def _check_frame(data: bytes, ext: str, stream: str, H: int, W: int) -> str | None:
    if ext in ("jpg", "jpeg") and not data.rstrip(b"\0").endswith(JPEG_EOI):
        return "truncated JPEG (no end-of-image marker)"
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if img is None:
        return "does not decode"
    gray = stream in ("mask", "alpha")
    want = (H, W) if gray else (H, W, 3)
    if img.shape != want or img.dtype != np.uint8:
        return f"is {'x'.join(map(str, img.shape))} {img.dtype}, expected {'x'.join(map(str, want))} uint8"
    if stream == "mask" and np.any((img != 0) & (img != 255)):
        return "has values other than 0 and 255"
    return None


def check_sample(key: str, files: dict[str, bytes], check: ShardCheck, index: int) -> list[str]:
    """Problems of one sample (messages without the shard/key prefix)."""
    out = []
    T, H, W = int(check.clip["frames"]), int(check.clip["height"]), int(check.clip["width"])
    nd = frame_digits(T)
    expected = {f"{s}.{t:0{nd}d}.{ext}": (s, ext) for s, ext in check.streams.items() for t in range(T)}
    missing = sorted(set(expected) - set(files))
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        out.append(f"missing {', '.join(missing[:3])}{more} (of {len(expected)} frame files)")
    if "json" not in files:
        out.append("missing json")
    unexpected = sorted(set(files) - set(expected) - {"json"})
    if unexpected:
        out.append(f"unexpected files {', '.join(unexpected[:3])}")
    for name in sorted(set(expected) & set(files)):
        s, ext = expected[name]
        bad = _check_frame(files[name], ext, s, H, W)
        if bad:
            out.append(f"{name} {bad}")
    if "json" in files:
        out.extend(_check_json(files["json"], key, index, check, T))
    return out


def _check_json(data: bytes, key: str, index: int, check: ShardCheck, T: int) -> list[str]:
    try:
        meta = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        return [f"json does not parse ({e})"]
    if not isinstance(meta, dict):
        return ["json is not an object"]
    out = []
    if meta.get("key") != key or meta.get("index") != index:
        out.append(f"json names sample {meta.get('key')!r} index {meta.get('index')!r}")
    if meta.get("clip") != check.clip:
        out.append(f"json clip {meta.get('clip')} differs from the manifest's {check.clip}")
    layers = meta.get("layers")
    if not isinstance(layers, list):
        out.append("json has no layers list")
    else:
        for k, layer in enumerate(layers):
            frames = layer.get("frames") if isinstance(layer, dict) else None
            if not isinstance(frames, list) or len(frames) != T:
                out.append(f"json layers[{k}].frames does not have {T} entries")
    cov = meta.get("mask_coverage")
    if not isinstance(cov, list) or len(cov) != T:
        out.append(f"json mask_coverage does not have {T} entries")
    return out


# -- one shard ---------------------------------------------------------------------------
def check_shard(out_dir: str, check: ShardCheck) -> ShardReport:
    t = check.task
    rep = ShardReport(t.index, t.name)

    def problem(msg: str, key: str = "") -> None:
        rep.problems.append(Problem(t.name, msg, key))

    output = open_output(out_dir)
    if check.record is None:
        problem("not in manifest.json (run the same generate command again, or verify --fix)")
    if not output.exists(t.name):
        problem("missing")
        return rep
    if check.record is not None:
        size = output.size(t.name)
        if size != check.record.get("bytes"):
            problem(f"size {size} bytes, manifest says {check.record.get('bytes')} (truncated or overwritten)")
        digest = output.sha256(t.name)
        if digest != check.record.get("sha256"):
            problem(f"sha256 {str(digest)[:12]}…, manifest says {str(check.record.get('sha256'))[:12]}…")
    keys = [sample_key(check.recipe_name, check.seed, i) for i in range(t.first_sample, t.first_sample + t.samples)]
    seen: list[str] = []
    try:
        for key, files in iter_raw(output.join(t.name)):
            pos = len(seen)
            seen.append(key)
            if pos >= len(keys) or key != keys[pos]:
                want = keys[pos] if pos < len(keys) else "no more samples"
                problem(f"sample {pos} of the shard is {key!r}, expected {want!r}")
                continue
            rep.samples += 1
            rep.frames += int(check.clip["frames"])
            for msg in check_sample(key, files, check, t.first_sample + pos):
                problem(msg, key)
    except (tarfile.TarError, OSError, EOFError) as e:
        problem(f"unreadable tar after {len(seen)} complete samples ({e})")
    if len(seen) != len(keys):
        problem(f"holds {len(seen)} samples, manifest plans {len(keys)}")
    return rep


def _check_in_worker(out_dir: str, check: ShardCheck) -> ShardReport:
    cv2.setNumThreads(1)
    return check_shard(out_dir, check)


def check_shards(out_dir: str, checks: list[ShardCheck], workers: int = 1, progress: bool = True) -> list[ShardReport]:
    """Check shards in `workers` processes; reports in shard order."""
    bar = tqdm(total=sum(c.task.samples for c in checks), unit="sample", desc="verify", disable=not progress,
               dynamic_ncols=True)
    reports = []
    try:
        if workers <= 1 or len(checks) <= 1:
            for c in checks:
                reports.append(check_shard(out_dir, c))
                bar.update(c.task.samples)
        else:
            with ProcessPoolExecutor(min(workers, len(checks)), mp_context=mp.get_context("spawn")) as pool:
                for c, rep in zip(checks, pool.map(_check_in_worker, [out_dir] * len(checks), checks)):
                    reports.append(rep)
                    bar.update(c.task.samples)
    finally:
        bar.close()
    return reports


def stray_files(out_dir: str, checks: list[ShardCheck]) -> list[str]:
    """Shard-like files in the folder that the manifest does not plan (reported, not failed)."""
    planned = {c.task.name for c in checks}
    try:
        names = open_output(out_dir).list()
    except (OSError, NotImplementedError):
        return []
    return [n for n in names if n.endswith(".tar") and n not in planned]


# -- the command -------------------------------------------------------------------------
def print_problems(problems: list[Problem]) -> None:
    by_where: dict[str, list[Problem]] = {}
    for p in problems:
        by_where.setdefault(p.where, []).append(p)
    for where, ps in by_where.items():
        for p in ps[:MAX_LISTED]:
            print(f"  {p}")
        if len(ps) > MAX_LISTED:
            print(f"  {where}: … and {len(ps) - MAX_LISTED} more problems")


def run_verify(out_dir: str, fix: bool = False, workers: int = 1, progress: bool = True) -> int:
    """Exit status 0 when everything matches, 1 with the list of problems."""
    manifest, checks, problems = check_manifest(read_manifest_text(out_dir))
    reports = check_shards(out_dir, checks, workers, progress) if manifest else []
    for r in reports:
        problems.extend(r.problems)
    for name in stray_files(out_dir, checks):
        print(f"datagen: note: {name} is not part of this dataset's manifest (left alone)")
    samples, frames = sum(r.samples for r in reports), sum(r.frames for r in reports)
    if not problems:
        print(f"OK: {len(reports)} shards, {samples} samples, {frames} frames match {MANIFEST} -> {out_dir}")
        return 0
    broken = [r.index for r in reports if r.problems]
    print(f"{len(problems)} problems ({len(broken)} broken shards of {len(checks)}; "
          f"{samples} samples read) in {out_dir}:")
    print_problems(problems)
    if not fix:
        if manifest:
            print(f"run `datagen verify {out_dir} --fix` to regenerate the broken shards")
        return 1
    if manifest is None:
        print(f"cannot fix: {MANIFEST} itself is unusable (regenerate the dataset)")
        return 1
    return fix_and_recheck(out_dir, manifest, broken, workers, progress)


def fix_and_recheck(out_dir: str, manifest: dict, broken: list[int], workers: int, progress: bool) -> int:
    """Regenerate the broken shards, rewrite the manifest, check those shards again."""
    names = ", ".join(plan_shards(int(manifest["samples"]), int(manifest["shard_size"]))[i].name for i in broken)
    print(f"regenerating {len(broken)} shard(s){': ' + names if names else ''} and rewriting {MANIFEST}")
    result = repair_shards(out_dir, manifest, broken, workers=workers, progress=progress)
    for idx in result.differs:
        print(f"datagen: warning: shard {idx} came out different from its manifest record "
              "(fonts, corpora or datagen version changed since the run?); the manifest now records the new bytes")
    _, checks, problems = check_manifest(read_manifest_text(out_dir))
    again = set(broken)
    reports = check_shards(out_dir, [c for c in checks if c.task.index in again], workers, progress)
    problems += [p for r in reports for p in r.problems]
    if problems:
        print(f"still {len(problems)} problems after --fix:")
        print_problems(problems)
        return 1
    same = len(result.identical)
    print(f"fixed: {len(broken)} shard(s) regenerated ({same} byte-identical to the original record), "
          f"{MANIFEST} rewritten; re-check OK -> {out_dir}")
    return 0
