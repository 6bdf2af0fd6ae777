"""Render a block of text lines to an RGB sprite with exact 8-bit alpha.

Layers, bottom to top: caption box (one for the block or one per line), drop shadow,
glow, outline, fill (a flat colour or a vertical gradient). They are composited with
the premultiplied "over" operator in float32, optionally blurred, then quantised once,
so the returned alpha is the exact coverage the compositor uses for both blending and
the mask.

Shaping and bidirectional text go through Pillow's RAQM layout (HarfBuzz + FriBiDi):
Arabic and Hebrew come out in visual order, Devanagari and Thai shaped. Chinese and
Japanese can be set vertically (`Style.vertical`: columns top to bottom, right to left,
with the fonts' vertical punctuation forms). A synthetic oblique (`Style.shear`) stands
in for italics where a family has no italic face.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont, features

from datagen.text import unhinted
from datagen.text.scripts import needs_shaping  # noqa: F401  (re-exported: other layers import it here)

HAVE_RAQM = features.check("raqm")
VERTICAL_FEATURES = ["vert", "vrt2"]


def hex_rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    if len(c) != 6:
        raise ValueError(f"colour must look like #RRGGBB, got {color!r}")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def open_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    """The font at a pixel size, unhinted as libass renders by default (`datagen.text.unhinted`),
    with complex text layout when Pillow has raqm."""
    engine = ImageFont.Layout.RAQM if HAVE_RAQM else ImageFont.Layout.BASIC
    return unhinted.face(path, size, engine)


@lru_cache(maxsize=48)  # each FreeType face holds its own caches: keep worker memory bounded
def load_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    """`open_font`, cached for the text layers."""
    return open_font(path, size)


def line_width(font: ImageFont.FreeTypeFont, line: str, spacing: float = 0.0, vertical: bool = False) -> float:
    """Advance of a line: its width, or its height for a vertical column."""
    if not line:
        return 0.0
    if spacing and not needs_shaping(line) and not vertical:
        return float(sum(_advance(font, ch) for ch in line) + spacing * (len(line) - 1))
    key = (font.path, font.size, line, vertical)
    w = _WIDTHS.get(key)
    if w is None:  # line breaking measures the same candidate lines many times
        if len(_WIDTHS) > 10_000:
            _WIDTHS.clear()
        w = _WIDTHS[key] = float(font.getlength(line, direction="ttb", features=VERTICAL_FEATURES) if vertical
                                 else font.getlength(line))
    return w


_WIDTHS: dict = {}


_GLYPHS: dict = {}
_ADVANCES: dict = {}
_REFERENCE_SIZE = 1024


@lru_cache(maxsize=64)
def _reference_face(path) -> ImageFont.FreeTypeFont:
    """The font (`font.path`: a file name or `unhinted.SharedBytes`) at `_REFERENCE_SIZE` px
    with plain layout, for measuring single characters."""
    return ImageFont.truetype(path, size=_REFERENCE_SIZE, layout_engine=ImageFont.Layout.BASIC)


def _advance(font: ImageFont.FreeTypeFont, ch: str) -> float:
    """Advance of one character at the font's size (letter-spaced lines are set glyph by glyph).

    Unhinted advances scale linearly with the size, so each character is measured once per
    font file, at `_REFERENCE_SIZE` px (exact to 1/64 px there), and scaled: a subtitle's
    random size would otherwise make FreeType lay out every character again."""
    key = (font.path, ch)
    a = _ADVANCES.get(key)
    if a is None:
        if len(_ADVANCES) > 20_000:
            _ADVANCES.clear()
        a = _ADVANCES[key] = float(_reference_face(font.path).getlength(ch)) / _REFERENCE_SIZE
    return a * font.size


def _glyph(font: ImageFont.FreeTypeFont, ch: str) -> tuple[np.ndarray | None, tuple[int, int]]:
    """Coverage bitmap and offset from the pen position (baseline) of one character.

    Letter-spaced text is set glyph by glyph (tracking replaces kerning); caching the
    bitmaps makes that ~10x faster than asking FreeType to draw every character again."""
    key = (font.path, font.size, ch)
    g = _GLYPHS.get(key)
    if g is None:
        if len(_GLYPHS) > 5_000:
            _GLYPHS.clear()
        mask, off = font.getmask2(ch, "L", anchor="ls")
        w, h = mask.size
        bitmap = np.asarray(mask, np.uint8).reshape(h, w) if w and h else None
        g = _GLYPHS[key] = (bitmap, (int(off[0]), int(off[1])))
    return g


def spaced_stops(font: ImageFont.FreeTypeFont, line: str, spacing: float) -> list[float]:
    """Pen x of each character of a letter-spaced line (and of its end), from its start."""
    xs, x = [], 0.0
    for ch in line:
        xs.append(x)
        x += _advance(font, ch) + spacing
    xs.append(x - spacing if line else 0.0)
    return xs


def _blit_glyphs(a: np.ndarray, font, line: str, x: float, y: float, stops: list[float]) -> None:
    """Max-composite cached glyph bitmaps of `line` at pen positions `stops` (float32 coverage)."""
    for ch, cx in zip(line, stops):
        bitmap, (ox, oy) = _glyph(font, ch)
        if bitmap is None:
            continue
        gx, gy = int(math.floor(x + cx + 0.5)) + ox, int(math.floor(y + 0.5)) + oy
        h, w = bitmap.shape
        y0, x0 = max(gy, 0), max(gx, 0)
        y1, x1 = min(gy + h, a.shape[0]), min(gx + w, a.shape[1])
        if y1 > y0 and x1 > x0:
            sub = a[y0:y1, x0:x1]
            np.maximum(sub, bitmap[y0 - gy:y1 - gy, x0 - gx:x1 - gx] * (1.0 / 255.0), out=sub)


@dataclass
class Style:
    fill: str = "#FFFFFF"
    opacity: float = 1.0
    outline_width: float = 0.0  # px
    outline_color: str = "#000000"
    shadow: dict | None = None  # {dx, dy, blur, opacity, color} px
    box: dict | None = None  # {padding, color, opacity} px
    letter_spacing: float = 0.0  # px
    line_spacing: float = 1.15  # multiple of the font's line height
    align: str = "center"
    blur: float = 0.0  # px sigma over the whole sprite
    glow: dict | None = None  # {radius, color, opacity} px: a soft halo around the glyphs
    gradient: dict | None = None  # {top, bottom} colours: the fill fades from top to bottom of each line
    box_mode: str = "block"  # "block": one box around all lines; "lines": one box per line (closed captions)
    shear: float = 0.0  # synthetic oblique: x shift per px above the baseline
    vertical: bool = False  # columns top to bottom, right to left (Chinese, Japanese)

    @classmethod
    def from_dict(cls, d: dict) -> "Style":
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


@dataclass
class LineBox:
    """Where one line (or column) sits in its sprite: advance box and baseline."""

    x0: float
    x1: float
    y0: float  # top of the line box (baseline - ascent); for columns the top of the column
    y1: float
    baseline: float


@dataclass
class Sprite:
    rgb: np.ndarray  # (h, w, 3) uint8
    alpha: np.ndarray  # (h, w) uint8
    block: tuple[int, int, int, int]  # x0, y0, x1, y1 of the text block (box included) in the sprite
    lines: list[LineBox] = field(default_factory=list)
    layers: dict | None = None  # {"box": (C, A), "text": (C, A)} premultiplied float32, see render_sprites


def outline_alpha(fill_a: np.ndarray, width: float) -> np.ndarray:
    """Coverage of the glyphs grown by `width` px with round joins, anti-aliased.

    Computed from the distance to the nearest inked pixel (like libass's outline
    rasteriser, and ~10x faster than FreeType's stroker for a whole line)."""
    ink = (fill_a >= 0.5).astype(np.uint8)
    dist = cv2.distanceTransform(1 - ink, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    edge = np.clip(width + 0.5 - dist, 0.0, 1.0)
    return np.maximum(edge, fill_a)


def _draw_lines(size, lines, xs, baselines, font, spacing, stroke=0) -> np.ndarray:
    img = Image.new("L", size, 0)
    d = ImageDraw.Draw(img)
    cached = []  # letter-spaced lines are set from cached glyph bitmaps (tracking replaces kerning)
    for line, x, y in zip(lines, xs, baselines):
        if not line:
            continue
        # whole-pixel line origins: the same result whichever way a line is set (a half-pixel
        # start makes FreeType blur every glyph), and the same on every Pillow version
        x, y = math.floor(x + 0.5), math.floor(y + 0.5)
        if spacing and not needs_shaping(line):
            cached.append((line, x, y, spaced_stops(font, line, spacing)))
        else:
            d.text((x, y), line, font=font, fill=255, anchor="ls", stroke_width=stroke, stroke_fill=255)
    a = np.asarray(img, dtype=np.float32) * (1.0 / 255.0)
    for line, x, y, stops in cached:
        _blit_glyphs(a, font, line, x, y, stops)
    return a


def _draw_columns(size, columns, centers, top, font) -> np.ndarray:
    img = Image.new("L", size, 0)
    d = ImageDraw.Draw(img)
    for col, cx in zip(columns, centers):
        if col:
            d.text((cx, top), col, font=font, fill=255, anchor="mt", direction="ttb", features=VERTICAL_FEATURES)
    return np.asarray(img, dtype=np.float32) * (1.0 / 255.0)


def _shear_rows(a: np.ndarray, shear: float, boxes: list[LineBox]) -> np.ndarray:
    """Slant each line about its own baseline (rows belong to the nearest line)."""
    H, W = a.shape
    ys = np.arange(H, dtype=np.float32)
    bases = np.array([b.baseline for b in boxes], np.float32)
    if len(bases) > 1:
        cuts = (bases[:-1] + bases[1:]) / 2 - 0.25 * (bases[1] - bases[0])
        base_of_row = bases[np.searchsorted(cuts, ys)]
    else:
        base_of_row = np.full(H, bases[0], np.float32)
    map_x = np.arange(W, dtype=np.float32)[None, :] - shear * (base_of_row - ys)[:, None]
    map_y = np.repeat(ys[:, None], W, axis=1)
    return cv2.remap(a, map_x.astype(np.float32), map_y, cv2.INTER_LINEAR, borderValue=0)


def _layout(font, lines, style, size_px):
    """Block size and per-line boxes (before padding) for horizontal lines or vertical columns."""
    ascent, descent = font.getmetrics()
    if style.vertical:
        col_w = size_px * (0.3 + max(style.line_spacing, 1.0))  # columns sit further apart than lines
        lengths = [line_width(font, ln, vertical=True) for ln in lines]
        block_w = col_w * (len(lines) - 1) + size_px
        block_h = max(lengths) if lengths else 0.0
        boxes = []
        for i, n in enumerate(lengths):  # first column on the right
            cx = block_w - size_px / 2 - i * col_w
            boxes.append(LineBox(cx - size_px / 2, cx + size_px / 2, 0.0, n, 0.0))
        return block_w, block_h, boxes
    line_h = (ascent + descent) * style.line_spacing
    widths = [line_width(font, ln, style.letter_spacing) for ln in lines]
    block_w = max(widths) if widths else 0.0
    block_h = line_h * (len(lines) - 1) + ascent + descent
    boxes = []
    for i, w in enumerate(widths):
        x = 0.0 if style.align == "left" else (block_w - w if style.align == "right" else (block_w - w) / 2)
        base = ascent + i * line_h
        boxes.append(LineBox(x, x + w, base - ascent, base + descent, base))
    return block_w, block_h, boxes


def _gradient(style: Style, boxes: list[LineBox], H: int) -> np.ndarray:
    """(H, 1, 3) fill colour per row: top colour near each line's top, bottom colour near its bottom."""
    top = np.array(hex_rgb(style.gradient["top"]), np.float32) / 255.0
    bot = np.array(hex_rgb(style.gradient["bottom"]), np.float32) / 255.0
    ys = np.arange(H, dtype=np.float32)
    if style.vertical:  # one gradient down the columns
        y0 = np.full(H, min(b.y0 for b in boxes), np.float32)
        y1 = np.full(H, max(b.y1 for b in boxes), np.float32)
    else:  # rows belong to the nearest line; the ramp spans its glyph body
        centers = np.array([(b.y0 + b.y1) / 2 for b in boxes], np.float32)
        idx = np.argmin(np.abs(ys[:, None] - centers[None, :]), axis=1)
        y0 = np.array([b.y0 + 0.15 * (b.y1 - b.y0) for b in boxes], np.float32)[idx]
        y1 = np.array([b.y1 - 0.1 * (b.y1 - b.y0) for b in boxes], np.float32)[idx]
    t = np.clip((ys - y0) / np.maximum(y1 - y0, 1.0), 0.0, 1.0)
    return (top[None, :] * (1 - t[:, None]) + bot[None, :] * t[:, None])[:, None, :]


def render_sprites(lines: list[str], font_path: str, size_px: int, style: Style,
                   fills: list[str | None] | None = None, split_box: bool = False) -> list[Sprite]:
    """One sprite per fill colour (None = the style's own fill), all with the same alpha.

    Glyphs are rasterised once; only the fill colour differs between the sprites, so a
    karaoke line can switch colour per column without any change to its mask. With
    `split_box` the first sprite also carries its box and its text as separate
    premultiplied layers, so a reveal can cut them at different columns."""
    font = load_font(font_path, size_px)
    block_w, block_h, boxes = _layout(font, lines, style, size_px)

    ow = max(0.0, style.outline_width)
    sh = style.shadow or {}
    sh_ext = abs(sh.get("dx", 0)) + abs(sh.get("dy", 0)) + 3 * sh.get("blur", 0) if sh else 0
    glow_ext = 2.5 * (style.glow or {}).get("radius", 0)
    box_pad = (style.box or {}).get("padding", 0) if style.box else 0
    pad = int(math.ceil(ow + sh_ext + glow_ext + box_pad + 3 * style.blur + 0.35 * size_px)) + 2
    W = int(math.ceil(block_w)) + 2 * pad
    H = int(math.ceil(block_h)) + 2 * pad
    boxes = [LineBox(b.x0 + pad, b.x1 + pad, b.y0 + pad, b.y1 + pad, b.baseline + pad) for b in boxes]

    if style.vertical:
        fill_a = _draw_columns((W, H), lines, [(b.x0 + b.x1) / 2 for b in boxes], pad, font)
    else:
        fill_a = _draw_lines((W, H), lines, [b.x0 for b in boxes], [b.baseline for b in boxes], font,
                             style.letter_spacing)
        if style.shear:
            fill_a = _shear_rows(fill_a, style.shear, boxes)
    edge_a = outline_alpha(fill_a, ow) if ow > 0 else fill_a

    layers: list[tuple] = []  # (colour, alpha) bottom to top, before the fill

    bx0, by0 = int(math.floor(pad - box_pad)), int(math.floor(pad - box_pad))
    bx1, by1 = int(math.ceil(pad + block_w + box_pad)), int(math.ceil(pad + block_h + box_pad))
    if style.box:
        a = np.zeros((H, W), np.float32)
        rects = ([(b.x0, b.y0, b.x1, b.y1) for b in boxes] if style.box_mode == "lines"
                 else [(pad, pad, pad + block_w, pad + block_h)])
        for x0, y0, x1, y1 in rects:
            a[max(int(math.floor(y0 - box_pad)), 0):int(math.ceil(y1 + box_pad)),
              max(int(math.floor(x0 - box_pad)), 0):int(math.ceil(x1 + box_pad))] = 1.0
        layers.append((style.box.get("color", "#000000"), a * float(style.box.get("opacity", 1.0))))
    if style.shadow:
        m = np.float32([[1, 0, sh.get("dx", 0)], [0, 1, sh.get("dy", 0)]])
        a = cv2.warpAffine(edge_a, m, (W, H), flags=cv2.INTER_LINEAR, borderValue=0)
        if sh.get("blur", 0) > 0:
            a = cv2.GaussianBlur(a, (0, 0), sh["blur"])
        layers.append((sh.get("color", "#000000"), a * float(sh.get("opacity", 0.8)) * style.opacity))
    if style.glow:
        r = float(style.glow.get("radius", 2.0))
        a = cv2.GaussianBlur(outline_alpha(fill_a, 0.5 * r), (0, 0), max(0.5 * r, 0.3))
        a = np.clip(a * 1.6, 0.0, 1.0) * float(style.glow.get("opacity", 0.8)) * style.opacity
        layers.append((style.glow.get("color", "#000000"), a))
    if ow > 0:  # under see-through text the outline is cut out of the glyphs, as libass does
        border = edge_a if style.opacity >= 1.0 else edge_a * (1.0 - fill_a)
        layers.append((style.outline_color, border * style.opacity))

    fa = fill_a * style.opacity
    block = (max(bx0, 0), max(by0, 0), min(bx1, W), min(by1, H))
    sprites = []
    for fill in (fills or [None]):
        colour = fill or style.fill
        if fill is None and style.gradient:
            colour = _gradient(style, boxes, H)
        C, A = _stack([*layers, (colour, fa)], H, W, style.blur)
        sprites.append(Sprite(*to_straight(C, A), block, boxes))
    if split_box and style.box:  # text and box apart, premultiplied, for reveal effects
        sprites[0].layers = {"box": _stack(layers[:1], H, W, style.blur),
                             "text": _stack([*layers[1:], (colour, fa)], H, W, style.blur)}
    return sprites


def _stack(layers: list[tuple], H: int, W: int, blur: float) -> tuple[np.ndarray, np.ndarray]:
    """Premultiplied colour and alpha of layers composited bottom to top ("over").

    Per-channel products of the single-channel alpha, merged to (H, W, 3): numpy's
    broadcasting of an (H, W, 1) alpha or a 3-vector colour over the channel axis runs
    an inner loop of length 3 and is ~10x slower than the same products element-wise
    (the float32 values are the same)."""
    C = A = None
    for color, a in layers:  # C = c*a + C*(1-a), A = a + A*(1-a)
        a = np.asarray(a, np.float32)
        if isinstance(color, str):
            ca = cv2.merge([a * np.float32(v / 255.0) for v in hex_rgb(color)])
        else:  # a gradient: (H, 1, 3) colours per row
            ca = cv2.merge([a * color[:, :, k] for k in range(3)])
        if A is None:  # over nothing: the layer itself
            C, A = ca, a.copy()
            continue
        inv = 1.0 - a
        C *= cv2.merge([inv, inv, inv])
        C += ca
        A *= inv
        A += a
    if A is None:
        C, A = np.zeros((H, W, 3), np.float32), np.zeros((H, W), np.float32)
    if blur > 0:
        C = cv2.GaussianBlur(C, (0, 0), blur)
        A = cv2.GaussianBlur(A, (0, 0), blur)
    return C, A


def to_straight(C: np.ndarray, A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """8-bit straight RGB and alpha from premultiplied floats."""
    alpha8 = np.clip(np.rint(A * 255.0), 0, 255).astype(np.uint8)
    a = np.maximum(A, 1e-6)
    rgb = C / cv2.merge([a, a, a])  # in place from here: each temporary costs fresh pages
    rgb *= 255.0
    np.rint(rgb, out=rgb)
    np.clip(rgb, 0, 255, out=rgb)
    return rgb.astype(np.uint8), alpha8


def render_block(lines: list[str], font_path: str, size_px: int, style: Style) -> Sprite:
    return render_sprites(lines, font_path, size_px, style)[0]
