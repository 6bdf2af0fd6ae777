"""Checks every registered inpainter passes (sttn, cssta, opn, rnot): the registry contract,
forward/backward on a 2x8x3x64x64 batch with the loop's own losses, gradients to every
parameter and to the soft mask (the perception net's), a checkpoint round trip through
eval's loader, and a 4-clip overfit run through the real `datagen train` / `datagen eval`."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from datagen.cli import main  # noqa: E402
from datagen.train import checkpoint  # noqa: E402
from datagen.train import losses as L  # noqa: E402
from datagen.train.config import config_from_dict, load_config  # noqa: E402
from datagen.train.models.registry import build_inpainter, inpainter_names  # noqa: E402

pytestmark = pytest.mark.train

MODELS = ["sttn", "cssta", "opn", "rnot"]
SMALL = {name: load_config("tiny", model=name).model_options[name] for name in MODELS}
"""The tiny config's options: small networks for CPU tests (the models' defaults are full size)."""


def _batch(b=2, t=8, h=64, w=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    clean = torch.rand(b, t, 3, h, w, generator=g) * 2 - 1
    mask = torch.zeros(b, t, 1, h, w)
    mask[..., h // 4: h // 4 + 20, 8: w - 8] = 1  # static box: the temporal-variance term applies
    mask[-1, :, :, 4:12, 4:12] = 1  # a second, small hole in the last clip
    frames = clean * (1 - mask) + mask  # white overlay
    return frames, clean, mask


def _config(name: str):
    raw = load_config("tiny", model=name).model_dump(mode="json")
    raw["data"].update(width=64, height=64, frames=8)
    return config_from_dict(raw, "test")


def test_all_four_are_registered_and_configured():
    assert set(MODELS) <= set(inpainter_names())
    for config in ("tiny", "base"):
        for name in MODELS:
            cfg = load_config(config, model=name)
            assert cfg.model == name and set(cfg.model_options) >= set(MODELS)
    assert SMALL["rnot"]["value_blocks"] < load_config("base", model="rnot").model_options["rnot"]["value_blocks"]


@pytest.mark.parametrize("name", MODELS)
def test_forward_backward_reaches_every_parameter_and_the_mask(name):
    torch.manual_seed(0)
    net = build_inpainter(name, SMALL[name], 64, 64)
    frames, clean, gt = _batch()
    mask = gt.clone().requires_grad_(True)  # stands in for the perception net's soft mask
    out = net(frames, mask)
    assert out["output"].shape == frames.shape
    assert out["output"].abs().max() <= 1.0
    out["composite"] = mask * out["output"] + (1 - mask) * frames
    weights = load_config("tiny").loss
    terms = L.inpaint_losses(out, frames, clean, gt, weights)
    terms.update(net.losses(out, clean, gt, weights))
    assert {"hole_l1", "valid_l1", "temporal_variance"} <= set(terms)
    assert all(torch.isfinite(v) for v in terms.values()), terms
    sum(terms.values()).backward()
    missing = [n for n, p in net.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing, f"{name}: no gradient for {missing[:8]}"
    assert all(torch.isfinite(p.grad).all() for p in net.parameters())
    assert mask.grad is not None and mask.grad.abs().sum() > 0, "the soft mask gets no gradient"


@pytest.mark.parametrize("name", MODELS)
def test_temporal_variance_alone_trains_every_model(name):
    """The static-overlay loss is shared: on its own it still reaches the network."""
    torch.manual_seed(1)
    net = build_inpainter(name, SMALL[name], 64, 64)
    frames, clean, gt = _batch(b=1, t=4, seed=1)
    with torch.no_grad():
        first = net(frames, gt)["output"]
    # the overlay equals the model's fill in even frames and differs in odd ones: a fill
    # that is "changed" in every other frame, i.e. flicker (models never see under the hole)
    offset = torch.tensor([0.0, 0.6, 0.0, 0.6]).view(1, 4, 1, 1, 1)
    frames = frames * (1 - gt) + gt * (first + offset).clamp(-1, 1)
    out = net(frames, gt)
    assert torch.allclose(out["output"], first, atol=1e-5)
    comp = gt * out["output"] + (1 - gt) * frames
    loss = L.temporal_variance_loss(comp, frames, gt, 0.05)
    assert loss > 0
    loss.backward()
    assert sum(float(p.grad.abs().sum()) for p in net.parameters() if p.grad is not None) > 0


@pytest.mark.parametrize("name", MODELS)
def test_perception_mask_trains_end_to_end(name):
    """Stage 2: perception -> soft mask -> inpainter; the inpainting loss alone reaches perception."""
    from datagen.train.models.remover import build_remover

    torch.manual_seed(2)
    remover = build_remover(_config(name), gt_mask=False)
    frames, clean, gt = _batch(b=1, t=4, seed=2)
    out = remover(frames)
    assert out["mask"].shape == gt.shape and out["mask_logits"] is not None
    L.masked_l1(out["composite"], clean, gt).backward()
    grads = [p.grad for p in remover.perception.parameters()]
    assert all(g is not None for g in grads) and sum(float(g.abs().sum()) for g in grads) > 0


@pytest.mark.parametrize("name", MODELS)
def test_checkpoint_round_trip(name, tmp_path):
    """Weights and options saved as the loop does come back through eval's loader, same outputs."""
    from datagen.train.models.remover import Remover, from_checkpoint

    torch.manual_seed(3)
    cfg = _config(name)
    net = build_inpainter(name, cfg.model_options[name], 64, 64)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
    frames, clean, gt = _batch(b=1, t=4, seed=3)
    net(frames, gt)["output"].sub(clean).abs().mean().backward()
    opt.step()  # weights differ from a fresh init
    net.eval()
    checkpoint.save(tmp_path / "last.pt", {"stage": "inpaint", "model": name, "config": cfg.model_dump(mode="json"),
                                           "gt_mask": True, "step": 1, "state": {"inpainter": net.state_dict()}})
    cfg2, loaded = from_checkpoint(checkpoint.load(tmp_path / "last.pt"))
    assert isinstance(loaded, Remover) and loaded.perception is None
    assert cfg2.model == name and type(loaded.inpainter) is type(net)
    with torch.no_grad():
        a = net(frames, gt)["output"]
        b = loaded(frames, gt)["output"]
        fresh = build_inpainter(name, cfg.model_options[name], 64, 64).eval()(frames, gt)["output"]
    assert torch.equal(a, b)
    assert not torch.equal(a, fresh)


