"""Bullet comments: right-to-left motion at the drawn speed, lanes that never collide,
a stream already running at frame 0, the bundled recipe."""
from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from datagen.compose import Canvas
from datagen.layers.danmaku import comment_x, short_text
from datagen.recipe import load_recipe, recipe_from_dict
from datagen.sample import SampleBuilder

CLIP = {"frames": 10, "width": 320, "height": 180, "fps": 12}


def recipe(**layer) -> dict:
    return {"name": "dm", "clip": CLIP, "background": {"type": "solid"},
            "layers": [{"type": "danmaku", "texts": [{"corpus": "zh_hans", "weight": 2}, {"corpus": "en"}],
                        **layer}]}


def comment_masks(layer, params: dict) -> list[np.ndarray]:
    """Each comment drawn alone: its (T, H, W) mask."""
    out = []
    clean = np.zeros((CLIP["frames"], CLIP["height"], CLIP["width"], 3), np.uint8)
    for c in params["comments"]:
        one = copy.deepcopy(params)
        one["comments"] = [c]
        canvas = Canvas(clean)
        layer.render(one, canvas)
        out.append(canvas.mask > 0)
    return out


@pytest.fixture(scope="module")
def dense():
    """Busy clips (many comments per lane) with lanes kept apart."""
    b = SampleBuilder(recipe_from_dict(recipe(density={"uniform": [1.0, 2.0]}, crossing={"uniform": [2.0, 4.0]},
                                              crossing_jitter=0.4, fixed_p=0.15, area=1.0)))
    samples = [b.build(0, i) for i in range(4)]
    return b.layers[0], samples


def test_masks_move_right_to_left_by_the_drawn_speed(dense):
    layer, samples = dense
    checked = 0
    for s in samples:
        params = s.meta["layers"][0]["params"]
        for c, m in zip(params["comments"], comment_masks(layer, params)):
            xs = []
            margin = c["size_px"]  # ink may reach a little beyond the text box
            for t in range(c["start"], c["end"]):
                x = comment_x(c, t, CLIP["width"])
                # only frames where the comment is wholly inside (edges would clip its ink)
                if x - margin >= 0 and x + c["width"] + margin <= CLIP["width"]:
                    xs.append((t, np.flatnonzero(m[t].any(axis=0))[0]))
            if c.get("fixed"):
                assert len({x for _, x in xs}) <= 1
                continue
            for (t0, x0), (t1, x1) in zip(xs, xs[1:]):
                if t1 == t0 + 1:
                    assert abs((x0 - x1) - c["speed"]) < 1.0, (c["text"], x0, x1, c["speed"])
                    checked += 1
    assert checked > 50


def test_lanes_never_collide(dense):
    layer, samples = dense
    pairs = 0
    for s in samples:
        params = s.meta["layers"][0]["params"]
        assert params["no_overlap"] and len(params["comments"]) >= 10
        masks = comment_masks(layer, params)
        stack = np.stack(masks).sum(axis=0)
        assert stack.max() <= 1, "two comments share a pixel"
        # neighbours in a lane keep the planned gap
        for L in range(params["lanes"]):
            lane = [c for c in params["comments"] if c["lane"] == L]
            for i, a in enumerate(lane):
                for b in lane[i + 1:]:
                    for t in range(max(a["start"], b["start"]), min(a["end"], b["end"])):
                        xa, xb = comment_x(a, t, CLIP["width"]), comment_x(b, t, CLIP["width"])
                        assert xa + a["width"] + params["gap_px"] <= xb or xb + b["width"] + params["gap_px"] <= xa
                        pairs += 1
    assert pairs > 20


def test_overlap_happens_when_allowed():
    b = SampleBuilder(recipe_from_dict(recipe(density={"uniform": [2.0, 3.0]}, crossing={"uniform": [2.0, 4.0]},
                                              crossing_jitter=0.5, no_overlap=False, area=0.3)))
    layer = b.layers[0]
    overlapping = 0
    for i in range(3):
        params = b.build(0, i).meta["layers"][0]["params"]
        overlapping += np.stack(comment_masks(layer, params)).sum(axis=0).max() > 1
    assert overlapping > 0


def test_stream_is_running_at_frame_zero_and_comments_enter_and_leave(dense):
    _, samples = dense
    entering = leaving = 0
    for s in samples:
        params = s.meta["layers"][0]["params"]
        assert s.mask[0].any()
        assert len({c["size_px"] for c in params["comments"]}) >= 2
        assert len({c["color"] for c in params["comments"]}) >= 2
        assert len({c["speed"] for c in params["comments"] if "speed" in c}) >= 5
        for c in params["comments"]:
            if "speed" not in c:
                continue
            entering += comment_x(c, c["start"], CLIP["width"]) + c["width"] > CLIP["width"]
            leaving += comment_x(c, c["end"] - 1, CLIP["width"]) < 0
        assert np.array_equal(s.corrupted[s.mask == 0], s.clean[s.mask == 0])
    assert entering > 5 and leaving > 5


def test_short_comments_from_corpus_lines():
    assert short_text("我们明天早上八点在车站见面，好吗？", 10) == "我们明天早上八点在车"
    assert short_text("好啊，我们明天早上八点在车站见面", 10) == "好啊"
    assert short_text("Where were you last night, exactly?", 12) == "Where were"
    assert short_text("Okay.", 12) == "Okay."


def test_danmaku_recipe_is_deterministic():
    r = load_recipe("danmaku", ["clip.frames=6"])
    a, b = SampleBuilder(r), SampleBuilder(r)
    for i in range(3):
        x, y = a.build(5, i), b.build(5, i)
        assert np.array_equal(x.corrupted, y.corrupted) and np.array_equal(x.mask, y.mask)
        assert json.dumps(x.meta, sort_keys=True) == json.dumps(y.meta, sort_keys=True)
        assert any(layer["type"] == "danmaku" for layer in x.meta["layers"])
