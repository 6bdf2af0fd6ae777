"""Scaling out (issue 11): throughput with 1 and 2 local workers and a local Ray (2 CPUs),
generator memory per worker over a long run, and the time to resume a finished dataset.

- samples/s of `generate()` end to end (process start-up included), as ratios to 1 worker;
- RSS of every local worker process, sampled once a second while `datagen generate`
  makes BENCH_RSS_SAMPLES samples (default 10,000; `--quick`: 400) of the mixed recipe
  (subtitles if recipes/mixed.yaml does not exist); growth after warm-up must stay < 10%;
- seconds to re-run the command over a finished 20-shard dataset (hashing, no generation).

Standalone: `python tools/bench_cases/scaling.py [--quick] [--rss-samples N] [--skip-rss]`.
"""
from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RSS_SAMPLES = 10_000
WARMUP_FRACTION = 0.1
"""RSS growth is measured from the point where this fraction of the samples is done."""


def bench_recipe() -> tuple[str, str]:
    if (ROOT / "recipes" / "mixed.yaml").exists():
        return "mixed", ""
    return "subtitles", "recipes/mixed.yaml does not exist yet: subtitles used"


def _load(name: str):
    from datagen.recipe import load_recipe

    return load_recipe(name)


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished child processes (local pool workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _timed_generate(recipe, out: Path, cpu: list | None = None, **kw) -> float:
    """Wall seconds of one generate(); appends its CPU seconds to `cpu` when given."""
    from datagen.engine import generate

    shutil.rmtree(out, ignore_errors=True)
    c0, t0 = _cpu_seconds(), time.perf_counter()
    generate(recipe, str(out), progress=False, **kw)
    if cpu is not None:
        cpu.append(_cpu_seconds() - c0)
    return time.perf_counter() - t0


def throughput(recipe, samples: int, tmp: Path) -> list[dict]:
    shard = max(1, samples // 8)
    run = dict(samples=samples, seed=0, shard_size=shard)
    cpu: list[float] = []
    t1 = _timed_generate(recipe, tmp / "w1", cpu, workers=1, **run)
    t2 = _timed_generate(recipe, tmp / "w2", cpu, workers=2, **run)
    rows = [
        {"metric": f"local, 1 worker: samples/s ({samples} samples)", "value": samples / t1, "unit": "samples/s"},
        {"metric": "local, 2 workers: samples/s", "value": samples / t2, "unit": "samples/s"},
        {"metric": "local 2 workers / 1 worker", "value": t1 / t2, "unit": "x", "note": "2 cores: ideal 2.0"},
        # CPU time does not depend on what else runs on the machine: it shows what parallelism
        # costs (start-up of each worker, the driver), i.e. the ratio free cores would give
        {"metric": "local, 1 worker: CPU-ms per sample", "value": 1000 * cpu[0] / samples, "unit": "ms"},
        {"metric": "local, 2 workers: CPU-ms per sample (worker start-up included)",
         "value": 1000 * cpu[1] / samples, "unit": "ms"},
        {"metric": "2 workers on 2 free cores / 1 worker (from CPU time)", "value": 2 * cpu[0] / cpu[1],
         "unit": "x", "note": "what the wall-clock ratio is when nothing else runs"},
    ]
    try:
        import ray
    except ImportError:
        rows.append({"metric": "local Ray (2 CPUs)", "value": float("nan"), "unit": "", "note": "ray not installed"})
        return rows
    t0 = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    t_init = time.perf_counter() - t0
    try:
        tr = _timed_generate(recipe, tmp / "ray", workers=2, backend="ray", **run)
        tr_warm = _timed_generate(recipe, tmp / "ray-warm", workers=2, backend="ray", **run)
    finally:
        ray.shutdown()
    same = all((tmp / "w1" / n).read_bytes() == (tmp / "ray" / n).read_bytes()
               for n in os.listdir(tmp / "w1"))
    rows += [
        {"metric": "local Ray (2 CPUs): samples/s (ray.init excluded)", "value": samples / tr, "unit": "samples/s"},
        {"metric": "local Ray (2 CPUs) / 1 local worker", "value": t1 / tr, "unit": "x",
         "note": "byte-identical to local" if same else "DIFFERS FROM LOCAL"},
        {"metric": "local Ray, same run again (workers already started)", "value": samples / tr_warm,
         "unit": "samples/s", "note": f"{t1 / tr_warm:.2f}x 1 local worker"},
        {"metric": "ray.init(num_cpus=2)", "value": t_init, "unit": "s"},
    ]
    return rows


def resume_time(recipe, tmp: Path, quick: bool) -> list[dict]:
    """A finished 20-shard dataset, then the same command again: every shard is hashed and kept."""
    from datagen.engine import generate

    out = tmp / "resume"
    shard = 2 if quick else 10
    t_gen = _timed_generate(recipe, out, workers=2, samples=20 * shard, seed=0, shard_size=shard)
    t0 = time.perf_counter()
    r = generate(recipe, str(out), samples=20 * shard, workers=2, seed=0, shard_size=shard, progress=False)
    t_resume = time.perf_counter() - t0
    assert (r.kept, r.written) == (20, 0), (r.kept, r.written)
    return [
        {"metric": f"resume a finished 20-shard dataset ({r.bytes / 1e6:.0f} MB)", "value": t_resume, "unit": "s",
         "note": f"generating it took {t_gen:.1f} s"},
        {"metric": "resume time / generation time", "value": t_resume / t_gen, "unit": "x"},
    ]


# -- memory over a long run --------------------------------------------------------------
def _workers(pid: int) -> list[int]:
    """The pool worker processes of a `datagen generate` process (not its resource tracker)."""
    try:
        kids = [int(k) for k in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    out = []
    for k in kids:
        try:
            if b"spawn_main" in Path(f"/proc/{k}/cmdline").read_bytes():
                out.append(k)
        except OSError:
            pass
    return out


def _memory(pid: int) -> tuple[int, int] | None:
    """(RSS, anonymous) bytes of a process. RSS also counts file pages mapped from disk,
    e.g. every FreeType face of a 3 MB CJK font maps the file again (shared page cache,
    not new memory); anonymous memory is what the process allocated itself, where a leak
    would show."""
    try:
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
        return int(fields["Rss"].split()[0]) * 1024, int(fields["Anonymous"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return None


def _samples_done(out: Path, samples: int, shard_size: int) -> int:
    """Samples in final shards (counted from the folder: the manifest lags by design)."""
    return min(samples, len(list(out.glob("shard-*.tar"))) * shard_size)


def rss_curve(recipe_name: str, samples: int, tmp: Path) -> list[dict]:
    """Run `datagen generate` with 2 workers; sample each worker's RSS once a second."""
    out = tmp / "rss"
    shard_size = 50 if samples >= 2000 else 10
    cmd = [sys.executable, "-m", "datagen", "generate", recipe_name, "--out", str(out), "--samples", str(samples),
           "--workers", "2", "--shard-size", str(shard_size), "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    points: list[tuple[int, dict[int, tuple[int, int]]]] = []  # (samples done, {worker pid: (rss, anon)})
    t0 = time.perf_counter()
    while proc.poll() is None:
        mem = {k: m for k in _workers(proc.pid) if (m := _memory(k)) is not None}
        if mem:
            points.append((_samples_done(out, samples, shard_size), mem))
        time.sleep(1.0)
    seconds = time.perf_counter() - t0
    err = proc.stderr.read()
    if proc.returncode != 0:
        raise RuntimeError(f"generate failed: {err.strip()[-500:]}")
    rows = []
    pids = sorted({pid for _, mem in points for pid in mem})
    for i, pid in enumerate(pids):
        for kind, k in (("RSS", 0), ("anonymous memory", 1)):
            series = [(done, mem[pid][k]) for done, mem in points if pid in mem and done < samples]
            rows += _growth_rows(f"worker {i + 1} {kind}", series, samples)
    rows.append({"metric": f"RSS run: {samples} samples of {recipe_name}, 2 workers", "value": samples / seconds,
                 "unit": "samples/s", "note": f"{len(points)} RSS samples over {seconds:.0f} s"})
    return rows


def _growth_rows(label: str, series: list[tuple[int, int]], samples: int) -> list[dict]:
    start = _median(series, WARMUP_FRACTION, 2 * WARMUP_FRACTION, samples)
    end = _median(series, 0.8, 1.0, samples)
    if start is None or end is None:
        raise RuntimeError("too few memory samples after warm-up; run more samples")
    growth = (end - start) / start
    peak = max(r for done, r in series if done >= WARMUP_FRACTION * samples)
    curve = ", ".join(f"{(_median(series, f - 0.05, f + 0.05, samples) or 0) / 2**20:.0f}"
                      for f in (0.05, 0.1, 0.25, 0.5, 0.75, 0.95))
    return [
        {"metric": f"{label} after warm-up (median over 10-20% of samples)", "value": start / 2**20, "unit": "MiB",
         "note": f"medians near 5/10/25/50/75/95%: {curve} MiB; peak {peak / 2**20:.0f} MiB"},
        {"metric": f"{label} growth after warm-up (median 80-100% vs 10-20%)", "value": 100 * growth, "unit": "%",
         "note": "PASS (< 10%)" if growth < 0.10 else "GROWS"},
    ]


def _median(series: list[tuple[int, int]], lo: float, hi: float, samples: int) -> float | None:
    """Median RSS of the points taken while between lo and hi of the samples were done.

    A median, not a peak: one sample's buffers come and go (tens of MB at 432x240x16),
    a leak does not."""
    vals = sorted(r for done, r in series if lo * samples <= done <= hi * samples)
    return float(vals[len(vals) // 2]) if vals else None


def run(args) -> list[dict]:
    quick = bool(getattr(args, "quick", False))
    name, note = bench_recipe()
    recipe = _load(name)
    rss_samples = int(getattr(args, "rss_samples", None) or os.environ.get("BENCH_RSS_SAMPLES", 0)
                      or (400 if quick else RSS_SAMPLES))
    tmp = Path(tempfile.mkdtemp(prefix="bench-scaling-"))
    show = getattr(args, "show", None) or (lambda rows: None)
    try:
        rows = throughput(recipe, 64 if quick else 320, tmp)
        show(rows)
        rows += resume_time(recipe, tmp, quick)
        show(rows[-2:])
        if not getattr(args, "skip_rss", False):
            rows += rss_curve(name, rss_samples, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for r in rows:
        r["metric"] = f"{name}: {r['metric']}"
    if note:
        rows[0]["note"] = (rows[0].get("note", "") + " " + note).strip()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    rows.append({"metric": "load average at the end (other processes skew timings)", "value": load, "unit": ""})
    return rows


if __name__ == "__main__":
    import argparse

    sys.path.insert(0, str(ROOT))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rss-samples", type=int, help=f"samples of the RSS run (default {RSS_SAMPLES})")
    ap.add_argument("--skip-rss", action="store_true", help="only throughput and resume time")
    def show(rows):
        for row in rows:
            print(f"{row['metric']:<72} {row['value']:>10.3f} {row.get('unit', ''):<10} {row.get('note', '')}",
                  flush=True)

    args = ap.parse_args()
    args.show = show
    rows = run(args)
    print("--- all rows")
    show(rows)
