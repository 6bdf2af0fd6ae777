"""Effects over time: karaoke, typewriter, roll-up and pop-on captions, news tickers."""
from __future__ import annotations

import math

import numpy as np
import pytest

from datagen.recipe import recipe_from_dict
from datagen.sample import SampleBuilder
from datagen.text.layout import place_event

CLIP = {"frames": 12, "width": 320, "height": 180, "fps": 12}


def build(layer: dict, n: int, seed: int = 0, clip=CLIP):
    r = {"name": "fx", "clip": clip, "background": {"type": "solid"}, "layers": [layer], "encode": {"alpha": True}}
    b = SampleBuilder(recipe_from_dict(r))
    return [b.build(seed, i) for i in range(n)]


def subtitle(kind: str, **over) -> dict:
    return {"type": "subtitle", "texts": [{"corpus": "en"}, {"corpus": "zh_hans"}], "effect": {"kind": kind},
            "timing": {"duration": {"uniform": [0.6, 1.6]}, "fade_p": 0.0}, "style": {"preset": "outline"}, **over}


def exact(s) -> None:
    assert np.array_equal(s.corrupted[s.mask == 0], s.clean[s.mask == 0])


def test_karaoke_mask_constant_while_colours_sweep():
    swept = 0
    for s in build(subtitle("karaoke"), 10):
        exact(s)
        params = s.meta["layers"][0]["params"]
        assert params["effect"] == "karaoke"
        for ev in params["events"]:
            eff = ev["effect"]
            frames = range(ev["start"], ev["end"])
            if len(frames) < 3:
                continue
            assert all(np.array_equal(s.mask[t], s.mask[frames[0]]) for t in frames), ev["text"]
            assert all(np.array_equal(s.alpha[t], s.alpha[frames[0]]) for t in frames)
            m = s.mask[frames[0]] > 0
            colours = [s.corrupted[t][m].astype(int) for t in frames]
            if eff["sweep"][0] < frames[-1] and eff["sweep"][1] > frames[0]:
                assert max(np.abs(c - colours[0]).max() for c in colours) > 40
                swept += 1
    assert swept >= 5


def test_karaoke_sweeps_from_before_to_after_colour():
    s = build(subtitle("karaoke", texts=[{"corpus": "en"}], timing={"duration": 1.0, "fade_p": 0.0, "gap_p": 0.0},
                       effect={"kind": "karaoke", "karaoke": {"colors": {"choice": [["#FFFFFF", "#0000FF"]]}, "lead": 0.0,
                                                              "tail": 0.0}}), 6)
    blue_share = []
    for x in s:
        for ev in x.meta["layers"][0]["params"]["events"]:
            m = x.mask[ev["start"]] > 0
            for t in range(ev["start"], ev["end"]):
                px = x.corrupted[t][m].astype(int)
                blue_share.append(((px[:, 2] - px[:, 0]) > 150).mean())
    assert min(blue_share) < 0.05 and max(blue_share) > 0.3


def test_typewriter_reveals_characters_in_place():
    grew = 0
    for s in build(subtitle("typewriter", effect={"kind": "typewriter", "typewriter": {"rate": 6}}), 10):
        exact(s)
        params = s.meta["layers"][0]["params"]
        for ev in params["events"]:
            frames = range(ev["start"], ev["end"])
            areas = [int((s.mask[t] > 0).sum()) for t in frames]
            assert areas[0] > 0 and all(b >= a for a, b in zip(areas, areas[1:])), areas
            full = place_event(ev, params, CLIP["width"], CLIP["height"])[0]
            ys, xs = np.nonzero(full.sprites[0].alpha)
            static = np.zeros((CLIP["height"], CLIP["width"]), bool)
            static[ys + full.y, xs + full.x] = True
            for t in frames:  # what is shown is always part of the whole line, where the line goes
                assert not ((s.mask[t] > 0) & ~static).any()
            grew += areas[-1] > areas[0]
    assert grew >= 5


