"""What the hole layers share: the fill choice, per-layer dilation and cutting masks in.

A hole layer builds a (T, H, W) uint8 mask stack from its plan, grows it with its own
dilation (recorded in the plan, so `json` says exactly what was cut), and hands each
frame to `Canvas.hole`, which fills the hole in the corrupted frame and adds it to the
sample mask. Outside the hole corrupted stays equal to clean.
"""
from __future__ import annotations

import cv2
import numpy as np

from datagen.recipe.dist import Cat, Int
from datagen.recipe.schema import Strict

FILLS = ("black", "grey", "mean", "noise", "blur")
"""Hole fills implemented by `datagen.compose.Canvas.hole`."""

DEFAULT_FILL = {"choice": list(FILLS), "weights": [0.3, 0.2, 0.2, 0.15, 0.15]}

_SHAPES = {"cross": cv2.MORPH_CROSS, "ellipse": cv2.MORPH_ELLIPSE, "rect": cv2.MORPH_RECT}


class HoleDilate(Strict):
    """Grow the layer's own hole before it is cut (the video-inpainting test masks use a
    3x3 cross, 4 iterations). Any value may be a distribution."""

    kernel: Int(1, 63) = 3
    iterations: Int(0, 64) = 0
    shape: Cat(list(_SHAPES)) = "cross"

    def draw(self, rng: np.random.Generator) -> dict:
        return {"kernel": int(self.kernel.sample(rng)), "iterations": int(self.iterations.sample(rng)),
                "shape": str(self.shape.sample(rng))}


def dilate(masks: np.ndarray, how: dict) -> np.ndarray:
    """Dilate every frame of a (T, H, W) uint8 stack in place, as `how` (a drawn HoleDilate) says."""
    if how["iterations"] <= 0 or how["kernel"] <= 1:
        return masks
    kernel = cv2.getStructuringElement(_SHAPES[how["shape"]], (how["kernel"], how["kernel"]))
    for t in range(masks.shape[0]):
        if masks[t].any():
            cv2.dilate(masks[t], kernel, dst=masks[t], iterations=how["iterations"])
    return masks


def cut(canvas, masks: np.ndarray, fill: str, seed: int) -> None:
    """Cut each non-empty frame of `masks` into the canvas with the given fill.

    `seed + t` seeds the noise fill of frame t, so noise differs per frame but is fixed by the plan.
    """
    for t in range(masks.shape[0]):
        m = masks[t]
        if m.any():
            canvas.hole(t, m > 0, fill, int(seed) + t)
