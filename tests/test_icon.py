"""Icon layer: blink on/off masks, jump and move paths, pulse/rotate/appear, exact per-frame
blending, animated GIF input with its own timing, spinners and colour cycles."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from PIL import Image

from datagen.layers.icon import icon_frame_sprite, icon_position
from datagen.recipe import load_recipe, recipe_from_dict
from datagen.sample import SampleBuilder

W, H = 160, 96
NO_FX = {"shadow_p": 0.0, "glow_p": 0.0}


def icon_recipe(motion: dict, frames: int = 12, **layer) -> dict:
    lay = {"type": "icon", "motion": motion, "scale": {"uniform": [0.12, 0.25]}, "cycle_p": 0.0}
    lay.update(layer)
    return {"name": "icon_test", "clip": {"frames": frames, "width": W, "height": H, "fps": 12},
            "background": {"type": "solid"}, "encode": {"alpha": True}, "layers": [lay]}


def build(recipe: dict, n: int, seed: int = 0):
    b = SampleBuilder(recipe_from_dict(recipe))
    return b, [b.build(seed, i) for i in range(n)]


def drawn_rects(b: SampleBuilder, s) -> list:
    """Per frame: the full rectangle [x0, y0, x1, y1) of the sprite drawn (None when off)."""
    plan = s.meta["layers"][0]["params"]
    out = []
    for t in range(s.clean.shape[0]):
        sp = icon_frame_sprite(plan, t)
        if sp is None:
            out.append(None)
            continue
        x, y = icon_position(plan, t, sp)
        out.append((x, y, x + sp.w, y + sp.h))
    return out


def expected_frame(clean: np.ndarray, plan: dict, t: int) -> np.ndarray:
    """Our own integer blend of frame t's sprite, clipped to the frame."""
    out = clean.astype(np.int64).copy()
    sp = icon_frame_sprite(plan, t)
    if sp is None:
        return clean
    x, y = icon_position(plan, t, sp)
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + sp.w, W), min(y + sp.h, H)
    if x0 >= x1 or y0 >= y1:
        return clean
    a = sp.alpha[y0 - y:y1 - y, x0 - x:x1 - x].astype(np.int64)[..., None]
    fg = sp.rgb[y0 - y:y1 - y, x0 - x:x1 - x].astype(np.int64)
    bg = out[y0:y1, x0:x1]
    if plan["blend"] == "screen":
        fg = 255 - ((255 - bg) * (255 - fg) + 127) // 255
    out[y0:y1, x0:x1] = (bg * (255 - a) + fg * a + 127) // 255
    return out.astype(np.uint8)


def test_blink_mask_is_empty_exactly_on_off_frames():
    b, samples = build(icon_recipe({"type": "blink", "blink": {"period": {"uniform": [0.2, 0.8]}}}, frames=16), 16)
    off_frames = 0
    for s in samples:
        plan = s.meta["layers"][0]["params"]
        m = plan["motion"]
        vis = m["track"]["visible"]
        assert vis == [bool((t + m["phase"]) % m["period_frames"] < m["on_frames"]) for t in range(16)]
        for t in range(16):
            assert bool(s.mask[t].any()) == vis[t], (s.key, t)
            assert s.meta["layers"][0]["frames"][t]["visible"] == vis[t]
            if not vis[t]:
                assert np.array_equal(s.corrupted[t], s.clean[t])
                off_frames += 1
        assert any(vis)
    assert off_frames > 16


def test_jump_stays_inside_the_frame_and_moves_every_frame():
    rect_inside = lambda r: r[0] >= 0 and r[1] >= 0 and r[2] <= W and r[3] <= H  # noqa: E731
    # drifting: bounces off the floor and the sides, a new position on every frame
    b, samples = build(icon_recipe({"type": "jump", "jump": {"inside": True, "drift_p": 1.0}}, effects=NO_FX), 12)
    for s in samples:
        rects = drawn_rects(b, s)
        frames = s.meta["layers"][0]["frames"]
        for t, r in enumerate(rects):
            assert rect_inside(r), (s.key, t, r)
            assert frames[t]["visible"] and frames[t]["bbox"] is not None
        assert all(rects[t][:2] != rects[t - 1][:2] for t in range(1, len(rects))), s.key
    # bouncing in place: the height changes all the time, not only at the apex
    b, samples = build(icon_recipe({"type": "jump", "jump": {"inside": True, "drift_p": 0.0}}), 12)
    for s in samples:
        rects = drawn_rects(b, s)
        assert all(rect_inside(r) for r in rects)
        ys = [r[1] for r in rects]
        assert len({r[0] for r in rects}) == 1
        assert sum(ys[t] != ys[t - 1] for t in range(1, len(ys))) >= 0.75 * (len(ys) - 1), ys
        floor = max(ys)
        assert ys.count(floor) <= 3 and min(ys) < floor  # it leaves the floor, and comes back


