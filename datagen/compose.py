"""Compositing: overlays blended onto the clip, holes cut into it, masks unioned.

All blending is integer arithmetic on 8-bit alpha, so the result is exact and the
same on every machine:

    corrupted = (clean * (255 - a) + overlay * a + 127) // 255      (mode "normal")

An overlay pixel whose alpha is <= `mask.alpha_threshold` is not drawn at all, and every
drawn pixel is in the mask, so outside the mask corrupted == clean exactly (before
encoding). The mask is the union over layers; the soft alpha is their "over" union.
"""
from __future__ import annotations

import cv2
import numpy as np

from datagen.recipe.schema import MaskSpec

BLEND_MODES = ("normal", "screen", "add")


def div255(x: np.ndarray) -> np.ndarray:
    """(x + 127) // 255 for uint16 x <= 255 * 255, exactly, as uint8 (a shift trick, no division)."""
    t = x + np.uint16(128)
    return ((t + (t >> 8)) >> 8).astype(np.uint8)


def _box_of(a: np.ndarray) -> tuple[int, int, int, int] | None:
    rows = np.flatnonzero(a.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(a.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _union_box(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def clip_sprite(x: int, y: int, h: int, w: int, H: int, W: int):
    """Intersect a sprite at (x, y) of size (h, w) with an H x W frame.

    Returns (frame slices, sprite slices) or None when nothing is inside.
    """
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + w, W), min(y + h, H)
    if x0 >= x1 or y0 >= y1:
        return None
    return (slice(y0, y1), slice(x0, x1)), (slice(y0 - y, y1 - y), slice(x0 - x, x1 - x))


class Canvas:
    """The corrupted clip being built, plus its mask, soft alpha and per-layer boxes."""

    def __init__(self, clean: np.ndarray, mask_spec: MaskSpec | None = None):
        if clean.ndim != 4 or clean.shape[-1] != 3 or clean.dtype != np.uint8:
            raise ValueError(f"clean clip must be (T, H, W, 3) uint8, got {clean.shape} {clean.dtype}")
        self.clean = clean
        self.frames = clean.copy()
        self.T, self.H, self.W = clean.shape[:3]
        self.mask = np.zeros((self.T, self.H, self.W), np.uint8)
        self.alpha = np.zeros((self.T, self.H, self.W), np.uint8)
        self.mask_spec = mask_spec or MaskSpec()
        self.threshold = self.mask_spec.alpha_threshold
        self._boxes: list = [None] * self.T
        self._memo = None  # the last sprite prepared for blending (see _prepared)

    # -- per-layer bookkeeping -------------------------------------------------------
    def begin_layer(self) -> None:
        self._boxes = [None] * self.T

    def layer_drew(self) -> bool:
        """Whether the current layer has drawn anything yet."""
        return any(b is not None for b in self._boxes)

    def end_layer(self) -> list[dict]:
        """Per-frame visibility and bbox [x0, y0, x1, y1) of what the layer drew."""
        return [
            {"visible": b is not None, "bbox": list(b) if b is not None else None} for b in self._boxes
        ]

    # -- drawing ---------------------------------------------------------------------
    def _prepared(self, rgb: np.ndarray, alpha: np.ndarray, sy: slice, sx: slice):
        """The part of a sprite that draws anything, in the forms blending needs.

        Layers pass the same sprite arrays for many frames (a subtitle event, a logo), so
        the last one is memoised (by identity: sprites are not modified once drawn)."""
        key = (sy.start, sy.stop, sx.start, sx.stop)
        memo = self._memo
        if memo is not None and memo[0] is rgb and memo[1] is alpha and memo[2] == key:
            return memo[3]
        a = alpha[sy, sx]
        if self.threshold > 0:
            a = np.where(a > self.threshold, a, 0).astype(np.uint8)
        box = _box_of(a > 0)
        if box is None:
            prep = None
        else:
            bx0, by0, bx1, by1 = box
            a = a[by0:by1, bx0:bx1]
            a16 = a.astype(np.uint16)
            a3 = a16[..., None]
            fg = rgb[sy, sx][by0:by1, bx0:bx1].astype(np.uint16)
            prep = {"box": box, "a16": a16, "inv3": 255 - a3, "a3": a3, "fg": fg, "fgw": fg * a3,
                    "drawn8": np.where(a > 0, 255, 0).astype(np.uint8)}
        self._memo = (rgb, alpha, key, prep)
        return prep

    def overlay(self, t: int, x: int, y: int, rgb: np.ndarray, alpha: np.ndarray, mode: str = "normal"):
        """Blend an RGB sprite with 8-bit straight alpha at integer position (x, y) on frame t.

        Sprite arrays must not be modified after they were drawn (see `_prepared`)."""
        self.overlay_frames(t, t + 1, x, y, rgb, alpha, mode)

    def overlay_frames(self, t0: int, t1: int, x: int, y: int, rgb: np.ndarray, alpha: np.ndarray,
                       mode: str = "normal"):
        """`overlay` on every frame in [t0, t1) at once (a subtitle event, a static logo):
        one array operation instead of one per frame, same result."""
        t0, t1 = max(int(t0), 0), min(int(t1), self.T)
        if t1 <= t0:
            return
        h, w = alpha.shape
        cut = clip_sprite(int(x), int(y), h, w, self.H, self.W)
        if cut is None:
            return
        (fy, fx), (sy, sx) = cut
        prep = self._prepared(rgb, alpha, sy, sx)
        if prep is None:
            return
        # only the drawn box of the sprite is touched: less work for sparse sprites (text)
        bx0, by0, bx1, by1 = prep["box"]
        fy = slice(fy.start + by0, fy.start + by1)
        fx = slice(fx.start + bx0, fx.start + bx1)

        dst = self.frames[t0:t1, fy, fx]
        bg = dst.astype(np.uint16)
        if mode == "normal":
            fgw = prep["fgw"]
        elif mode == "screen":
            fgw = (255 - div255((255 - bg) * (255 - prep["fg"])).astype(np.uint16)) * prep["a3"]
        elif mode == "add":
            fgw = np.minimum(bg + prep["fg"], 255) * prep["a3"]
        else:
            raise ValueError(f"unknown blend mode {mode!r}")
        bg *= prep["inv3"]
        bg += fgw
        dst[...] = div255(bg)

        m = self.mask[t0:t1, fy, fx]
        np.maximum(m, prep["drawn8"], out=m)
        al = self.alpha[t0:t1, fy, fx]
        al += div255((255 - al.astype(np.uint16)) * prep["a16"])
        box = (fx.start, fy.start, fx.stop, fy.stop)
        for t in range(t0, t1):
            self._boxes[t] = _union_box(self._boxes[t], box)

    def hole(self, t: int, hole: np.ndarray, fill: str = "black", seed: int = 0) -> None:
        """Cut a hole (H x W bool) into frame t and fill it; the hole joins the mask.

        Work is confined to the hole's bounding box, and constant or blurred fills are
        written with `cv2.copyTo` under the mask (numpy boolean indexing of an RGB frame
        is ~50x slower)."""
        if hole.shape != (self.H, self.W):
            raise ValueError(f"hole must be {(self.H, self.W)}, got {hole.shape}")
        hole = hole.astype(bool, copy=False)
        box = _box_of(hole)
        if box is None:
            return
        x0, y0, x1, y1 = box
        h = hole[y0:y1, x0:x1]
        h8 = h.view(np.uint8)
        frame = self.frames[t]
        sub = frame[y0:y1, x0:x1]
        if fill in ("black", "grey", "mean"):
            if fill == "mean":
                keep = (~hole).view(np.uint8)
                colour = np.round(cv2.mean(frame, mask=keep)[:3]) if keep.any() else np.full(3, 128.0)
            else:
                colour = np.full(3, 0 if fill == "black" else 128)
            solid = cv2.merge([np.full(h.shape, int(c), np.uint8) for c in colour])
            cv2.copyTo(solid, h8, sub)
        elif fill == "noise":
            rng = np.random.default_rng(seed)
            sub[h] = rng.integers(0, 256, size=(int(h.sum()), 3), dtype=np.uint8)
        elif fill == "blur":
            k = max(3, (min(self.H, self.W) // 8) | 1)
            # blur the box plus the kernel's reach only: the same pixels as blurring the whole frame
            r = k // 2
            bx0, by0, bx1, by1 = max(x0 - r, 0), max(y0 - r, 0), min(x1 + r, self.W), min(y1 + r, self.H)
            blurred = cv2.GaussianBlur(frame[by0:by1, bx0:bx1], (k, k), 0)
            cv2.copyTo(np.ascontiguousarray(blurred[y0 - by0:y1 - by0, x0 - bx0:x1 - bx0]), h8, sub)
        else:
            raise ValueError(f"unknown fill {fill!r}")
        np.maximum(self.mask[t, y0:y1, x0:x1], h8 * 255, out=self.mask[t, y0:y1, x0:x1])
        np.maximum(self.alpha[t, y0:y1, x0:x1], h8 * 255, out=self.alpha[t, y0:y1, x0:x1])
        self._boxes[t] = _union_box(self._boxes[t], box)

    # -- finishing -------------------------------------------------------------------
    def finish(self) -> None:
        """Dilate the mask if the recipe asks for it (the mask only grows)."""
        d = self.mask_spec.dilate
        if d.iterations <= 0:
            return
        shape = {"cross": cv2.MORPH_CROSS, "ellipse": cv2.MORPH_ELLIPSE, "rect": cv2.MORPH_RECT}[d.shape]
        kernel = cv2.getStructuringElement(shape, (d.kernel, d.kernel))
        for t in range(self.T):
            if self.mask[t].any():
                self.mask[t] = cv2.dilate(self.mask[t], kernel, iterations=d.iterations)
