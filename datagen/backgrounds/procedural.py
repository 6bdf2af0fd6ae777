"""Procedural backgrounds: the default footage when a recipe names no videos.

Each clip is a large canvas (bigger than the frame) from one of several generators
(fractal noise, gradients, shapes, patterns, landscape, bokeh, room, city, fine texture),
optionally with a second generator filling a region and an extra pass of fine grain and
text-free high-contrast strokes, coloured from a random palette. A camera then moves over
it (pan, slow zoom, small rotation, optional handheld shake; one sub-pixel `warpAffine`
per frame) or stays locked off (one warp for the clip), independent foreground objects
move across the frame, and optional flicker/fade, sensor noise and blur finish it. `plan`
draws every choice (the canvas itself from one integer seed); `render` is a pure function
of the plan. Everything is uint8 OpenCV work on 4-channel images (OpenCV warps those ~3x faster than RGB).
Cost on one core: the 16 frame warps alone take ~3.4 ms at 432x240 (~30 ms at 1280x720);
canvas, objects and effects add ~2-3 ms (~25 ms) on average.
"""
from __future__ import annotations

import colorsys
import math
from typing import Literal

import cv2
import numpy as np
from pydantic import Field

from datagen.backgrounds import _procedural_textures as tx
from datagen.backgrounds.base import (
    BackgroundSource,
    BackgroundSpec,
    register_background,
)
from datagen.recipe.dist import Cat, Int, Num
from datagen.recipe.schema import ClipSpec
from datagen.rng import child_seed

KINDS = list(tx.GENERATORS)
_KIND_WEIGHTS = [2, 0.8, 2, 1, 2, 1, 2, 1.5, 1.5]
MAX_CANVAS_PX = 800_000  # bigger canvases are rendered at reduced density (upsampled by the warp) ...
MIN_DENSITY = 0.6  # ... but never below this many canvas px per output px
TILE = (256, 128)  # big rolled frames are warped in tiles: a rotated read of a large canvas thrashes the cache
_WARP = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
MAX_CANVAS_SCALE = 4.0  # the camera path is slowed down rather than grow the canvas beyond this


class ProceduralSpec(BackgroundSpec):
    type: Literal["procedural"] = "procedural"
    kinds: Cat(KINDS) = Field({"choice": KINDS, "weights": _KIND_WEIGHTS}, description=(
        "canvas generator per clip: noise (fractal value noise through a palette), gradient, shapes "
        "(polygons, circles, lines, boxes), pattern (stripes, grid, checker, bricks, dots), landscape "
        "(sky, clouds, ridges, textured ground), bokeh (blurred light blobs), room (walls, floor, windows, "
        "shelves, furniture), city (buildings with window grids), texture (fine high-frequency detail)"))
    mix_p: float = Field(0.3, ge=0, le=1, description="probability that a second generator fills a region")
    detail_p: float = Field(0.6, ge=0, le=1, description="probability of fine grain plus sharp text-free strokes")
    brightness: Num(0, 1) = Field({"uniform": [0.12, 0.9]}, description="palette mean brightness (0 dark, 1 bright)")
    saturation: Num(0, 1) = Field({"uniform": [0.05, 0.75]}, description="palette mean saturation")
    contrast: Num(0, 1) = Field({"uniform": [0.25, 0.9]}, description="palette brightness spread")
    canvas_scale: Num(1, MAX_CANVAS_SCALE) = Field(
        {"uniform": [1.0, 1.1]}, description="minimum canvas size, x frame size; it always grows to fit the "
        "camera path (bigger only costs time)")
    static_p: float = Field(0.25, ge=0, le=1, description=(
        "probability of a locked-off (tripod) shot: no pan, zoom, roll or shake; objects, flicker and "
        "noise still change. The hard case for removal: nothing behind the overlay is ever revealed"))
    pan_speed: Num(0, 500) = Field({"uniform": [0.0, 4.0]}, description="camera pan, output px per frame")
    zoom_rate: Num(-0.1, 0.1) = Field(
        {"uniform": [-0.006, 0.006]}, description="zoom change per frame, log scale (+ zooms in)")
    rotation_p: float = Field(0.35, ge=0, le=1, description="probability that the camera rolls (is not level)")
    rotation: Num(-90, 90) = Field(
        {"normal": {"mean": 0, "std": 2, "min": -6, "max": 6}}, description="camera roll over the clip, degrees")
    shake_p: float = Field(0.3, ge=0, le=1, description="probability of handheld shake")
    shake_px: Num(0, 50) = Field({"uniform": [0.3, 2.5]}, description="shake amplitude, output px")
    objects: Int(0, 10) = Field({"choice": [0, 1, 2, 3], "weights": [5, 3, 1.5, 0.5]},
                                description="independently moving foreground objects")
    object_size: Num(0.01, 1.5) = Field({"uniform": [0.06, 0.3]}, description="object size, x frame height")
    object_speed: Num(0, 500) = Field({"uniform": [0.5, 6.0]}, description="object speed, output px per frame")
    flicker_p: float = Field(0.15, ge=0, le=1, description="probability of brightness flicker")
    flicker: Num(0, 0.5) = Field({"uniform": [0.02, 0.12]}, description="flicker amplitude (relative gain)")
    fade_p: float = Field(0.08, ge=0, le=1, description="probability of a fade in/out over the clip")
    noise_p: float = Field(0.3, ge=0, le=1, description="probability of sensor noise")
    noise_sigma: Num(0, 64) = Field({"uniform": [1.0, 6.0]}, description="sensor noise std, 8-bit levels")
    blur_p: float = Field(0.25, ge=0, le=1, description="probability of blur (defocus or motion)")
    blur_px: Num(0, 32) = Field({"uniform": [1.0, 4.0]}, description="blur size, output px")
    letterbox_p: float = Field(0.05, ge=0, le=1, description="probability of black letterbox/pillarbox bars")


