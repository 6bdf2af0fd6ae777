"""Compositor: exact integer blending, thresholds, holes, dilation, per-layer boxes."""
from __future__ import annotations

import numpy as np
import pytest

from datagen.compose import Canvas
from datagen.recipe.schema import MaskSpec


def clip(T=3, H=20, W=30, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (T, H, W, 3), dtype=np.uint8)


def test_overlay_is_exact_integer_blend_and_only_inside_mask():
    clean = clip()
    c = Canvas(clean)
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (8, 10, 3), dtype=np.uint8)
    a = rng.integers(0, 256, (8, 10), dtype=np.uint8)
    a[0, :] = 0
    c.begin_layer()
    c.overlay(1, 5, 4, rgb, a)
    frames = c.end_layer()
    region = clean[1, 4:12, 5:15].astype(np.int64)
    want = (region * (255 - a[..., None]) + rgb.astype(np.int64) * a[..., None] + 127) // 255
    assert np.array_equal(c.frames[1, 4:12, 5:15], want.astype(np.uint8))
    assert np.array_equal(c.mask[1, 4:12, 5:15] > 0, a > 0)
    outside = c.mask == 0
    assert np.array_equal(c.frames[outside], clean[outside])
    assert frames[0]["visible"] is False and frames[1]["visible"] is True
    assert frames[1]["bbox"] == [5, 5, 15, 12]  # first row had alpha 0


def test_threshold_drops_faint_pixels_entirely():
    clean = clip()
    c = Canvas(clean, MaskSpec(alpha_threshold=10))
    a = np.array([[5, 10, 11, 255]], np.uint8)
    c.overlay(0, 0, 0, np.full((1, 4, 3), 255, np.uint8), a)
    assert list(c.mask[0, 0, :4]) == [0, 0, 255, 255]
    assert np.array_equal(c.frames[0, 0, :2], clean[0, 0, :2])


def test_overlay_clipped_at_borders():
    c = Canvas(clip())
    c.overlay(0, -5, -5, np.full((10, 10, 3), 200, np.uint8), np.full((10, 10), 255, np.uint8))
    assert c.mask[0, :5, :5].all() and not c.mask[0, 5:, :].any()
    c.overlay(0, 100, 100, np.zeros((3, 3, 3), np.uint8), np.full((3, 3), 255, np.uint8))  # fully outside


def test_alpha_union_and_screen_mode():
    clean = np.full((1, 4, 4, 3), 100, np.uint8)
    c = Canvas(clean)
    a = np.full((4, 4), 128, np.uint8)
    c.overlay(0, 0, 0, np.full((4, 4, 3), 255, np.uint8), a)
    c.overlay(0, 0, 0, np.full((4, 4, 3), 255, np.uint8), a)
    assert 190 <= int(c.alpha[0, 0, 0]) <= 193  # 1 - (1-.5)^2 = .75
    s = Canvas(clean)
    s.overlay(0, 0, 0, np.full((4, 4, 3), 100, np.uint8), np.full((4, 4), 255, np.uint8), mode="screen")
    assert int(s.frames[0, 0, 0, 0]) == 255 - (155 * 155 + 127) // 255


@pytest.mark.parametrize("fill", ["black", "grey", "mean", "noise", "blur"])
def test_holes_fill_and_mask(fill):
    clean = clip()
    c = Canvas(clean)
    hole = np.zeros((20, 30), bool)
    hole[5:10, 5:12] = True
    c.hole(2, hole, fill, seed=3)
    assert np.array_equal(c.mask[2] > 0, hole)
    assert np.array_equal(c.frames[2][~hole], clean[2][~hole])
    if fill == "black":
        assert not c.frames[2][hole].any()


def test_dilation_only_grows():
    c = Canvas(clip(), MaskSpec(dilate={"kernel": 3, "iterations": 2, "shape": "cross"}))
    c.overlay(0, 10, 10, np.zeros((2, 2, 3), np.uint8), np.full((2, 2), 255, np.uint8))
    before = c.mask.copy()
    c.finish()
    assert (c.mask >= before).all() and c.mask.sum() > before.sum()
    assert c.mask[0, 10:12, 8].all() and not c.mask[0, 8, 8]  # cross shape, 2 iterations


