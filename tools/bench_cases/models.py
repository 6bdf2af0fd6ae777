"""Every registered inpainter (sttn, cssta, opn, rnot): parameter count and CPU inference
time per 8-frame 432x240 clip (issue 10).

Each model is built with the `base` config's options for it (the full-size network that
`datagen train` uses by default) and given one clip with a typical overlay mask: a
two-line subtitle band (36 px) at the bottom and a 48x40 logo in a corner, the same
in every frame. OPN's time depends on the hole's thickness (one pass per 8-px ring):
its number of peel steps for this mask is in the note. Median of the measured runs
after one warm-up, torch.no_grad, batch 1.
"""
from __future__ import annotations

import statistics
import time

W, H, T = 432, 240, 8


def _clip():
    import torch

    g = torch.Generator().manual_seed(0)
    frames = torch.rand(1, T, 3, H, W, generator=g) * 2 - 1
    mask = torch.zeros(1, T, 1, H, W)
    mask[..., H - 52:H - 16, 36:W - 36] = 1  # subtitle band
    mask[..., 12:52, W - 64:W - 16] = 1  # logo
    return frames, mask


def _median_ms(net, frames, mask, reps: int) -> float:
    import torch

    times = []
    with torch.no_grad():
        net(frames, mask)
        for _ in range(reps):
            t0 = time.perf_counter()
            net(frames, mask)
            times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def run(args):
    import torch

    from datagen.train.config import load_config
    from datagen.train.models.opn import peel_schedule
    from datagen.train.models.registry import build_inpainter, inpainter_names, validate_options

    torch.manual_seed(0)
    base = load_config("base")
    frames, mask = _clip()
    reps = 1 if args.quick else 3
    rows = []
    for name in inpainter_names():
        options = validate_options(name, base.model_options.get(name, {}))
        net = build_inpainter(name, options, W, H).eval()
        params = sum(p.numel() for p in net.parameters())
        ms = _median_ms(net, frames, mask, reps)
        note = f"{torch.get_num_threads()} threads"
        if name == "opn":
            steps = len(peel_schedule(mask[0], options["peel_px"], options["max_peels"]))
            note += f", {steps} peel steps"
        rows.append({"metric": f"{name}: parameters (base options)", "value": params / 1e6, "unit": "M"})
        rows.append({"metric": f"{name}: CPU inference, 8-frame {W}x{H} clip", "value": ms, "unit": "ms/clip",
                     "note": note})
    return rows
