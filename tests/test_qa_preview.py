"""`datagen preview`: animated side-by-sides that show exactly the sample, and the gallery page."""
from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence

from datagen.cli import main
from datagen.engine import generate
from datagen.errors import UserError
from datagen.qa.describe import describe_layer, layer_types, text_script, variant_value
from datagen.qa.preview import GAP, HEADER, make_previews, tint_mask
from datagen.reader import expand_urls, read_samples
from datagen.recipe.load import recipe_from_dict

T, W, H = 6, 160, 96
RECIPE = {
    "name": "qapreview",
    "clip": {"frames": T, "width": W, "height": H, "fps": 12},
    "background": {"type": "solid"},
    # p < 1: some samples have no layer, so the layer filter has two classes to tell apart
    "layers": [{"type": "subtitle", "p": 0.6, "texts": [{"corpus": "en"}]}],
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("preview") / "data"
    generate(recipe_from_dict(RECIPE), str(out), samples=8, shard_size=3, seed=1, progress=False)
    return out


@pytest.fixture(scope="module")
def samples(dataset) -> dict:
    return {s.key: s for s in read_samples(expand_urls([str(dataset)]))}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("src", "href"):
            if a.get(k):
                self.refs.append(a[k])


def test_previews_show_corrupted_mask_and_clean_exactly(dataset, samples, tmp_path):
    index, cards, skipped = make_previews([str(dataset)], str(tmp_path), samples=5, workers=1, progress=False)
    assert not skipped.items and len(cards) == 5
    assert [c["key"] for c in cards] == sorted(samples)[:5]  # the first samples, in shard order
    for card in cards:
        s = samples[card["key"]]
        still = np.asarray(Image.open(tmp_path / card["still"]).convert("RGB"))
        assert still.shape == (HEADER + H, 3 * W + 2 * GAP, 3)
        t = T // 2
        body = still[HEADER:]
        assert np.array_equal(body[:, :W], s.corrupted[t])
        assert np.array_equal(body[:, W + GAP:2 * W + GAP], tint_mask(s.corrupted[t], s.mask[t]))
        assert np.array_equal(body[:, 2 * (W + GAP):], s.clean[t])
        anim = Image.open(tmp_path / card["animation"])
        assert anim.format == "WEBP" and anim.n_frames == T and anim.size == (still.shape[1], still.shape[0])
        # lossy, but each animation frame is recognisably its own clip frame
        for i, frame in enumerate(ImageSequence.Iterator(anim)):
            got = np.asarray(frame.convert("RGB"), np.int16)[HEADER:, 2 * (W + GAP):]
            assert np.abs(got - s.clean[i]).mean() < 6, i
    # the mask panel marks exactly the mask: magenta inside, a green ring just outside, nothing else changed
    drawn = next(c for c in cards if c["types"] == ["subtitle"] and c["coverage"]["max"] > 0)
    s = samples[drawn["key"]]
    t = int(np.argmax(s.mask.reshape(T, -1).sum(axis=1)))
    m = s.mask[t] > 0
    tinted = tint_mask(s.corrupted[t], s.mask[t]).astype(int)
    ring = (tinted == [0, 255, 0]).all(-1) & ~m
    assert ring.any() and not (ring & m).any()
    ys, xs = np.nonzero(ring)
    near = np.zeros_like(m)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            near |= np.roll(np.roll(m, dy, 0), dx, 1)
    assert near[ys, xs].all()  # every ring pixel touches the mask
    assert np.array_equal(tinted[~m & ~ring], s.corrupted[t][~m & ~ring])
    expect = (s.corrupted[t][m].astype(int) * (255 - 150) + np.array([255, 0, 200]) * 150 + 127) // 255
    assert np.array_equal(tinted[m], expect)


def test_gallery_links_are_relative_and_show_drawn_parameters(dataset, samples, tmp_path):
    index, cards, _ = make_previews([str(dataset)], str(tmp_path), samples=8, workers=1, progress=False)
    html = index.read_text(encoding="utf-8")
    parser = _Links()
    parser.feed(html)
    assert parser.refs
    for ref in parser.refs:
        assert "://" not in ref and not ref.startswith("/"), ref  # opens from disk, no network
        if not ref.startswith("#") and not ref.endswith(".json"):
            assert (tmp_path / ref).is_file(), ref
    assert "<script src" not in html and "<link" not in html
    from html import escape

    for key, s in samples.items():
        assert key in html
        for layer in s.meta["layers"]:
            for ev in layer["params"]["events"]:
                assert escape(ev["text"]) in html
                assert escape(ev["font_family"]) in html
    types = {c["key"]: c["types"] for c in cards}
    assert {"subtitle", "none"} <= {t for ts in types.values() for t in ts}
    assert html.count("<article") == len(samples)
    assert 'data-layer="none"' in html and 'data-layer="subtitle"' in html


def test_filter_picks_samples_by_layer_type(dataset, samples, tmp_path):
    _, cards, _ = make_previews([str(dataset)], str(tmp_path), samples=50, filters=["layer=none"], workers=1,
                                progress=False)
    want = [k for k in sorted(samples) if not samples[k].meta["layers"]]
    assert want and [c["key"] for c in cards] == want
    _, cards, _ = make_previews([str(dataset)], str(tmp_path), samples=2, filters=["layer=subtitle"], workers=1,
                                progress=False)
    assert len(cards) == 2 and all(c["types"] == ["subtitle"] for c in cards)
    # stale previews of the earlier run are gone
    assert len(list((tmp_path / "previews").glob("*.webp"))) == 2
    with pytest.raises(UserError, match="--filter"):
        make_previews([str(dataset)], str(tmp_path), filters=["colour=red"], progress=False)


def test_gif_format(dataset, tmp_path):
    _, cards, _ = make_previews([str(dataset)], str(tmp_path), samples=1, fmt="gif", workers=1, progress=False)
    anim = Image.open(tmp_path / cards[0]["animation"])
    assert anim.format == "GIF" and anim.n_frames == T


def test_cli_prints_index_path(dataset, tmp_path, capsys):
    rc = main(["preview", str(dataset), "--out", str(tmp_path / "pv"), "--samples", "4", "--workers", "2", "--quiet"])
    out = capsys.readouterr().out.strip().splitlines()
    assert rc == 0
    assert out[-1] == str((tmp_path / "pv" / "index.html").resolve())
    doc = json.loads((tmp_path / "pv" / "previews.json").read_text())
    assert len(doc["cards"]) == 4 and [c["index"] for c in doc["cards"]] == [0, 1, 2, 3]


def test_no_shards_is_a_user_error(tmp_path, capsys):
    rc = main(["preview", str(tmp_path), "--out", str(tmp_path / "pv")])
    err = capsys.readouterr().err
    assert rc == 2 and "no shards" in err and err.count("\n") == 1


@pytest.mark.slow
def test_a_16_frame_preview_of_busy_footage_stays_under_1mb(tmp_path):
    recipe = recipe_from_dict({
        "name": "qabusy", "clip": {"frames": 16, "width": 432, "height": 240, "fps": 24},
        "background": {"type": "procedural"},
        "layers": [{"type": "subtitle", "texts": [{"corpus": "en"}]}],
    })
    generate(recipe, str(tmp_path / "d"), samples=2, shard_size=2, progress=False)
    _, cards, _ = make_previews([str(tmp_path / "d")], str(tmp_path / "pv"), samples=2, workers=1, progress=False)
    for c in cards:
        size = (tmp_path / "pv" / c["animation"]).stat().st_size
        assert 20_000 < size < 1_000_000, size


def test_describe_reads_any_layer_defensively():
    logo = {"type": "logo", "label": "corner", "params": {
        "opacity": 0.55, "motion": {"type": "bounce", "speed": 2}, "shadow": {"opacity": 0.3},
        "text": "ACME", "font": "fonts/roboto/Roboto-Bold.ttf"}, "frames": [{"visible": True}, {"visible": False}]}
    info = describe_layer(logo)
    assert info.opacities == [0.55]  # the layer's own, not its shadow's
    assert info.motions == ["bounce"] and info.label == "corner"
    assert [t.text for t in info.texts] == ["ACME"] and info.font_names == ["Roboto-Bold.ttf"]
    assert (info.visible_frames, info.frames) == (1, 2)
    hole = describe_layer({"type": "freeform", "params": {"shapes": [{"profile": "stroke", "moving": True}],
                                                          "fill": "noise", "fill_seed": 12}})
    assert hole.variants == ["profile=stroke", "fill=noise"] and hole.motions == ["moving"]
    odd = describe_layer({"type": "icon", "params": ["x", {"motion": "drift"}, 3], "frames": None})
    assert odd.motions == ["drift"] and odd.opacities == []
    assert layer_types({"layers": "garbage"}) == ["none"]
    assert layer_types({"layers": [{"type": "logo"}, {"type": "subtitle"}, {"type": "logo"}]}) == ["logo", "subtitle"]


def test_variant_values_are_countable():
    assert variant_value("symbol:0661d675e94f") == "symbol"
    assert variant_value("emblem:85dd2064f1fa") == "emblem"
    assert variant_value("library-0-0015") == "library"
    assert variant_value("corpus:en") == "corpus:en" and variant_value("stroke") == "stroke"
    assert variant_value("#FFFF00") is None


@pytest.mark.parametrize("text,script", [
    ("Hello, world!", "Latin"), ("Grüß Gott", "Latin"), ("你好，世界", "CJK"), ("こんにちは", "CJK"),
    ("Привет", "Cyrillic"), ("مرحبا", "Arabic"), ("שלום", "Hebrew"), ("नमस्ते", "Devanagari"),
    ("สวัสดี", "Thai"), ("안녕", "Hangul"), ("12:30 !", "none"), ("OK 你好吗朋友", "CJK"),
])
def test_text_script(text, script):
    assert text_script(text) == script
