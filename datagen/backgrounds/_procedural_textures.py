"""Canvas generators for the procedural background (see `procedural.py`).

Every generator is `gen(g, w, h, u, pal, bank) -> (h, w, 4) uint8` (RGB + a spare channel:
OpenCV warps 4-channel images about 3x faster than 3-channel ones). `g` is a
`numpy.random.Generator` seeded from the plan, `u` the frame height in canvas pixels
(feature sizes are relative to what the camera sees), `pal` a (K, 3) float palette sorted
dark to light, `bank` the fixed noise bank below. Everything is a few cheap OpenCV calls
on uint8 images: noise comes from the bank (cropped, scaled, rotated, wrapped), never
from per-pixel random draws; colour comes from 256-entry palette lookups.
"""
from __future__ import annotations

import cv2
import numpy as np

AA = cv2.LINE_AA
SHIFT = 4  # sub-pixel bits for cv2 drawing
BANK_SIZE = 512
BANK_VERSION = 1
_FALLBACK: dict = {}
_WARP = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP


# ----------------------------------------------------------------------------- noise bank
def _value_noise(g: np.random.Generator, n: int, beta: float, base: int) -> np.ndarray:
    """Periodic multi-octave value noise: random grids upsampled with cv2.resize and summed."""
    acc = np.zeros((n, n), np.float32)
    k, amp = base, 1.0
    while k <= n // 2:
        pad = np.pad(g.random((k, k), dtype=np.float32), 2, mode="wrap")
        cell = n // k
        up = cv2.resize(pad, ((k + 4) * cell, (k + 4) * cell), interpolation=cv2.INTER_CUBIC)
        acc += amp * up[2 * cell:2 * cell + n, 2 * cell:2 * cell + n]
        k, amp = k * 2, amp * 2.0 ** (-beta / 2)
    return acc


def _equalize(x: np.ndarray) -> np.ndarray:
    return cv2.equalizeHist(cv2.normalize(x, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8))


# approximate blob size (bank px) of each texture, used to scale crops to a wanted feature size
FEATURE = {"smooth": 120.0, "fbm": 50.0, "ridged": 50.0, "turb": 50.0, "rough": 24.0, "fine": 6.0}


def make_bank() -> dict:
    """Fixed periodic textures (same bytes in every process): the only source of per-pixel noise."""
    g = np.random.default_rng(20240611)
    n = BANK_SIZE
    fbm = _value_noise(g, n, 2.2, 4)
    tex = {
        "smooth": _equalize(_value_noise(g, n, 3.2, 2)),
        "fbm": _equalize(fbm),
        "rough": _equalize(_value_noise(g, n, 1.3, 8)),
        "fine": _equalize(_value_noise(g, n, 0.6, 32)),
        "ridged": _equalize(-np.abs(fbm - np.median(fbm))),
        "turb": _equalize(np.abs(_value_noise(g, n, 1.8, 4) - 0.95)),
    }
    bank = {k: np.ascontiguousarray(np.tile(v, (2, 2))) for k, v in tex.items()}
    grain = np.clip(g.normal(128, 40, (2 * n, 2 * n, 1)), 0, 255).astype(np.uint8)
    bank["grain"] = np.ascontiguousarray(np.repeat(grain, 4, axis=2))  # 4 equal channels: luminance grain
    return bank


def get_bank(resources=None, key=("datagen.procedural.bank", BANK_VERSION), factory=make_bank):
    """`factory()` cached per process (in `resources` when given); the result depends only on `key`."""
    if resources is not None:
        return resources.get(key, factory)
    if key not in _FALLBACK:
        _FALLBACK[key] = factory()
    return _FALLBACK[key]


