"""Letters inside logos and badges: font choice by cmap coverage, sizing to a box, drawing.

Fonts come from the bundled catalogue (`datagen.text.fonts.FontCatalog`), so a word is
only drawn with a font that has all its characters. Logos prefer bold faces, as real
station bugs do. Text is centred on its visual bounding box (not the line box), so
letters sit in the middle of a circle or a plate. Letters are always painted
supersampled (`sprite.Painter`), so faces are loaded unhinted and without overlap
oversampling (`datagen.text.unhinted`, 4-7x faster glyphs) and each text is
measured once (`text_box`).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import ImageDraw, ImageFont

from datagen.overlays.colors import pick
from datagen.text import fonts as fontmod
from datagen.text.render import open_font

REF_SIZE = 100
BOX_SIZE = 400


def choose_font(rng: np.random.Generator, fonts: list[fontmod.FontInfo], texts: list[str],
                bold_p: float = 0.75) -> fontmod.FontInfo | None:
    """A font covering every text, bold with probability `bold_p` when one exists."""
    cands = [f for f in fonts if all(covers(f, t) for t in texts if t)]
    if not cands:
        return None
    bold = [f for f in cands if "bold" in f.style]
    if bold and rng.random() < bold_p:
        return pick(rng, bold)
    regular = [f for f in cands if "bold" not in f.style] or cands
    return pick(rng, regular)


@lru_cache(maxsize=2048)
def covers(font: fontmod.FontInfo, text: str) -> bool:
    """Whether `font` has every character of `text` (cached: logos reuse few short words)."""
    return font.covers(text)


def font_for(label: str, size: float) -> ImageFont.FreeTypeFont:
    return _font(label, max(1, int(round(size))))


@lru_cache(maxsize=16)
def _font(label: str, size: int) -> ImageFont.FreeTypeFont:
    """The face at a size, unhinted (see `datagen.text.unhinted`: logo letters are
    always painted supersampled). Cached: a layer reuses a few fonts at a few sizes."""
    return _open(label, size)


@lru_cache(maxsize=64)
def _measuring_font(label: str) -> ImageFont.FreeTypeFont:
    """The face every text is measured with (at BOX_SIZE), one per font, kept apart from the
    drawing faces: their sizes vary with every logo and would evict it."""
    return _open(label, BOX_SIZE)


def _open(label: str, size: int) -> ImageFont.FreeTypeFont:
    return open_font(fontmod.resolve_label(label), size)


def text_box(label: str, text: str, size: float = REF_SIZE, stroke: int = 0) -> tuple[float, float, float, float]:
    """Visual bbox (left, top, right, bottom) of `text` drawn at origin (0, 0) with anchor 'ls',
    grown by `stroke` on every side.

    Measured once per text at BOX_SIZE and scaled: unhinted outlines scale linearly, and
    the integer box at 400 px is within a quarter of a supersampled pixel at logo sizes.
    Every measurement at a new size would run the shaper and load the glyphs again."""
    l, t, r, b = _text_box(label, text)
    k = size / BOX_SIZE
    return l * k - stroke, t * k - stroke, r * k + stroke, b * k + stroke


@lru_cache(maxsize=1024)
def _text_box(label: str, text: str) -> tuple[float, float, float, float]:
    return tuple(float(v) for v in _measuring_font(label).getbbox(text, anchor="ls"))


def size_to_fit(label: str, text: str, max_w: float, max_h: float) -> float:
    """Font size whose visual bbox fits in max_w x max_h (bboxes scale linearly with size)."""
    l, t, r, b = text_box(label, text)
    w, h = max(r - l, 1.0), max(b - t, 1.0)
    return max(1.0, REF_SIZE * min(max_w / w, max_h / h))


def measure(label: str, text: str, size: float) -> tuple[float, float]:
    l, t, r, b = text_box(label, text, size)
    return r - l, b - t


def draw_centered(draw: ImageDraw.ImageDraw, label: str, text: str, size: float, cx: float, cy: float,
                  stroke: int = 0) -> None:
    """Draw `text` (fill 255) so its visual bbox is centred on (cx, cy)."""
    f = font_for(label, size)
    l, t, r, b = text_box(label, text, size, stroke)
    x = cx - (l + r) / 2.0
    y = cy - (t + b) / 2.0
    draw.text((x, y), text, font=f, fill=255, anchor="ls", stroke_width=stroke, stroke_fill=255)
