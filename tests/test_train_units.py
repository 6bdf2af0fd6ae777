"""Trainer building blocks, fast: configs, registry, losses, metrics, the data stream,
and that generation never needs torch."""
from __future__ import annotations

import io
import subprocess
import sys
import tarfile

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from datagen.errors import UserError  # noqa: E402
from datagen.train import losses as L  # noqa: E402
from datagen.train.config import load_config  # noqa: E402
from datagen.train.data import TrainStream, choose_frames, decode_clip  # noqa: E402
from datagen.train.metrics import clip_scores, iou_f1, psnr, ssim  # noqa: E402
from datagen.train.models.registry import build_inpainter, inpainter_names  # noqa: E402

pytestmark = pytest.mark.train


# -- configs and registry ------------------------------------------------------------
def test_bundled_configs_validate_and_build():
    for name in ("tiny", "base"):
        cfg = load_config(name)
        assert cfg.model == "sttn" and cfg.model_options["sttn"]["grids"]
        net = build_inpainter(cfg.model, cfg.model_options["sttn"], cfg.data.width, cfg.data.height)
        assert sum(p.numel() for p in net.parameters()) > 0


def test_config_errors_name_the_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: tiny\ndata: {widht: 64}\n")
    with pytest.raises(UserError, match=r"bad.yaml: data.widht"):
        load_config(str(bad))
    with pytest.raises(UserError, match="stage1.steps"):
        load_config("tiny", ["stage1.steps=0"])
    with pytest.raises(UserError, match="unknown model 'nope'"):
        load_config("tiny", model="nope")
    with pytest.raises(UserError, match=r"model_options.sttn: blocks"):
        load_config("tiny", ["model_options.sttn.blocks=-1"])
    with pytest.raises(UserError, match="no bundled config 'huge'"):
        load_config("huge")


def test_extends_and_overrides(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text("extends: tiny\nstage1: {steps: 7}\n")
    cfg = load_config(str(f), ["data.batch_size=3", "run.seed=5"])
    assert (cfg.stage1.steps, cfg.data.batch_size, cfg.run.seed, cfg.data.width) == (7, 3, 5, 128)


def test_registry_interface_and_size_checks():
    assert "sttn" in inpainter_names()
    cfg = load_config("tiny")
    net = build_inpainter("sttn", cfg.model_options["sttn"], 64, 32)
    frames = torch.rand(1, 3, 3, 32, 64) * 2 - 1
    mask = torch.zeros(1, 3, 1, 32, 64)
    mask[..., 20:28, 10:50] = 1
    out = net(frames, mask)
    assert out["output"].shape == frames.shape and out["output"].abs().max() <= 1
    assert net.losses(out, frames, mask, cfg.loss) == {}
    with pytest.raises(ValueError, match="does not divide"):
        build_inpainter("sttn", cfg.model_options["sttn"], 72, 40)


def test_sttn_attention_ignores_hole_content():
    """What is under a full hole must not leak into the output (the input is masked)."""
    cfg = load_config("tiny")
    torch.manual_seed(0)
    net = build_inpainter("sttn", cfg.model_options["sttn"], 64, 32).eval()
    frames = torch.rand(1, 2, 3, 32, 64) * 2 - 1
    mask = torch.zeros(1, 2, 1, 32, 64)
    mask[..., 8:24, 16:48] = 1
    other = frames.clone()
    other[..., 8:24, 16:48] = -frames[..., 8:24, 16:48]
    with torch.no_grad():
        a, b = net(frames, mask)["output"], net(other, mask)["output"]
    assert torch.equal(a, b)


# -- losses and metrics ----------------------------------------------------------------
def test_temporal_variance_penalises_flicker_only():
    frames = torch.zeros(1, 4, 3, 8, 8)
    mask = torch.zeros(1, 4, 1, 8, 8)
    mask[..., 2:6, 2:6] = 1
    steady = frames.clone()
    steady[..., 2:6, 2:6] = 0.8  # changed the same way in every frame
    flicker = steady.clone()
    flicker[:, ::2] = 0.0  # erased in every other frame only
    assert L.temporal_variance_loss(steady, frames, mask, 0.05).item() < 1e-6
    assert L.temporal_variance_loss(flicker, frames, mask, 0.05).item() > 0.2


def test_mask_losses_prefer_the_right_mask():
    gt = torch.zeros(1, 2, 1, 8, 8)
    gt[..., :2, :] = 1
    good = (gt * 2 - 1) * 8
    bad = -good
    assert sum(L.mask_loss(good, gt, 1, 1).values()) < sum(L.mask_loss(bad, gt, 1, 1).values())
    assert L.d_hinge_loss(torch.ones(4), -torch.ones(4)).item() == 0.0


def test_psnr_ssim_known_values():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (2, 16, 16, 3), dtype=np.uint8)
    b = a.copy()
    b[0, 0, 0, 0] = a[0, 0, 0, 0] ^ 0xFF  # one changed channel value
    diff = float(a[0, 0, 0, 0]) - float(b[0, 0, 0, 0])
    mse = diff * diff / a.size
    assert psnr(a, b) == pytest.approx(10 * np.log10(255**2 / mse))
    assert psnr(a, a) == 100.0 and ssim(a, a) == pytest.approx(1.0)
    mask = np.zeros(a.shape[:3], bool)
    mask[0, 0, 0] = True
    assert psnr(a, b, mask) == pytest.approx(10 * np.log10(255**2 / (diff * diff / 3)))
    assert psnr(a, b, np.zeros_like(mask)) is None
    assert ssim(a, 255 - a) < 0.5
    both = clip_scores(a, b, mask)
    assert both["psnr"] == psnr(a, b) and both["psnr_mask"] == psnr(a, b, mask)
    assert both["ssim"] == pytest.approx(ssim(a, b)) and both["ssim_mask"] == pytest.approx(ssim(a, b, mask))
    assert iou_f1(3, 1, 0) == (0.75, pytest.approx(6 / 7))


