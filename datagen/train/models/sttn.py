"""STTN: spatial-temporal transformer inpainting (Zeng et al., ECCV 2020), `model: sttn`.

Shape: a 2D conv encoder per frame (1/4 resolution), a stack of transformer blocks
whose heads attend over patches of *all* frames at once, each head with its own patch
size (coarse patches find far context, fine ones copy texture), and a 2D conv decoder.
The input is the masked clip plus the mask, so a soft mask from the perception net
is differentiable end to end (the "mask-free" use in subtitle removers: the mask comes
from a network, not the user).

Differences from the paper, on purpose: patch sizes are given as grids (patches per
side) so any resolution divisible by 4 x grid works; hole patches are down-weighted in
the attention with a soft bias log(1 - hole fraction) instead of a hard -inf, which
keeps the soft mask differentiable; the decoder upsamples with bilinear + conv; the
decoder's output is added to the masked input (a global residual), so the known pixels
pass through from the first step and the network spends its capacity on the hole.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from pydantic import Field, field_validator
from torch import nn

from datagen.train.models.registry import Inpainter, InpainterOptions, register_inpainter


class STTNOptions(InpainterOptions):
    channels: int = Field(256, ge=8, description="transformer width (encoder ends with it)")
    blocks: int = Field(8, ge=1)
    grids: list[tuple[int, int]] = Field(
        [(1, 1), (3, 3), (6, 6), (12, 12)],
        description="patch grid (rows, cols) of each attention head; one head per grid",
    )

    @field_validator("grids")
    @classmethod
    def _grids(cls, v):
        if not v or any(r < 1 or c < 1 for r, c in v):
            raise ValueError("grids must be a non-empty list of [rows, cols] >= 1")
        return v


def _conv(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride, padding=dilation, dilation=dilation),
        nn.LeakyReLU(0.2, inplace=True),
    )


class MultiPatchAttention(nn.Module):
    """Multi-head attention where head i splits every frame into grids[i] patches."""

    def __init__(self, channels: int, grids: list[tuple[int, int]]):
        super().__init__()
        if channels % len(grids):
            raise ValueError(f"channels ({channels}) must be divisible by the number of grids ({len(grids)})")
        self.grids = [tuple(g) for g in grids]
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.out = _conv(channels, channels)

    def forward(self, x: torch.Tensor, hole: torch.Tensor, b: int, t: int) -> torch.Tensor:
        # x: (B*T, C, h, w); hole: (B*T, 1, h, w) soft mask at feature resolution
        _, c, h, w = x.shape
        dh = c // len(self.grids)
        q, k, v = self.qkv(x).chunk(3, dim=1)
        heads = []
        for i, (gr, gc) in enumerate(self.grids):
            ph, pw = h // gr, w // gc
            sl = slice(i * dh, (i + 1) * dh)

            def tokens(z: torch.Tensor) -> torch.Tensor:  # (B*T, d, h, w) -> (B, T*gr*gc, d*ph*pw)
                d = z.shape[1]
                z = z.reshape(b, t, d, gr, ph, gc, pw).permute(0, 1, 3, 5, 2, 4, 6)
                return z.reshape(b, t * gr * gc, d * ph * pw)

            qi, ki, vi = tokens(q[:, sl]), tokens(k[:, sl]), tokens(v[:, sl])
            frac = tokens(hole).mean(-1)  # (B, N) hole fraction of every patch
            bias = torch.log((1.0 - frac).clamp_min(1e-4))[:, None, :]  # keys mostly hole: ~ -9
            # plain attention: token dims (d * patch area) exceed what fused SDPA kernels take
            scores = torch.bmm(qi, ki.transpose(1, 2)).float() / qi.shape[-1] ** 0.5 + bias
            yi = torch.bmm(scores.softmax(dim=-1).to(vi.dtype), vi)
            yi = yi.reshape(b, t, gr, gc, dh, ph, pw).permute(0, 1, 4, 2, 5, 3, 6).reshape(b * t, dh, h, w)
            heads.append(yi)
        return self.out(torch.cat(heads, dim=1))


class TransformerBlock(nn.Module):
    def __init__(self, channels: int, grids: list[tuple[int, int]]):
        super().__init__()
        self.attention = MultiPatchAttention(channels, grids)
        self.feed_forward = nn.Sequential(_conv(channels, channels, dilation=2), _conv(channels, channels))

    def forward(self, x, hole, b, t):
        x = x + self.attention(x, hole, b, t)
        return x + self.feed_forward(x)


@register_inpainter("sttn")
class STTN(Inpainter):
    Options = STTNOptions

    def __init__(self, options: STTNOptions, width: int, height: int):
        super().__init__()
        c = options.channels
        if height % 4 or width % 4:
            raise ValueError(f"sttn needs width and height divisible by 4, got {width}x{height}")
        fh, fw = height // 4, width // 4
        for gr, gc in options.grids:
            if fh % gr or fw % gc:
                raise ValueError(
                    f"sttn grid {gr}x{gc} does not divide the {fw}x{fh} feature map of a {width}x{height} input")
        if c % len(options.grids):
            raise ValueError(f"channels ({c}) must be divisible by the number of grids ({len(options.grids)})")
        self.options = options
        c4 = max(c // 4, 8)
        self.encoder = nn.Sequential(
            _conv(4, c4, stride=2), _conv(c4, c4), _conv(c4, c // 2, stride=2), _conv(c // 2, c),
        )
        self.blocks = nn.ModuleList([TransformerBlock(c, options.grids) for _ in range(options.blocks)])
        self.decoder_up1 = _conv(c, c // 2)
        self.decoder_up2 = _conv(c // 2, c4)
        self.head = nn.Conv2d(c4, 3, 3, padding=1)

    def forward(self, frames: torch.Tensor, mask: torch.Tensor) -> dict:
        b, t, _, h, w = frames.shape
        masked = frames * (1.0 - mask)
        x = torch.cat([masked, mask], dim=2).reshape(b * t, 4, h, w)
        feat = self.encoder(x)
        hole = F.adaptive_avg_pool2d(mask.reshape(b * t, 1, h, w), feat.shape[-2:])
        for block in self.blocks:
            feat = block(feat, hole, b, t)
        y = self.decoder_up1(F.interpolate(feat, scale_factor=2, mode="bilinear", align_corners=False))
        y = self.decoder_up2(F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False))
        out = (masked + self.head(y).reshape(b, t, 3, h, w)).clamp(-1.0, 1.0)
        return {"output": out}

