"""The two-stage trainer end to end on the CPU, tiny config, 4 fixed generated clips:
stage 1 learns the mask, stage 2 removes the overlay, eval scores Telea honestly,
infer rewrites a real mp4, resume is exact, and a 2-process gloo DDP run works."""
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

pytestmark = [pytest.mark.train, pytest.mark.slow]

STAGE1_STEPS = 40
STAGE2_STEPS = 60
FAST = ["--set", "run.log_every=1", "--set", "run.image_every=1000", "--quiet"]
SMALL = ["--set", "data.width=64", "--set", "data.height=32", "--set", "data.frames=4"]


def _run(argv: list[str]) -> None:
    assert main(argv) == 0, argv


def _losses(run_dir: Path) -> dict[int, float]:
    out = {}
    for line in (run_dir / "metrics.jsonl").read_text().splitlines():
        d = json.loads(line)
        out[d["step"]] = d["loss"]
    return out


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    """4 fixed clips: one subtitle line over a solid colour, 128x64 (the tiny model size), 6 frames."""
    from datagen.engine.run import generate
    from datagen.recipe import load_recipe

    d = tmp_path_factory.mktemp("clips")
    (d / "lines.txt").write_text("Hello there\nKeep it simple\nWhere are you going\nSee you soon\n")
    (d / "recipe.yaml").write_text(f"""
name: traintest
clip: {{frames: 6, width: 128, height: 64, fps: 24}}
background: {{type: solid}}
layers:
  - type: subtitle
    texts: [{{file: {d / 'lines.txt'}}}]
    layout: {{size: 0.22, max_lines: 1, max_width: 0.95, position: bottom}}
    timing: {{duration: 10, gap_p: 0}}
""")
    generate(load_recipe(str(d / "recipe.yaml")), str(d / "data"), samples=4, workers=1, seed=11,
             shard_size=2, progress=False)
    return d / "data"


