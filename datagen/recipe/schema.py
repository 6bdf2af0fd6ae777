"""The recipe schema: pydantic models, strict (unknown keys are errors).

Layer and background types register their own spec models (see
`datagen.layers.base.register_layer` and `datagen.backgrounds.base.register_background`);
`recipe_model()` assembles the top-level model from whatever is registered, so a new
overlay type is one module plus one recipe.
"""
from __future__ import annotations

import functools
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from datagen.recipe.dist import Cat, Int, Num  # noqa: F401  (re-exported for specs)

MAX_CLIP_BYTES = 4 * 1024**3
"""Refuse clips whose frames would need more memory than this (per sample, all buffers)."""


class Strict(BaseModel):
    """Base for every recipe section: unknown keys fail, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_default=True, arbitrary_types_allowed=True)


class ClipSpec(Strict):
    frames: int = Field(16, ge=1, le=999, description="frames per clip (T)")
    width: int = Field(432, ge=16, le=7680)
    height: int = Field(240, ge=16, le=4320)
    fps: float = Field(24.0, gt=0, le=240)

    @model_validator(mode="after")
    def _fits_in_memory(self):
        # clean + corrupted (uint8 RGB) + mask + alpha + a float32 working frame
        need = self.frames * self.width * self.height * (3 + 3 + 1 + 1) + self.width * self.height * 16
        if need > MAX_CLIP_BYTES:
            raise ValueError(
                f"a {self.frames}x{self.width}x{self.height} clip needs about {need / 1024**3:.1f} GiB "
                f"per sample, more than the {MAX_CLIP_BYTES // 1024**3} GiB limit; "
                "use fewer frames or a smaller size"
            )
        return self


class EncodeSpec(Strict):
    format: Literal["jpg", "png", "webp"] = "jpg"
    quality: int = Field(95, ge=1, le=100, description="JPEG/WebP quality (ignored for png)")
    alpha: bool = Field(False, description="also write KEY.alpha.NNN.png, the soft overlay alpha")


class DilateSpec(Strict):
    kernel: int = Field(3, ge=1, le=63)
    iterations: int = Field(0, ge=0, le=64)
    shape: Literal["cross", "ellipse", "rect"] = "ellipse"


class MaskSpec(Strict):
    alpha_threshold: int = Field(
        0,
        ge=0,
        le=254,
        description="overlay pixels with 8-bit alpha <= this are not drawn at all, the rest are masked",
    )
    dilate: DilateSpec = DilateSpec()


def _as_list(v: Any) -> Any:
    if isinstance(v, dict):
        return [v]
    return v


class RecipeBase(Strict):
    name: str = Field("recipe", pattern=r"^[A-Za-z0-9_-]+$")
    description: str = ""
    clip: ClipSpec = ClipSpec()
    encode: EncodeSpec = EncodeSpec()
    mask: MaskSpec = MaskSpec()


@functools.cache
def recipe_model() -> type[RecipeBase]:
    """The full Recipe model, with every registered layer and background type."""
    from datagen.backgrounds import background_specs
    from datagen.layers import layer_specs

    def union(specs: list[type]) -> Any:
        if len(specs) == 1:
            return specs[0]
        return Annotated[Union[tuple(specs)], Field(discriminator="type")]

    bg_union = union(background_specs())
    layer_union = union(layer_specs())

    class Recipe(RecipeBase):
        background: Annotated[list[bg_union], BeforeValidator(_as_list), Field(min_length=1)] = Field(
            default_factory=lambda: [background_specs()[0].model_validate({"type": "procedural"})]
        )
        layers: list[layer_union] = Field(default_factory=list)

    Recipe.__name__ = "Recipe"
    return Recipe
