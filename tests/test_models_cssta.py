"""CSSTA: its two attentions do what the paper says, the coarse stage is trained, and the
Feature Loss is wired to a frozen IM2IM checkpoint."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from datagen.errors import UserError  # noqa: E402
from datagen.train import checkpoint  # noqa: E402
from datagen.train.config import load_config  # noqa: E402
from datagen.train.models.autoencoder import IM2IM, AutoencoderOptions  # noqa: E402
from datagen.train.models.blocks_attention import hole_attention, inter_frame_attention  # noqa: E402
from datagen.train.models.registry import build_inpainter  # noqa: E402

pytestmark = pytest.mark.train

OPTIONS = {"channels": 32, "coarse_blocks": 1}


def _hole(n=2, h=12, w=16) -> torch.Tensor:
    hole = torch.zeros(n, 1, h, w)
    hole[:, :, 3:8, 4:11] = 1
    return hole


def test_hole_attention_ignores_keys_outside_the_hole():
    torch.manual_seed(0)
    feat = torch.randn(2, 8, 12, 16)
    hole = _hole()
    out = hole_attention(feat, hole, scale=10.0)
    other = feat + (1 - hole) * torch.randn_like(feat) * 5  # new features outside the hole only
    assert torch.equal(hole_attention(other, hole, scale=10.0), out)
    assert torch.equal(out * (1 - hole), torch.zeros_like(out))  # kept only inside the hole
    inside = feat + hole * torch.randn_like(feat)  # ... but it does read the hole
    assert not torch.allclose(hole_attention(inside, hole, scale=10.0) * hole, out * hole)


def test_hole_attention_never_attends_to_itself():
    """Two hole positions: each output is exactly the other one's feature."""
    feat = torch.randn(1, 4, 1, 5)
    hole = torch.zeros(1, 1, 1, 5)
    hole[..., 1] = hole[..., 3] = 1
    out = hole_attention(feat, hole, scale=10.0)
    assert torch.allclose(out[..., 1], feat[..., 3]) and torch.allclose(out[..., 3], feat[..., 1])


def test_inter_frame_attention_copies_visible_patches_of_other_frames():
    """A visible target position finds its own patch (cosine 1) and pastes it back; patches
    entirely inside a reference's hole are never read."""
    torch.manual_seed(1)
    b, t, c, h, w = 1, 3, 32, 10, 12  # 32 channels: random features are far from parallel
    feat = torch.randn(b, t, c, h, w)
    valid = torch.ones(b, t, 1, h, w)
    valid[:, 1, :, 2:8, 3:9] = 0  # frame 1 has a hole
    out = inter_frame_attention(feat, valid, patch=1, stride=1, scale=200.0)
    # with a sharp softmax and 1x1 patches every visible position finds itself
    assert torch.allclose(out[:, 0], feat[:, 0], atol=1e-3)
    changed = feat.clone()
    changed[:, 1, :, 4:6, 5:7] = torch.randn(c, 2, 2) * 3  # only in 3x3 windows wholly inside the hole
    a = inter_frame_attention(feat, valid, patch=3, stride=1, scale=10.0)
    z = inter_frame_attention(changed, valid, patch=3, stride=1, scale=10.0)
    assert torch.equal(a[:, 0], z[:, 0]) and torch.equal(a[:, 2], z[:, 2])


def _clip():
    g = torch.Generator().manual_seed(2)
    clean = torch.rand(1, 4, 3, 64, 64, generator=g) * 2 - 1
    mask = torch.zeros(1, 4, 1, 64, 64)
    mask[..., 40:56, 8:56] = 1
    return clean * (1 - mask) + mask, clean, mask


def test_output_ignores_what_is_under_the_hole_and_returns_the_coarse_stage():
    torch.manual_seed(3)
    net = build_inpainter("cssta", OPTIONS, 64, 64).eval()
    frames, _, mask = _clip()
    other = frames * (1 - mask) - mask
    with torch.no_grad():
        a, b = net(frames, mask), net(other, mask)
    assert torch.equal(a["output"], b["output"])
    assert a["coarse"].shape == frames.shape and a["decoder_features"].shape == (4, 32, 16, 16)


def _autoencoder_checkpoint(path, channels: int) -> None:
    ae = IM2IM(AutoencoderOptions(channels=channels))
    checkpoint.save(path, {"stage": "autoencoder", "model": "im2im", "step": 1,
                           "autoencoder_options": {"channels": channels},
                           "state": {"autoencoder": ae.state_dict()}})


def test_feature_loss_from_an_autoencoder_checkpoint(tmp_path):
    torch.manual_seed(4)
    _autoencoder_checkpoint(tmp_path / "ae.pt", 32)
    weights = load_config("tiny").loss
    frames, clean, mask = _clip()
    plain = build_inpainter("cssta", OPTIONS, 64, 64)
    assert set(plain.losses(plain(frames, mask), clean, mask, weights)) == {"coarse_l1"}

    net = build_inpainter("cssta", {**OPTIONS, "autoencoder": str(tmp_path / "ae.pt")}, 64, 64)
    out = net(frames, mask)
    terms = net.losses(out, clean, mask, weights)
    assert set(terms) == {"coarse_l1", "feature"} and terms["feature"] > 0
    terms["feature"].backward()
    assert net.refine_decoder.first[0].weight.grad.abs().sum() > 0
    assert net.refine_decoder.head.weight.grad is None  # it acts at 1/4, before the upsampling
    # the frozen autoencoder is not part of the inpainter (not trained, not checkpointed)
    assert not any("autoencoder" in k for k in net.state_dict())
    assert all(not p.requires_grad for p in net.feature_loss().autoencoder.parameters())


def test_feature_loss_errors_name_the_file(tmp_path):
    _autoencoder_checkpoint(tmp_path / "ae16.pt", 16)
    frames, clean, mask = _clip()
    weights = load_config("tiny").loss
    net = build_inpainter("cssta", {**OPTIONS, "autoencoder": str(tmp_path / "ae16.pt")}, 64, 64)
    with pytest.raises(UserError, match=r"ae16.pt.*16 channels, the inpainter needs 32"):
        net.losses(net(frames, mask), clean, mask, weights)
    checkpoint.save(tmp_path / "inpaint.pt", {"stage": "inpaint", "state": {}})
    net = build_inpainter("cssta", {**OPTIONS, "autoencoder": str(tmp_path / "inpaint.pt")}, 64, 64)
    with pytest.raises(UserError, match="not an autoencoder"):
        net.losses(net(frames, mask), clean, mask, weights)


def test_options_are_checked():
    with pytest.raises(ValueError, match="patch must be odd"):
        build_inpainter("cssta", {**OPTIONS, "patch": 2}, 64, 64)
    with pytest.raises(ValueError, match="divisible by 16"):
        build_inpainter("cssta", {**OPTIONS, "attention_downsample": 4}, 72, 72)
