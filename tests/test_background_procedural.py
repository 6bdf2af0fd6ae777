"""The procedural background: contract (shape, determinism, JSON plan), motion, validation, variety."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from pydantic import ValidationError

from datagen.backgrounds import background_spec_for, make_background
from datagen.recipe.schema import ClipSpec
from datagen.resources import Resources
from datagen.rng import stream

SMALL = ClipSpec(frames=8, width=160, height=96)
STILL = {"pan_speed": 0, "zoom_rate": 0, "rotation": 0, "shake_p": 0, "objects": 0, "flicker_p": 0,
         "fade_p": 0, "noise_p": 0}


def spec_of(**kw):
    return background_spec_for("procedural").model_validate({"type": "procedural", **kw})


def source(resources=None, **kw):
    return make_background(spec_of(**kw), resources)


def clip_of(src, seed, clip=SMALL, index=0):
    plan = src.plan(stream(seed, index, 0), clip)
    return plan, src.render(plan, clip)


def kinds():
    return list(spec_of().kinds.values())


def test_registered_and_default_spec_round_trips():
    spec = spec_of()
    assert spec.type == "procedural"
    again = background_spec_for("procedural").model_validate(spec.model_dump())
    assert again.model_dump() == spec.model_dump()
    assert len(kinds()) >= 8


@pytest.mark.parametrize("clip", [SMALL, ClipSpec(frames=3, width=97, height=61), ClipSpec(frames=1, width=16, height=16)])
def test_shape_dtype_contiguous(clip):
    src = source()
    for seed in range(4):
        _, frames = clip_of(src, seed, clip)
        assert frames.shape == (clip.frames, clip.height, clip.width, 3)
        assert frames.dtype == np.uint8
        assert frames.flags.c_contiguous


def test_same_seed_same_plan_and_same_plan_same_bytes():
    a, b = source(), source(Resources())
    for seed in range(6):
        plan_a = a.plan(stream(seed, 3, 0), SMALL)
        plan_b = b.plan(stream(seed, 3, 0), SMALL)
        assert plan_a == plan_b
        first = a.render(plan_a, SMALL)
        assert a.render(plan_a, SMALL).tobytes() == first.tobytes()
        assert b.render(plan_b, SMALL).tobytes() == first.tobytes()  # cache or not, same bytes


def test_same_plan_same_bytes_in_a_fresh_process():
    """No hidden per-process state (hash seeds, caches built differently, global RNG)."""
    import hashlib
    import os
    import subprocess
    import sys

    src = source(objects=2, noise_p=1, mix_p=1, detail_p=1)
    plan, frames = clip_of(src, 77)
    code = (
        "import json, sys, hashlib\n"
        "from datagen.backgrounds import make_background, background_spec_for\n"
        "from datagen.recipe.schema import ClipSpec\n"
        "spec = background_spec_for('procedural').model_validate({'type': 'procedural'})\n"
        "plan, clip = json.loads(sys.stdin.read())\n"
        "f = make_background(spec).render(plan, ClipSpec(**clip))\n"
        "print(hashlib.sha256(f.tobytes()).hexdigest())\n"
    )
    import datagen

    root = os.path.dirname(os.path.dirname(os.path.abspath(datagen.__file__)))
    env = dict(os.environ, PYTHONHASHSEED="12345",
               PYTHONPATH=os.pathsep.join([root] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    res = subprocess.run([sys.executable, "-c", code], input=json.dumps([plan, SMALL.model_dump()]),
                         capture_output=True, text=True, env=env, check=True)
    assert res.stdout.strip() == hashlib.sha256(frames.tobytes()).hexdigest()


def test_plan_is_json_and_renders_identically_after_round_trip():
    src = source(objects=2, noise_p=1, flicker_p=1, fade_p=0.5, blur_p=1, shake_p=1, mix_p=1)
    for seed in range(6):
        plan, frames = clip_of(src, seed)
        back = json.loads(json.dumps(plan))
        assert back == plan
        assert src.render(back, SMALL).tobytes() == frames.tobytes()


def test_different_seeds_give_different_clips():
    src = source()
    seen = {clip_of(src, 11, index=i)[1].tobytes() for i in range(8)}
    assert len(seen) == 8


def _motion(frames: np.ndarray) -> float:
    f = frames.astype(np.int16)
    return float(np.abs(np.diff(f, axis=0)).mean())


def _detail(frame: np.ndarray) -> float:
    f = frame.astype(np.int16)
    return float(np.abs(np.diff(f, axis=0)).mean() + np.abs(np.diff(f, axis=1)).mean()) / 2


@pytest.mark.parametrize("kind", kinds())
def test_moving_camera_changes_frames_still_camera_does_not(kind):
    moving = source(**{**STILL, "kinds": kind, "pan_speed": 3.0, "blur_p": 0, "static_p": 0})
    still = source(**{**STILL, "kinds": kind, "blur_p": 0})
    for seed in range(3):
        plan, frames = clip_of(moving, seed)
        assert plan["kind"] == kind
        # a 3 px/frame pan changes pixels by about as much as neighbouring pixels differ
        assert _motion(frames) > 0.05 and _motion(frames) > 0.7 * _detail(frames[0]), (kind, seed, _motion(frames))
        _, frames = clip_of(still, seed)
        assert _motion(frames) == 0.0
        assert frames[0].std() > 1.0  # not a blank canvas


def test_locked_off_camera_ignores_pan_zoom_and_shake_but_objects_move():
    kw = {**STILL, "static_p": 1, "pan_speed": 3.0, "zoom_rate": 0.01, "shake_p": 1, "rotation_p": 1}
    for seed in range(3):
        plan, frames = clip_of(source(**kw), seed)
        cam = plan["camera"]
        assert cam["pan"] == [0.0, 0.0] and cam["zoom_rate"] == 0.0 and cam["roll"] == 0.0 and cam["shake"] is None
        assert _motion(frames) == 0.0 and frames[0].std() > 1.0
    plan, frames = clip_of(source(**{**kw, "objects": 2, "object_speed": 4.0, "object_size": 0.3}), 5)
    assert _motion(frames) > 0.05  # the warp is reused, the sprites are not


def test_objects_move_on_a_still_camera():
    src = source(**{**STILL, "objects": 2, "object_speed": 4.0, "object_size": 0.3})
    _, frames = clip_of(src, 5)
    assert _motion(frames) > 0.05


def test_canvas_covers_the_camera_path():
    from datagen.backgrounds.procedural import _footprint

    for clip, kw in [(SMALL, {}), (ClipSpec(frames=200, width=64, height=36), {"pan_speed": 20.0}),
                     (SMALL, {"zoom_rate": -0.05, "rotation": 45, "shake_p": 1, "shake_px": 10})]:
        src = source(**kw)
        for seed in range(5):
            plan = src.plan(stream(seed, 0, 0), clip)
            x0, y0, x1, y1 = _footprint(plan, clip)
            cw, ch = plan["canvas"]
            assert 0 <= x0 and 0 <= y0 and x1 <= cw and y1 <= ch, (plan["canvas"], (x0, y0, x1, y1))
            assert cw <= 4 * clip.width + 1e-6 or ch <= 4 * clip.height + 1e-6 or not any(plan["camera"]["pan"])


@pytest.mark.parametrize("bad", [
    {"pan_speed": -1},
    {"pan_speed": {"uniform": [-2, 3]}},
    {"kinds": "spirals"},
    {"kinds": {"choice": ["noise", "nope"]}},
    {"mix_p": 1.5},
    {"canvas_scale": 0.5},
    {"objects": {"randint": [0, 50]}},
    {"objects": 1.5},
    {"noise_sigma": -3},
    {"zoom_rate": 1.0},
    {"colour": 3},
])
def test_spec_rejects_out_of_range(bad):
    with pytest.raises(ValidationError):
        spec_of(**bad)


def test_distributions_are_accepted():
    spec = spec_of(pan_speed={"normal": {"mean": 2, "std": 1, "min": 0, "max": 5}},
                   kinds={"choice": ["room", "city"], "weights": [1, 3]}, objects={"randint": [1, 2]})
    src = make_background(spec)
    plans = [src.plan(stream(0, i, 0), SMALL) for i in range(20)]
    assert {p["kind"] for p in plans} == {"room", "city"}
    assert all(1 <= len(p["objects"]) <= 2 for p in plans)
    assert all(np.hypot(*p["camera"]["pan"]) <= 5 + 1e-9 for p in plans)


def test_every_effect_at_once_renders():
    src = source(objects=3, noise_p=1, flicker_p=1, fade_p=1, blur_p=1, shake_p=1, mix_p=1, detail_p=1,
                 rotation_p=1, letterbox_p=1)
    for seed in range(6):
        plan, frames = clip_of(src, seed)
        assert plan["noise"] and plan["blur"] and plan["gain"] and plan["mix"] and len(plan["objects"]) == 3
        assert frames.shape == (SMALL.frames, SMALL.height, SMALL.width, 3)
        t, b, l, r = plan["letterbox"]
        assert t + l > 0 and not frames[:, :t].any() and not frames[:, :, :l].any()
        assert not frames[:, SMALL.height - b:].any() and not frames[:, :, SMALL.width - r:].any()


def test_large_rolled_frames_are_warped_in_tiles_seamlessly():
    """Big frames with camera roll are warped tile by tile; the result must match one whole warp."""
    from datagen.backgrounds import procedural

    clip = ClipSpec(frames=2, width=1100, height=620)
    src = source(**{**STILL, "rotation_p": 1, "rotation": 4.0, "kinds": "pattern", "blur_p": 0})
    plan = src.plan(stream(3, 0, 0), clip)
    tiled = src.render(plan, clip)
    old = procedural.TILE
    try:
        procedural.TILE = (4096, 4096)  # one tile
        whole = src.render(plan, clip)
    finally:
        procedural.TILE = old
    assert np.abs(tiled.astype(np.int16) - whole).max() <= 1


def test_variety_of_brightness_edges_and_kinds():
    src = source()
    clip = ClipSpec(frames=2, width=160, height=96)
    bright, edge, kinds_seen = [], [], set()
    for i in range(50):
        plan, frames = clip_of(src, 2024, clip, index=i)
        grey = cv2.cvtColor(frames[0], cv2.COLOR_RGB2GRAY)
        bright.append(grey.mean())
        edge.append((cv2.Canny(grey, 60, 150) > 0).mean())
        kinds_seen.add(plan["kind"])
    assert np.std(bright) > 20 and np.ptp(bright) > 100, bright
    assert np.percentile(edge, 90) > 4 * np.percentile(edge, 10) + 0.01, edge
    assert len(kinds_seen) >= 6
