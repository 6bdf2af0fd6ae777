"""News tickers: a band at the bottom or top with a static label and scrolling text.

The band (a full-width strip, opaque or semi-transparent) and its label box ("BREAKING
NEWS", "LIVE", "快讯", ... in the text's script) are drawn once; the headlines, joined
by a separator, are rendered once as one long strip that scrolls right to left through
the band's window at a constant speed. The band is part of the mask: a removal model
has to fill all of it. Labels are short words per script (`LABELS`).
"""
from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field

from datagen.errors import InputSkipped
from datagen.layers.base import Layer, LayerSpec, register_layer
from datagen.recipe.dist import Cat, Num
from datagen.recipe.schema import ClipSpec
from datagen.text import fonts as fontmod
from datagen.text.render import Style, hex_rgb, line_width, load_font, render_block
from datagen.text.scripts import is_rtl, script_of
from datagen.text.sources import (
    FontChoice, TextPicker, TextSource, check_text_layer, font_fields, font_preflight, pick_source,
    source_lines,
)

LABELS = {
    "latin": ["BREAKING NEWS", "LIVE", "NEWS", "UPDATE", "JUST IN", "WEATHER", "MARKETS", "SPORTS"],
    "han": ["快讯", "直播", "最新消息", "新闻", "突发", "滚动新闻"],
    "japanese": ["速報", "ニュース", "LIVE", "中継"],
    "hangul": ["속보", "뉴스", "LIVE", "생중계"],
    "cyrillic": ["СРОЧНО", "НОВОСТИ", "ПРЯМОЙ ЭФИР"],
    "greek": ["ΕΚΤΑΚΤΟ", "ΕΙΔΗΣΕΙΣ"],
    "arabic": ["عاجل", "مباشر", "أخبار"],
    "hebrew": ["מבזק", "חדשות", "שידור חי"],
    "devanagari": ["ब्रेकिंग न्यूज़", "लाइव", "समाचार"],
    "thai": ["ข่าวด่วน", "สด", "ข่าว"],
}


class TickerSpec(LayerSpec):
    type: Literal["ticker"] = "ticker"
    texts: list[TextSource] = Field(default_factory=lambda: [TextSource(corpus="en")], min_length=1)
    fonts: FontChoice = FontChoice(style={"choice": ["bold", "regular"], "weights": [0.55, 0.45]})
    position: Cat(["bottom", "top"]) = {"choice": ["bottom", "top"], "weights": [0.85, 0.15]}
    height: Num(0.03, 0.3) = {"uniform": [0.07, 0.11]}  # band height / frame height
    margin: Num(0, 0.3) = {"choice": [0.0, 0.03, 0.06], "weights": [0.5, 0.3, 0.2]}  # band to frame edge / height
    text_size: Num(0.3, 0.95) = {"uniform": [0.55, 0.72]}  # font size / band height
    band_color: Cat() = {"choice": ["#0A1E50", "#000000", "#FFFFFF", "#8C0000", "#1C1C1C", "#003C28"],
                         "weights": [0.3, 0.2, 0.15, 0.15, 0.1, 0.1]}
    band_opacity: Num(0, 1) = {"choice": [1.0, 0.85, 0.65], "weights": [0.6, 0.25, 0.15]}
    text_color: Cat(["auto", "#FFFFFF", "#FFE13C", "#000000"]) = {"choice": ["auto", "#FFE13C"], "weights": [0.85, 0.15]}
    label_p: float = Field(0.8, ge=0, le=1)
    label_color: Cat() = {"choice": ["#C80000", "#E05A00", "#0050C8", "#FFD200"], "weights": [0.5, 0.15, 0.2, 0.15]}
    speed: Num(0, 2) = {"uniform": [0.08, 0.2]}  # frame widths per second
    separator: Cat() = {"choice": [" • ", " | ", " ◆ ", "   ", " ▪ "], "weights": [0.35, 0.2, 0.15, 0.2, 0.1]}

    def check_files(self) -> list[tuple[str, str]]:
        return check_text_layer(self.fonts, self.texts)

    def preflight(self, resources=None) -> dict[str, int]:
        return font_preflight(self.fonts)


def _contrast(band: str) -> str:
    r, g, b = hex_rgb(band)
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#FFFFFF"


