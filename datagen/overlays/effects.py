"""Finishing touches of a logo or icon: drop shadow, glow, one-colour tint, opacity.

`plan_effects` draws the choices (JSON-able, in pixels); `apply_effects` is the pure
drawing step. A "white glow" watermark is a light tint plus a soft light halo,
composited with screen blending (see the layers' `blend`).
"""
from __future__ import annotations

import numpy as np
from pydantic import Field

from datagen.overlays.colors import LIGHT, hex_rgb, pick
from datagen.overlays.sprite import Sprite, halo, tint
from datagen.recipe.dist import Num
from datagen.recipe.schema import Strict


class EffectsSpec(Strict):
    shadow_p: float = Field(0.25, ge=0, le=1, description="chance of a soft drop shadow")
    shadow_opacity: Num(0, 1) = {"uniform": [0.35, 0.75]}
    shadow_blur: Num(0, 0.5) = {"uniform": [0.015, 0.06]}  # x graphic height
    shadow_offset: Num(0, 0.5) = {"uniform": [0.01, 0.05]}  # x graphic height
    glow_p: float = Field(0.1, ge=0, le=1, description="chance of a soft light halo (always with screen blending)")
    glow_radius: Num(0, 0.5) = {"uniform": [0.04, 0.12]}  # x graphic height
    glow_opacity: Num(0, 1) = {"uniform": [0.35, 0.8]}


def plan_effects(rng: np.random.Generator, spec: EffectsSpec, height_px: int, blend: str, procedural: bool) -> dict:
    out: dict = {"tint": None, "shadow": None, "glow": None}
    if blend == "screen" and procedural:
        out["tint"] = pick(rng, LIGHT)  # a dark mark would vanish under screen blending
    if rng.random() < spec.shadow_p and blend != "screen":
        off = spec.shadow_offset.sample(rng) * height_px
        out["shadow"] = {"color": "#000000", "dx": round(off, 2), "dy": round(off, 2),
                         "radius": round(spec.shadow_blur.sample(rng) * height_px, 2),
                         "opacity": round(float(spec.shadow_opacity.sample(rng)), 3)}
    if blend == "screen" or rng.random() < spec.glow_p:
        out["glow"] = {"color": pick(rng, LIGHT), "radius": round(spec.glow_radius.sample(rng) * height_px, 2),
                       "opacity": round(float(spec.glow_opacity.sample(rng)), 3)}
    return out


def apply_effects(s: Sprite, fx: dict) -> Sprite:
    if fx.get("tint"):
        s = tint(s, hex_rgb(fx["tint"]))
    if fx.get("glow"):
        g = fx["glow"]
        s = halo(s, hex_rgb(g["color"]), g["radius"], g["opacity"])
    if fx.get("shadow"):
        sh = fx["shadow"]
        s = halo(s, hex_rgb(sh["color"]), sh["radius"], sh["opacity"], sh["dx"], sh["dy"])
    return s
