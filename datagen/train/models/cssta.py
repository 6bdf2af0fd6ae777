"""CSSTA: coherent semantic spatial-temporal attention (Liu, Li, Dan, Computer Science 48(10),
2021), `model: cssta`.

Two stages, coarse to fine:

1. **Coarse** (stage one): a per-frame conv encoder to 1/4 resolution, dilated 3D
   residual blocks there (space and time), a bilinear-upsampling decoder. Its output
   roughly fills the hole; `coarse` is returned and trained with its own hole/valid L1.
2. **Refine** (stage two): the clip with the hole filled by stage one (plus the mask)
   goes through a second encoder to 1/4, the **CSSTA layer**, and a decoder:
   - *inter-frame attention*: patches of the reference frames' feature maps are
     convolution kernels over the target's feature map (cosine similarity, softmax);
     the weighted raw patches are pasted back. References are all frames of the clip,
     the target's own visible patches included; hole patches are weighted out.
   - *hole-region attention*: 1x1 patches from the target's hole as kernels over the
     target; scores multiplied by the target mask (keys outside the hole are ignored).
   The two outputs are summed, concatenated with the features and fused by a conv.

**Feature Loss** (instead of a VGG loss): with `autoencoder: PATH` (an IM2IM checkpoint
from `datagen train autoencoder`), the L1 between the frozen IM2IM's features of the
clean target and the refine decoder's first features (1/4, same width) is added,
weighted by `feature_weight`. Hole/valid L1 and the hinge GAN come from the shared loop.

Simplified, on purpose: the attention runs on the 1/4 features average-pooled by
`attention_downsample` (DeepFill's contextual attention also matches at half
resolution) with reference patches every `key_stride` cells, so a 432x240 clip fits
in memory; a position never attends to itself in the hole attention (it would always
win with cosine 1). Plain (not gated) convolutions.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from pydantic import Field, field_validator
from torch import nn

from datagen.train import losses as L
from datagen.train.models.autoencoder import FeatureLoss, load_autoencoder
from datagen.train.models.blocks_attention import hole_attention, inter_frame_attention
from datagen.train.models.blocks_conv import (ResBlock3d, clamp_pass_gradient, conv_act, pool_mask, require_multiple,
                                               upsample2)
from datagen.train.models.registry import Inpainter, InpainterOptions, register_inpainter


class CSSTAOptions(InpainterOptions):
    channels: int = Field(64, ge=8, description="width at 1/4 resolution (IM2IM must match it)")
    coarse_blocks: int = Field(4, ge=1, description="dilated 3D residual blocks of stage one")
    patch: int = Field(3, ge=1, description="inter-frame attention patch size (odd)")
    key_stride: int = Field(2, ge=1, description="a reference patch every N cells")
    attention_downsample: int = Field(2, ge=1, description="attention runs at 1/(4*N) resolution")
    softmax_scale: float = Field(10.0, gt=0, description="cosine similarity x this before the softmax")
    coarse_weight: float = Field(1.0, ge=0, description="weight of stage one's hole/valid L1")
    autoencoder: str | None = Field(None, description="IM2IM checkpoint for the feature loss (none: no feature loss)")
    feature_weight: float = Field(0.1, ge=0, description="weight of the feature loss")

    @field_validator("patch")
    @classmethod
    def _odd(cls, v):
        if v % 2 == 0:
            raise ValueError("patch must be odd")
        return v


class Encoder(nn.Module):
    """(N, 4, H, W) -> (N, C, H/4, W/4): 5x5 conv to C/4, two stride-2 convs, one more conv."""

    def __init__(self, cin: int, c: int):
        super().__init__()
        c4 = max(c // 4, 4)
        self.net = nn.Sequential(conv_act(cin, c4, 5), conv_act(c4, c // 2, stride=2), conv_act(c // 2, c, stride=2),
                                 conv_act(c, c))

    def forward(self, x):
        return self.net(x)


class Decoder(nn.Module):
    """(N, C, H/4, W/4) -> RGB residual (N, 3, H, W); `first` exposes the 1/4 features."""

    def __init__(self, c: int):
        super().__init__()
        c4 = max(c // 4, 4)
        self.first = conv_act(c, c)
        self.up1 = conv_act(c, c // 2)
        self.up2 = conv_act(c // 2, c4)
        self.head = nn.Conv2d(c4, 3, 3, padding=1)

    def forward(self, x) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.first(x)
        return self.head(self.up2(upsample2(self.up1(upsample2(features))))), features


class CSSTALayer(nn.Module):
    """Inter-frame attention + hole-region attention (summed), fused with the features."""

    def __init__(self, c: int, options: CSSTAOptions):
        super().__init__()
        self.options = options
        self.fuse = conv_act(2 * c, c)

    def attend(self, feat: torch.Tensor, hole: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(inter-frame, hole-region) outputs at attention resolution. feat (B, T, C, h, w), hole (B, T, 1, h, w)."""
        o = self.options
        b, t, c, h, w = feat.shape
        inter = inter_frame_attention(feat, 1.0 - hole, o.patch, o.key_stride, o.softmax_scale)
        holes = hole_attention(feat.reshape(b * t, c, h, w), hole.reshape(b * t, 1, h, w), o.softmax_scale)
        return inter, holes.reshape(b, t, c, h, w)

    def forward(self, feat: torch.Tensor, mask: torch.Tensor, b: int, t: int) -> torch.Tensor:
        # feat (B*T, C, h, w); mask (B*T, 1, H, W)
        n, c, h, w = feat.shape
        r = self.options.attention_downsample
        small = F.avg_pool2d(feat, r) if r > 1 else feat
        hs, ws = small.shape[-2:]
        hole = pool_mask(mask, (hs, ws))
        inter, holes = self.attend(small.reshape(b, t, c, hs, ws), hole.reshape(b, t, 1, hs, ws))
        att = (inter + holes).reshape(n, c, hs, ws)
        if r > 1:
            att = F.interpolate(att, size=(h, w), mode="bilinear", align_corners=False)
        return self.fuse(torch.cat([feat, att], dim=1))


