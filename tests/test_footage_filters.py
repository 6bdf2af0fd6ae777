"""Fit geometry (cover, letterbox, subtitle band) and the window quality filters."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from datagen.errors import InputSkipped
from datagen.footage import filters as F
from datagen.footage.fit import apply_fit, ffmpeg_filter, plan_fit


@pytest.mark.parametrize("src", [(1920, 1080), (1080, 1920), (854, 480), (640, 640), (721, 405)])
def test_cover_keeps_the_aspect_and_stays_inside(src):
    rng = np.random.default_rng(0)
    for _ in range(10):
        f = plan_fit(rng, "cover", *src, 432, 240)
        x, y, w, h = f["crop"]
        assert 0 <= x and x + w <= src[0] and 0 <= y and y + h <= src[1]
        assert x % 2 == y % 2 == w % 2 == h % 2 == 0
        assert abs(w / h - 432 / 240) < 0.02 and f["scale"] == [432, 240] and f["pad"] == [0, 0]
        assert w >= src[0] - 2 or h >= src[1] - 2  # the largest such crop


def test_anamorphic_source_is_corrected():
    f = plan_fit(np.random.default_rng(0), "cover", 720, 576, 1024, 576, sar=64 / 45)  # PAL 16:9
    w, h = f["crop"][2:]
    assert abs(w * 64 / 45 / h - 1024 / 576) < 0.01 and w >= 718


def test_letterbox_centres_the_whole_frame():
    f = plan_fit(np.random.default_rng(0), "letterbox", 1080, 1920, 432, 240)
    assert f["crop"] == [0, 0, 1080, 1920] and f["scale"][1] == 240 and f["scale"][0] == 135
    assert f["pad"] == [(432 - 135) // 2, 0]
    img = np.full((1920, 1080, 3), 200, np.uint8)
    out = apply_fit(img, f, 432, 240)
    assert out.shape == (240, 432, 3) and out[:, :148].max() == 0 and out[:, 150:280].min() == 200
    assert "pad=432:240:148:0" in ffmpeg_filter(f, 432, 240)


def test_band_is_a_native_crop_of_the_lower_band():
    rng = np.random.default_rng(0)
    for _ in range(10):
        f = plan_fit(rng, "band", 1920, 1080, 640, 120, band_position=0.88)
        x, y, w, h = f["crop"]
        assert (w, h) == (640, 120) and f["scale"] == [640, 120]
        assert abs(y + 60 - 0.88 * 1080) <= 2 and 0 <= x <= 1280
        assert "scale" not in ffmpeg_filter(f, 640, 120)
    small = plan_fit(rng, "band", 480, 270, 640, 120, band_position=0.95)  # too small: scaled up
    assert small["crop"][2] == 480 and small["crop"][1] + small["crop"][3] == 270


def moving_clip(T=8, H=72, W=128, seed=0, level=120):
    """A textured picture panning right: plenty of motion, one shot."""
    rng = np.random.default_rng(seed)
    tex = cv2.GaussianBlur(rng.integers(0, 255, (H, W + 4 * T, 3), dtype=np.uint8), (9, 9), 0)
    tex = cv2.normalize(tex, None, level - 60, level + 60, cv2.NORM_MINMAX)
    return np.stack([tex[:, 4 * t:4 * t + W] for t in range(T)])


THRESHOLDS = {"cut": 0.5, "static": 0.2, "black": 12.0, "text": 0.05}


def reason(frames, **over):
    try:
        F.check_window(frames, {**THRESHOLDS, **over})
    except InputSkipped as e:
        return e.reason
    return None


def test_filters_pass_a_normal_window_and_reject_bad_ones():
    clip = moving_clip()
    assert reason(clip) is None
    cut = np.concatenate([clip[:4], 255 - moving_clip(seed=1)[4:]])
    assert reason(cut) == "shot_cut" and reason(cut, cut=None) is None
    frozen = np.repeat(clip[:1], 8, axis=0)
    assert reason(frozen) == "static" and reason(frozen, static=None) is None
    dark = moving_clip(level=5) // 4
    assert reason(dark) == "black"
    half_dark = clip.copy()
    half_dark[:3] //= 20  # fewer than half the frames are black (the jump to light is a cut, though)
    assert reason(half_dark, cut=None) is None and reason(half_dark, cut=None, black=200) == "black"


def test_text_band_filter_finds_burnt_in_subtitles():
    clip = moving_clip(T=8, H=144, W=256)
    subbed = clip.copy()
    for f in subbed:
        cv2.putText(f, "Hello there, friend", (30, 130), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (0, 0, 0), 4, cv2.LINE_AA)
        cv2.putText(f, "Hello there, friend", (30, 130), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2, cv2.LINE_AA)
    assert F.text_score(clip) < 0.02 and F.text_score(subbed) > 0.05
    assert reason(subbed) == "text_band" and reason(subbed, text=None) is None
    top = clip.copy()  # text at the top is outside the band it searches
    for f in top:
        cv2.putText(f, "Hello there, friend", (30, 25), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2)
    assert reason(top) is None