def _palette(rng: np.random.Generator, bright: float, sat: float, contrast: float, k: int = 5) -> list:
    """k RGB colours around one to three hues, sorted dark to light."""
    h0 = rng.uniform(0, 360)
    scheme = int(rng.integers(4))  # mono, analogous, complementary, triad
    jitter = rng.normal(0, 1, k).tolist()
    if scheme == 0:
        hues = [h0 + 6 * j for j in jitter]
    elif scheme == 1:
        hues = [h0 + 40 * v for v in rng.uniform(-1, 1, k).tolist()]
    else:
        step = 180 if scheme == 2 else 120
        hues = [h0 + step * m + 10 * j for m, j in zip(rng.integers(0, 360 // step, k).tolist(), jitter)]
    vals = [min(1.0, max(0.02, bright + contrast * (v - 0.5) * 1.6)) for v in sorted(rng.random(k).tolist())]
    lift = max(0.0, 0.35 - vals[-1])  # even night scenes have something lit
    sats = [min(1.0, max(0.0, sat + 0.12 * v)) for v in rng.normal(0, 1, k).tolist()]
    cols = [colorsys.hsv_to_rgb((h % 360) / 360, s, min(1.0, v + lift)) for h, s, v in zip(hues, sats, vals)]
    return [[round(c * 255) for c in rgb] for rgb in cols]


def camera(plan: dict, frames: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-frame camera centre (x, y, output-px units on the canvas), zoom and roll (radians)."""
    cam = plan["camera"]
    t = np.arange(frames, dtype=np.float64)
    x = cam["start"][0] + cam["pan"][0] * t
    y = cam["start"][1] + cam["pan"][1] * t
    roll = np.radians(cam["roll0"] + cam["roll"] * t / max(frames - 1, 1))
    sh = cam["shake"]
    if sh:
        f = np.asarray(sh["freq"])[:, None]
        ph = np.asarray(sh["phase"])
        wave = np.sin(2 * np.pi * f * t + ph[:, :, None]) / math.sqrt(len(f))  # (3 axes, k, T)
        x = x + sh["amp"] * wave[0].sum(0)
        y = y + sh["amp"] * wave[1].sum(0)
        if cam["roll0"] or cam["roll"]:
            roll = roll + np.radians(0.15 * sh["amp"]) * wave[2].sum(0)
    zoom = np.exp(cam["zoom_rate"] * t)
    return x, y, zoom, roll


def _footprint(plan: dict, clip: ClipSpec) -> tuple[float, float, float, float]:
    """Bounding box (x0, y0, x1, y1) on the canvas of everything the camera sees."""
    x, y, z, r = camera(plan, clip.frames)
    hw, hh = clip.width / 2, clip.height / 2
    cx = np.array([-hw, hw, hw, -hw])[:, None]
    cy = np.array([-hh, -hh, hh, hh])[:, None]
    px = x + (np.cos(r) * cx - np.sin(r) * cy) / z
    py = y + (np.sin(r) * cx + np.cos(r) * cy) / z
    return float(px.min()), float(py.min()), float(px.max()), float(py.max())


@register_background
class ProceduralBackground(BackgroundSource):
    Spec = ProceduralSpec

    # ------------------------------------------------------------------ plan
    def plan(self, rng: np.random.Generator, clip: ClipSpec) -> dict:
        s, T, W, H = self.spec, clip.frames, clip.width, clip.height
        kind = s.kinds.sample(rng)
        mix = s.kinds.sample(rng) if rng.random() < s.mix_p else None
        detail = bool(rng.random() < s.detail_p)
        pals = [_palette(rng, s.brightness.sample(rng), s.saturation.sample(rng), s.contrast.sample(rng))
                for _ in range(2 if mix else 1)]
        speed = s.pan_speed.sample(rng)
        ang = rng.normal(0, 0.35) + np.pi * rng.integers(2) if rng.random() < 0.6 else rng.uniform(0, 2 * np.pi)
        zmax = math.log(2) / max(T - 1, 1)  # at most x2 zoom over the clip
        zr = min(zmax, max(-zmax, s.zoom_rate.sample(rng)))
        cam = {"start": [0.0, 0.0], "pan": [speed * math.cos(ang), speed * math.sin(ang)], "zoom_rate": zr,
               "roll0": 0.0, "roll": 0.0, "shake": None}
        static = bool(rng.random() < s.static_p)
        if static:
            cam["pan"], cam["zoom_rate"] = [0.0, 0.0], 0.0
        if rng.random() < s.rotation_p:
            cam["roll0"], cam["roll"] = min(3.0, max(-3.0, rng.normal(0, 1.0))), s.rotation.sample(rng)
            if static:  # a tilted but fixed camera
                cam["roll"] = 0.0
        if rng.random() < s.shake_p and not static:
            cam["shake"] = {"amp": s.shake_px.sample(rng), "freq": rng.uniform(0.03, 0.3, 3).tolist(),
                            "phase": rng.uniform(0, 2 * np.pi, (3, 3)).tolist()}
        blur = None
        if rng.random() < s.blur_p:
            blur = {"kind": "motion" if rng.random() < 0.5 else "defocus", "px": s.blur_px.sample(rng),
                    "angle": float(ang) if speed > 0.3 else rng.uniform(0, np.pi)}
        scale = s.canvas_scale.sample(rng)
        # canvas: at least scale x frame, grown to the camera footprint (pan slowed past the cap)
        for _ in range(30):
            x0, y0, x1, y1 = _footprint({"camera": cam}, clip)
            fw, fh = x1 - x0 + 8, y1 - y0 + 8
            if (fw <= MAX_CANVAS_SCALE * W and fh <= MAX_CANVAS_SCALE * H) or not any(cam["pan"]):
                break
            cam["pan"] = [v * 0.7 for v in cam["pan"]]
        cw, ch = max(scale * W, fw), max(scale * H, fh)
        ox, oy = rng.uniform(0, cw - fw), rng.uniform(0, ch - fh)
        cam["start"] = [ox + 4 - x0, oy + 4 - y0]
        density = 1.0 / (1.0 + blur["px"] / 2) if blur and blur["kind"] == "defocus" else 1.0
        density = min(density, max(MIN_DENSITY, math.sqrt(MAX_CANVAS_PX / (cw * ch))))
        objects = []
        for _ in range(s.objects.sample(rng)):
            size = s.object_size.sample(rng) * H
            v, a = s.object_speed.sample(rng), rng.uniform(0, 2 * np.pi)
            mid = [rng.uniform(0, W), rng.uniform(0, H)]
            vel = [v * math.cos(a), v * math.sin(a)]
            objects.append({
                "shape": ["disc", "polygon", "box", "blob", "ring"][int(rng.integers(5))],
                "fill": ["flat", "shaded", "texture"][int(rng.integers(3))],
                "size": [size, size * float(np.exp(rng.normal(0, 0.35)))],
                "pos": [mid[0] - vel[0] * (T - 1) / 2, mid[1] - vel[1] * (T - 1) / 2], "vel": vel,
                "angle": rng.uniform(0, 360) if rng.random() < 0.5 else 0.0,
                "spin": float(rng.normal(0, 1.5)) if rng.random() < 0.4 else 0.0,
                "color": pals[0][int(rng.integers(5))], "seed": child_seed(rng)})
        gain = None
        if rng.random() < s.flicker_p:
            gain = {"flicker": s.flicker.sample(rng), "freq": rng.uniform(0.05, 0.45), "phase": rng.uniform(0, 2 * np.pi)}
        if rng.random() < s.fade_p:
            lo = rng.uniform(0.0, 0.6)
            gain = dict(gain or {}, fade=[lo, 1.0] if rng.random() < 0.5 else [1.0, lo])
        noise = {"sigma": s.noise_sigma.sample(rng), "seed": child_seed(rng)} if rng.random() < s.noise_p else None
        bars = None
        if rng.random() < s.letterbox_p:  # [top, bottom, left, right] px of black
            f = rng.uniform(0.05, 0.14)
            bars = [int(f * H)] * 2 + [0, 0] if rng.random() < 0.7 else [0, 0] + [int(f * W)] * 2
        return {  # plain ints/floats/strings/lists only (a test checks the JSON round trip)
            "kind": kind, "mix": mix, "detail": detail, "palette": pals[0], "mix_palette": pals[-1] if mix else None,
            "seed": child_seed(rng), "canvas": [cw, ch], "density": density, "camera": cam, "blur": blur,
            "objects": objects, "gain": gain, "noise": noise, "letterbox": bars,
        }

    # ------------------------------------------------------------------ render
    def render(self, plan: dict, clip: ClipSpec) -> np.ndarray:
        T, W, H = clip.frames, clip.width, clip.height
        bank = tx.get_bank(self.resources)
        d = plan["density"]
        canvas = self._canvas(plan, bank, H)
        x, y, z, r = camera(plan, T)
        cos, sin = np.cos(r) * d / z, np.sin(r) * d / z
        fcx, fcy = (W - 1) / 2, (H - 1) / 2
        mats = np.stack([cos, -sin, x * d - cos * fcx + sin * fcy, sin, cos, y * d - sin * fcx - cos * fcy], 1)
        mats = mats.reshape(T, 2, 3)
        out = np.empty((T, H, W, 3), np.uint8)
        buf = np.empty((H, W, 4), np.uint8)
        sprites = [_sprite(o, bank) for o in plan["objects"]]
        gain = _gains(plan.get("gain"), T)
        nz = plan.get("noise")
        if nz:
            sensor = tx.get_bank(self.resources, ("datagen.procedural.sensor3", W + 64, H + 64), _sensor3(W + 64, H + 64))
            offs = np.random.default_rng(nz["seed"]).integers(0, 64, (T, 2)).tolist()
            k = nz["sigma"] / 40.0
        tiles = None
        if W * H > 8 * TILE[0] * TILE[1] and np.any(mats[:, 0, 1]):
            tiles = [(x0, y0, min(TILE[0], W - x0), min(TILE[1], H - y0))
                     for y0 in range(0, H, TILE[1]) for x0 in range(0, W, TILE[0])]
        # a locked-off camera repeats its matrix: warp once and reuse the warp (sprites are
        # pasted onto buf, so then the clean warp is kept aside; a moving camera keeps nothing)
        rows = mats.reshape(T, 6).tolist()
        repeats = [t > 0 and rows[t] == rows[t - 1] for t in range(T)] + [False]
        still = None
        for t in range(T):
            if not repeats[t]:
                self._warp(canvas, mats[t], buf, tiles)
                if repeats[t + 1] and sprites:
                    still = buf.copy()
            elif sprites:
                buf[...] = still
            for o, spr in zip(plan["objects"], sprites):
                _paste(buf, spr, o, t)
            # noise and gain are per channel: applied after dropping the spare channel, 3/4 of the work
            cv2.cvtColor(buf, cv2.COLOR_RGBA2RGB, dst=out[t])
            if nz:
                n = sensor[offs[t][1]:offs[t][1] + H, offs[t][0]:offs[t][0] + W]
                cv2.addWeighted(out[t], gain[t], n, k, -128.0 * k, dst=out[t])
            elif gain[t] != 1.0:
                cv2.convertScaleAbs(out[t], dst=out[t], alpha=gain[t])
        bars = plan.get("letterbox")
        if bars:
            top, bottom, left, right = bars
            out[:, :top] = 0
            out[:, H - bottom:] = 0
            out[:, :, :left] = 0
            out[:, :, W - right:] = 0
        return out

    @staticmethod
    def _warp(canvas: np.ndarray, M: np.ndarray, buf: np.ndarray, tiles: list | None) -> None:
        H, W = buf.shape[:2]
        if tiles is None:
            cv2.warpAffine(canvas, M, (W, H), dst=buf, flags=_WARP, borderMode=cv2.BORDER_REFLECT)
        for x0, y0, tw, th in tiles or ():
            Mt = M.copy()
            Mt[:, 2] += M[:, 0] * x0 + M[:, 1] * y0
            cv2.warpAffine(canvas, Mt, (tw, th), dst=buf[y0:y0 + th, x0:x0 + tw], flags=_WARP,
                           borderMode=cv2.BORDER_REFLECT)

    @staticmethod
    def _canvas(plan: dict, bank: dict, H: int) -> np.ndarray:
        g = np.random.default_rng(plan["seed"])
        d = plan["density"]
        w, h = max(8, math.ceil(plan["canvas"][0] * d)), max(8, math.ceil(plan["canvas"][1] * d))
        u = H * d
        pal = np.asarray(plan["palette"], np.float64)
        img = tx.GENERATORS[plan["kind"]](g, w, h, u, pal, bank)
        if plan["mix"]:
            other = tx.GENERATORS[plan["mix"]](g, w, h, u, np.asarray(plan["mix_palette"], np.float64), bank)
            img = tx.blend(img, other, tx.region_mask(g, w, h, u, bank))
        if plan["detail"]:
            tx.edges(g, img, u, pal)
            img = tx.grain(g, bank, img, g.uniform(0.03, 0.15))
        b = plan["blur"]
        if b and b["kind"] == "motion" and b["px"] * d >= 1.0:
            n = int(b["px"] * d) | 1
            ker = np.zeros((n, n), np.uint8)
            dx, dy = math.cos(b["angle"]) * n / 2, math.sin(b["angle"]) * n / 2
            c = n // 2
            cv2.line(ker, (int((c - dx) * 16), int((c - dy) * 16)), (int((c + dx) * 16), int((c + dy) * 16)),
                     255, 1, cv2.LINE_AA, 4)
            ker = ker.astype(np.float32)
            img = cv2.filter2D(img, -1, ker / ker.sum(), borderType=cv2.BORDER_REFLECT)
        return np.ascontiguousarray(img)


def _gains(g: dict | None, T: int) -> list[float]:
    if not g:
        return [1.0] * T
    t = np.arange(T, dtype=np.float64)
    v = np.ones(T)
    if "flicker" in g:
        v *= 1 + g["flicker"] * (0.7 * np.sin(2 * np.pi * g["freq"] * t + g["phase"])
                                 + 0.3 * np.sin(2 * np.pi * g["freq"] * 2.7 * t + 2 * g["phase"]))
    if "fade" in g:
        v *= np.interp(t, [0, max(T - 1, 1)], g["fade"])
    return [float(a) for a in v]


def _sensor(w: int, h: int):
    def make():
        rng = np.random.default_rng(7)
        luma = rng.normal(0, 1, (h, w, 1))
        chroma = rng.normal(0, 1, (h, w, 4))
        n = (0.8 * luma + 0.6 * chroma) * 40 + 128
        return np.clip(n, 0, 255).astype(np.uint8)
    return make


def _sensor3(w: int, h: int):
    """The RGB channels of `_sensor`'s noise (the same values), contiguous."""
    make4 = _sensor(w, h)
    return lambda: np.ascontiguousarray(make4()[..., :3])


def _sprite(o: dict, bank: dict) -> np.ndarray:
    """A premultiplied RGBA sprite (alpha in channel 3) for one foreground object."""
    g = np.random.default_rng(o["seed"])
    sw, sh = max(4, int(o["size"][0])), max(4, int(o["size"][1]))
    a = np.zeros((sh, sw), np.uint8)
    cx, cy = (sw - 1) / 2, (sh - 1) / 2
    shape = o["shape"]
    if shape in ("disc", "ring"):
        th = -1 if shape == "disc" else max(1, int(min(sw, sh) * g.uniform(0.08, 0.25)))
        cv2.ellipse(a, tx.pts([cx, cy]).ravel().tolist(), tx.pts([cx - 1 - max(th, 0) / 2, cy - 1 - max(th, 0) / 2]).ravel().tolist(),
                    0, 0, 360, 255, th, tx.AA, tx.SHIFT)
    elif shape == "polygon":
        m = int(g.integers(3, 9))
        ang = np.sort(g.uniform(0, 2 * np.pi, m))
        rr = g.uniform(0.5, 1.0, m)
        tx.poly(a, np.stack([cx + (cx - 1) * rr * np.cos(ang), cy + (cy - 1) * rr * np.sin(ang)], 1), 255)
    elif shape == "box":
        tx.poly(a, [[1, 1], [sw - 2, 1], [sw - 2, sh - 2], [1, sh - 2]], 255)
    else:
        f = tx.field(g, bank, "fbm", sw, sh, min(sw, sh) * 0.5)
        yy, xx = np.mgrid[0:sh, 0:sw]
        fall = 1 - np.hypot((xx - cx) / (cx + 1), (yy - cy) / (cy + 1))
        a = np.where(f.astype(np.float32) / 255 * 0.6 + fall * 0.9 > 0.55, 255, 0).astype(np.uint8)
        a = cv2.GaussianBlur(a, (3, 3), 0)
    c = np.asarray(o["color"], np.float64)
    if o["fill"] == "texture":
        fill = tx.colorize(tx.field(g, bank, ["fbm", "rough", "turb"][int(g.integers(3))], sw, sh, min(sw, sh) * 0.3),
                           tx.lut(g, np.array([c * 0.4, c, np.minimum(c * 1.5 + 30, 255)])))
    else:
        fill = np.empty((sh, sw, 4), np.uint8)
        fill[:] = tx.col(c)
        if o["fill"] == "shaded":
            fill = tx.shade(g, fill, 0.4)
    if g.random() < 0.35:
        tx.poly(fill, [[0, 0], [sw - 1, 0], [sw - 1, sh - 1], [0, sh - 1]], tx.col(c, 0.3), max(1, min(sw, sh) // 12))
    spr = cv2.multiply(fill, cv2.cvtColor(a, cv2.COLOR_GRAY2RGBA), scale=1 / 255)
    spr[..., 3] = a
    # transparent margin so that every pixel of the (rotated) bounding box samples inside the sprite:
    # OpenCV's out-of-bounds path is several times slower than the in-bounds one
    pad = 2 + (math.ceil((math.hypot(sw, sh) - min(sw, sh)) / 2) if o["angle"] or o["spin"] else 0)
    return cv2.copyMakeBorder(spr, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(0, 0, 0, 0))


def _paste(buf: np.ndarray, spr: np.ndarray, o: dict, t: int) -> None:
    """Composite a sprite into buf at its position and angle for frame t (sub-pixel, anti-aliased)."""
    H, W = buf.shape[:2]
    sh, sw = spr.shape[:2]  # padded sprite; the object itself is o["size"]
    ow, oh = max(4, int(o["size"][0])), max(4, int(o["size"][1]))
    px, py = o["pos"][0] + o["vel"][0] * t, o["pos"][1] + o["vel"][1] * t
    a = math.radians(o["angle"] + o["spin"] * t)
    c, s = math.cos(a), math.sin(a)
    rx, ry = (abs(c) * ow + abs(s) * oh) / 2 + 1, (abs(s) * ow + abs(c) * oh) / 2 + 1
    x0, y0 = max(0, int(px - rx)), max(0, int(py - ry))
    x1, y1 = min(W, int(px + rx) + 1), min(H, int(py + ry) + 1)
    if x1 <= x0 or y1 <= y0:
        return
    qx, qy = px - x0, py - y0  # dst -> sprite: sc + R(-a) (q - p)
    M = np.array([[c, s, (sw - 1) / 2 - c * qx - s * qy], [-s, c, (sh - 1) / 2 + s * qx - c * qy]])
    warped = cv2.warpAffine(spr, M, (x1 - x0, y1 - y0), flags=_WARP, borderMode=cv2.BORDER_CONSTANT)
    inv = cv2.cvtColor(cv2.bitwise_not(cv2.extractChannel(warped, 3)), cv2.COLOR_GRAY2RGBA)
    roi = buf[y0:y1, x0:x1]
    cv2.multiply(roi, inv, dst=roi, scale=1 / 255)
    cv2.add(roi, warped, dst=roi)
