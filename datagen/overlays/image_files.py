"""User logo and icon files: RGBA PNG/WebP/GIF (animated GIF, APNG and WebP too) from a folder.

A folder is scanned once per process, in sorted path order: every regular, non-hidden
file is opened and fully decoded (all frames of an animation, up to MAX_FRAMES). Files
that fail are listed as broken: the recipe's `preflight()` counts them for the
manifest, and planning only ever picks good files. Alpha is kept as stored, so a
logo's transparent holes stay out of the mask. Very large images are shrunk on load
(MAX_SIDE) since an overlay is at most a fraction of a frame, and long animations are
cut at MAX_FRAMES / MAX_BYTES so a worker's cache stays small.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageSequence

from datagen.errors import InputSkipped

MAX_FRAMES = 240
MAX_SIDE = 512
MAX_BYTES = 32 * 1024 * 1024  # decoded RGBA per file: long animations are cut short
DEFAULT_FRAME_MS = 100
MIN_FRAME_MS = 20  # browsers show GIF frames shorter than this for 100 ms; so do we


@dataclass(frozen=True)
class ImageEntry:
    path: str
    width: int
    height: int
    frames: int


@dataclass(frozen=True)
class FolderScan:
    good: tuple[ImageEntry, ...]
    broken: tuple[tuple[str, str], ...]  # (path, reason)


@dataclass(frozen=True)
class Animation:
    frames: tuple[np.ndarray, ...]  # (h, w, 4) uint8 RGBA, read-only
    durations_ms: tuple[int, ...]

    def index_at(self, seconds: float) -> int:
        """The frame shown `seconds` after the animation started (it loops)."""
        total = sum(self.durations_ms)
        if len(self.frames) == 1 or total <= 0:
            return 0
        t = int(round(seconds * 1000.0)) % total
        acc = 0
        for i, d in enumerate(self.durations_ms):
            acc += d
            if t < acc:
                return i
        return len(self.frames) - 1


def _frame_ms(im: Image.Image) -> int:
    d = im.info.get("duration")
    if not isinstance(d, (int, float)) or d < MIN_FRAME_MS:
        return DEFAULT_FRAME_MS
    return int(d)


def _decode(path: str) -> Animation:
    """Decode every frame of an image file to RGBA; raises on any problem."""
    with Image.open(path) as im:
        frames, durations = [], []
        for frame in ImageSequence.Iterator(im):
            rgba = frame.convert("RGBA")
            if max(rgba.size) > MAX_SIDE:
                k = MAX_SIDE / max(rgba.size)
                rgba = rgba.resize((max(1, round(rgba.width * k)), max(1, round(rgba.height * k))),
                                   Image.Resampling.LANCZOS)
            arr = np.array(rgba, dtype=np.uint8)
            arr.flags.writeable = False
            frames.append(arr)
            durations.append(_frame_ms(frame))
            if len(frames) >= MAX_FRAMES or len(frames) * arr.nbytes >= MAX_BYTES:
                break
    if not frames:
        raise ValueError("no frames")
    if not any(f[..., 3].any() for f in frames):
        raise ValueError("fully transparent")
    return Animation(tuple(frames), tuple(durations))


@lru_cache(maxsize=16)
def load(path: str) -> Animation:
    """The decoded frames of one file (cached per process); InputSkipped when unreadable."""
    try:
        return _decode(path)
    except Exception as e:  # Pillow raises many types (OSError, SyntaxError, ValueError, struct.error...)
        raise InputSkipped("image_unreadable", f"{path}: {type(e).__name__}: {e}") from None


def candidates(folder: str | os.PathLike) -> list[str]:
    """Every regular, non-hidden file under `folder`, in sorted order."""
    root = Path(folder)
    out = []
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not p.is_file():
            continue
        out.append(str(p))
    return out


@lru_cache(maxsize=16)
def scan(folder: str) -> FolderScan:
    """Decode every file of a folder once (sorted order): usable images and broken files."""
    good, broken = [], []
    for path in candidates(folder):
        try:
            anim = _decode(path)
        except Exception as e:  # see load()
            broken.append((path, f"{type(e).__name__}: {e}"))
            continue
        h, w = anim.frames[0].shape[:2]
        good.append(ImageEntry(path, w, h, len(anim.frames)))
    return FolderScan(tuple(good), tuple(broken))
