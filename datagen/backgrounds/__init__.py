"""Background sources. Every module here that calls `register_background` is a source type."""
from __future__ import annotations

import importlib
import pkgutil

from datagen.backgrounds.base import BACKGROUNDS, BackgroundSource, BackgroundSpec, register_background

_loaded = False


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if mod.name != "base" and not mod.name.startswith("_"):
            importlib.import_module(f"{__name__}.{mod.name}")
    _loaded = True


def background_specs() -> list[type[BackgroundSpec]]:
    """Registered spec models, `procedural` (the default) first."""
    _load_all()
    names = sorted(BACKGROUNDS, key=lambda k: (k != "procedural", k))
    return [BACKGROUNDS[k].Spec for k in names]


def background_spec_for(type_name) -> type[BackgroundSpec] | None:
    _load_all()
    cls = BACKGROUNDS.get(type_name)
    return cls.Spec if cls else None


def make_background(spec: BackgroundSpec, resources=None) -> BackgroundSource:
    _load_all()
    return BACKGROUNDS[spec.type](spec, resources)


__all__ = [
    "BACKGROUNDS", "BackgroundSource", "BackgroundSpec", "register_background",
    "background_specs", "background_spec_for", "make_background",
]
