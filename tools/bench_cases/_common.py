"""Shared measurement: end-to-end generation vs the encode floor, on one core."""
from __future__ import annotations

import io
import time

import cv2
import numpy as np


def measure_recipe(recipe_name: str, samples: int, overrides: list[str] | None = None, seed: int = 0) -> dict:
    """Frame-triplets/s of the full pipeline (build + encode + tar) in this process, one core,
    and of the floor: encoding the same clean+corrupted JPEGs and mask PNGs alone."""
    from webdataset import TarWriter

    from datagen.recipe import load_recipe
    from datagen.sample import SampleBuilder

    cv2.setNumThreads(1)
    recipe = load_recipe(recipe_name, overrides or [])
    builder = SampleBuilder(recipe)
    builder.encode(builder.build(seed, 10_000_000))  # warm caches (fonts, corpora, sources)

    built = []
    sink = io.BytesIO()
    tw = TarWriter(sink, encoder=False, mtime=0)
    t0 = time.perf_counter()
    for i in range(samples):
        s = builder.build(seed, i)
        tw.write({"__key__": s.key, **builder.encode(s)})
        built.append(s)
    e2e = time.perf_counter() - t0
    frames = sum(s.clean.shape[0] for s in built)

    q = [cv2.IMWRITE_JPEG_QUALITY, recipe.encode.quality]
    t0 = time.perf_counter()
    for s in built:
        for t in range(s.clean.shape[0]):
            cv2.imencode(".jpg", cv2.cvtColor(s.clean[t], cv2.COLOR_RGB2BGR), q)
            cv2.imencode(".jpg", cv2.cvtColor(s.corrupted[t], cv2.COLOR_RGB2BGR), q)
            cv2.imencode(".png", s.mask[t])
    floor = time.perf_counter() - t0
    return {"frames": frames, "e2e_s": e2e, "floor_s": floor, "e2e_fps": frames / e2e,
            "floor_fps": frames / floor, "ratio": floor / e2e,
            "mean_coverage": float(np.mean([s.mask.mean() / 255 for s in built]))}


def rows_for(name: str, m: dict) -> list[dict]:
    return [
        {"metric": f"{name}: end-to-end frame triplets/s (1 worker)", "value": m["e2e_fps"], "unit": "triplets/s"},
        {"metric": f"{name}: encode floor triplets/s (same frames)", "value": m["floor_fps"], "unit": "triplets/s"},
        {"metric": f"{name}: ratio end-to-end / floor (target >= 0.5)", "value": m["ratio"], "unit": "x",
         "note": "PASS" if m["ratio"] >= 0.5 else "BELOW TARGET"},
    ]
