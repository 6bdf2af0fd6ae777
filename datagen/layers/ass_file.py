"""Users' own .ass/.ssa subtitle files, drawn with their own styles and override tags.

`type: ass` renders a window of a real subtitle file with libass (colours, outlines,
shadows, `\\pos`, `\\move`, `\\fad`, karaoke tags, fonts, PlayRes scaling: everything
libass does), recovers the exact per-pixel alpha and colour (datagen/text/ass.py) and
composites that with our compositor, so the mask is exact. Windows are chosen so an
event is on screen; timings are the file's own. (For a file's text only, drawn in our
random styles, use `type: subtitle` with `texts: [{subtitles: FILE}]`.)

Fonts named by the file's styles are looked up in the bundled fonts/ and in `fonts_dir`;
a missing family falls back to a bundled font and is listed in `json` under
`missing_fonts`.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field

from datagen.errors import InputSkipped
from datagen.layers.base import Layer, LayerSpec, register_layer
from datagen.recipe.schema import ClipSpec
from datagen.text import ass as assmod
from datagen.text.fonts import FontCatalog

ASS_EXTS = (".ass", ".ssa")


class AssSpec(LayerSpec):
    type: Literal["ass"] = "ass"
    files: list[str] = Field(min_length=1, description=".ass/.ssa files, drawn with their own styles")
    fonts_dir: str | None = Field(None, description="folder with the fonts the files name (bundled fonts/ always used)")

    def check_files(self) -> list[tuple[str, str]]:
        out = []
        for i, f in enumerate(self.files):
            p = Path(f)
            if p.suffix.lower() not in ASS_EXTS:
                out.append((f"files[{i}]", f"{f}: not an .ass/.ssa file (use type: subtitle for .srt/.vtt)"))
            elif not p.is_file():
                out.append((f"files[{i}]", f"file not found: {f}"))
            else:
                try:
                    if not load_track(str(p)):
                        out.append((f"files[{i}]", f"{f} holds no dialogue events with text"))
                except ValueError as e:
                    out.append((f"files[{i}]", str(e)))
        if self.fonts_dir and not Path(self.fonts_dir).is_dir():
            out.append(("fonts_dir", f"font folder not found: {self.fonts_dir}"))
        if not out and assmod.ass_problem():
            out.append(("files", f"cannot render .ass files: {assmod.ass_problem()}"))
        return out


@lru_cache(maxsize=32)
def load_track(path: str) -> tuple[dict, ...]:
    """The file's dialogue events: start/end ms, style, font family, plain text."""
    import pysubs2

    try:
        subs = pysubs2.load(path, encoding="utf-8")
    except (pysubs2.exceptions.Pysubs2Error, ValueError, KeyError, IndexError, UnicodeDecodeError) as e:
        raise ValueError(f"{path} is not a valid .ass/.ssa file ({type(e).__name__}: {e})") from None
    out = []
    for ev in subs:
        if ev.is_comment or ev.end <= ev.start or not ev.plaintext.strip():
            continue
        style = subs.styles.get(ev.style)
        fonts = [style.fontname] if style else []
        fonts += re.findall(r"\\fn([^\\}]+)", ev.text)
        out.append({"start_ms": int(ev.start), "end_ms": int(ev.end), "style": ev.style,
                    "fonts": sorted(set(f.strip().lstrip("@") for f in fonts if f.strip())),
                    "text": ev.plaintext.strip()})
    out.sort(key=lambda e: (e["start_ms"], e["end_ms"]))
    return tuple(out)


@lru_cache(maxsize=8)
def _families(dirs: tuple[str, ...]) -> frozenset:
    names = set()
    for d in dirs:
        names |= {f.lower() for f in FontCatalog.scan(d).families()}
    return frozenset(names)


@register_layer
class AssLayer(Layer):
    Spec = AssSpec

    def __init__(self, spec: AssSpec, resources=None):
        super().__init__(spec, resources)
        self.font_dirs = assmod.default_font_dirs(spec.fonts_dir)

    def plan(self, rng: np.random.Generator, clip: ClipSpec) -> dict:
        path = self.spec.files[int(rng.integers(len(self.spec.files)))]
        try:
            track = load_track(path)
        except (ValueError, OSError):
            raise InputSkipped("ass_unreadable", path) from None
        if not track:
            raise InputSkipped("ass_no_events", path)
        ev = track[int(rng.integers(len(track)))]
        # first frames k whose window [k, k + T) shows part of this event
        frames_per_ms = assmod.frame_rate(clip.fps) / 1000
        lo = max(0, int(math.ceil(ev["start_ms"] * frames_per_ms)) - clip.frames + 1)
        hi = max(lo, int(math.floor(ev["end_ms"] * frames_per_ms)))
        k = int(rng.integers(lo, hi + 1))
        shown = []
        for e in track:
            on = [t for t in range(clip.frames) if e["start_ms"] <= assmod.frame_ms(k + t, clip.fps) < e["end_ms"]]
            if on:
                shown.append({"start": on[0], "end": on[-1] + 1, "style": e["style"], "text": e["text"],
                              "fonts": e["fonts"]})
        known = _families(self.font_dirs)
        missing = sorted({f for e in shown for f in e["fonts"] if f.lower() not in known})
        plan = {"file": str(path), "fps": clip.fps, "start_frame": k,
                "window_start_s": round(assmod.frame_ms(k, clip.fps) / 1000, 3), "events": shown}
        if missing:
            plan["missing_fonts"] = missing
        return plan

    def render(self, plan: dict, canvas) -> None:
        try:
            rgb, alpha = assmod.render_overlay(plan["file"], canvas.W, canvas.H, plan["fps"], plan["start_frame"],
                                               canvas.T, self.font_dirs)
        except (RuntimeError, OSError) as e:  # nothing drawn yet: skip this file's window, count it
            raise InputSkipped("ass_render_failed", str(e)) from None
        for t in range(canvas.T):
            if alpha[t].any():
                canvas.overlay(t, 0, 0, rgb[t], alpha[t])
