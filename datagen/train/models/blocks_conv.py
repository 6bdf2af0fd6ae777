"""Convolutional building blocks shared by the inpainters (cssta, opn, rnot) and IM2IM.

Plain pieces on purpose: a conv + LeakyReLU, a residual block, a 2x upsampler and the
size checks every network does in its constructor (so a config that cannot work is
rejected with a one-line ValueError before training starts, not mid-forward).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def conv_act(cin: int, cout: int, kernel: int = 3, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    """Conv2d (same padding) followed by LeakyReLU(0.2)."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, stride, padding=dilation * (kernel // 2), dilation=dilation),
        nn.LeakyReLU(0.2, inplace=True),
    )


class ResBlock(nn.Module):
    """x + conv(act(conv(x))): two 3x3 convolutions, the first optionally dilated."""

    def __init__(self, channels: int, dilation: int = 1):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=dilation, dilation=dilation),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(channels, channels, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(x + self.body(x), 0.2)


class ResBlock3d(nn.Module):
    """Residual block of two 3x3x3 convolutions (space and time), spatially dilated.

    Input and output are (N, C, T, h, w).
    """

    def __init__(self, channels: int, dilation: int = 1):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv3d(channels, channels, 3, padding=(1, dilation, dilation), dilation=(1, dilation, dilation)),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv3d(channels, channels, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(x + self.body(x), 0.2)


def upsample2(x: torch.Tensor) -> torch.Tensor:
    """Bilinear 2x upsampling (a conv after it avoids transposed-conv checkerboards)."""
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


def pool_mask(mask: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(N, 1, H, W) soft mask -> (N, 1, h, w): the fraction of each cell that is hole."""
    if tuple(mask.shape[-2:]) == tuple(size):
        return mask
    return F.adaptive_avg_pool2d(mask, size)


def require_multiple(model: str, width: int, height: int, factor: int, why: str) -> None:
    """ValueError unless width and height are multiples of `factor`."""
    if width % factor or height % factor:
        raise ValueError(f"{model} needs width and height divisible by {factor} ({why}), got {width}x{height}")


def clamp_pass_gradient(x: torch.Tensor, low: float = -1.0, high: float = 1.0) -> torch.Tensor:
    """x clamped to [low, high] in the forward pass, identity in the backward pass.

    A plain clamp has zero gradient outside the range: an output that overshoots once
    (a large early step) then never learns again. Here the loss still pulls it back.
    """
    return x + (x.clamp(low, high) - x).detach()