@register_layer
class TickerLayer(Layer):
    Spec = TickerSpec

    def __init__(self, spec: TickerSpec, resources=None):
        super().__init__(spec, resources)
        self.fonts = spec.fonts.selected()
        self.picker = TextPicker(self.fonts)

    def plan(self, rng: np.random.Generator, clip: ClipSpec) -> dict:
        sp = self.spec
        if not self.fonts:
            raise InputSkipped("no_fonts")
        W, H, T = clip.width, clip.height, clip.frames
        band_h = max(8, int(round(sp.height.sample(rng) * H)))
        margin = int(round(sp.margin.sample(rng) * H))
        top = H - margin - band_h if sp.position.sample(rng) == "bottom" else margin
        size = max(6, int(round(band_h * sp.text_size.sample(rng))))
        band = sp.band_color.sample(rng)
        text_color = sp.text_color.sample(rng)
        text_color = _contrast(band) if text_color == "auto" or text_color == band else text_color
        speed = float(sp.speed.sample(rng)) * W / clip.fps  # px per frame
        src = pick_source(rng, sp.texts)
        lines = source_lines(src)
        style_name = sp.fonts.style.sample(rng)
        sep = sp.separator.sample(rng)
        font = None
        for _ in range(24):
            font = self.picker.font_for(rng, lines[int(rng.integers(len(lines)))], None, style_name)
            if font is not None:
                break
        if font is None:
            raise InputSkipped("no_font_for_text")
        pil = load_font(font.path, size)
        if not font.covers(sep):
            sep = "   "
        label = None
        if rng.random() < sp.label_p:
            script = script_of("".join(lines[:20]))
            words = [w for w in LABELS.get(script, LABELS["latin"]) if font.covers(w)]
            if words:
                label = {"text": words[int(rng.integers(len(words)))], "color": sp.label_color.sample(rng)}
                label["width"] = int(math.ceil(line_width(pil, label["text"]) + 0.8 * size))
        window_w = W - (label["width"] if label else 0)
        need = window_w + speed * T + W  # strip long enough for the whole clip
        heads, total = [], 0.0
        for _ in range(200):
            ln = lines[int(rng.integers(len(lines)))].replace("\n", " ")
            if not font.covers(ln):
                continue
            heads.append(ln)
            total = line_width(pil, sep.join(heads))
            if total >= need:
                break
        if not heads:
            raise InputSkipped("no_font_for_text")
        rtl = is_rtl("".join(heads))  # right-to-left tickers scroll the other way, label on the right
        window_x = (label["width"] if label and not rtl else 0)
        start = float(rng.uniform(-window_w, max(total - window_w - speed * T, 0.0)))
        return {"band": {"top": top, "height": band_h, "color": band,
                         "opacity": round(float(sp.band_opacity.sample(rng)), 3)},
                "label": label, "text": sep.join(heads), **font_fields(font), "size_px": size,
                "text_color": text_color, "speed": round(speed, 4), "offset": round(start, 2), "rtl": rtl,
                "window": [window_x, window_w]}

    def render(self, plan: dict, canvas) -> None:
        W = canvas.W
        b = plan["band"]
        band_rgb = np.zeros((b["height"], W, 3), np.uint8)
        band_rgb[:] = hex_rgb(b["color"])
        band_a = np.full((b["height"], W), int(round(255 * b["opacity"])), np.uint8)
        label_sprite = None
        font_path = fontmod.resolve_label(plan["font"])
        wx, ww = plan["window"]
        if plan["label"]:
            lw = plan["label"]["width"]
            lx = W - lw if plan["rtl"] else 0
            band_rgb[:, lx:lx + lw] = hex_rgb(plan["label"]["color"])
            band_a[:, lx:lx + lw] = 255
            label_sprite = render_block([plan["label"]["text"]], font_path, plan["size_px"],
                                        Style(fill=_contrast(plan["label"]["color"])))
        strip = render_block([plan["text"]], font_path, plan["size_px"], Style(fill=plan["text_color"]))
        asc, desc = load_font(font_path, plan["size_px"]).getmetrics()
        text_top = b["top"] + (b["height"] - (asc + desc)) // 2  # line box centred in the band
        sx0, sy0, sx1, _ = strip.block
        sw = strip.alpha.shape[1]
        for t in range(canvas.T):
            canvas.overlay(t, 0, b["top"], band_rgb, band_a)
            if label_sprite is not None:
                lx0, ly0, lx1, _ = label_sprite.block
                canvas.overlay(t, lx + (lw - (lx1 - lx0)) // 2 - lx0, text_top - ly0,
                               label_sprite.rgb, label_sprite.alpha)
            # the strip moves `speed` px per frame (leftwards; rightwards for right-to-left text)
            moved = plan["offset"] + plan["speed"] * t
            left = wx + ww + moved - (sx1 - sx0) if plan["rtl"] else wx - moved
            x = int(math.floor(left + 0.5)) - sx0  # frame x of the sprite's column 0
            c0, c1 = max(wx - x, 0), min(wx + ww - x, sw)  # sprite columns inside the window
            if c1 > c0:
                canvas.overlay(t, x + c0, text_top - sy0, strip.rgb[:, c0:c1], strip.alpha[:, c0:c1])
