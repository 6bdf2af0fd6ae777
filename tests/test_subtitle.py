"""Subtitle layer: exact masks, visibility, glyph coverage (no tofu), timing, text files."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import small_subtitle_recipe
from datagen.recipe import load_recipe, recipe_from_dict
from datagen.sample import SampleBuilder
from datagen.text.fonts import FontCatalog, missing_chars, resolve_label
from datagen.text.wrap import wrap
from datagen.timeline import fade_factor, random_events, timed_window_events
from datagen.recipe.dist import parse_numeric


@pytest.fixture(scope="module")
def builder():
    return SampleBuilder(load_recipe("subtitles", ["clip.frames=8"]))


@pytest.fixture(scope="module")
def built(builder):
    return [builder.build(3, i) for i in range(24)]


def test_clean_equals_corrupted_outside_mask(built):
    for s in built:
        outside = s.mask == 0
        assert np.array_equal(s.corrupted[outside], s.clean[outside]), s.key
        assert s.mask.dtype == np.uint8 and set(np.unique(s.mask)) <= {0, 255}


def test_mask_nonempty_exactly_where_a_subtitle_is_visible(built):
    seen_empty = seen_full = 0
    for s in built:
        T = s.clean.shape[0]
        visible = np.zeros(T, bool)
        for layer in s.meta["layers"]:
            assert len(layer["frames"]) == T
            visible |= np.array([f["visible"] for f in layer["frames"]])
            on = np.zeros(T, bool)
            for ev in layer["params"]["events"]:
                for t in range(ev["start"], ev["end"]):
                    on[t] |= fade_factor(t, ev["start"], ev["end"], ev["fade_in"], ev["fade_out"]) > 0
            assert np.array_equal(on, visible), s.key
        has_mask = s.mask.reshape(T, -1).any(axis=1)
        assert np.array_equal(has_mask, visible), s.key
        seen_empty += (~has_mask).sum()
        seen_full += has_mask.sum()
    assert seen_empty > 0 and seen_full > 0  # both cases actually occur


def test_bboxes_hold_the_mask(built):
    for s in built:
        for layer in s.meta["layers"]:
            for t, f in enumerate(layer["frames"]):
                if f["visible"]:
                    x0, y0, x1, y1 = f["bbox"]
                    assert s.mask[t, y0:y1, x0:x1].any()
                    assert s.mask[t].sum() == s.mask[t, y0:y1, x0:x1].sum()


def test_text_changes_inside_some_clips():
    b = SampleBuilder(load_recipe("subtitles"))
    metas = [b.build(0, i).meta for i in range(60)]
    n_events = [len(m["layers"][0]["params"]["events"]) for m in metas if m["layers"]]
    assert max(n_events) >= 2 and min(n_events) <= 1


def test_no_tofu_every_event_font_covers_its_text(built):
    for s in built:
        for layer in s.meta["layers"]:
            for ev in layer["params"]["events"]:
                font = FontCatalog.from_files([resolve_label(ev["font"])]).fonts[0]
                assert missing_chars(ev["text"], font.cmap) == "", (ev["text"], ev["font"])


def test_a_font_without_the_glyphs_is_never_used(write_recipe, tmp_path):
    cat = FontCatalog.scan()
    latin_only = [f.path for f in cat.fonts if not f.covers("你好") and f.covers("Hello")]
    cjk = [f.path for f in cat.fonts if f.covers("你好。")]
    assert latin_only and cjk
    r = small_subtitle_recipe()
    r["layers"][0]["texts"] = [{"corpus": "en"}, {"corpus": "zh_hans"}]
    r["layers"][0]["fonts"] = {"files": [latin_only[0], cjk[0]]}
    b = SampleBuilder(recipe_from_dict(r))
    used = set()
    for i in range(30):
        for layer in b.build(0, i).meta["layers"]:
            for ev in layer["params"]["events"]:
                has_cjk = any(ord(c) > 0x2E80 for c in ev["text"])
                assert not (has_cjk and resolve_label(ev["font"]) == latin_only[0])
                used.add(resolve_label(ev["font"]))
    assert len(used) == 2


def test_corpus_no_font_can_draw_is_a_recipe_error(tmp_path):
    from datagen.errors import RecipeError

    cat = FontCatalog.scan()
    latin_only = [f.path for f in cat.fonts if not f.covers("你好")][0]
    r = small_subtitle_recipe()
    r["layers"][0]["texts"] = [{"corpus": "zh_hans"}]
    r["layers"][0]["fonts"] = {"files": [latin_only]}
    with pytest.raises(RecipeError, match=r"texts\[0\]: no line of corpus:zh_hans can be drawn"):
        recipe_from_dict(r, "r.yaml")


def test_user_text_file_and_srt_timings(tmp_path):
    srt = tmp_path / "a.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:00,500\nFirst line\n\n"
                   "2\n00:00:00,750 --> 00:00:02,000\nSecond line\nwith a break\n", encoding="utf-8")
    r = small_subtitle_recipe(clip={"frames": 24, "width": 160, "height": 90, "fps": 12})
    r["layers"][0]["texts"] = [{"subtitles": str(srt)}]
    b = SampleBuilder(recipe_from_dict(r))
    found = 0
    for i in range(20):
        meta = b.build(0, i).meta
        params = meta["layers"][0]["params"]
        start = params["window_start_s"]
        for ev in params["events"]:
            if ev["text"].startswith("First"):
                assert ev["start"] == max(0, int(np.ceil((0.0 - start) * 12 - 1e-9)))
                assert ev["end"] == min(24, int(np.ceil((0.5 - start) * 12 - 1e-9)))
                found += 1
            else:
                assert ev["lines"][-1].endswith("with a break")
    assert found > 0


def test_wrap_balances_and_respects_width():
    measure = len
    assert wrap("one two three four", measure, 20, 2) == ["one two three four"]
    lines = wrap("one two three four five six", measure, 15, 2)
    assert lines == ["one two three", "four five six"]
    assert wrap("one two three four five six seven eight", measure, 10, 2) is None
    zh = wrap("我们明天早上八点在车站见面，好吗？", measure, 10, 2)
    assert zh and all(len(x) <= 10 for x in zh) and not zh[1].startswith("，")


def test_timeline_events_are_ordered_and_inside_clip():
    rng = np.random.default_rng(0)
    dur, gap = parse_numeric({"uniform": [0.2, 1.0]}), parse_numeric({"uniform": [0.1, 0.5]})
    for _ in range(200):
        ev = random_events(rng, 16, 24, dur, 0.5, gap)
        prev = 0
        for s, e in ev:
            assert prev <= s < e <= 16
            prev = e

    class E:
        def __init__(self, s, e):
            self.start, self.end = s, e

    assert timed_window_events([E(0.0, 1.0), E(1.0, 2.0)], 0.5, 12, 12) == [(0, 6, 0), (6, 12, 1)]


def test_every_part_of_every_event_is_covered_by_its_font():
    b = SampleBuilder(load_recipe("subtitles", ["clip.frames=4", "layers.0.layout.mode=bilingual",
                                                "layers.0.layout.note_p=0.5"]))
    parts = 0
    for i in range(12):
        for layer in b.build(5, i).meta["layers"]:
            for ev in layer["params"]["events"]:
                for part in [ev, *ev.get("parts", [])]:
                    font = FontCatalog.from_files([resolve_label(part["font"])]).fonts[0]
                    assert missing_chars(part["text"], font.cmap) == "", (part["text"], part["font"])
                    parts += 1
    assert parts > 20


def test_new_keys_take_distributions_and_bad_ones_name_the_key():
    from datagen.errors import RecipeError

    r = small_subtitle_recipe()
    r["layers"][0]["style"] = {"preset": {"choice": ["custom", "glow"], "weights": [1, 2]},
                               "presets": {"glow": {"glow_radius": {"uniform": [0.1, 0.2]}}}}
    r["layers"][0]["layout"] = {"mode": {"choice": ["horizontal", "bilingual"]}, "dialogue_p": 0.5}
    r["layers"][0]["effect"] = {"kind": {"choice": ["none", "karaoke"]}}
    recipe_from_dict(r)
    r["layers"][0]["style"] = {"preset": "neon"}
    with pytest.raises(RecipeError, match=r"layers\[0\]\.style\.preset: 'neon' is not one of"):
        recipe_from_dict(r, "r.yaml")
    r["layers"][0]["style"] = {"presets": {"glow": {"glow_radius": {"uniform": [0.1, 2.0]}}}}
    with pytest.raises(RecipeError, match=r"layers\[0\]\.style\.presets\.glow\.glow_radius: values must be"):
        recipe_from_dict(r, "r.yaml")
    r["layers"][0]["style"] = {}
    r["layers"][0]["layout"] = {"mode": "bilingual", "bilingual": {"texts": [{"corpus": "klingon"}]}}
    with pytest.raises(RecipeError, match=r"layers\[0\]\.layout\.bilingual\.texts\[0\]\.corpus: no bundled corpus"):
        recipe_from_dict(r, "r.yaml")
