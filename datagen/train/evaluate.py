"""`datagen eval`: score one or several checkpoints on held-out shards against OpenCV's
Telea inpainting, in one table.

Every clip is taken whole, in order, at the models' resolution (the checkpoints of one
table must share it; the loader resizes as in training). Rows, all scored on 8-bit RGB
frames by the same metrics:

    telea (ground-truth mask)     cv2.inpaint(INPAINT_TELEA) per frame on the true mask: the baseline
    input (no removal)            the corrupted clip itself: the floor to beat
    NAME (ground-truth mask)      a stage-2 checkpoint's inpainter given the true mask
    NAME (predicted mask)         stage 2: perception -> soft mask -> inpainter -> composite
    telea (NAME mask)             Telea on the thresholded mask NAME's perception net predicts

NAME is the checkpoint's model (sttn, cssta, opn, rnot; `perception` for a stage-1
checkpoint), with its run folder added when two checkpoints share a name. PSNR/SSIM are
over whole frames and inside the ground-truth mask (metrics.py), averaged over clips;
mask IoU pools every pixel of the set; ms/clip is the mean time of the method on one
clip (the network on the eval device, synchronised, plus Telea on the CPU where used),
leaving out the first clip, which pays for warm-up.

Results: the table on stdout and OUT/eval.json: `rows` (the table), `checkpoints` (per
checkpoint: stage, model, step, mask IoU/F1 and its `methods`); with one checkpoint its
entry's keys are also at the top level. `preview_dir` adds side-by-side animations of
the first clips: corrupted | each checkpoint's output | clean (compare_preview.py).
"""
from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch

from datagen.errors import UserError
from datagen.train.data import DataStreamError, EvalStream, resolve_urls, rgb_to_model
from datagen.train.distributed import autocast, pick_device
from datagen.train.metrics import clip_scores, iou_f1, mask_scores
from datagen.train.models.remover import Remover, open_checkpoint

COLUMNS = ("psnr", "ssim", "psnr_mask", "ssim_mask")
BASELINE, INPUT = "telea (ground-truth mask)", "input (no removal)"
PREDICTED, GROUND_TRUTH = "model (predicted mask)", "model (ground-truth mask)"
TELEA_PREDICTED = "telea (predicted mask)"
"""Method names inside one checkpoint's `methods` (its table rows are named after the checkpoint)."""


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
    """Per method: metric values per clip and milliseconds per clip."""

    def __init__(self):
        self.values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        self.ms: dict[str, list[float]] = defaultdict(list)

    def add(self, method: str, result: np.ndarray, clean: np.ndarray, mask: np.ndarray, ms: float | None) -> None:
        for name, v in clip_scores(result, clean, mask).items():
            if v is not None:
                self.values[method][name].append(v)
        if ms is not None:
            self.ms[method].append(ms)

    def table(self) -> dict[str, dict[str, float | None]]:
        return {m: {**{c: (float(np.mean(v[c])) if v[c] else None) for c in COLUMNS},
                    "ms_per_clip": _mean_after_warmup(self.ms[m])} for m, v in self.values.items()}


def _mean_after_warmup(ms: list[float]) -> float | None:
    """Mean time per clip; the first clip (kernel selection, allocator warm-up) is left out
    when there are others."""
    if not ms:
        return None
    return float(np.mean(ms[1:] if len(ms) > 1 else ms))


@dataclass
class _Checkpoint:
    """One checkpoint under evaluation and what was measured for it."""

    path: str
    ck: dict
    cfg: object
    net: torch.nn.Module
    label: str = ""
    scores: _Scores = field(default_factory=_Scores)
    counts: dict = field(default_factory=lambda: {"tp": 0, "fp": 0, "fn": 0})

    @property
    def has_mask(self) -> bool:
        return self.ck["stage"] == "perception" or (isinstance(self.net, Remover) and self.net.perception is not None)

    @property
    def name(self) -> str:
        return "perception" if self.ck["stage"] == "perception" else self.ck["model"]


def _load(paths: list[str], model: str | None) -> list[_Checkpoint]:
    entries = [_Checkpoint(str(p), *open_checkpoint(p, model)) for p in paths]
    sizes = {(e.cfg.data.width, e.cfg.data.height) for e in entries}
    if len(sizes) > 1:
        listed = ", ".join(f"{e.path} {e.cfg.data.width}x{e.cfg.data.height}" for e in entries)
        raise UserError(f"--checkpoint: one table needs one model size, got {listed}; evaluate them separately")
    names = [e.name for e in entries]
    for e in entries:
        e.label = e.name if names.count(e.name) == 1 else f"{e.name} ({Path(e.path).parent.name or e.path})"
    return entries


