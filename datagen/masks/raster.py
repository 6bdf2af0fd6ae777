"""Rasterise shapes into uint8 masks with OpenCV, at sub-pixel precision.

Coordinates are floats in pixels (x right, y down). Points are passed to OpenCV with
4 fractional bits (`shift=4`), so a shape moving by a fraction of a pixel still moves
its edge. Every polygon is filled on its own: `cv2.fillPoly` with several contours
uses the even-odd rule and would punch holes where parts of one silhouette overlap.
"""
from __future__ import annotations

import functools
import math

import cv2
import numpy as np

SHIFT = 4
_ONE = 1 << SHIFT


def _fixed(pts: np.ndarray) -> np.ndarray:
    """Float pixel coordinates -> OpenCV's fixed point (SHIFT fractional bits)."""
    return np.rint(np.asarray(pts, np.float64) * _ONE).astype(np.int32).reshape(-1, 1, 2)


def fill_polygons(mask: np.ndarray, polygons, value: int = 255) -> None:
    """Fill each (N, 2) float polygon into `mask` (H x W uint8), in place. Convex ones
    (limbs, heads, wheels) take OpenCV's convex fill, several times faster."""
    for poly in polygons:
        if len(poly) >= 3:
            pts = _fixed(poly)
            if cv2.isContourConvex(pts):
                cv2.fillConvexPoly(mask, pts, value, cv2.LINE_8, SHIFT)
            else:
                cv2.fillPoly(mask, [pts], value, cv2.LINE_8, SHIFT)


def fill_polygons_at(mask: np.ndarray, polygons, cx: float, cy: float, scale: float = 1.0,
                     angle_deg: float = 0.0, flip: bool = False, value: int = 255) -> None:
    """`fill_polygons(mask, [affine(p, cx, cy, scale, angle_deg, flip) for p in polygons])`
    with one transform and one fixed-point conversion for all polygons (a silhouette has
    ~20 small ones per frame: per-polygon numpy calls were most of the cost)."""
    polygons = [p for p in polygons if len(p) >= 3]
    if not polygons:
        return
    fixed = _fixed(affine(np.concatenate(polygons), cx, cy, scale, angle_deg, flip))
    start = 0
    for p in polygons:
        pts = fixed[start:start + len(p)]
        start += len(p)
        if cv2.isContourConvex(pts):
            cv2.fillConvexPoly(mask, pts, value, cv2.LINE_8, SHIFT)
        else:
            cv2.fillPoly(mask, [pts], value, cv2.LINE_8, SHIFT)


def draw_polyline(mask: np.ndarray, pts: np.ndarray, width: float, value: int = 255) -> None:
    """A thick open polyline (a brush stroke), in place. OpenCV draws thick lines with
    round caps, so joints and ends are round without extra circles."""
    w = max(1, int(round(width)))
    cv2.polylines(mask, [_fixed(pts)], False, value, w, cv2.LINE_8, SHIFT)


def affine(pts: np.ndarray, cx: float, cy: float, scale: float = 1.0, angle_deg: float = 0.0,
           flip: bool = False) -> np.ndarray:
    """Local points (around 0, 0) -> frame: optional mirror in x, scale, rotate, translate."""
    p = np.asarray(pts, np.float64)
    if flip:
        p = p * np.array([-1.0, 1.0])
    if angle_deg:
        a = math.radians(angle_deg)
        c, s = math.cos(a), math.sin(a)
        p = p @ np.array([[c, s], [-s, c]])
    return p * scale + np.array([cx, cy])


@functools.lru_cache(maxsize=64)
def _circle(n: int) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([np.cos(t), np.sin(t)], 1)


def _rotation(c: float, s: float) -> np.ndarray:
    """Row-vector rotation taking (1, 0) to (c, s)."""
    return np.array([[c, s], [-s, c]])


def ellipse(cx: float, cy: float, rx: float, ry: float, angle_deg: float = 0.0, n: int = 24) -> np.ndarray:
    """Polygon approximating an ellipse (local units)."""
    p = _circle(n) * (rx, ry)
    if angle_deg:
        a = math.radians(angle_deg)
        p = p @ _rotation(math.cos(a), math.sin(a))
    return p + (cx, cy)


@functools.lru_cache(maxsize=64)
def _unit_list(n: int) -> tuple[float, ...]:
    return tuple(np.linspace(-1.0, 1.0, n).tolist())


def capsule(p0, p1, r0: float, r1: float, n: int = 8) -> np.ndarray:
    """Convex polygon of a tapered limb: the hull of a circle of radius r0 at p0 and r1 at p1
    (arcs meet the two outer tangent lines exactly, so the polygon stays convex)."""
    x0, y0 = float(p0[0]), float(p0[1])
    x1, y1 = float(p1[0]), float(p1[1])
    length = math.hypot(x1 - x0, y1 - y0)
    base = math.atan2(y1 - y0, x1 - x0) if length > 1e-9 else 0.0
    # the tangent points' normals make angle theta with the axis (90 degrees for equal radii)
    theta = math.acos(max(-1.0, min(1.0, (r0 - r1) / length))) if length > abs(r0 - r1) else math.pi / 2
    # p1's arc then p0's arc, in plain floats: a limb has 8-16 points, where numpy calls cost
    # more than the arithmetic
    a0, a1 = base + math.pi, math.pi - theta
    pts = [(x1 + r1 * math.cos(a), y1 + r1 * math.sin(a)) for a in (base + theta * v for v in _unit_list(n))]
    pts += [(x0 + r0 * math.cos(a), y0 + r0 * math.sin(a)) for a in (a0 + a1 * v for v in _unit_list(n))]
    return np.array(pts)
