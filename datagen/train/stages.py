"""What one training step of each stage computes; the loop (loop.py) drives them.

A stage owns its networks, optimizers and LR schedulers, exposes them for
checkpoints (`state()` / `load_state()`), runs `step(batch) -> scalar logs` and renders
a preview (`preview(batch)`: input | predicted mask | output | target, one frame).

- PerceptionStage: the perception net alone, BCE + Dice on the ground-truth mask.
- InpaintStage: Remover (perception -> soft mask -> inpainter, or the ground-truth
  mask with gt_mask) trained end to end with hole/valid L1, the perception loss, the
  temporal-variance loss, model-specific terms and, optionally, a T-PatchGAN.
- AutoencoderStage: CSSTA's IM2IM learns to reproduce clean frames (L1 + hinge GAN);
  frozen, it is the feature loss of `model: cssta`.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel as DDP

from datagen.errors import UserError
from datagen.train import losses as L
from datagen.train.config import StageConfig, TrainConfig
from datagen.train.data import to_model
from datagen.train.distributed import Env, autocast
from datagen.train.metrics import batch_iou_f1
from datagen.train.models.discriminator import TPatchGAN
from datagen.train.models.perception import build_perception
from datagen.train.models.remover import build_remover


def lr_lambda(stage: StageConfig):
    """Linear warmup, then cosine decay to 5% (or constant)."""
    def f(step: int) -> float:
        if stage.warmup and step < stage.warmup:
            return (step + 1) / stage.warmup
        if stage.schedule == "constant":
            return 1.0
        p = min(1.0, (step - stage.warmup) / max(1, stage.steps - stage.warmup))
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * p))
    return f


def load_weights(module: torch.nn.Module, state: dict, what: str) -> None:
    """load_state_dict with a one-line error when the shapes do not match the config."""
    try:
        module.load_state_dict(state)
    except RuntimeError as e:
        first = next((ln.strip() for ln in str(e).splitlines()[1:] if ln.strip()), str(e))
        raise UserError(f"{what} does not match the config's network ({first})") from None


def _adam(params, lr: float, cfg: TrainConfig, stage: StageConfig):
    opt = torch.optim.AdamW(params, lr=lr, betas=tuple(cfg.optim.betas), weight_decay=cfg.optim.weight_decay)
    return opt, torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(stage))


def _to_uint8(x: torch.Tensor) -> np.ndarray:
    """(3, H, W) in [-1, 1] or (1, H, W) in [0, 1] -> (H, W, 3) uint8."""
    x = x.detach().float().cpu()
    x = (x + 1) / 2 if x.shape[0] == 3 else x.expand(3, -1, -1)
    return (x.clamp(0, 1) * 255 + 0.5).byte().permute(1, 2, 0).numpy()


def preview_row(*images: torch.Tensor) -> np.ndarray:
    """Side by side, frame T//2 of the first clip of each (B, T, C, H, W) tensor."""
    t = images[0].shape[1] // 2
    return np.concatenate([_to_uint8(im[0, t]) for im in images], axis=1)


class _Stage:
    def __init__(self, cfg: TrainConfig, env: Env):
        self.cfg, self.env = cfg, env
        self.autocast = autocast(env.device, cfg.run.bf16)

    def _wrap(self, module: torch.nn.Module):
        module.to(self.env.device)
        if not self.env.distributed:
            return module
        ids = [self.env.device.index] if self.env.device.type == "cuda" else None
        return DDP(module, device_ids=ids)

    @staticmethod
    def _unwrap(m):
        return m.module if isinstance(m, DDP) else m

    def _clip(self, params) -> None:
        if self.cfg.optim.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(params, self.cfg.optim.grad_clip)

    def _optimize(self, key: str, loss: torch.Tensor, params) -> None:
        """One update of optimizer `key`: backward, gradient clipping, step, LR schedule."""
        opt = self.optimizers[key]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        self._clip(params)
        opt.step()
        self.schedulers[key].step()

    def _add_discriminator(self, lr: float, stage: StageConfig) -> None:
        """A T-PatchGAN with its own optimizer "d" when the config turns the GAN on, else None."""
        self.disc = None
        cfg = self.cfg
        if cfg.loss.gan and cfg.loss.adversarial > 0:
            self.disc = self._wrap(TPatchGAN(cfg.discriminator.channels, cfg.discriminator.layers))
            d_opt, d_sched = _adam(self.disc.parameters(), lr, cfg, stage)
            self.networks["discriminator"] = self.disc
            self.optimizers["d"], self.schedulers["d"] = d_opt, d_sched

    def _discriminator_step(self, real: torch.Tensor, fake: torch.Tensor) -> float:
        """Hinge update of the discriminator on real and (detached) generated clips."""
        self.disc.requires_grad_(True)
        with self.autocast():
            scores = self.disc(torch.cat([real, fake.detach()]))
        real_scores, fake_scores = scores.float().chunk(2)
        d_loss = L.d_hinge_loss(real_scores, fake_scores)
        self._optimize("d", d_loss, self.disc.parameters())
        return d_loss.item()

    def lr(self) -> float:
        return self.optimizers["g"].param_groups[0]["lr"]

    def state(self) -> dict:
        return {
            "state": {k: self._unwrap(m).state_dict() for k, m in self.networks.items()},
            "optim": {k: o.state_dict() for k, o in self.optimizers.items()},
            "sched": {k: s.state_dict() for k, s in self.schedulers.items()},
        }

    def load_state(self, ck: dict) -> None:
        for k, m in self.networks.items():
            self._unwrap(m).load_state_dict(ck["state"][k])
        for k, o in self.optimizers.items():
            o.load_state_dict(ck["optim"][k])
        for k, s in self.schedulers.items():
            s.load_state_dict(ck["sched"][k])