@pytest.mark.parametrize("name", MODELS)
def test_sizes_the_network_cannot_take_are_refused(name):
    with pytest.raises(ValueError, match="divisible|divide"):
        build_inpainter(name, SMALL[name], 60, 44)


# -- a real training run per model ------------------------------------------------------------
@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    """4 fixed clips: a black free-form hole in procedural footage, 64x64, 6 frames (the classic
    inpainting setting; a layer whose presence in every frame does not depend on timing)."""
    from datagen.engine.run import generate
    from datagen.recipe import load_recipe

    d = tmp_path_factory.mktemp("clips")
    (d / "recipe.yaml").write_text("""
name: modeltest
clip: {frames: 6, width: 64, height: 64, fps: 12}
background: {type: procedural}
layers:
  - {type: freeform, profile: blob, shapes: 1, fill: black}
""")
    generate(load_recipe(str(d / "recipe.yaml")), str(d / "data"), samples=4, workers=1, seed=3, shard_size=2,
             progress=False)
    return d / "data"


OVERFIT_STEPS = 80


@pytest.mark.slow
@pytest.mark.parametrize("name", MODELS)
def test_overfit_four_clips_improves_the_hole(name, clips, tmp_path):
    """`datagen train inpaint --gt-mask --model NAME`, then `datagen eval`: >= 3 dB inside the mask."""
    out = tmp_path / "run"
    argv = ["train", "inpaint", "--data", str(clips), "--config", "tiny", "--gt-mask", "--model", name,
            "--out", str(out), "--steps", str(OVERFIT_STEPS), "--quiet", "--set", "data.width=64",
            "--set", "data.height=64", "--set", "data.frames=4", "--set", "loss.gan=false"]
    assert main(argv) == 0
    assert main(["eval", "--data", str(clips), "--checkpoint", str(out / "last.pt"), "--out", str(tmp_path),
                 "--quiet"]) == 0
    report = json.loads((tmp_path / "eval.json").read_text())
    assert report["model"] == name
    m = report["methods"]
    gain = m["model (ground-truth mask)"]["psnr_mask"] - m["input (no removal)"]["psnr_mask"]
    assert gain >= 3.0, f"{name}: {gain:.2f} dB ({m})"