@pytest.fixture(scope="module")
def stage1(clips, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("p1")
    _run(["train", "perception", "--data", str(clips), "--config", "tiny", "--out", str(out),
          "--steps", str(STAGE1_STEPS), *FAST])
    return out


@pytest.fixture(scope="module")
def stage2(clips, stage1, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("p2")
    _run(["train", "inpaint", "--data", str(clips), "--init", str(stage1 / "last.pt"), "--out", str(out),
          "--steps", str(STAGE2_STEPS), *FAST])
    return out


def _eval(clips: Path, ckpt: Path, out: Path) -> dict:
    _run(["eval", "--data", str(clips), "--checkpoint", str(ckpt), "--out", str(out), "--quiet"])
    return json.loads((out / "eval.json").read_text())


def test_stage1_finds_the_overlay(clips, stage1, tmp_path):
    report = _eval(clips, stage1 / "last.pt", tmp_path)
    assert report["samples"] == 4 and report["stage"] == "perception"
    assert report["mask_iou"] > 0.5, report
    assert (stage1 / "images").is_dir() and any((stage1 / "images").iterdir())


def test_stage2_removes_the_overlay(clips, stage2, tmp_path):
    report = _eval(clips, stage2 / "last.pt", tmp_path)
    m = report["methods"]
    gain = m["model (predicted mask)"]["psnr_mask"] - m["input (no removal)"]["psnr_mask"]
    assert gain >= 3.0, report
    ck = torch.load(stage2 / "last.pt", weights_only=False)
    assert ck["model"] == "sttn" and ck["step"] == STAGE2_STEPS and set(ck["state"]) >= {"perception", "inpainter"}


def test_eval_telea_numbers_are_real(clips, stage1, tmp_path):
    """Recompute Telea-with-ground-truth PSNR inside the mask independently of evaluate.py."""
    from datagen.reader import expand_urls, read_samples

    report = _eval(clips, stage1 / "last.pt", tmp_path)
    per_clip = []
    for s in read_samples(expand_urls([str(clips)])):
        errs = []
        for t in range(s.corrupted.shape[0]):
            m = s.mask[t] > 0
            fixed = cv2.inpaint(s.corrupted[t], m.astype(np.uint8) * 255, 3, cv2.INPAINT_TELEA)
            errs.append((fixed[m].astype(np.float64) - s.clean[t][m]) ** 2)
        mse = np.concatenate([e.ravel() for e in errs]).mean()
        per_clip.append(10 * np.log10(255**2 / mse))
    telea = report["methods"]["telea (ground-truth mask)"]
    assert telea["psnr_mask"] == pytest.approx(float(np.mean(per_clip)), abs=1e-6)
    assert telea["psnr_mask"] > report["methods"]["input (no removal)"]["psnr_mask"] + 3
    assert 0 < telea["ssim"] <= 1 and report["methods"]["telea (predicted mask)"]["psnr"] > 0


# -- infer on a real mp4 ---------------------------------------------------------------
def _ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _frames(path: Path) -> list[np.ndarray]:
    import imageio_ffmpeg

    gen = imageio_ffmpeg.read_frames(str(path))
    meta = next(gen)
    w, h = meta["size"]
    return [np.frombuffer(b, np.uint8).reshape(h, w, 3) for b in gen]


def _has_audio(path: Path) -> bool:
    r = subprocess.run([_ffmpeg(), "-hide_banner", "-i", str(path)], capture_output=True, text=True)
    return "Audio:" in r.stderr


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    """31 frames of 150x90 test pattern at 25 fps with a 440 Hz sine as AAC audio."""
    p = tmp_path_factory.mktemp("video") / "in.mp4"
    subprocess.run([_ffmpeg(), "-y", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=150x90:rate=25",
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-frames:v", "31",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(p)], check=True)
    return p


def test_infer_with_mask_dir_keeps_everything_outside_the_mask(stage2, video, tmp_path):
    masks = tmp_path / "masks"
    masks.mkdir()
    box = np.zeros((90, 150), np.uint8)
    box[62:78, 30:120] = 255
    for i in range(31):
        cv2.imwrite(str(masks / f"{i:05d}.png"), box if i % 3 else np.zeros_like(box))
    out = tmp_path / "out.mp4"
    _run(["infer", str(video), "--checkpoint", str(stage2 / "last.pt"), "--out", str(out), "--mask-dir",
          str(masks), "--dilate", "2", "--lossless", "--quiet"])
    src, res = _frames(video), _frames(out)
    assert len(res) == len(src) == 31 and res[0].shape == src[0].shape == (90, 150, 3)
    grown = np.zeros((90, 150), bool)
    grown[60:80, 28:122] = True  # the box plus the 2-pixel dilation
    changed = 0
    for i, (a, b) in enumerate(zip(src, res)):
        assert np.array_equal(a[~grown], b[~grown]), f"frame {i} changed outside the mask"
        if i % 3 == 0:
            assert np.array_equal(a, b), f"frame {i} has no mask but changed"
        changed += int((a != b).any())
    assert changed > 0
    assert _has_audio(out)


def test_infer_predicted_mask_stays_in_the_band(stage2, video, tmp_path):
    out = tmp_path / "band.mp4"
    _run(["infer", str(video), "--checkpoint", str(stage2 / "last.pt"), "--out", str(out), "--band", "bottom",
          "--band-height", "0.3", "--dilate", "3", "--window", "4", "--overlap", "1", "--lossless", "--quiet"])
    src, res = _frames(video), _frames(out)
    assert len(res) == 31
    top = 90 - 27 - 3  # rows above the band, less the dilation
    for a, b in zip(src, res):
        assert np.array_equal(a[:top], b[:top])
    assert _has_audio(out)


# -- exact resume and DDP -------------------------------------------------------------
def test_resume_reproduces_the_next_steps(clips, tmp_path):
    """Stop at step 3 (mid loader epoch, odd step: worker rotation), resume to 5 (next epoch):
    losses equal an uninterrupted 5-step run exactly. Stage 2 with GAN: every state matters."""
    common = ["train", "inpaint", "--data", str(clips), "--config", "tiny", *SMALL, *FAST,
              "--set", "data.workers=2", "--set", "data.epoch_batches=4"]
    _run([*common, "--out", str(tmp_path / "a"), "--steps", "5"])
    _run([*common, "--out", str(tmp_path / "b"), "--steps", "3"])
    assert main([*common, "--out", str(tmp_path / "b"), "--steps", "4"]) == 2  # exists, no --resume
    _run([*common, "--out", str(tmp_path / "b"), "--steps", "5", "--resume"])
    straight, resumed = _losses(tmp_path / "a"), _losses(tmp_path / "b")
    assert sorted(straight) == sorted(resumed) == [1, 2, 3, 4, 5]
    assert [resumed[s] for s in (4, 5)] == [straight[s] for s in (4, 5)]
    assert straight[4] != straight[5]


def test_ddp_two_processes_gloo(clips, tmp_path):
    out = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                        "-m", "datagen.cli", "train", "inpaint", "--data", str(clips), "--config", "tiny", *SMALL,
                        "--out", str(out), "--steps", "2", *FAST], capture_output=True, text=True, env=env,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    ck = torch.load(out / "last.pt", weights_only=False)
    assert ck["step"] == 2 and ck["world_size"] == 2
    assert sorted(_losses(out)) == [1, 2]