class PerceptionStage(_Stage):
    name = "perception"

    def __init__(self, cfg: TrainConfig, env: Env, init: dict | None = None):
        super().__init__(cfg, env)
        net = build_perception(cfg.perception)
        if init is not None:
            load_weights(net, init["state"]["perception"], "--init perception")
        self.net = self._wrap(net)
        opt, sched = _adam(self.net.parameters(), cfg.stage1.lr, cfg, cfg.stage1)
        self.networks = {"perception": self.net}
        self.optimizers, self.schedulers = {"g": opt}, {"g": sched}
        self.steps = cfg.stage1.steps

    def step(self, batch: dict) -> tuple[dict, dict]:
        frames, _, gt = to_model(batch, self.env.device)
        with self.autocast():
            logits = self.net(frames)
        logits = logits.float()
        w = self.cfg.loss
        terms = L.mask_loss(logits, gt, w.bce, w.dice)
        loss = sum(terms.values())
        self._optimize("g", loss, self.net.parameters())
        iou, f1 = batch_iou_f1(logits, gt, self.cfg.run.mask_threshold)
        logs = {"loss": loss.item(), **{k: v.item() for k, v in terms.items()}, "iou": iou, "f1": f1}
        return logs, {"frames": frames, "mask": torch.sigmoid(logits), "gt": gt}

    def preview(self, keep: dict) -> np.ndarray:
        return preview_row(keep["frames"], keep["mask"], keep["gt"])


class InpaintStage(_Stage):
    name = "inpaint"

    def __init__(self, cfg: TrainConfig, env: Env, init: dict | None = None, gt_mask: bool = False):
        super().__init__(cfg, env)
        self.gt_mask = gt_mask
        try:
            remover = build_remover(cfg, gt_mask)
        except ValueError as e:
            raise UserError(f"model {cfg.model}: {e}") from None
        self.frozen_perception = None
        if init is not None:
            st = init["state"]
            if remover.perception is not None and "perception" not in st:
                raise UserError("--init has no perception net (a --gt-mask run without one?): "
                                "start from a stage-1 checkpoint or add --gt-mask")
            if remover.perception is not None:
                load_weights(remover.perception, st["perception"], "--init perception")
            elif "perception" in st:  # --gt-mask: keep the stage-1 net for infer, untrained here
                self.frozen_perception = st["perception"]
            if "inpainter" in st:
                if init.get("model") != cfg.model:
                    raise UserError(f"--init holds a {init.get('model')!r} inpainter, "
                                    f"the config asks for {cfg.model!r}")
                load_weights(remover.inpainter, st["inpainter"], "--init inpainter")
        remover.inpainter.prepare_training()
        self.gen = self._wrap(remover)
        s2 = cfg.stage2
        groups = [{"params": list(remover.inpainter.parameters()), "lr": s2.lr}]
        if remover.perception is not None:
            groups.append({"params": list(remover.perception.parameters()), "lr": s2.lr_perception or s2.lr})
        g_opt, g_sched = _adam(groups, s2.lr, cfg, s2)
        self.networks = {"inpainter": self.gen}
        self.optimizers, self.schedulers = {"g": g_opt}, {"g": g_sched}
        self._add_discriminator(s2.lr_discriminator or s2.lr, s2)
        self.steps = s2.steps

    @property
    def remover(self):
        return self._unwrap(self.gen)

    def state(self) -> dict:
        st = super().state()
        # networks are stored by part, so eval/infer can rebuild perception and inpainter alone
        gen = st["state"].pop("inpainter")
        st["state"]["inpainter"] = {k[len("inpainter."):]: v for k, v in gen.items() if k.startswith("inpainter.")}
        perception = {k[len("perception."):]: v for k, v in gen.items() if k.startswith("perception.")}
        if perception:
            st["state"]["perception"] = perception
        elif self.frozen_perception is not None:
            st["state"]["perception"] = self.frozen_perception
        return st

    def load_state(self, ck: dict) -> None:
        rem = self.remover
        rem.inpainter.load_state_dict(ck["state"]["inpainter"])
        if rem.perception is not None:
            rem.perception.load_state_dict(ck["state"]["perception"])
        elif "perception" in ck["state"]:
            self.frozen_perception = ck["state"]["perception"]
        if self.disc is not None:
            self._unwrap(self.disc).load_state_dict(ck["state"]["discriminator"])
        for k, o in self.optimizers.items():
            o.load_state_dict(ck["optim"][k])
        for k, s in self.schedulers.items():
            s.load_state_dict(ck["sched"][k])

    def step(self, batch: dict) -> tuple[dict, dict]:
        frames, clean, gt = to_model(batch, self.env.device)
        w = self.cfg.loss
        disc = self._unwrap(self.disc) if self.disc is not None else None
        if disc is not None:
            disc.requires_grad_(False)
        with self.autocast():
            out = self.gen(frames, gt if self.gt_mask else None)
        terms = L.inpaint_losses(out, frames, clean, gt, w)
        if out["mask_logits"] is not None and w.perception > 0:
            for k, v in L.mask_loss(out["mask_logits"], gt, w.bce, w.dice).items():
                terms[f"perception_{k}"] = w.perception * v
        terms.update(self.remover.inpainter.losses(out, clean, gt, w))
        if disc is not None:
            with self.autocast():
                fake_scores = disc(out["composite"])
            terms["adversarial"] = w.adversarial * L.g_hinge_loss(fake_scores.float())
        loss = sum(terms.values())
        self._optimize("g", loss, self.gen.parameters())
        logs = {"loss": loss.item(), **{k: v.item() for k, v in terms.items()}}
        if disc is not None:
            logs["d_loss"] = self._discriminator_step(clean, out["composite"])
        with torch.no_grad():
            comp = out["composite"].detach()
            mse = ((comp - clean) ** 2 * gt).sum() / (gt.sum() * 3).clamp_min(1) / 4  # in [0, 1] units
            logs["psnr_hole"] = float(10 * torch.log10(1 / mse.clamp_min(1e-10)))
        if out["mask_logits"] is not None:
            logs["iou"], logs["f1"] = batch_iou_f1(out["mask_logits"], gt, self.cfg.run.mask_threshold)
        return logs, {"frames": frames, "mask": out["mask"].detach(), "comp": comp, "clean": clean}

    def preview(self, keep: dict) -> np.ndarray:
        return preview_row(keep["frames"], keep["mask"], keep["comp"], keep["clean"])


