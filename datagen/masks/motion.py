"""Random walks for moving holes: constant-ish speed, Gaussian kicks, bounces at borders.

The video-inpainting masks (STTN and the models that reuse its generator) move a shape
at 1-3 px/frame and perturb speed and heading with Gaussian kicks every frame. Here the
walk is sub-pixel (no truncation to whole pixels), the speed stays inside the range the
recipe gives, and a border reflects the heading (a real bounce) instead of drawing a
new random velocity.
"""
from __future__ import annotations

import math

import numpy as np


def bounce_walk(rng: np.random.Generator, frames: int, start: tuple[float, float],
                box: tuple[float, float, float, float], speed: float, speed_range: tuple[float, float],
                speed_kick: float, angle_kick: float) -> list[tuple[float, float]]:
    """Positions of a point for `frames` frames, starting at `start`, kept in
    box = (x0, y0, x1, y1) by reflection. Speed is in px/frame and is clipped to
    `speed_range` after each kick; kicks are N(0, speed_kick) and N(0, angle_kick) (radians)."""
    x0, y0, x1, y1 = box
    x, y = start
    angle = float(rng.uniform(0, 2 * math.pi))
    lo, hi = speed_range
    out = [(float(x), float(y))]
    for _ in range(frames - 1):
        x += speed * math.cos(angle)
        y += speed * math.sin(angle)
        x, fx = _reflect(x, x0, x1)
        y, fy = _reflect(y, y0, y1)
        if fx:
            angle = math.pi - angle
        if fy:
            angle = -angle
        out.append((float(x), float(y)))
        speed = float(np.clip(speed + rng.normal(0.0, speed_kick), lo, hi)) if speed_kick > 0 else speed
        if angle_kick > 0:
            angle += float(rng.normal(0.0, angle_kick))
    return out


def _reflect(v: float, lo: float, hi: float) -> tuple[float, bool]:
    """Fold v back into [lo, hi]; True when it hit a border."""
    if hi <= lo:
        return (lo + hi) / 2, False
    hit = False
    for _ in range(8):  # a step longer than the box folds more than once
        if v < lo:
            v, hit = 2 * lo - v, True
        elif v > hi:
            v, hit = 2 * hi - v, True
        else:
            break
    return min(max(v, lo), hi), hit


def ramp(frames: int, total: float) -> list[float]:
    """A linear ramp from 0 to `total` over the clip (zoom or rotation over time)."""
    if frames <= 1:
        return [0.0] * frames
    return [total * t / (frames - 1) for t in range(frames)]
