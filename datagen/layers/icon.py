"""Animated icons: small graphics whose appearance or position changes over the clip.

The case that is otherwise made by hand in video editors: a "LIVE" badge that blinks,
a heart that pulses, an arrow that bounces, a "SUBSCRIBE" button that slides in, a
spinner that turns. The graphic comes from the same sources as logos (symbols and
badges, emblems, pixel blocks, the logo library, user files including animated
GIF/APNG/WebP); the motion (datagen.overlays.motion) gives every frame a centre,
scale, angle, opacity and visibility; multi-frame sprites play at their own pace and
still procedural marks may colour-cycle. Frames where the icon is off have an empty
mask for this layer (per-frame visibility and bbox are in `json`).
"""
from __future__ import annotations

import json
import math
from typing import Literal

import cv2
import numpy as np
from pydantic import Field

from datagen.layers.base import Layer, LayerSpec, register_layer
from datagen.layers.logo import BLENDS, PROCEDURAL
from datagen.overlays import image_files
from datagen.overlays import motion as motmod
from datagen.overlays import sources as srcmod
from datagen.overlays.effects import EffectsSpec, apply_effects, plan_effects
from datagen.overlays.placement import PlacementSpec, place
from datagen.overlays.sprite import Sprite, SpriteCache, hue_shift, resize_to_height, rotate, scale_alpha
from datagen.recipe.dist import Cat, Num
from datagen.recipe.schema import ClipSpec


def default_icon_sources() -> list:
    return [srcmod.SymbolSource(weight=4.0), srcmod.EmblemSource(weight=1.0), srcmod.BlocksSource(weight=0.5)]


def default_icon_placement() -> PlacementSpec:
    return PlacementSpec(where={"choice": ["corner", "edge", "center", "anywhere"], "weights": [0.4, 0.2, 0.1, 0.3]},
                         margin={"uniform": [0.03, 0.1]})


class IconSpec(LayerSpec):
    type: Literal["icon"] = "icon"
    sources: list[srcmod.SourceSpec] = Field(default_factory=default_icon_sources, min_length=1)
    fonts: srcmod.FontSelect = srcmod.FontSelect()
    scale: Num(0.01, 1) = {"uniform": [0.07, 0.18]}  # icon height / frame height
    opacity: Num(0.05, 1) = {"choice": [1.0, 0.9, 0.75, 0.6], "weights": [0.6, 0.2, 0.1, 0.1]}
    blend: Cat(BLENDS) = {"choice": BLENDS, "weights": [0.9, 0.1]}
    placement: PlacementSpec = Field(default_factory=default_icon_placement)
    effects: EffectsSpec = EffectsSpec(shadow_p=0.35, glow_p=0.08)
    motion: motmod.MotionSpec = motmod.MotionSpec()
    cycle_p: float = Field(0.12, ge=0, le=1, description="chance that a still procedural graphic colour-cycles")
    cycle_speed: Num(0, 3600) = {"uniform": [90, 360]}  # hue degrees per second
    sprite_speed: Num(0.05, 20) = {"uniform": [0.7, 1.4]}  # multi-frame sprites: playback rate / spinner turns per s

    def check_files(self) -> list[tuple[str, str]]:
        return srcmod.check_sources(self.sources, self.fonts)

    def preflight(self) -> dict[str, int]:
        return srcmod.preflight_sources(self.sources, self.fonts)


def _sprite_frames(rng, spec: IconSpec, design: dict, T: int, fps: float) -> dict | None:
    n = srcmod.frame_count(design)
    if n <= 1:
        return None
    rate = float(spec.sprite_speed.sample(rng))
    if design["kind"] == "file":
        anim = image_files.load(design["file"])
        start = float(rng.uniform(0, sum(anim.durations_ms) / 1000.0))
        index = [anim.index_at(start + rate * t / fps) for t in range(T)]
    else:  # a spinner: `rate` turns per second
        start = float(rng.uniform(0, n))
        index = [int(math.floor(start + rate * n * t / fps)) % n for t in range(T)]
    return {"frames": n, "rate": round(rate, 4), "index": index}


def colourful(s: Sprite) -> bool:
    """Whether a hue rotation would show: enough saturated, visible pixels (white marks stay white)."""
    sat = cv2.cvtColor(s.rgb, cv2.COLOR_RGB2HSV)[..., 1]
    return bool(((sat > 60) & (s.alpha > 128)).sum() >= 0.1 * max(1, int((s.alpha > 128).sum())))


def master_height(plan: dict) -> int:
    """Height the graphic is drawn at once per clip: the largest it gets (scale pulses, pops)."""
    tr = plan["motion"]["track"]
    k = max([sc for sc, v in zip(tr["scale"], tr["visible"]) if v] or [1.0])
    return max(2, int(round(plan["height_px"] * max(k, 1.0))))


def icon_frame_sprite(plan: dict, t: int, cache: SpriteCache | None = None) -> Sprite | None:
    """The exact sprite drawn on frame t (opacity included), or None when the icon is off.

    The graphic (with its shadow or glow) is drawn once per sprite frame at the master
    height; each clip frame resizes, hue-shifts and rotates that master (cheap, cached)."""
    return IconFrames(plan, cache).sprite(t)


