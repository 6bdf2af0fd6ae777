"""Attention building blocks: CSSTA's two attentions and the OPN/RNoT memory read.

- `masked_cosine_weights`: softmax over cosine similarities where every key carries a
  weight in [0, 1] (its visible, or hole, fraction). Keys of weight 0 get exactly zero
  attention, not a small one: cosine scores are bounded, so exp() cannot overflow and
  the weights are computed as exp(s) * w / sum, with no -inf tricks.
- `inter_frame_attention` (CSSTA): k x k patches of every frame's feature map (the
  reference frames; the target's own visible patches included, as DeepFill's
  contextual attention) are the kernels; their cosine similarity with the target's
  patches, softmaxed, weights the raw patches, which are pasted back (overlap-added)
  at the target positions. A patch is weighted by its visible fraction, so hole
  patches are not copied.
- `hole_attention` (CSSTA): 1x1 patches taken from the target's hole are the kernels
  over the target; scores of keys outside the hole are zero (multiplied by the target
  mask), a position never attends to itself, and the result is kept only inside the
  hole. This spreads what was filled in one part of the hole coherently over the rest.
- `memory_read` (OPN, RNoT): dot-product attention from every query position to the
  keys of all memory positions, weighted by visibility (a soft log-bias, like STTN's,
  so soft masks stay differentiable), reading the memory values.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def masked_cosine_weights(q: torch.Tensor, k: torch.Tensor, key_weight: torch.Tensor, scale: float,
                          exclude_self: bool = False) -> torch.Tensor:
    """Attention weights (..., Nq, Nk) from unit-norm q (..., Nq, D) and k (..., Nk, D).

    key_weight (..., Nk) in [0, 1] multiplies exp(scale * cos); rows are then normalised.
    exclude_self (Nq == Nk): position i never attends to key i. A row whose keys all have
    weight 0 is all zeros.
    """
    s = torch.matmul(q, k.transpose(-1, -2)) * scale  # in [-scale, scale]
    e = torch.exp(s - scale) * key_weight.unsqueeze(-2)  # <= 1: no overflow
    if exclude_self:
        e = e * (1.0 - torch.eye(e.shape[-1], dtype=e.dtype, device=e.device))
    return e / e.sum(-1, keepdim=True).clamp_min(1e-30)


def inter_frame_attention(feat: torch.Tensor, valid: torch.Tensor, patch: int, stride: int,
                          scale: float) -> torch.Tensor:
    """CSSTA inter-frame attention over a clip.

    feat (B, T, C, h, w); valid (B, T, 1, h, w) in [0, 1] (1 = visible). Every frame is a
    target and all T frames are references. Returns (B, T, C, h, w).
    """
    b, t, c, h, w = feat.shape
    pad = patch // 2
    x = feat.reshape(b * t, c, h, w).float()
    d = c * patch * patch
    queries = F.unfold(x, patch, padding=pad)  # (bt, d, h*w)
    queries = queries.reshape(b, t, d, h * w).permute(0, 1, 3, 2).reshape(b, t * h * w, d)
    keys = F.unfold(x, patch, padding=pad, stride=stride)  # (bt, d, n)
    n = keys.shape[-1]
    keys = keys.reshape(b, t, d, n).permute(0, 1, 3, 2).reshape(b, t * n, d)
    key_valid = F.unfold(valid.reshape(b * t, 1, h, w).float(), patch, padding=pad, stride=stride).mean(1)
    weights = masked_cosine_weights(F.normalize(queries, dim=-1), F.normalize(keys, dim=-1),
                                    key_valid.reshape(b, t * n), scale)
    pasted = torch.matmul(weights, keys)  # (b, t*h*w, d): the raw patches, weighted
    pasted = pasted.reshape(b * t, h * w, d).transpose(1, 2)
    out = F.fold(pasted, (h, w), patch, padding=pad)
    overlap = F.fold(torch.ones_like(pasted[:1]), (h, w), patch, padding=pad)
    return (out / overlap).reshape(b, t, c, h, w).to(feat.dtype)


def hole_attention(feat: torch.Tensor, hole: torch.Tensor, scale: float) -> torch.Tensor:
    """CSSTA hole-region attention within each frame.

    feat (N, C, h, w); hole (N, 1, h, w) in [0, 1]. Keys are the 1x1 feature vectors,
    weighted by the hole (0 outside it: exactly ignored); the output is multiplied by the
    hole, so it is zero outside and depends only on features inside the hole.
    """
    n, c, h, w = feat.shape
    x = feat.float().flatten(2).transpose(1, 2)  # (N, P, C)
    m = hole.float().flatten(1)  # (N, P)
    unit = F.normalize(x, dim=-1)
    weights = masked_cosine_weights(unit, unit, m, scale, exclude_self=True)
    out = torch.matmul(weights, x) * m.unsqueeze(-1)
    return out.transpose(1, 2).reshape(n, c, h, w).to(feat.dtype)


def memory_read(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                visible: torch.Tensor) -> torch.Tensor:
    """Scaled dot-product read of a memory.

    query (B, Nq, dk), key (B, Nk, dk), value (B, Nk, dv), visible (B, Nk) in [0, 1].
    Keys are biased by log(visible) (floored at 1e-6: a fully hidden key weighs ~1e-6 of
    a visible one). Returns (B, Nq, dv).
    """
    bias = torch.log(visible.float().clamp_min(1e-6)).to(query.dtype)[:, None, None, :]
    return F.scaled_dot_product_attention(query[:, None], key[:, None], value[:, None], attn_mask=bias)[:, 0]
