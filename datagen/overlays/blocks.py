"""Pixel-block logos: grids and mosaics of coloured blocks drawn with PIL ImageDraw.

Like identicons, four-square marks and pixel-art channel logos: a rows x cols grid
(mirror-symmetric most of the time, as logos are), cells filled from a small palette,
solid or hollow, with gaps, rounded corners, an optional backing plate and border.
Blocks are drawn at integer cell sizes so edges stay crisp, like real pixel marks.
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from datagen.overlays.colors import BRAND, hex_rgb, palette, pick
from datagen.overlays.sprite import Sprite


def design(rng: np.random.Generator) -> dict:
    rows = int(rng.integers(2, 7))
    cols = int(rng.integers(2, 7)) if rng.random() < 0.6 else rows
    n_colors = int(pick(rng, [1, 2, 2, 3, 3, 4, 5]))
    colors = palette(rng, n_colors)
    symmetric = bool(rng.random() < 0.7)
    fill_p = float(rng.uniform(0.45, 0.95))
    cells = []
    for _ in range(rows):
        half = (cols + 1) // 2 if symmetric else cols
        row = [int(rng.integers(n_colors)) if rng.random() < fill_p else -1 for _ in range(half)]
        if symmetric:
            row = row + row[: cols - half][::-1]
        cells.append(row)
    if all(c < 0 for row in cells for c in row):
        cells[rows // 2][cols // 2] = 0
    d = {
        "kind": "blocks",
        "rows": rows,
        "cols": cols,
        "cells": cells,
        "palette": colors,
        "hollow": bool(rng.random() < 0.2),
        "gap": round(float(rng.uniform(0.0, 0.22)) if rng.random() < 0.6 else 0.0, 3),
        "rounded": round(float(rng.uniform(0.1, 0.45)) if rng.random() < 0.3 else 0.0, 3),
        "plate": None,
        "border": None,
    }
    if rng.random() < 0.35:
        d["plate"] = pick(rng, ["#FFFFFF", "#111111", "#F5F5F5", pick(rng, BRAND)])
    if rng.random() < 0.3:
        d["border"] = pick(rng, ["#FFFFFF", "#111111", colors[0]])
    return d


def draw(d: dict, height: int) -> Sprite:
    rows, cols = d["rows"], d["cols"]
    framed = d["plate"] is not None or d["border"] is not None
    margin_cells = 0.5 if framed else 0.0
    cell = max(2, int(height // (rows + 2 * margin_cells)))
    m = int(round(margin_cells * cell))
    W, H = cols * cell + 2 * m, rows * cell + 2 * m
    img = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    dr = ImageDraw.Draw(img)
    bw = max(1, cell // 6)
    if d["plate"] is not None:
        dr.rounded_rectangle((0, 0, W - 1, H - 1), radius=int(cell * 0.4), fill=hex_rgb(d["plate"]) + (255,))
    if d["border"] is not None:
        dr.rounded_rectangle((0, 0, W - 1, H - 1), radius=int(cell * 0.4), outline=hex_rgb(d["border"]) + (255,),
                             width=bw)
    gap = int(round(d["gap"] * cell))
    radius = int(round(d["rounded"] * (cell - gap)))
    for r, row in enumerate(d["cells"]):
        for c, k in enumerate(row):
            if k < 0:
                continue
            x0, y0 = m + c * cell + gap // 2, m + r * cell + gap // 2
            x1, y1 = x0 + cell - gap - 1, y0 + cell - gap - 1
            if x1 < x0 or y1 < y0:
                continue
            color = hex_rgb(d["palette"][k]) + (255,)
            if d["hollow"]:
                dr.rounded_rectangle((x0, y0, x1, y1), radius=radius, outline=color, width=max(1, cell // 5))
            else:
                dr.rounded_rectangle((x0, y0, x1, y1), radius=radius, fill=color)
    arr = np.asarray(img)
    rgb = np.ascontiguousarray(arr[..., :3])
    alpha = np.ascontiguousarray(arr[..., 3])
    rgb[alpha == 0] = 0
    return Sprite(rgb, alpha)
