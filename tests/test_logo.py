"""Logo layer: static masks, exact opacity and blending, user files (alpha holes, broken
files), tiled watermarks, placement, the reusable library and its export command."""
from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from PIL import Image

from datagen.cli import main as cli_main
from datagen.engine import generate
from datagen.errors import RecipeError
from datagen.layers.logo import logo_sprite, pattern_sprite
from datagen.overlays import sources as srcmod
from datagen.overlays.placement import PlacementSpec, place
from datagen.recipe import recipe_from_dict
from datagen.recipe.check import preflight_counts
from datagen.sample import SampleBuilder

NO_FX = {"shadow_p": 0.0, "glow_p": 0.0}


def logo_recipe(layer: dict | None = None, **over) -> dict:
    """A fast recipe: 5 frames at 160x96 over a random flat colour, one logo always on."""
    lay = {"type": "logo", "opacity": {"uniform": [0.15, 1.0]}, "scale": {"uniform": [0.15, 0.3]}}
    lay.update(layer or {})
    r = {"name": "logo_test", "clip": {"frames": 5, "width": 160, "height": 96, "fps": 12},
         "background": {"type": "solid"}, "encode": {"alpha": True}, "layers": [lay]}
    r.update(over)
    return r


def build(recipe: dict, n: int, seed: int = 1):
    b = SampleBuilder(recipe_from_dict(recipe))
    return b, [b.build(seed, i) for i in range(n)]


def expected_blend(clean: np.ndarray, x: int, y: int, rgb: np.ndarray, alpha: np.ndarray, mode: str) -> np.ndarray:
    """Our own integer blend of a sprite that lies fully inside the frame."""
    out = clean.astype(np.int64).copy()
    h, w = alpha.shape
    bg = out[y:y + h, x:x + w]
    fg = rgb.astype(np.int64)
    if mode == "screen":
        fg = 255 - ((255 - bg) * (255 - fg) + 127) // 255
    a = alpha.astype(np.int64)[..., None]
    out[y:y + h, x:x + w] = (bg * (255 - a) + fg * a + 127) // 255
    return out.astype(np.uint8)


def test_static_logo_mask_identical_on_every_frame_and_alpha_matches_opacity():
    b, samples = build(logo_recipe({"effects": NO_FX, "blend": "normal"}), 12)
    checked = 0
    for s in samples:
        plan = s.meta["layers"][0]["params"]
        assert plan["mode"] == "single"
        assert s.mask[0].any(), s.key
        for t in range(1, s.mask.shape[0]):
            assert np.array_equal(s.mask[t], s.mask[0])
            assert np.array_equal(s.alpha[t], s.alpha[0])
        assert len({json.dumps(f) for f in s.meta["layers"][0]["frames"]}) == 1  # same bbox, all visible
        # pixels where the graphic itself is opaque carry exactly the requested opacity
        full = logo_sprite({**plan, "opacity": 1.0}, 160, 96)
        x, y = plan["placement"]["x"], plan["placement"]["y"]
        opaque = full.alpha == 255
        got = s.alpha[0][y:y + full.h, x:x + full.w][opaque]
        assert got.size > 0
        assert np.all(np.abs(got / 255.0 - plan["opacity"]) <= 0.5 / 255 + 1e-9), (plan["opacity"], np.unique(got))
        checked += 1
    assert checked == 12
    assert min(s.meta["layers"][0]["params"]["opacity"] for s in samples) < 0.6  # semi-transparent ones included


@pytest.mark.parametrize("blend", ["normal", "screen"])
def test_semi_transparent_logo_is_the_exact_alpha_blend_of_clean_and_logo(blend):
    recipe = logo_recipe({"opacity": {"uniform": [0.15, 0.7]}, "blend": blend, "sources": [
        {"type": "emblem"}, {"type": "blocks"}, {"type": "library", "count": 8}]})
    b, samples = build(recipe, 10, seed=4)
    for s in samples:
        plan = s.meta["layers"][0]["params"]
        assert plan["blend"] == blend and plan["opacity"] <= 0.7
        sprite = logo_sprite(plan, 160, 96)
        x, y = plan["placement"]["x"], plan["placement"]["y"]
        assert 0 <= x and x + sprite.w <= 160 and 0 <= y and y + sprite.h <= 96
        for t in range(s.clean.shape[0]):
            want = expected_blend(s.clean[t], x, y, sprite.rgb, sprite.alpha, blend)
            assert np.array_equal(s.corrupted[t], want), (s.key, t)
        m = np.zeros((96, 160), bool)
        m[y:y + sprite.h, x:x + sprite.w] = sprite.alpha > 0
        assert np.array_equal(s.mask[0] > 0, m)