def _guarded(clips):
    try:
        yield from clips
    except DataStreamError as e:
        raise UserError(f"--data: {e}") from None


def _timed(fn, dev: torch.device):
    """(fn(), milliseconds), synchronising the GPU around it."""
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    t0 = time.perf_counter()
    result = fn()
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    return result, 1000 * (time.perf_counter() - t0)


def _score_clip(e: _Checkpoint, frames: torch.Tensor, gt: torch.Tensor, clip: dict, thr: float, radius: float,
                dev: torch.device, amp) -> tuple[str, np.ndarray]:
    """Run one checkpoint on one clip and record its rows; returns (label, output) to preview:
    the predicted-mask result where there is a perception net, else the ground-truth one."""
    corrupted, clean, gt_np = clip["corrupted"], clip["clean"], clip["mask"].astype(bool)
    shown = None
    with torch.no_grad(), amp():
        if isinstance(e.net, Remover):
            if e.net.perception is not None:
                out, ms_all = _timed(lambda: e.net(frames), dev)
                soft, shown = out["mask"], (f"{e.label}, predicted mask", to_uint8(out["composite"]))
                e.scores.add(PREDICTED, shown[1], clean, gt_np, ms_all)
                _, ms = _timed(lambda: e.net.perception(frames), dev)  # what Telea on its mask costs on top
            out, ms_gt = _timed(lambda: e.net(frames, gt)["composite"], dev)
            gt_result = to_uint8(out)
            e.scores.add(GROUND_TRUTH, gt_result, clean, gt_np, ms_gt)
            shown = shown or (f"{e.label}, gt mask", gt_result)
        else:
            logits, ms = _timed(lambda: e.net(frames), dev)
            soft = torch.sigmoid(logits.float())
    if e.has_mask:
        pred = (soft[0, :, 0].float() > thr).cpu().numpy()
        for k, v in mask_scores(pred, gt_np).items():
            e.counts[k] += v
        result, ms_telea = _timed(lambda: telea(corrupted, pred, radius), torch.device("cpu"))
        e.scores.add(TELEA_PREDICTED, result, clean, gt_np, ms + ms_telea)
        shown = shown or (f"telea, {e.label} mask", result)
    return shown


def evaluate(checkpoints: str | list[str], data: list[str], out_dir: str | None = None, samples: int | None = None,
             device: str = "auto", telea_radius: float = 3.0, progress: bool = True, model: str | None = None,
             preview_dir: str | None = None, preview_samples: int = 8) -> dict:
    from tqdm import tqdm

    from datagen.train.compare_preview import write_comparison, write_index

    paths = [checkpoints] if isinstance(checkpoints, (str, Path)) else list(checkpoints)
    entries = _load(paths, model)
    dev = pick_device(device)
    for e in entries:
        e.net.to(dev)
    cfg = entries[0].cfg
    amp = autocast(dev, all(e.cfg.run.bf16 for e in entries))
    urls = resolve_urls(data)
    shared = _Scores()
    previews, preview_out = [], Path(preview_dir) if preview_dir else None
    if preview_out is not None:
        preview_out.mkdir(parents=True, exist_ok=True)
    n = 0
    t0 = time.perf_counter()
    clips = tqdm(EvalStream(urls, cfg.data, samples), desc="eval", unit="clip", disable=not progress)
    for clip in _guarded(clips):
        corrupted, clean, gt_np = clip["corrupted"], clip["clean"], clip["mask"].astype(bool)
        frames = rgb_to_model(torch.from_numpy(corrupted)[None], dev)
        gt = torch.from_numpy(gt_np.astype(np.float32))[None, :, None].to(dev)
        baseline, ms = _timed(lambda: telea(corrupted, gt_np, telea_radius), torch.device("cpu"))
        shared.add(BASELINE, baseline, clean, gt_np, ms)
        shared.add(INPUT, corrupted, clean, gt_np, None)
        outputs = [_score_clip(e, frames, gt, clip, e.cfg.run.mask_threshold, telea_radius, dev, amp)
                   for e in entries]
        if preview_out is not None and n < preview_samples:
            key = clip["__key__"] or f"clip-{n:05d}"
            previews.append(write_comparison(preview_out, key, corrupted, gt_np, clean,
                                             [("telea, gt mask", baseline), *outputs]))
        n += 1
    if n == 0:
        raise UserError(f"--data: no readable samples in {' '.join(data)}")
    report = _report(entries, shared, data, n, cfg, telea_radius, time.perf_counter() - t0)
    if preview_out is not None:
        title = f"{n} clips: " + ", ".join(e.label for e in entries)
        report["preview"] = str(write_index(preview_out, previews, title))
    out = Path(out_dir) if out_dir else _default_out(paths)
    out.mkdir(parents=True, exist_ok=True)
    (out / "eval.json").write_text(json.dumps(report, indent=1) + "\n")
    report["path"] = str(out / "eval.json")
    return report


