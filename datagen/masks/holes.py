"""What the hole layers share: the fill choice, per-layer dilation and cutting masks in.

A hole layer builds a (T, H, W) uint8 mask stack from its plan, grows it with its own
dilation (recorded in the plan, so `json` says exactly what was cut), and hands each
frame's box to `Canvas.hole_in_box`, which fills the hole in the corrupted frame and adds
it to the sample mask. Outside the hole corrupted stays equal to clean. Boxes come from
reductions over the whole stack, so dilation and filling only touch each frame's box.
"""
from __future__ import annotations

import cv2
import numpy as np

from datagen.compose import FILLS  # the fills `Canvas.hole` implements
from datagen.recipe.dist import Cat, Int
from datagen.recipe.schema import Strict

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
    reach = how["iterations"] * (how["kernel"] // 2)
    H, W = masks.shape[1:]
    for t, box in enumerate(frame_boxes(masks)):
        if box is None:
            continue
        # only the box grown by the kernel's reach can change (outside it every pixel stays 0)
        x0, y0 = max(box[0] - reach, 0), max(box[1] - reach, 0)
        x1, y1 = min(box[2] + reach, W), min(box[3] + reach, H)
        roi = masks[t, y0:y1, x0:x1]
        cv2.dilate(roi, kernel, dst=roi, iterations=how["iterations"])
    return masks


def frame_boxes(masks: np.ndarray) -> list[tuple[int, int, int, int] | None]:
    """Per frame of a (T, H, W) uint8 stack, the bounding box (x0, y0, x1, y1) of its
    non-zero pixels, or None. One reduction over the stack finds the rows (a max over
    uint8 is ~1.5x cheaper than numpy's any), the columns come from those rows only."""
    rows = masks.max(axis=2)
    out = []
    for t in range(masks.shape[0]):
        ys = np.flatnonzero(rows[t])
        if ys.size == 0:
            out.append(None)
            continue
        y0, y1 = int(ys[0]), int(ys[-1]) + 1
        xs = np.flatnonzero(masks[t, y0:y1].max(axis=0))
        out.append((int(xs[0]), y0, int(xs[-1]) + 1, y1))
    return out


def cut(canvas, masks: np.ndarray, fill: str, seed: int) -> None:
    """Cut each non-empty frame of `masks` into the canvas with the given fill.

    `seed + t` seeds the noise fill of frame t, so noise differs per frame but is fixed by the plan.
    Each frame's box comes from `frame_boxes`, so the canvas only works inside the boxes.
    """
    for t, box in enumerate(frame_boxes(masks)):
        if box is not None:
            x0, y0, x1, y1 = box
            canvas.hole_in_box(t, x0, y0, masks[t, y0:y1, x0:x1], fill, int(seed) + t, tight=True)
