"""The training loop shared by every stage (perception, inpaint, autoencoder): data, steps,
logs, previews, checkpoints.

    OUT/last.pt          checkpoint (every run.ckpt_every steps and at the end)
    OUT/metrics.jsonl    one line per run.log_every steps: step, lr, samples/s, losses, IoU...
    OUT/images/*.png     previews (input | predicted mask | output | target) every run.image_every
    OUT/tb/              TensorBoard scalars and the same previews (when tensorboard is installed)
    OUT/config.yaml      the resolved config

Rank 0 writes; every rank steps. `resume=True` continues from OUT/last.pt (config,
step, networks, optimizers, schedulers, RNG) and reproduces the uninterrupted run.
"""
from __future__ import annotations

import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import yaml

from datagen.errors import UserError
from datagen.train import checkpoint
from datagen.train.config import TrainConfig, config_from_dict
from datagen.train.data import DataStreamError, resolve_urls, training_batches
from datagen.train.distributed import Env, barrier, mean_across, setup, teardown


@dataclass
class TrainResult:
    stage: str
    out: str
    steps: int
    seconds: float
    last: dict = field(default_factory=dict)

    def summary(self) -> str:
        keys = [k for k in ("loss", "iou", "f1", "psnr_hole", "psnr") if k in self.last]
        vals = ", ".join(f"{k} {self.last[k]:.4g}" for k in keys)
        return f"{self.stage}: step {self.steps}, {vals}, {self.seconds:.1f} s -> {self.out}/last.pt"


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


class _Logger:
    """metrics.jsonl + optional TensorBoard + preview PNGs, rank 0 only."""

    def __init__(self, out: Path, enabled: bool):
        self.enabled = enabled
        self.tb = None
        if not enabled:
            return
        (out / "images").mkdir(parents=True, exist_ok=True)
        self.out = out
        self.jsonl = open(out / "metrics.jsonl", "a", encoding="utf-8")
        try:
            from torch.utils.tensorboard import SummaryWriter

            self.tb = SummaryWriter(str(out / "tb"))
        except ImportError:
            print("datagen train: tensorboard is not installed; logging to metrics.jsonl only", file=sys.stderr)

    def scalars(self, step: int, stage: str, values: dict) -> None:
        if not self.enabled:
            return
        self.jsonl.write(json.dumps({"step": step, **values}) + "\n")
        self.jsonl.flush()
        if self.tb is not None:
            for k, v in values.items():
                self.tb.add_scalar(f"{stage}/{k}", v, step)

    def image(self, step: int, stage: str, img: np.ndarray) -> None:
        if not self.enabled:
            return
        import cv2

        cv2.imwrite(str(self.out / "images" / f"{stage}-{step:07d}.png"), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
        if self.tb is not None:
            self.tb.add_image(f"{stage}/preview", img, step, dataformats="HWC")

    def close(self) -> None:
        if self.enabled:
            self.jsonl.close()
            if self.tb is not None:
                self.tb.close()


def _payload(stage, cfg: TrainConfig, step: int, gt_mask: bool, env: Env) -> dict:
    return {"stage": stage.name, "model": cfg.model, "config": cfg.model_dump(mode="json"),
            "gt_mask": gt_mask, "step": step, "world_size": env.world,
            **stage.state(), "rng": checkpoint.rng_state()}


def train(stage_name: str, cfg: TrainConfig, data: list[str], out: str, *, init: str | dict | None = None,
          resume: bool = False, gt_mask: bool = False, device: str = "auto", steps: int | None = None,
          max_minutes: float | None = None, progress: bool = True) -> TrainResult:
    """Run stage 'perception', 'inpaint' or 'autoencoder' until `steps` (default: the config's)
    or `max_minutes` of wall time, whichever comes first, and checkpoint."""
    from datagen.train.stages import AutoencoderStage, InpaintStage, PerceptionStage

    outp = Path(out)
    last_path = outp / "last.pt"
    ck = None
    if resume and last_path.is_file():
        ck = checkpoint.load(last_path)
        if ck["stage"] != stage_name:
            raise UserError(f"holds a {ck['stage']} checkpoint, not {stage_name}", path=str(last_path))
        cfg, gt_mask = config_from_dict(ck["config"], str(last_path)), ck["gt_mask"]
    elif last_path.is_file() and not resume:
        raise UserError("already holds a checkpoint (last.pt); add --resume to continue it or use another --out",
                        path=out)
    urls = resolve_urls(data)
    env = setup(device)
    try:
        seed_everything(cfg.run.seed + env.rank)
        init_ck = None
        if init is not None and ck is None:  # a path, or a checkpoint the caller already loaded
            init_ck = init if isinstance(init, dict) else checkpoint.load(init)
        if stage_name == "perception":
            stage = PerceptionStage(cfg, env, init_ck)
        elif stage_name == "autoencoder":
            stage = AutoencoderStage(cfg, env, init_ck)
        else:
            stage = InpaintStage(cfg, env, init_ck, gt_mask)
        start = 0
        if ck is not None:
            stage.load_state(ck)
            checkpoint.set_rng_state(ck["rng"])
            start = int(ck["step"])
        total = steps or stage.steps
        if env.main:
            outp.mkdir(parents=True, exist_ok=True)
            (outp / "config.yaml").write_text(yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False))
        if not cfg.data.resampled and len(urls) < env.world * max(1, cfg.data.workers):
            raise UserError(f"data.resampled: false needs at least {env.world * max(1, cfg.data.workers)} shards "
                            f"(processes x workers), got {len(urls)}")
        deadline = time.perf_counter() + 60 * max_minutes if max_minutes else None
        return _run(stage, cfg, env, urls, outp, start, total, gt_mask, progress, deadline)
    finally:
        teardown(env)


