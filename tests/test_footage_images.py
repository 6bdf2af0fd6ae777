"""Frame folders (DAVIS / YouTube-VOS layout, numbered images) and still images (Ken Burns)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from datagen.backgrounds import make_background
from datagen.backgrounds.frames import read_rgb
from datagen.errors import InputSkipped
from datagen.footage.discover import discover
from datagen.footage.fit import apply_fit
from datagen.recipe import recipe_from_dict
from datagen.resources import Resources
from test_footage_media import make_frame_folder, make_still


def source(kind, paths, clip=(6, 96, 64), **spec):
    frames, w, h = clip
    r = recipe_from_dict({"clip": {"frames": frames, "width": w, "height": h},
                          "background": {"type": kind, "paths": [str(p) for p in paths], **spec}})
    return make_background(r.background[0], Resources()), r.clip


def test_davis_and_youtube_vos_layouts_are_found(tmp_path):
    make_frame_folder(tmp_path / "DAVIS" / "JPEGImages" / "480p" / "bear", n=5)
    make_frame_folder(tmp_path / "DAVIS" / "Annotations" / "480p" / "bear", n=5, fmt="{:05d}.png")
    make_frame_folder(tmp_path / "ytvos" / "train" / "JPEGImages" / "0a2f", n=5, step=5)
    make_frame_folder(tmp_path / "loose", n=12, fmt="frame_{}.png")  # not zero-padded: sorted by number
    found = discover([str(tmp_path)], ("frames",))
    rel = sorted(p.removeprefix(str(tmp_path) + "/") for _, p in found.items)
    assert rel == ["DAVIS/JPEGImages/480p/bear", "loose", "ytvos/train/JPEGImages/0a2f"]
    src, clip = source("frames", [tmp_path / "loose"], clip=(4, 64, 48), stride=3)
    plan = src.plan(np.random.default_rng(0), clip)
    s = plan["window"]["start"]
    assert plan["window"]["files"] == [f"frame_{s + 3 * j}.png" for j in range(4)]


def test_frame_window_equals_the_recorded_files(tmp_path):
    folder = make_frame_folder(tmp_path / "JPEGImages" / "v", n=20, size=(160, 96))
    src, clip = source("frames", [tmp_path], clip=(5, 120, 72), stride={"randint": [1, 3]}, filters={"static": None})
    rng = np.random.default_rng(2)
    for _ in range(4):
        plan = src.plan(rng, clip)
        got = src.render(plan, clip)
        for t, name in enumerate(plan["window"]["files"]):
            ref = cv2.cvtColor(cv2.imread(str(folder / name)), cv2.COLOR_BGR2RGB)
            assert np.array_equal(got[t], apply_fit(ref, plan["fit"], 120, 72))
        assert plan["fit"]["scale"] == [120, 72]


def test_reduced_jpeg_decoding_matches_the_fit_geometry(tmp_path):
    folder = make_frame_folder(tmp_path / "big", n=4, size=(1280, 720))
    src, clip = source("frames", [folder], clip=(2, 160, 90), filters={"static": None})
    plan = src.plan(np.random.default_rng(0), clip)
    got = src.render(plan, clip)
    full = apply_fit(read_rgb(str(folder / plan["window"]["files"][0])), plan["fit"], 160, 90)
    assert np.abs(got[0].astype(int) - full).mean() < 6  # same picture, decoded at 1/4 size


def test_broken_frame_skips_the_window(tmp_path):
    folder = make_frame_folder(tmp_path / "v", n=6)
    src, clip = source("frames", [folder], clip=(6, 64, 48), filters={"static": None})
    plan = src.plan(np.random.default_rng(0), clip)
    (folder / "00003.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(InputSkipped) as e:
        src.render(plan, clip)
    assert e.value.reason == "undecodable_frame"


def test_ken_burns_moves_stays_inside_and_is_deterministic(tmp_path):
    img = make_still(tmp_path / "p.jpg", size=(400, 300))
    src, clip = source("stills", [img], clip=(8, 96, 64),
                       motion={"zoom": 0.2, "pan": 2.0, "tilt": 2.0, "rotation": 3.0})
    plan = src.plan(np.random.default_rng(5), clip)
    cam = plan["camera"]
    assert cam["zoom"][1] > cam["zoom"][0] and cam["roll"] == [2.0, 5.0]
    a, b = src.render(plan, clip), src.render(plan, clip)
    assert np.array_equal(a, b) and a.shape == (8, 64, 96, 3)
    assert np.abs(np.diff(a.astype(int), axis=0)).mean() > 1  # the camera moves
    assert a.min() > 20  # no border: the source has no dark pixels


def test_letterbox_still_has_bars(tmp_path):
    img = make_still(tmp_path / "tall.jpg", size=(200, 400))
    src, clip = source("stills", [img], clip=(3, 96, 64), fit="letterbox",
                       motion={"zoom": 0, "pan": 0, "tilt": 0, "rotation": 0}, filters={"static": None})
    frames = src.render(src.plan(np.random.default_rng(0), clip), clip)
    assert frames[:, :, :20].max() == 0 and frames[:, :, -20:].max() == 0 and frames[:, :, 40:56].min() > 20


def test_a_still_that_breaks_after_indexing_is_skipped(tmp_path):
    img = make_still(tmp_path / "p.jpg")
    src, clip = source("stills", [img])
    plan = src.plan(np.random.default_rng(0), clip)
    img.write_bytes(b"garbage")
    with pytest.raises(InputSkipped) as e:
        src.render(plan, clip)
    assert e.value.reason == "undecodable"
