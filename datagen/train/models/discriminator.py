"""T-PatchGAN discriminator (Chang et al., "Free-form video inpainting with 3D gated
convolution and temporal PatchGAN", 2019), as used by STTN.

3D convolutions with spectral normalisation, kernel 3x5x5, stride 1x2x2: every output
score judges one spatio-temporal patch, so the generator is pushed to be sharp *and*
temporally consistent. Trained with the hinge loss (see losses.py).
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


class TPatchGAN(nn.Module):
    """(B, T, 3, H, W) in [-1, 1] -> patch scores (B, T, C', h, w)."""

    def __init__(self, channels: int = 64, layers: int = 4):
        super().__init__()
        mods: list[nn.Module] = []
        cin = 3
        for i in range(layers):
            cout = channels * min(2 ** i, 4)
            last = i == layers - 1
            conv = nn.Conv3d(cin, 1 if last else cout, (3, 5, 5), stride=(1, 2, 2), padding=(1, 2, 2),
                             bias=last)
            mods.append(spectral_norm(conv))
            if not last:
                mods.append(nn.LeakyReLU(0.2, inplace=True))
            cin = cout
        self.net = nn.Sequential(*mods)

    def forward(self, clip: torch.Tensor) -> torch.Tensor:
        return self.net(clip.permute(0, 2, 1, 3, 4)).permute(0, 2, 1, 3, 4)
