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