def test_rollup_rows_scroll_up_and_words_appear():
    layer = subtitle("rollup", texts=[{"corpus": "en"}],
                     effect={"kind": "rollup", "rollup": {"rows": 3, "words_per_second": 5, "roll": 0.25}})
    rolled = grew = 0
    for s in build(layer, 8, clip={**CLIP, "frames": 24}):
        exact(s)
        params = s.meta["layers"][0]["params"]
        assert params["preset"] == "cc_box" and params["rollup"]["rows"] == 3
        events = params["events"]
        for t in range(24):
            assert sum(ev["start"] <= t < ev["end"] for ev in events) <= 3
        # draw each row alone to follow it
        from datagen.compose import Canvas

        clean = np.zeros((24, CLIP["height"], CLIP["width"], 3), np.uint8)
        for ev in events:
            canvas = Canvas(clean)
            s_layer = SampleBuilder(recipe_from_dict({"name": "fx", "clip": {**CLIP, "frames": 24},
                                                      "background": {"type": "solid"}, "layers": [layer]})).layers[0]
            s_layer.render({**params, "events": [ev]}, canvas)
            tops = [int(np.flatnonzero(canvas.mask[t].any(axis=1))[0]) for t in range(ev["start"], ev["end"])]
            areas = [int((canvas.mask[t] > 0).sum()) for t in range(ev["start"], ev["end"])]
            assert all(b <= a for a, b in zip(tops, tops[1:])), tops  # rows only move up
            rolled += tops[-1] < tops[0]
            grew += areas[-1] > areas[0]
    assert rolled >= 3 and grew >= 3


def test_popon_captions_appear_at_once_left_aligned():
    for s in build(subtitle("popon"), 6):
        exact(s)
        params = s.meta["layers"][0]["params"]
        assert params["preset"] == "cc_box" and params["placement"]["align"] == "left"
        for ev in params["events"]:
            assert ev["fade_in"] == ev["fade_out"] == 0
            frames = range(ev["start"], ev["end"])
            assert all(np.array_equal(s.mask[t], s.mask[frames[0]]) for t in frames)
            xs = np.flatnonzero(s.mask[frames[0]].any(axis=0))
            assert abs(xs[0] - params["placement"]["x_px"]) < 0.06 * CLIP["width"]


@pytest.mark.parametrize("corpus", ["en", "ar"])
def test_ticker_band_is_masked_and_text_scrolls(corpus):
    layer = {"type": "ticker", "texts": [{"corpus": corpus}], "band_opacity": 1.0, "speed": 0.2, "label_p": 1.0}
    for s in build(layer, 4):
        exact(s)
        p = s.meta["layers"][0]["params"]
        b = p["band"]
        band = slice(b["top"], b["top"] + b["height"])
        assert (s.mask[:, band, :] > 0).all()  # the whole band, every frame
        assert not s.mask[:, :b["top"], :].any() and not s.mask[:, b["top"] + b["height"]:, :].any()
        wx, ww = p["window"]
        if p["label"]:  # the label stays put
            lab = slice(0, p["label"]["width"]) if not p["rtl"] else slice(wx + ww, CLIP["width"])
            assert all(np.array_equal(s.corrupted[t, band, lab], s.corrupted[0, band, lab]) for t in range(12))
        assert p["rtl"] == (corpus == "ar")
        sign = 1 if p["rtl"] else -1  # right-to-left tickers move right
        inner = slice(wx + 12, wx + ww - 12)
        for t in range(11):
            a, c = s.corrupted[t, band].astype(int), s.corrupted[t + 1, band].astype(int)
            lo = p["offset"] + p["speed"] * t
            d = int(math.floor(lo + p["speed"] + 0.5)) - int(math.floor(lo + 0.5))
            shifted = np.roll(a, sign * d, axis=1)
            assert np.abs(shifted[:, inner] - c[:, inner]).max() <= 2, (t, d)