def _out_of_time(env: Env, deadline: float | None) -> bool:
    """Whether the wall-time budget is spent, agreed by all processes (rank 0's clock decides)."""
    if deadline is None:
        return False
    flag = [time.perf_counter() > deadline]
    if env.distributed:
        import torch.distributed as dist

        dist.broadcast_object_list(flag, src=0)
    return bool(flag[0])


def _next_batch(batches):
    """The next batch; a stream that keeps failing becomes one clear error line."""
    try:
        return next(batches)
    except DataStreamError as e:  # raised in this process or re-raised from a loader worker
        last = [ln for ln in str(e).splitlines() if ln.strip()][-1]
        raise UserError(f"--data: {last.split('DataStreamError: ')[-1]}") from None


def _run(stage, cfg: TrainConfig, env: Env, urls: list[str], outp: Path, start: int, total: int,
         gt_mask: bool, progress: bool, deadline: float | None = None) -> TrainResult:
    from tqdm import tqdm

    log = _Logger(outp, env.main)
    r = cfg.run
    batches = training_batches(urls, cfg.data, cfg.run.seed, start, pin_memory=env.device.type == "cuda")
    bar = tqdm(total=total, initial=start, unit="step", dynamic_ncols=True, disable=not (progress and env.main),
               desc=stage.name, file=sys.stderr)
    t0 = time.perf_counter()
    window, t_window, last = [], time.perf_counter(), {}
    step = start
    try:
        while step < total:
            batch = _next_batch(batches)
            logs, keep = stage.step(batch)
            step += 1
            window.append(logs)
            last_step = step == total or (step % r.log_every == 0 and _out_of_time(env, deadline))
            if last_step:
                total = step
            if step % r.log_every == 0 or last_step:
                dt = time.perf_counter() - t_window
                avg = {k: float(np.mean([w[k] for w in window if k in w])) for k in window[-1]}
                avg = mean_across(env, avg)
                avg["lr"] = stage.lr()
                avg["samples_per_s"] = len(window) * cfg.data.batch_size * env.world / max(dt, 1e-9)
                log.scalars(step, stage.name, avg)
                last = avg
                bar.set_postfix({k: f"{avg[k]:.3g}" for k in ("loss", "iou", "psnr_hole", "psnr") if k in avg})
                window, t_window = [], time.perf_counter()
            if step % r.image_every == 0 or last_step:
                log.image(step, stage.name, stage.preview(keep))
            if step % r.ckpt_every == 0 or last_step:
                if env.main:
                    checkpoint.save(outp / "last.pt", _payload(stage, cfg, step, gt_mask, env))
                barrier(env)
            bar.update(1)
    finally:
        batches.close()  # stops the loader workers
        bar.close()
        log.close()
    return TrainResult(stage.name, str(outp), step, time.perf_counter() - t0, last)