@pytest.mark.parametrize("path", ["linear", "smooth"])
def test_move_inside_stays_inside_and_moves_every_frame(path):
    motion = {"type": "move", "move": {"inside": True, "path": path, "mode": "enter"}}  # inside: only roams
    b, samples = build(icon_recipe(motion, frames=24), 10)
    for s in samples:
        m = s.meta["layers"][0]["params"]["motion"]
        assert m["mode"] == "roam" and m["path"] == path
        rects = drawn_rects(b, s)
        boxes = [f["bbox"] for f in s.meta["layers"][0]["frames"]]
        for r, box in zip(rects, boxes):
            assert r[0] >= 0 and r[1] >= 0 and r[2] <= W and r[3] <= H, (s.key, r)
            assert box[0] >= r[0] and box[1] >= r[1] and box[2] <= r[2] and box[3] <= r[3]
        assert all(rects[t][:2] != rects[t - 1][:2] for t in range(1, len(rects))), (s.key, rects)


@pytest.mark.parametrize("mode", ["enter", "leave"])
def test_move_enters_or_leaves_through_an_edge(mode):
    b, samples = build(icon_recipe({"type": "move", "move": {"mode": mode}}, frames=16), 10)
    for s in samples:
        m = s.meta["layers"][0]["params"]["motion"]
        assert m["mode"] == mode
        rects = drawn_rects(b, s)
        inside = [r[0] >= 0 and r[1] >= 0 and r[2] <= W and r[3] <= H for r in rects]
        first, last = (0, -1) if mode == "enter" else (-1, 0)
        assert not inside[first] and inside[last], (s.key, rects)
        # the mask follows: nothing drawn when the icon is fully outside, drawn when inside
        for t, r in enumerate(rects):
            fully_out = r[2] <= 0 or r[3] <= 0 or r[0] >= W or r[1] >= H
            if fully_out:
                assert not s.mask[t].any()
            if inside[t]:
                assert s.mask[t].any()


@pytest.mark.parametrize("motion", ["static", "pulse", "rotate", "appear", "jump", "move"])
def test_every_frame_is_the_exact_blend_of_clean_and_the_icon(motion):
    b, samples = build(icon_recipe({"type": motion}, blend={"choice": ["normal", "screen"]},
                                   cycle_p=0.3), 8, seed=3)
    for s in samples:
        plan = s.meta["layers"][0]["params"]
        for t in range(s.clean.shape[0]):
            assert np.array_equal(s.corrupted[t], expected_frame(s.clean[t], plan, t)), (s.key, t)
        outside = s.mask == 0
        assert np.array_equal(s.corrupted[outside], s.clean[outside])


def test_pulse_rotate_and_appear_change_the_icon_in_place():
    b, samples = build(icon_recipe({"type": "pulse", "pulse": {"what": "scale", "scale_amount": 0.3,
                                                                "period": 0.5}}, effects=NO_FX), 6)
    for s in samples:
        heights = [f["bbox"][3] - f["bbox"][1] for f in s.meta["layers"][0]["frames"]]
        assert max(heights) >= 1.3 * min(heights), heights
        centres = {(round((f["bbox"][0] + f["bbox"][2]) / 2), round((f["bbox"][1] + f["bbox"][3]) / 2))
                   for f in s.meta["layers"][0]["frames"]}
        assert max(abs(a - b) for c1 in centres for c2 in centres for a, b in zip(c1, c2)) <= 2
    b, samples = build(icon_recipe({"type": "pulse", "pulse": {"what": "opacity", "opacity_amount": 0.8}},
                                   opacity=1.0, effects=NO_FX), 6)
    for s in samples:
        track = s.meta["layers"][0]["params"]["motion"]["track"]["opacity"]
        peaks = [int(s.alpha[t].max()) for t in range(12)]
        assert peaks == [round(255 * o) for o in track], (peaks, track)
        assert max(peaks) - min(peaks) > 60
    b, samples = build(icon_recipe({"type": "rotate", "rotate": {"mode": "spin", "speed": 180}}), 4)
    for s in samples:
        assert len({tuple(np.flatnonzero(s.mask[t]).tolist()) for t in range(12)}) >= 6
        tr = s.meta["layers"][0]["params"]["motion"]["track"]
        assert len(set(tr["cx"])) == 1 and len(set(tr["angle"])) == 12
    b, samples = build(icon_recipe({"type": "appear", "appear": {"mode": "appear"}}), 6)
    for s in samples:
        m = s.meta["layers"][0]["params"]["motion"]
        for t in range(12):
            assert bool(s.mask[t].any()) == (t >= m["appear_frame"]), (s.key, t, m)


