"""What the footage background types share: the recipe spec, the index, picking a source.

`FootageSource.plan` picks a usable source from the index (uniformly, or weighted by how
many windows it holds), then hands it to the handler for its kind (`video`, `frames`,
`still`), which draws the window, the fit and the camera motion. `render` decodes the plan
and runs the quality filters; a rejected window raises `InputSkipped(reason)`, which the
sample builder counts and answers with a fresh plan from the same random stream.

Setup (`preflight`, once in the driver): find the sources, probe the new or changed ones
into the index cache next to the output (or at `index:`), count the unusable ones per
reason, and stop with a clear error when none is usable. Workers read the same cache, so
every process sees the same sources in the same order.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from datagen.backgrounds.base import BackgroundSource, BackgroundSpec
from datagen.errors import UserError
from datagen.footage import discover, filters
from datagen.footage.fit import FIT_MODES
from datagen.footage.index import FootageIndex, index_location, probe, skip_counts
from datagen.recipe.dist import Cat, Int, Num
from datagen.recipe.schema import ClipSpec, Strict

KIND_NAMES = {"video": "video files", "frames": "frame folders", "still": "still images"}


class FootageFilters(Strict):
    """Window rejection thresholds (see datagen/footage/filters.py); null turns a test off."""

    cut: Num(0, 1) | None = Field(0.5, description="reject a window where consecutive frames' colour histograms "
                                                    "differ by more than this (0..1): a shot cut")
    static: Num(0, 255) | None = Field(0.2, description="reject a window whose mean luma change per frame is "
                                                       "below this (8-bit levels): nearly static")
    black: Num(0, 255) | None = Field(12.0, description="frames with mean luma below this are black; reject a "
                                                       "window that is more than half black")
    text: Num(0, 1) | None = Field(None, description="reject a window whose lower band has persistent text-like "
                                                     "edges above this density (try 0.05); off by default")


class FootageSpec(BackgroundSpec):
    """Fields of every footage background type."""

    paths: list[str] = Field(min_length=1, description="files, folders or glob patterns")
    index: str | None = Field(None, description="index cache file (default: OUT/footage-index.json)")
    fit: Cat(FIT_MODES) = Field("cover", description="cover (crop to fill), letterbox, or band "
                                                     "(native-resolution crop of the lower band)")
    band_position: Num(0, 1) = Field({"uniform": [0.78, 0.9]},
                                     description="fit=band: vertical centre of the band, fraction of the frame height")
    pick: Cat(["source", "windows"]) = Field("source", description="source: every source equally likely; windows: "
                                                                    "weighted by how many windows a source holds")
    filters: FootageFilters = FootageFilters()
    timeout: float = Field(60.0, gt=0, le=3600, description="seconds allowed for one probe or decode")

    def check_files(self) -> list[tuple[str, str]]:
        """Patterns that match nothing; and when `paths` names only files, all of them broken.

        Folders and globs are probed later, once, by `preflight` (they may hold thousands
        of files); a few files named one by one are probed here, before any output is touched.
        """
        found = discover.discover(self.paths, self.source_kinds())
        out = [(f"paths[{self.paths.index(p)}]", f"nothing matches {p!r}") for p in found.unmatched]
        if not out and not found.items and not found.unreadable:
            what = " or ".join(KIND_NAMES[k] for k in self.source_kinds())
            out.append(("paths", f"no {what} found in {self.paths}"))
        named = all(not discover.is_glob(p) and os.path.isfile(os.path.expanduser(p)) for p in self.paths)
        if not out and named and found.items:
            entries = [probe(kind, path, self.timeout) for kind, path in found.items]
            if all("skip" in e for e in entries):
                e = entries[0]
                detail = f" ({e['detail']})" if e.get("detail") else ""
                out.append(("paths", f"{e['path']}: cannot be used: {e['skip']}{detail}"))
        return out

    def source_kinds(self) -> tuple[str, ...]:
        return tuple(BACKGROUND_KINDS[self.type])

    def preflight(self, resources=None) -> dict[str, int]:
        """Build or refresh the index cache; count unusable sources; fail when none is left.

        The cache is written only when the run can go on: a failing command leaves OUT as it was.
        """
        out = getattr(resources, "out", None)
        index, entries, found, probed = load_entries(self, out, progress=sys.stderr.isatty())
        counts = skip_counts(entries)
        if found.unreadable:
            counts["unreadable"] = counts.get("unreadable", 0) + len(found.unreadable)
        usable = [e for e in entries if "skip" not in e]
        clip = getattr(resources, "clip", None)  # known when the engine passes it (see report)
        if clip is not None and usable:
            fits = [e for e in usable if can_hold(self, e, clip)]
            if len(fits) < len(usable):
                counts["too_short"] = len(usable) - len(fits)
            usable = fits
        if not usable:
            problems = ", ".join(f"{n} {r}" for r, n in sorted(counts.items())) or "none found"
            raise UserError(f"background (type {self.type}): no usable source in {self.paths} ({problems})")
        if probed:
            save_index(index, index_location(self.index, out))
        return dict(sorted(counts.items()))


BACKGROUND_KINDS: dict[str, tuple[str, ...]] = {}
"""Source kinds each footage background type takes (filled in by the type modules)."""

KIND_HANDLERS: dict[str, KindHandler] = {}
"""kind -> handler; filled in by datagen/backgrounds/{video,frames,stills}.py."""


class KindHandler:
    """How one kind of source is windowed and decoded."""

    span: Callable[[Any, dict, ClipSpec], int]  # frames of the source one window covers
    plan: Callable[[Any, np.random.Generator, dict, ClipSpec], dict]
    render: Callable[[Any, dict, ClipSpec], np.ndarray]

    def __init__(self, span, plan, render):
        self.span, self.plan, self.render = span, plan, render


def can_hold(spec, entry: dict, clip: ClipSpec) -> bool:
    """Whether a source is long enough for one window of the clip."""
    return KIND_HANDLERS[entry["kind"]].span(spec, entry, clip) <= entry.get("frames", 1 << 62)


def windows_in(spec, entry: dict, clip: ClipSpec) -> int:
    if "frames" not in entry:
        return 1
    return max(0, entry["frames"] - KIND_HANDLERS[entry["kind"]].span(spec, entry, clip) + 1)


def load_entries(spec: FootageSpec, out: str | None, progress: bool = False):
    """(index, entries of every source the spec names sorted by path, what was found, how many probed).

    Sources new to the cache, or changed since, are probed; nothing is written.
    """
    found = discover.discover(spec.paths, spec.source_kinds())
    index = FootageIndex.load(index_location(spec.index, out))
    entries, probed = index.update(found.items, spec.timeout, progress=progress and len(found.items) >= 8)
    return index, entries, found, probed


def save_index(index: FootageIndex, location: str | None) -> None:
    if not location:
        return
    try:
        index.save(location)
    except OSError as e:
        raise UserError(f"cannot write the footage index ({e.strerror or e})", path=location) from None


class FootageSource(BackgroundSource):
    """Base of the footage background types; subclasses set `Spec`."""

    Spec: ClassVar[type[FootageSpec]]

    def __init__(self, spec: FootageSpec, resources: Any = None):
        from datagen.resources import Resources

        super().__init__(spec, resources)
        self._cache = resources if resources is not None else Resources()

    def _usable(self) -> list[dict]:
        out = getattr(self.resources, "out", None)
        key = ("datagen.footage.entries", self.spec.model_dump_json(), out)
        return self._cache.get(key, lambda: [e for e in load_entries(self.spec, out)[1] if "skip" not in e])

    def _eligible(self, clip: ClipSpec, pick: str) -> tuple[list[dict], np.ndarray]:
        """Sources long enough for the clip, with cumulative pick weights (cached per process)."""
        def build():
            usable = self._usable()
            ok = [e for e in usable if can_hold(self.spec, e, clip)]
            if not ok:
                longest = max((e.get("frames", 0) for e in usable), default=0)
                raise UserError(
                    f"background (type {self.spec.type}): no usable source in {self.spec.paths} is long enough "
                    f"for a {clip.frames}-frame window ({len(usable)} usable sources, longest {longest} frames)")
            w = np.array([1.0 if pick == "source" else windows_in(self.spec, e, clip) for e in ok], np.float64)
            return ok, np.cumsum(w)

        key = ("datagen.footage.eligible", self.spec.model_dump_json(), getattr(self.resources, "out", None),
               clip.model_dump_json(), pick)
        return self._cache.get(key, build)

    def plan(self, rng: np.random.Generator, clip: ClipSpec) -> dict:
        pick = self.spec.pick.sample(rng)
        entries, cum = self._eligible(clip, pick)
        entry = entries[min(int(np.searchsorted(cum, rng.random() * cum[-1], side="right")), len(entries) - 1)]
        body = KIND_HANDLERS[entry["kind"]].plan(self.spec, rng, entry, clip)
        f = self.spec.filters
        thresholds = {k: (None if getattr(f, k) is None else round(float(getattr(f, k).sample(rng)), 4))
                      for k in ("cut", "static", "black", "text")}
        return {"source": entry["kind"], "path": entry["path"], **body, "filters": thresholds}

    def render(self, plan: dict, clip: ClipSpec) -> np.ndarray:
        frames = KIND_HANDLERS[plan["source"]].render(self.spec, plan, clip)
        filters.check_window(frames, plan["filters"])
        return frames


def sample_stride(spec, rng: np.random.Generator, source_fps: float | None) -> int:
    """Frames of the source between two clip frames: `stride`, or from the `fps` target."""
    target = getattr(spec, "fps", None)
    if target is not None and source_fps:
        return max(1, round(source_fps / float(target.sample(rng))))
    return int(spec.stride.sample(rng))


def fixed_stride(spec, source_fps: float | None) -> int:
    """The smallest stride a spec can draw (for the shortest window a source must hold)."""
    target = getattr(spec, "fps", None)
    if target is not None and source_fps:
        return max(1, round(source_fps / target.support()[1]))
    return int(spec.stride.support()[0])


class WindowFields(Strict):
    """Window fields of the types that read frame sequences (videos, frame folders)."""

    stride: Int(1, 1000) = Field(1, description="source frames per clip frame (1 = every frame)")
    fps: Num(0.01, 1000) | None = Field(None, description="target frame rate: stride = round(source fps / fps), "
                                                          "instead of `stride`")
