"""Canvas generators for the procedural background (see `procedural.py`).

Every generator is `gen(g, w, h, u, pal, bank) -> (h, w, 4) uint8` (RGB + a spare channel:
OpenCV warps 4-channel images about 3x faster than 3-channel ones). `g` is a
`numpy.random.Generator` seeded from the plan, `u` is the frame height in canvas pixels
(so feature sizes are relative to what the camera sees), `pal` a (K, 3) palette sorted
dark to light, `bank` the fixed noise bank below. Everything is built from cheap OpenCV
calls on uint8 images; noise comes from the bank (crop, scale, flip), never from
per-pixel random draws.
"""
from __future__ import annotations

import numpy as np
import cv2

AA = cv2.LINE_AA
SHIFT = 4  # sub-pixel bits for cv2 drawing
BANK_SIZE = 512
BANK_VERSION = 1
_FALLBACK: dict = {}


# ----------------------------------------------------------------------------- noise bank
def _value_noise(g: np.random.Generator, n: int, beta: float, base: int) -> np.ndarray:
    """Periodic multi-octave value noise: random grids upsampled with cv2.resize and summed."""
    acc = np.zeros((n, n), np.float32)
    k, amp = base, 1.0
    while k <= n // 2:
        grid = g.random((k, k), dtype=np.float32)
        pad = np.pad(grid, 2, mode="wrap")
        cell = n // k
        up = cv2.resize(pad, ((k + 4) * cell, (k + 4) * cell), interpolation=cv2.INTER_CUBIC)
        acc += amp * up[2 * cell:2 * cell + n, 2 * cell:2 * cell + n]
        k, amp = k * 2, amp * 2.0 ** (-beta / 2)
    return acc


