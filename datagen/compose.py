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
FILLS = ("black", "grey", "mean", "noise", "blur")
HALF_RES_BLUR = 15
"""Blur fills with a kernel at least this wide are computed at half resolution (see `Canvas._blurred`)."""
_INV255 = 1.0 / 255.0


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


def _mean_outside(frame: np.ndarray, sub: np.ndarray, inside: np.ndarray) -> tuple[int, int, int]:
    """The rounded mean colour of the frame outside a hole (`inside`: non-zero in the hole,
    over the box `sub`), 128 grey when the hole is the whole frame.

    Equal to `cv2.mean(frame, mask=outside)`, which sums in exact integers and scales by
    1 / count: here the frame's sum minus the hole's (also exact) is scaled the same way,
    without building a whole-frame mask."""
    n_in = int(cv2.countNonZero(inside))
    n_out = frame.shape[0] * frame.shape[1] - n_in
    if n_out == 0:
        return 128, 128, 128
    total = cv2.sumElems(frame)
    hole_mean = cv2.mean(sub, mask=inside)
    return tuple(int(np.round((total[c] - round(hole_mean[c] * n_in)) * (1.0 / n_out))) for c in range(3))


def _noise_in_hole(inside: np.ndarray, seed: int) -> np.ndarray:
    """A box-sized RGB image whose hole pixels (`inside` non-zero), in row-major order, take
    the rows of `default_rng(seed).integers(0, 256, (n, 3), uint8)`.

    The same pixels as `sub[hole] = values`, made with a gather (each box pixel takes the
    value of the hole pixels counted so far) instead of numpy's slow boolean scatter."""
    h, w = inside.shape
    flat = inside.ravel() != 0
    n = int(np.count_nonzero(flat))
    values = np.empty((n + 1, 4), np.uint8)  # row 0 for pixels before the first hole pixel
    rgb = np.random.default_rng(seed).integers(0, 256, size=(1, n, 3), dtype=np.uint8)
    values[1:] = cv2.cvtColor(rgb, cv2.COLOR_RGB2RGBA).reshape(n, 4)  # numpy's [:, :3] copy is ~30x slower
    values[0] = 0
    index = np.cumsum(flat, dtype=np.int32)
    rgba = values.view(np.uint32).ravel().take(index).view(np.uint8).reshape(h, w, 4)
    return cv2.cvtColor(rgba, cv2.COLOR_RGBA2RGB)


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

    def __init__(self, clean: np.ndarray, mask_spec: MaskSpec | None = None, alpha: bool = True):
        """`alpha`: keep the soft alpha (`self.alpha`); without it `self.alpha` is None and
        blending skips that bookkeeping (a recipe that does not write alpha streams)."""
        if clean.ndim != 4 or clean.shape[-1] != 3 or clean.dtype != np.uint8:
            raise ValueError(f"clean clip must be (T, H, W, 3) uint8, got {clean.shape} {clean.dtype}")
        self.clean = clean
        self.frames = clean.copy()
        self.T, self.H, self.W = clean.shape[:3]
        self.mask = np.zeros((self.T, self.H, self.W), np.uint8)
        self.alpha = np.zeros((self.T, self.H, self.W), np.uint8) if alpha else None
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
            a = np.ascontiguousarray(a[by0:by1, bx0:bx1])
            a3 = cv2.merge([a, a, a]).astype(np.uint16)
            fg = np.ascontiguousarray(rgb[sy, sx][by0:by1, bx0:bx1])
            prep = {"box": box, "a": a, "a16": a.astype(np.uint16), "a3": a3, "inv3": 255 - a3, "fg": fg,
                    "fgw": fg * a3, "drawn8": cv2.threshold(a, 0, 255, cv2.THRESH_BINARY)[1]}
        self._memo = (rgb, alpha, key, prep)
        return prep

    def overlay(self, t: int, x: int, y: int, rgb: np.ndarray, alpha: np.ndarray, mode: str = "normal"):
        """Blend an RGB sprite with 8-bit straight alpha at integer position (x, y) on frame t.

        Sprite arrays must not be modified after they were drawn (see `_prepared`)."""
        self.overlay_frames(t, t + 1, x, y, rgb, alpha, mode)

    def overlay_frames(self, t0: int, t1: int, x: int, y: int, rgb: np.ndarray, alpha: np.ndarray,
                       mode: str = "normal"):
        """`overlay` on every frame in [t0, t1) at once (a subtitle event, a static logo).

        Only the sprite's drawn box is touched, one frame at a time (the working set stays
        in cache), in exact integer arithmetic: products of 8-bit values are exact in 16
        bits (numpy's u8 x u16 multiply, OpenCV's u16 add), and `convertScaleAbs(x, 1/255)`
        rounds x / 255 to the nearest integer, which is never a tie (255 is odd), so the
        result is bit-identical to the formula above (`div255`)."""
        if mode not in BLEND_MODES:
            raise ValueError(f"unknown blend mode {mode!r}")
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
        bx0, by0, bx1, by1 = prep["box"]
        fy = slice(fy.start + by0, fy.start + by1)
        fx = slice(fx.start + bx0, fx.start + bx1)
        a, a16, a3, inv3, fgw, drawn8 = (prep[k] for k in ("a", "a16", "a3", "inv3", "fgw", "drawn8"))
        acc = np.empty(inv3.shape, np.uint16)
        for t in range(t0, t1):
            dst = self.frames[t, fy, fx]
            np.multiply(dst, inv3, out=acc)  # bg * (255 - a); numpy's u8 x u16 is ~7x faster than OpenCV's
            if mode == "normal":
                cv2.add(acc, fgw, dst=acc)
            else:
                if mode == "screen":  # 255 - round((255 - bg) * (255 - fg) / 255)
                    src = cv2.bitwise_not(cv2.convertScaleAbs(
                        np.multiply(cv2.bitwise_not(dst), 255 - prep["fg"].astype(np.uint16)), alpha=_INV255))
                else:  # "add": min(bg + fg, 255)
                    src = cv2.add(dst, prep["fg"])
                cv2.add(acc, np.multiply(src, a3), dst=acc)
            cv2.convertScaleAbs(acc, dst=dst, alpha=_INV255)
            m = self.mask[t, fy, fx]
            cv2.max(m, drawn8, dst=m)
            if self.alpha is None:
                continue
            al = self.alpha[t, fy, fx]  # "over" union: al + round((255 - al) * a / 255)
            if cv2.countNonZero(al) == 0:
                np.copyto(al, a)
            else:
                cv2.add(al, cv2.convertScaleAbs(np.multiply(cv2.bitwise_not(al), a16), alpha=_INV255), dst=al)
        box = (fx.start, fy.start, fx.stop, fy.stop)
        for t in range(t0, t1):
            self._boxes[t] = _union_box(self._boxes[t], box)

    def hole(self, t: int, hole: np.ndarray, fill: str = "black", seed: int = 0) -> None:
        """Cut a hole (H x W bool) into frame t and fill it; the hole joins the mask."""
        if hole.shape != (self.H, self.W):
            raise ValueError(f"hole must be {(self.H, self.W)}, got {hole.shape}")
        box = _box_of(hole)
        if box is not None:
            x0, y0, x1, y1 = box
            self.hole_in_box(t, x0, y0, hole[y0:y1, x0:x1], fill, seed)

    def hole_in_box(self, t: int, x: int, y: int, hole: np.ndarray, fill: str = "black", seed: int = 0,
                    tight: bool = False) -> None:
        """`hole` for a hole given as its part inside a box with top-left (x, y) (bool, or
        uint8 with 0 outside); the hole must be empty outside the box. Same result as `hole`
        on the whole frame, without scanning the whole frame (hole layers know their boxes).
        `tight`: the box is known to be the hole's bounding box (no scan at all).

        Work is confined to the hole's bounding box, and constant or blurred fills are
        written with `cv2.copyTo` under the mask (numpy boolean indexing of an RGB frame
        is ~50x slower)."""
        if fill not in FILLS:
            raise ValueError(f"unknown fill {fill!r}")
        inner = (0, 0, hole.shape[1], hole.shape[0]) if tight else _box_of(hole)
        if inner is None:
            return
        bx0, by0, bx1, by1 = inner
        x0, y0 = int(x) + bx0, int(y) + by0
        x1, y1 = int(x) + bx1, int(y) + by1
        if x0 < 0 or y0 < 0 or x1 > self.W or y1 > self.H:
            raise ValueError(f"hole box {(x0, y0, x1, y1)} is outside the {self.W}x{self.H} frame")
        h = hole[by0:by1, bx0:bx1]
        h8 = h.view(np.uint8) if h.dtype == bool else h  # non-zero inside
        frame = self.frames[t]
        sub = frame[y0:y1, x0:x1]
        if fill in ("black", "grey", "mean"):
            colour = _mean_outside(frame, sub, h8) if fill == "mean" else (0 if fill == "black" else 128,) * 3
            solid = cv2.merge([np.full(h8.shape, c, np.uint8) for c in colour])  # numpy's (h, w, 3) broadcast is ~30x slower
            cv2.copyTo(solid, h8, sub)
        elif fill == "noise":
            cv2.copyTo(_noise_in_hole(h8, seed), h8, sub)
        else:  # blur
            cv2.copyTo(self._blurred(frame, (x0, y0, x1, y1)), h8, sub)
        h255 = cv2.threshold(h8, 0, 255, cv2.THRESH_BINARY)[1]  # 0 / 255
        m = self.mask[t, y0:y1, x0:x1]
        cv2.max(m, h255, dst=m)
        if self.alpha is not None:
            al = self.alpha[t, y0:y1, x0:x1]
            cv2.max(al, h255, dst=al)
        self._boxes[t] = _union_box(self._boxes[t], (x0, y0, x1, y1))

    def _blurred(self, frame: np.ndarray, box) -> np.ndarray:
        """The frame blurred with a Gaussian of a frame-relative size (kernel min(H, W) / 8,
        sigma ~5 px at 240 p), inside box (x0, y0, x1, y1).

        Only the box plus the kernel's reach is blurred. A wide kernel is applied at half
        resolution (area-downsampled, blurred with half the sigma, upsampled bilinearly):
        ~4x cheaper, within a few 8-bit levels of the full-resolution blur."""
        x0, y0, x1, y1 = box
        k = max(3, (min(self.H, self.W) // 8) | 1)
        r = k // 2
        rx0, ry0, rx1, ry1 = max(x0 - r, 0), max(y0 - r, 0), min(x1 + r, self.W), min(y1 + r, self.H)
        region = frame[ry0:ry1, rx0:rx1]
        rh, rw = region.shape[:2]
        if k >= HALF_RES_BLUR and rh >= 4 and rw >= 4:
            sigma = 0.3 * ((k - 1) * 0.5 - 1) + 0.8  # OpenCV's sigma for kernel size k
            small = cv2.resize(region, ((rw + 1) // 2, (rh + 1) // 2), interpolation=cv2.INTER_AREA)
            small = cv2.GaussianBlur(small, ((k // 2) | 1, (k // 2) | 1), sigma / 2)
            blurred = cv2.resize(small, (rw, rh), interpolation=cv2.INTER_LINEAR)
        else:
            blurred = cv2.GaussianBlur(region, (k, k), 0)
        return np.ascontiguousarray(blurred[y0 - ry0:y1 - ry0, x0 - rx0:x1 - rx0])

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