def field(g, bank, name: str, w: int, h: int, feature: float, stretch: float = 1.0, angle=None) -> np.ndarray:
    """(h, w) uint8 noise with blobs about `feature` canvas px wide (`stretch` x wider), optionally rotated.

    Textures are stored as 2x2 tiles of a periodic image, so every crop or rotated footprint
    lies inside the array: OpenCV's out-of-bounds (wrap) path is several times slower.
    """
    tex = bank[name]
    n2 = tex.shape[0]
    s = min(1.5, FEATURE[name] / max(feature, 1.0))
    flip = int(g.integers(4))
    x0, y0 = g.random(2)
    if angle is None:
        s = min(s, n2 * stretch / w, n2 / h)
        cw, ch = min(n2, int(w * s / stretch) + 1), min(n2, int(h * s) + 1)
        x, y = int(x0 * (n2 - cw)), int(y0 * (n2 - ch))
        out = cv2.resize(tex[y:y + ch, x:x + cw], (w, h), interpolation=cv2.INTER_LINEAR)
        return cv2.flip(out, flip - 1) if flip < 3 else out  # both, vertical, horizontal, none
    s = min(s, 0.98 * n2 / np.hypot(w / stretch, h))
    c, sn = np.cos(angle) * s, np.sin(angle) * s
    A = np.array([[c / stretch, -sn], [sn / stretch, c]])
    half = np.abs(A) @ np.array([w / 2, h / 2])
    cx = half[0] + x0 * (n2 - 1 - 2 * half[0])
    cy = half[1] + y0 * (n2 - 1 - 2 * half[1])
    M = np.hstack([A, [[cx], [cy]] - A @ np.array([[w / 2], [h / 2]])])
    return cv2.warpAffine(tex, M, (w, h), flags=_WARP, borderMode=cv2.BORDER_REFLECT)


def grain(g, bank, img: np.ndarray, strength: float) -> np.ndarray:
    """Add fine per-pixel luminance texture (bank grain at 1:1)."""
    h, w = img.shape[:2]
    gr = bank["grain"]
    n = gr.shape[0]
    if w <= n and h <= n:
        x, y = int(g.integers(n - w + 1)), int(g.integers(n - h + 1))
        gr = gr[y:y + h, x:x + w]
    else:
        gr = cv2.resize(gr, (w, h), interpolation=cv2.INTER_NEAREST)
    return cv2.addWeighted(img, 1.0, gr, strength, -128.0 * strength)


# ----------------------------------------------------------------------------- colour + drawing
def lut(g, cols, mode: str = "smooth") -> np.ndarray:
    """256-entry uint32 lookup (packed RGBA) through `cols`: smooth ramp, hard steps or repeated bands."""
    cols = np.asarray(cols, np.float64)
    k = len(cols)
    if mode == "steps":
        rgb = cols[np.searchsorted(np.sort(g.uniform(0.1, 0.9, k - 1)) * 255, np.arange(256))]
    else:
        pos = np.concatenate([[0.0], np.sort(g.uniform(0.05, 0.95, k - 2)), [1.0]]) * 255
        x = np.arange(256, dtype=np.float64)
        if mode == "bands":
            x = 255 - np.abs((x * g.uniform(2, 5)) % 510 - 255)
        rgb = np.stack([np.interp(x, pos, cols[:, c]) for c in range(3)], 1)
    rgba = np.concatenate([np.clip(rgb, 0, 255), np.full((256, 1), 255.0)], 1).astype(np.uint8)
    return rgba.view(np.uint32).ravel()


def colorize(f8: np.ndarray, lut32: np.ndarray) -> np.ndarray:
    h, w = f8.shape
    return np.take(lut32, f8).view(np.uint8).reshape(h, w, 4)


def col(c, scale: float = 1.0, jitter: float = 0.0, g=None) -> tuple:
    """An OpenCV colour (4 floats) from an RGB triple, scaled, optionally jittered."""
    r, gg, b = (float(v) * scale for v in c)
    if jitter:
        j = g.normal(0, jitter, 3).tolist()
        r, gg, b = r + j[0], gg + j[1], b + j[2]
    return (min(255.0, max(0.0, r)), min(255.0, max(0.0, gg)), min(255.0, max(0.0, b)), 255.0)


def colours(g, pal, n: int, lo=0.0, hi=1.0, scale=(1.0, 1.0), jitter=0.0) -> list:
    """n random OpenCV colours from the [lo, hi] slice of the palette (vectorised)."""
    k = len(pal)
    idx = g.integers(int(lo * (k - 1) + 0.5), int(hi * (k - 1) + 0.5) + 1, n)
    c = pal[idx] * g.uniform(scale[0], scale[1], (n, 1)) + g.normal(0, jitter, (n, 3))
    c = np.concatenate([np.clip(c, 0, 255), np.full((n, 1), 255.0)], 1)
    return [tuple(r) for r in c.tolist()]