def _default_out(paths: list[str]) -> Path:
    """The run folder of one checkpoint; for several, the folder their run folders share (or '.')."""
    parents = [str(Path(p).resolve().parent) for p in paths]
    if len(parents) == 1:
        return Path(paths[0]).parent
    common = os.path.commonpath(parents)
    return Path(common) if common != os.path.sep else Path(".")


def _row(method: str, values: dict, e: _Checkpoint | None = None, mask: str | None = None,
         iou: float | None = None) -> dict:
    return {"method": method, "checkpoint": e.path if e else None, "model": e.name if e else None,
            "step": e.ck["step"] if e else None, "mask": mask, **values, "mask_iou": iou}


def _report(entries: list[_Checkpoint], shared: _Scores, data: list[str], n: int, cfg, radius: float,
            seconds: float) -> dict:
    base = shared.table()
    rows = [_row(BASELINE, base[BASELINE], mask="ground truth"), _row(INPUT, base[INPUT])]
    per_checkpoint = []
    for e in entries:
        table = e.scores.table()
        iou, f1 = iou_f1(**e.counts) if e.has_mask else (None, None)
        for method, label, mask, row_iou in ((GROUND_TRUTH, f"{e.label} (ground-truth mask)", "ground truth", None),
                                             (PREDICTED, f"{e.label} (predicted mask)", "predicted", iou),
                                             (TELEA_PREDICTED, f"telea ({e.label} mask)", "predicted", iou)):
            if method in table:
                rows.append(_row(label, table[method], e, mask, row_iou))
        per_checkpoint.append({
            "checkpoint": e.path, "stage": e.ck["stage"], "model": e.ck["model"], "step": e.ck["step"],
            "mask_threshold": e.cfg.run.mask_threshold, "mask_iou": iou, "mask_f1": f1,
            "methods": {INPUT: base[INPUT], **table, BASELINE: base[BASELINE]},
        })
    report = {"data": list(data), "samples": n, "size": [cfg.data.width, cfg.data.height], "telea_radius": radius,
              "rows": rows, "checkpoints": per_checkpoint, "seconds": round(seconds, 2)}
    if len(per_checkpoint) == 1:
        report = {**per_checkpoint[0], **report}
    return report


def format_table(report: dict) -> str:
    def f(v, digits):
        return "—" if v is None else f"{v:.{digits}f}"

    width = max(28, *(len(r["method"]) + 2 for r in report["rows"]))
    lines = [f"{report['samples']} clips at {report['size'][0]}x{report['size'][1]}"]
    for c in report["checkpoints"]:
        name = c["model"] if c["stage"] == "inpaint" else "perception"
        iou = "" if c["mask_iou"] is None else f", mask IoU {c['mask_iou']:.4f} F1 {c['mask_f1']:.4f}"
        lines.append(f"  {name}: {c['stage']} checkpoint, step {c['step']}{iou} ({c['checkpoint']})")
    lines.append(f"{'method':<{width}}{'PSNR':>8}{'SSIM':>8}{'PSNR mask':>11}{'SSIM mask':>11}{'mask IoU':>10}"
                 f"{'ms/clip':>10}")
    for r in report["rows"]:
        lines.append(f"{r['method']:<{width}}{f(r['psnr'], 2):>8}{f(r['ssim'], 4):>8}{f(r['psnr_mask'], 2):>11}"
                     f"{f(r['ssim_mask'], 4):>11}{f(r['mask_iou'], 4):>10}{f(r['ms_per_clip'], 1):>10}")
    return "\n".join(lines)
