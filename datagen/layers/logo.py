"""Static logos and watermarks: one graphic in one place for the whole clip.

A clip's logo comes from the recipe's weighted sources (pixel blocks, emblems, the
reusable library, user files), scaled relative to the frame height, placed in a
corner (top-right most often), at an edge, the centre or anywhere, with an opacity
(semi-transparent watermarks are a main case), normal or screen ("white glow")
blending and optional shadow or glow. With probability `pattern.p` the layer is a
stock-footage style tiled watermark instead. The same sprite is composited on every
frame, so the mask is identical on all frames; `alpha.*.png` carries the exact alpha.
"""
from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from datagen.layers.base import Layer, LayerSpec, register_layer
from datagen.overlays import sources as srcmod
from datagen.overlays.effects import EffectsSpec, apply_effects, plan_effects
from datagen.overlays.pattern import PatternSpec, plan_pattern, render_pattern, text_tile
from datagen.overlays.placement import PlacementSpec, place
from datagen.overlays.sprite import Sprite, SpriteCache, fit_within, scale_alpha
from datagen.recipe.dist import Cat, Num
from datagen.recipe.schema import ClipSpec

BLENDS = ["normal", "screen"]
PROCEDURAL = ("blocks", "emblem", "symbol")


def default_logo_sources() -> list:
    return [srcmod.EmblemSource(weight=3.0), srcmod.BlocksSource(weight=1.0), srcmod.LibrarySource(weight=2.0)]


class LogoSpec(LayerSpec):
    type: Literal["logo"] = "logo"
    sources: list[srcmod.SourceSpec] = Field(default_factory=default_logo_sources, min_length=1)
    fonts: srcmod.FontSelect = srcmod.FontSelect()
    scale: Num(0.01, 1) = {"uniform": [0.07, 0.18]}  # logo height / frame height
    max_width: Num(0.02, 1) = 0.45  # / frame width: wide wordmarks are shrunk to fit
    opacity: Num(0.01, 1) = {"uniform": [0.15, 1.0]}
    blend: Cat(BLENDS) = {"choice": BLENDS, "weights": [0.85, 0.15]}
    placement: PlacementSpec = PlacementSpec()
    effects: EffectsSpec = EffectsSpec()
    pattern: PatternSpec = PatternSpec()

    def check_files(self) -> list[tuple[str, str]]:
        out = srcmod.check_sources(self.sources, self.fonts)
        if self.pattern.p > 0 and not out and not self.fonts.fonts():
            out.append(("fonts", "a tiled watermark (pattern.p > 0) needs fonts"))
        return out

    def preflight(self) -> dict[str, int]:
        return srcmod.preflight_sources(self.sources, self.fonts)


def logo_sprite(plan: dict, clip_w: int, clip_h: int, cache: SpriteCache | None = None) -> Sprite:
    """The exact sprite a single-mark logo plan composites (opacity included)."""
    def make() -> Sprite:
        s = srcmod.draw(plan["design"], plan["height_px"])
        s = fit_within(s, min(plan["max_width_px"], clip_w), clip_h)
        s = apply_effects(s, plan["effects"])
        return scale_alpha(s, plan["opacity"])

    key = {k: plan[k] for k in ("design", "height_px", "max_width_px", "effects", "opacity")}
    return cache.get(key, make) if cache is not None else make()


def pattern_sprite(plan: dict, clip_w: int, clip_h: int) -> Sprite:
    """The frame-sized sprite of a tiled-watermark plan (opacity included)."""
    if "text" in plan:
        return render_pattern(plan, text_tile(plan["text"], plan["font"], plan["height_px"]), clip_w, clip_h)
    return render_pattern(plan, srcmod.draw(plan["design"], plan["height_px"]), clip_w, clip_h)


@register_layer
class LogoLayer(Layer):
    Spec = LogoSpec

    def __init__(self, spec: LogoSpec, resources=None):
        super().__init__(spec, resources)
        self.sources = srcmod.SourceSet(spec.sources, spec.fonts)
        self.cache = SpriteCache()

    def plan(self, rng: np.random.Generator, clip: ClipSpec) -> dict:
        sp = self.spec
        design = self.sources.design(rng)
        if rng.random() < sp.pattern.p:
            plan = plan_pattern(rng, sp.pattern, self.sources.fonts, clip.width, clip.height, design)
            plan["blend"] = "normal"
            plan["source"] = srcmod.design_id(design) if "design" in plan else "text"
            return plan
        scale = float(sp.scale.sample(rng))
        height_px = max(8, int(round(scale * clip.height)))
        opacity = round(float(sp.opacity.sample(rng)), 4)
        blend = sp.blend.sample(rng)
        plan = {
            "mode": "single",
            "source": srcmod.design_id(design),
            "design": design,
            "scale": round(scale, 4),
            "height_px": height_px,
            "max_width_px": max(8, int(round(sp.max_width.sample(rng) * clip.width))),
            "opacity": opacity,
            "blend": blend,
            "effects": plan_effects(rng, sp.effects, height_px, blend, design["kind"] in PROCEDURAL),
        }
        s = logo_sprite(plan, clip.width, clip.height, self.cache)
        where = place(rng, sp.placement, clip.width, clip.height, s.w, s.h)
        plan["placement"] = where
        plan["bbox"] = [where["x"], where["y"], where["x"] + s.w, where["y"] + s.h]
        return plan

    def render(self, plan: dict, canvas) -> None:
        if plan["mode"] == "pattern":
            s = pattern_sprite(plan, canvas.W, canvas.H)
            x = y = 0
        else:
            s = logo_sprite(plan, canvas.W, canvas.H, self.cache)
            x, y = plan["placement"]["x"], plan["placement"]["y"]
        canvas.overlay_frames(0, canvas.T, x, y, s.rgb, s.alpha, mode=plan["blend"])
