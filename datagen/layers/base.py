"""The layer interface: everything drawn onto or cut out of a clip.

A layer type is one module in `datagen/layers/` that defines

    class MySpec(LayerSpec):          # its recipe parameters (pydantic, strict)
        type: Literal["mine"] = "mine"
        ...

    @register_layer
    class MyLayer(Layer):
        Spec = MySpec
        def plan(self, rng, clip) -> dict: ...          # draw every random choice, JSON-able
        def render(self, plan, canvas) -> None: ...     # draw the plan, no randomness

`plan` holds all randomness; `render` is a pure function of the plan, so the
sample's `json` (which stores the plan) describes exactly what was drawn.
`canvas` is a `datagen.compose.Canvas`: `canvas.overlay(t, x, y, rgb, alpha)` for
overlays, `canvas.hole(t, mask, fill)` for inpainting holes.
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from datagen.recipe.schema import ClipSpec, Strict


class LayerSpec(Strict):
    type: str
    p: float = Field(1.0, ge=0.0, le=1.0, description="probability that the layer appears in a sample")
    label: str | None = Field(None, description="optional name recorded in json")


class Layer:
    Spec: ClassVar[type[LayerSpec]]
    type_name: ClassVar[str]

    def __init__(self, spec: LayerSpec, resources: Any = None):
        self.spec = spec
        self.resources = resources

    def plan(self, rng: np.random.Generator, clip: ClipSpec) -> dict:  # pragma: no cover
        raise NotImplementedError

    def render(self, plan: dict, canvas: Any) -> None:  # pragma: no cover
        raise NotImplementedError


LAYERS: dict[str, type[Layer]] = {}


def register_layer(cls: type[Layer]) -> type[Layer]:
    type_name = cls.Spec.model_fields["type"].default
    if not isinstance(type_name, str):
        raise TypeError(f"{cls.__name__}.Spec must give 'type' a Literal default")
    cls.type_name = type_name
    LAYERS[type_name] = cls
    return cls
