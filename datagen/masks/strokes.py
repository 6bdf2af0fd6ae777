"""DeepFill-style free-form brush strokes (Yu et al., "Free-Form Image Inpainting with
Gated Convolution", the `brush_stroke_mask` generator).

A stroke is a zig-zag polyline: it starts at a uniform random point, and its segments
alternate between the directions -a and +a with a ~ U(mean - U(0, range), mean + U(0, range))
(mean 2pi/5, range 2pi/15), lengths N(d, d/2) clipped to [0, 2d] with d = frame
diagonal / 8, vertices clipped to the frame. It is drawn with one width (12-40 px at
256x256, i.e. 0.047-0.156 of the short side) and round joints; 1-3 strokes make a mask,
and the result is flipped left-right and up-down with p = 0.5 each.
"""
from __future__ import annotations

import math

import numpy as np

from datagen.masks.raster import draw_polyline
from datagen.recipe.dist import Int, Num
from datagen.recipe.schema import Strict


class StrokeShape(Strict):
    """Parameters of the `stroke` profile (defaults: DeepFill's)."""

    strokes: Int(1, 32) = {"randint": [1, 3]}
    vertices: Int(1, 64) = {"randint": [4, 11]}
    width: Num(0.001, 1) = {"uniform": [0.047, 0.156]}  # brush width / short side of the frame
    length: Num(0.001, 2) = 0.125  # mean segment length / frame diagonal
    angle: Num(0, 3.1416) = 1.2566  # mean direction change, radians (2pi/5)
    angle_range: Num(0, 3.1416) = 0.4189  # spread of the direction, radians (2pi/15)


def plan_strokes(rng: np.random.Generator, H: int, W: int, spec: StrokeShape) -> list[dict]:
    """Strokes in frame pixels: [{"width": px, "points": [[x, y], ...]}, ...]."""
    diag = math.hypot(H, W)
    out = []
    for _ in range(int(spec.strokes.sample(rng))):
        n = int(spec.vertices.sample(rng))
        mean, spread = float(spec.angle.sample(rng)), float(spec.angle_range.sample(rng))
        a_min = mean - rng.uniform(0, spread)
        a_max = mean + rng.uniform(0, spread)
        avg = float(spec.length.sample(rng)) * diag
        x, y = float(rng.uniform(0, W)), float(rng.uniform(0, H))
        pts = [[x, y]]
        for i in range(n):
            a = rng.uniform(a_min, a_max)
            a = 2 * math.pi - a if i % 2 == 0 else a
            r = float(np.clip(rng.normal(avg, avg / 2), 0, 2 * avg))
            x = float(np.clip(x + r * math.cos(a), 0, W))
            y = float(np.clip(y + r * math.sin(a), 0, H))
            pts.append([x, y])
        width = float(spec.width.sample(rng)) * min(H, W)
        out.append({"width": round(width, 2), "points": pts})
    flip_x, flip_y = bool(rng.random() < 0.5), bool(rng.random() < 0.5)
    for s in out:
        for p in s["points"]:
            p[0] = round(W - p[0] if flip_x else p[0], 2)
            p[1] = round(H - p[1] if flip_y else p[1], 2)
    return out


def strokes_extent(strokes: list[dict]) -> tuple[float, float, float, float]:
    """Bounding box (x0, y0, x1, y1) of the stroke centre lines, widened by half the brush."""
    pts = np.concatenate([np.asarray(s["points"], np.float64) for s in strokes])
    half = max(s["width"] for s in strokes) / 2
    (x0, y0), (x1, y1) = pts.min(0) - half, pts.max(0) + half
    return float(x0), float(y0), float(x1), float(y1)


def stroke_arrays(strokes: list[dict]) -> list[tuple[np.ndarray, float]]:
    """(points as an (N, 2) float array, width) per stroke: converted once, drawn every frame."""
    return [(np.asarray(s["points"], np.float64), float(s["width"])) for s in strokes]


def draw_strokes(mask: np.ndarray, strokes: list[tuple[np.ndarray, float]], transform, scale: float = 1.0) -> None:
    """Draw `stroke_arrays` into an H x W mask, each moved by `transform(points) -> points`,
    with the brush width multiplied by `scale`."""
    for pts, width in strokes:
        draw_polyline(mask, transform(pts), width * scale)
