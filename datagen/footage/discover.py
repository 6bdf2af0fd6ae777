"""Turn the recipe's `paths` (files, folders, glob patterns) into sorted lists of sources.

Three kinds of source:

- **video**: a file with a video extension (mp4, mkv, mov, webm, avi, ...).
- **frames**: a folder holding a numbered image sequence (`00000.jpg, 00001.jpg, ...`), such as
  DAVIS / YouTube-VOS `JPEGImages/<video>/`. Next to a `JPEGImages` folder, only that folder is
  searched (its siblings, like `Annotations`, hold masks, not footage).
- **still**: any other image.

For `auto`, a folder of images counts as a frame sequence when its images (three or more) are
all named `<prefix><number>.<ext>` with one prefix and extension, the numbers advance by a
constant step (YouTube-VOS keeps every 5th frame) and the first and last image have the same
size; a same-size photo collection numbered without gaps looks the same, so name the type
(`frames` or `stills`) when that matters. Hidden files and folders
(`.name`, e.g. macOS `._clip.mp4`) are not searched. Everything is returned as
absolute paths in sorted order, so the same files always give the same lists.
"""
from __future__ import annotations

import glob
import itertools
import os
import re
from dataclasses import dataclass, field

VIDEO_EXTS = frozenset({".mp4", ".mkv", ".mov", ".webm", ".avi", ".m4v", ".mpg", ".mpeg", ".ts", ".wmv", ".flv"})
IMAGE_EXTS = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"})
KINDS = ("video", "frames", "still")
_NUMBERED = re.compile(r"^(.*?)(\d+)$")


@dataclass
class Found:
    """Sources found under a list of paths, plus what could not be read."""

    items: list[tuple[str, str]] = field(default_factory=list)  # (kind, absolute path), sorted
    unreadable: list[str] = field(default_factory=list)  # folders that could not be listed
    unmatched: list[str] = field(default_factory=list)  # patterns that matched nothing at all


def is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


def numbered(names: list[str]) -> list[str] | None:
    """Image names sorted by their number, or None when they are not one numbered series."""
    keyed = []
    for n in names:
        stem, ext = os.path.splitext(n)
        m = _NUMBERED.match(stem)
        if not m:
            return None
        keyed.append((m.group(1), ext.lower(), int(m.group(2)), n))
    if len({(k[0], k[1]) for k in keyed}) != 1:
        return None
    return [k[3] for k in sorted(keyed, key=lambda k: (k[2], k[3]))]


def _same_size(folder: str, a: str, b: str) -> bool:
    from PIL import Image

    try:
        with Image.open(os.path.join(folder, a)) as ia, Image.open(os.path.join(folder, b)) as ib:
            return ia.size == ib.size
    except Exception:  # noqa: BLE001 - an unreadable image is judged later, by the probe
        return True


def sequence_frames(names: list[str], strict: bool, folder: str = "") -> list[str] | None:
    """The frame order of a folder's image names, or None when it is not a frame sequence.

    `strict` (when stills are wanted too) also asks for three or more images, a constant step
    between the numbers and the same size for the first and last image.
    """
    images = [n for n in names if os.path.splitext(n)[1].lower() in IMAGE_EXTS]
    if len(images) < (3 if strict else 2):
        return None
    order = numbered(images)
    if order is None or not strict:
        return order
    nums = [int(_NUMBERED.match(os.path.splitext(n)[0]).group(2)) for n in order]
    steps = {b - a for a, b in itertools.pairwise(nums)}
    if len(steps) != 1 or steps.pop() <= 0:
        return None
    return order if _same_size(folder, order[0], order[-1]) else None


def list_frames(folder: str) -> list[str]:
    """Numbered image names of a frame folder in frame order (raises OSError)."""
    names = [e.name for e in os.scandir(folder) if e.is_file()]
    return sequence_frames(names, strict=False) or []


def _scan_dir(root: str, kinds: frozenset, strict: bool, found: Found) -> None:
    def onerror(e: OSError) -> None:
        found.unreadable.append(os.path.abspath(e.filename or root))

    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:  # a link back up the tree: do not loop
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        filenames = [f for f in filenames if not f.startswith(".")]  # hidden files (._x.mp4) are not footage
        if "JPEGImages" in dirnames:
            dirnames[:] = ["JPEGImages"]
        if "frames" in kinds and sequence_frames(filenames, strict, dirpath):
            found.items.append(("frames", os.path.abspath(dirpath)))
            dirnames[:] = []
            images_taken = True
        else:
            images_taken = False
        for name in sorted(filenames):
            ext = os.path.splitext(name)[1].lower()
            path = os.path.abspath(os.path.join(dirpath, name))
            if ext in VIDEO_EXTS and "video" in kinds:
                found.items.append(("video", path))
            elif ext in IMAGE_EXTS and "still" in kinds and not images_taken:
                found.items.append(("still", path))


def _classify_file(path: str, kinds: frozenset) -> str | None:
    ext = os.path.splitext(path)[1].lower()
    if ext in VIDEO_EXTS and "video" in kinds:
        return "video"
    if ext in IMAGE_EXTS and "still" in kinds:
        return "still"
    return None


def discover(patterns: list[str], kinds: tuple[str, ...] = KINDS) -> Found:
    """Every source of the given kinds under `patterns` (files, folders or globs).

    A file named explicitly is taken by its extension; a folder is searched recursively.
    """
    want = frozenset(kinds)
    found = Found()
    for pattern in patterns:
        expanded = os.path.expanduser(pattern)
        matches = sorted(glob.glob(expanded, recursive=True)) if is_glob(expanded) else [expanded]
        before = len(found.items) + len(found.unreadable)
        for m in matches:
            if os.path.isdir(m):
                # only when stills are wanted too must frame folders be told from photo folders
                _scan_dir(m, want, "still" in want, found)
            elif os.path.isfile(m):
                kind = _classify_file(m, want)
                if kind:
                    found.items.append((kind, os.path.abspath(m)))
            elif os.path.lexists(m) and not os.path.exists(m):
                found.unreadable.append(os.path.abspath(m))  # a dangling link
        if len(found.items) + len(found.unreadable) == before:
            found.unmatched.append(pattern)
    found.items = sorted(set(found.items), key=lambda kp: (kp[1], kp[0]))
    found.unreadable = sorted(set(found.unreadable))
    return found
