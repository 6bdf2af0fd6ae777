"""OPN: onion-peel networks (Oh, Lee, Lee, Kim, "Onion-Peel Networks for Deep Video
Completion", ICCV 2019), `model: opn`.

One completion step: an encoder turns every frame of the clip (its current content, the
part of the hole still open, and the given soft mask) into a key and a value at
1/2^downsample resolution. Each frame's query (its key) attends to the keys of all
frames' *visible* positions (the memory: the other frames and the target's own visible
part), the read memory values are added to the target's value, and a decoder outputs
the frame (a residual on the current content).

Onion peeling: the hole is filled one ring at a time, from its border inwards. The
ring of a step is the part of the open hole within `peel_px` pixels (Chebyshev) of
the visible region; it is filled with that step's output and becomes visible (and
so memory) for the next step, until the hole is closed. A frame with no visible pixel
at all is filled from the other frames in one step; after `max_peels` steps whatever
is left is filled at once. Every frame of the clip peels at the same time (one
batched pass per ring).

Soft masks: the hole geometry is the mask thresholded at 0.5; the soft mask itself is
an encoder input, so a perception net upstream still gets a gradient.

Simplified, on purpose: the ring geometry is at full resolution but the attention at
1/4 or 1/8 (`downsample`), which at 1/8 makes one 8-px ring one feature cell, as in the
issue's "about 8 px per step"; key and query share one projection (as in STM, the
authors' memory network); plain conv encoder/decoder instead of the paper's ResNet.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import nn

from datagen.train.models.blocks_attention import memory_read
from datagen.train.models.blocks_conv import (ResBlock, clamp_pass_gradient, conv_act, pool_mask, require_multiple,
                                               upsample2)
from datagen.train.models.registry import Inpainter, InpainterOptions, register_inpainter


class OPNOptions(InpainterOptions):
    channels: int = Field(128, ge=8, description="value width at feature resolution")
    key_channels: int = Field(64, ge=4, description="key / query width")
    downsample: int = Field(3, ge=2, le=3, description="feature resolution 1/2^N (2: 1/4, 3: 1/8)")
    blocks: int = Field(2, ge=0, description="residual blocks in the encoder and in the decoder")
    peel_px: int = Field(8, ge=1, description="ring width of one peel step, full-resolution pixels")
    max_peels: int = Field(16, ge=1, description="after this many steps the rest of the hole is filled at once")


def peel_ring(remaining: torch.Tensor, px: int) -> torch.Tensor:
    """The next ring of an open hole: hole pixels within px (Chebyshev) of a visible pixel.

    remaining (N, 1, H, W) binary (1 = still open). A frame without any visible pixel
    gets its whole hole as the ring (it is filled from the other frames).
    """
    visible = 1.0 - remaining
    near = F.max_pool2d(visible, 2 * px + 1, stride=1, padding=px)
    blind = (visible.flatten(1).amax(1) == 0).to(remaining.dtype)[:, None, None, None]
    return remaining * torch.maximum(near, blind)


def peel_schedule(hole: torch.Tensor, px: int, max_peels: int) -> list[torch.Tensor]:
    """The rings that close `hole` (N, 1, H, W) binary, in order (at most max_peels)."""
    rings, remaining = [], hole
    while bool(remaining.any()):
        ring = remaining if len(rings) == max_peels - 1 else peel_ring(remaining, px)
        rings.append(ring)
        remaining = remaining * (1.0 - ring)
    return rings


class Encoder(nn.Module):
    """(N, 5, H, W) -> (N, C, H/2^d, W/2^d)."""

    def __init__(self, c: int, downsample: int, blocks: int):
        super().__init__()
        widths = [max(c // 4, 4), max(c // 2, 4), c, c][:downsample + 1]
        layers = [conv_act(5, widths[0], 5)]
        for a, b in zip(widths, widths[1:]):
            layers.append(conv_act(a, b, stride=2))
        layers += [ResBlock(c) for _ in range(blocks)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class Decoder(nn.Module):
    """(N, C, h, w) -> RGB residual (N, 3, h*2^d, w*2^d)."""

    def __init__(self, c: int, downsample: int, blocks: int):
        super().__init__()
        self.blocks = nn.Sequential(*[ResBlock(c) for _ in range(blocks)])
        widths = [c, c, max(c // 2, 4), max(c // 4, 4)][-(downsample + 1):]
        self.ups = nn.ModuleList([conv_act(a, b) for a, b in zip(widths, widths[1:])])
        self.head = nn.Conv2d(widths[-1], 3, 3, padding=1)

    def forward(self, x):
        x = self.blocks(x)
        for up in self.ups:
            x = up(upsample2(x))
        return self.head(x)


@register_inpainter("opn")
class OPN(Inpainter):
    Options = OPNOptions

    def __init__(self, options: OPNOptions, width: int, height: int):
        super().__init__()
        require_multiple("opn", width, height, 2 ** options.downsample, f"downsample {options.downsample}")
        c = options.channels
        self.options = options
        self.encoder = Encoder(c, options.downsample, options.blocks)
        self.key = nn.Conv2d(c, options.key_channels, 3, padding=1)
        self.value = nn.Conv2d(c, c, 3, padding=1)
        self.decoder = Decoder(c, options.downsample, options.blocks)

    def complete(self, work: torch.Tensor, remaining: torch.Tensor, mask: torch.Tensor, b: int, t: int) -> torch.Tensor:
        """One completion pass over the clip: (B*T, 3, H, W) filled frames (valid inside `remaining`)."""
        feat = self.encoder(torch.cat([work, remaining, mask], dim=1))
        n, _, fh, fw = feat.shape
        key, value = self.key(feat), self.value(feat)

        def tokens(x: torch.Tensor) -> torch.Tensor:  # (B*T, d, h, w) -> (B, T*h*w, d)
            return x.reshape(b, t, x.shape[1], fh * fw).permute(0, 1, 3, 2).reshape(b, t * fh * fw, x.shape[1])

        visible = 1.0 - pool_mask(remaining, (fh, fw))
        read = memory_read(tokens(key), tokens(key), tokens(value), tokens(visible)[..., 0])
        read = read.reshape(b, t, fh * fw, -1).permute(0, 1, 3, 2).reshape(n, -1, fh, fw)
        return clamp_pass_gradient(work + self.decoder(value + read))

    def forward(self, frames: torch.Tensor, mask: torch.Tensor, keep_steps: bool = False) -> dict:
        """keep_steps: also return `open_after_step`, the open hole after every peel step."""
        b, t, _, h, w = frames.shape
        soft = mask.reshape(b * t, 1, h, w)
        hole = (soft > 0.5).to(frames.dtype)
        work = frames.reshape(b * t, 3, h, w) * (1.0 - hole)
        remaining = hole
        steps = []
        # a clip without any hole still runs one (no-op) pass: every parameter takes part in
        # every forward, which DDP and a loss that needs a graph rely on
        rings = peel_schedule(hole, self.options.peel_px, self.options.max_peels) or [torch.zeros_like(hole)]
        for ring in rings:
            out = self.complete(work, remaining, soft, b, t)
            work = work * (1.0 - ring) + out * ring
            remaining = remaining * (1.0 - ring)
            if keep_steps:
                steps.append(remaining.reshape(b, t, 1, h, w))
        result = {"output": work.reshape(b, t, 3, h, w)}
        if keep_steps:
            result["open_after_step"] = steps
        return result
