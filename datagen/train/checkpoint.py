"""Checkpoints: everything needed to resume exactly, and to rebuild the model later.

A checkpoint (`OUT/last.pt`, written atomically) holds the stage, the inpainter's
registry name, the full validated config, whether ground-truth masks were used, the
step, the state of every network, optimizer and LR scheduler, and the RNG states
(torch, CUDA, numpy, python). The training data stream is a function of (seed, step)
(see data.py), so loading a checkpoint and running the next step reproduces the
loss an uninterrupted run gets at that step.
"""
from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import torch

from datagen.errors import UserError

FORMAT = "datagen-train/1"


def rng_state() -> dict:
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": np.random.get_state(),
        "python": random.getstate(),
    }


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    if state.get("cuda") and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])


def save(path: str | Path, payload: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save({"format": FORMAT, **payload}, tmp)
    os.replace(tmp, path)


def load(path: str | Path) -> dict:
    p = Path(path)
    if not p.is_file():
        raise UserError("checkpoint not found", path=str(path))
    try:
        ck = torch.load(p, map_location="cpu", weights_only=False)
    except Exception as e:  # a truncated or foreign file: one line, not a traceback
        raise UserError(f"not a readable checkpoint ({type(e).__name__}: {e})", path=str(path)) from None
    if not isinstance(ck, dict) or ck.get("format") != FORMAT:
        raise UserError(f"not a datagen training checkpoint (format {FORMAT} expected)", path=str(path))
    return ck
