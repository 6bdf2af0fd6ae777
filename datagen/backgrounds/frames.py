"""Frame folders as backgrounds: DAVIS / YouTube-VOS `JPEGImages/<video>/00000.jpg`, or any
folder of numbered images (sorted by number), windowed like a video.

    background:
      - type: frames
        paths: [/data/DAVIS]        # finds JPEGImages/*/<video>/ below it
        stride: 1
        folder_fps: 24              # the folders' frame rate, used only with `fps:`

The plan records the folder, the window's frame indices and their file names. Images are
read with OpenCV (JPEG decoded at 1/2, 1/4 or 1/8 size when the fit scales down that much),
cropped and scaled by the same fit plan as videos. An image that does not decode or has
another size than the folder's first frame skips the window (`undecodable_frame`,
`frame_size_mismatch`).
"""
from __future__ import annotations

import os
from typing import Literal

import cv2
import numpy as np
from pydantic import Field

from datagen.backgrounds.base import register_background
from datagen.errors import InputSkipped
from datagen.footage.fit import apply_fit, plan_fit, reduction
from datagen.footage.source import (
    BACKGROUND_KINDS,
    KIND_HANDLERS,
    FootageSource,
    FootageSpec,
    KindHandler,
    WindowFields,
    fixed_stride,
    sample_stride,
)
from datagen.recipe.schema import ClipSpec, Strict

_REDUCED = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
            8: cv2.IMREAD_REDUCED_COLOR_8}


class FramesFields(Strict):
    folder_fps: float = Field(24.0, gt=0, le=1000, description="frame rate of frame folders (for `fps:`)")


class FramesSpec(FramesFields, WindowFields, FootageSpec):
    type: Literal["frames"] = "frames"


def read_rgb(path: str, reduce: int = 1) -> np.ndarray | None:
    """An image as RGB uint8 (EXIF orientation applied), JPEGs decoded at 1/`reduce` size."""
    is_jpeg = os.path.splitext(path)[1].lower() in (".jpg", ".jpeg")
    img = cv2.imread(path, _REDUCED[reduce if is_jpeg else 1])
    if img is None:
        return None
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def span(spec, entry: dict, clip: ClipSpec) -> int:
    return (clip.frames - 1) * fixed_stride(spec, spec.folder_fps) + 1


def plan_frames(spec, rng: np.random.Generator, entry: dict, clip: ClipSpec) -> dict:
    stride = sample_stride(spec, rng, spec.folder_fps)
    last = entry["frames"] - ((clip.frames - 1) * stride + 1)
    if last < 0:
        raise InputSkipped("too_short")
    start = int(rng.integers(0, last + 1))
    idx = [start + j * stride for j in range(clip.frames)]
    fit = plan_fit(rng, spec.fit.sample(rng), entry["width"], entry["height"], clip.width, clip.height,
                   1.0, float(spec.band_position.sample(rng)))
    return {"fps": spec.folder_fps, "size": [entry["width"], entry["height"]],
            "window": {"start": start, "stride": stride, "frames": idx, "files": [entry["names"][i] for i in idx]},
            "fit": fit}


def render_frames(spec, plan: dict, clip: ClipSpec) -> np.ndarray:
    fit = plan["fit"]
    reduce = reduction(fit)
    w, h = plan["size"]
    out = np.empty((clip.frames, clip.height, clip.width, 3), np.uint8)
    for t, name in enumerate(plan["window"]["files"]):
        img = read_rgb(os.path.join(plan["path"], name), reduce)
        if img is None:
            raise InputSkipped("undecodable_frame", os.path.join(plan["path"], name))
        if (img.shape[1], img.shape[0]) != (-(-w // reduce), -(-h // reduce)):
            raise InputSkipped("frame_size_mismatch", os.path.join(plan["path"], name))
        out[t] = apply_fit(img, fit, clip.width, clip.height)
    return out


KIND_HANDLERS["frames"] = KindHandler(span, plan_frames, render_frames)
BACKGROUND_KINDS["frames"] = ("frames",)


@register_background
class FramesBackground(FootageSource):
    Spec = FramesSpec
