"""Metrics on 8-bit frames (what a user finally sees) and on mask tensors.

PSNR and SSIM are computed per clip on uint8 RGB arrays (T, H, W, 3) in numpy/OpenCV,
so a model's output and the Telea baseline are scored by the same code. "Inside the
mask" means over the pixels of the ground-truth mask: PSNR from the MSE over those
pixels, SSIM as the mean of the SSIM map (Gaussian window 11, sigma 1.5, as in Wang et
al. 2004) over them. A clip without mask pixels has no inside-mask numbers (None).
"""
from __future__ import annotations

import cv2
import numpy as np

PSNR_CAP = 100.0
"""PSNR of identical images (MSE 0) is reported as this instead of infinity."""

_C1 = (0.01 * 255) ** 2
_C2 = (0.03 * 255) ** 2


def psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float | None:
    """PSNR in dB of uint8 arrays (T, H, W, 3); with mask (T, H, W) bool only over its pixels."""
    d = a.astype(np.float64) - b.astype(np.float64)
    if mask is not None:
        if not mask.any():
            return None
        d = d[mask]
    mse = float(np.mean(d * d))
    return PSNR_CAP if mse <= 0 else min(PSNR_CAP, float(10.0 * np.log10(255.0 ** 2 / mse)))


def ssim_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-pixel SSIM of two uint8 (H, W, 3) frames, averaged over channels -> (H, W).

    float32 (as torchmetrics): half the time of float64, differences ~1e-6.
    """
    x, y = a.astype(np.float32), b.astype(np.float32)

    def blur(z):
        return cv2.GaussianBlur(z, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)

    mx, my = blur(x), blur(y)
    sxx = blur(x * x) - mx * mx
    syy = blur(y * y) - my * my
    sxy = blur(x * y) - mx * my
    m = ((2 * mx * my + _C1) * (2 * sxy + _C2)) / ((mx * mx + my * my + _C1) * (sxx + syy + _C2))
    return m.mean(axis=-1)


def ssim(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float | None:
    """Mean SSIM over a clip (T, H, W, 3); with mask (T, H, W) bool only over its pixels."""
    if mask is not None and not mask.any():
        return None
    total, count = 0.0, 0
    for t in range(a.shape[0]):
        m = ssim_map(a[t], b[t])
        if mask is None:
            total, count = total + float(m.sum()), count + m.size
        elif mask[t].any():
            total, count = total + float(m[mask[t]].sum()), count + int(mask[t].sum())
    return total / count


def clip_scores(result: np.ndarray, clean: np.ndarray, mask: np.ndarray) -> dict[str, float | None]:
    """psnr, ssim, psnr_mask, ssim_mask of one clip at once (one SSIM map per frame)."""
    total, count, inside, n_inside = 0.0, 0, 0.0, 0
    for t in range(result.shape[0]):
        m = ssim_map(result[t], clean[t])
        total, count = total + float(m.sum(dtype=np.float64)), count + m.size
        if mask[t].any():
            inside, n_inside = inside + float(m[mask[t]].sum(dtype=np.float64)), n_inside + int(mask[t].sum())
    return {"psnr": psnr(result, clean), "ssim": total / count, "psnr_mask": psnr(result, clean, mask),
            "ssim_mask": inside / n_inside if n_inside else None}


def mask_scores(pred: np.ndarray, gt: np.ndarray) -> dict:
    """Counts for IoU / F1 from two bool arrays; sum them over a data set, then `iou_f1`."""
    tp = int(np.count_nonzero(pred & gt))
    return {"tp": tp, "fp": int(np.count_nonzero(pred & ~gt)), "fn": int(np.count_nonzero(~pred & gt))}


def iou_f1(tp: float, fp: float, fn: float) -> tuple[float, float]:
    """IoU and F1 from pixel counts; both 1.0 when there is nothing to find and nothing found."""
    if tp + fp + fn == 0:
        return 1.0, 1.0
    return tp / (tp + fp + fn), 2 * tp / (2 * tp + fp + fn)


def batch_iou_f1(logits, target, threshold: float = 0.5) -> tuple[float, float]:
    """IoU and F1 of a batch of mask logits (torch) against a {0, 1} target, over all pixels."""
    import torch

    with torch.no_grad():
        pred = torch.sigmoid(logits.float()) > threshold
        gt = target > 0.5
        tp = (pred & gt).sum().item()
        fp = (pred & ~gt).sum().item()
        fn = (~pred & gt).sum().item()
    return iou_f1(tp, fp, fn)
