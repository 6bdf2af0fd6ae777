"""Colours of logos and icons: brand-like palettes, gradients and readable text colours.

TV-station bugs and channel marks use a few saturated brand colours (news red, deep
blue, sports green, gold), white, black and light greys; watermarks are mostly white
or grey. Colours are "#RRGGBB" strings so plans stay JSON.
"""
from __future__ import annotations

import colorsys

import numpy as np

from datagen.rng import pick  # noqa: F401  (re-exported: the overlay modules import it here)

BRAND = [
    "#E50914", "#D32F2F", "#C62828", "#FF3D00", "#F57C00", "#FFB300", "#FDD835", "#7CB342",
    "#2E7D32", "#00897B", "#00ACC1", "#039BE5", "#1E88E5", "#1565C0", "#0D47A1", "#283593",
    "#5E35B1", "#8E24AA", "#D81B60", "#6D4C41", "#37474F", "#212121", "#000000", "#FFFFFF",
]
WATERMARK = ["#FFFFFF", "#F0F0F0", "#DDDDDD", "#BBBBBB", "#000000", "#303030"]
LIGHT = ["#FFFFFF", "#FAFAFA", "#F2F2F2", "#FFF8E1", "#E3F2FD"]
ICON = {
    "heart": ["#E53935", "#FF1744", "#F06292", "#D81B60", "#FFFFFF"],
    "star": ["#FFC107", "#FFD600", "#FFB300", "#FFFFFF", "#FF9800"],
    "alert": ["#E53935", "#D50000", "#FF1744", "#C62828"],
}


def hex_rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def rgb_hex(rgb) -> str:
    r, g, b = (int(max(0, min(255, round(v)))) for v in rgb)
    return f"#{r:02X}{g:02X}{b:02X}"


def luminance(color: str) -> float:
    r, g, b = (v / 255.0 for v in hex_rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def shade(color: str, k: float) -> str:
    """Lighter (k > 0, towards white) or darker (k < 0, towards black)."""
    r, g, b = hex_rgb(color)
    if k >= 0:
        return rgb_hex((r + (255 - r) * k, g + (255 - g) * k, b + (255 - b) * k))
    return rgb_hex((r * (1 + k), g * (1 + k), b * (1 + k)))


def readable_on(color: str) -> str:
    """White or near-black text, whichever reads better on `color`."""
    return "#111111" if luminance(color) > 0.6 else "#FFFFFF"


def random_vivid(rng: np.random.Generator) -> str:
    h = float(rng.uniform(0, 1))
    s = float(rng.uniform(0.55, 0.95))
    v = float(rng.uniform(0.55, 0.95))
    return rgb_hex([c * 255 for c in colorsys.hsv_to_rgb(h, s, v)])


def brand_color(rng: np.random.Generator) -> str:
    """A brand colour: mostly from the curated list, sometimes any vivid hue."""
    return random_vivid(rng) if rng.random() < 0.3 else pick(rng, BRAND)


def palette(rng: np.random.Generator, n: int) -> list[str]:
    """`n` colours that belong together: analogous or complementary hues around a base hue."""
    base = float(rng.uniform(0, 1))
    scheme = pick(rng, ["analogous", "complementary", "triad", "mono"])
    step = {"analogous": 0.08, "complementary": 0.5, "triad": 1 / 3, "mono": 0.0}[scheme]
    out = []
    for i in range(n):
        h = (base + step * i) % 1.0
        s = float(rng.uniform(0.5, 0.95))
        v = float(rng.uniform(0.45, 0.95)) if scheme != "mono" else 0.35 + 0.6 * (i + 1) / n
        out.append(rgb_hex([c * 255 for c in colorsys.hsv_to_rgb(h, s, v)]))
    return out