def test_div255_is_exact_rounding_division():
    from datagen.compose import div255

    x = np.arange(0, 255 * 255 + 1).astype(np.uint16)
    assert np.array_equal(div255(x), ((x.astype(np.int64) + 127) // 255).astype(np.uint8))


def reference_overlay(frames, mask, alpha, t0, t1, x, y, rgb, a, mode, threshold=0):
    """The compositor's contract in plain int64 numpy: blend, mask union, "over" alpha union."""
    H, W = frames.shape[1:3]
    a = np.where(a > threshold, a, 0).astype(np.int64)
    h, w = a.shape
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, W), min(y + h, H)
    if x0 >= x1 or y0 >= y1:
        return
    sa = a[y0 - y:y1 - y, x0 - x:x1 - x]
    fg = rgb[y0 - y:y1 - y, x0 - x:x1 - x].astype(np.int64)
    for t in range(max(t0, 0), min(t1, frames.shape[0])):
        bg = frames[t, y0:y1, x0:x1].astype(np.int64)
        if mode == "screen":
            src = 255 - ((255 - bg) * (255 - fg) + 127) // 255
        elif mode == "add":
            src = np.minimum(bg + fg, 255)
        else:
            src = fg
        frames[t, y0:y1, x0:x1] = (bg * (255 - sa[..., None]) + src * sa[..., None] + 127) // 255
        mask[t, y0:y1, x0:x1] = np.maximum(mask[t, y0:y1, x0:x1], np.where(sa > 0, 255, 0))
        al = alpha[t, y0:y1, x0:x1].astype(np.int64)
        alpha[t, y0:y1, x0:x1] = al + ((255 - al) * sa + 127) // 255


@pytest.mark.parametrize("threshold", [0, 12])
def test_overlay_frames_is_the_exact_integer_blend_in_every_mode(threshold):
    """Stacked overlays over frame ranges, clipped at every border, all modes: bit-exact."""
    rng = np.random.default_rng(threshold)
    for trial in range(60):
        T, H, W = int(rng.integers(1, 5)), int(rng.integers(4, 50)), int(rng.integers(4, 60))
        clean = rng.integers(0, 256, (T, H, W, 3), dtype=np.uint8)
        c = Canvas(clean, MaskSpec(alpha_threshold=threshold))
        frames, mask, alpha = clean.copy(), np.zeros((T, H, W), np.uint8), np.zeros((T, H, W), np.uint8)
        for _ in range(3):
            h, w = int(rng.integers(1, 30)), int(rng.integers(1, 30))
            rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
            a = rng.integers(0, 256, (h, w), dtype=np.uint8)
            a[rng.random((h, w)) < 0.3] = 0
            x, y = int(rng.integers(-w, W)), int(rng.integers(-h, H))
            t0 = int(rng.integers(0, T))
            t1 = int(rng.integers(t0, T + 1))
            mode = str(rng.choice(["normal", "screen", "add"]))
            c.overlay_frames(t0, t1, x, y, rgb, a, mode)
            reference_overlay(frames, mask, alpha, t0, t1, x, y, rgb, a, mode, threshold)
        assert np.array_equal(c.frames, frames), trial
        assert np.array_equal(c.mask, mask), trial
        assert np.array_equal(c.alpha, alpha), trial


def test_unknown_blend_mode_and_fill_are_errors():
    c = Canvas(clip())
    with pytest.raises(ValueError):
        c.overlay(0, 0, 0, np.zeros((2, 2, 3), np.uint8), np.full((2, 2), 255, np.uint8), mode="multiply")
    with pytest.raises(ValueError):
        c.hole(0, np.ones((20, 30), bool), "sparkles")


@pytest.mark.parametrize("fill", ["black", "grey", "mean", "noise", "blur"])
def test_hole_in_box_is_hole_on_the_whole_frame(fill):
    rng = np.random.default_rng(3)
    clean = clip(T=2, H=40, W=50)
    hole = np.zeros((40, 50), bool)
    hole[8:30, 12:33] = rng.random((22, 21)) < 0.6
    whole, boxed = Canvas(clean), Canvas(clean)
    whole.hole(1, hole, fill, seed=5)
    boxed.hole_in_box(1, 10, 5, hole[5:35, 10:40].view(np.uint8) * 255, fill, seed=5)  # loose box, 0/255
    assert np.array_equal(whole.frames, boxed.frames)
    assert np.array_equal(whole.mask, boxed.mask) and np.array_equal(whole.alpha, boxed.alpha)
    assert whole.end_layer() == boxed.end_layer()
    if fill == "mean":  # the rounded mean colour of everything outside the hole
        want = np.round(clean[1][~hole].astype(np.float64).mean(axis=0))
        assert (whole.frames[1][hole] == want).all()
    if fill == "noise":  # the plan's noise stream, in row-major order of the hole's pixels
        want = np.random.default_rng(5).integers(0, 256, (int(hole.sum()), 3), dtype=np.uint8)
        assert np.array_equal(whole.frames[1][hole], want)


def test_mean_fill_of_a_hole_covering_the_frame_is_grey():
    c = Canvas(clip())
    c.hole(0, np.ones((20, 30), bool), "mean")
    assert (c.frames[0] == 128).all()


def test_blur_fill_is_within_a_few_levels_of_the_full_resolution_gaussian():
    import cv2

    rng = np.random.default_rng(0)
    H, W = 240, 432  # kernel min(H, W) / 8 = 31: computed at half resolution
    smooth = cv2.resize(rng.integers(0, 256, (H // 8, W // 8, 3), dtype=np.uint8), (W, H),
                        interpolation=cv2.INTER_CUBIC)
    clean = np.stack([smooth, smooth[:, ::-1]])
    hole = np.zeros((H, W), bool)
    hole[60:200, 90:300] = True
    hole[0:40, 0:50] = True  # at the corner: the border is reflected like the full-frame blur's
    c = Canvas(clean)
    c.hole(1, hole, "blur")
    want = cv2.GaussianBlur(clean[1], (31, 31), 0).astype(int)
    diff = np.abs(c.frames[1].astype(int) - want)
    assert diff[hole].max() <= 10 and diff[hole].mean() < 1.5  # the largest at the frame's edge rows
    assert diff[60:200, 90:300].max() <= 4
    assert np.array_equal(c.frames[1][~hole], clean[1][~hole])
