"""Emblem logos: procedural TV-station-like marks.

A plate (rounded rectangle, circle, pill, slanted bar, shield, or none for a bare
wordmark; or a round badge beside a word) carries 1-4 letters or a short word in a
bundled font, with an optional second line, gradient fill and outline. About a third
are monochrome with the letters cut out of the plate: the classic semi-transparent
white station bug.

`design(rng, fonts)` draws every choice (scale-free, JSON-able); `draw(design, height)`
paints it at a given pixel height and is deterministic.
"""
from __future__ import annotations

import numpy as np

from datagen.errors import InputSkipped
from datagen.overlays import lettering, names
from datagen.overlays.colors import LIGHT, brand_color, hex_rgb, luminance, pick, readable_on, shade
from datagen.overlays.sprite import Painter, Sprite, tint

SHAPES = ["rounded_rect", "circle", "pill", "slant", "shield", "none", "circle_word"]
SHAPE_WEIGHTS = [3.0, 2.0, 1.0, 1.0, 0.8, 2.0, 1.2]
TEXT_H = {"rounded_rect": 0.5, "circle": 0.36, "pill": 0.48, "slant": 0.5, "shield": 0.3, "none": 0.78,
          "circle_word": 0.42}


def design(rng: np.random.Generator, fonts: list, world_p: float = 0.1, mono_p: float = 0.35) -> dict:
    shape = pick(rng, SHAPES, SHAPE_WEIGHTS)
    text, sub = names.logo_text(rng, world_p)
    if shape == "circle_word":
        text, sub = names.call_letters(rng)[:2], sub or names.station_word(rng, world_p)
    font = lettering.choose_font(rng, fonts, [text, sub or ""])
    if font is None:  # no font covers a non-Latin word: Latin letters, which every bundled font has
        text, sub = names.call_letters(rng), None
        shape = "circle" if shape == "circle_word" else shape
        font = lettering.choose_font(rng, fonts, [text])
        if font is None:
            raise InputSkipped("no_font_for_logo")
    if shape in ("circle", "shield"):  # little room: at most 3 letters, usually one line
        text = text.replace(" ", "")[:3] if text.isascii() else text  # never cut a word of another script
        sub = None if rng.random() < 0.6 else sub
    fill = brand_color(rng)
    d = {
        "kind": "emblem",
        "shape": shape,
        "text": text,
        "sub": sub,
        "font": font.label,
        "fill": fill,
        "gradient": bool(rng.random() < 0.5),
        "text_color": _text_color(rng, fill),
        "radius": round(float(rng.uniform(0.08, 0.3)), 3),
        "outline": None,
        "text_stroke": None,
        "mono": None,
    }
    if rng.random() < 0.4 and shape != "none":
        d["outline"] = {"color": pick(rng, ["#FFFFFF", "#FFD54F", "#111111", shade(fill, -0.5)]),
                        "width": round(float(rng.uniform(0.035, 0.08)), 3)}
    if shape == "none":
        d["text_color"] = pick(rng, ["#FFFFFF", fill, "#FFFFFF", "#F5F5F5"])
        if rng.random() < 0.5:
            d["text_stroke"] = {"color": pick(rng, ["#000000", "#202020", shade(fill, -0.4)]),
                                "width": round(float(rng.uniform(0.04, 0.09)), 3)}  # x font size
    if rng.random() < mono_p:
        d["mono"] = pick(rng, LIGHT)
    return d


def _text_color(rng: np.random.Generator, fill: str) -> str:
    """White or black for contrast, sometimes an accent (gold) when it still reads well."""
    accent = pick(rng, ["#FFD54F", "#FFFFFF", "#111111"])
    if rng.random() < 0.2 and abs(luminance(accent) - luminance(fill)) > 0.4:
        return accent
    return readable_on(fill)


# -- geometry ---------------------------------------------------------------------------
def _shield(draw, x0, y0, x1, y1):
    w, h = x1 - x0, y1 - y0
    pts = [(x0, y0 + 0.1 * h), (x0 + 0.5 * w, y0), (x1, y0 + 0.1 * h), (x1, y0 + 0.55 * h)]
    for t in np.linspace(0, 1, 16)[1:]:  # quadratic curve down to the point
        px = (1 - t) ** 2 * x1 + 2 * (1 - t) * t * x1 + t * t * (x0 + 0.5 * w)
        py = (1 - t) ** 2 * (y0 + 0.55 * h) + 2 * (1 - t) * t * (y0 + 0.85 * h) + t * t * y1
        pts.append((px, py))
    for px, py in reversed(pts[4:-1]):
        pts.append((2 * (x0 + 0.5 * w) - px, py))
    pts.append((x0, y0 + 0.55 * h))
    draw.polygon(pts, fill=255)