# -- data stream -----------------------------------------------------------------------
def _png(img: np.ndarray) -> bytes:
    return cv2.imencode(".png", img)[1].tobytes()


def _write_shard(path, n_samples: int, frames: int, h: int = 32, w: int = 64, first: int = 0):
    """Samples whose frame t of sample i has value (i * 16 + t) everywhere: content identifies them."""
    with tarfile.open(path, "w") as tf:
        for i in range(first, first + n_samples):
            key = f"s-{i:05d}"
            files = {}
            for t in range(frames):
                v = np.full((h, w, 3), (i * 16 + t) % 256, np.uint8)
                m = np.zeros((h, w), np.uint8)
                m[: h // 2, : w // 4] = 255
                files[f"clean.{t:03d}.png"] = _png(v)
                files[f"corrupted.{t:03d}.png"] = _png(v)
                files[f"mask.{t:03d}.png"] = _png(m)
            files["json"] = b"{}"
            for name in sorted(files):
                ti = tarfile.TarInfo(f"{key}.{name}")
                ti.size = len(files[name])
                tf.addfile(ti, io.BytesIO(files[name]))


_LOADER_AFTER_CV2_THREADS = """
import sys
import cv2
import numpy as np
from datagen.train.config import load_config
from datagen.train.data import training_batches

if __name__ == "__main__":
    cv2.setNumThreads(2)  # a parallel OpenCV call starts the pool's threads in this process
    cv2.GaussianBlur(np.zeros((1500, 1500, 3), np.uint8), (31, 31), 0)
    cfg = load_config("tiny", ["data.workers=2", "data.batch_size=2", "data.frames=2", "data.width=16",
                               "data.height=8"]).data
    it = training_batches(sys.argv[1:], cfg, seed=0, start_step=0)
    print(next(it)["clean"].shape)
    it.close()
"""


def test_loader_workers_start_after_opencv_ran_threads(tmp_path):
    """Forked workers inherit OpenCV's thread pool without its threads and hang in their
    first OpenCV call; workers come from a fork server instead (a hang fails here)."""
    _write_shard(tmp_path / "a.tar", 4, 2)
    script = tmp_path / "run.py"
    script.write_text(_LOADER_AFTER_CV2_THREADS)
    r = subprocess.run([sys.executable, str(script), str(tmp_path / "a.tar")], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "torch.Size([2, 2, 8, 16, 3])" in r.stdout, r.stdout


def test_choose_frames_crops_with_stride():
    rng = np.random.default_rng(0)
    for _ in range(50):
        idx = choose_frames(16, 4, [1, 3, 6], rng)
        s = idx[1] - idx[0]
        assert len(idx) == 4 and s in (1, 3) and idx == [idx[0] + k * s for k in range(4)] and idx[-1] < 16
    assert choose_frames(5, None, [1], None) == [0, 1, 2, 3, 4]


def test_decode_clip_shapes_flip_and_resize(tmp_path):
    shard = tmp_path / "a.tar"
    _write_shard(shard, 1, 4)
    import webdataset as wds

    sample = next(iter(wds.DataPipeline(wds.SimpleShardList([str(shard)]), wds.tarfile_to_samples())))
    cfg = load_config("tiny", ["data.width=32", "data.height=16", "data.frames=3", "data.hflip=1",
                               "data.reverse=1", "data.strides=[1]"]).data
    clip = decode_clip(sample, cfg, np.random.default_rng(1))
    assert clip["corrupted"].shape == (3, 16, 32, 3) and clip["mask"].shape == (3, 16, 32)
    values = clip["clean"][:, 0, 0, 0].tolist()
    assert values == sorted(values, reverse=True)  # played backwards
    assert clip["mask"][0, 0, -1] == 1 and clip["mask"][0, 0, 0] == 0  # flipped: mask now top-right
    assert set(np.unique(clip["mask"])) <= {0, 1}


@pytest.mark.parametrize("workers", [0, 2])
def test_resumed_stream_gives_the_same_batches(tmp_path, workers):
    """Batches from step k of a restarted loader equal batch k of the uninterrupted stream,
    within a loader epoch and across the next one, with worker rotation."""
    from datagen.train.data import training_batches

    _write_shard(tmp_path / "a.tar", 6, 4)
    _write_shard(tmp_path / "b.tar", 6, 4, first=6)
    urls = [str(tmp_path / "a.tar"), str(tmp_path / "b.tar")]
    cfg = load_config("tiny", [f"data.workers={workers}", "data.epoch_batches=4", "data.batch_size=2",
                               "data.frames=2", "data.shuffle_buffer=5", "data.width=16", "data.height=8"]).data

    def first(n, start):
        it = training_batches(urls, cfg, seed=3, start_step=start)
        out = [next(it) for _ in range(n)]
        it.close()
        return out

    full = first(7, 0)
    resumed = first(4, 3)
    for a, b in zip(full[3:], resumed):
        assert a["key"] == b["key"]
        assert torch.equal(a["clean"], b["clean"])
    assert len({tuple(b["key"]) for b in full}) > 3  # the stream is not one batch repeated


def test_train_stream_seeds_differ_by_rank(tmp_path, monkeypatch):
    _write_shard(tmp_path / "a.tar", 8, 2)
    cfg = load_config("tiny", ["data.frames=2", "data.width=16", "data.height=8", "data.shuffle_buffer=8"]).data

    def keys(rank):
        monkeypatch.setenv("RANK", str(rank))
        monkeypatch.setenv("WORLD_SIZE", "2")
        it = iter(TrainStream([str(tmp_path / "a.tar")], cfg, seed=0))
        return [tuple(next(it)["key"]) for _ in range(4)]

    assert keys(0) == keys(0) and keys(0) != keys(1)


def test_unreadable_data_is_one_clear_error(tmp_path, capsys):
    from datagen.cli import main

    assert main(["train", "perception", "--data", str(tmp_path / "missing.tar"), "--config", "tiny",
                 "--out", str(tmp_path / "r")]) == 2
    assert "shard not found" in capsys.readouterr().err
    (tmp_path / "junk.tar").write_bytes(b"not a tar file")
    assert main(["train", "perception", "--data", str(tmp_path / "junk.tar"), "--config", "tiny",
                 "--out", str(tmp_path / "r"), "--quiet"]) == 2
    assert "failed in a row" in capsys.readouterr().err.splitlines()[-1]


# -- torch stays optional ----------------------------------------------------------------
def test_generation_side_never_imports_torch():
    code = ("import sys; import datagen.cli as c; c.build_parser(); import datagen.engine.run, datagen.sample, "
            "datagen.reader; assert 'torch' not in sys.modules, 'torch imported'")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_train_commands_without_torch_say_how_to_install(monkeypatch, capsys):
    from datagen.cli import main

    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    for argv in (["train", "perception", "--data", "x.tar"], ["eval", "--data", "x.tar", "--checkpoint", "c.pt"],
                 ["infer", "v.mp4", "--checkpoint", "c.pt", "--out", "o.mp4"]):
        assert main(argv) == 2
        assert "install the training extra: pip install -e '.[train]'" in capsys.readouterr().err
