"""RNoT: Region Normalization (RN-B with the given mask, RN-L with a learned region at 0.8),
the 4/8-block key/value branches, OPN's memory read, single-shot filling."""
from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from datagen.train.models.blocks_region_norm import RNB, RNL, RNL_THRESHOLD, region_normalize  # noqa: E402
from datagen.train.models.registry import build_inpainter  # noqa: E402

pytestmark = pytest.mark.train

OPTIONS = {"channels": 32, "key_channels": 16, "key_blocks": 1, "value_blocks": 2, "decoder_blocks": 1}


def _region_moments(y: torch.Tensor, region: torch.Tensor):
    """Per channel mean and std of y (1, C, h, w) over the bool region (h, w)."""
    v = y[0][:, region]
    return v.mean(1), v.std(1, unbiased=False)


def test_region_normalize_gives_each_region_its_own_statistics():
    torch.manual_seed(0)
    x = torch.randn(1, 4, 16, 16)
    hole = torch.zeros(1, 1, 16, 16)
    hole[..., 4:10, 3:12] = 1
    x = x + hole * 7.0  # the hole holds very different values (an overlay, a fill colour)
    y = region_normalize(x, hole)
    for region in (hole[0, 0] > 0, hole[0, 0] == 0):
        mean, std = _region_moments(y, region)
        assert mean.abs().max() < 1e-4 and (std - 1).abs().max() < 1e-3
    # instance normalisation would mix them: the visible part is no longer centred
    inst = torch.nn.functional.instance_norm(x)
    assert _region_moments(inst, hole[0, 0] == 0)[0].abs().max() > 0.3


def test_rnb_visible_output_ignores_the_hole_content():
    torch.manual_seed(1)
    rnb = RNB(4)
    with torch.no_grad():
        rnb.gamma.normal_()
        rnb.beta.normal_()
    x = torch.randn(2, 4, 12, 12)
    hole = torch.zeros(2, 1, 12, 12)
    hole[..., 3:9, 2:10] = 1
    other = x + hole * torch.randn_like(x) * 10
    a, b = rnb(x, hole), rnb(other, hole)
    vis = (hole == 0).expand_as(a)
    assert torch.allclose(a[vis], b[vis], atol=1e-5)
    assert not torch.allclose(a[~vis], b[~vis])


def test_rnl_detects_its_region_at_threshold_0_8():
    """Response = sigmoid(channel max): positions with max > logit(0.8) form one region."""
    rnl = RNL(3)
    with torch.no_grad():
        for conv in (rnl.response, rnl.gamma, rnl.beta):
            conv.weight.zero_()
            conv.bias.zero_()
        rnl.response.weight[0, 0, 1, 1] = 1.0  # channel max, centre tap
    logit = math.log(RNL_THRESHOLD / (1 - RNL_THRESHOLD))
    torch.manual_seed(2)
    x = torch.randn(1, 3, 8, 8) * 0.1
    x[..., :, :4] += logit + 1.0  # left half: response above 0.8
    x[..., :, 4:] += logit - 1.5  # right half: below
    y = rnl(x)
    left = torch.zeros(8, 8, dtype=torch.bool)
    left[:, :4] = True
    for region in (left, ~left):
        mean, std = _region_moments(y, region)
        assert mean.abs().max() < 1e-4 and (std - 1).abs().max() < 1e-2


def test_default_branches_and_norms():
    net = build_inpainter("rnot", {}, 64, 64)
    assert len(net.key_branch.blocks) == 4 and len(net.value_branch.blocks) == 8
    assert any(isinstance(m, RNB) for m in net.stem.modules())
    assert any(isinstance(m, RNL) for m in net.decoder_blocks.modules())
    assert any(isinstance(m, RNL) for m in net.ups.modules())


def test_single_shot_and_memory_read_from_other_frames():
    torch.manual_seed(3)
    net = build_inpainter("rnot", OPTIONS, 64, 64).eval()
    calls = []
    net.head.register_forward_hook(lambda *a: calls.append(1))
    frames = torch.rand(1, 2, 3, 64, 64) * 2 - 1
    mask = torch.zeros(1, 2, 1, 64, 64)
    mask[:, 0, :, 8:56, 8:56] = 1  # a hole far thicker than OPN's 8-px ring: still one pass
    hole0 = mask[0, 0, 0] > 0
    with torch.no_grad():
        base = net(frames, mask)["output"][0, 0][:, hole0]
        assert len(calls) == 1
        shown = frames.clone()
        shown[:, 1, :, 8:56, 8:56] = -shown[:, 1, :, 8:56, 8:56]
        assert not torch.allclose(net(shown, mask)["output"][0, 0][:, hole0], base)
        hidden = frames.clone()
        hidden[:, 0, :, 8:56, 8:56] = 1.0
        assert torch.equal(net(hidden, mask)["output"][0, 0][:, hole0], base)
