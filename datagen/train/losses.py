"""Training losses. All take float tensors shaped (B, T, C, H, W); images in [-1, 1],
masks in [0, 1] with 1 = overlay / hole.

- mask: BCE on logits + soft Dice (overlays cover a few % of a frame, so BCE alone
  learns "no overlay anywhere"; Dice rewards overlap directly).
- hole / valid L1: mean absolute error inside / outside the ground-truth mask.
- temporal variance: for static overlays the erased region must not flicker.
  |output - input| is binarised per frame (a steep sigmoid around a threshold, so it
  stays differentiable) and its variance over time is penalised, at pixels the mask
  covers in every frame of the clip (where the overlay is static).
- T-PatchGAN hinge: D minimises relu(1 - D(real)) + relu(1 + D(fake)); G minimises -D(fake).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def dice_loss(logits: torch.Tensor, target: torch.Tensor, eps: float = 1.0) -> torch.Tensor:
    p = torch.sigmoid(logits).flatten(1)
    t = target.flatten(1)
    inter = (p * t).sum(1)
    return (1.0 - (2 * inter + eps) / (p.sum(1) + t.sum(1) + eps)).mean()


def mask_loss(logits: torch.Tensor, target: torch.Tensor, bce_weight: float, dice_weight: float) -> dict:
    bce = F.binary_cross_entropy_with_logits(logits, target)
    dice = dice_loss(logits, target)
    return {"bce": bce_weight * bce, "dice": dice_weight * dice}


def masked_l1(a: torch.Tensor, b: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Mean |a - b| over the pixels where weight (B, T, 1, H, W) is on (per channel)."""
    diff = (a - b).abs() * weight
    return diff.sum() / (weight.sum() * a.shape[2]).clamp_min(1.0)


def temporal_variance_loss(composite: torch.Tensor, frames: torch.Tensor, mask: torch.Tensor,
                           threshold: float, sharpness: float = 50.0) -> torch.Tensor:
    """Variance over time of the binarised change |composite - frames| where the mask is static.

    threshold is in 0..1 image units (the tensors are in [-1, 1], so differences are halved).
    """
    change = (composite - frames).abs().mean(dim=2, keepdim=True) / 2.0  # (B, T, 1, H, W) in 0..1
    changed = torch.sigmoid((change - threshold) * sharpness)
    static = (mask > 0.5).all(dim=1, keepdim=True).float()  # (B, 1, 1, H, W)
    if changed.shape[1] < 2:
        return composite.new_zeros(())
    var = changed.var(dim=1, unbiased=False, keepdim=True)
    return (var * static).sum() / static.sum().clamp_min(1.0)


def d_hinge_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    return F.relu(1.0 - real_scores).mean() + F.relu(1.0 + fake_scores).mean()


def g_hinge_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    return -fake_scores.mean()


def inpaint_losses(out: dict, frames: torch.Tensor, target: torch.Tensor, gt_mask: torch.Tensor,
                   weights) -> dict:
    """Shared generator terms of stage 2 (weights: a LossConfig), each already weighted.

    hole L1 is measured on the composite (so a missed overlay pixel costs, and the
    perception net gets a gradient from the inpainting result); valid L1 on the raw
    output (the network also learns to reproduce what it should keep).
    """
    terms = {
        "hole_l1": weights.hole_l1 * masked_l1(out["composite"], target, gt_mask),
        "valid_l1": weights.valid_l1 * masked_l1(out["output"], target, 1.0 - gt_mask),
    }
    if weights.temporal_variance > 0:
        terms["temporal_variance"] = weights.temporal_variance * temporal_variance_loss(
            out["composite"], frames, gt_mask, weights.temporal_variance_threshold)
    return terms
