"""Region Normalization (Yu et al., "Region Normalization for Image Inpainting", AAAI 2020).

Instance-style normalisation mixes the statistics of the hole (garbage) and of the
visible pixels; RN normalises each region with its own mean and variance.

- `region_normalize(x, m)`: per sample and channel, the pixels weighted by m and by
  1 - m are normalised separately and recombined. With a binary m that is exactly RN;
  a soft m (the perception net's mask) weights the statistics, so it stays
  differentiable. Implemented as one per-pixel scale and shift (two batched matrix
  products for the statistics), not as separate region maps: fewer passes over memory.
- `RNB` (basic, encoder): regions from the given mask, one learned affine per region.
- `RNL` (learnable, decoder): the region mask is detected from the features: a 3x3
  conv over the channel max and mean, sigmoid, thresholded at 0.8; the same spatial
  response gives pixel-wise affine maps (gamma, beta) through two 3x3 convs, which is
  how its conv gets a gradient although the threshold has none.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from datagen.train.models.blocks_conv import pool_mask

RNL_THRESHOLD = 0.8
"""RN-L's threshold on the spatial response (the paper's t)."""


def region_moments(x: torch.Tensor, m: torch.Tensor, eps: float = 1e-5) -> tuple[torch.Tensor, ...]:
    """Per sample and channel: (mean, 1/std) of the hole (weights m) and of the visible
    region (weights 1 - m), each (N, C, 1, 1). x (N, C, h, w), m (N, 1, h, w) in [0, 1].

    Sums are taken once over the whole map and once weighted by m (two batched matrix
    products); the visible region's are the difference, so a binary m gives exactly RN.
    """
    n, c, h, w = x.shape
    xf = x.float().reshape(n, c, h * w)
    mf = m.float().reshape(n, h * w, 1)
    with torch.autocast(x.device.type, enabled=False):  # raw moments need fp32, not bf16 products
        s1_all, s2_all = xf.sum(-1, keepdim=True), (xf * xf).sum(-1, keepdim=True)
        s1_hole, s2_hole = torch.bmm(xf, mf), torch.bmm(xf * xf, mf)
    n_hole = mf.sum(1, keepdim=True)  # (N, 1, 1)
    n_vis = h * w - n_hole
    out = []
    for s1, s2, cnt in ((s1_hole, s2_hole, n_hole), (s1_all - s1_hole, s2_all - s2_hole, n_vis)):
        mean = s1 / cnt.clamp_min(eps)
        var = (s2 / cnt.clamp_min(eps) - mean * mean).clamp_min(0.0)
        out += [mean[..., None], torch.rsqrt(var + eps)[..., None]]
    return tuple(out)


def region_normalize(x: torch.Tensor, m: torch.Tensor, gamma: torch.Tensor | None = None,
                     beta: torch.Tensor | None = None, eps: float = 1e-5) -> torch.Tensor:
    """m * (norm_hole(x) * gamma[0] + beta[0]) + (1 - m) * (norm_visible(x) * gamma[1] + beta[1]).

    x (N, C, h, w), m (N, 1, h, w) in [0, 1] (1 = hole); gamma/beta (2, C, 1, 1) per region
    (default 1 and 0). Computed as one per-pixel scale and shift of x.
    """
    mean_h, inv_h, mean_v, inv_v = region_moments(x, m, eps)
    g_h, g_v = (1.0, 1.0) if gamma is None else (gamma[0], gamma[1])
    b_h, b_v = (0.0, 0.0) if beta is None else (beta[0], beta[1])
    scale_h, scale_v = inv_h * g_h, inv_v * g_v
    shift_h, shift_v = b_h - mean_h * scale_h, b_v - mean_v * scale_v
    mf = m.float()
    out = x.float() * (scale_v + (scale_h - scale_v) * mf) + (shift_v + (shift_h - shift_v) * mf)
    return out.to(x.dtype)


class RNB(nn.Module):
    """RN-B: region normalisation with the given mask, one affine (gamma, beta) per region."""

    def __init__(self, channels: int):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(2, channels, 1, 1))  # [hole, visible]
        self.beta = nn.Parameter(torch.zeros(2, channels, 1, 1))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return region_normalize(x, pool_mask(mask, x.shape[-2:]), self.gamma, self.beta)


class RNL(nn.Module):
    """RN-L: the region mask comes from the features (threshold 0.8), pixel-wise affine."""

    def __init__(self, channels: int):
        super().__init__()
        self.response = nn.Conv2d(2, 1, 3, padding=1)
        self.gamma = nn.Conv2d(1, channels, 3, padding=1)
        self.beta = nn.Conv2d(1, channels, 3, padding=1)

    def spatial_response(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 1, h, w) in (0, 1) from the channel max and mean."""
        pooled = torch.cat([x.amax(dim=1, keepdim=True), x.mean(dim=1, keepdim=True)], dim=1)
        return torch.sigmoid(self.response(pooled))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r = self.spatial_response(x)
        region = (r > RNL_THRESHOLD).to(x.dtype)
        return region_normalize(x, region) * (1.0 + self.gamma(r)) + self.beta(r)


class RNConv(nn.Module):
    """conv -> RN-B (with the given mask) -> LeakyReLU; `stride` 2 halves the size."""

    def __init__(self, cin: int, cout: int, kernel: int = 3, stride: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride, padding=kernel // 2)
        self.norm = RNB(cout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(self.norm(self.conv(x), mask), 0.2)


class RNBResBlock(nn.Module):
    """Residual block of two 3x3 convs, each followed by RN-B with the given mask."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.norm1 = RNB(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.norm2 = RNB(channels)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        y = F.leaky_relu(self.norm1(self.conv1(x), mask), 0.2)
        return F.leaky_relu(x + self.norm2(self.conv2(y), mask), 0.2)


class RNLResBlock(nn.Module):
    """Residual block of two 3x3 convs, each followed by RN-L (no mask needed)."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.norm1 = RNL(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.norm2 = RNL(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.leaky_relu(self.norm1(self.conv1(x)), 0.2)
        return F.leaky_relu(x + self.norm2(self.conv2(y)), 0.2)
