"""Free-form holes (`type: freeform`): profile statistics, motion, exact fills, dilation,
determinism, recipe validation, and the `sttn` profile against STTN's own generator."""
from __future__ import annotations

import importlib.util

import cv2
import numpy as np
import pytest

from datagen.compose import Canvas
from datagen.errors import RecipeError
from datagen.layers import layer_spec_for, make_layer
from datagen.layers.freeform import freeform_masks
from datagen.recipe import load_recipe
from datagen.recipe.load import recipe_from_dict
from datagen.recipe.schema import ClipSpec
from datagen.rng import layer_stream

from conftest import ROOT

CLIP = ClipSpec(frames=16, width=432, height=240)
DRAWS = 200

# Documented in the README (mean hole area over 200 draws at 432x240x16, one shape):
AREA_RANGE = {"sttn": (0.06, 0.095), "blob": (0.19, 0.26), "stroke": (0.11, 0.16)}
# centroid speed of moving single shapes, px/frame at 240 p
SPEED_RANGE = {"sttn": (1.0, 4.0), "blob": (1.0, 3.0), "stroke": (1.0, 3.0)}


def layer(**kw):
    return make_layer(layer_spec_for("freeform").model_validate({"type": "freeform", **kw}))


def centroids(masks: np.ndarray) -> np.ndarray:
    out = []
    for m in masks:
        ys, xs = np.nonzero(m)
        out.append((xs.mean(), ys.mean()) if xs.size else (np.nan, np.nan))
    return np.array(out)


@pytest.fixture(scope="module")
def draws():
    """200 single-shape draws per profile: (plan, masks) pairs."""
    out = {}
    for profile in ("sttn", "blob", "stroke"):
        lay = layer(profile=profile, shapes=1, dilate={"iterations": 0})
        out[profile] = [(p, freeform_masks(p, CLIP.frames, CLIP.height, CLIP.width))
                        for p in (lay.plan(layer_stream(0, i, 0), CLIP) for i in range(DRAWS))]
    return out


@pytest.mark.parametrize("profile", ["sttn", "blob", "stroke"])
def test_profile_statistics_within_documented_ranges(draws, profile):
    pairs = draws[profile]
    areas = np.array([m.mean() / 255 for _, m in pairs])
    lo, hi = AREA_RANGE[profile]
    assert lo <= areas.mean() <= hi, f"{profile}: mean hole area {areas.mean():.4f} not in [{lo}, {hi}]"
    assert (areas > 0).all()
    moving = np.array([p["shapes"][0]["moving"] for p, _ in pairs])
    assert 0.4 <= moving.mean() <= 0.6, f"{profile}: {moving.mean():.2f} of the shapes move, expected ~0.5"
    speeds = [np.nanmean(np.hypot(*np.diff(centroids(m), axis=0).T)) for (p, m), mv in zip(pairs, moving) if mv]
    lo, hi = SPEED_RANGE[profile]
    assert lo <= np.mean(speeds) <= hi, f"{profile}: mean speed {np.mean(speeds):.2f} px/frame"


@pytest.mark.parametrize("profile", ["sttn", "blob", "stroke"])
def test_static_masks_identical_moving_masks_move(draws, profile):
    for plan, masks in draws[profile]:
        same = [np.array_equal(masks[t], masks[t + 1]) for t in range(CLIP.frames - 1)]
        if not plan["shapes"][0]["moving"]:
            assert all(same)
        elif profile == "sttn":
            assert not all(same)  # STTN moves in whole pixels: slow frames may not move
        else:
            assert not any(same), "a moving shape must move every frame"


def test_our_speed_stays_in_its_range(draws):
    for plan, _ in draws["blob"] + draws["stroke"]:
        shape = plan["shapes"][0]
        if shape["moving"]:
            c = np.array([f[:2] for f in shape["frames"]])
            step = np.hypot(*np.diff(c, axis=0).T)
            assert step.max() <= 3.0 + 2e-3  # 0.0125 x 240 px (positions are rounded to 0.001 px)


def test_shapes_stay_mostly_in_frame(draws):
    for profile in ("blob", "stroke"):
        for plan, masks in draws[profile]:
            assert masks.reshape(CLIP.frames, -1).any(axis=1).all()