def test_animated_gif_plays_its_own_frames_at_their_own_timing(tmp_path):
    folder = tmp_path / "icons"
    folder.mkdir()
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    frames = []
    for c in colours:
        im = Image.new("RGBA", (24, 24), (0, 0, 0, 0))
        im.paste(c + (255,), (4, 4, 20, 20))
        frames.append(im)
    frames[0].save(folder / "traffic.gif", save_all=True, append_images=frames[1:], duration=[100, 200, 100],
                   loop=0, disposal=2)
    recipe = icon_recipe({"type": "static"}, frames=16, sources=[{"type": "files", "dir": str(folder)}],
                         scale=0.25, sprite_speed=1.0, effects=NO_FX, opacity=1.0, blend="normal")
    recipe["clip"]["fps"] = 10  # one GIF cycle = 400 ms = 4 clip frames: 1 red, 2 green, 1 blue
    b, samples = build(recipe, 4)
    for s in samples:
        plan = s.meta["layers"][0]["params"]
        assert plan["design"]["kind"] == "file" and plan["design"]["frames"] == 3
        idx = plan["sprite"]["index"]
        k = next(i for i in range(4) if idx[i] == 0 and idx[(i - 1) % 4] == 2)  # a red frame after a blue one
        expect = [[0, 1, 1, 2][(t - k) % 4] for t in range(16)]
        assert idx == expect, idx
        x0, y0, x1, y1 = s.meta["layers"][0]["frames"][0]["bbox"]
        for t in range(16):
            centre = s.corrupted[t][(y0 + y1) // 2, (x0 + x1) // 2]
            assert tuple(int(v) for v in centre) == colours[idx[t]], (t, centre)


def test_spinner_and_colour_cycle_animate_every_frame():
    # two turns a second: at 12 fps the bright dot moves on by at least one dot every frame
    b, samples = build(icon_recipe({"type": "static"}, sources=[{"type": "symbol", "symbols": ["spinner"]}],
                                   sprite_speed=2.0), 4)
    for s in samples:
        plan = s.meta["layers"][0]["params"]
        idx = plan["sprite"]["index"]
        assert len(set(idx)) >= 6 and all(idx[t] != idx[t - 1] for t in range(1, 12))
        assert all(not np.array_equal(s.alpha[t], s.alpha[t - 1]) for t in range(1, 12))
    b, samples = build(icon_recipe({"type": "static"}, sources=[{"type": "symbol", "symbols": ["heart", "star"]}],
                                   cycle_p=1.0, effects=NO_FX, opacity=1.0, blend="normal"), 10)
    cycled = 0
    for s in samples:
        plan = s.meta["layers"][0]["params"]
        m = s.mask[0] > 0
        assert np.array_equal(s.mask[5] > 0, m)  # same shape...
        if plan["hue"] is None:  # a white or grey mark: rotating its hue would change nothing
            assert plan["design"]["color"] in ("#FFFFFF", "#F5F5F5")
            continue
        cycled += 1
        assert len(set(plan["hue"])) == 12
        assert not np.array_equal(s.corrupted[0][m], s.corrupted[5][m])  # ...new colours
    assert cycled >= 5


def test_bundled_icons_recipe_uses_every_motion_and_stays_exact():
    b = SampleBuilder(load_recipe("icons", ["clip.frames=6", "clip.width=192", "clip.height=108"]))
    motions, symbols = Counter(), Counter()
    for i in range(40):
        s = b.build(1, i)
        outside = s.mask == 0
        assert np.array_equal(s.corrupted[outside], s.clean[outside])
        plan = s.meta["layers"][0]["params"]
        motions[plan["motion"]["type"]] += 1
        symbols[plan["design"].get("symbol", plan["design"]["kind"])] += 1
        assert len(s.meta["layers"][0]["frames"]) == 6
    assert set(motions) == {"static", "blink", "pulse", "jump", "move", "rotate", "appear"}
    assert len(symbols) >= 6
