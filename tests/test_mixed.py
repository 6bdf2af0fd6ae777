"""Mixed recipe: several layers per sample, the mask is their union, per-layer
probabilities; the three bundled overlay recipes produce shards; determinism across
worker counts with logo and icon layers."""
from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from datagen.cli import main as cli_main
from datagen.compose import Canvas
from datagen.engine import generate
from datagen.reader import load_manifest, read_samples
from datagen.recipe import load_recipe
from datagen.sample import SampleBuilder

SMALL = ["clip.frames=4", "clip.width=160", "clip.height=90"]


@pytest.fixture(scope="module")
def mixed():
    b = SampleBuilder(load_recipe("mixed", SMALL))
    return b, [b.build(0, i) for i in range(40)]


def test_mask_is_the_union_of_the_layers_listed_in_json(mixed):
    b, samples = mixed
    by_label = {layer.spec.label: layer for layer in b.layers}
    counts = Counter()
    for s in samples:
        entries = s.meta["layers"]
        counts[len(entries)] += 1
        order = [layer.spec.label for layer in b.layers]
        assert [e["label"] for e in entries] == [lab for lab in order
                                                 if lab in {e["label"] for e in entries}]  # recipe order
        union = np.zeros_like(s.mask)
        for e in entries:  # redraw each layer alone from its json plan
            c = Canvas(s.clean.copy())
            by_label[e["label"]].render(e["params"], c)
            union |= c.mask
            assert [f["visible"] for f in e["frames"]] == [bool(m.any()) for m in c.mask]
        assert np.array_equal(s.mask, union), s.key
        outside = s.mask == 0
        assert np.array_equal(s.corrupted[outside], s.clean[outside])
    assert counts[3] > 0 and counts[2] > 0 and counts[1] > 0


def test_alpha_is_kept_only_when_written_and_changes_nothing_else(mixed):
    """`mixed` writes no alpha stream, so its builder skips the soft-alpha bookkeeping;
    with encode.alpha the same samples come out, plus their alpha."""
    b, samples = mixed
    with_alpha = SampleBuilder(load_recipe("mixed", SMALL + ["encode.alpha=true"]))
    for s in samples[:12]:
        assert s.alpha is None
        a = with_alpha.build(0, s.meta["index"])
        assert np.array_equal(a.corrupted, s.corrupted) and np.array_equal(a.mask, s.mask)
        assert a.alpha is not None and np.array_equal(a.alpha > 0, a.mask > 0)
        assert "alpha.000.png" in with_alpha.encode(a) and "alpha.000.png" not in b.encode(s)


def test_each_layer_appears_with_its_own_probability(mixed):
    b, samples = mixed
    seen = Counter(e["label"] for s in samples for e in s.meta["layers"])
    p = {layer.spec.label: layer.spec.p for layer in b.layers}
    assert p == {"subtitles": 0.75, "logo": 0.65, "icon": 0.45, "freeform": 0.12, "object": 0.12}
    for label, prob in p.items():
        assert abs(seen[label] / len(samples) - prob) < 0.2, (label, seen[label])
    assert seen["subtitles"] > seen["icon"]


def test_the_three_overlay_recipes_write_shards(tmp_path):
    for name in ("logos", "icons", "mixed"):
        out = tmp_path / name
        rc = cli_main(["generate", name, "--out", str(out), "--samples", "3", "--workers", "1", "--shard-size", "2",
                       "--quiet", "--set", "clip.frames=3", "--set", "clip.width=128", "--set", "clip.height=72"])
        assert rc == 0
        m = load_manifest(str(out))
        assert m["complete"] and m["samples"] == 3 and len(m["shards"]) == 2 and m["recipe_name"] == name
        samples = list(read_samples(sorted(str(p) for p in out.glob("*.tar"))))
        assert len(samples) == 3
        for s in samples:
            assert s.clean.shape == (3, 72, 128, 3) and s.mask.shape == (3, 72, 128)
            for e in s.meta["layers"]:
                assert e["type"] in ("subtitle", "logo", "icon", "freeform", "object") and len(e["frames"]) == 3
                json.dumps(e["params"])
        if name != "mixed":
            assert all(s.meta["layers"] for s in samples)
            assert all(s.alpha is not None for s in samples)


@pytest.mark.slow
def test_shards_are_identical_whatever_the_worker_count(tmp_path):
    recipe = load_recipe("mixed", SMALL)
    a = generate(recipe, str(tmp_path / "w1"), samples=6, workers=1, seed=5, shard_size=2, progress=False)
    b = generate(recipe, str(tmp_path / "w2"), samples=6, workers=2, seed=5, shard_size=2, progress=False)
    assert a.shards == b.shards == 3
    for i in range(3):
        name = f"shard-{i:06d}.tar"
        assert (tmp_path / "w1" / name).read_bytes() == (tmp_path / "w2" / name).read_bytes(), name
    assert (tmp_path / "w1" / "manifest.json").read_bytes() == (tmp_path / "w2" / "manifest.json").read_bytes()
    drawn = Counter(e["type"] for s in read_samples(sorted(str(p) for p in (tmp_path / "w1").glob("*.tar")))
                    for e in s.meta["layers"])
    assert drawn["logo"] > 0 and drawn["icon"] > 0
