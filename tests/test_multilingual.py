"""Every script drawn right: no tofu, right-to-left order, shaping; layouts inside the frame;
presets; the multilingual recipe end to end and deterministic."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from datagen.errors import RecipeError
from datagen.recipe import load_recipe, recipe_from_dict
from datagen.sample import SampleBuilder
from datagen.text import scripts
from datagen.text.corpus import bundled_corpora, corpus_path, load_lines
from datagen.text.fonts import FontCatalog, missing_chars, resolve_label
from datagen.text.layout import ink_box, place_event
from datagen.text.presets import PRESET_NAMES
from datagen.text.render import Style, _glyph, load_font, render_block

CLIP = {"frames": 4, "width": 240, "height": 136, "fps": 12}


def recipe(layer: dict, clip=CLIP, name="ml") -> dict:
    base = {"type": "subtitle", "timing": {"duration": 3.0, "gap_p": 0.0, "fade_p": 0.0}}
    return {"name": name, "clip": clip, "background": {"type": "solid"}, "layers": [{**base, **layer}]}


def events_of(meta: dict) -> list[dict]:
    return [ev for layer in meta["layers"] for ev in layer["params"].get("events", [])]


def parts_of(ev: dict) -> list[dict]:
    return [ev, *ev.get("parts", [])]


@pytest.fixture(scope="module")
def per_corpus():
    """A few samples per bundled corpus, with the layouts and presets of the multilingual recipe."""
    out = {}
    for code in bundled_corpora():
        layer = {"texts": [{"corpus": code}], "layout": {"mode": {"choice": ["horizontal", "bilingual"]},
                                                       "dialogue_p": 0.3, "note_p": 0.3, "italic_p": 0.3},
                 "style": {"preset": {"choice": ["custom", *PRESET_NAMES]}}}
        b = SampleBuilder(recipe_from_dict(recipe(layer)))
        out[code] = [b.build(0, i) for i in range(5)]
    return out


def _notdef(font) -> np.ndarray | None:
    return _glyph(font, "\U0010FFFD")[0]  # a private-use code point no bundled font maps: the .notdef box


def test_every_corpus_line_has_a_covering_font():
    cat = FontCatalog.scan()
    for code in bundled_corpora():
        lines = load_lines(str(corpus_path(code)))
        bad = [ln for ln in lines if not any(f.covers(ln) for f in cat.fonts)]
        assert not bad, (code, bad[:3])


def test_no_tofu_in_any_script(per_corpus):
    seen_scripts = set()
    for code, samples in per_corpus.items():
        drawn = 0
        for s in samples:
            for ev in events_of(s.meta):
                for part in parts_of(ev):
                    path = resolve_label(part["font"])
                    font = FontCatalog.from_files([path]).fonts[0]
                    assert missing_chars(part["text"], font.cmap) == "", (code, part["text"], part["font"])
                    pil = load_font(path, 24)
                    box = _notdef(pil)
                    for ch in set(part["text"]) - set(" \n\u3000"):
                        g = _glyph(pil, ch)[0]
                        assert box is None or g is None or g.shape != box.shape or not np.array_equal(g, box), \
                            (code, ch, part["font"])
                    drawn += 1
            seen_scripts.add(scripts.script_of(events_of(s.meta)[0]["text"]) if events_of(s.meta) else None)
        assert drawn >= 3, code
    assert {"latin", "cyrillic", "greek", "han", "japanese", "hangul", "arabic", "hebrew", "devanagari",
            "thai"} <= seen_scripts


def test_script_detection_matches_the_corpora():
    for code, script in scripts.CORPUS_SCRIPTS.items():
        lines = load_lines(str(corpus_path(code)))
        share = np.mean([scripts.script_of(ln) == script for ln in lines])
        assert share > 0.9, (code, share)
        assert all(scripts.is_rtl(ln) for ln in lines[:50]) == (script in scripts.RTL_SCRIPTS), code


def _font_for(code: str) -> str:
    line = load_lines(str(corpus_path(code)))[3]
    return [f for f in FontCatalog.scan().fonts if f.covers(line) and f.style == "regular"][0].path


@pytest.mark.parametrize("code", ["he", "ar"])
def test_right_to_left_text_renders_in_visual_order(code):
    """Dropping the first logical character changes only the right end of the rendered line."""
    path = _font_for(code)
    line = next(ln for ln in load_lines(str(corpus_path(code))) if len(ln) > 12 and ln[0].isalpha())
    style = Style(align="left")
    full = render_block([line], path, 40, style).alpha
    rest = render_block([line[1:]], path, 40, style).alpha
    x0, _, x1, _ = ink_box(rest)
    keep = x0 + int(0.6 * (x1 - x0))  # the visual left part: the end of the sentence
    h = min(full.shape[0], rest.shape[0])
    same = np.abs(full[:h, :keep].astype(int) - rest[:h, :keep].astype(int)).mean()
    assert same < 1.0, same
    assert ink_box(full)[2] > x1 + 5  # the first character sits beyond the right end of the rest
    # the same check on left-to-right text fails: the whole line shifts
    latin = _font_for("en")
    lf = render_block(["Hello there, friend"], latin, 40, style).alpha
    lr = render_block(["ello there, friend"], latin, 40, style).alpha
    h = min(lf.shape[0], lr.shape[0])
    assert np.abs(lf[:h, :ink_box(lr)[2] // 2].astype(int) - lr[:h, :ink_box(lr)[2] // 2].astype(int)).mean() > 5


@pytest.mark.parametrize("code", ["ar", "hi", "th"])
def test_shaped_scripts_differ_from_unshaped_rendering(code):
    path = _font_for(code)
    lines = [ln for ln in load_lines(str(corpus_path(code))) if len(ln) > 10][:5]
    assert load_font(path, 40).layout_engine == ImageFont.Layout.RAQM
    basic = ImageFont.truetype(path, 40, layout_engine=ImageFont.Layout.BASIC)
    differing = 0
    for line in lines:
        ours = render_block([line], path, 40, Style(align="left"))
        img = Image.new("L", ours.alpha.shape[::-1], 0)
        x0 = ours.lines[0].x0
        ImageDraw.Draw(img).text((x0, ours.lines[0].baseline), line, font=basic, fill=255, anchor="ls")
        unshaped = np.asarray(img)
        differing += np.abs(ours.alpha.astype(int) - unshaped.astype(int)).mean() > 2.0
    assert differing == len(lines)


def test_complex_scripts_need_raqm_at_start_up(monkeypatch):
    monkeypatch.setattr(scripts, "has_raqm", lambda: False)
    with pytest.raises(RecipeError, match=r"r\.yaml: layers\[0\]\.texts\[1\]: corpus:ar: .*libraqm"):
        recipe_from_dict(recipe({"texts": [{"corpus": "en"}, {"corpus": "ar"}]}), "r.yaml")
    recipe_from_dict(recipe({"texts": [{"corpus": "en"}, {"corpus": "ja"}]}), "r.yaml")  # no shaping needed


def _placed_ok(s, layer_params, W, H):
    """Every part of every event is inside the frame and the mask is exactly what was placed."""
    for ev in layer_params["events"]:
        placed = place_event(ev, layer_params, W, H)
        union = np.zeros((H, W), bool)
        for p in placed:
            a = p.sprites[0].alpha
            x0, y0, x1, y1 = ink_box(a)
            assert 0 <= p.x + x0 and p.x + x1 <= W and 0 <= p.y + y0 and p.y + y1 <= H, (ev["text"], p.role)
            ys, xs = np.nonzero(a)
            union[ys + p.y, xs + p.x] = True
        t = ev["start"]
        if all(e is ev or not (e["start"] <= t < e["end"]) for e in layer_params["events"]):
            assert np.array_equal(s.mask[t] > 0, union), ev["text"]
        yield ev, placed


def test_bilingual_layout_two_scripts_inside_the_frame():
    layer = {"texts": [{"corpus": "zh_hans"}, {"corpus": "ja"}], "layout": {"mode": "bilingual", "note_p": 0.3},
             "style": {"preset": "outline"}}
    b = SampleBuilder(recipe_from_dict(recipe(layer)))
    n = 0
    for i in range(12):
        s = b.build(1, i)
        params = s.meta["layers"][0]["params"]
        for ev, placed in _placed_ok(s, params, CLIP["width"], CLIP["height"]):
            tr = [p for p in ev.get("parts", []) if p["role"] == "translation"]
            if not tr:
                continue
            n += 1
            assert scripts.script_of(tr[0]["text"]) == "latin" != scripts.script_of(ev["text"])
            assert tr[0]["font"] != ev["font"] and tr[0]["size_px"] < params["size_px"]
            main, second = placed[0], [p for p in placed if p.role == "translation"][0]

            def centre(p):
                _, y0, _, y1 = ink_box(p.sprites[0].alpha)
                return p.y + (y0 + y1) / 2, p.y + y0, p.y + y1

            (cm, tm, bm), (cs, ts, bs) = centre(main), centre(second)
            assert (cm < cs) == (tr[0]["order"] == "main_first")
            # stacked line boxes: at most outlines and shadows touch
            assert (ts - bm if cm < cs else tm - bs) > -0.25 * params["size_px"]
    assert n >= 8


def test_vertical_cjk_along_a_side_edge_inside_the_frame():
    layer = {"texts": [{"corpus": "ja"}, {"corpus": "zh_hant"}], "layout": {"mode": "vertical"},
             "style": {"preset": "outline"}}
    clip = {**CLIP, "width": 320, "height": 180}
    b = SampleBuilder(recipe_from_dict(recipe(layer, clip)))
    n = 0
    for i in range(10):
        s = b.build(2, i)
        params = s.meta["layers"][0]["params"]
        side = params["placement"]["vertical"]["side"]
        for ev, placed in _placed_ok(s, params, clip["width"], clip["height"]):
            assert ev.get("vertical")
            x0, y0, x1, y1 = ink_box(placed[0].sprites[0].alpha)
            assert (y1 - y0) > (x1 - x0) * 0.8 * len(ev["lines"]) / 2  # columns, not rows
            cx = placed[0].x + (x0 + x1) / 2
            assert (cx > clip["width"] * 0.6) if side == "right" else (cx < clip["width"] * 0.4)
            n += 1
    assert n >= 8


def test_dialogue_signs_notes_and_italics():
    layer = {"texts": [{"corpus": "en"}, {"corpus": "ru"}],
             "layout": {"dialogue_p": 0.4, "sign_p": 0.3, "note_p": 0.3, "italic_p": 0.5, "max_lines": 2},
             "style": {"preset": "outline"}}
    clip = {**CLIP, "width": 432, "height": 240}
    b = SampleBuilder(recipe_from_dict(recipe(layer, clip)))
    kinds = set()
    for i in range(30):
        s = b.build(3, i)
        params = s.meta["layers"][0]["params"]
        for ev, placed in _placed_ok(s, params, clip["width"], clip["height"]):
            if ev.get("dialogue"):
                kinds.add("dialogue")
                assert len(ev["lines"]) == 2 and all(ln[0] in "-–—" for ln in ev["lines"])
            if ev.get("role") == "sign":
                kinds.add("sign")
                assert placed[0].y + ink_box(placed[0].sprites[0].alpha)[3] < clip["height"] / 2
            if ev.get("italic") == "synthetic":
                kinds.add("synthetic italic")
                assert ev["style"]["shear"] > 0
            if ev.get("italic") == "font":
                kinds.add("italic face")
                assert "italic" in ev["font_style"]
            for p in placed[1:]:
                if p.role == "note":
                    kinds.add("note")
                    main_low = placed[0].y > clip["height"] / 2
                    assert (p.y + ink_box(p.sprites[0].alpha)[3] < clip["height"] / 2) == main_low
    assert kinds == {"dialogue", "sign", "synthetic italic", "italic face", "note"}, kinds


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_each_style_preset(preset):
    layer = {"texts": [{"corpus": "en"}], "style": {"preset": preset, "presets": {"cc_box": {"box_mode": "block"}}}}
    b = SampleBuilder(recipe_from_dict({**recipe(layer, {**CLIP, "width": 320, "height": 180}),
                                        "encode": {"alpha": True}}))
    for i in range(4):
        s = b.build(4, i)
        params = s.meta["layers"][0]["params"]
        st = params["style"]
        assert params["preset"] == preset
        ev = params["events"][0]
        m = s.mask[ev["start"]] > 0
        ys, xs = np.nonzero(m)
        region = s.corrupted[ev["start"]][m]
        if preset == "cc_box":  # the box is part of the mask: a full rectangle
            assert m[ys.min():ys.max() + 1, xs.min():xs.max() + 1].all()
        elif preset == "thin_caps":
            assert ev["text"] == ev["text"].upper() and st["letter_spacing"] > 0.1 * params["size_px"]
            assert "outline_width" not in st and "shadow" not in st
        elif preset in ("outline", "dvd"):
            r, g, bl = (int(st["fill"][j:j + 2], 16) for j in (1, 3, 5))
            assert st["outline_width"] >= 1 and st["outline_color"] in ("#000000", "#101010", "#202020", "#1A1A30")
            assert (min(r, g, bl) >= 0xE0) if preset == "outline" else (min(r, g) >= 0xD0 and bl <= 0x60)
        elif preset == "soft_shadow":
            assert "outline_width" not in st and st["shadow"]["blur"] > 0
        elif preset == "glow":
            assert st["glow"]["radius"] > 0
        elif preset == "gradient":
            top, bot = np.array([int(st["gradient"][k][j:j + 2], 16) for k in ("top", "bottom") for j in (1, 3, 5)]
                                ).reshape(2, 3)
            assert np.abs(top - bot).sum() > 60
        elif preset == "translucent":
            assert st["opacity"] < 0.8 and s.alpha[ev["start"]].max() <= st["opacity"] * 255 + 1
        assert region.size > 0


def test_multilingual_recipe_is_deterministic_and_exact():
    r = load_recipe("multilingual", ["clip.frames=6"])
    a, b = SampleBuilder(r), SampleBuilder(r)
    layouts = set()
    for i in range(10):
        x, y = a.build(7, i), b.build(7, i)
        assert np.array_equal(x.corrupted, y.corrupted) and np.array_equal(x.mask, y.mask)
        assert json.dumps(x.meta, sort_keys=True) == json.dumps(y.meta, sort_keys=True)
        assert np.array_equal(x.corrupted[x.mask == 0], x.clean[x.mask == 0])
        for layer in x.meta["layers"]:
            layouts.add(layer["params"].get("layout", layer["type"]))
    assert len(layouts) >= 2, layouts


@pytest.mark.slow
@pytest.mark.parametrize("name", ["multilingual", "danmaku"])
def test_recipe_writes_shards(tmp_path, name):
    from datagen.engine.run import generate

    res = generate(load_recipe(name, ["clip.frames=4"]), str(tmp_path / name), samples=4, workers=1, seed=0,
                   shard_size=2, progress=False)
    manifest = json.loads((tmp_path / name / "manifest.json").read_text())
    assert manifest["complete"] and manifest["samples"] == 4 and len(manifest["shards"]) == 2, res

