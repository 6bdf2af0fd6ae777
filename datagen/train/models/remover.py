"""`Remover`: perception net -> soft mask -> inpainter -> composite, one module.

Stage 2 trains it end to end (one optimizer, one DDP wrapper); eval and infer run it.
With `gt_mask=True` the inpainter gets the ground-truth mask instead of the predicted
one (the classic inpainting setting, also right for free-form and object holes); the
perception net is then not part of the module at all.
"""
from __future__ import annotations

import torch
from torch import nn

from datagen.train.models.perception import PerceptionNet
from datagen.train.models.registry import Inpainter


class Remover(nn.Module):
    def __init__(self, perception: PerceptionNet | None, inpainter: Inpainter):
        super().__init__()
        self.perception = perception
        self.inpainter = inpainter

    def forward(self, frames: torch.Tensor, mask: torch.Tensor | None = None) -> dict:
        """frames (B, T, 3, H, W) in [-1, 1]; mask (B, T, 1, H, W) in [0, 1] or None to predict it.

        Returns the inpainter's outputs plus `mask` (the mask used), `mask_logits`
        (None when the mask was given) and `composite` = mask*output + (1-mask)*frames.
        """
        logits = None
        if mask is None:
            if self.perception is None:
                raise ValueError("this model was trained with ground-truth masks: give it a mask")
            logits = self.perception(frames).float()
            mask = torch.sigmoid(logits)
        out = self.inpainter(frames, mask.to(frames.dtype))
        output = out["output"].float()
        out["output"] = output
        out["mask"] = mask
        out["mask_logits"] = logits
        out["composite"] = mask * output + (1.0 - mask) * frames.float()
        return out


def build_remover(cfg, gt_mask: bool) -> Remover:
    """A fresh Remover for a TrainConfig (perception omitted with gt_mask)."""
    from datagen.train.models.perception import build_perception
    from datagen.train.models.registry import build_inpainter

    inpainter = build_inpainter(cfg.model, cfg.model_options.get(cfg.model, {}), cfg.data.width, cfg.data.height)
    return Remover(None if gt_mask else build_perception(cfg.perception), inpainter)


def from_checkpoint(ck: dict):
    """(config, network) of a checkpoint for eval/infer, in eval mode on the CPU.

    The network is a Remover for stage-2 checkpoints and a PerceptionNet for stage-1 ones.
    An autoencoder checkpoint (CSSTA's IM2IM) removes nothing: ValueError.
    """
    from datagen.train.config import config_from_dict
    from datagen.train.models.perception import build_perception

    if ck.get("stage") not in ("perception", "inpaint"):
        raise ValueError(f"a checkpoint of stage {ck.get('stage')!r} is not a perception or inpaint one")
    cfg = config_from_dict(ck["config"])
    state = ck["state"]
    if ck["stage"] == "perception":
        net = build_perception(cfg.perception)
        net.load_state_dict(state["perception"])
    else:
        # a --gt-mask run keeps the stage-1 perception it was given (--init) for infer
        net = build_remover(cfg, gt_mask="perception" not in state)
        if net.perception is not None:
            net.perception.load_state_dict(state["perception"])
        net.inpainter.load_state_dict(state["inpainter"])
    return cfg, net.eval()


def open_checkpoint(path: str, model: str | None = None):
    """(checkpoint dict, config, network) for eval/infer, every problem one UserError line.

    model: the inpainter the caller expects (`--model`); a stage-2 checkpoint holding
    another one is refused (a guard for scripts comparing several runs).
    """
    from datagen.errors import UserError
    from datagen.train import checkpoint

    ck = checkpoint.load(path)
    if ck.get("stage") not in ("perception", "inpaint"):
        raise UserError(f"is a checkpoint of stage {ck.get('stage')!r}; eval and infer take 'perception' or "
                        "'inpaint' ones", path=str(path))
    if model and ck["stage"] == "inpaint" and ck.get("model") != model:
        raise UserError(f"holds a {ck.get('model')!r} inpainter, not {model!r} (--model)", path=str(path))
    cfg, net = from_checkpoint(ck)
    return ck, cfg, net
