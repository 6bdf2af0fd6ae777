"""RNoT: OPN's temporal memory read with Region Normalization, single-shot, `model: rnot`.

The spatial part is rebuilt around Region Normalization (Yu et al., AAAI 2020; see
blocks_region_norm.py):

- encoder stem: 5x5 conv, stride-2 convs to 1/2^downsample, each followed by **RN-B**
  (hole and non-hole regions normalised separately with the given mask);
- **key branch**: `key_blocks` (4) RN-B residual blocks, then a 3x3 conv to the key;
- **value branch**: `value_blocks` (8) RN-B residual blocks, then a 3x3 conv to the value;
- memory read as OPN: every position of every frame queries the keys of all frames'
  visible positions, and the read values are added to its own value;
- decoder: `decoder_blocks` **RN-L** residual blocks (region mask learned from the
  features, threshold 0.8), then RN-L-normalised upsampling convs to RGB, added to
  the masked input.

Filling is single-shot: one pass, no peeling. The soft mask from a perception net
enters the input, RN-B's region statistics and the memory's visibility, all
differentiable. Known weakness (reported for RN): the per-region renormalisation can
shift the colour of the fill when the visible region is very bright or saturated
(strong light), since the hole's statistics are re-created from learned affines.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import nn

from datagen.train.models.blocks_attention import memory_read
from datagen.train.models.blocks_conv import clamp_pass_gradient, pool_mask, require_multiple, upsample2
from datagen.train.models.blocks_region_norm import RNL, RNBResBlock, RNConv, RNLResBlock
from datagen.train.models.registry import Inpainter, InpainterOptions, register_inpainter


class RNoTOptions(InpainterOptions):
    channels: int = Field(128, ge=8, description="width at feature resolution (value width)")
    key_channels: int = Field(64, ge=4, description="key / query width")
    downsample: int = Field(3, ge=2, le=3, description="feature resolution 1/2^N (2: 1/4, 3: 1/8)")
    key_blocks: int = Field(4, ge=0, description="RN-B residual blocks of the key branch")
    value_blocks: int = Field(8, ge=0, description="RN-B residual blocks of the value branch")
    decoder_blocks: int = Field(2, ge=0, description="RN-L residual blocks before upsampling")


class Branch(nn.Module):
    """RN-B residual blocks then a 3x3 conv projection."""

    def __init__(self, c: int, cout: int, blocks: int):
        super().__init__()
        self.blocks = nn.ModuleList([RNBResBlock(c) for _ in range(blocks)])
        self.project = nn.Conv2d(c, cout, 3, padding=1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x, mask)
        return self.project(x)


class UpRNL(nn.Module):
    """2x upsample -> conv -> RN-L -> LeakyReLU."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm = RNL(cout)

    def forward(self, x):
        return F.leaky_relu(self.norm(self.conv(upsample2(x))), 0.2)


@register_inpainter("rnot")
class RNoT(Inpainter):
    Options = RNoTOptions

    def __init__(self, options: RNoTOptions, width: int, height: int):
        super().__init__()
        require_multiple("rnot", width, height, 2 ** options.downsample, f"downsample {options.downsample}")
        c = options.channels
        self.options = options
        widths = [max(c // 4, 4), max(c // 2, 4), c, c][:options.downsample + 1]
        self.stem = nn.ModuleList([RNConv(4, widths[0], 5)] +
                                  [RNConv(a, b, stride=2) for a, b in zip(widths, widths[1:])])
        self.key_branch = Branch(c, options.key_channels, options.key_blocks)
        self.value_branch = Branch(c, c, options.value_blocks)
        self.decoder_blocks = nn.Sequential(*[RNLResBlock(c) for _ in range(options.decoder_blocks)])
        up = widths[::-1]
        self.ups = nn.ModuleList([UpRNL(a, b) for a, b in zip(up, up[1:])])
        self.head = nn.Conv2d(up[-1], 3, 3, padding=1)

    def forward(self, frames: torch.Tensor, mask: torch.Tensor) -> dict:
        b, t, _, h, w = frames.shape
        m = mask.reshape(b * t, 1, h, w)
        masked = frames.reshape(b * t, 3, h, w) * (1.0 - m)
        x = torch.cat([masked, m], dim=1)
        for layer in self.stem:
            x = layer(x, m)
        n, c, fh, fw = x.shape
        key, value = self.key_branch(x, m), self.value_branch(x, m)

        def tokens(z: torch.Tensor) -> torch.Tensor:  # (B*T, d, h, w) -> (B, T*h*w, d)
            return z.reshape(b, t, z.shape[1], fh * fw).permute(0, 1, 3, 2).reshape(b, t * fh * fw, z.shape[1])

        visible = 1.0 - pool_mask(m, (fh, fw))
        read = memory_read(tokens(key), tokens(key), tokens(value), tokens(visible)[..., 0])
        y = value + read.reshape(b, t, fh * fw, c).permute(0, 1, 3, 2).reshape(n, c, fh, fw)
        y = self.decoder_blocks(y)
        for up in self.ups:
            y = up(y)
        out = clamp_pass_gradient(masked + self.head(y))
        return {"output": out.reshape(b, t, 3, h, w)}