def _plate(p: Painter, shape: str, box, radius: float):
    """Coverage of a plate shape in supersampled box (x0, y0, x1, y1)."""
    img, draw = p.layer()
    x0, y0, x1, y1 = box
    h = y1 - y0
    if x1 <= x0 or y1 <= y0:
        return img
    if shape in ("circle", "circle_word"):
        draw.ellipse((x0, y0, x1, y1), fill=255)
    elif shape == "pill":
        draw.rounded_rectangle((x0, y0, x1, y1), radius=h / 2, fill=255)
    elif shape == "rounded_rect":
        draw.rounded_rectangle((x0, y0, x1, y1), radius=radius * h, fill=255)
    elif shape == "slant":
        k = 0.28 * h
        draw.polygon([(x0 + k, y0), (x1, y0), (x1 - k, y1), (x0, y1)], fill=255)
    elif shape == "shield":
        _shield(draw, x0, y0, x1, y1)
    return img


def _shrink_to(size: float, width: float, limit: float) -> tuple[float, float]:
    """Font size and text width scaled down so the width is at most `limit`."""
    if width > limit:
        return size * (limit / width), limit
    return size, width


def _layout(d: dict, height: int, ss: int) -> dict:
    """Pixel layout at supersampled scale: plate size, text sizes and centres."""
    H = height * ss
    shape = d["shape"]
    th = TEXT_H[shape] * H
    sub_h = 0.0
    if d["sub"] and shape not in ("circle_word",):
        th *= 0.72
        sub_h = th * 0.55
    size = lettering.size_to_fit(d["font"], d["text"], 1e9, th)
    tw, _ = lettering.measure(d["font"], d["text"], size)
    sub_size, sw = 0.0, 0.0
    if d["sub"]:
        sub_size = lettering.size_to_fit(d["font"], d["sub"], 1e9, sub_h or th * 0.8)
        sw, _ = lettering.measure(d["font"], d["sub"], sub_size)
    if shape in ("circle", "shield"):  # words shrink to fit inside the plate
        W = H if shape == "circle" else int(0.86 * H)
        limit = 0.66 * H if shape == "circle" else 0.62 * W
        size, tw = _shrink_to(size, tw, limit)
        sub_size, sw = _shrink_to(sub_size, sw, limit)
    elif shape == "circle_word":
        W = H + 0.18 * H + sw
    elif shape == "none":
        W = max(tw, sw) + 0.12 * H
    else:
        pad = {"rounded_rect": 0.55, "pill": 0.9, "slant": 0.9}[shape] * H
        W = max(tw, sw) + pad
    gap = 0.12 * th if sub_h else 0.0
    block = th + gap + sub_h
    top = (0.44 if shape == "shield" else 0.5) * H - block / 2
    return {"W": int(np.ceil(W / ss)), "size": size, "sub_size": sub_size,
            "text_cy": top + th / 2, "sub_cy": top + th + gap + sub_h / 2}


def draw(d: dict, height: int) -> Sprite:
    height = max(4, int(height))
    p0 = Painter(1, height)
    ss = p0.ss
    lay = _layout(d, height, ss)
    p = Painter(lay["W"], height, ss)
    H, W = p.H, p.W
    shape, mono = d["shape"], d["mono"]
    fill = hex_rgb(d["fill"])
    plate_box = (0, 0, H, H) if shape == "circle_word" else (0, 0, W, H)

    if shape != "none":
        outer = _plate(p, shape, plate_box, d["radius"])
        if d["outline"]:
            ow = d["outline"]["width"] * H
            p.over(outer, hex_rgb(d["outline"]["color"]))
            x0, y0, x1, y1 = plate_box
            inner = _plate(p, shape, (x0 + ow, y0 + ow, x1 - ow, y1 - ow), d["radius"])
        else:
            inner = outer
        if d["gradient"] and not mono:
            field = p.vertical_gradient(hex_rgb(shade(d["fill"], 0.3)), hex_rgb(shade(d["fill"], -0.3)))
            p.over(inner, field)
        else:
            p.over(inner, fill)

    txt, dr = p.layer()
    if shape == "circle_word":
        lettering.draw_centered(dr, d["font"], d["text"], lay["size"], H / 2, H / 2)
        word, dw = p.layer()
        lettering.draw_centered(dw, d["font"], d["sub"], lay["sub_size"], H * 1.18 + (W - H * 1.18) / 2, H / 2)
        p.over(word, fill if not mono else (255, 255, 255))
    else:
        cx = W / 2
        lettering.draw_centered(dr, d["font"], d["text"], lay["size"], cx, lay["text_cy"])
        if d["sub"]:
            lettering.draw_centered(dr, d["font"], d["sub"], lay["sub_size"], cx, lay["sub_cy"])

    if shape == "none" and d["text_stroke"] and not mono:  # an outline in the tint would only fatten letters
        edge, de = p.layer()
        for text, size, cy in ((d["text"], lay["size"], lay["text_cy"]), (d["sub"], lay["sub_size"], lay["sub_cy"])):
            if text:
                stroke_px = max(1, int(round(d["text_stroke"]["width"] * size)))  # relative to the letters
                lettering.draw_centered(de, d["font"], text, size, W / 2, cy, stroke=stroke_px)
        p.over(edge, hex_rgb(d["text_stroke"]["color"]))

    if mono and shape != "none":
        p.knockout(txt)  # see-through letters in a one-colour plate
    else:
        p.over(txt, hex_rgb(d["text_color"]))
    sprite = p.finish()
    return tint(sprite, hex_rgb(mono)) if mono else sprite
