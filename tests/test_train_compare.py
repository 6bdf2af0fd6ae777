"""Comparing inpainters: `datagen eval --checkpoint A B C ...` gives one table (Telea first, the
same numbers as evaluating each alone), side-by-side previews, the `--model` guard, and
tools/compare_models.sh runs end to end."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from datagen.cli import main  # noqa: E402
from datagen.train import checkpoint  # noqa: E402
from datagen.train.config import load_config  # noqa: E402
from datagen.train.distributed import Env  # noqa: E402
from datagen.train.loop import _payload  # noqa: E402

pytestmark = pytest.mark.train

ROOT = Path(__file__).resolve().parent.parent
RECIPE = """
name: cmptest
clip: {frames: 4, width: 64, height: 64, fps: 12}
background: {type: procedural}
layers:
  - {type: freeform, profile: blob, shapes: 1, fill: black}
"""


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    from datagen.engine.run import generate
    from datagen.recipe import load_recipe

    d = tmp_path_factory.mktemp("cmp")
    (d / "recipe.yaml").write_text(RECIPE)
    generate(load_recipe(str(d / "recipe.yaml")), str(d / "data"), samples=3, workers=1, seed=5, shard_size=3,
             progress=False)
    return d / "data"


def _save(path: Path, stage_name: str, model: str = "sttn", gt_mask: bool = False, width: int = 64) -> str:
    """A checkpoint as the loop writes it, of freshly initialised networks (eval does not care)."""
    from datagen.train.stages import InpaintStage, PerceptionStage

    torch.manual_seed(len(str(path)))
    cfg = load_config("tiny", [f"data.width={width}", "data.height=64", "data.frames=4"], model=model)
    env = Env(0, 1, 0, torch.device("cpu"))
    stage = PerceptionStage(cfg, env) if stage_name == "perception" else InpaintStage(cfg, env, gt_mask=gt_mask)
    path.parent.mkdir(parents=True, exist_ok=True)
    checkpoint.save(path, _payload(stage, cfg, 7, gt_mask, env))
    return str(path)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("runs")
    return {
        "sttn": _save(d / "sttn" / "last.pt", "inpaint", "sttn"),
        "opn": _save(d / "opn" / "last.pt", "inpaint", "opn", gt_mask=True),
        "rnot": _save(d / "rnot" / "last.pt", "inpaint", "rnot", gt_mask=True),
        "perception": _save(d / "p1" / "last.pt", "perception"),
    }


def _eval(clips: Path, ckpts: list[str], out: Path, *extra: str) -> dict:
    assert main(["eval", "--data", str(clips), "--checkpoint", *ckpts, "--out", str(out), "--quiet", *extra]) == 0
    return json.loads((out / "eval.json").read_text())


def test_one_table_telea_first_same_numbers_as_alone(clips, runs, tmp_path, capsys):
    order = ["sttn", "opn", "rnot", "perception"]
    report = _eval(clips, [runs[k] for k in order], tmp_path / "all")
    table = capsys.readouterr().out
    rows = report["rows"]
    assert [r["method"] for r in rows] == [
        "telea (ground-truth mask)", "input (no removal)",
        "sttn (ground-truth mask)", "sttn (predicted mask)", "telea (sttn mask)",
        "opn (ground-truth mask)", "rnot (ground-truth mask)", "telea (perception mask)"]
    assert table.index("telea (ground-truth mask)") < table.index("input (no removal)") < table.index("rnot (")
    assert "methods" not in report and len(report["checkpoints"]) == 4 and report["samples"] == 3
    by = {r["method"]: r for r in rows}
    assert by["sttn (predicted mask)"]["mask_iou"] is not None and by["opn (ground-truth mask)"]["mask_iou"] is None
    assert all(r["ms_per_clip"] > 0 for r in rows if r["method"] != "input (no removal)")
    assert by["input (no removal)"]["ms_per_clip"] is None
    for name in order:  # evaluating a checkpoint alone gives exactly its rows of the shared table
        alone = _eval(clips, [runs[name]], tmp_path / name)
        assert alone["checkpoint"] == runs[name] and "methods" in alone  # single-checkpoint keys kept
        for r in alone["rows"]:
            for k in ("psnr", "ssim", "psnr_mask", "ssim_mask", "mask_iou"):
                assert by[r["method"]][k] == r[k], (name, r["method"], k)


def test_preview_shows_every_method_side_by_side(clips, runs, tmp_path):
    prev = tmp_path / "prev"
    report = _eval(clips, [runs["sttn"], runs["opn"]], tmp_path, "--preview", str(prev), "--preview-samples", "2")
    assert report["preview"] == str(prev / "index.html")
    page = (prev / "index.html").read_text()
    stills = sorted(prev.glob("*.png"))
    assert len(stills) == 2 and len(list(prev.glob("*.webp"))) == 2
    assert all(p.name in page and p.with_suffix(".webp").name in page for p in stills)
    img = cv2.cvtColor(cv2.imread(str(stills[0])), cv2.COLOR_BGR2RGB)
    # corrupted | telea | sttn (predicted) | opn (gt) | clean, 64-px clips shown x3 (192 px), 4-px gaps
    panels, pw = 5, 192
    assert img.shape[1] == panels * pw + (panels - 1) * 4
    from datagen.reader import expand_urls, read_samples

    sample = next(read_samples(expand_urls([str(clips)])))
    assert sample.key == stills[0].stem
    clean = cv2.resize(sample.clean[2], (pw, pw), interpolation=cv2.INTER_NEAREST)  # middle frame of 4
    assert np.array_equal(img[-pw:, -pw:], clean)


def test_sizes_and_models_are_checked(clips, runs, tmp_path, capsys):
    wide = _save(tmp_path / "wide" / "last.pt", "inpaint", "sttn", width=128)
    assert main(["eval", "--data", str(clips), "--checkpoint", runs["sttn"], wide, "--quiet"]) == 2
    assert "one table needs one model size" in capsys.readouterr().err
    assert main(["eval", "--data", str(clips), "--checkpoint", runs["sttn"], "--model", "opn", "--quiet"]) == 2
    assert f"{runs['sttn']}: holds a 'sttn' inpainter, not 'opn' (--model)" in capsys.readouterr().err
    assert main(["infer", "missing.mp4", "--checkpoint", runs["rnot"], "--out", str(tmp_path / "o.mp4"),
                 "--model", "cssta", "--quiet"]) == 2
    assert "holds a 'rnot' inpainter, not 'cssta'" in capsys.readouterr().err
    assert main(["eval", "--data", str(clips), "--checkpoint", runs["opn"], "--model", "opn", "--quiet",
                 "--out", str(tmp_path)]) == 0


@pytest.mark.slow
def test_compare_models_script(tmp_path):
    """tools/compare_models.sh with tiny settings: data, perception, autoencoder, two models (cssta needs the
    autoencoder; every model runs the same command), one table."""
    (tmp_path / "recipe.yaml").write_text(RECIPE)
    datagen = Path(sys.executable).parent / "datagen"
    env = {**os.environ, "OUT": str(tmp_path / "cmp"), "CONFIG": "tiny", "DEVICE": "cpu", "STEPS": "2",
           "STEPS1": "2", "AE_STEPS": "2", "SAMPLES": "4", "EVAL_SAMPLES": "2", "WORKERS": "1", "MODELS": "cssta opn",
           "RECIPE": str(tmp_path / "recipe.yaml"), "TRAIN_ARGS": "--set data.frames=4",
           "DATAGEN": str(datagen) if datagen.exists() else "datagen", "OMP_NUM_THREADS": "1"}
    r = subprocess.run(["bash", str(ROOT / "tools" / "compare_models.sh")], capture_output=True, text=True, env=env,
                       cwd=tmp_path, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    report = json.loads((tmp_path / "cmp" / "eval.json").read_text())
    assert [c["model"] for c in report["checkpoints"]] == ["cssta", "opn"]
    assert all(c["step"] == 2 for c in report["checkpoints"])
    assert report["rows"][0]["method"] == "telea (ground-truth mask)"
    cssta = checkpoint.load(tmp_path / "cmp" / "cssta" / "last.pt")
    assert cssta["config"]["model_options"]["cssta"]["autoencoder"].endswith("autoencoder/last.pt")
    assert (tmp_path / "cmp" / "preview" / "index.html").is_file()
    assert "telea (ground-truth mask)" in r.stdout
