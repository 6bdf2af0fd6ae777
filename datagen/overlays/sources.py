"""Where logo and icon graphics come from, as recipe specs, plus the reusable logo library.

    sources:
      - {type: emblem, weight: 3}                  # procedural station marks (bundled fonts)
      - {type: blocks, weight: 1}                  # pixel-block mosaics
      - {type: symbol, weight: 2, symbols: [heart, star]}   # icon symbols and badges
      - {type: library, weight: 2, count: 64, seed: 0}      # the same logos across many clips
      - {type: files, weight: 1, dir: /data/logos}          # your RGBA PNG/WebP/GIF files

A *design* is a JSON-able dict of every choice that makes one graphic (shape, text,
font, colours, file path...); it does not depend on the frame size. `SourceSet.design`
draws one from an rng; `SourceSet.draw(design, height, frame)` paints it at a pixel
height (cached, deterministic). Library logo *i* of library *seed* is designed from
its own SeedSequence(seed, spawn_key=(i,)), so it is the same logo in every clip, run
and worker, like a real channel's logo on all its videos; `datagen logos` exports it.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, Union

import numpy as np
from pydantic import Field

from datagen.errors import InputSkipped
from datagen.overlays import blocks, emblems, image_files, symbols
from datagen.overlays.colors import pick
from datagen.overlays.sprite import Sprite, from_rgba, resize_to_height
from datagen.recipe.schema import Strict
from datagen.text import fonts as fontmod

SymbolName = Literal[tuple(symbols.SYMBOLS)]  # type: ignore[valid-type]


class BlocksSource(Strict):
    type: Literal["blocks"] = "blocks"
    weight: float = Field(1.0, gt=0)


class EmblemSource(Strict):
    type: Literal["emblem"] = "emblem"
    weight: float = Field(1.0, gt=0)
    mono_p: float = Field(0.35, ge=0, le=1, description="chance of a one-colour mark with see-through letters")
    world_p: float = Field(0.1, ge=0, le=1, description="chance of a non-Latin station word (when a font covers it)")


class SymbolSource(Strict):
    type: Literal["symbol"] = "symbol"
    weight: float = Field(1.0, gt=0)
    symbols: list[SymbolName] | None = Field(None, description=f"subset of {symbols.SYMBOLS} (default all)")


class LibrarySource(Strict):
    type: Literal["library"] = "library"
    weight: float = Field(1.0, gt=0)
    count: int = Field(64, ge=1, le=100_000, description="logos in the library")
    seed: int = Field(0, ge=0, description="library seed: the same seed gives the same logos")
    blocks: float = Field(1.0, ge=0, description="share of pixel-block logos in the library")
    emblem: float = Field(3.0, ge=0, description="share of emblem logos in the library")


class FilesSource(Strict):
    type: Literal["files"] = "files"
    weight: float = Field(1.0, gt=0)
    dir: str = Field(description="folder of RGBA PNG/WebP (or animated GIF/APNG/WebP) files, searched recursively")


SourceSpec = Annotated[Union[BlocksSource, EmblemSource, SymbolSource, LibrarySource, FilesSource],
                       Field(discriminator="type")]


class FontSelect(Strict):
    dir: str | None = Field(None, description="folder of .ttf/.otf files (default: the bundled fonts/)")
    families: list[str] | None = Field(None, description="restrict to these family names")

    def catalog(self) -> fontmod.FontCatalog:
        return fontmod.FontCatalog.scan(self.dir)

    def fonts(self) -> list[fontmod.FontInfo]:
        return self.catalog().select(self.families)


def needs_fonts(sources: list) -> bool:
    for s in sources:
        if s.type in ("emblem", "symbol") or (s.type == "library" and s.emblem > 0):
            return True
    return False


def check_sources(sources: list, fonts: FontSelect, key: str = "sources") -> list[tuple[str, str]]:
    """Recipe problems (key path, message): missing folders, folders without images, no fonts."""
    out = []
    for i, s in enumerate(sources):
        if s.type == "library" and s.blocks + s.emblem <= 0:
            out.append((f"{key}[{i}]", "a library needs blocks > 0 or emblem > 0"))
        if s.type != "files":
            continue
        p = Path(s.dir)
        if not p.is_dir():
            out.append((f"{key}[{i}].dir", f"folder not found: {s.dir}"))
        elif not image_files.scan(str(p.resolve())).good:
            n = len(image_files.scan(str(p.resolve())).broken)
            out.append((f"{key}[{i}].dir", f"no readable images in {s.dir} ({n} unreadable files)"))
    if fonts.dir and not Path(fonts.dir).is_dir():
        out.append(("fonts.dir", f"font folder not found: {fonts.dir}"))
    elif needs_fonts(sources) and not fonts.fonts():
        fams = ", ".join(fonts.catalog().families()) or "none"
        out.append(("fonts", f"no usable fonts for logo text (families {fonts.families} among: {fams})"))
    return out


def preflight_sources(sources: list, fonts: FontSelect | None = None) -> dict[str, int]:
    """Inputs found broken at setup: unreadable files in logo folders, unreadable fonts."""
    broken = 0
    for s in sources:
        if s.type == "files" and Path(s.dir).is_dir():
            broken += len(image_files.scan(str(Path(s.dir).resolve())).broken)
    out = {"image_unreadable": broken}
    if fonts is not None and needs_fonts(sources):
        out["font_unreadable"] = len(fonts.catalog().broken)
    return out


def design_id(design: dict) -> str:
    """A stable id for a design: library id, file path, or kind + digest of the design."""
    if "library" in design:
        return design["library"]["id"]
    if design["kind"] == "file":
        return "file:" + design["file"]
    blob = json.dumps(design, sort_keys=True, separators=(",", ":")).encode()
    return f"{design['kind']}:{hashlib.sha256(blob).hexdigest()[:12]}"


def library_design(seed: int, index: int, blocks_w: float, emblem_w: float, fonts: list) -> dict:
    """Logo `index` of library `seed`: designed from its own seed, so it never changes."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=(int(index),))))
    kind = pick(rng, ["blocks", "emblem"], [blocks_w, emblem_w])
    d = blocks.design(rng) if kind == "blocks" else emblems.design(rng, fonts)
    d["library"] = {"seed": int(seed), "index": int(index), "id": f"library-{seed}-{index:04d}"}
    return d


