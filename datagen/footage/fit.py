"""Fit a source frame to the clip's W x H: cover-crop, letterbox or subtitle-band crop.

One plan (drawn once per window, JSON-able) is applied to every frame of the window, either
inside ffmpeg (`ffmpeg_filter`, for videos) or with OpenCV (`apply_fit`, for images):

- `cover`: the largest W:H region of the source (random offset), scaled to W x H;
  the aspect is kept, nothing is padded.
- `letterbox`: the whole source scaled to fit inside W x H, centred, black bars.
- `band`: a W x H region at the source's native resolution (no scaling) whose vertical
  centre is at `band_position` of the frame height, random horizontal offset: the lower
  band where subtitles sit, like the 640x120 band of common subtitle removers. A source
  smaller than W x H is scaled up just enough (recorded in `scale`).

Crop rectangles are in the source's pixels and even-aligned (exact for 4:2:0 video).
Non-square pixels (`sar` != 1, e.g. anamorphic DVD) are corrected by the scale step.
"""
from __future__ import annotations

import cv2
import numpy as np

FIT_MODES = ("cover", "letterbox", "band")
SCALE_FLAGS = "accurate_rnd+bitexact+full_chroma_int"


def _even(v: float) -> int:
    return max(2, int(v) // 2 * 2)


def _even_offset(rng: np.random.Generator, room: int) -> int:
    return 2 * int(rng.integers(0, max(room, 0) // 2 + 1))


def _cover_crop(src_w: int, src_h: int, sar: float, aspect: float) -> tuple[int, int]:
    """Largest crop (storage px) whose displayed aspect is `aspect`."""
    if src_w * sar / src_h > aspect:
        ch = src_h
        cw = min(src_w, ch * aspect / sar)
    else:
        cw = src_w
        ch = min(src_h, cw * sar / aspect)
    return _even(cw), _even(ch)


def plan_fit(rng: np.random.Generator, mode: str, src_w: int, src_h: int, out_w: int, out_h: int,
             sar: float = 1.0, band_position: float = 0.85) -> dict:
    """{mode, src, crop: [x, y, w, h], scale: [w, h], pad: [x, y]}: crop, then scale, then pad."""
    aspect = out_w / out_h
    if mode == "letterbox":
        cw, ch = _even(src_w), _even(src_h)
        f = min(out_w / (cw * sar), out_h / ch)
        sw, sh = min(out_w, max(1, round(cw * sar * f))), min(out_h, max(1, round(ch * f)))
        x = y = 0
        pad = [(out_w - sw) // 2, (out_h - sh) // 2]
    elif mode in ("cover", "band"):
        native_w = out_w if sar == 1 else _even(out_w / sar)
        if mode == "band" and native_w <= src_w and out_h <= src_h:
            cw, ch = native_w, out_h
        else:
            cw, ch = _cover_crop(src_w, src_h, sar, aspect)
        x = _even_offset(rng, src_w - cw)
        if mode == "band":
            y = int(np.clip(round(band_position * src_h - ch / 2), 0, src_h - ch)) // 2 * 2
        else:
            y = _even_offset(rng, src_h - ch)
        sw, sh, pad = out_w, out_h, [0, 0]
    else:
        raise ValueError(f"unknown fit mode {mode!r} (expected one of {FIT_MODES})")
    return {"mode": mode, "src": [src_w, src_h], "crop": [x, y, cw, ch], "scale": [sw, sh], "pad": pad}


def ffmpeg_filter(fit: dict, out_w: int, out_h: int) -> str:
    """The fit as an ffmpeg filter chain (empty when the frame already is W x H)."""
    x, y, cw, ch = fit["crop"]
    sw, sh = fit["scale"]
    px, py = fit["pad"]
    parts = []
    if [x, y, cw, ch] != [0, 0, *fit["src"]]:
        parts.append(f"crop={cw}:{ch}:{x}:{y}:exact=1")
    if (sw, sh) != (cw, ch):
        kind = "area" if sw <= cw and sh <= ch else "bicubic"
        parts.append(f"scale={sw}:{sh}:flags={kind}+{SCALE_FLAGS}")
    if (sw, sh) != (out_w, out_h):
        parts.append(f"pad={out_w}:{out_h}:{px}:{py}:black")
    return ",".join(parts)


def reduction(fit: dict) -> int:
    """Largest JPEG decode reduction (1, 2, 4, 8) that still leaves the crop at least output size."""
    cw, ch = fit["crop"][2:]
    sw, sh = fit["scale"]
    r = 1
    while r < 8 and cw / (2 * r) >= sw and ch / (2 * r) >= sh:
        r *= 2
    return r


def apply_fit(img: np.ndarray, fit: dict, out_w: int, out_h: int) -> np.ndarray:
    """The fit with OpenCV; `img` may be the source decoded at a reduced size (see `reduction`)."""
    src_w, src_h = fit["src"]
    fx, fy = img.shape[1] / src_w, img.shape[0] / src_h
    x, y, cw, ch = fit["crop"]
    x0, y0 = round(x * fx), round(y * fy)
    x1 = min(img.shape[1], max(x0 + 1, round((x + cw) * fx)))
    y1 = min(img.shape[0], max(y0 + 1, round((y + ch) * fy)))
    region = img[y0:y1, x0:x1]
    sw, sh = fit["scale"]
    if region.shape[1] != sw or region.shape[0] != sh:
        # area averaging against aliasing when shrinking more than 2x; bilinear below (10x faster)
        ratio = min(region.shape[1] / sw, region.shape[0] / sh)
        interp = cv2.INTER_AREA if ratio > 2 else cv2.INTER_LINEAR if ratio >= 1 else cv2.INTER_CUBIC
        region = cv2.resize(region, (sw, sh), interpolation=interp)
    if (sw, sh) != (out_w, out_h):
        px, py = fit["pad"]
        region = cv2.copyMakeBorder(region, py, out_h - sh - py, px, out_w - sw - px, cv2.BORDER_CONSTANT, value=0)
    return np.ascontiguousarray(region)