@pytest.mark.parametrize("fill", ["black", "grey", "mean", "noise", "blur"])
def test_corrupted_is_clean_outside_and_fill_inside(fill):
    rng = np.random.default_rng(3)
    clean = rng.integers(0, 256, (6, 48, 80, 3), dtype=np.uint8)
    lay = layer(fill=fill, shapes=2, motion={"moving_p": 1.0}, dilate={"iterations": 1})
    plan = lay.plan(layer_stream(1, 2, 0), ClipSpec(frames=6, width=80, height=48))
    canvas = Canvas(clean)
    lay.render(plan, canvas)
    hole = canvas.mask > 0
    assert hole.any()
    np.testing.assert_array_equal(canvas.frames[~hole], clean[~hole])
    assert np.array_equal(hole, freeform_masks(plan, 6, 48, 80) > 0)
    for t in range(6):
        h, got = hole[t], canvas.frames[t][hole[t]]
        if fill == "black":
            assert (got == 0).all()
        elif fill == "grey":
            assert (got == 128).all()
        elif fill == "mean":
            want = np.round(clean[t][~h].mean(axis=0)).astype(np.uint8)
            assert (got == want).all()
        elif fill == "noise":
            want = np.random.default_rng(plan["fill_seed"] + t).integers(0, 256, (int(h.sum()), 3), dtype=np.uint8)
            assert np.array_equal(got, want)
        else:
            k = max(3, (min(48, 80) // 8) | 1)
            assert np.array_equal(got, cv2.GaussianBlur(clean[t], (k, k), 0)[h])


def test_dilation_is_recorded_and_grows_the_hole():
    lay = layer(profile="stroke", dilate={"kernel": 3, "iterations": 4, "shape": "cross"})
    plan = lay.plan(layer_stream(0, 7, 0), CLIP)
    assert plan["dilate"] == {"kernel": 3, "iterations": 4, "shape": "cross"}
    grown = freeform_masks(plan, CLIP.frames, CLIP.height, CLIP.width)
    bare = freeform_masks({**plan, "dilate": {**plan["dilate"], "iterations": 0}}, CLIP.frames, CLIP.height, CLIP.width)
    kernel = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    for t in range(CLIP.frames):
        assert np.array_equal(grown[t], cv2.dilate(bare[t], kernel, iterations=4))
    assert grown.sum() > bare.sum() and not (bare & ~grown).any()


def test_plan_and_render_are_deterministic_and_json():
    import json

    lay = layer()
    a = lay.plan(layer_stream(5, 11, 0), CLIP)
    b = layer().plan(layer_stream(5, 11, 0), CLIP)
    assert json.loads(json.dumps(a)) == a == b
    m1 = freeform_masks(a, CLIP.frames, CLIP.height, CLIP.width)
    m2 = freeform_masks(json.loads(json.dumps(a)), CLIP.frames, CLIP.height, CLIP.width)
    assert np.array_equal(m1, m2)


def test_zoom_and_rotation_change_the_shape_over_time():
    lay = layer(profile="blob", shapes=1, blob={"height": 0.25, "width": 0.25}, motion={"moving_p": 1.0, "zoom_p": 1.0, "zoom": 1.0,
                                                   "rotate_p": 1.0, "rotation": 90, "speed": 0.0042})
    plan = lay.plan(layer_stream(0, 0, 0), CLIP)
    shape = plan["shapes"][0]
    assert shape["frames"][-1][2] == pytest.approx(2.0) and shape["frames"][-1][3] == pytest.approx(90)
    m = freeform_masks(plan, CLIP.frames, CLIP.height, CLIP.width)
    assert 3.5 < m[-1].sum() / m[0].sum() < 4.5  # twice the size, four times the area


def test_bundled_recipe_and_bad_values(write_recipe):
    recipe = load_recipe("freeform")
    assert recipe.layers[0].type == "freeform"
    base = {"clip": {"frames": 4, "width": 64, "height": 48}, "background": {"type": "solid"}}
    with pytest.raises(RecipeError, match=r"layers\[0\]\.profile"):
        recipe_from_dict({**base, "layers": [{"type": "freeform", "profile": "squiggle"}]}, "r.yaml")
    with pytest.raises(RecipeError, match=r"layers\[0\]\.fill"):
        recipe_from_dict({**base, "layers": [{"type": "freeform", "fill": "pink"}]}, "r.yaml")
    with pytest.raises(RecipeError, match=r"layers\[0\]\.dilate\.iterations"):
        recipe_from_dict({**base, "layers": [{"type": "freeform", "dilate": {"iterations": -1}}]}, "r.yaml")
    with pytest.raises(RecipeError, match=r"layers\[0\]\.blob\.jitter"):
        recipe_from_dict({**base, "layers": [{"type": "freeform", "blob": {"jitter": {"uniform": [0.5, 1.5]}}}]}, "r.yaml")


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="needs matplotlib (the [qa] extra)")
def test_sttn_profile_matches_sttn_generator_hole_area():
    """The bench case's faithful matplotlib re-implementation of STTN and our `sttn` profile
    give the same mean hole area (first frames of 200 draws each, fixed seeds)."""
    import random
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    from bench_cases.masks_freeform import sttn_masks

    random.seed(0)
    np.random.seed(0)
    ref = np.mean([np.mean(np.asarray(sttn_masks(1)[0]) > 0) for _ in range(DRAWS)])
    lay = layer(profile="sttn", shapes=1)
    clip1 = ClipSpec(frames=1, width=432, height=240)
    ours = np.mean([freeform_masks(lay.plan(layer_stream(1, i, 0), clip1), 1, 240, 432).mean() / 255
                    for i in range(DRAWS)])
    assert abs(ours - ref) / ref < 0.12, f"sttn profile {ours:.4f} vs STTN {ref:.4f}"
