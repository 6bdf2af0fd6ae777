"""The background interface: a clip of T frames drawn from a seeded plan.

A background type is one module in `datagen/backgrounds/` that defines

    class MySpec(BackgroundSpec):
        type: Literal["mine"] = "mine"
        ...

    @register_background
    class MySource(BackgroundSource):
        Spec = MySpec
        def plan(self, rng, clip) -> dict: ...        # JSON-able: source id, window, seeds, motion
        def render(self, plan, clip) -> np.ndarray:    # (T, H, W, 3) uint8 RGB, C-contiguous

Like layers, all randomness is in `plan`; `render` is a pure function of it. A source
that meets a broken input raises `datagen.errors.InputSkipped(reason)` from `plan` or
`render`; the sample builder counts it and asks again with a fresh plan.
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from datagen.recipe.schema import ClipSpec, Strict


class BackgroundSpec(Strict):
    type: str
    weight: float = Field(1.0, gt=0, description="relative weight when several sources are listed")


class BackgroundSource:
    Spec: ClassVar[type[BackgroundSpec]]
    type_name: ClassVar[str]

    def __init__(self, spec: BackgroundSpec, resources: Any = None):
        self.spec = spec
        self.resources = resources

    def plan(self, rng: np.random.Generator, clip: ClipSpec) -> dict:  # pragma: no cover
        raise NotImplementedError

    def render(self, plan: dict, clip: ClipSpec) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


BACKGROUNDS: dict[str, type[BackgroundSource]] = {}


def register_background(cls: type[BackgroundSource]) -> type[BackgroundSource]:
    type_name = cls.Spec.model_fields["type"].default
    if not isinstance(type_name, str):
        raise TypeError(f"{cls.__name__}.Spec must give 'type' a Literal default")
    cls.type_name = type_name
    BACKGROUNDS[type_name] = cls
    return cls
