"""DAVIS and YouTube-VOS annotation folders: find sequences, read label PNGs, take windows.

Layouts understood (the path given may be any of these levels):

    DAVIS/Annotations/480p/<sequence>/00000.png ...      (DAVIS 2016/2017)
    YouTubeVOS/train/Annotations/<video>/00000.png ...   (YouTube-VOS; every 5th frame)
    <root>/Annotations/<sequence>/*.png
    <root>/<sequence>/*.png                               (any folder of sequence folders)
    <sequence>/*.png                                      (one sequence)

A label PNG is an indexed (palette, mode "P") or grey image whose pixel values are
object ids, 0 being background; a binary 0/255 mask is one object with id 255.
Files are sorted by name. Broken inputs never stop a run: an unreadable, missing or
non-indexed file, or a window whose frames differ in size, raises
`InputSkipped`, which the sample builder counts and replaces with a fresh draw.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from datagen.errors import InputSkipped

LABEL_MODES = ("P", "L", "1", "I;16", "I")


@dataclass(frozen=True)
class Sequence:
    name: str
    dir: str
    files: tuple[str, ...]


@dataclass(frozen=True)
class AnnotationIndex:
    roots: tuple[str, ...]
    sequences: tuple[Sequence, ...]
    empty: int  # sequence folders without a single PNG


def annotation_root(path: Path) -> Path:
    """The folder whose sub-folders are sequences (or which is one sequence)."""
    for sub in ("Annotations/480p", "Annotations/Full-Resolution", "train/Annotations", "Annotations"):
        if (path / sub).is_dir():
            return path / sub
    return path


def scan(paths: list[str]) -> AnnotationIndex:
    seqs, empty = [], 0
    for given in paths:
        root = annotation_root(Path(given))
        own = sorted(f.name for f in root.glob("*.png"))
        if own:
            seqs.append(Sequence(root.name, str(root), tuple(own)))
            continue
        for d in sorted(p for p in root.iterdir() if p.is_dir()):
            files = sorted(f.name for f in d.glob("*.png"))
            if files:
                seqs.append(Sequence(d.name, str(d), tuple(files)))
            else:
                empty += 1
    return AnnotationIndex(tuple(paths), tuple(seqs), empty)


def check_folder(path: str) -> str | None:
    """A one-line problem with an annotation folder, or None."""
    p = Path(path)
    if not p.exists():
        return f"annotation folder not found: {path}"
    if not p.is_dir():
        return f"not a folder: {path}"
    if not scan([path]).sequences:
        return f"no label PNGs found under {path} (expected Annotations/480p/<sequence>/00000.png or <sequence>/*.png)"
    return None


def read_labels(path: str) -> np.ndarray:
    """Object ids of one label PNG as an (h, w) array (uint8 or uint16)."""
    try:
        with Image.open(path) as im:
            if im.mode not in LABEL_MODES:
                raise InputSkipped("annotation_not_indexed", f"{path} is {im.mode}, not an indexed or grey label image")
            a = np.array(im)
    except FileNotFoundError:
        raise InputSkipped("annotation_missing", path) from None
    except (OSError, SyntaxError, ValueError) as e:
        raise InputSkipped("annotation_unreadable", f"{path}: {e}") from None
    if a.dtype == bool:
        return a.astype(np.uint8) * 255
    return a.astype(np.uint16) if a.dtype.itemsize > 1 else a.astype(np.uint8)


def load_window(seq_dir: str, files: list[str]) -> np.ndarray:
    """(T, h, w) object ids of the given frames; every frame must have the same size."""
    frames = [read_labels(str(Path(seq_dir) / f)) for f in files]
    shapes = {f.shape for f in frames}
    if len(shapes) > 1:
        raise InputSkipped("annotation_size_mismatch", f"{seq_dir}: frames of sizes {sorted(shapes)}")
    return np.stack(frames)


def window_files(rng: np.random.Generator, seq: Sequence, frames: int, stride: int) -> tuple[list[str], bool]:
    """T file names from a random start; a sequence shorter than the window plays
    forward then backward (ping-pong). Returns (files, pingpong)."""
    n = len(seq.files)
    span = (frames - 1) * stride + 1
    if n >= span:
        start = int(rng.integers(0, n - span + 1))
        return [seq.files[start + k * stride] for k in range(frames)], False
    stride = max(1, min(stride, (n - 1) // max(1, frames - 1))) if n > 1 else 1
    run = list(seq.files[::stride]) if n > 1 else list(seq.files)
    cycle = run + run[-2:0:-1] if len(run) > 1 else run
    start = int(rng.integers(0, len(cycle)))
    return [cycle[(start + k) % len(cycle)] for k in range(frames)], True


def object_ids(labels: np.ndarray) -> list[int]:
    ids = np.unique(labels)
    return [int(i) for i in ids if i != 0]