def ring_png(path, size: int = 40) -> np.ndarray:
    """An RGBA ring: opaque red annulus, soft outer edge, fully transparent centre hole."""
    yy, xx = np.mgrid[0:size, 0:size]
    r = np.hypot(xx - (size - 1) / 2, yy - (size - 1) / 2)
    a = np.where((r >= size * 0.22) & (r <= size * 0.45), 255, 0).astype(np.uint8)
    a[(r > size * 0.45) & (r <= size * 0.5)] = 90  # a soft rim
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[..., 0], rgba[..., 1], rgba[..., 3] = 230, 40, a
    Image.fromarray(rgba).save(path)
    return rgba


def test_user_logo_keeps_its_transparent_hole_out_of_the_mask(tmp_path):
    folder = tmp_path / "logos"
    folder.mkdir()
    rgba = ring_png(folder / "ring.png", 40)
    # at native size (40 px = 0.25 x 160) the mask is exactly the file's alpha > 0
    layer = {"sources": [{"type": "files", "dir": str(folder)}], "scale": 0.25, "max_width": 1.0, "opacity": 1.0,
             "blend": "normal", "effects": NO_FX}
    b, samples = build(logo_recipe(layer, clip={"frames": 3, "width": 200, "height": 160, "fps": 12}), 6)
    for s in samples:
        plan = s.meta["layers"][0]["params"]
        assert plan["source"] == "file:" + str((folder / "ring.png").resolve())
        x, y = plan["placement"]["x"], plan["placement"]["y"]
        region = s.mask[0][y:y + 40, x:x + 40] > 0
        assert np.array_equal(region, rgba[..., 3] > 0)
        assert s.mask[0].sum() // 255 == (rgba[..., 3] > 0).sum()
        hole = rgba[..., 3] == 0
        assert np.array_equal(s.corrupted[0][y:y + 40, x:x + 40][hole], s.clean[0][y:y + 40, x:x + 40][hole])
        assert np.array_equal(s.alpha[0][y:y + 40, x:x + 40], rgba[..., 3])
    # scaled up, the middle of the hole still stays out of the mask
    b, samples = build(logo_recipe({**layer, "scale": 0.6}, clip={"frames": 2, "width": 200, "height": 160,
                                                                     "fps": 12}), 3)
    for s in samples:
        x0, y0, x1, y1 = s.meta["layers"][0]["frames"][0]["bbox"]
        cy, cx = (y0 + y1) // 2, (x0 + x1) // 2
        assert s.mask[0][cy - 5:cy + 5, cx - 5:cx + 5].max() == 0
        assert s.mask[0][y0:y1, x0:x1].any()


