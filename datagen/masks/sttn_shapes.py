"""STTN's random Bezier blobs and their motion, with numpy/OpenCV instead of matplotlib.

STTN (Zeng et al. 2020; reused unchanged by E2FGVI, FuseFormer, FGT and ProPainter)
draws a closed path of `corners` cubic Bezier segments whose 3*corners+1 control
points sit at evenly spaced angles on the unit circle with radii uniform in
[1 - jitter, 1 + jitter] (corners 6-8, jitter 0.6/0.7/0.8). It renders the path with
matplotlib into a default 640x480 figure (axes at 0.125-0.9 x 0.11-0.88 of the
figure, both axis limits [1.1 min(verts), 1.1 max(verts)]), resizes the whole figure
to a random box (H/3..H-1 by W/3..W-1), crops to the shape and pastes it at a random
position. With p = 0.5 the mask is static; otherwise it moves by int(speed * cos/sin
(angle)) pixels per frame (initial speed U(1, 3), kicks N(0, 1.5) to speed and N(0, 0.25)
to angle; touching a border draws a fresh velocity) and is clipped to stay in frame.

`sttn_plan`/`sttn_polygon` reproduce exactly that geometry (the figure mapping is a
linear map, so the polygon is mapped directly instead of rendering a figure);
`bezier_outline` and `draw_radii` are shared with the `blob` profile.
"""
from __future__ import annotations

import math

import numpy as np

from datagen.masks.raster import fill_polygons

# matplotlib's default figure: axes occupy [left, right] x [bottom, top] of the figure
_AX_LEFT, _AX_RIGHT, _AX_BOTTOM, _AX_TOP = 0.125, 0.9, 0.11, 0.88
CURVE_SAMPLES = 12
"""Points per cubic segment of the outline (smooth at 1080p, cheap at 240p)."""


def draw_radii(rng: np.random.Generator, corners: int, jitter: float) -> list[float]:
    """Radii of the 3*corners+1 control points; the last point closes the path onto the first."""
    n = 3 * corners + 1
    r = 2 * jitter * rng.random(n) + 1 - jitter
    r[-1] = r[0]
    return [round(float(v), 5) for v in r]


def control_points(radii) -> np.ndarray:
    radii = np.asarray(radii, np.float64)
    angles = np.linspace(0, 2 * np.pi, len(radii))
    verts = np.stack([np.cos(angles), np.sin(angles)], 1) * radii[:, None]
    verts[-1] = verts[0]
    return verts


_T = np.linspace(0, 1, CURVE_SAMPLES, endpoint=False)[:, None]
_BERNSTEIN = np.concatenate([(1 - _T) ** 3, 3 * (1 - _T) ** 2 * _T, 3 * (1 - _T) * _T ** 2, _T ** 3], 1)


def bezier_outline(radii) -> np.ndarray:
    """The closed outline (N, 2) of the blob, in the unit-circle frame of the control points."""
    verts = control_points(radii)
    segs = (len(verts) - 1) // 3
    quads = np.stack([verts[3 * k: 3 * k + 4] for k in range(segs)])  # (segs, 4, 2)
    return np.einsum("tk,skd->std", _BERNSTEIN, quads).reshape(-1, 2)


def normalized_outline(radii, width: float, height: float) -> np.ndarray:
    """The outline stretched to exactly fill a width x height box centred on (0, 0)."""
    pts = bezier_outline(radii)
    lo, hi = pts.min(0), pts.max(0)
    span = np.maximum(hi - lo, 1e-9)
    return (pts - (lo + hi) / 2) / span * np.array([width, height])


def sttn_polygon(radii, box_h: int, box_w: int) -> tuple[np.ndarray, int, int]:
    """STTN's region: the outline as it lands in the figure resized to box_w x box_h,
    shifted so its bounding box starts at (0, 0); returns (polygon, region_h, region_w)."""
    verts = control_points(radii)
    lo, hi = float(verts.min()) * 1.1, float(verts.max()) * 1.1
    pts = bezier_outline(radii)
    u = (pts - lo) / (hi - lo)
    x = (_AX_LEFT + (_AX_RIGHT - _AX_LEFT) * u[:, 0]) * box_w
    y = (1 - _AX_BOTTOM - (_AX_TOP - _AX_BOTTOM) * u[:, 1]) * box_h  # y axis points up in the figure
    x0, y0 = math.floor(x.min()), math.floor(y.min())
    region_w, region_h = math.ceil(x.max()) - x0, math.ceil(y.max()) - y0
    return np.stack([x - x0, y - y0], 1), region_h, region_w


def sttn_plan(rng: np.random.Generator, frames: int, H: int, W: int) -> dict:
    """One STTN shape: its control radii, box and per-frame top-left offsets [x, y]."""
    box_h = int(rng.integers(H // 3, H))  # random.randint(H // 3, H - 1)
    box_w = int(rng.integers(W // 3, W))
    corners = int(rng.integers(6, 9))
    jitter = int(rng.integers(6, 9)) / 10
    radii = draw_radii(rng, corners, jitter)
    _, rh, rw = sttn_polygon(radii, box_h, box_w)
    rh, rw = min(rh, H), min(rw, W)
    row, col = int(rng.integers(0, H - rh + 1)), int(rng.integers(0, W - rw + 1))
    speed, angle = float(rng.uniform(1, 3)), float(rng.uniform(0, 2 * math.pi))
    moving = bool(rng.uniform() <= 0.5)
    offsets = [[col, row]]
    if moving:
        for _ in range(frames - 1):
            row += int(speed * math.cos(angle))  # STTN's x is the row, y the column
            col += int(speed * math.sin(angle))
            speed += float(rng.normal(0, 1.5))
            angle += float(rng.normal(0, 0.25))
            if row > H - rh or row < 0 or col > W - rw or col < 0:
                speed, angle = abs(float(rng.normal(0, 1.5))), float(rng.uniform(0, 2 * math.pi))
            row, col = min(max(row, 0), H - rh), min(max(col, 0), W - rw)
            offsets.append([col, row])
    else:
        offsets = offsets * frames
    return {"profile": "sttn", "corners": corners, "jitter": jitter, "radii": radii,
            "box": [box_h, box_w], "moving": moving, "offsets": offsets}


def sttn_rasterize(plan: dict, masks: np.ndarray) -> None:
    """Add the shape of an `sttn_plan` to each frame of a (T, H, W) uint8 stack."""
    poly, _, _ = sttn_polygon(plan["radii"], *plan["box"])
    if not plan["moving"]:  # drawn once, added to every frame
        still = np.zeros(masks.shape[1:], np.uint8)
        fill_polygons(still, [poly + np.asarray(plan["offsets"][0], np.float64)])
        np.bitwise_or(masks, still, out=masks)
        return
    for t, off in enumerate(plan["offsets"]):
        fill_polygons(masks[t], [poly + np.asarray(off, np.float64)])
