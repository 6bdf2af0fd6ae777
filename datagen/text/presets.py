"""Subtitle style presets: the looks real videos use, each with its parameters in ranges.

A clip's subtitles share one look. `style.preset` picks it (a weighted choice in the
recipe); `custom` is the free-form `style:` block of the subtitle layer. Every other
preset is a small model whose fields are constants or distributions (override any of
them under `style.presets.<name>`), and `draw(rng, size_px)` turns it into the style
dict `datagen.text.render.Style` understands (lengths are multiples of the font size):

| preset | look |
|---|---|
| `outline` | white (or near-white) fill, dark outline, sometimes a small shadow |
| `dvd` | yellow fill with a thin black outline (DVD / broadcast subtitles) |
| `thin_caps` | capitals, regular weight, widely letter-spaced, no outline, no shadow |
| `cc_box` | closed-caption style: light text on a semi-transparent or opaque box (box in the mask) |
| `soft_shadow` | no outline, only a soft blurred drop shadow |
| `glow` | a soft halo (dark or neon) around light text |
| `gradient` | a two-colour vertical gradient fill with a dark outline (variety shows) |
| `translucent` | semi-transparent text, sometimes with a thin outline |
"""
from __future__ import annotations

import numpy as np
from pydantic import Field

from datagen.recipe.dist import Cat, Num
from datagen.recipe.schema import Strict

WHITES = {"choice": ["#FFFFFF", "#F5F5F5", "#EBEBEB"], "weights": [0.8, 0.12, 0.08]}
DARKS = {"choice": ["#000000", "#101010", "#202020", "#1A1A30"], "weights": [0.7, 0.12, 0.1, 0.08]}


class Preset(Strict):
    """Fields every preset shares: line spacing, overall softness, shadow chance."""

    line_spacing: Num(0.7, 3) = {"uniform": [1.0, 1.2]}
    blur: Num(0, 5) = {"uniform": [0.0, 0.5]}  # px
    shadow_p: float = Field(0.0, ge=0, le=1)
    shadow_offset: Num(0, 0.5) = {"uniform": [0.02, 0.06]}  # x font size
    shadow_angle: Num(-180, 180) = {"uniform": [30, 70]}  # degrees, 0 = right, 90 = down
    shadow_blur: Num(0, 0.5) = {"uniform": [0.0, 0.05]}  # x font size
    shadow_opacity: Num(0, 1) = {"uniform": [0.4, 0.8]}

    def base(self, rng: np.random.Generator, size_px: int) -> dict:
        d = {"line_spacing": round(float(self.line_spacing.sample(rng)), 3),
             "blur": round(float(self.blur.sample(rng)), 3)}
        if rng.random() < self.shadow_p:
            d["shadow"] = self.shadow(rng, size_px)
        return d

    def shadow(self, rng, size_px: int) -> dict:
        off = self.shadow_offset.sample(rng) * size_px
        ang = np.deg2rad(self.shadow_angle.sample(rng))
        return {"dx": round(float(off * np.cos(ang)), 2), "dy": round(float(off * np.sin(ang)), 2),
                "blur": round(float(self.shadow_blur.sample(rng) * size_px), 2),
                "opacity": round(float(self.shadow_opacity.sample(rng)), 3), "color": "#000000"}

    def draw(self, rng: np.random.Generator, size_px: int) -> dict:  # pragma: no cover - interface
        raise NotImplementedError


def _px(dist, rng, size_px: int, lo: float = 1.0) -> float:
    return round(max(lo, float(dist.sample(rng)) * size_px), 2)


class OutlinePreset(Preset):
    fill: Cat() = WHITES
    outline_width: Num(0, 0.5) = {"uniform": [0.05, 0.13]}
    outline_color: Cat() = DARKS
    shadow_p: float = Field(0.3, ge=0, le=1)

    def draw(self, rng, size_px):
        d = self.base(rng, size_px)
        d.update(fill=self.fill.sample(rng), outline_width=_px(self.outline_width, rng, size_px),
                 outline_color=self.outline_color.sample(rng))
        return d


class DvdPreset(Preset):
    fill: Cat() = {"choice": ["#FFFF00", "#FFEA00", "#F5E050", "#FFD800"], "weights": [0.5, 0.2, 0.15, 0.15]}
    outline_width: Num(0, 0.5) = {"uniform": [0.04, 0.1]}
    outline_color: Cat() = {"choice": ["#000000", "#101010"], "weights": [0.85, 0.15]}
    shadow_p: float = Field(0.2, ge=0, le=1)

    def draw(self, rng, size_px):
        d = self.base(rng, size_px)
        d.update(fill=self.fill.sample(rng), outline_width=_px(self.outline_width, rng, size_px),
                 outline_color=self.outline_color.sample(rng))
        return d


class ThinCapsPreset(Preset):
    fill: Cat() = {"choice": ["#FFFFFF", "#F0F0F0", "#E4E4E4", "#FFF6E0"], "weights": [0.6, 0.15, 0.15, 0.1]}
    letter_spacing: Num(0, 1) = {"uniform": [0.12, 0.35]}
    opacity: Num(0.05, 1) = {"uniform": [0.85, 1.0]}
    size_scale: Num(0.3, 1.5) = {"uniform": [0.7, 0.9]}  # thin captions are set smaller

    def draw(self, rng, size_px):
        d = self.base(rng, size_px)
        d.update(fill=self.fill.sample(rng), letter_spacing=_px(self.letter_spacing, rng, size_px, 0.0),
                 opacity=round(float(self.opacity.sample(rng)), 3), uppercase=True, font_style="regular",
                 size_scale=round(float(self.size_scale.sample(rng)), 3))
        return d


