"""Recipe loading: distributions, schema errors (each message checked), extends, overrides."""
from __future__ import annotations

import numpy as np
import pytest

from datagen.errors import RecipeError
from datagen.recipe import load_recipe, recipe_sha256
from datagen.recipe.dist import Choice, Const, Normal, Uniform, parse_categorical, parse_numeric
from datagen.recipe.load import bundled_recipes


def test_numeric_forms_and_sampling():
    rng = np.random.default_rng(0)
    assert parse_numeric(3, 0, 10) == Const(3.0)
    u = parse_numeric({"uniform": [1, 2]}, 0, 10)
    assert isinstance(u, Uniform) and all(1 <= u.sample(rng) <= 2 for _ in range(100))
    n = parse_numeric({"normal": {"mean": 0, "std": 5, "min": -1, "max": 1}})
    assert isinstance(n, Normal) and all(-1 <= n.sample(rng) <= 1 for _ in range(100))
    c = parse_numeric({"choice": [1, 2, 3], "weights": [0, 0, 1]})
    assert isinstance(c, Choice) and {c.sample(rng) for _ in range(20)} == {3.0}
    ri = parse_numeric({"randint": [0, 2]}, integer=True)
    assert {ri.sample(rng) for _ in range(200)} == {0, 1, 2}


def test_dist_round_trips_to_raw():
    for raw in ({"uniform": [0.1, 0.2]}, {"choice": [1.0, 2.0], "weights": [1.0, 3.0]},
                {"normal": {"mean": 0.0, "std": 1.0, "min": -2.0, "max": 2.0}}):
        assert parse_numeric(raw).to_raw() == raw


@pytest.mark.parametrize("raw, lo, hi, needle", [
    ({"uniform": [2, 1]}, None, None, "a <= b"),
    ({"uniform": [0, 2]}, 0, 1, "between 0 and 1"),
    ({"uniforn": [0, 1]}, None, None, "expected a number"),
    ({"choice": []}, None, None, "non-empty list"),
    ({"choice": [1, 2], "weights": [1]}, None, None, "list of 2"),
    ("big", None, None, "expected a number"),
    (True, None, None, "expected a number"),
])
def test_numeric_errors(raw, lo, hi, needle):
    with pytest.raises(ValueError, match=needle):
        parse_numeric(raw, lo, hi)


def test_categorical():
    d = parse_categorical({"choice": ["a", "b"], "weights": [1, 0]}, ["a", "b", "c"])
    assert d.sample(np.random.default_rng(1)) == "a"
    with pytest.raises(ValueError, match="'z' is not one of"):
        parse_categorical("z", ["a", "b"])


BASE = "background: {type: solid}\n"


@pytest.mark.parametrize("text, needle", [
    ("clip: {frames: 0}", "clip.frames: Input should be greater than or equal to 1, got 0"),
    ("clip: {framez: 3}", "clip.framez: unknown key 'framez' (allowed: fps, frames, height, width)"),
    ("clip: {width: wide}", "clip.width: Input should be a valid integer"),
    ("layers: [{type: subtitle, style: {opacity: 2}}]", "layers[0].style.opacity: values must be between 0.05 and 1"),
    ("layers: [{type: subtitle, stlye: {}}]", "layers[0].stlye: unknown key 'stlye' (allowed: "),
    ("layers: [{type: subtitel}]", "layers[0].type"),
    ("layers: [{type: subtitle, texts: [{file: /no/such.txt}]}]", "layers[0].texts[0].file: file not found: /no/such.txt"),
    ("layers: [{type: subtitle, fonts: {files: [/no/font.ttf]}}]", "layers[0].fonts.files[0]: font file not found"),
    ("layers: [{type: subtitle, texts: [{corpus: xx}]}]", "layers[0].texts[0].corpus: no bundled corpus 'xx'"),
    ("layers: [{type: subtitle, layout: {size: {uniform: [0.1]}}}]", "layers[0].layout.size: 'uniform' needs a list"),
    ("clip: {frames: 900, width: 7680, height: 4320}", "needs about 223.0 GiB per sample"),
    ("encode: {format: gif}", "encode.format: Input should be 'jpg', 'png' or 'webp'"),
    ("mask: {dilate: {shape: star}}", "mask.dilate.shape"),
    ("layers: [{type: subtitle, p: 1.5}]", "layers[0].p: Input should be less than or equal to 1"),
])
def test_recipe_errors_name_file_and_key(write_recipe, text, needle):
    path = write_recipe(BASE + text)
    with pytest.raises(RecipeError) as e:
        load_recipe(str(path))
    msg = str(e.value)
    assert msg.startswith(str(path)), msg
    assert needle in msg, msg


