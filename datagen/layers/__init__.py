"""Layer types. Every module in this package that calls `register_layer` is a layer type."""
from __future__ import annotations

import importlib
import pkgutil

from datagen.layers.base import LAYERS, Layer, LayerSpec, register_layer

_loaded = False


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if mod.name != "base" and not mod.name.startswith("_"):
            importlib.import_module(f"{__name__}.{mod.name}")
    _loaded = True


def layer_specs() -> list[type[LayerSpec]]:
    _load_all()
    return [LAYERS[k].Spec for k in sorted(LAYERS)]


def layer_spec_for(type_name) -> type[LayerSpec] | None:
    _load_all()
    cls = LAYERS.get(type_name)
    return cls.Spec if cls else None


def make_layer(spec: LayerSpec, resources=None) -> Layer:
    _load_all()
    return LAYERS[spec.type](spec, resources)


__all__ = ["LAYERS", "Layer", "LayerSpec", "register_layer", "layer_specs", "layer_spec_for", "make_layer"]