def test_broken_files_in_the_logo_folder_are_counted_and_never_used(tmp_path):
    folder = tmp_path / "logos"
    folder.mkdir()
    ring_png(folder / "b_good.png", 32)
    good_bytes = (folder / "b_good.png").read_bytes()
    (folder / "a_truncated.png").write_bytes(good_bytes[: len(good_bytes) // 2])
    (folder / "c_notes.txt").write_text("not an image\n")
    (folder / "d_random.webp").write_bytes(bytes(range(256)) * 4)
    (folder / ".hidden.png").write_bytes(b"ignored")
    recipe = recipe_from_dict(logo_recipe({"sources": [{"type": "files", "dir": str(folder)}]}))
    assert preflight_counts(recipe)["logo:image_unreadable"] == 3
    res = generate(recipe, str(tmp_path / "out"), samples=6, workers=1, seed=0, shard_size=6, progress=False)
    assert res.skipped_inputs == {"logo:image_unreadable": 3}
    assert res.manifest["skipped_inputs"]["logo:image_unreadable"] == 3
    from datagen.reader import read_samples

    used = {s.meta["layers"][0]["params"]["source"] for s in read_samples([str(tmp_path / "out" / "shard-000000.tar")])}
    assert used == {"file:" + str((folder / "b_good.png").resolve())}


def test_recipe_errors_name_the_file_and_key(tmp_path):
    empty = tmp_path / "broken_only"
    empty.mkdir()
    (empty / "x.png").write_bytes(b"\x89PNG\r\n\x1a\nnope")
    with pytest.raises(RecipeError, match=r"layers\[0\]\.sources\[0\]\.dir: no readable images"):
        recipe_from_dict(logo_recipe({"sources": [{"type": "files", "dir": str(empty)}]}), "r.yaml")
    with pytest.raises(RecipeError, match=r"layers\[0\]\.sources\[0\]\.dir: folder not found"):
        recipe_from_dict(logo_recipe({"sources": [{"type": "files", "dir": str(tmp_path / "nope")}]}), "r.yaml")
    with pytest.raises(RecipeError, match=r"r\.yaml: layers\[0\]\.sources\[0\]\.type: unknown type 'clipart'"):
        recipe_from_dict(logo_recipe({"sources": [{"type": "clipart"}]}), "r.yaml")
    with pytest.raises(RecipeError, match=r"layers\[0\]\.opacity: values must be between 0.01 and 1"):
        recipe_from_dict(logo_recipe({"opacity": {"uniform": [0.5, 1.5]}}), "r.yaml")
    with pytest.raises(RecipeError, match=r"layers\[0\]\.placement\.corner: 'middle' is not one of"):
        recipe_from_dict(logo_recipe({"placement": {"corner": "middle"}}), "r.yaml")


def test_tiled_watermark_covers_the_frame_faintly_and_statically():
    pattern = {"p": 1.0, "text_p": 1.0, "opacity": 0.25, "color": "#FFFFFF", "size": 0.15, "angle": {"choice": [0, 30]}}
    recipe = logo_recipe({"pattern": pattern}, clip={"frames": 3, "width": 192, "height": 128, "fps": 12})
    b, samples = build(recipe, 6)
    angles = set()
    for s in samples:
        plan = s.meta["layers"][0]["params"]
        assert plan["mode"] == "pattern" and plan["text"]
        for t in range(1, 3):
            assert np.array_equal(s.mask[t], s.mask[0])
        m = s.mask[0] > 0
        # repeated over the whole frame: every quadrant holds watermark pixels, a minority of all pixels
        for qy in (slice(0, 64), slice(64, 128)):
            for qx in (slice(0, 96), slice(96, 192)):
                assert m[qy, qx].any(), s.key
        assert 0.02 < m.mean() < 0.7
        angles.add(plan["angle"])
        # opaque text pixels carry exactly the opacity (rotation softens every edge, never brightens)
        assert s.alpha[0].max() == round(0.25 * 255) if plan["angle"] == 0 else s.alpha[0].max() <= round(0.25 * 255)
        sprite = pattern_sprite(plan, 192, 128)
        assert np.array_equal(s.alpha[0], sprite.alpha)
        outside = ~m
        assert np.array_equal(s.corrupted[0][outside], s.clean[0][outside])
    assert angles == {0.0, 30.0}


def test_corner_placement_respects_margins_and_prefers_top_right():
    spec = PlacementSpec(where="corner", margin={"uniform": [0.02, 0.07]})
    corners = Counter()
    for i in range(600):
        p = place(np.random.default_rng(i), spec, 432, 240, 60, 30)
        corners[p["corner"]] += 1
        mx, my = p["margin_px"]
        assert round(0.02 * 240) <= mx <= round(0.07 * 240) and round(0.02 * 240) <= my <= round(0.07 * 240)
        x = mx if p["corner"].endswith("left") else 432 - 60 - mx
        y = my if p["corner"].startswith("top") else 240 - 30 - my
        assert (p["x"], p["y"]) == (x, y)
    assert corners.most_common(1)[0][0] == "top-right"
    assert set(corners) == {"top-right", "top-left", "bottom-right", "bottom-left"}
    big = place(np.random.default_rng(0), PlacementSpec(), 100, 50, 300, 80)  # larger than the frame
    assert (big["x"], big["y"]) == (0, 0)


def test_library_logos_are_the_same_in_every_clip_and_match_the_export(tmp_path):
    recipe = logo_recipe({"sources": [{"type": "library", "count": 3, "seed": 7}], "effects": NO_FX})
    b, samples = build(recipe, 12, seed=2)
    designs = {}
    for s in samples:
        d = s.meta["layers"][0]["params"]["design"]
        lib = d["library"]
        assert lib["seed"] == 7 and 0 <= lib["index"] < 3
        designs.setdefault(lib["index"], []).append(json.dumps(d, sort_keys=True))
    assert len(designs) >= 2
    for versions in designs.values():
        assert len(set(versions)) == 1  # one logo per index, whatever the clip
    fonts = srcmod.FontSelect().fonts()
    assert srcmod.library_design(7, 1, 1.0, 3.0, fonts) == srcmod.library_design(7, 1, 1.0, 3.0, fonts)
    assert srcmod.library_design(7, 1, 1.0, 3.0, fonts) != srcmod.library_design(8, 1, 1.0, 3.0, fonts)

    out = tmp_path / "lib"
    assert cli_main(["logos", "--out", str(out), "--count", "3", "--seed", "7", "--height", "48"]) == 0
    files = sorted(p.name for p in out.iterdir())
    assert files == ["library-7-0000.png", "library-7-0001.png", "library-7-0002.png"]
    for i in range(3):
        exported = np.asarray(Image.open(out / f"library-7-{i:04d}.png"))
        sprite = srcmod.draw(srcmod.library_design(7, i, 1.0, 3.0, fonts), 48)
        assert np.array_equal(exported[..., 3], sprite.alpha)
        assert np.array_equal(exported[..., :3][sprite.alpha > 0], sprite.rgb[sprite.alpha > 0])
    assert cli_main(["logos", "--out", str(out), "--count", "0"]) == 2


def test_bundled_logos_recipe_draws_varied_logos():
    from datagen.recipe import load_recipe

    b = SampleBuilder(load_recipe("logos", ["clip.frames=2", "clip.width=192", "clip.height=108"]))
    kinds, modes, corners = Counter(), Counter(), Counter()
    for i in range(30):
        s = b.build(0, i)
        outside = s.mask == 0
        assert np.array_equal(s.corrupted[outside], s.clean[outside])
        plan = s.meta["layers"][0]["params"]
        modes[plan["mode"]] += 1
        if plan["mode"] == "single":
            kinds[plan["design"]["kind"]] += 1
            corners[plan["placement"].get("corner")] += 1
            assert s.mask[0].any()
    assert {"blocks", "emblem"} <= set(kinds)
    assert modes["single"] > modes["pattern"] > 0 or modes["single"] == 30
    assert corners["top-right"] == max(corners.values())


def test_text_watermark_alpha_path_equals_the_full_colour_path():
    """A text line is one colour, so only its alpha is laid out and warped: the sprite is the
    one the general (premultiplied colour) path makes from the tinted tile."""
    from datagen.overlays.colors import hex_rgb
    from datagen.overlays.pattern import render_pattern, text_tile
    from datagen.overlays.sprite import tint

    pattern = {"p": 1.0, "text_p": 1.0, "color": {"choice": ["#FFFFFF", "#FFD54F", "#222222"]}}
    recipe = logo_recipe({"pattern": pattern}, clip={"frames": 2, "width": 192, "height": 128, "fps": 12})
    b = SampleBuilder(recipe_from_dict(recipe))
    from datagen.rng import layer_stream

    for i in range(8):
        plan = b.layers[0].plan(layer_stream(0, i, 0), b.recipe.clip)
        assert "text" in plan
        tile = text_tile(plan["text"], plan["font"], plan["height_px"])
        fast = render_pattern(plan, tile, 192, 128)
        general = render_pattern({k: v for k, v in plan.items() if k != "text"}, tint(tile, hex_rgb(plan["color"])), 192, 128)
        assert np.array_equal(fast.alpha, general.alpha) and np.array_equal(fast.rgb, general.rgb)
        assert (fast.rgb[fast.alpha > 0] == hex_rgb(plan["color"])).all() and fast.alpha.any()