class IconFrames:
    """The per-frame sprites of one icon plan. Frames that look the same (a blinking or
    moving icon, a pulse's repeated sizes) share one Sprite object, so the compositor's
    memo and `overlay_frames` runs apply; cache keys are built from the design's JSON once."""

    def __init__(self, plan: dict, cache: SpriteCache | None = None):
        self.plan = plan
        self.cache = cache
        self.track = plan["motion"]["track"]
        self.hm = master_height(plan)
        self.ident = json.dumps([plan["design"], plan["effects"]], sort_keys=True)
        self._seen: dict[tuple, Sprite] = {}

    def _get(self, key: str, make) -> Sprite:
        return self.cache.get(key, make) if self.cache is not None else make()

    def look(self, t: int) -> tuple | None:
        """What decides frame t's sprite: (height, sprite frame, hue, angle, opacity), None when off."""
        plan, tr = self.plan, self.track
        if not tr["visible"][t]:
            return None
        height = max(2, int(round(plan["height_px"] * tr["scale"][t])))
        frame = plan["sprite"]["index"][t] if plan["sprite"] else 0
        hue = plan["hue"][t] if plan["hue"] else 0.0
        return height, frame, hue, tr["angle"][t], plan["opacity"] * tr["opacity"][t]

    def sprite(self, t: int) -> Sprite | None:
        look = self.look(t)
        if look is None:
            return None
        if look not in self._seen:
            self._seen[look] = self._make(*look)
        return self._seen[look]

    def _master_key(self, frame: int) -> str:
        return f"master|{self.ident}|{self.hm}|{frame}"

    def remember_master(self, frame: int, master: Sprite) -> None:
        """Cache a master drawn elsewhere (`plan` draws frame 0 at the plan's height, which
        is the master height unless the icon grows)."""
        if self.cache is not None:
            self.cache.get(self._master_key(frame), lambda: master)

    def _make(self, height: int, frame: int, hue: float, angle: float, opacity: float) -> Sprite:
        plan, hm = self.plan, self.hm

        def master() -> Sprite:
            return apply_effects(srcmod.draw(plan["design"], hm, frame), plan["effects"])

        def make() -> Sprite:
            m = self._get(self._master_key(frame), master)
            s = m if height == hm else resize_to_height(m, round(m.h * height / hm))
            return rotate(hue_shift(s, hue), angle)

        shaped = self._get(f"frame|{self.ident}|{hm}|{height}|{frame}|{hue!r}|{angle!r}", make)
        return scale_alpha(shaped, opacity)


def icon_position(plan: dict, t: int, s: Sprite) -> tuple[int, int]:
    tr = plan["motion"]["track"]
    return int(round(tr["cx"][t] - s.w / 2)), int(round(tr["cy"][t] - s.h / 2))


@register_layer
class IconLayer(Layer):
    Spec = IconSpec

    def __init__(self, spec: IconSpec, resources=None):
        super().__init__(spec, resources)
        self.sources = srcmod.SourceSet(spec.sources, spec.fonts)
        self.cache = SpriteCache(size=256)

    def plan(self, rng: np.random.Generator, clip: ClipSpec) -> dict:
        sp = self.spec
        design = self.sources.design(rng)
        scale = float(sp.scale.sample(rng))
        height_px = max(6, int(round(scale * clip.height)))
        blend = sp.blend.sample(rng)
        plan = {
            "source": srcmod.design_id(design),
            "design": design,
            "scale": round(scale, 4),
            "height_px": height_px,
            "opacity": round(float(sp.opacity.sample(rng)), 4),
            "blend": blend,
            "effects": plan_effects(rng, sp.effects, height_px, blend, design["kind"] in PROCEDURAL),
            "sprite": _sprite_frames(rng, sp, design, clip.frames, clip.fps),
            "hue": None,
        }
        base = apply_effects(srcmod.draw(design, height_px, 0), plan["effects"])
        if (plan["sprite"] is None and design["kind"] in PROCEDURAL and rng.random() < sp.cycle_p
                and colourful(base)):
            speed = float(sp.cycle_speed.sample(rng)) * (1 if rng.random() < 0.5 else -1)
            h0 = float(rng.uniform(0, 360))
            plan["hue"] = [round((h0 + speed * t / clip.fps) % 360.0, 1) for t in range(clip.frames)]
        kind = sp.motion.type.sample(rng)
        st = motmod.Stage(clip.width, clip.height, base.w, base.h, clip.frames, clip.fps)
        if kind in ("jump", "move"):
            where = place(rng, sp.placement, clip.width, clip.height, base.w, base.h)
            anchor = (where["x"] + base.w / 2, where["y"] + base.h / 2)
            m = motmod.plan_motion(rng, sp.motion, kind, st, anchor)
        else:  # the icon stays at one spot: place it where its largest extent fits
            m = motmod.plan_motion(rng, sp.motion, kind, st, (0.0, 0.0))
            ew, eh = motmod.extents(m["track"], base.w, base.h)
            where = place(rng, sp.placement, clip.width, clip.height, ew, eh)
            cx, cy = round(where["x"] + ew / 2, 2), round(where["y"] + eh / 2, 2)
            m["track"]["cx"], m["track"]["cy"] = [cx] * clip.frames, [cy] * clip.frames
        plan["placement"] = where
        plan["motion"] = m
        if master_height(plan) == height_px:
            IconFrames(plan, self.cache).remember_master(0, base)
        return plan

    def render(self, plan: dict, canvas) -> None:
        frames = IconFrames(plan, self.cache)
        run = None  # [t0, t1, x, y, sprite]: consecutive frames with the same sprite at the same place
        for t in range(canvas.T + 1):
            s = frames.sprite(t) if t < canvas.T else None
            at = icon_position(plan, t, s) if s is not None else None
            if run is not None and s is run[4] and at == (run[2], run[3]) and t == run[1]:
                run[1] = t + 1
                continue
            if run is not None:
                t0, t1, x, y, sp = run
                canvas.overlay_frames(t0, t1, x, y, sp.rgb, sp.alpha, mode=plan["blend"])
            run = [t, t + 1, at[0], at[1], s] if s is not None else None
