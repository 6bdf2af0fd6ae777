"""IM2IM, the image autoencoder behind CSSTA's Feature Loss, and the loss itself.

CSSTA (Liu, Li, Dan 2021) replaces the VGG perceptual loss with a "Feature Loss": an
image-to-image autoencoder is first trained to reproduce clean frames (L1 + a GAN
loss; `datagen train autoencoder --data ...`), then frozen; the inpainting decoder's
features at 1/4 resolution are pulled (L1) towards the autoencoder's high-level
features of the clean target frame. Unlike ImageNet VGG features, these are learned
from our own shards, so nothing is downloaded.

IM2IM mirrors CSSTA's refinement encoder: 5x5 conv to C/4, stride-2 convs to C/2 and C,
one more conv at 1/4 -> the *features* (N, C, H/4, W/4), then two dilated residual
blocks and a bilinear-upsampling decoder to RGB in [-1, 1] (tanh). Its `channels` must
equal CSSTA's so the features are comparable one to one.

An autoencoder checkpoint is a datagen training checkpoint with stage "autoencoder",
`state.autoencoder` (the weights) and `autoencoder_options` ({channels}).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from pydantic import BaseModel, ConfigDict, Field
from torch import nn

from datagen.train.models.blocks_conv import ResBlock, conv_act, upsample2

STAGE = "autoencoder"
"""The `stage` of an autoencoder checkpoint."""


class AutoencoderOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channels: int = Field(64, ge=8, description="feature width at 1/4 (must equal CSSTA's channels)")


class IM2IM(nn.Module):
    """(N, 3, H, W) in [-1, 1] -> reconstruction (N, 3, H, W) and features (N, C, H/4, W/4)."""

    def __init__(self, options: AutoencoderOptions):
        super().__init__()
        c = options.channels
        self.options = options
        self.encoder = nn.Sequential(
            conv_act(3, max(c // 4, 4), 5), conv_act(max(c // 4, 4), c // 2, stride=2),
            conv_act(c // 2, c, stride=2), conv_act(c, c),
        )
        self.middle = nn.Sequential(ResBlock(c, dilation=2), ResBlock(c, dilation=4))
        self.up1 = conv_act(c, c // 2)
        self.up2 = conv_act(c // 2, max(c // 4, 4))
        self.head = nn.Conv2d(max(c // 4, 4), 3, 3, padding=1)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        return self.encoder(images)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if images.shape[-1] % 4 or images.shape[-2] % 4:
            raise ValueError(f"IM2IM needs width and height divisible by 4, got {images.shape[-1]}x{images.shape[-2]}")
        features = self.encode(images)
        y = self.up2(upsample2(self.up1(upsample2(self.middle(features)))))
        return torch.tanh(self.head(y)), features


def reconstruction_losses(recon: torch.Tensor, clean: torch.Tensor, fake_scores: torch.Tensor | None,
                          l1_weight: float, adversarial_weight: float) -> dict[str, torch.Tensor]:
    """The generator terms of IM2IM training: L1 to the clean frames, hinge GAN (if a critic ran)."""
    terms = {"l1": l1_weight * (recon - clean).abs().mean()}
    if fake_scores is not None:
        terms["adversarial"] = adversarial_weight * -fake_scores.float().mean()
    return terms


def load_autoencoder(path: str, channels: int | None = None) -> IM2IM:
    """The frozen IM2IM of an autoencoder checkpoint (eval mode, no gradients), on the CPU.

    channels: the width the caller needs (CSSTA's); a mismatch is a UserError naming the file.
    """
    from datagen.errors import UserError
    from datagen.train import checkpoint

    ck = checkpoint.load(path)
    if ck.get("stage") != STAGE:
        raise UserError(f"holds a {ck.get('stage')} checkpoint, not an autoencoder "
                        "(train one with: datagen train autoencoder --data ...)", path=str(path))
    options = AutoencoderOptions.model_validate(ck.get("autoencoder_options") or {})
    if channels is not None and options.channels != channels:
        raise UserError(f"autoencoder has {options.channels} channels, the inpainter needs {channels} "
                        "(train it with the same config)", path=str(path))
    net = IM2IM(options)
    net.load_state_dict(ck["state"]["autoencoder"])
    return freeze(net)


def freeze(net: IM2IM) -> IM2IM:
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net


class FeatureLoss:
    """L1 between a frozen IM2IM's features of the target frames and given features.

    Not an nn.Module on purpose: the frozen autoencoder is not part of the inpainter's
    parameters or checkpoints (it is only needed while training).
    """

    def __init__(self, autoencoder: IM2IM):
        self.autoencoder = freeze(autoencoder)

    def target_features(self, target: torch.Tensor) -> torch.Tensor:
        """target (B, T, 3, H, W) or (N, 3, H, W) in [-1, 1] -> (N, C, H/4, W/4), no gradient."""
        ae = self.autoencoder
        device = target.device
        if next(ae.parameters()).device != device:
            ae.to(device)
        with torch.no_grad():
            return ae.encode(target.reshape(-1, *target.shape[-3:]).float())

    def __call__(self, features: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """features (N, C, H/4, W/4) of the inpainting decoder; target frames as above."""
        wanted = self.target_features(target)
        if features.shape != wanted.shape:
            raise ValueError(f"feature loss: decoder features {tuple(features.shape)} do not match the "
                             f"autoencoder's {tuple(wanted.shape)}")
        return F.l1_loss(features.float(), wanted)

    def distance(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Feature-space L1 between two sets of frames (0 for identical frames)."""
        return F.l1_loss(self.target_features(a), self.target_features(b))
