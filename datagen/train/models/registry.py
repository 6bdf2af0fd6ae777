"""The inpainter registry: name -> builder, so every network is trained by the same loop.

Interface of an inpainting network (subclass `Inpainter`, register it here)::

    @register_inpainter("mynet")
    class MyNet(Inpainter):
        class Options(InpainterOptions):      # its `model_options.mynet` config keys
            channels: int = 64
        def __init__(self, options: Options, width: int, height: int): ...
        def forward(self, frames, mask) -> dict:
            # frames: (B, T, 3, H, W) float in [-1, 1], the corrupted clip
            # mask:   (B, T, 1, H, W) float in [0, 1], 1 = fill here (soft mask from the
            #         perception net in end-to-end training, ground truth with --gt-mask)
            # returns {"output": (B, T, 3, H, W) in [-1, 1], the whole restored frames,
            #          plus optional intermediates, e.g. "coarse": (B, T, 3, H, W)}
        def losses(self, outputs, target, hole, weights) -> dict[str, Tensor]:
            # optional model-specific terms, already weighted (e.g. an L1 on "coarse");
            # target (B, T, 3, H, W) in [-1, 1], hole (B, T, 1, H, W) ground-truth mask
            return {}
        def prepare_training(self) -> None:
            # optional: load what only training needs (e.g. a frozen loss network), so a
            # bad path stops the run before its first step; eval and infer never call it

The loop composites `mask * output + (1 - mask) * frames` itself, applies the shared
losses (hole/valid L1, temporal variance, T-PatchGAN) and adds whatever `losses()`
returns. `model: mynet` in a config or `--model mynet` on the command line selects it;
checkpoints record the name and the validated options, so eval and infer rebuild it.
Any (T, H, W) the config allows must work; `Options` may reject sizes with a ValueError
(e.g. patch grids that do not divide the feature map).
"""
from __future__ import annotations

import importlib
from typing import Any, Callable

import torch
from pydantic import BaseModel, ConfigDict, ValidationError
from torch import nn

BUILTIN_MODULES = ("datagen.train.models.sttn", "datagen.train.models.cssta", "datagen.train.models.opn",
                   "datagen.train.models.rnot")
"""Modules imported on first use so their `@register_inpainter` runs."""

_REGISTRY: dict[str, type["Inpainter"]] = {}


class InpainterOptions(BaseModel):
    """Base of a network's config options (strict: unknown keys are errors)."""

    model_config = ConfigDict(extra="forbid")


class Inpainter(nn.Module):
    """Base class: see the module docstring for the contract."""

    Options: type[InpainterOptions] = InpainterOptions
    name: str = ""

    def losses(self, outputs: dict, target: torch.Tensor, hole: torch.Tensor,
               weights: Any) -> dict[str, torch.Tensor]:
        return {}

    def prepare_training(self) -> None:
        """Load what only training needs; called once before the first training step."""


def register_inpainter(name: str) -> Callable[[type[Inpainter]], type[Inpainter]]:
    def deco(cls: type[Inpainter]) -> type[Inpainter]:
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise ValueError(f"inpainter {name!r} registered twice")
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return deco


def _load_builtins() -> None:
    for mod in BUILTIN_MODULES:
        importlib.import_module(mod)


def inpainter_names() -> list[str]:
    _load_builtins()
    return sorted(_REGISTRY)


def _get(name: str) -> type[Inpainter]:
    _load_builtins()
    if name not in _REGISTRY:
        raise ValueError(f"unknown model {name!r} (have: {', '.join(sorted(_REGISTRY))})")
    return _REGISTRY[name]


def validate_options(name: str, options: dict) -> dict:
    """Check `model_options.<name>` against the network's Options; returns them complete."""
    cls = _get(name)
    try:
        return cls.Options.model_validate(options or {}).model_dump(mode="json")
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise ValueError(f"{where + ': ' if where else ''}{err['msg']}") from None


def build_inpainter(name: str, options: dict, width: int, height: int) -> Inpainter:
    cls = _get(name)
    return cls(cls.Options.model_validate(options or {}), width=width, height=height)