def pick(g, pal, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    """A palette colour from the [lo, hi] slice of the dark-to-light palette."""
    k = len(pal)
    return pal[int(g.integers(int(lo * (k - 1) + 0.5), int(hi * (k - 1) + 0.5) + 1))]


def mix(a, b, t: float) -> np.ndarray:
    return np.asarray(a, np.float64) * (1 - t) + np.asarray(b, np.float64) * t


def pts(p) -> np.ndarray:
    return np.round(np.asarray(p, np.float64) * (1 << SHIFT)).astype(np.int32).reshape(-1, 1, 2)


def pt(p) -> tuple:
    return tuple(round(v * (1 << SHIFT)) for v in p)


def poly(img, p, color, thickness: int = -1) -> None:
    if thickness < 0:
        cv2.fillPoly(img, [pts(p)], color, AA, SHIFT)
    else:
        cv2.polylines(img, [pts(p)], True, color, thickness, AA, SHIFT)


def line(img, p, q, color, thickness: int = 1) -> None:
    cv2.line(img, pt(p), pt(q), color, max(1, int(thickness)), AA, SHIFT)


def rect(x0, y0, x1, y1) -> list:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def blend(dst: np.ndarray, src: np.ndarray, m: np.ndarray) -> np.ndarray:
    """dst where m = 0, src where m = 255, anti-aliased in between (m: uint8 coverage)."""
    m4 = cv2.cvtColor(m, cv2.COLOR_GRAY2RGBA)
    return cv2.add(cv2.multiply(src, m4, scale=1 / 255), cv2.multiply(dst, cv2.bitwise_not(m4), scale=1 / 255))


def shade(g, img: np.ndarray, lo: float = 0.55, p: float = 0.65) -> np.ndarray:
    """With probability p, multiply by a smooth random light map (lighting, vignette) in [lo, 1]."""
    if g.random() >= p:
        return img
    h, w = img.shape[:2]
    small = (g.uniform(lo, 1.0, (3, 4)) * 255).astype(np.uint8)
    light = cv2.resize(cv2.cvtColor(small, cv2.COLOR_GRAY2RGBA), (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.multiply(img, light, scale=1 / 255)


def ramp(g, w: int, h: int, cols, kind: str | None = None, mode: str = "smooth") -> np.ndarray:
    """Smooth gradient (linear, radial or four-corner) through `cols`, built at low res and upsampled."""
    kind = kind or ("linear", "radial", "corners")[int(g.integers(3))]
    yy, xx = np.mgrid[0:1:24j, 0:1:40j]
    if kind == "linear":
        a = g.uniform(0, 2 * np.pi)
        t = xx * np.cos(a) + yy * np.sin(a)
    elif kind == "vertical":
        t = yy
    elif kind == "radial":
        cx, cy = g.uniform(-0.2, 1.2, 2)
        t = np.sqrt((xx - cx) ** 2 + ((yy - cy) * h / w) ** 2)
    else:
        c = g.random(4)
        t = (c[0] * (1 - xx) + c[1] * xx) * (1 - yy) + (c[2] * (1 - xx) + c[3] * xx) * yy
    t = ((t - t.min()) / max(np.ptp(t), 1e-6) * 255).astype(np.uint8)
    return cv2.resize(colorize(t, lut(g, cols, mode)), (w, h), interpolation=cv2.INTER_LINEAR)


def some(g, pal, n: int = 3) -> np.ndarray:
    return pal[np.sort(g.choice(len(pal), min(n, len(pal)), replace=False))]


# ----------------------------------------------------------------------------- generators
def gen_noise(g, w, h, u, pal, bank):
    name = ("smooth", "fbm", "fbm", "rough", "ridged", "turb")[int(g.integers(6))]
    mode = ("smooth", "smooth", "steps", "bands")[int(g.integers(4))]
    f = field(g, bank, name, w, h, u * np.exp(g.uniform(np.log(0.08), np.log(1.2))),
              stretch=float(np.exp(g.normal(0, 0.6))), angle=g.uniform(0, np.pi) if g.random() < 0.3 else None)
    return colorize(f, lut(g, pal, mode))


def gen_gradient(g, w, h, u, pal, bank):
    img = ramp(g, w, h, some(g, pal))
    if g.random() < 0.8:  # soft secondary variation: clouds of another palette colour
        tint = colorize(field(g, bank, ("smooth", "fbm")[int(g.integers(2))], w, h, u * g.uniform(0.2, 1.5)),
                        lut(g, some(g, pal, 2)))
        a = g.uniform(0.15, 0.5)
        img = cv2.addWeighted(img, 1 - a, tint, a, 0)
    return img


def draw_shapes(g, img, u, pal, n: int, smin=0.02, smax=0.6) -> None:
    """n anti-aliased shapes, large first, sizes log-uniform in [smin, smax] x u."""
    h, w = img.shape[:2]
    size = np.sort(u * np.exp(g.uniform(np.log(smin), np.log(smax), n)))[::-1]
    xy = (g.uniform(-0.1, 1.1, (n, 2)) * [w, h]).tolist()
    kind = g.integers(0, 5, n).tolist()
    filled = (g.random(n) < 0.65).tolist()
    asp = g.uniform(0.15, 1, n).tolist()
    ang = g.uniform(0, 180, n).tolist()
    cs = colours(g, pal, n, scale=(0.7, 1.25), jitter=12)
    for i, s in enumerate(size.tolist()):
        x, y = xy[i]
        c, k = cs[i], kind[i]
        th = -1 if filled[i] and k < 3 else max(1, int(s * asp[i] / 6) + 1)
        if k == 0:
            cv2.ellipse(img, pt((x, y)), pt((s, s * asp[i])), ang[i], 0, 360, c, th, AA, SHIFT)
        elif k == 1:
            m = int(g.integers(3, 8))
            a, r = np.sort(g.uniform(0, 2 * np.pi, m)), s * g.uniform(0.4, 1, m)
            poly(img, np.stack([x + r * np.cos(a), y + r * np.sin(a)], 1), c, th)
        elif k == 2:
            tilt = ang[i] if ang[i] < 40 else ang[i] / 6 - 15  # mostly near-level boxes
            poly(img, cv2.boxPoints(((x, y), (s * 2, s * 2 * asp[i]), tilt)), c, th)
        elif k == 3:
            dx, dy = s * 1.5 * np.cos(np.radians(ang[i])), s * 1.5 * np.sin(np.radians(ang[i]))
            line(img, (x - dx, y - dy), (x + dx, y + dy), c, th // 2 + 1)
        else:
            cv2.ellipse(img, pt((x, y)), pt((s, s)), 0, ang[i] * 2, ang[i] * 2 + 40 + asp[i] * 260, c, th // 2 + 1, AA, SHIFT)


def gen_shapes(g, w, h, u, pal, bank):
    img = ramp(g, w, h, some(g, pal)) if g.random() < 0.5 else gen_noise(g, w, h, u, pal, bank)
    draw_shapes(g, img, u, pal, int(g.integers(6, 26)))
    return img


def _tile(g, kind: str, n: int = 64) -> np.ndarray:
    """One n x n period of a repeating pattern (uint8 levels), drawn with anti-aliasing."""
    t = np.zeros((n, n), np.uint8)
    m = g.uniform(0.03, 0.25) * n  # line / mortar width
    if kind == "stripes":
        t[:, : int(g.uniform(0.15, 0.7) * n)] = 255
    elif kind == "grid":
        poly(t, rect(0, 0, n, m), 255)
        poly(t, rect(0, 0, m, n), 255)
    elif kind == "checker":
        t[: n // 2, : n // 2] = t[n // 2:, n // 2:] = 255
    elif kind == "bricks":
        t[:] = 255
        for y0, xs in ((0, (0, n)), (n / 2, (n / 2,))):
            poly(t, rect(0, y0, n, y0 + m / 2), 0)
            for x in xs:
                poly(t, rect(x - m / 4, y0, x + m / 4, y0 + n / 2), 0)
    else:  # dots
        cv2.circle(t, pt([n / 2, n / 2]), int(g.uniform(0.15, 0.4) * n * (1 << SHIFT)), 255, -1, AA, SHIFT)
    return t


def gen_pattern(g, w, h, u, pal, bank):
    kind = ("stripes", "grid", "checker", "bricks", "dots")[int(g.integers(5))]
    p = int(max(4.0, u * np.exp(g.uniform(np.log(0.04), np.log(0.4)))))  # period in canvas px
    aspect = g.uniform(0.5, 1.0) if kind == "bricks" else 1.0
    tile = cv2.resize(_tile(g, kind), (p, max(2, int(p * aspect))), interpolation=cv2.INTER_AREA)
    view = ("flat", "rotated", "floor")[int(g.choice(3, p=[0.4, 0.3, 0.3]))]
    d = int(np.hypot(w, h)) + 2 if view == "rotated" else max(w, h)
    big = np.tile(tile, (d // tile.shape[0] + 2, d // tile.shape[1] + 2))
    ox, oy = int(g.integers(p)), int(g.integers(tile.shape[0]))
    if view == "rotated":
        big = big[oy:oy + d, ox:ox + d]
        M = cv2.getRotationMatrix2D((d / 2, d / 2), g.uniform(-90, 90), 1.0)
        M[:, 2] -= [(d - w) / 2, (d - h) / 2]
        f = cv2.warpAffine(big, M, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    elif view == "floor":  # seen in perspective: the source rectangle becomes a converging trapezoid
        top, a, b = h * g.uniform(-0.5, 0.5), g.uniform(0, 0.3), g.uniform(0.5, 1.5)
        src = np.float32(rect(0, 0, w, h))
        dst = np.float32(rect(-a * w, top, w * (1 + a), h))
        dst[2:, 0] = [w * (1 + b), -b * w]
        f = cv2.warpPerspective(np.ascontiguousarray(big[oy:oy + h, ox:ox + w]), cv2.getPerspectiveTransform(src, dst),
                                (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    else:
        f = np.ascontiguousarray(big[oy:oy + h, ox:ox + w])
    c1, c2 = pick(g, pal, 0, 0.4), pick(g, pal, 0.6, 1)
    if c2.mean() - c1.mean() < 40:  # keep the pattern visible on low-contrast palettes
        c1, c2 = c1 * 0.6, mix(c2, [255, 255, 255], 0.3)
    img = colorize(f, lut(g, [c1, c2]))
    if view == "floor" and top > 0:
        img[: int(top) + 1] = ramp(g, w, int(top) + 1, some(g, pal), "vertical")
    return shade(g, img)


def gen_landscape(g, w, h, u, pal, bank):
    hy = h * g.uniform(0.3, 0.75)
    top, hor = pick(g, pal, 0, 0.6), pick(g, pal, 0.5, 1)
    layers = int(g.integers(1, 4))
    xs = np.linspace(-4, w + 4, 40)
    yb = hy + u * 0.04 * layers + np.cumsum(g.normal(0, u * 0.004, len(xs)))  # where the ground starts
    g0, g1 = min(h, max(0, int(yb.min()) - 2)), min(h, max(1, int(np.ceil(yb.max())) + 2))
    sky = ramp(g, w, g1, [top, mix(top, hor, 0.6), hor, hor], "vertical")  # sky + ridges: rows above g1
    if g.random() < 0.6:  # clouds, added
        f = field(g, bank, "fbm", w, g1, u * g.uniform(0.3, 1.0), stretch=g.uniform(1.5, 4))
        cloud = lut(g, [[0, 0, 0], mix(hor, [255, 255, 255], 0.5) * g.uniform(0.3, 1)])
        sky = cv2.add(sky, colorize(cv2.subtract(f, int(g.uniform(110, 200))), cloud))
    if g.random() < 0.3:  # sun
        cv2.circle(sky, pt([g.uniform(0, w), hy * g.uniform(0.3, 0.95)]), int(u * g.uniform(0.02, 0.08) * 16),
                   col(mix(hor, [255, 250, 230], 0.8)), -1, AA, SHIFT)
    for i in range(layers):
        far = (layers - i) / (layers + 1)
        prof = np.interp(xs, np.linspace(-4, w + 4, 9), g.uniform(-1, 1, 9)) + 0.2 * g.uniform(-1, 1, len(xs))
        ys = hy - u * g.uniform(0.03, 0.3) * (0.5 + far) * (prof + 1) / 2 + i * u * 0.04
        c = mix(pick(g, pal, 0, 0.6) * 0.6, hor, far * 0.7)
        poly(sky, np.concatenate([np.stack([xs, ys], 1), [[w + 4, h + 4], [-4, h + 4]]]), col(c))
    ground = colorize(field(g, bank, ("rough", "fbm", "fine")[int(g.integers(3))], w, h - g0, u * g.uniform(0.05, 0.3),
                            stretch=g.uniform(2, 5)), lut(g, pal[: max(2, len(pal) - 1)] * g.uniform(0.5, 0.9)))
    img = np.empty((h, w, 4), np.uint8)
    img[:g0], img[g1:] = sky[:g0], ground[g1 - g0:]
    mask = np.zeros((g1 - g0, w), np.uint8)  # anti-aliased ground line, blended in its band of rows only
    cv2.fillPoly(mask, [pts(np.concatenate([np.stack([xs, yb - g0], 1), [[w + 4, h + 4], [-4, h + 4]]]))], 255, AA, SHIFT)
    img[g0:g1] = blend(sky[g0:g1], ground[: g1 - g0], mask)
    for _ in range(int(g.integers(0, 12)) if g.random() < 0.5 else 0):  # poles, trunks
        x, y = g.uniform(0, w), g.uniform(hy, h)
        line(img, [x, y], [x, y - u * g.uniform(0.05, 0.6)], col(pal[0], 0.5), g.integers(1, 5))
    return shade(g, img, 0.6)


def gen_bokeh(g, w, h, u, pal, bank):
    img = ramp(g, w, h, some(g, pal) * g.uniform(0.15, 0.5))
    s = 4
    sw, sh = w // s + 1, h // s + 1
    small = np.zeros((sh, sw, 4), np.uint8)
    n = int(g.integers(15, 60))
    r = (u / s * np.exp(g.uniform(np.log(0.02), np.log(0.15), n))).tolist()
    xy = (g.random((n, 2)) * [sw, sh]).tolist()
    cs = colours(g, pal, n, 0.4, 1, (0.3, 1.0), 10)
    hexa = np.arange(6) * np.pi / 3 + g.uniform(0, 1)
    hexa = np.stack([np.cos(hexa), np.sin(hexa)], 1) if g.random() < 0.3 else None
    for i in range(n):
        if hexa is not None:
            poly(small, np.asarray(xy[i]) + r[i] * hexa, cs[i])
        else:
            cv2.circle(small, pt(xy[i]), int(r[i] * 16), cs[i], -1, AA, SHIFT)
    small = cv2.GaussianBlur(small, (0, 0), g.uniform(0.5, 2.0))
    img = cv2.add(img, cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR))
    n = int(g.integers(0, 25))  # sharp point lights
    xy, r, cs = (g.random((n, 2)) * [w, h]).tolist(), g.uniform(0.6, 2.5, n).tolist(), colours(g, pal, n, 0.6, 1, (1.2, 1.5))
    for i in range(n):
        cv2.circle(img, pt(xy[i]), int(r[i] * 16), cs[i], -1, AA, SHIFT)
    return img


def gen_room(g, w, h, u, pal, bank):
    wall, floor_c, dark = pick(g, pal, 0.3, 1), pick(g, pal, 0, 0.6), pal[0]
    bx0, by0 = w * g.uniform(0.1, 0.3), h * g.uniform(0.05, 0.25)
    bx1, by1 = w - w * g.uniform(0.1, 0.3), h - h * g.uniform(0.15, 0.35)
    r0 = min(h - 1, max(0, int(by1) - 2))  # the floor is below the back wall; walls cover the rest
    img = np.empty((h, w, 4), np.uint8)
    img[:r0] = col(wall)
    img[r0:] = colorize(field(g, bank, ("fbm", "rough", "turb")[int(g.integers(3))], w, h - r0, u * g.uniform(0.05, 0.3),
                              stretch=g.uniform(1, 6)), lut(g, [floor_c * 0.6, floor_c, floor_c * 1.2]))
    poly(img, rect(bx0, by0, bx1, by1), col(wall, 0.95))
    poly(img, [[0, 0], [bx0, by0], [bx0, by1], [0, h]], col(wall, g.uniform(0.6, 0.85)))
    poly(img, [[w, 0], [w, h], [bx1, by1], [bx1, by0]], col(wall, g.uniform(0.7, 0.9)))
    poly(img, [[0, 0], [w, 0], [bx1, by0], [bx0, by0]], col(wall, 1.1))
    bw, bh = bx1 - bx0, by1 - by0
    n = int(g.integers(1, 5))
    e = np.cumsum(np.r_[0, g.uniform(0.5, 1.5, n)])
    e = (bx0 + bw * e / e[-1]).tolist()  # items sit side by side along the back wall
    for i in range(n):
        fw = (e[i + 1] - e[i]) * g.uniform(0.4, 0.85)
        x = e[i] + (e[i + 1] - e[i] - fw) * g.uniform(0, 1)
        fh = bh * g.uniform(0.2, 0.6)
        y = g.uniform(by0 + bh * 0.05, by1 - fh)
        k = int(g.integers(4))
        box = rect(x, y, x + fw, y + fh)
        if k == 0:  # window: bright pane with mullions
            poly(img, box, col(pick(g, pal, 0.7, 1), 1.3))
            c = col(dark, 0.8)
            line(img, [x + fw / 2, y], [x + fw / 2, y + fh], c, 2)
            line(img, [x, y + fh / 2], [x + fw, y + fh / 2], c, 2)
            poly(img, box, c, int(g.integers(2, 5)))
        elif k == 1:  # picture
            pic = colorize(field(g, bank, "fbm", int(fw) + 1, int(fh) + 1, u * 0.1), lut(g, pal))
            x0, y0 = max(int(x), 0), max(int(y), 0)
            img[y0:y0 + pic.shape[0], x0:x0 + pic.shape[1]] = pic[: h - y0, : w - x0]
            poly(img, box, col(dark, 0.6), int(g.integers(2, 6)))
        elif k == 2:  # shelf with books
            line(img, [x, y + fh], [x + fw, y + fh], col(dark, 0.5), 3)
            bx = x
            while bx < x + fw:
                bwid = u * g.uniform(0.01, 0.03)
                cv2.rectangle(img, (int(bx), int(y + fh * g.uniform(0, 0.4))), (int(bx + bwid), int(y + fh)),
                              col(pal[int(g.integers(len(pal)))], g.uniform(0.5, 1.2), 20, g), -1)
                bx += bwid + 1
        else:  # door / panel
            poly(img, rect(x, y, x + fw, by1), col(wall, g.uniform(0.5, 1.3), 15, g))
            poly(img, rect(x, y, x + fw, by1), col(dark, 0.7), 2)
    for _ in range(int(g.integers(0, 4))):  # furniture in front
        fw, fh = w * g.uniform(0.1, 0.4), h * g.uniform(0.08, 0.3)
        x, y = g.uniform(-0.1 * w, w * 0.9), g.uniform(by1, h * 1.05)
        c = pick(g, pal, 0, 0.7)
        poly(img, rect(x, y - fh, x + fw, y), col(c, g.uniform(0.5, 1)))
        poly(img, [[x, y - fh], [x + fw, y - fh], [x + fw * 0.95, y - fh * 1.15], [x + fw * 0.05, y - fh * 1.15]], col(c, 1.2))
    return shade(g, img, 0.45)


def gen_city(g, w, h, u, pal, bank):
    ground = h * g.uniform(0.7, 1.0)
    img = ramp(g, w, h, [pick(g, pal, 0, 0.5), pick(g, pal, 0.4, 1), pick(g, pal, 0.6, 1)], "vertical")
    bmask = np.zeros((h, w), np.uint8)
    x = -g.uniform(0, u * 0.2)
    while x < w:
        bw, top = u * g.uniform(0.1, 0.45), ground - u * g.uniform(0.2, 1.3)
        c = col(pick(g, pal, 0, 0.7), g.uniform(0.4, 1.0), 10, g)
        cv2.rectangle(img, (int(x), int(top)), (int(x + bw), h), c, -1)
        cv2.rectangle(bmask, (int(x) + 3, int(top) + 4), (int(x + bw) - 3, int(ground) - 2), 255, -1)
        if g.random() < 0.3:
            line(img, [x + bw / 2, top], [x + bw / 2, top - u * 0.1], c, 1)
        x += bw + u * g.uniform(0, 0.08) * (g.random() < 0.5)
    px, py = int(u * g.uniform(0.025, 0.06)) + 2, int(u * g.uniform(0.04, 0.08)) + 2
    cell = np.zeros((py, px), np.uint8)
    cell[int(py * 0.3):, int(px * 0.2):int(px * 0.8)] = 255
    ny, nx = h // py + 1, w // px + 1
    lattice = np.tile(cell, (ny, nx))[:h, :w]
    lit = cv2.resize((g.random((ny, nx)) * 255).astype(np.uint8), (nx * px, ny * py), interpolation=cv2.INTER_NEAREST)
    on = int(g.uniform(0.2, 0.8) * 255)
    wl = lut(g, [pal[0] * 0.4, pal[0] * 0.6, [255, 220, 150], [255, 240, 200]], "steps")
    wl[:on] = lut(g, [pal[0] * 0.3, pal[1] * 0.6])[:on]
    cv2.copyTo(colorize(np.ascontiguousarray(lit[:h, :w]), wl), cv2.bitwise_and(bmask, lattice), img)
    cv2.rectangle(img, (0, int(ground)), (w, h), col(pal[0], 0.5), -1)
    return img


def gen_texture(g, w, h, u, pal, bank):
    st = float(np.exp(g.normal(0, 0.7)))
    a = field(g, bank, "rough", w, h, u * g.uniform(0.03, 0.15), stretch=st)
    b = field(g, bank, "fine", w, h, u * g.uniform(0.005, 0.03), stretch=st)
    f = cv2.addWeighted(a, g.uniform(0.4, 0.8), b, g.uniform(0.2, 0.6), 0)
    img = colorize(f, lut(g, pal, ("steps", "smooth", "steps")[int(g.integers(3))]))
    if g.random() < 0.3:
        draw_shapes(g, img, u, pal, int(g.integers(10, 30)), 0.005, 0.04)
    return shade(g, img, 0.5)


GENERATORS = {
    "noise": gen_noise,
    "gradient": gen_gradient,
    "shapes": gen_shapes,
    "pattern": gen_pattern,
    "landscape": gen_landscape,
    "bokeh": gen_bokeh,
    "room": gen_room,
    "city": gen_city,
    "texture": gen_texture,
}


def region_mask(g, w: int, h: int, u: float, bank) -> np.ndarray:
    """An anti-aliased region (uint8 coverage) for mixing in a second generator: half-plane, box, ellipse, blob."""
    m = np.zeros((h, w), np.uint8)
    k = int(g.integers(4))
    if k == 0:
        a = g.uniform(0, 2 * np.pi)
        c = np.array([g.uniform(0.2, 0.8) * w, g.uniform(0.2, 0.8) * h])
        d, n = np.array([np.cos(a), np.sin(a)]) * 2 * (w + h), np.array([-np.sin(a), np.cos(a)]) * 2 * (w + h)
        poly(m, [c - d, c + d, c + d + n, c - d + n], 255)
    elif k == 1:
        bw, bh = u * g.uniform(0.3, 1.0), u * g.uniform(0.2, 0.7)
        x, y = g.uniform(0, max(1, w - bw)), g.uniform(0, max(1, h - bh))
        poly(m, rect(x, y, x + bw, y + bh), 255)
    elif k == 2:
        cv2.ellipse(m, pt([g.uniform(0, w), g.uniform(0, h)]), pt(u * g.uniform(0.1, 0.6, 2)),
                    g.uniform(0, 180), 0, 360, 255, -1, AA, SHIFT)
    else:
        k = g.uniform(6, 40)  # steep ramp: soft, anti-aliased edge
        m = cv2.convertScaleAbs(field(g, bank, "fbm", w, h, u * g.uniform(0.3, 1.0)), alpha=k, beta=-k * g.uniform(90, 170))
    return m


def edges(g, img, u, pal) -> None:
    """Text-free high-contrast strokes at several scales: lines, cables, branches, arcs, frames."""
    h, w = img.shape[:2]
    for _ in range(int(g.integers(1, 6))):
        r = g.random()
        c = col([0, 0, 0] if r < 0.3 else [255, 255, 255] if r < 0.5 else pick(g, pal), g.uniform(0.8, 1.1))
        th = int(g.integers(1, 4))
        p = np.array([g.uniform(0, w), g.uniform(0, h)])
        s = u * np.exp(g.uniform(np.log(0.1), np.log(1.0)))
        k = int(g.choice(4, p=[0.35, 0.3, 0.2, 0.15]))
        if k == 0:  # straight line
            a = g.uniform(0, np.pi)
            line(img, p, p + s * np.array([np.cos(a), np.sin(a)]), c, th)
        elif k == 1:  # wandering polyline (cable, branch, crack)
            steps = np.cumsum(g.normal(0, 1, (int(g.integers(3, 9)), 2)) * s / 4 + g.normal(0, s / 4, 2), 0)
            cv2.polylines(img, [pts(p + steps)], False, c, th, AA, SHIFT)
        elif k == 2:  # arc
            a0 = g.uniform(0, 360)
            cv2.ellipse(img, pt(p), pt([s, s * g.uniform(0.5, 1)]), g.uniform(0, 180), a0, a0 + g.uniform(60, 160),
                        c, th, AA, SHIFT)
        else:  # tilted frame
            poly(img, cv2.boxPoints((tuple(p), tuple(s * g.uniform(0.3, 1.2, 2)), g.uniform(-30, 30))), c, th)
