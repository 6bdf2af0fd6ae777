"""Video files as backgrounds: a random window of T frames at a frame stride, decoded by ffmpeg.

    background:
      - type: video
        paths: [/data/films, "/data/clips/**/*.mp4"]
        stride: 2                 # or fps: 12 (stride = round(source fps / 12))
        fit: cover                # letterbox | band
        max_preroll: 24           # optional: start windows near keyframes (faster, see below)

The plan records the source file, its frame rate, and the window's frame indices and
timestamps (`time_s`, seconds from the file's start: first frame time + index / fps).
Rendering seeks to half a frame before the first timestamp, so the first frame out is
exactly that frame (checked against ffmpeg's own timestamp; a container that seeks past
it is decoded again from 10 s earlier), then keeps every stride-th frame. For
variable-frame-rate files the indices are nominal: the window starts at the first frame
at or after `time_s[0]` and takes every stride-th decoded frame.

Cost: ffmpeg must decode from the keyframe before the window. On long-GOP footage (x264's
default is one keyframe per 250 frames) that preroll dominates; `max_preroll: N` lets
windows start only within N frames after a keyframe known from the index (files up to
1 GiB are scanned for keyframes), trading a little uniformity for less decoding (1.6x faster
with `max_preroll: 12` on the 1080p, 250-frame-GOP benchmark; see tools/bench_cases/background_video.py).
"""
from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from datagen.backgrounds.base import register_background
from datagen.errors import InputSkipped
from datagen.footage.ffmpeg import DecodeTimeout, decode_frames
from datagen.footage.fit import ffmpeg_filter, plan_fit
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
from datagen.recipe.dist import Int
from datagen.recipe.schema import ClipSpec, Strict

RESEEK_S = 10.0  # how much earlier to seek when a container's seek lands past the window


class VideoFields(Strict):
    max_preroll: Int(0, 100000) | None = Field(
        None, description="start windows at most this many frames after a keyframe (decode cost); null: anywhere")


class VideoSpec(VideoFields, WindowFields, FootageSpec):
    type: Literal["video"] = "video"


def _window_start(rng: np.random.Generator, last: int, keyframes: list[int], max_preroll: int | None) -> int:
    """A start frame in [0, last], uniform, or uniform over the frames near a keyframe."""
    if max_preroll is None or not keyframes:
        return int(rng.integers(0, last + 1))
    spans: list[list[int]] = []
    for k in keyframes:
        if k > last:
            break
        hi = min(k + max_preroll, last)
        if spans and k <= spans[-1][1] + 1:
            spans[-1][1] = max(spans[-1][1], hi)
        else:
            spans.append([k, hi])
    if not spans:
        return int(rng.integers(0, last + 1))
    sizes = np.array([b - a + 1 for a, b in spans])
    u = int(rng.integers(0, int(sizes.sum())))
    i = int(np.searchsorted(np.cumsum(sizes), u, side="right"))
    return spans[i][0] + u - int(sizes[:i].sum())


def span(spec, entry: dict, clip: ClipSpec) -> int:
    return (clip.frames - 1) * fixed_stride(spec, entry["fps"]) + 1


def plan_video(spec, rng: np.random.Generator, entry: dict, clip: ClipSpec) -> dict:
    fps = entry["fps"]
    stride = sample_stride(spec, rng, fps)
    last = entry["frames"] - ((clip.frames - 1) * stride + 1)
    if last < 0:
        raise InputSkipped("too_short")
    max_preroll = getattr(spec, "max_preroll", None)
    start = _window_start(rng, last, entry.get("keyframes") or [],
                          None if max_preroll is None else int(max_preroll.sample(rng)))
    frames = [start + j * stride for j in range(clip.frames)]
    fit = plan_fit(rng, spec.fit.sample(rng), entry["width"], entry["height"], clip.width, clip.height,
                   entry.get("sar", 1.0), float(spec.band_position.sample(rng)))
    return {"fps": fps, "size": [entry["width"], entry["height"]],
            "window": {"start": start, "stride": stride, "frames": frames,
                       "time_s": [round(entry["t0"] + f / fps, 6) for f in frames]},
            "fit": fit}


def render_video(spec, plan: dict, clip: ClipSpec) -> np.ndarray:
    win, fps = plan["window"], plan["fps"]
    first = win["time_s"][0]
    seek = max(0.0, first - 0.5 / fps)
    vf = ffmpeg_filter(plan["fit"], clip.width, clip.height)
    for pre in (0.0, RESEEK_S):
        start = max(0.0, seek - pre)
        try:
            frames, stamps = decode_frames(plan["path"], start, clip.frames, win["stride"], vf, clip.width,
                                           clip.height, spec.timeout, trim_s=seek - start)
        except DecodeTimeout:
            raise InputSkipped("decode_timeout") from None
        if not stamps:
            raise InputSkipped("decode_failed", f"{plan['path']}: no frame at {first:.3f} s")
        if stamps[0] < (seek - start) + 1.5 / fps:  # no overshoot: the first frame is the window's
            if len(frames) < clip.frames:
                raise InputSkipped("decode_failed", f"{plan['path']}: {len(frames)} of {clip.frames} frames")
            return frames
        if start == 0.0:
            break
    raise InputSkipped("seek_inaccurate", f"{plan['path']}: seeking to {first:.3f} s lands later")


KIND_HANDLERS["video"] = KindHandler(span, plan_video, render_video)
BACKGROUND_KINDS["video"] = ("video",)


@register_background
class VideoBackground(FootageSource):
    Spec = VideoSpec