class CcBoxPreset(Preset):
    fill: Cat() = {"choice": ["#FFFFFF", "#FFFF00", "#00FFFF", "#00FF00"], "weights": [0.8, 0.1, 0.05, 0.05]}
    box_color: Cat() = {"choice": ["#000000", "#101010", "#202020"], "weights": [0.8, 0.1, 0.1]}
    box_opacity: Num(0, 1) = {"choice": [1.0, 0.8, 0.6, 0.45], "weights": [0.4, 0.25, 0.2, 0.15]}
    box_padding: Num(0, 2) = {"uniform": [0.08, 0.3]}
    box_mode: Cat(["lines", "block"]) = {"choice": ["lines", "block"], "weights": [0.7, 0.3]}

    def draw(self, rng, size_px):
        d = self.base(rng, size_px)
        d.update(fill=self.fill.sample(rng), box_mode=self.box_mode.sample(rng),
                 box={"padding": _px(self.box_padding, rng, size_px, 0.0), "color": self.box_color.sample(rng),
                      "opacity": round(float(self.box_opacity.sample(rng)), 3)})
        d["blur"] = 0.0
        return d


class SoftShadowPreset(Preset):
    fill: Cat() = WHITES
    shadow_p: float = Field(1.0, ge=0, le=1)
    shadow_offset: Num(0, 0.5) = {"uniform": [0.03, 0.09]}
    shadow_blur: Num(0, 0.5) = {"uniform": [0.06, 0.2]}
    shadow_opacity: Num(0, 1) = {"uniform": [0.6, 0.95]}

    def draw(self, rng, size_px):
        d = self.base(rng, size_px)
        d["fill"] = self.fill.sample(rng)
        return d


class GlowPreset(Preset):
    fill: Cat() = {"choice": ["#FFFFFF", "#FFF6D0", "#E0FFFF"], "weights": [0.7, 0.15, 0.15]}
    glow_color: Cat() = {"choice": ["#000000", "#202020", "#00C8FF", "#FF40C0", "#FFC800", "#40FF80"],
                         "weights": [0.45, 0.1, 0.18, 0.1, 0.1, 0.07]}
    glow_radius: Num(0, 1) = {"uniform": [0.08, 0.22]}
    glow_opacity: Num(0, 1) = {"uniform": [0.6, 1.0]}

    def draw(self, rng, size_px):
        d = self.base(rng, size_px)
        d.update(fill=self.fill.sample(rng),
                 glow={"radius": _px(self.glow_radius, rng, size_px), "color": self.glow_color.sample(rng),
                       "opacity": round(float(self.glow_opacity.sample(rng)), 3)})
        return d


class GradientPreset(Preset):
    colors: Cat() = {"choice": [["#FFFFFF", "#FFD200"], ["#FFFF90", "#FF8C00"], ["#FFFFFF", "#7EC8FF"],
                                ["#E0F7FF", "#2A7BFF"], ["#FFFFFF", "#FF6FA8"], ["#FFF4B0", "#FF3C3C"]],
                     "weights": [0.25, 0.2, 0.2, 0.15, 0.1, 0.1]}
    outline_width: Num(0, 0.5) = {"uniform": [0.06, 0.14]}
    outline_color: Cat() = {"choice": ["#000000", "#3A1A00", "#00204A", "#FFFFFF"], "weights": [0.6, 0.15, 0.15, 0.1]}
    shadow_p: float = Field(0.4, ge=0, le=1)

    def draw(self, rng, size_px):
        d = self.base(rng, size_px)
        top, bottom = self.colors.sample(rng)
        d.update(fill=top, gradient={"top": top, "bottom": bottom},
                 outline_width=_px(self.outline_width, rng, size_px), outline_color=self.outline_color.sample(rng))
        return d


class TranslucentPreset(Preset):
    fill: Cat() = {"choice": ["#FFFFFF", "#F0F0F0", "#FFFF60"], "weights": [0.75, 0.15, 0.1]}
    opacity: Num(0.05, 1) = {"uniform": [0.35, 0.75]}
    outline_p: float = Field(0.4, ge=0, le=1)
    outline_width: Num(0, 0.5) = {"uniform": [0.03, 0.08]}
    outline_color: Cat() = DARKS

    def draw(self, rng, size_px):
        d = self.base(rng, size_px)
        d.update(fill=self.fill.sample(rng), opacity=round(float(self.opacity.sample(rng)), 3))
        if rng.random() < self.outline_p:
            d.update(outline_width=_px(self.outline_width, rng, size_px), outline_color=self.outline_color.sample(rng))
        return d


class PresetParams(Strict):
    """Parameter ranges of every preset (`style.presets.<name>.<field>` in a recipe)."""

    outline: OutlinePreset = OutlinePreset()
    dvd: DvdPreset = DvdPreset()
    thin_caps: ThinCapsPreset = ThinCapsPreset()
    cc_box: CcBoxPreset = CcBoxPreset()
    soft_shadow: SoftShadowPreset = SoftShadowPreset()
    glow: GlowPreset = GlowPreset()
    gradient: GradientPreset = GradientPreset()
    translucent: TranslucentPreset = TranslucentPreset()


PRESET_NAMES = tuple(PresetParams.model_fields)
STYLE_CHOICES = ("custom", *PRESET_NAMES)


def draw_preset(params: PresetParams, name: str, rng: np.random.Generator, size_px: int) -> dict:
    """The style dict of preset `name` with its parameters drawn from `rng`."""
    d = getattr(params, name).draw(rng, size_px)
    d["preset"] = name
    return d
