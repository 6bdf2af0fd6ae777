"""Flat-colour clips: a plain backdrop (e.g. a title card) and an exact reference for tests."""
from __future__ import annotations

from typing import Literal

import numpy as np

from datagen.backgrounds.base import BackgroundSource, BackgroundSpec, register_background
from datagen.recipe.dist import Int
from datagen.recipe.schema import ClipSpec


class SolidSpec(BackgroundSpec):
    type: Literal["solid"] = "solid"
    red: Int(0, 255) = {"randint": [0, 255]}
    green: Int(0, 255) = {"randint": [0, 255]}
    blue: Int(0, 255) = {"randint": [0, 255]}


@register_background
class SolidBackground(BackgroundSource):
    Spec = SolidSpec

    def plan(self, rng: np.random.Generator, clip: ClipSpec) -> dict:
        s = self.spec
        return {"color": [int(s.red.sample(rng)), int(s.green.sample(rng)), int(s.blue.sample(rng))]}

    def render(self, plan: dict, clip: ClipSpec) -> np.ndarray:
        frames = np.empty((clip.frames, clip.height, clip.width, 3), np.uint8)
        frames[...] = np.asarray(plan["color"], np.uint8)
        return frames
