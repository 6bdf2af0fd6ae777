"""Object holes (`type: object`): DAVIS / YouTube-VOS label folders (palette PNGs the
tests write), union and single-object modes, broken inputs skipped and counted,
procedural silhouettes that move and look like objects, exact fills, determinism."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from PIL import Image

from datagen.compose import Canvas
from datagen.errors import RecipeError
from datagen.layers import layer_spec_for, make_layer
from datagen.masks import davis
from datagen.masks.raster import affine, fill_polygons
from datagen.masks.silhouettes import KINDS
from datagen.recipe import load_recipe
from datagen.recipe.load import recipe_from_dict
from datagen.recipe.schema import ClipSpec
from datagen.rng import layer_stream
from datagen.sample import SampleBuilder

W0, H0 = 64, 40  # annotation frame size
NO_DILATE = {"iterations": 0}


def palette_png(path, labels: np.ndarray) -> None:
    h, w = labels.shape
    im = Image.frombytes("P", (w, h), np.ascontiguousarray(labels, np.uint8).tobytes())
    pal = [0, 0, 0, 128, 0, 0, 0, 128, 0] + [0] * (256 * 3 - 9)  # DAVIS-like palette
    im.putpalette(pal)
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path)


def two_objects(t: int) -> np.ndarray:
    """Object 1: a box moving right; object 2: a disc moving down."""
    a = np.zeros((H0, W0), np.uint8)
    a[5:20, 4 + t:16 + t] = 1
    cv2.circle(a, (45, 8 + t), 7, 2, -1)
    return a


def make_davis(root, seqs=("bear",), frames=10):
    for s in seqs:
        for t in range(frames):
            palette_png(root / "Annotations" / "480p" / s / f"{t:05d}.png", two_objects(t))
    return root


def obj_layer(**kw):
    return make_layer(layer_spec_for("object").model_validate({"type": "object", **kw}))


def exact_paste(**over):
    """Annotation settings that paste the label frame 1:1 at (0, 0)."""
    return {"scale": 1.0, "flip_p": 0.0, "offset": 0.0, **over}


CLIP0 = ClipSpec(frames=6, width=W0, height=H0)


# -- DAVIS / YouTube-VOS reader --------------------------------------------------------
def test_reader_finds_davis_and_youtube_vos_layouts(tmp_path):
    make_davis(tmp_path / "DAVIS", seqs=("bear", "car"))
    (tmp_path / "DAVIS" / "Annotations" / "480p" / "empty").mkdir()
    idx = davis.scan([str(tmp_path / "DAVIS")])
    assert [s.name for s in idx.sequences] == ["bear", "car"] and idx.empty == 1
    assert idx.sequences[0].files[:2] == ("00000.png", "00001.png")
    yt = tmp_path / "ytvos" / "train" / "Annotations" / "0a2f"
    for t in (0, 5, 10):
        palette_png(yt / f"{t:05d}.png", two_objects(t))
    idx = davis.scan([str(tmp_path / "ytvos")])
    assert [s.name for s in idx.sequences] == ["0a2f"] and idx.sequences[0].files[-1] == "00010.png"
    labels = davis.load_window(idx.sequences[0].dir, list(idx.sequences[0].files))
    assert labels.shape == (3, H0, W0) and davis.object_ids(labels) == [1, 2]


def test_union_mode_pastes_every_object(tmp_path):
    root = make_davis(tmp_path / "DAVIS")
    lay = obj_layer(annotations={"paths": [str(root)], "objects": "union", **exact_paste()}, dilate=NO_DILATE)
    plan = lay.plan(layer_stream(0, 0, 0), CLIP0)
    assert plan["source"] == "annotations" and plan["ids"] == [1, 2] and plan["position"] == [0, 0]
    masks = lay.masks(plan, 6, H0, W0)
    for t, name in enumerate(plan["files"]):
        k = int(name[:5])
        assert np.array_equal(masks[t] > 0, two_objects(k) > 0)


def test_single_mode_pastes_one_object_and_flip_mirrors(tmp_path):
    root = make_davis(tmp_path / "DAVIS")
    seen = set()
    for i in range(12):
        lay = obj_layer(annotations={"paths": [str(root)], "objects": "single", **exact_paste(flip_p=1.0)},
                        dilate=NO_DILATE)
        plan = lay.plan(layer_stream(0, i, 0), CLIP0)
        (oid,) = plan["ids"]
        seen.add(oid)
        assert plan["flip"] is True
        masks = lay.masks(plan, 6, H0, W0)
        for t, name in enumerate(plan["files"]):
            want = (two_objects(int(name[:5])) == oid)[:, ::-1]
            assert np.array_equal(masks[t] > 0, want)
    assert seen == {1, 2}


def test_scale_and_offset_keep_the_object_in_frame(tmp_path):
    root = make_davis(tmp_path / "DAVIS")
    lay = obj_layer(annotations={"paths": [str(root)], "scale": 0.5, "offset": 1.0})
    clip = ClipSpec(frames=4, width=128, height=80)  # annotation covers the clip at 2x, then 0.5x
    for i in range(20):
        plan = lay.plan(layer_stream(0, i, 0), clip)
        assert plan["size"] == [W0, H0]
        masks = lay.masks(plan, 4, 80, 128)
        assert masks.reshape(4, -1).any(axis=1).any()


def test_short_sequence_plays_ping_pong(tmp_path):
    root = make_davis(tmp_path / "DAVIS", frames=4)
    lay = obj_layer(annotations={"paths": [str(root)], **exact_paste()})
    plan = lay.plan(layer_stream(0, 3, 0), ClipSpec(frames=9, width=W0, height=H0))
    assert plan["pingpong"] is True and len(plan["files"]) == 9
    idx = [int(f[:5]) for f in plan["files"]]
    assert all(abs(a - b) == 1 for a, b in zip(idx, idx[1:]))  # forward and back, one step at a time
    long = lay.plan(layer_stream(0, 3, 0), ClipSpec(frames=3, width=W0, height=H0))
    assert long["pingpong"] is False


def test_broken_annotations_are_skipped_and_counted(tmp_path):
    root = make_davis(tmp_path / "DAVIS", seqs=("good",), frames=8)
    ann = root / "Annotations" / "480p"
    (ann / "garbage").mkdir()
    for t in range(8):
        (ann / "garbage" / f"{t:05d}.png").write_bytes(b"not a png at all")
    for t in range(8):  # frames of two sizes
        palette_png(ann / "mixed" / f"{t:05d}.png", np.ones((H0 + 2 * (t % 2), W0), np.uint8))
    (ann / "rgb").mkdir()
    for t in range(8):  # an RGB picture, not a label image
        Image.fromarray(np.full((H0, W0, 3), 200, np.uint8)).save(ann / "rgb" / f"{t:05d}.png")
    (ann / "empty").mkdir()
    recipe = recipe_from_dict({
        "name": "broken", "clip": {"frames": 4, "width": W0, "height": H0},
        "background": {"type": "solid"},
        "layers": [{"type": "object", "annotations": {"paths": [str(root)], "stride": 1}}],
    })
    assert recipe.layers[0].preflight() == {"annotation_empty_sequence": 1}
    builder = SampleBuilder(recipe)
    skipped = {}
    for i in range(16):
        s = builder.build(0, i)
        assert s.meta["layers"][0]["params"]["sequence"].endswith("good")
        for k, v in s.skipped.items():
            skipped[k] = skipped.get(k, 0) + v
    assert set(skipped) == {"object:annotation_unreadable", "object:annotation_size_mismatch",
                            "object:annotation_not_indexed"}


def test_missing_annotation_folder_is_a_one_line_recipe_error(tmp_path):
    with pytest.raises(RecipeError, match=r"r\.yaml: layers\[0\]\.annotations\.paths\[0\]: annotation folder not found"):
        recipe_from_dict({"background": {"type": "solid"},
                          "layers": [{"type": "object", "annotations": str(tmp_path / "nope")}]}, "r.yaml")
    (tmp_path / "blank").mkdir()
    with pytest.raises(RecipeError, match=r"no label PNGs"):
        recipe_from_dict({"background": {"type": "solid"},
                          "layers": [{"type": "object", "annotations": [str(tmp_path / "blank")]}]}, "r.yaml")


# -- procedural objects ----------------------------------------------------------------
CLIP = ClipSpec(frames=16, width=432, height=240)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_procedural_objects_move_every_frame(kind):
    lay = obj_layer(procedural={"kinds": kind, "count": 1}, dilate=NO_DILATE)
    for i in range(6):
        plan = lay.plan(layer_stream(0, i, 0), CLIP)
        assert plan["source"] == "procedural" and plan["objects"][0]["kind"] == kind
        masks = lay.masks(plan, CLIP.frames, CLIP.height, CLIP.width)
        drawn = masks.reshape(CLIP.frames, -1).any(axis=1)
        assert drawn[CLIP.frames // 2], "the object is in frame mid-clip"
        for t in range(CLIP.frames - 1):
            if drawn[t] or drawn[t + 1]:
                assert not np.array_equal(masks[t], masks[t + 1]), f"{kind}: frames {t} and {t + 1} are equal"


def silhouette(kind: str, seed: int, phase: float, size: int = 200) -> np.ndarray:
    k = KINDS[kind]
    m = np.zeros((size * 2, size * 2), np.uint8)
    fill_polygons(m, [affine(q, size, size * 1.5, size) for q in k.pose(k.draw(np.random.default_rng(seed)), phase)])
    return m


def shape_stats(m: np.ndarray) -> tuple[float, float]:
    """(width / height of the bounding box, solidity = area / convex hull area)."""
    cnts, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    pts = np.concatenate(cnts)
    x, y, w, h = cv2.boundingRect(pts)
    return w / h, float((m > 0).sum()) / cv2.contourArea(cv2.convexHull(pts))


@pytest.mark.parametrize("kind,aspect,max_solidity", [
    ("person", (0.15, 0.85), 0.75),  # tall (a running stride is the widest), limbs apart from the trunk
    ("car", (2.0, 4.0), 0.95),  # long and low (a car's outline is nearly convex)
    ("dog", (0.9, 2.2), 0.72),  # longer than tall, legs and tail
    ("horse", (0.7, 1.8), 0.7),
    ("bird", (0.8, 3.5), 0.8),
])
def test_silhouettes_look_like_objects_not_blobs(kind, aspect, max_solidity):
    for seed in range(8):
        for phase in (0.0, 1.3, 2.9, 4.4):
            a, solidity = shape_stats(silhouette(kind, seed, phase))
            if kind == "person" and KINDS["person"].draw(np.random.default_rng(seed))["gait"] == "stand":
                continue  # a standing person is a column
            assert aspect[0] <= a <= aspect[1], f"{kind} seed {seed}: aspect {a:.2f}"
            assert solidity <= max_solidity, f"{kind} seed {seed}: solidity {solidity:.2f} (blob-like)"


def ground_contacts(m: np.ndarray, frac: float = 0.05) -> int:
    """Separate runs of pixels in the row `frac` of the height above the lowest point:
    feet, hooves or wheels touching the ground."""
    ys = np.nonzero(m.any(axis=1))[0]
    row = m[int(ys[-1] - frac * (ys[-1] - ys[0]))] > 0
    return int(np.sum(row[1:] & ~row[:-1]) + row[0])


@pytest.mark.parametrize("kind,least,most", [("person", 2, 2), ("car", 2, 2), ("dog", 3, 4), ("horse", 3, 4)])
def test_silhouettes_stand_on_legs_or_wheels(kind, least, most):
    """A walker shows two feet, a car two wheels, a trotting animal three or four legs at
    some point of its cycle; a blob would show one contact."""
    for seed in range(6):
        if kind == "person" and KINDS["person"].draw(np.random.default_rng(seed))["gait"] != "walk":
            continue
        contacts = [ground_contacts(silhouette(kind, seed, ph)) for ph in np.linspace(0, 2 * np.pi, 8, endpoint=False)]
        assert least <= max(contacts) <= most, f"{kind} seed {seed}: {contacts}"


def test_object_size_follows_the_recipe():
    lay = obj_layer(procedural={"kinds": "person", "count": 1, "size": 0.5, "zoom_p": 0.0}, dilate=NO_DILATE)
    for i in range(10):
        plan = lay.plan(layer_stream(0, i, 0), CLIP)
        if plan["objects"][0]["params"]["gait"] == "run":
            continue
        m = lay.masks(plan, CLIP.frames, CLIP.height, CLIP.width)[CLIP.frames // 2]
        ys = np.nonzero(m.any(axis=1))[0]
        assert 0.42 * 240 <= ys[-1] - ys[0] + 1 <= 0.52 * 240


def test_fill_and_dilation_are_exact_and_recorded():
    rng = np.random.default_rng(1)
    clean = rng.integers(0, 256, (8, 96, 160, 3), dtype=np.uint8)
    lay = obj_layer(fill="grey")  # default dilation: 3x3 cross, 4 iterations
    clip = ClipSpec(frames=8, width=160, height=96)
    plan = lay.plan(layer_stream(2, 0, 0), clip)
    assert plan["dilate"] == {"kernel": 3, "iterations": 4, "shape": "cross"}
    canvas = Canvas(clean)
    lay.render(plan, canvas)
    hole = canvas.mask > 0
    assert hole.any()
    np.testing.assert_array_equal(canvas.frames[~hole], clean[~hole])
    assert (canvas.frames[hole] == 128).all()
    bare = lay.masks({**plan, "dilate": {**plan["dilate"], "iterations": 0}}, 8, 96, 160)
    kernel = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    for t in range(8):
        assert np.array_equal(hole[t], cv2.dilate(bare[t], kernel, iterations=4) > 0)


def test_plan_is_json_and_render_is_pure(tmp_path):
    root = make_davis(tmp_path / "DAVIS")
    for kw in ({}, {"annotations": {"paths": [str(root)]}}):
        lay = obj_layer(**kw)
        plan = lay.plan(layer_stream(9, 4, 0), CLIP)
        assert json.loads(json.dumps(plan)) == plan
        fresh = obj_layer(**kw)  # another process: no cached window
        assert np.array_equal(lay.masks(plan, 16, 240, 432), fresh.masks(json.loads(json.dumps(plan)), 16, 240, 432))


def test_bundled_recipe_validates():
    recipe = load_recipe("objects")
    assert recipe.layers[0].type == "object" and recipe.layers[0].annotations is None


def test_workers_1_and_2_are_byte_identical(tmp_path):
    from datagen.engine.run import generate

    root = make_davis(tmp_path / "DAVIS", seqs=("a", "b"), frames=12)
    recipe = recipe_from_dict({
        "name": "holes", "clip": {"frames": 5, "width": 96, "height": 64},
        "background": {"type": "solid"},
        "layers": [{"type": "freeform", "p": 0.7},
                   {"type": "object", "annotations": {"paths": [str(root)], "p": 0.5}, "p": 0.8}],
    })
    a = generate(recipe, str(tmp_path / "w1"), samples=6, workers=1, seed=3, shard_size=3, progress=False)
    b = generate(recipe, str(tmp_path / "w2"), samples=6, workers=2, seed=3, shard_size=3, progress=False)
    for name in ("shard-000000.tar", "shard-000001.tar", "manifest.json"):
        assert (tmp_path / "w1" / name).read_bytes() == (tmp_path / "w2" / name).read_bytes()
    assert a.manifest["shards"] == b.manifest["shards"]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_polygons_filled_in_one_transform_match_one_by_one(kind):
    """`fill_polygons_at` (one transform for a whole pose) draws what transforming and
    filling each polygon does."""
    from datagen.masks.raster import fill_polygons_at

    rng = np.random.default_rng(1)
    k = KINDS[kind]
    params = k.draw(rng)
    for _ in range(6):
        polys = k.pose(params, float(rng.uniform(0, 6.3)))
        x, y, s, a = float(rng.uniform(0, 120)), float(rng.uniform(20, 90)), float(rng.uniform(20, 90)), float(rng.uniform(-40, 40))
        flip = bool(rng.random() < 0.5)
        one, batch = np.zeros((100, 140), np.uint8), np.zeros((100, 140), np.uint8)
        fill_polygons(one, [affine(q, x, y, s, a, flip) for q in polys])
        fill_polygons_at(batch, polys, x, y, s, a, flip)
        assert np.array_equal(one, batch) and one.any()


@pytest.mark.parametrize("how", [{"kernel": 3, "iterations": 4, "shape": "cross"},
                                 {"kernel": 7, "iterations": 2, "shape": "ellipse"},
                                 {"kernel": 4, "iterations": 1, "shape": "rect"}])
def test_dilation_inside_each_frames_box_equals_dilating_the_whole_frame(how):
    from datagen.masks.holes import dilate

    rng = np.random.default_rng(2)
    masks = np.zeros((5, 60, 80), np.uint8)
    masks[0, 20:30, 30:45] = 255
    masks[1, 0:6, 70:80] = 255  # touches the top and right borders
    masks[2] = np.where(rng.random((60, 80)) < 0.01, 255, 0)  # scattered over the frame
    masks[4, 59, 0] = 255  # a corner pixel; frame 3 stays empty
    kernel = cv2.getStructuringElement({"cross": cv2.MORPH_CROSS, "ellipse": cv2.MORPH_ELLIPSE,
                                        "rect": cv2.MORPH_RECT}[how["shape"]], (how["kernel"],) * 2)
    want = np.stack([cv2.dilate(m, kernel, iterations=how["iterations"]) for m in masks])
    assert np.array_equal(dilate(masks.copy(), how), want)
