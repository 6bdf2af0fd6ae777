"""Training step time of the tiny config on the CPU, both stages (issue 7).

Random uint8 batches of the tiny shape (2 clips, 6 frames, 128x64) go straight into
the stages' `step()` (no loader), so this is the compute of one optimizer step:
stage 1 (perception, BCE + Dice) and stage 2 (perception -> STTN end to end, with the
T-PatchGAN step). Median over the measured steps, after two warm-up steps.
"""
from __future__ import annotations

import statistics
import time


def _median_step(stage, batch, steps: int) -> float:
    for _ in range(2):
        stage.step(batch)
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        stage.step(batch)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run(args):
    import torch

    from datagen.train.config import load_config
    from datagen.train.distributed import Env
    from datagen.train.stages import InpaintStage, PerceptionStage

    torch.manual_seed(0)
    cfg = load_config("tiny")
    d = cfg.data
    g = torch.Generator().manual_seed(0)
    batch = {
        "key": ["a", "b"],
        "corrupted": torch.randint(0, 256, (d.batch_size, d.frames, d.height, d.width, 3), generator=g,
                                   dtype=torch.uint8),
        "clean": torch.randint(0, 256, (d.batch_size, d.frames, d.height, d.width, 3), generator=g,
                               dtype=torch.uint8),
        "mask": (torch.rand(d.batch_size, d.frames, d.height, d.width, generator=g) > 0.9).to(torch.uint8),
    }
    env = Env(0, 1, 0, torch.device("cpu"))
    steps = 3 if args.quick else 10
    s1 = _median_step(PerceptionStage(cfg, env), batch, steps)
    s2 = _median_step(InpaintStage(cfg, env), batch, steps)
    shape = f"{d.batch_size}x{d.frames}x{d.width}x{d.height}"
    return [
        {"metric": f"tiny stage 1 (perception) CPU step, batch {shape}", "value": 1000 * s1, "unit": "ms/step",
         "note": f"{torch.get_num_threads()} threads"},
        {"metric": f"tiny stage 2 (perception+sttn+GAN) CPU step, batch {shape}", "value": 1000 * s2,
         "unit": "ms/step", "note": f"{torch.get_num_threads()} threads"},
    ]
