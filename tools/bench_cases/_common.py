"""Shared measurement: end-to-end generation vs the encode floor, on one core."""
from __future__ import annotations

import io
import os
import time

import cv2
import numpy as np


def cpu_time() -> float:
    """CPU seconds of this thread plus of finished child processes (ffmpeg decoders)."""
    t = os.times()
    return time.thread_time() + t.children_user + t.children_system


def measure_recipe(recipe_name: str, samples: int, overrides: list[str] | None = None, seed: int = 0) -> dict:
    """Frame-triplets/s of the full pipeline (build + encode + tar) in this process, one core,
    and of the floor: encoding the same clean+corrupted JPEGs and mask PNGs alone, each
    frame whole (the pipeline reuses bytes where it can: see `SampleBuilder.encode`)."""
    from datagen.engine.tarwrite import ShardTarWriter
    from datagen.jpeg_patch import params
    from datagen.recipe import load_recipe
    from datagen.sample import SampleBuilder

    cv2.setNumThreads(1)
    recipe = load_recipe(recipe_name, overrides or [])
    builder = SampleBuilder(recipe)
    builder.encode(builder.build(seed, 10_000_000))  # warm caches (fonts, corpora, sources)

    # e2e and floor are measured interleaved, sample by sample, in CPU time of this thread
    # (cv2 runs single-threaded here), so other work on the machine affects both alike
    sink = io.BytesIO()
    tw = ShardTarWriter(sink)
    q = params(recipe.encode.quality, recipe.clip.width)  # the pipeline's JPEG settings (restart intervals)
    e2e = floor = 0.0
    frames = 0
    coverage = []
    for i in range(samples):
        t0 = cpu_time()
        s = builder.build(seed, i)
        tw.write(s.key, builder.encode(s))
        t1 = cpu_time()
        for t in range(s.clean.shape[0]):
            cv2.imencode(".jpg", cv2.cvtColor(s.clean[t], cv2.COLOR_RGB2BGR), q)
            cv2.imencode(".jpg", cv2.cvtColor(s.corrupted[t], cv2.COLOR_RGB2BGR), q)
            cv2.imencode(".png", s.mask[t])
        t2 = cpu_time()
        e2e += t1 - t0
        floor += t2 - t1
        frames += s.clean.shape[0]
        coverage.append(s.mask.mean() / 255)
    return {"frames": frames, "e2e_s": e2e, "floor_s": floor, "e2e_fps": frames / e2e,
            "floor_fps": frames / floor, "ratio": floor / e2e,
            "mean_coverage": float(np.mean(coverage))}


def rows_for(name: str, m: dict) -> list[dict]:
    return [
        {"metric": f"{name}: end-to-end frame triplets/s (1 worker)", "value": m["e2e_fps"], "unit": "triplets/s"},
        {"metric": f"{name}: encode floor triplets/s (same frames)", "value": m["floor_fps"], "unit": "triplets/s"},
        {"metric": f"{name}: ratio end-to-end / floor (target >= 0.5)", "value": m["ratio"], "unit": "x",
         "note": "PASS" if m["ratio"] >= 0.5 else "BELOW TARGET"},
    ]
