"""Training loader: decoded samples/s per worker at 432x240x16 (issue 7).

Writes a small mixed-recipe set (12 clips, 432x240, 16 frames) to a temp folder and
streams it through the training pipeline (datagen.train.data: tar streaming, shuffle
buffer, frame choice, OpenCV decoding of clean + corrupted + mask, batching) in this
process, i.e. what one loader worker does. Reported for whole 16-frame clips (every
frame decoded) and for the base config's 8-frame crops. A GPU step that needs more
samples/s than `workers x` this number is loader-bound.
"""
from __future__ import annotations

import tempfile
import time


def _measure(urls, data_cfg, batches: int) -> float:
    from datagen.train.data import TrainStream

    it = iter(TrainStream(urls, data_cfg, seed=0))
    next(it)  # warm up: fills the shuffle buffer
    t0 = time.perf_counter()
    n = 0
    for _ in range(batches):
        n += len(next(it)["key"])
    return n / (time.perf_counter() - t0)


def run(args):
    import cv2

    from datagen.engine.run import generate
    from datagen.recipe import load_recipe
    from datagen.train.config import load_config

    cv2.setNumThreads(1)
    with tempfile.TemporaryDirectory() as tmp:
        generate(load_recipe("mixed"), tmp, samples=12, workers=1, seed=0, shard_size=6, progress=False)
        urls = [f"{tmp}/shard-000000.tar", f"{tmp}/shard-000001.tar"]
        base = load_config("base").data
        n = 8 if args.quick else 40
        whole = base.model_copy(update={"frames": 16, "strides": [1], "batch_size": 2, "shuffle_buffer": 4,
                                        "epoch_batches": 10**6})
        crop = base.model_copy(update={"batch_size": 2, "shuffle_buffer": 4, "epoch_batches": 10**6})
        r16 = _measure(urls, whole, n)
        r8 = _measure(urls, crop, n)
    return [
        {"metric": "loader: decoded samples/s per worker, 432x240x16 whole clips", "value": r16,
         "unit": "samples/s", "note": f"{16 * r16:.0f} frame triplets/s"},
        {"metric": "loader: decoded samples/s per worker, 8-frame crops (base)", "value": r8,
         "unit": "samples/s", "note": f"{8 * r8:.0f} frame triplets/s"},
    ]
