"""Still images as backgrounds, brought to life with a synthetic camera (Ken Burns).

    background:
      - type: stills
        paths: ["/photos/**/*.jpg"]
        fit: cover                                   # letterbox | band
        motion: {zoom: {uniform: [-0.15, 0.15]}, pan: {uniform: [0, 2.5]}}

Per clip the camera zooms (log zoom change over the clip, + in, - out), pans (output px per
frame, random direction; horizontal only for `band`) and rolls (start angle `tilt`, change
`rotation`, degrees). For `cover` and `band` the view never leaves the image: the zoom is
raised just enough for the largest roll, and the pan stops at the image edge. `letterbox`
keeps the whole image centred and upright with black bars (zoom only).

The plan holds the image, the base scale and the camera's start and end (centre in image
pixels, zoom, roll); `render` interpolates them per frame (linear centre and roll,
geometric zoom) and draws each frame with one `warpAffine` from a copy of the image
decoded and pre-shrunk to about the largest scale used (JPEGs at 1/2, 1/4, 1/8 size).
"""
from __future__ import annotations

import math
from typing import Literal

import cv2
import numpy as np
from pydantic import Field

from datagen.backgrounds.base import register_background
from datagen.backgrounds.frames import read_rgb
from datagen.errors import InputSkipped
from datagen.footage.source import (
    BACKGROUND_KINDS,
    KIND_HANDLERS,
    FootageSource,
    FootageSpec,
    KindHandler,
)
from datagen.recipe.dist import Num
from datagen.recipe.schema import ClipSpec, Strict


class StillMotion(Strict):
    zoom: Num(-2, 2) = Field({"uniform": [-0.15, 0.15]}, description="log zoom change over the clip (+ zooms in)")
    pan: Num(0, 200) = Field({"uniform": [0.0, 2.5]}, description="pan speed, output px per frame")
    tilt: Num(-45, 45) = Field({"normal": {"mean": 0, "std": 1, "min": -4, "max": 4}},
                               description="camera roll at the first frame, degrees")
    rotation: Num(-45, 45) = Field({"normal": {"mean": 0, "std": 1, "min": -3, "max": 3}},
                                   description="roll change over the clip, degrees")


class StillsFields(Strict):
    motion: StillMotion = StillMotion()


class StillsSpec(StillsFields, FootageSpec):
    type: Literal["stills"] = "stills"


def _r(v: float) -> float:
    return round(float(v), 4)


def plan_still(spec, rng: np.random.Generator, entry: dict, clip: ClipSpec) -> dict:
    w, h = entry["width"], entry["height"]
    W, H = clip.width, clip.height
    mode = spec.fit.sample(rng)
    band_pos = float(spec.band_position.sample(rng))
    m = spec.motion
    dz, pan = float(m.zoom.sample(rng)), float(m.pan.sample(rng))
    r0 = float(m.tilt.sample(rng))
    r1 = r0 + float(m.rotation.sample(rng))
    za, zb = (1.0, math.exp(dz)) if dz >= 0 else (math.exp(-dz), 1.0)
    if mode == "letterbox":  # the whole picture, centred and upright: zoom only
        s0 = min(W / w, H / h)
        c0 = c1 = [w / 2, h / 2]
        r0 = r1 = 0.0
    else:
        s0 = 1.0 if mode == "band" and w >= W and h >= H else max(W / w, H / h)
        th = math.radians(max(abs(r0), abs(r1)))
        cs, sn = math.cos(th), math.sin(th)
        need = max((W * cs + H * sn) / w, (W * sn + H * cs) / h) * 1.0005  # scale that keeps the view inside
        k = max(1.0, need / (s0 * min(za, zb)))
        za, zb = za * k, zb * k
        s_min = s0 * min(za, zb)
        hx, hy = (W * cs + H * sn) / 2 / s_min, (W * sn + H * cs) / 2 / s_min
        xr, yr = (hx, max(hx, w - hx)), (hy, max(hy, h - hy))
        cx = float(rng.uniform(*xr))
        cy = float(np.clip(band_pos * h, *yr)) if mode == "band" else float(rng.uniform(*yr))
        ang = float(rng.choice([0.0, math.pi])) if mode == "band" else float(rng.uniform(0, 2 * math.pi))
        length = pan * (clip.frames - 1) / (s0 * math.sqrt(za * zb))
        c0 = [cx, cy]
        c1 = [float(np.clip(cx + length * math.cos(ang), *xr)), float(np.clip(cy + length * math.sin(ang), *yr))]
    return {"size": [w, h], "fit": {"mode": mode, "scale": _r(s0)},
            "camera": {"center": [[_r(v) for v in c0], [_r(v) for v in c1]], "zoom": [_r(za), _r(zb)],
                       "roll": [_r(r0), _r(r1)]}}


def camera_path(plan: dict, frames: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-frame centre (T, 2) in image px, scale (output px per image px) and roll (degrees)."""
    cam = plan["camera"]
    t = np.linspace(0.0, 1.0, frames) if frames > 1 else np.zeros(1)
    c0, c1 = np.asarray(cam["center"][0]), np.asarray(cam["center"][1])
    centre = c0[None] + (c1 - c0)[None] * t[:, None]
    za, zb = cam["zoom"]
    scale = plan["fit"]["scale"] * za * (zb / za) ** t
    roll = cam["roll"][0] + (cam["roll"][1] - cam["roll"][0]) * t
    return centre, scale, roll


def render_still(spec, plan: dict, clip: ClipSpec) -> np.ndarray:
    w, h = plan["size"]
    W, H = clip.width, clip.height
    centre, scale, roll = camera_path(plan, clip.frames)
    s_max = float(scale.max())
    reduce = 1
    while reduce < 8 and 1.0 / (2 * reduce) >= s_max:
        reduce *= 2
    img = read_rgb(plan["path"], reduce)
    if img is None:
        raise InputSkipped("undecodable", plan["path"])
    g = img.shape[1] / w  # decoded px per image px
    if s_max / g < 0.9:  # shrink once with area averaging, so each warp scales by about 1
        img = cv2.resize(img, (max(1, round(img.shape[1] * s_max / g)), max(1, round(img.shape[0] * s_max / g))),
                         interpolation=cv2.INTER_AREA)
    gx, gy = img.shape[1] / w, img.shape[0] / h
    border = cv2.BORDER_CONSTANT if plan["fit"]["mode"] == "letterbox" else cv2.BORDER_REFLECT_101
    out = np.empty((clip.frames, H, W, 3), np.uint8)
    for t in range(clip.frames):
        a = math.radians(roll[t])
        rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
        A = rot @ np.diag([scale[t] / gx, scale[t] / gy])  # work px -> output px
        c_work = np.array([centre[t][0] * gx, centre[t][1] * gy])
        b = np.array([W / 2, H / 2]) - A @ c_work + A @ [0.5, 0.5] - 0.5  # pixel centres at +0.5
        M = np.hstack([A, b[:, None]])
        out[t] = cv2.warpAffine(img, M, (W, H), flags=cv2.INTER_LINEAR, borderMode=border, borderValue=0)
    return out


KIND_HANDLERS["still"] = KindHandler(lambda spec, entry, clip: 1, plan_still, render_still)
BACKGROUND_KINDS["stills"] = ("still",)


@register_background
class StillsBackground(FootageSource):
    Spec = StillsSpec