class AutoencoderStage(_Stage):
    """IM2IM on clean frames: L1 + hinge GAN (T-PatchGAN over the reconstructed clip).

    Its width is `model_options.cssta.channels`, so the features match CSSTA's decoder.
    """

    name = "autoencoder"

    def __init__(self, cfg: TrainConfig, env: Env, init: dict | None = None):
        from datagen.train.models.autoencoder import IM2IM, AutoencoderOptions
        from datagen.train.models.registry import validate_options

        super().__init__(cfg, env)
        if init is not None:
            raise UserError("train autoencoder starts from scratch: drop --init")
        channels = validate_options("cssta", cfg.model_options.get("cssta", {}))["channels"]
        self.options = AutoencoderOptions(channels=channels)
        self.net = self._wrap(IM2IM(self.options))
        a = cfg.autoencoder
        opt, sched = _adam(self.net.parameters(), a.lr, cfg, a)
        self.networks = {"autoencoder": self.net}
        self.optimizers, self.schedulers = {"g": opt}, {"g": sched}
        self._add_discriminator(a.lr_discriminator or a.lr, a)
        self.steps = a.steps

    def state(self) -> dict:
        return {**super().state(), "model": "im2im", "autoencoder_options": self.options.model_dump()}

    def step(self, batch: dict) -> tuple[dict, dict]:
        from datagen.train.models.autoencoder import reconstruction_losses

        _, clean, _ = to_model(batch, self.env.device)
        w = self.cfg.loss
        disc = self._unwrap(self.disc) if self.disc is not None else None
        if disc is not None:
            disc.requires_grad_(False)
        with self.autocast():
            recon = self.net(clean.flatten(0, 1))[0].float().reshape(clean.shape)
            fake_scores = disc(recon) if disc is not None else None
        terms = reconstruction_losses(recon, clean, fake_scores, 1.0, w.adversarial)
        loss = sum(terms.values())
        self._optimize("g", loss, self.net.parameters())
        logs = {"loss": loss.item(), **{k: v.item() for k, v in terms.items()}}
        if disc is not None:
            logs["d_loss"] = self._discriminator_step(clean, recon)
        with torch.no_grad():
            mse = ((recon.detach() - clean) ** 2).mean() / 4  # in [0, 1] units
            logs["psnr"] = float(10 * torch.log10(1 / mse.clamp_min(1e-10)))
        return logs, {"clean": clean, "recon": recon.detach()}

    def preview(self, keep: dict) -> np.ndarray:
        return preview_row(keep["clean"], keep["recon"])