def test_invalid_yaml_names_line(write_recipe):
    path = write_recipe("clip: {frames: 3\nlayers: [")
    with pytest.raises(RecipeError, match=r"invalid YAML: line \d+, column \d+"):
        load_recipe(str(path))


def test_not_utf8_recipe(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(RecipeError, match="not UTF-8"):
        load_recipe(str(p))


def test_text_file_errors(write_recipe, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("caf\xe9\n".encode("latin-1"))
    for f, needle in ((empty, "holds no text lines"), (latin1, "is not UTF-8 text")):
        path = write_recipe(BASE + f"layers: [{{type: subtitle, texts: [{{file: {f}}}]}}]")
        with pytest.raises(RecipeError, match=needle):
            load_recipe(str(path))


def test_not_a_font(write_recipe, tmp_path):
    fake = tmp_path / "fake.ttf"
    fake.write_bytes(b"this is not a font at all")
    path = write_recipe(BASE + f"layers: [{{type: subtitle, fonts: {{files: [{fake}]}}}}]")
    with pytest.raises(RecipeError, match="not a readable font"):
        load_recipe(str(path))


def test_unknown_bundled_name():
    with pytest.raises(RecipeError, match="no bundled recipe named 'nope'"):
        load_recipe("nope")


def test_extends_and_loops(write_recipe, tmp_path):
    write_recipe("extends: b.yaml\nclip: {frames: 4}", name="a")
    write_recipe("extends: a.yaml", name="b")
    with pytest.raises(RecipeError, match="'extends' forms a loop"):
        load_recipe(str(tmp_path / "a.yaml"))
    write_recipe(BASE + "clip: {frames: 5, width: 64}", name="base")
    child = write_recipe("extends: base.yaml\nclip: {frames: 7}", name="child")
    r = load_recipe(str(child))
    assert (r.clip.frames, r.clip.width, r.name) == (7, 64, "child")


def test_overrides_and_hash(write_recipe):
    path = write_recipe(BASE + "clip: {frames: 5}")
    a = load_recipe(str(path))
    b = load_recipe(str(path), ["clip.frames=9"])
    assert b.clip.frames == 9
    assert recipe_sha256(a) != recipe_sha256(b)
    assert recipe_sha256(a) == recipe_sha256(load_recipe(str(path)))


def test_every_bundled_recipe_validates():
    names = bundled_recipes()
    assert "subtitles" in names
    for name in names:
        load_recipe(name)


def test_weighted_index_draws_what_numpy_choice_draws():
    """Weighted picks skip numpy's per-call checks but must keep every stream's values."""
    from datagen.rng import weighted_index

    meta = np.random.default_rng(0)
    for trial in range(300):
        w = (meta.random(int(meta.integers(1, 9))) * [1, 10, 0.001][trial % 3]).tolist()
        seed = int(meta.integers(1 << 30))
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        p = np.asarray(w, np.float64)
        assert [int(a.choice(len(w), p=p / p.sum())) for _ in range(20)] == [weighted_index(b, w) for _ in range(20)]
        assert a.random() == b.random()  # the same number of draws
    with pytest.raises(ValueError, match="non-negative"):
        weighted_index(meta, [0.0, 0.0])
