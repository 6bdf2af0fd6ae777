"""`datagen stats`: numbers that agree with the samples, plots that exist, one index page."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from datagen.cli import main
from datagen.engine import generate
from datagen.qa.describe import text_script
from datagen.qa.gallery import write_index
from datagen.qa.stats import make_stats, summarize
from datagen.reader import expand_urls, read_samples
from datagen.recipe.load import recipe_from_dict
from datagen.text.fonts import FontCatalog

T, W, H = 5, 160, 96
RECIPE = {
    "name": "qastats",
    "clip": {"frames": T, "width": W, "height": H, "fps": 10},
    "background": {"type": "solid"},
    "layers": [{"type": "subtitle", "p": 0.8, "texts": [{"corpus": "en"}, {"corpus": "de"}],
                "layout": {"position": "bottom"},
                "style": {"opacity": {"choice": [1.0, 0.6]}}}],
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("stats") / "data"
    generate(recipe_from_dict(RECIPE), str(out), samples=10, shard_size=4, seed=5, progress=False)
    return out


@pytest.fixture(scope="module")
def stats_dir(dataset, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("stats_out")
    make_stats([str(dataset)], str(out), progress=False)
    return out


def test_numbers_agree_with_the_samples(dataset, stats_dir):
    st = json.loads((stats_dir / "stats.json").read_text())
    samples = list(read_samples(expand_urls([str(dataset)])))
    assert st["samples"] == len(samples) == 10 and st["frames"] == 10 * T
    assert st["clip_sizes"] == {f"{W}x{H}x{T}": 10}
    # coverage from the decoded masks, and the generator's own record of it, agree with stats
    per_frame = np.concatenate([(s.mask > 0).reshape(T, -1).mean(axis=1) for s in samples])
    recorded = np.concatenate([s.meta["mask_coverage"] for s in samples])
    assert np.allclose(per_frame, recorded, atol=1e-6)
    cov = st["mask_coverage"]
    assert cov["per_frame"]["mean"] == pytest.approx(per_frame.mean())
    assert cov["per_frame"]["max"] == pytest.approx(per_frame.max())
    assert cov["frames_without_mask"] == int((per_frame == 0).sum())
    assert sum(cov["per_frame"]["hist"]["counts"]) == 10 * T
    with_layer = sum(1 for s in samples if s.meta["layers"])
    assert st["layers"]["samples_with_type"] == {k: v for k, v in
                                                 {"subtitle": with_layer, "none": 10 - with_layer}.items() if v}
    events = [ev for s in samples for layer in s.meta["layers"] for ev in layer["params"]["events"]]
    assert st["text"]["count"] == len(events)
    assert st["text"]["scripts"] == dict(Counter(text_script(e["text"]) for e in events))
    sub = st["text"]["by_type"]["subtitle"]
    assert sub["count"] == len(events) and set(st["text"]["by_type"]) == {"subtitle"}
    assert sub["length"]["mean"] == pytest.approx(np.mean([len(e["text"].replace("\n", "")) for e in events]))
    assert st["fonts"]["families"] == dict(Counter(f for layer in (s.meta["layers"] for s in samples)
                                                   for lay in layer
                                                   for f in dict.fromkeys(e["font_family"]
                                                                          for e in lay["params"]["events"])))
    assert set(st["fonts"]["families"]) <= set(FontCatalog.scan().families())
    opac = [layer["params"]["style"]["opacity"] for s in samples for layer in s.meta["layers"]]
    assert st["opacity"]["subtitle"]["count"] == len(opac)
    assert st["opacity"]["subtitle"]["mean"] == pytest.approx(np.mean(opac))
    assert st["bytes"]["total"] == sum(
        sum(len(d) for d in files.values()) for files in _raw_files(dataset))


def _raw_files(dataset):
    from datagen.reader import iter_raw

    for url in expand_urls([str(dataset)]):
        for _, files in iter_raw(url):
            yield files


def test_heatmap_shows_where_masks_fall(dataset, stats_dir):
    st = json.loads((stats_dir / "stats.json").read_text())
    hm = np.asarray(st["mask_heatmap"]["values"])
    assert hm.shape == (st["mask_heatmap"]["rows"], st["mask_heatmap"]["cols"]) == (38, 64)
    samples = list(read_samples(expand_urls([str(dataset)])))
    full = np.mean([(s.mask[t] > 0) for s in samples for t in range(T)], axis=0)
    assert hm.mean() == pytest.approx(full.mean(), rel=0.02)
    # subtitles sit at the bottom: all of the mass is in the lower half
    rows = hm.sum(axis=1)
    assert rows[: len(rows) // 2].sum() == 0 and rows[len(rows) // 2:].sum() > 0


def test_plots_are_written_and_linked(stats_dir):
    st = json.loads((stats_dir / "stats.json").read_text())
    files = [p["file"] for p in st["plots"]]
    for name in ("coverage_frame", "coverage_clip", "mask_heatmap", "layer_types", "fonts", "text_length",
                 "text_scripts", "opacity"):
        assert f"plots/{name}.png" in files
    html = (stats_dir / "index.html").read_text()
    for f in files:
        im = Image.open(stats_dir / f)
        assert im.format == "PNG" and im.size[0] >= 400
        assert np.asarray(im.convert("L")).std() > 5  # not a blank canvas
        assert f'src="{f}"' in html
    assert "Statistics" in html


def test_gallery_and_stats_share_one_index(dataset, tmp_path):
    from datagen.qa.preview import make_previews

    make_stats([str(dataset)], str(tmp_path), progress=False)
    make_previews([str(dataset)], str(tmp_path), samples=3, workers=1, progress=False)
    html = (tmp_path / "index.html").read_text()
    assert html.count("<article") == 3 and "plots/mask_heatmap.png" in html
    write_index(tmp_path)  # idempotent
    assert (tmp_path / "index.html").read_text() == html


def test_no_layers_means_no_text_plots(tmp_path):
    recipe = recipe_from_dict({**RECIPE, "name": "qaempty", "layers": []})
    generate(recipe, str(tmp_path / "d"), samples=2, shard_size=2, progress=False)
    _, st, _ = make_stats([str(tmp_path / "d")], str(tmp_path / "s"), progress=False)
    assert st["mask_coverage"]["per_clip"]["max"] == 0 and st["text"]["count"] == 0
    written = {p["file"] for p in st["plots"]}
    assert "plots/text_length.png" not in written and "plots/fonts.png" not in written
    assert "plots/coverage_frame.png" in written
    assert st["layers"]["samples_with_type"] == {"none": 2}


def test_damaged_shard_is_skipped_and_counted(dataset, tmp_path, capsys):
    import shutil

    d = tmp_path / "d"
    shutil.copytree(dataset, d)
    shard = d / "shard-000001.tar"
    shard.write_bytes(shard.read_bytes()[:20000])
    rc = main(["stats", str(d), "--out", str(tmp_path / "s"), "--quiet", "--no-plots"])
    cap = capsys.readouterr()
    assert rc == 0
    st = json.loads((tmp_path / "s" / "stats.json").read_text())
    # a cut-off tar reads as a shorter one whose last sample lacks files: skipped either way
    assert st["samples"] < 10 and st["unreadable"]
    assert st["unreadable"][0][0] in ("shard-000001.tar", "qastats-s5-00000004")
    assert "datagen verify" in cap.err and not (tmp_path / "s" / "plots").exists()
    assert cap.out.strip().splitlines()[-1].endswith("index.html")


def test_summarize():
    s = summarize([0.0, 0.1, 0.2, 0.3], bins=3, lo=0.0)
    assert s["count"] == 4 and s["mean"] == pytest.approx(0.15) and s["max"] == pytest.approx(0.3)
    assert s["hist"]["counts"] == [1, 1, 2] and s["hist"]["edges"][0] == 0.0
    s = summarize([3, 5, 5], lo=0, integer=True)
    assert s["hist"]["counts"][5] == 2 and s["hist"]["counts"][3] == 1 and len(s["hist"]["counts"]) == 6
    assert summarize([]) == {"count": 0}
