"""Tiled watermarks: a line of text (or the logo) repeated across the frame, rotated.

The stock-footage look: "© Velora Stock" in faint white, tilted about 30 degrees,
repeated on a staggered grid over the whole frame. The result is one frame-sized
sprite that is composited on every frame like a static logo.
"""
from __future__ import annotations

import math

import cv2
import numpy as np
from pydantic import Field

from datagen.errors import InputSkipped
from datagen.overlays import lettering, names
from datagen.overlays.colors import WATERMARK, hex_rgb
from datagen.overlays.sprite import Painter, Sprite, from_premul, tint, to_premul
from datagen.recipe.dist import Cat, Num
from datagen.recipe.schema import Strict


class PatternSpec(Strict):
    p: float = Field(0.0, ge=0, le=1, description="chance that the layer is a tiled watermark instead of one mark")
    text_p: float = Field(0.85, ge=0, le=1, description="chance the tile is a text line (else the logo itself)")
    size: Num(0.01, 0.5) = {"uniform": [0.04, 0.08]}  # tile height / frame height
    angle: Num(-90, 90) = {"choice": [-35, -30, -25, -20, 0, 20, 25, 30], "weights": [1, 3, 2, 1, 1, 1, 1, 1]}
    spacing: Num(1, 20) = {"uniform": [1.3, 2.2]}  # grid step / tile size
    opacity: Num(0.01, 1) = {"uniform": [0.12, 0.4]}
    color: Cat() = {"choice": WATERMARK, "weights": [5, 2, 1, 1, 1, 0.5]}


def plan_pattern(rng: np.random.Generator, spec: PatternSpec, fonts: list, W: int, H: int,
                 logo_design: dict | None) -> dict:
    size_px = max(6, int(round(spec.size.sample(rng) * H)))
    d: dict = {"mode": "pattern", "height_px": size_px, "angle": round(float(spec.angle.sample(rng)), 2),
               "spacing": round(float(spec.spacing.sample(rng)), 3),
               "opacity": round(float(spec.opacity.sample(rng)), 4), "color": spec.color.sample(rng),
               "stagger": bool(rng.random() < 0.7)}
    if logo_design is None or rng.random() < spec.text_p:
        text = names.watermark_text(rng)
        font = lettering.choose_font(rng, fonts, [text], bold_p=0.5)
        if font is None:
            raise InputSkipped("no_font_for_watermark")
        d["text"], d["font"] = text, font.label
    else:
        d["design"] = logo_design
    d["offset"] = [round(float(rng.uniform(0, 1)), 4), round(float(rng.uniform(0, 1)), 4)]
    return d


def text_tile(text: str, font: str, height: int) -> Sprite:
    size = lettering.size_to_fit(font, text, 1e9, 0.8 * height * 4)
    w, _ = lettering.measure(font, text, size)
    p = Painter(int(math.ceil(w / 4 + 0.2 * height)), height, 4)
    cov, dr = p.layer()
    lettering.draw_centered(dr, font, text, size, p.W / 2, p.H / 2)
    p.over(cov, (255, 255, 255))
    return p.finish()


def render_pattern(plan: dict, tile: Sprite, W: int, H: int) -> Sprite:
    """The frame-sized watermark: `tile` (a text line is tinted; a logo keeps its colours) repeated
    on a (staggered) grid, the grid rotated.

    A text line is one colour, so only its alpha is laid out and warped: its straight
    colour is that colour wherever the result is visible (premultiplied colour over alpha
    gives it back exactly), and the frame-sized float work is a quarter of a colour warp."""
    text = "text" in plan
    t = tint(tile, hex_rgb(plan["color"])) if text else tile
    c_t, a_t = to_premul(t)
    D = int(math.ceil(math.hypot(W, H))) + 2  # the grid covers the frame at any angle
    step_x = max(4, int(round(t.w * plan["spacing"])))
    step_y = max(4, int(round(t.h * plan["spacing"] * 1.5)))
    A = np.zeros((D, D), np.float32)
    C = None if text else np.zeros((D, D, 3), np.float32)
    ox = int(plan["offset"][0] * step_x)
    oy = int(plan["offset"][1] * step_y)
    for row, y in enumerate(range(oy - step_y, D, step_y)):
        shift = step_x // 2 if plan["stagger"] and row % 2 else 0
        for x in range(ox + shift - step_x, D, step_x):
            x0, y0 = max(x, 0), max(y, 0)
            x1, y1 = min(x + t.w, D), min(y + t.h, D)
            if x0 >= x1 or y0 >= y1:
                continue
            A[y0:y1, x0:x1] = a_t[y0 - y:y1 - y, x0 - x:x1 - x]  # tiles never overlap
            if C is not None:
                C[y0:y1, x0:x1] = c_t[y0 - y:y1 - y, x0 - x:x1 - x]
    m = cv2.getRotationMatrix2D((D / 2.0, D / 2.0), plan["angle"], 1.0)
    m[0, 2] -= (D - W) // 2  # whole-pixel shifts: an unrotated pattern keeps crisp, exact tiles
    m[1, 2] -= (D - H) // 2
    A = cv2.warpAffine(A, m, (W, H), flags=cv2.INTER_LINEAR, borderValue=0)
    k = np.float32(plan["opacity"])
    if text:
        alpha8 = np.rint(np.clip(A * k, np.float32(0), np.float32(1)) * np.float32(255)).astype(np.uint8)
        rgb = np.zeros((H, W, 3), np.uint8)
        cv2.copyTo(cv2.merge([np.full((H, W), v, np.uint8) for v in hex_rgb(plan["color"])]), alpha8, rgb)
        return Sprite(rgb, alpha8)
    C = cv2.warpAffine(C, m, (W, H), flags=cv2.INTER_LINEAR, borderValue=0)
    return from_premul(C * k, A * k)