@register_inpainter("cssta")
class CSSTA(Inpainter):
    Options = CSSTAOptions

    def __init__(self, options: CSSTAOptions, width: int, height: int):
        super().__init__()
        c = options.channels
        if c % 4:
            raise ValueError(f"cssta channels must be divisible by 4, got {c}")
        require_multiple("cssta", width, height, 4 * options.attention_downsample,
                         f"1/4 features, attention_downsample {options.attention_downsample}")
        self.options = options
        self.coarse_encoder = Encoder(4, c)
        dilations = [2 ** (i % 3 + 1) for i in range(options.coarse_blocks)]  # 2, 4, 8, 2, ...
        self.coarse_middle = nn.Sequential(*[ResBlock3d(c, dilation=d) for d in dilations])
        self.coarse_decoder = Decoder(c)
        self.refine_encoder = Encoder(4, c)
        self.cssta = CSSTALayer(c, options)
        self.refine_decoder = Decoder(c)
        self._feature_loss: FeatureLoss | None = None

    def _coarse(self, x: torch.Tensor, b: int, t: int) -> torch.Tensor:
        feat = self.coarse_encoder(x)
        n, c, h, w = feat.shape
        feat = feat.reshape(b, t, c, h, w).transpose(1, 2)  # (B, C, T, h, w)
        feat = self.coarse_middle(feat).transpose(1, 2).reshape(n, c, h, w)
        return self.coarse_decoder(feat)[0]

    def forward(self, frames: torch.Tensor, mask: torch.Tensor) -> dict:
        b, t, _, h, w = frames.shape
        m = mask.reshape(b * t, 1, h, w)
        masked = frames.reshape(b * t, 3, h, w) * (1.0 - m)
        coarse = clamp_pass_gradient(masked + self._coarse(torch.cat([masked, m], dim=1), b, t))
        filled = masked + m * coarse
        feat = self.cssta(self.refine_encoder(torch.cat([filled, m], dim=1)), m, b, t)
        residual, features = self.refine_decoder(feat)
        out = clamp_pass_gradient(filled + residual)
        return {"output": out.reshape(b, t, 3, h, w), "coarse": coarse.reshape(b, t, 3, h, w),
                "decoder_features": features}

    def prepare_training(self) -> None:
        self.feature_loss()  # a missing or mismatched autoencoder stops the run before step 1

    def feature_loss(self) -> FeatureLoss | None:
        """The frozen IM2IM feature loss, loaded on first use (only training needs it)."""
        if self.options.autoencoder and self._feature_loss is None:
            self._feature_loss = FeatureLoss(load_autoencoder(self.options.autoencoder, self.options.channels))
        return self._feature_loss

    def losses(self, outputs: dict, target: torch.Tensor, hole: torch.Tensor, weights) -> dict[str, torch.Tensor]:
        o = self.options
        coarse = outputs["coarse"].float()
        terms = {"coarse_l1": o.coarse_weight * (weights.hole_l1 * L.masked_l1(coarse, target, hole)
                                                 + weights.valid_l1 * L.masked_l1(coarse, target, 1.0 - hole))}
        fl = self.feature_loss()
        if fl is not None and o.feature_weight > 0:
            terms["feature"] = o.feature_weight * fl(outputs["decoder_features"], target)
        return terms
