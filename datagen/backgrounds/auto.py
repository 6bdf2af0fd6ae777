"""`type: auto`: whatever footage is under the given paths: videos, frame folders and stills.

This is what `datagen generate RECIPE --background PATH_OR_GLOB` (and `make dataset
BACKGROUND=...`) turns into. The paths are sorted into video files, frame folders (a folder
of images numbered with a constant step, e.g. DAVIS / YouTube-VOS `JPEGImages/<video>/`) and
still images (see datagen/footage/discover.py), and each clip picks one of them (every source
equally likely, or `pick: windows`). It takes every option of `video`, `frames` and `stills`:

    background:
      - type: auto
        paths: [/data/footage]
        stride: 1
        fit: cover
"""
from __future__ import annotations

from typing import Literal

from datagen.backgrounds import frames as _frames
from datagen.backgrounds import stills as _stills
from datagen.backgrounds import video as _video
from datagen.backgrounds.base import register_background
from datagen.footage.source import (
    BACKGROUND_KINDS,
    FootageSource,
    FootageSpec,
    WindowFields,
)


class AutoSpec(_stills.StillsFields, _frames.FramesFields, _video.VideoFields, WindowFields, FootageSpec):
    type: Literal["auto"] = "auto"


BACKGROUND_KINDS["auto"] = ("video", "frames", "still")


@register_background
class AutoBackground(FootageSource):
    Spec = AutoSpec
