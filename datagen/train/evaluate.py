"""`datagen eval`: score a checkpoint on held-out shards against OpenCV's Telea inpainting.

Every clip is taken whole, in order, at the model's resolution (the loader resizes as
in training). Methods, all scored on 8-bit RGB frames by the same metrics:

    input (no removal)          the corrupted clip itself: the floor to beat
    model (predicted mask)      stage 2: perception -> soft mask -> inpainter -> composite
    model (ground-truth mask)   stage 2: the inpainter given the true mask
    telea (predicted mask)      cv2.inpaint(INPAINT_TELEA) per frame on the thresholded predicted mask
    telea (ground-truth mask)   the same on the true mask

PSNR/SSIM are over whole frames and inside the ground-truth mask (metrics.py), averaged
over clips; mask IoU/F1 pool every pixel of the set. Results: a table on stdout and
OUT/eval.json.
"""
from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np
import torch

from datagen.errors import UserError
from datagen.train import checkpoint
from datagen.train.data import DataStreamError, EvalStream, resolve_urls, rgb_to_model
from datagen.train.distributed import autocast, pick_device
from datagen.train.metrics import clip_scores, iou_f1, mask_scores
from datagen.train.models.remover import Remover, from_checkpoint

COLUMNS = ("psnr", "ssim", "psnr_mask", "ssim_mask")


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """(1, T, 3, H, W) in [-1, 1] -> (T, H, W, 3) uint8."""
    return ((x[0].float().clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).cpu().numpy()


def telea(frames: np.ndarray, mask: np.ndarray, radius: float) -> np.ndarray:
    """OpenCV Telea inpainting of each RGB frame (T, H, W, 3) inside mask (T, H, W) bool."""
    out = frames.copy()
    for t in range(frames.shape[0]):
        if mask[t].any():
            out[t] = cv2.inpaint(frames[t], mask[t].astype(np.uint8) * 255, radius, cv2.INPAINT_TELEA)
    return out


class _Scores:
    def __init__(self):
        self.values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        self.counts = {"tp": 0, "fp": 0, "fn": 0}

    def add(self, method: str, result: np.ndarray, clean: np.ndarray, mask: np.ndarray) -> None:
        for name, v in clip_scores(result, clean, mask).items():
            if v is not None:
                self.values[method][name].append(v)

    def table(self) -> dict[str, dict[str, float | None]]:
        return {m: {c: (float(np.mean(v[c])) if v[c] else None) for c in COLUMNS} for m, v in self.values.items()}


def _guarded(clips):
    try:
        yield from clips
    except DataStreamError as e:
        raise UserError(f"--data: {e}") from None


def _run_clip(net, frames: torch.Tensor, gt: torch.Tensor, autocast) -> dict:
    """Model results for one clip: predicted mask (soft), and composites."""
    res = {}
    with torch.no_grad(), autocast():
        if isinstance(net, Remover):
            if net.perception is not None:
                out = net(frames)
                res["mask"] = out["mask"]
                res["model (predicted mask)"] = out["composite"]
            res["model (ground-truth mask)"] = net(frames, gt)["composite"]
        else:
            res["mask"] = torch.sigmoid(net(frames).float())
    return res


def evaluate(checkpoint_path: str, data: list[str], out_dir: str | None = None, samples: int | None = None,
             device: str = "auto", telea_radius: float = 3.0, progress: bool = True) -> dict:
    from tqdm import tqdm

    ck = checkpoint.load(checkpoint_path)
    cfg, net = from_checkpoint(ck)
    dev = pick_device(device)
    net.to(dev)
    amp = autocast(dev, cfg.run.bf16)
    urls = resolve_urls(data)
    thr = cfg.run.mask_threshold
    scores = _Scores()
    n = 0
    t0 = time.perf_counter()
    clips = tqdm(EvalStream(urls, cfg.data, samples), desc="eval", unit="clip", disable=not progress)
    for clip in _guarded(clips):
        corrupted, clean, gt_np = clip["corrupted"], clip["clean"], clip["mask"].astype(bool)
        frames = rgb_to_model(torch.from_numpy(corrupted)[None], dev)
        gt = torch.from_numpy(gt_np.astype(np.float32))[None, :, None].to(dev)
        res = _run_clip(net, frames, gt, amp)
        scores.add("input (no removal)", corrupted, clean, gt_np)
        for method in ("model (predicted mask)", "model (ground-truth mask)"):
            if method in res:
                scores.add(method, to_uint8(res[method]), clean, gt_np)
        if "mask" in res:
            pred = (res["mask"][0, :, 0].float() > thr).cpu().numpy()
            for k, v in mask_scores(pred, gt_np).items():
                scores.counts[k] += v
            scores.add("telea (predicted mask)", telea(corrupted, pred, telea_radius), clean, gt_np)
        scores.add("telea (ground-truth mask)", telea(corrupted, gt_np, telea_radius), clean, gt_np)
        n += 1
    if n == 0:
        raise UserError(f"--data: no readable samples in {' '.join(data)}")
    has_mask = ck["stage"] == "perception" or (isinstance(net, Remover) and net.perception is not None)
    iou, f1 = iou_f1(**scores.counts) if has_mask else (None, None)
    report = {
        "checkpoint": str(checkpoint_path), "stage": ck["stage"], "model": ck["model"], "step": ck["step"],
        "data": list(data), "samples": n, "size": [cfg.data.width, cfg.data.height],
        "telea_radius": telea_radius, "mask_threshold": thr, "mask_iou": iou, "mask_f1": f1,
        "methods": scores.table(), "seconds": round(time.perf_counter() - t0, 2),
    }
    out = Path(out_dir) if out_dir else Path(checkpoint_path).parent
    out.mkdir(parents=True, exist_ok=True)
    (out / "eval.json").write_text(json.dumps(report, indent=1) + "\n")
    report["path"] = str(out / "eval.json")
    return report


def format_table(report: dict) -> str:
    def f(v, digits):
        return "—" if v is None else f"{v:.{digits}f}"

    lines = [f"{report['samples']} clips at {report['size'][0]}x{report['size'][1]}, "
             f"{report['stage']} checkpoint ({report['model']}) step {report['step']}"]
    if report["mask_iou"] is not None:
        lines.append(f"mask IoU {report['mask_iou']:.4f}  F1 {report['mask_f1']:.4f} "
                     f"(threshold {report['mask_threshold']})")
    lines.append(f"{'method':<28}{'PSNR':>8}{'SSIM':>8}{'PSNR mask':>11}{'SSIM mask':>11}")
    for m, v in report["methods"].items():
        lines.append(f"{m:<28}{f(v['psnr'], 2):>8}{f(v['ssim'], 4):>8}{f(v['psnr_mask'], 2):>11}"
                     f"{f(v['ssim_mask'], 4):>11}")
    return "\n".join(lines)
