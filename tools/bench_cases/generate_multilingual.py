"""Multilingual and danmaku recipes at 432x240x16: end-to-end vs encode floor (issue 9).

Also the subtitle layer alone per effect and layout (plan + render on a flat clip, no
encoding), to see what each costs next to the plain horizontal line."""
from __future__ import annotations

import time

from bench_cases._common import measure_recipe, rows_for

VARIANTS = {
    "plain": [],
    "bilingual": ["layers.0.layout.mode=bilingual"],
    "vertical": ["layers.0.texts=[{corpus: ja}]", "layers.0.layout.mode=vertical"],
    "karaoke": ["layers.0.effect.kind=karaoke"],
    "typewriter": ["layers.0.effect.kind=typewriter"],
    "rollup": ["layers.0.effect.kind=rollup"],
    "shaped (ar, hi, th)": ["layers.0.texts=[{corpus: ar}, {corpus: hi}, {corpus: th}]"],
}


def _layer_ms(overrides: list[str], samples: int) -> float:
    import numpy as np

    from datagen import rng as rngmod
    from datagen.compose import Canvas
    from datagen.layers import make_layer
    from datagen.recipe import load_recipe

    r = load_recipe("subtitles", ["layers.0.p=1.0", "layers.0.style.preset=outline",
                                  "layers.0.layout.mode=horizontal", "layers.0.effect.kind=none", *overrides])
    layer = make_layer(r.layers[0])
    clean = np.full((r.clip.frames, r.clip.height, r.clip.width, 3), 90, np.uint8)

    def one(i: int) -> None:
        canvas = Canvas(clean, r.mask)
        layer.render(layer.plan(rngmod.layer_stream(0, i, 0), r.clip), canvas)

    for i in range(3):
        one(10_000 + i)  # warm font caches
    t0 = time.perf_counter()
    for i in range(samples):
        one(i)
    return (time.perf_counter() - t0) / samples * 1000


def run(args):
    n = 12 if args.quick else 40
    rows = rows_for("multilingual 432x240x16", measure_recipe("multilingual", n))
    rows += rows_for("danmaku 432x240x16", measure_recipe("danmaku", n))
    for name, over in VARIANTS.items():
        rows.append({"metric": f"subtitle layer alone, {name}: plan + render per clip", "value": _layer_ms(over, n),
                     "unit": "ms/clip"})
    return rows