class SourceSet:
    """The sources of one layer, ready to design and draw graphics."""

    def __init__(self, specs: list, fonts: FontSelect):
        self.specs = list(specs)
        self.weights = [s.weight for s in self.specs]
        self.fonts = fonts.fonts()
        self.files = {i: image_files.scan(str(Path(s.dir).resolve())).good
                      for i, s in enumerate(self.specs) if s.type == "files" and Path(s.dir).is_dir()}
        self._library: dict[tuple, dict] = {}

    def design(self, rng: np.random.Generator) -> dict:
        k = pick(rng, list(range(len(self.specs))), self.weights)
        spec = self.specs[k]
        if spec.type == "blocks":
            return blocks.design(rng)
        if spec.type == "emblem":
            return emblems.design(rng, self.fonts, world_p=spec.world_p, mono_p=spec.mono_p)
        if spec.type == "symbol":
            return symbols.design(rng, self.fonts, list(spec.symbols) if spec.symbols else None)
        if spec.type == "library":
            i = int(rng.integers(spec.count))
            key = (spec.seed, i, spec.blocks, spec.emblem)
            if key not in self._library:
                self._library[key] = library_design(spec.seed, i, spec.blocks, spec.emblem, self.fonts)
            return json.loads(json.dumps(self._library[key]))  # a copy the caller may extend
        good = self.files.get(k, ())
        if not good:
            raise InputSkipped("no_readable_images", spec.dir)
        entry = good[int(rng.integers(len(good)))]
        return {"kind": "file", "file": entry.path, "frames": entry.frames}


def frame_count(design: dict) -> int:
    """Frames of a multi-frame graphic (an animated file or a spinner); 1 for still ones."""
    if design["kind"] == "file":
        return int(design["frames"])
    if design["kind"] == "symbol":
        return symbols.frame_count(design)
    return 1


def draw(design: dict, height: int, frame: int = 0) -> Sprite:
    """The graphic at `height` pixels (frame `frame` of an animation). Cached; arrays are read-only."""
    return _draw_cached(json.dumps(design, sort_keys=True), int(height), int(frame))


@lru_cache(maxsize=512)
def _draw_cached(design_json: str, height: int, frame: int) -> Sprite:
    d = json.loads(design_json)
    kind = d["kind"]
    if kind == "blocks":
        s = blocks.draw(d, height)
    elif kind == "emblem":
        s = emblems.draw(d, height)
    elif kind == "symbol":
        s = symbols.draw(d, height, frame)
    elif kind == "file":
        anim = image_files.load(d["file"])
        s = resize_to_height(from_rgba(anim.frames[frame % len(anim.frames)]), height)
    else:
        raise ValueError(f"unknown design kind {kind!r}")
    return s.frozen()
