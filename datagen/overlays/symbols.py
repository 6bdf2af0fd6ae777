"""Simple procedural symbols for animated icons: the marks editors put on videos by hand.

Stars and sparkles, hearts, arrows and chevrons, play buttons, notification bells,
check and plus buttons, text badges ("LIVE", "NEW", "SUBSCRIBE", ...) and a loading
spinner whose sprite has several frames (the bright dot goes round). Shapes are
painted as coverage at supersampled resolution, optionally with an outline (the
shape's coverage dilated), then filled.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from datagen.errors import InputSkipped
from datagen.overlays import lettering
from datagen.overlays.colors import ICON, brand_color, hex_rgb, pick, readable_on
from datagen.overlays.sprite import Painter, Sprite

SYMBOLS = ["star", "sparkle", "heart", "arrow", "chevrons", "play", "badge", "bell", "check", "plus", "spinner"]
SYMBOL_WEIGHTS = [1.0, 0.6, 1.2, 1.2, 0.7, 1.0, 2.0, 0.8, 0.5, 0.5, 0.6]
BADGES = [("LIVE", "#E53935", "dot"), ("NEW", "#FFC400", None), ("SUBSCRIBE", "#E50914", "bell"),
          ("FOLLOW", "#1E88E5", "plus"), ("HD", "#212121", None), ("4K", "#212121", None),
          ("SALE", "#E53935", None), ("HOT", "#FF6D00", None), ("ON AIR", "#D50000", "dot"),
          ("REC", "#212121", "dot"), ("BREAKING", "#C62828", None), ("LIKE", "#1E88E5", None)]
ASPECT = {"star": 1.0, "sparkle": 1.0, "heart": 1.1, "arrow": 1.7, "chevrons": 1.4, "play": 1.0, "bell": 0.9,
          "check": 1.0, "plus": 1.0, "spinner": 1.0}


def design(rng: np.random.Generator, fonts: list, names: list[str] | None = None) -> dict:
    allowed = names or SYMBOLS
    weights = [SYMBOL_WEIGHTS[SYMBOLS.index(n)] for n in allowed]
    name = pick(rng, allowed, weights)
    d: dict = {"kind": "symbol", "symbol": name, "outline": None}
    if name in ("star", "sparkle"):
        d["color"] = pick(rng, ICON["star"])
        d["inner"] = round(float(rng.uniform(0.38, 0.5) if name == "star" else rng.uniform(0.15, 0.28)), 3)
    elif name == "heart":
        d["color"] = pick(rng, ICON["heart"])
    elif name in ("arrow", "chevrons"):
        d["color"] = pick(rng, ["#FFFFFF", "#FFEB3B", "#FF1744", "#00E676", brand_color(rng)])
        d["direction"] = pick(rng, ["right", "left", "down", "up"], [3, 2, 2, 1])
        d["count"] = int(rng.integers(2, 4))
    elif name == "play":
        d["style"] = pick(rng, ["red_rect", "circle_outline", "circle_filled"], [2, 1, 1])
        d["color"] = "#FF0000" if d["style"] == "red_rect" else pick(rng, ["#FFFFFF", "#F5F5F5"])
    elif name == "badge":
        word, color, lead = BADGES[int(rng.integers(len(BADGES)))]
        font = lettering.choose_font(rng, fonts, [word], bold_p=0.9)
        if font is None:
            raise InputSkipped("no_font_for_badge")
        d.update(text=word, color=color, lead=lead, font=font.label, text_color=readable_on(color),
                 radius=round(float(rng.uniform(0.1, 0.5)), 3))
    elif name == "bell":
        d["color"] = pick(rng, ["#FFFFFF", "#FFD600", "#FFC107"])
        d["dot"] = bool(rng.random() < 0.5)
    elif name in ("check", "plus"):
        d["color"] = pick(rng, ["#43A047", "#1E88E5", "#E53935", "#FFFFFF"])
    elif name == "spinner":
        d["color"] = pick(rng, ["#FFFFFF", "#EEEEEE", brand_color(rng)])
        d["frames"] = int(rng.integers(8, 13))
    if name not in ("badge", "play", "spinner") and rng.random() < 0.5:
        d["outline"] = {"color": pick(rng, ["#000000", "#FFFFFF", "#202020"]),
                        "width": round(float(rng.uniform(0.04, 0.08)), 3)}
    return d


def frame_count(d: dict) -> int:
    return int(d.get("frames", 1))


# -- shapes (supersampled coordinates) -------------------------------------------------------
def _star(dr, cx, cy, R, inner, points=5):
    pts = []
    for i in range(points * 2):
        r = R if i % 2 == 0 else R * inner
        a = -math.pi / 2 + i * math.pi / points
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    dr.polygon(pts, fill=255)


def _heart(dr, x0, y0, x1, y1):
    t = np.linspace(0, 2 * np.pi, 120, endpoint=False)
    x = 16 * np.sin(t) ** 3
    y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    x = (x - x.min()) / (x.max() - x.min()) * (x1 - x0) + x0
    y = (y - y.min()) / (y.max() - y.min()) * (y1 - y0) + y0
    dr.polygon(list(zip(x.tolist(), y.tolist())), fill=255)


def _turn(pts, direction, cx, cy):
    rot = {"right": 0, "down": 90, "left": 180, "up": 270}[direction]
    c, s = math.cos(math.radians(rot)), math.sin(math.radians(rot))
    return [(cx + (x - cx) * c - (y - cy) * s, cy + (x - cx) * s + (y - cy) * c) for x, y in pts]


def _arrow(dr, x0, y0, W, H, direction):
    L, S = max(W, H), min(W, H)
    cx, cy = x0 + W / 2, y0 + H / 2
    x0, x1 = cx - L / 2, cx + L / 2
    head = 0.45 * L
    shaft = 0.36 * S
    pts = [(x0, cy - shaft / 2), (x1 - head, cy - shaft / 2), (x1 - head, cy - S / 2), (x1, cy),
           (x1 - head, cy + S / 2), (x1 - head, cy + shaft / 2), (x0, cy + shaft / 2)]
    dr.polygon(_turn(pts, direction, cx, cy), fill=255)


def _chevrons(dr, x0, y0, W, H, direction, count):
    L, S = max(W, H), min(W, H)
    cx, cy = x0 + W / 2, y0 + H / 2
    step = L / (count + 0.6)
    thick = 0.22 * S
    for i in range(count):
        x = cx - L / 2 + (i + 0.3) * step
        pts = [(x, cy - S / 2), (x + thick, cy - S / 2), (x + thick + 0.45 * S, cy),
               (x + thick, cy + S / 2), (x, cy + S / 2), (x + 0.45 * S, cy)]
        dr.polygon(_turn(pts, direction, cx, cy), fill=255)


def _bell(dr, x0, y0, W, H):
    """A notification bell: dome, flared skirt, rim, knob and clapper."""
    cx = x0 + W / 2
    dr.ellipse((cx - 0.3 * W, y0 + 0.1 * H, cx + 0.3 * W, y0 + 0.62 * H), fill=255)
    flank = [(0.3 + 0.18 * t * t, 0.36 + 0.4 * t) for t in np.linspace(0, 1, 16)]
    body = [(cx + fx * W, y0 + fy * H) for fx, fy in flank]
    body += [(cx - fx * W, y0 + fy * H) for fx, fy in reversed(flank)]
    dr.polygon(body, fill=255)
    dr.rounded_rectangle((cx - 0.5 * W, y0 + 0.72 * H, cx + 0.5 * W, y0 + 0.82 * H), radius=0.05 * H, fill=255)
    dr.ellipse((cx - 0.08 * W, y0, cx + 0.08 * W, y0 + 0.16 * H), fill=255)
    dr.ellipse((cx - 0.13 * W, y0 + 0.8 * H, cx + 0.13 * W, y0 + H), fill=255)


def _play_triangle(dr, cx, cy, r):
    dr.polygon([(cx - 0.45 * r, cy - 0.62 * r), (cx + 0.7 * r, cy), (cx - 0.45 * r, cy + 0.62 * r)], fill=255)


def _fill_with_outline(p: Painter, cov, d: dict) -> None:
    if d.get("outline"):
        k = max(1, int(round(d["outline"]["width"] * p.H)))
        grown = cv2.dilate(np.asarray(cov), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * k + 1, 2 * k + 1)))
        p.over(Painter.coverage(grown), hex_rgb(d["outline"]["color"]))
    p.over(cov, hex_rgb(d["color"]))


def _badge(d: dict, height: int) -> Sprite:
    probe = Painter(1, height)
    ss = probe.ss
    H = height * ss
    size = lettering.size_to_fit(d["font"], d["text"], 1e9, 0.46 * H)
    tw, _ = lettering.measure(d["font"], d["text"], size)
    lead_w = 0.62 * H if d["lead"] else 0.0
    W = tw + lead_w + 0.7 * H
    p = Painter(int(math.ceil(W / ss)), height, ss)
    plate, dr = p.layer()
    dr.rounded_rectangle((0, 0, p.W - 1, p.H - 1), radius=d["radius"] * p.H, fill=255)
    p.over(plate, hex_rgb(d["color"]))
    fg = hex_rgb(d["text_color"])
    x = 0.35 * p.H
    if d["lead"]:
        lead, dl = p.layer()
        r = 0.2 * p.H
        cx, cy = x + 0.25 * p.H, p.H / 2
        if d["lead"] == "dot":
            dl.ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)
        elif d["lead"] == "plus":
            t = 0.08 * p.H
            dl.rectangle((cx - r, cy - t, cx + r, cy + t), fill=255)
            dl.rectangle((cx - t, cy - r, cx + t, cy + r), fill=255)
        else:
            _bell(dl, cx - 0.25 * p.H, cy - 0.25 * p.H, 0.5 * p.H, 0.5 * p.H)
        p.over(lead, fg)
        x += lead_w
    txt, dt = p.layer()
    lettering.draw_centered(dt, d["font"], d["text"], size, x + tw / 2, p.H / 2)
    p.over(txt, fg)
    return p.finish()


def _spinner(d: dict, height: int, frame: int) -> Sprite:
    """A ring of dots; the bright head of a fading trail sits on dot `frame`."""
    p = Painter(height, height)
    n = d["frames"]
    R, r = 0.38 * p.H, 0.09 * p.H
    ring, dr = p.layer()
    for i in range(n):  # the dots do not overlap: one layer, each dot at its own opacity
        a = 2 * math.pi * i / n - math.pi / 2
        cx, cy = p.W / 2 + R * math.cos(a), p.H / 2 + R * math.sin(a)
        age = (frame - i) % n  # 0 = the head of the trail
        dr.ellipse((cx - r, cy - r, cx + r, cy + r), fill=int(round(255 * max(0.15, 1.0 - age / n))))
    p.over(ring, hex_rgb(d["color"]))
    return p.finish()


def draw(d: dict, height: int, frame: int = 0) -> Sprite:
    height = max(4, int(height))
    name = d["symbol"]
    if name == "badge":
        return _badge(d, height)
    if name == "spinner":
        return _spinner(d, height, frame % d["frames"])
    aspect = ASPECT[name]
    if name in ("arrow", "chevrons") and d["direction"] in ("up", "down"):
        aspect = 1.0 / aspect
    pad = int(math.ceil((d["outline"] or {}).get("width", 0.0) * height)) + 1
    p = Painter(int(round(height * aspect)) + 2 * pad, height + 2 * pad)
    P = pad * p.ss
    W, H = p.W - 2 * P, p.H - 2 * P
    cov, dr = p.layer()
    if name in ("star", "sparkle"):
        _star(dr, P + W / 2, P + H / 2 + (0.04 * H if name == "star" else 0), H / 2, d["inner"], 5 if name == "star" else 4)
    elif name == "heart":
        _heart(dr, P, P, P + W, P + H)
    elif name == "arrow":
        _arrow(dr, P, P, W, H, d["direction"])
    elif name == "chevrons":
        _chevrons(dr, P, P, W, H, d["direction"], d["count"])
    elif name == "bell":
        _bell(dr, P, P, W, H)
    elif name in ("play", "check", "plus"):
        return _button(d, p, P, W, H)
    _fill_with_outline(p, cov, d)
    if name == "bell" and d.get("dot"):
        dot, dd = p.layer()
        r = 0.17 * H
        dd.ellipse((P + W - 2 * r, P, P + W, P + 2 * r), fill=255)
        p.over(dot, (229, 57, 53))
    return p.finish()


def _button(d: dict, p: Painter, P: int, W: float, H: float) -> Sprite:
    """Round or rounded-square buttons with a glyph: play, check, plus."""
    cx, cy, R = P + W / 2, P + H / 2, min(W, H) / 2
    plate, dp = p.layer()
    glyph, dg = p.layer()
    name, style = d["symbol"], d.get("style", "circle_filled")
    if name == "play" and style == "red_rect":
        dp.rounded_rectangle((P, P + 0.15 * H, P + W, P + 0.85 * H), radius=0.2 * H, fill=255)
        _play_triangle(dg, cx + 0.05 * R, cy, 0.5 * R)
        p.over(plate, hex_rgb(d["color"]))
        p.over(glyph, (255, 255, 255))
        return p.finish()
    dp.ellipse((cx - R, cy - R, cx + R, cy + R), fill=255)
    if name == "play":
        _play_triangle(dg, cx + 0.08 * R, cy, 0.62 * R)
        if style == "circle_outline":
            hole, dh = p.layer()
            dh.ellipse((cx - 0.86 * R, cy - 0.86 * R, cx + 0.86 * R, cy + 0.86 * R), fill=255)
            p.over(plate, hex_rgb(d["color"]))
            p.knockout(hole)
            p.over(glyph, hex_rgb(d["color"]))
            return p.finish()
    elif name == "check":
        w = int(0.16 * R)
        dg.line([(cx - 0.5 * R, cy + 0.02 * R), (cx - 0.12 * R, cy + 0.4 * R), (cx + 0.52 * R, cy - 0.36 * R)],
                fill=255, width=w, joint="curve")
    else:
        t = 0.1 * R
        dg.rectangle((cx - 0.55 * R, cy - t, cx + 0.55 * R, cy + t), fill=255)
        dg.rectangle((cx - t, cy - 0.55 * R, cx + t, cy + 0.55 * R), fill=255)
    _fill_with_outline(p, plate, d)
    p.over(glyph, hex_rgb(readable_on(d["color"])) if name != "play" else (30, 30, 30))
    return p.finish()
