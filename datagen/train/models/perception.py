"""The perception network: where is the overlay? (stage 1, and the mask source of stage 2)

It sees only the corrupted clip and predicts a per-frame mask logit. A small 3D-conv
U-Net (space and time mixed by the 3x3x3 kernels at 1/2 and 1/4 resolution) with
temporal self-attention at 1/4 resolution: every spatial position attends over all
frames, which is what tells a static logo or a subtitle that stays for a second apart
from moving background. At full resolution only per-frame 3x3 convolutions run (the
stem and the last layer, joined by a skip): they keep thin strokes sharp at a ninth
of the cost of 3D kernels there.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _groups(c: int) -> int:
    return next(g for g in (8, 4, 2, 1) if c % g == 0)


class ConvBlock3d(nn.Module):
    """Two convolutions with GroupNorm; the first may halve the spatial size.

    spatial_only: 1x3x3 kernels (per frame) instead of 3x3x3.
    """

    def __init__(self, cin: int, cout: int, downsample: bool = False, spatial_only: bool = False):
        super().__init__()
        stride = (1, 2, 2) if downsample else 1
        k, pad = ((1, 3, 3), (0, 1, 1)) if spatial_only else (3, 1)
        self.body = nn.Sequential(
            nn.Conv3d(cin, cout, k, stride=stride, padding=pad), nn.GroupNorm(_groups(cout), cout),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv3d(cout, cout, k, padding=pad), nn.GroupNorm(_groups(cout), cout),
            nn.LeakyReLU(0.2, inplace=True),
        )

    def forward(self, x):
        return self.body(x)


class TemporalAttention(nn.Module):
    """Pre-norm self-attention over time at every spatial position, plus an MLP."""

    def __init__(self, channels: int, heads: int):
        super().__init__()
        heads = max(1, min(heads, channels))
        while channels % heads:
            heads -= 1
        self.norm1 = nn.LayerNorm(channels)
        self.attn = nn.MultiheadAttention(channels, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(channels)
        self.mlp = nn.Sequential(nn.Linear(channels, 2 * channels), nn.GELU(), nn.Linear(2 * channels, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, T, h, w)
        b, c, t, h, w = x.shape
        seq = x.permute(0, 3, 4, 2, 1).reshape(b * h * w, t, c)
        y = self.norm1(seq)
        seq = seq + self.attn(y, y, y, need_weights=False)[0]
        seq = seq + self.mlp(self.norm2(seq))
        return seq.reshape(b, h, w, t, c).permute(0, 4, 3, 1, 2)


class PerceptionNet(nn.Module):
    """(B, T, 3, H, W) in [-1, 1] -> mask logits (B, T, 1, H, W). H, W divisible by 4."""

    def __init__(self, channels: int = 32, attention_blocks: int = 2, heads: int = 4):
        super().__init__()
        c = channels
        self.enc1 = ConvBlock3d(3, c, spatial_only=True)
        self.enc2 = ConvBlock3d(c, 2 * c, downsample=True)
        self.enc3 = ConvBlock3d(2 * c, 4 * c, downsample=True)
        self.attention = nn.ModuleList([TemporalAttention(4 * c, heads) for _ in range(attention_blocks)])
        self.dec2 = ConvBlock3d(4 * c + 2 * c, 2 * c)
        self.dec1 = ConvBlock3d(2 * c + c, c, spatial_only=True)
        self.head = nn.Conv3d(c, 1, 1)

    @staticmethod
    def _up(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, size=like.shape[-3:], mode="trilinear", align_corners=False)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        x = frames.permute(0, 2, 1, 3, 4)  # (B, 3, T, H, W)
        e1 = self.enc1(x)
        e2 = self.enc2(e1)
        e3 = self.enc3(e2)
        for block in self.attention:
            e3 = block(e3)
        d2 = self.dec2(torch.cat([self._up(e3, e2), e2], dim=1))
        d1 = self.dec1(torch.cat([self._up(d2, e1), e1], dim=1))
        return self.head(d1).permute(0, 2, 1, 3, 4)  # (B, T, 1, H, W)


def build_perception(cfg) -> PerceptionNet:
    """From a `PerceptionConfig`."""
    return PerceptionNet(cfg.channels, cfg.attention_blocks, cfg.heads)
