"""IM2IM (CSSTA's feature-loss autoencoder): it learns to reproduce frames, loads frozen from
its checkpoint, and its feature distance is zero for identical frames only."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402

from datagen.errors import UserError  # noqa: E402
from datagen.train import checkpoint  # noqa: E402
from datagen.train.models.autoencoder import (IM2IM, AutoencoderOptions, FeatureLoss, load_autoencoder,  # noqa: E402
                                              reconstruction_losses)

pytestmark = pytest.mark.train


def _smooth_frames(n: int, size: int = 32, seed: int = 0) -> torch.Tensor:
    """Low-frequency colour images in [-1, 1] (what footage looks like to a small net)."""
    g = torch.Generator().manual_seed(seed)
    coarse = torch.rand(n, 3, 4, 4, generator=g) * 2 - 1
    return F.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=False).clamp(-1, 1)


def _psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(10 * torch.log10(4.0 / ((a - b) ** 2).mean()))


def test_im2im_learns_to_reproduce_frames():
    torch.manual_seed(0)
    net = IM2IM(AutoencoderOptions(channels=16))
    frames = _smooth_frames(8)
    opt = torch.optim.Adam(net.parameters(), lr=5e-3)
    with torch.no_grad():
        before = _psnr(net(frames)[0], frames)
    for _ in range(80):
        recon, feats = net(frames)
        loss = sum(reconstruction_losses(recon, frames, None, 1.0, 0.0).values())
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        recon, feats = net(frames)
    assert feats.shape == (8, 16, 8, 8)
    assert _psnr(recon, frames) > before + 6, (before, _psnr(recon, frames))


def test_reconstruction_losses_include_the_gan_term_when_a_critic_ran():
    a, b = _smooth_frames(2), _smooth_frames(2, seed=1)
    terms = reconstruction_losses(a, b, torch.full((2, 1, 4, 4), 0.5), 1.0, 0.1)
    assert terms["l1"] == pytest.approx(float((a - b).abs().mean()))
    assert terms["adversarial"] == pytest.approx(-0.05)
    assert set(reconstruction_losses(a, b, None, 1.0, 0.1)) == {"l1"}


def test_feature_loss_is_zero_for_identical_frames_and_positive_otherwise():
    torch.manual_seed(1)
    fl = FeatureLoss(IM2IM(AutoencoderOptions(channels=16)))
    a = _smooth_frames(4).reshape(1, 4, 3, 32, 32)
    b = _smooth_frames(4, seed=5).reshape(1, 4, 3, 32, 32)
    assert fl.distance(a, a.clone()).item() == 0.0
    assert fl.distance(a, b).item() > 0
    assert fl(fl.target_features(a), a).item() == 0.0  # decoder features equal to the target's
    feats = fl.target_features(b).requires_grad_(True)
    loss = fl(feats, a)
    assert loss > 0
    loss.backward()
    assert feats.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="do not match"):
        fl(torch.zeros(4, 8, 8, 8), a)


def test_checkpoint_loads_frozen_and_checks_the_width(tmp_path):
    torch.manual_seed(2)
    net = IM2IM(AutoencoderOptions(channels=16))
    path = tmp_path / "ae.pt"
    checkpoint.save(path, {"stage": "autoencoder", "autoencoder_options": {"channels": 16},
                           "state": {"autoencoder": net.state_dict()}})
    loaded = load_autoencoder(str(path), channels=16)
    frames = _smooth_frames(2)
    with torch.no_grad():
        assert torch.equal(loaded(frames)[0], net.eval()(frames)[0])
    assert not loaded.training and all(not p.requires_grad for p in loaded.parameters())
    with pytest.raises(UserError, match="ae.pt.*16 channels, the inpainter needs 64"):
        load_autoencoder(str(path), channels=64)
    with pytest.raises(UserError, match="checkpoint not found"):
        load_autoencoder(str(tmp_path / "missing.pt"))


# -- `datagen train autoencoder`, then CSSTA trained with its feature loss ----------------
def _shard(tmp_path) -> str:
    from datagen.engine.run import generate
    from datagen.recipe import load_recipe

    (tmp_path / "r.yaml").write_text("""
name: aetest
clip: {frames: 4, width: 64, height: 64, fps: 12}
background: {type: procedural}
layers:
  - {type: freeform, profile: blob, shapes: 1, fill: black}
""")
    generate(load_recipe(str(tmp_path / "r.yaml")), str(tmp_path / "data"), samples=2, workers=1, seed=0,
             shard_size=2, progress=False)
    return str(tmp_path / "data")


SMALL = ["--config", "tiny", "--quiet", "--set", "data.width=64", "--set", "data.height=64",
         "--set", "data.frames=4", "--set", "run.log_every=1"]


def test_train_autoencoder_command_feeds_cssta(tmp_path, capsys):
    import json

    from datagen.cli import main

    data = _shard(tmp_path)
    ae = tmp_path / "ae"
    assert main(["train", "autoencoder", "--data", data, "--out", str(ae), "--steps", "3", *SMALL]) == 0
    assert f"model_options.cssta.autoencoder={ae}/last.pt" in capsys.readouterr().out
    ck = checkpoint.load(ae / "last.pt")
    assert ck["stage"] == "autoencoder" and ck["model"] == "im2im" and ck["step"] == 3
    assert ck["autoencoder_options"] == {"channels": 32}  # the tiny config's CSSTA width
    assert {"discriminator", "autoencoder"} <= set(ck["state"])
    logs = [json.loads(line) for line in (ae / "metrics.jsonl").read_text().splitlines()]
    assert [d["step"] for d in logs] == [1, 2, 3] and all("l1" in d and "psnr" in d for d in logs)

    run = tmp_path / "cssta"
    assert main(["train", "inpaint", "--data", data, "--gt-mask", "--model", "cssta", "--out", str(run),
                 "--steps", "2", *SMALL, "--set", f"model_options.cssta.autoencoder={ae}/last.pt"]) == 0
    logs = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert all(d["feature"] > 0 and "coarse_l1" in d for d in logs)
    # eval and infer take perception/inpaint checkpoints only
    assert main(["eval", "--data", data, "--checkpoint", str(ae / "last.pt"), "--quiet"]) == 2
    assert "is a checkpoint of stage 'autoencoder'" in capsys.readouterr().err


def test_missing_autoencoder_stops_before_the_first_step(tmp_path, capsys):
    from datagen.cli import main

    data = _shard(tmp_path)
    code = main(["train", "inpaint", "--data", data, "--gt-mask", "--model", "cssta", "--out", str(tmp_path / "r"),
                 "--steps", "2", *SMALL, "--set", f"model_options.cssta.autoencoder={tmp_path}/nope.pt"])
    assert code == 2
    assert "nope.pt: checkpoint not found" in capsys.readouterr().err
    assert not (tmp_path / "r" / "metrics.jsonl").exists()