def _equalize(x: np.ndarray) -> np.ndarray:
    x8 = cv2.normalize(x, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    return cv2.equalizeHist(x8)


def make_bank() -> dict:
    """Fixed textures (same bytes in every process): the only source of per-pixel noise."""
    g = np.random.default_rng(20240611)
    n = BANK_SIZE
    fbm = _value_noise(g, n, 2.2, 4)
    bank = {
        "smooth": _equalize(_value_noise(g, n, 3.2, 2)),
        "fbm": _equalize(fbm),
        "rough": _equalize(_value_noise(g, n, 1.3, 8)),
        "fine": _equalize(_value_noise(g, n, 0.6, 32)),
        "ridged": _equalize(-np.abs(fbm - np.median(fbm))),
        "turb": _equalize(np.abs(_value_noise(g, n, 1.8, 4) - 0.5 * 1.9)),
    }
    grain = np.clip(g.normal(128, 40, (2 * n, 2 * n, 1)), 0, 255).astype(np.uint8)
    bank["grain4"] = np.ascontiguousarray(np.repeat(grain, 4, axis=2))
    return bank


def get_bank(resources=None) -> dict:
    key = ("datagen.procedural.bank", BANK_VERSION)
    if resources is not None:
        return resources.get(key, make_bank)
    if key not in _FALLBACK:
        _FALLBACK[key] = make_bank()
    return _FALLBACK[key]


def _wrap_crop(tex: np.ndarray, x: int, y: int, w: int, h: int) -> np.ndarray:
    th, tw = tex.shape[:2]
    x, y = x % tw, y % th
    if x + w <= tw and y + h <= th:
        return tex[y:y + h, x:x + w]
    reps = (-(-(y + h) // th), -(-(x + w) // tw)) + (1,) * (tex.ndim - 2)
    return np.tile(tex, reps)[y:y + h, x:x + w]


def field(g, bank, name: str, w: int, h: int, feature: float, stretch: float = 1.0) -> np.ndarray:
    """(h, w) uint8 noise whose blobs are about `feature` canvas px wide (x scaled by `stretch`)."""
    tex = bank[name]
    o = int(g.integers(8))
    if o & 1:
        tex = tex.T
    if o & 2:
        tex = tex[::-1]
    if o & 4:
        tex = tex[:, ::-1]
    base = {"smooth": 150.0, "fbm": 60.0, "ridged": 60.0, "turb": 60.0, "rough": 30.0, "fine": 8.0}[name]
    s = base / max(feature, 1.0)
    cw, ch = max(2, int(w * s / stretch)), max(2, int(h * s))
    crop = _wrap_crop(tex, int(g.integers(BANK_SIZE)), int(g.integers(BANK_SIZE)), cw, ch)
    interp = cv2.INTER_AREA if s > 1.5 else cv2.INTER_LINEAR
    return cv2.resize(np.ascontiguousarray(crop), (w, h), interpolation=interp)


def grain(g, bank, img: np.ndarray, strength: float) -> np.ndarray:
    """Add fine per-pixel luminance texture (bank grain, 1:1 scale)."""
    h, w = img.shape[:2]
    gr = _wrap_crop(bank["grain4"], int(g.integers(1024)), int(g.integers(1024)), w, h)
    return cv2.addWeighted(img, 1.0, np.ascontiguousarray(gr), strength, -128.0 * strength)


# ----------------------------------------------------------------------------- colour
def lut(g, cols: np.ndarray, mode: str = "smooth") -> np.ndarray:
    """256-entry uint32 lookup (packed RGBA) through `cols`: smooth ramp, hard steps or bands."""
    k = len(cols)
    if mode == "steps":
        edges = np.sort(g.uniform(0.1, 0.9, k - 1)) * 255
        idx = np.searchsorted(edges, np.arange(256))
        rgb = cols[idx]
    else:
        pos = np.concatenate([[0.0], np.sort(g.uniform(0.05, 0.95, k - 2)), [1.0]]) * 255
        x = np.arange(256, dtype=np.float64)
        if mode == "bands":
            x = (x * g.uniform(2, 6)) % 256
        rgb = np.stack([np.interp(x, pos, cols[:, c]) for c in range(3)], 1)
    rgba = np.concatenate([np.clip(rgb, 0, 255), np.full((256, 1), 255.0)], 1).astype(np.uint8)
    return rgba.view(np.uint32).ravel()


def colorize(f8: np.ndarray, lut32: np.ndarray) -> np.ndarray:
    h, w = f8.shape
    return np.take(lut32, f8).view(np.uint8).reshape(h, w, 4)


def col(c, scale: float = 1.0, jitter: float = 0.0, g=None) -> tuple:
    c = np.asarray(c, np.float64) * scale
    if jitter and g is not None:
        c = c + g.normal(0, jitter, 3)
    r, gg, b = np.clip(c, 0, 255)
    return (float(r), float(gg), float(b), 255.0)


def pick(g, pal, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    """A palette colour from the [lo, hi] brightness-ordered slice."""
    k = len(pal)
    i = int(g.integers(int(lo * (k - 1) + 0.5), int(hi * (k - 1) + 0.5) + 1))
    return pal[i]


def mix(a, b, t: float) -> np.ndarray:
    return np.asarray(a, np.float64) * (1 - t) + np.asarray(b, np.float64) * t


def pts(p) -> np.ndarray:
    return np.round(np.asarray(p, np.float64) * (1 << SHIFT)).astype(np.int32).reshape(-1, 1, 2)


def poly(img, p, color, thickness: int = -1) -> None:
    if thickness < 0:
        cv2.fillPoly(img, [pts(p)], color, AA, SHIFT)
    else:
        cv2.polylines(img, [pts(p)], True, color, thickness, AA, SHIFT)


def shade(g, img: np.ndarray, lo: float = 0.55) -> np.ndarray:
    """Multiply by a smooth random light map (vignette/lighting), values in [lo, 1]."""
    h, w = img.shape[:2]
    small = g.uniform(lo, 1.0, (3, 4)).astype(np.float32)
    light = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    l8 = cv2.convertScaleAbs(light, alpha=255.0)
    return cv2.multiply(img, cv2.cvtColor(l8, cv2.COLOR_GRAY2RGBA), scale=1 / 255)


def ramp(g, w: int, h: int, pal, kind: str | None = None, cols=None) -> np.ndarray:
    """Smooth gradient (linear, radial or four-corner), built at low res and upsampled."""
    kind = kind or ["linear", "radial", "corners"][int(g.integers(3))]
    gh, gw = 12, 20
    yy, xx = np.mgrid[0:gh, 0:gw].astype(np.float32)
    xx, yy = xx / (gw - 1), yy / (gh - 1)
    if kind == "linear":
        a = g.uniform(0, 2 * np.pi)
        t = xx * np.cos(a) + yy * np.sin(a)
    elif kind == "radial":
        cx, cy = g.uniform(-0.2, 1.2, 2)
        t = np.sqrt((xx - cx) ** 2 + ((yy - cy) * h / w) ** 2)
    else:
        c = g.random(4).astype(np.float32)
        t = (c[0] * (1 - xx) + c[1] * xx) * (1 - yy) + (c[2] * (1 - xx) + c[3] * xx) * yy
    t = cv2.resize(t.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    f8 = cv2.normalize(t, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    cols = pal[np.sort(g.choice(len(pal), min(3, len(pal)), replace=False))] if cols is None else cols
    return colorize(f8, lut(g, np.asarray(cols, np.float64)))


# ----------------------------------------------------------------------------- generators
def gen_noise(g, w, h, u, pal, bank):
    name = ["smooth", "fbm", "fbm", "rough", "ridged", "turb"][int(g.integers(6))]
    mode = ["smooth", "smooth", "steps", "bands"][int(g.integers(4))]
    f = field(g, bank, name, w, h, u * np.exp(g.uniform(np.log(0.1), np.log(1.2))),
              stretch=float(np.exp(g.normal(0, 0.5))))
    return colorize(f, lut(g, pal, mode))


def gen_gradient(g, w, h, u, pal, bank):
    img = ramp(g, w, h, pal)
    if g.random() < 0.6:  # soft secondary variation
        f = field(g, bank, "smooth", w, h, u * g.uniform(0.5, 2))
        tint = colorize(f, lut(g, pal[[0, -1]]))
        img = cv2.addWeighted(img, 0.8, tint, 0.2, 0)
    return img


def draw_shapes(g, img, u, pal, n: int, smin=0.02, smax=0.6) -> None:
    h, w = img.shape[:2]
    sizes = np.sort(u * np.exp(g.uniform(np.log(smin), np.log(smax), n)))[::-1]
    for s in sizes:
        c = col(pal[int(g.integers(len(pal)))], g.uniform(0.7, 1.25), 12, g)
        x, y = g.uniform(-0.1 * w, 1.1 * w), g.uniform(-0.1 * h, 1.1 * h)
        th = -1 if g.random() < 0.65 else int(g.integers(1, max(2, int(s / 8) + 2)))
        k = int(g.integers(5))
        if k == 0:
            cv2.circle(img, tuple(pts([x, y]).ravel()), int(s * 8), c, th, AA, SHIFT)
        elif k == 1:
            cv2.ellipse(img, tuple(pts([x, y]).ravel()), tuple(pts([s, s * g.uniform(0.2, 1)]).ravel()),
                        g.uniform(0, 180), 0, 360, c, th, AA, SHIFT)
        elif k == 2:
            m = int(g.integers(3, 8))
            ang = np.sort(g.uniform(0, 2 * np.pi, m))
            r = s * g.uniform(0.4, 1, m)
            poly(img, np.stack([x + r * np.cos(ang), y + r * np.sin(ang)], 1), c, th)
        elif k == 3:
            box = cv2.boxPoints(((x, y), (s * 2, s * 2 * g.uniform(0.1, 1)), g.uniform(-20, 20) * (g.random() < 0.6) + (g.random() < 0.2) * g.uniform(0, 180)))
            poly(img, box, c, th)
        else:
            a = g.uniform(0, np.pi)
            d = np.array([np.cos(a), np.sin(a)]) * s * 1.5
            cv2.line(img, tuple(pts([x, y] - d).ravel()), tuple(pts([x, y] + d).ravel()), c,
                     int(g.integers(1, max(2, int(s / 6) + 2))), AA, SHIFT)


def gen_shapes(g, w, h, u, pal, bank):
    img = ramp(g, w, h, pal) if g.random() < 0.5 else gen_noise(g, w, h, u, pal, bank)
    draw_shapes(g, img, u, pal, int(g.integers(8, 36)))
    return img


def gen_pattern(g, w, h, u, pal, bank):
    kind = ["stripes", "grid", "checker", "bricks", "dots"][int(g.integers(5))]
    c1, c2 = pick(g, pal, 0, 0.5), pick(g, pal, 0.5, 1)
    p = u * np.exp(g.uniform(np.log(0.03), np.log(0.35)))
    p = max(p, np.hypot(w, h) / 150, 3.0)
    if kind == "checker":
        ny, nx = int(h / p) + 2, int(w / p) + 2
        cells = ((np.add.outer(np.arange(ny), np.arange(nx)) % 2) * 255).astype(np.uint8)
        f = cv2.resize(cells, (int(nx * p), int(ny * p)), interpolation=cv2.INTER_NEAREST)[:h, :w]
        img = colorize(np.ascontiguousarray(f), lut(g, np.array([c1, c2]), "steps"))
        if g.random() < 0.5:  # seen as a floor in perspective
            k = g.uniform(0.2, 0.45)
            src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
            dst = np.float32([[w * k, 0], [w * (1 - k), 0], [w * 1.3, h], [-w * 0.3, h]])
            img = cv2.warpPerspective(img, cv2.getPerspectiveTransform(src, dst), (w, h),
                                      borderMode=cv2.BORDER_REFLECT)
        return shade(g, img)
    img = np.empty((h, w, 4), np.uint8)
    img[:] = col(c1)
    cc = col(c2)
    if kind == "stripes":
        a = g.uniform(0, np.pi) if g.random() < 0.6 else g.choice([0.0, np.pi / 2])
        d, nrm = np.array([np.cos(a), np.sin(a)]), np.array([-np.sin(a), np.cos(a)])
        L = np.hypot(w, h)
        duty = g.uniform(0.2, 0.7)
        ctr = np.array([w / 2, h / 2])
        for k in np.arange(-L / p / 2, L / p / 2 + 1):
            o = ctr + nrm * k * p
            poly(img, [o - d * L, o + d * L, o + d * L + nrm * p * duty, o - d * L + nrm * p * duty], cc)
    elif kind == "grid":
        t = int(g.integers(1, max(2, int(p / 6) + 1)))
        for x in np.arange(g.uniform(0, p), w, p):
            cv2.line(img, (int(x * 16), 0), (int(x * 16), h * 16), cc, t, AA, SHIFT)
        for y in np.arange(g.uniform(0, p), h, p):
            cv2.line(img, (0, int(y * 16)), (w * 16, int(y * 16)), cc, t, AA, SHIFT)
    elif kind == "bricks":
        img[:] = cc
        bh = p * 0.5
        for r, y in enumerate(np.arange(0, h, bh)):
            for x in np.arange(-(r % 2) * p / 2, w, p):
                cv2.rectangle(img, (int(x) + 1, int(y) + 1), (int(x + p) - 1, int(y + bh) - 1),
                              col(c1, g.uniform(0.8, 1.15), 8, g), -1)
    else:
        r = p * g.uniform(0.15, 0.4)
        for y in np.arange(p / 2, h + p, p):
            for x in np.arange(p / 2, w + p, p):
                cv2.circle(img, (int(x * 16), int(y * 16)), int(r * 16), cc, -1, AA, SHIFT)
    return shade(g, img)


def gen_landscape(g, w, h, u, pal, bank):
    hy = h * g.uniform(0.3, 0.75)
    top, hor = pick(g, pal, 0, 0.6), pick(g, pal, 0.5, 1)
    sky = np.linspace(0, 1, 20, dtype=np.float32)[:, None] * np.ones((1, 2), np.float32)
    t = cv2.resize(sky, (w, h), interpolation=cv2.INTER_LINEAR)
    img = colorize(cv2.convertScaleAbs(t, alpha=255 * h / max(hy, 1) * 0.9),
                   lut(g, np.array([top, mix(top, hor, 0.6), hor])))
    if g.random() < 0.6:  # clouds
        f = field(g, bank, "fbm", w, h, u * g.uniform(0.3, 1.0), stretch=g.uniform(1.5, 4))
        cloud = colorize(cv2.subtract(f, int(g.uniform(120, 200))), lut(g, np.array([[0, 0, 0], mix(hor, [255, 255, 255], 0.5)])))
        img = cv2.add(img, cloud)
    if g.random() < 0.3:  # sun / glow
        cv2.circle(img, (int(g.uniform(0, w) * 16), int(hy * g.uniform(0.3, 0.95) * 16)),
                   int(u * g.uniform(0.02, 0.08) * 16), col(mix(hor, [255, 250, 230], 0.8)), -1, AA, SHIFT)
    ground = colorize(field(g, bank, ["rough", "fbm", "fine"][int(g.integers(3))], w, h, u * g.uniform(0.05, 0.3),
                            stretch=g.uniform(2, 5)), lut(g, pal[: max(2, len(pal) - 1)] * g.uniform(0.5, 0.9)))
    layers = int(g.integers(1, 4))
    xs = np.linspace(-4, w + 4, 48)
    for i in range(layers):
        far = (layers - i) / (layers + 1)
        amp = u * g.uniform(0.03, 0.3) * (0.5 + far)
        prof = np.interp(xs, np.linspace(-4, w + 4, 9), g.uniform(-1, 1, 9)) + 0.25 * g.uniform(-1, 1, len(xs))
        ys = hy - amp * (prof + 1) * 0.5 + i * u * 0.04
        c = mix(pick(g, pal, 0, 0.6) * 0.6, hor, far * 0.7)
        poly(img, np.concatenate([np.stack([xs, ys], 1), [[w + 4, h + 4], [-4, h + 4]]]), col(c))
    mask = np.zeros((h, w), np.uint8)
    yb = hy + u * 0.04 * layers + np.cumsum(g.normal(0, u * 0.004, len(xs)))
    cv2.fillPoly(mask, [pts(np.concatenate([np.stack([xs, yb], 1), [[w + 4, h + 4], [-4, h + 4]]]))], 255, AA, SHIFT)
    cv2.copyTo(shade(g, ground, 0.4), mask, img)
    for _ in range(int(g.integers(0, 12)) if g.random() < 0.5 else 0):  # poles / trunks
        x, y = g.uniform(0, w), g.uniform(hy, h)
        hh = u * g.uniform(0.05, 0.6)
        cv2.line(img, (int(x * 16), int(y * 16)), (int(x * 16), int((y - hh) * 16)), col(pal[0], 0.5),
                 int(g.integers(1, 5)), AA, SHIFT)
    return img


def gen_bokeh(g, w, h, u, pal, bank):
    img = ramp(g, w, h, pal * g.uniform(0.15, 0.5))
    s = 4
    small = np.zeros((h // s + 1, w // s + 1, 4), np.uint8)
    hexa = g.random() < 0.3
    for _ in range(int(g.integers(15, 70))):
        r = u / s * np.exp(g.uniform(np.log(0.02), np.log(0.15)))
        c = col(pick(g, pal, 0.4, 1), g.uniform(0.3, 1.0), 10, g)
        x, y = g.uniform(0, small.shape[1]), g.uniform(0, small.shape[0])
        if hexa:
            a = np.arange(6) * np.pi / 3 + 0.3
            poly(small, np.stack([x + r * np.cos(a), y + r * np.sin(a)], 1), c)
        else:
            cv2.circle(small, (int(x * 16), int(y * 16)), int(r * 16), c, -1, AA, SHIFT)
    small = cv2.GaussianBlur(small, (0, 0), g.uniform(0.5, 2.0))
    img = cv2.add(img, cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR))
    for _ in range(int(g.integers(0, 40))):  # sharp point lights
        cv2.circle(img, (int(g.uniform(0, w) * 16), int(g.uniform(0, h) * 16)), int(g.uniform(0.6, 2.5) * 16),
                   col(pick(g, pal, 0.6, 1), 1.4), -1, AA, SHIFT)
    return img


def gen_room(g, w, h, u, pal, bank):
    wall, floor_c = pick(g, pal, 0.3, 1), pick(g, pal, 0, 0.6)
    bx0, by0 = w * g.uniform(0.15, 0.35), h * g.uniform(0.1, 0.3)
    bx1, by1 = w - w * g.uniform(0.15, 0.35), h - h * g.uniform(0.2, 0.4)
    img = np.empty((h, w, 4), np.uint8)
    img[:] = col(wall, 0.95)
    floor_tex = colorize(field(g, bank, ["fbm", "rough", "turb"][int(g.integers(3))], w, h, u * g.uniform(0.05, 0.3),
                               stretch=g.uniform(1, 6)), lut(g, np.array([floor_c * 0.6, floor_c, floor_c * 1.2]), "smooth"))
    mask = np.zeros((h, w), np.uint8)
    poly(mask, [[bx0, by1], [bx1, by1], [w * 1.2, h * 1.3], [-w * 0.2, h * 1.3]], 255)
    cv2.copyTo(floor_tex, mask, img)
    poly(img, [[bx0, by0], [bx1, by0], [w * 1.2, -h * 0.3], [-w * 0.2, -h * 0.3]], col(wall, 1.1))
    poly(img, [[0, 0], [bx0, by0], [bx0, by1], [0, h], [-w, h], [-w, 0]], col(wall, g.uniform(0.6, 0.85)))
    poly(img, [[w, 0], [bx1, by0], [bx1, by1], [w, h], [2 * w, h]], col(wall, g.uniform(0.7, 0.9)))
    bw, bh = bx1 - bx0, by1 - by0
    for _ in range(int(g.integers(2, 7))):
        fw, fh = bw * g.uniform(0.1, 0.35), bh * g.uniform(0.15, 0.6)
        x, y = g.uniform(bx0, bx1 - fw), g.uniform(by0, by1 - fh)
        k = int(g.integers(4))
        box = [[x, y], [x + fw, y], [x + fw, y + fh], [x, y + fh]]
        if k == 0:  # window: bright pane with mullions
            poly(img, box, col(pick(g, pal, 0.7, 1), 1.3))
            c = col(pal[0], 0.8)
            cv2.line(img, (int((x + fw / 2) * 16), int(y * 16)), (int((x + fw / 2) * 16), int((y + fh) * 16)), c, 2, AA, SHIFT)
            cv2.line(img, (int(x * 16), int((y + fh / 2) * 16)), (int((x + fw) * 16), int((y + fh / 2) * 16)), c, 2, AA, SHIFT)
            poly(img, box, c, int(g.integers(2, 5)))
        elif k == 1:  # picture
            pic = colorize(field(g, bank, "fbm", max(2, int(fw)), max(2, int(fh)), u * 0.1), lut(g, pal))
            img[int(y):int(y) + pic.shape[0], int(x):int(x) + pic.shape[1]] = pic[: h - int(y), : w - int(x)]
            poly(img, box, col(pal[0], 0.6), int(g.integers(2, 6)))
        elif k == 2:  # shelf with books
            cv2.line(img, (int(x * 16), int((y + fh) * 16)), (int((x + fw) * 16), int((y + fh) * 16)), col(pal[0], 0.5), 3, AA, SHIFT)
            bx = x
            while bx < x + fw:
                bwid = u * g.uniform(0.008, 0.03)
                poly(img, [[bx, y + fh * g.uniform(0, 0.4)], [bx + bwid, y + fh * g.uniform(0, 0.4)], [bx + bwid, y + fh], [bx, y + fh]],
                     col(pal[int(g.integers(len(pal)))], g.uniform(0.5, 1.2), 20, g))
                bx += bwid + 0.5
        else:  # door / panel
            poly(img, [[x, y], [x + fw, y], [x + fw, by1], [x, by1]], col(wall, g.uniform(0.5, 1.3), 15, g))
            poly(img, [[x, y], [x + fw, y], [x + fw, by1], [x, by1]], col(pal[0], 0.7), 2)
    for _ in range(int(g.integers(0, 4))):  # furniture in front
        fw, fh = w * g.uniform(0.1, 0.4), h * g.uniform(0.08, 0.3)
        x, y = g.uniform(-0.1 * w, w * 0.9), g.uniform(by1, h * 1.05)
        c = pick(g, pal, 0, 0.7)
        poly(img, [[x, y - fh], [x + fw, y - fh], [x + fw, y], [x, y]], col(c, g.uniform(0.5, 1)))
        poly(img, [[x, y - fh], [x + fw, y - fh], [x + fw * 0.95, y - fh * 1.15], [x + fw * 0.05, y - fh * 1.15]], col(c, 1.2))
    return shade(g, img, 0.45)


def gen_city(g, w, h, u, pal, bank):
    ground = h * g.uniform(0.65, 1.0)
    img = ramp(g, w, h, pal, "linear", cols=[pick(g, pal, 0, 0.5), pick(g, pal, 0.4, 1), pick(g, pal, 0.6, 1)])
    bmask = np.zeros((h, w), np.uint8)
    x = -g.uniform(0, u * 0.2)
    while x < w:
        bw = u * g.uniform(0.1, 0.45)
        top = ground - u * g.uniform(0.2, 1.3)
        c = col(pick(g, pal, 0, 0.7), g.uniform(0.4, 1.0), 10, g)
        cv2.rectangle(img, (int(x), int(top)), (int(x + bw), h), c, -1)
        cv2.rectangle(bmask, (int(x) + 3, int(top) + 4), (int(x + bw) - 3, int(ground) - 2), 255, -1)
        if g.random() < 0.3:
            cv2.line(img, (int(x + bw / 2), int(top)), (int(x + bw / 2), int(top - u * 0.1)), c, 1, AA)
        x += bw + u * g.uniform(0, 0.08) * (g.random() < 0.5)
    px, py = u * g.uniform(0.025, 0.06), u * g.uniform(0.04, 0.08)
    cell = np.zeros((int(py), int(px)), np.uint8)
    cell[int(py * 0.25):, int(px * 0.2):int(px * 0.8)] = 255
    lattice = np.tile(cell, (h // cell.shape[0] + 1, w // cell.shape[1] + 1))[:h, :w]
    lit = (g.random((h // cell.shape[0] + 1, w // cell.shape[1] + 1)) * 255).astype(np.uint8)
    lit = cv2.resize(lit, (lit.shape[1] * cell.shape[1], lit.shape[0] * cell.shape[0]), interpolation=cv2.INTER_NEAREST)[:h, :w]
    on = g.uniform(0.2, 0.8)
    wl = lut(g, np.array([pal[0] * 0.4, pal[0] * 0.6, [255, 220, 150], [255, 240, 200]]), "steps")
    wl = np.where(np.arange(256) < on * 255, lut(g, np.array([pal[0] * 0.3, pal[1] * 0.6])), wl)
    wins = colorize(np.ascontiguousarray(lit), wl)
    cv2.copyTo(wins, cv2.bitwise_and(bmask, lattice), img)
    cv2.rectangle(img, (0, int(ground)), (w, h), col(pal[0], 0.5), -1)
    return img


def gen_texture(g, w, h, u, pal, bank):
    a = field(g, bank, "rough", w, h, u * g.uniform(0.03, 0.15), stretch=float(np.exp(g.normal(0, 0.7))))
    b = field(g, bank, "fine", w, h, u * g.uniform(0.005, 0.03))
    f = cv2.addWeighted(a, g.uniform(0.4, 0.8), b, g.uniform(0.2, 0.6), 0)
    img = colorize(f, lut(g, pal, ["steps", "smooth", "steps"][int(g.integers(3))]))
    if g.random() < 0.4:
        draw_shapes(g, img, u, pal, int(g.integers(20, 60)), 0.005, 0.04)
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
    """A hard-edged region for mixing a second generator in: half-plane, box, disc or blob."""
    m = np.zeros((h, w), np.uint8)
    k = int(g.integers(4))
    if k == 0:
        a = g.uniform(0, 2 * np.pi)
        c = np.array([g.uniform(0.2, 0.8) * w, g.uniform(0.2, 0.8) * h])
        d, n = np.array([np.cos(a), np.sin(a)]) * 4 * (w + h), np.array([-np.sin(a), np.cos(a)]) * 4 * (w + h)
        poly(m, [c - d, c + d, c + d + n, c - d + n], 255)
    elif k == 1:
        bw, bh = u * g.uniform(0.3, 1.0), u * g.uniform(0.2, 0.7)
        x, y = g.uniform(0, w - bw), g.uniform(0, h - bh)
        poly(m, [[x, y], [x + bw, y], [x + bw, y + bh], [x, y + bh]], 255)
    elif k == 2:
        cv2.ellipse(m, (int(g.uniform(0, w)), int(g.uniform(0, h))), (int(u * g.uniform(0.1, 0.6)), int(u * g.uniform(0.1, 0.6))),
                    g.uniform(0, 180), 0, 360, 255, -1, AA)
    else:
        m = cv2.compare(field(g, bank, "fbm", w, h, u * g.uniform(0.3, 1.0)), int(g.uniform(90, 170)), cv2.CMP_GT)
    return m


def edges(g, img, u, pal) -> None:
    """Text-free high-contrast strokes at several scales (lines, outlines, arcs)."""
    h, w = img.shape[:2]
    for _ in range(int(g.integers(2, 10))):
        c = col([0, 0, 0] if g.random() < 0.3 else [255, 255, 255] if g.random() < 0.3 else pick(g, pal, 0, 1), g.uniform(0.8, 1.1))
        th = int(g.integers(1, 4))
        p = np.array([g.uniform(0, w), g.uniform(0, h)])
        k = int(g.integers(3))
        if k == 0:
            q = p + g.normal(0, u * 0.4, 2)
            cv2.line(img, tuple(pts(p).ravel()), tuple(pts(q).ravel()), c, th, AA, SHIFT)
        elif k == 1:
            s = u * np.exp(g.uniform(np.log(0.03), np.log(0.5)))
            poly(img, [p, p + [s, 0], p + [s, s * g.uniform(0.3, 1.5)], p + [0, s * g.uniform(0.3, 1.5)]], c, th)
        else:
            r = u * np.exp(g.uniform(np.log(0.03), np.log(0.4)))
            a0 = g.uniform(0, 360)
            cv2.ellipse(img, tuple(pts(p).ravel()), tuple(pts([r, r * g.uniform(0.3, 1)]).ravel()), g.uniform(0, 180), a0,
                        a0 + g.uniform(60, 300), c, th, AA, SHIFT)
