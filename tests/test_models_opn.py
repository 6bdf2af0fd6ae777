"""OPN: onion peeling closes the hole ring by ring, and the memory read brings content
from the other frames."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from datagen.train.models.opn import peel_ring, peel_schedule  # noqa: E402
from datagen.train.models.registry import build_inpainter  # noqa: E402

pytestmark = pytest.mark.train

OPTIONS = {"channels": 32, "key_channels": 16, "blocks": 1}


def _open_areas(steps: list[torch.Tensor]) -> list[list[int]]:
    """Per step, per frame: open hole pixels."""
    return [[int(s[0, t].sum()) for t in range(s.shape[1])] for s in steps]


def test_each_peel_step_shrinks_the_open_hole_to_zero():
    torch.manual_seed(0)
    net = build_inpainter("opn", OPTIONS, 64, 64).eval()
    frames = torch.rand(1, 3, 3, 64, 64) * 2 - 1
    mask = torch.zeros(1, 3, 1, 64, 64)
    mask[:, 0, :, 12:52, 12:52] = 1  # 40 px square: 20 px to its centre, 8 px rings -> 3 steps
    mask[:, 1, :, 28:36, 4:60] = 1  # 8 px band: one ring
    # frame 2 has no hole
    with torch.no_grad():
        out = net(frames, mask, keep_steps=True)
    areas = _open_areas(out["open_after_step"])
    assert len(areas) == 3
    square = [1600] + [a[0] for a in areas]
    assert all(a > b for a, b in zip(square, square[1:])) and square[-1] == 0, square
    assert square[1:] == [24 * 24, 8 * 8, 0]  # rings exactly 8 px wide
    assert areas[0][1] == 0 and all(a[2] == 0 for a in areas)
    hole = mask > 0.5
    assert torch.equal(out["output"][~hole.expand_as(frames)], frames[~hole.expand_as(frames)])


def test_peel_ring_is_the_border_band_of_the_open_hole():
    hole = torch.zeros(1, 1, 32, 32)
    hole[..., 4:28, 4:28] = 1
    ring = peel_ring(hole, 3)
    inner = torch.zeros_like(hole)
    inner[..., 7:25, 7:25] = 1
    assert torch.equal(ring, hole - inner)
    assert len(peel_schedule(hole, 3, max_peels=100)) == 4  # 12 px to the centre
    capped = peel_schedule(hole, 3, max_peels=2)  # the second step takes what is left
    assert len(capped) == 2 and torch.equal(capped[0] + capped[1], hole)


def test_a_frame_without_visible_pixels_is_filled_in_one_step():
    hole = torch.ones(2, 1, 16, 16)
    hole[1, :, :2] = 0
    rings = peel_schedule(hole, 2, max_peels=50)
    assert torch.equal(rings[0][0], hole[0])  # blind frame: all at once
    assert int(rings[0][1].sum()) == 2 * 16  # the other peels from its visible rows


def test_memory_read_brings_content_from_other_frames():
    """What another frame shows where the target has a hole changes the target's fill;
    what it hides does not."""
    torch.manual_seed(1)
    net = build_inpainter("opn", OPTIONS, 64, 64).eval()
    frames = torch.rand(1, 2, 3, 64, 64) * 2 - 1
    mask = torch.zeros(1, 2, 1, 64, 64)
    mask[:, 0, :, 16:40, 16:40] = 1
    hole0 = mask[0, 0, 0] > 0
    with torch.no_grad():
        base = net(frames, mask)["output"][0, 0][:, hole0]
        shown = frames.clone()
        shown[:, 1, :, 16:40, 16:40] = -shown[:, 1, :, 16:40, 16:40]  # visible in frame 1
        assert not torch.allclose(net(shown, mask)["output"][0, 0][:, hole0], base)
        hidden = frames.clone()
        hidden[:, 0, :, 20:36, 20:36] = 1.0  # under frame 0's own hole
        assert torch.equal(net(hidden, mask)["output"][0, 0][:, hole0], base)


def test_clip_without_hole_passes_through_and_keeps_a_graph():
    net = build_inpainter("opn", OPTIONS, 64, 64)
    frames = torch.rand(1, 2, 3, 64, 64) * 2 - 1
    out = net(frames, torch.zeros(1, 2, 1, 64, 64))["output"]
    assert torch.equal(out, frames) and out.requires_grad
