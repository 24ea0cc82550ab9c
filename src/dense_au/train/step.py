"""One dense contrastive step: match cells, compute the losses, update the queues."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from dense_au.losses import (dense_align_uniform, dense_info_nce, global_align_uniform, info_nce,
                             pooled_keys, uniform_loss)
from dense_au.models import DenseContrastiveModel, Encoded
from dense_au.train.config import LossConfig
from dense_au.views import MatchInputs, View, get_strategy


def dense_weight(cfg: LossConfig, step: int) -> float:
    """lambda at `step`: 0 during warm-up, then a linear ramp to `dense_weight`."""
    if step < cfg.dense_warmup_steps:
        return 0.0
    if cfg.dense_ramp_steps <= 0:
        return cfg.dense_weight
    return cfg.dense_weight * min(1.0, (step - cfg.dense_warmup_steps + 1) / cfg.dense_ramp_steps)


@dataclass
class StepOutput:
    loss: Tensor               # what is back-propagated
    terms: dict[str, float]    # each loss term and batch diagnostics, for logging
    keys: tuple[Tensor, Tensor]  # normalised global keys and pooled dense keys, for the queues


def encode(model: DenseContrastiveModel, view1: View, view2: View, bf16: bool,
           query=None) -> tuple[Encoded, Encoded]:
    """Query forward on view 1 (with grad), momentum update, key forward on view 2 (no grad).

    `query` replaces `model.query` for the forward pass (its DDP wrapper when distributed).
    """
    autocast = torch.autocast(view1.pixels.device.type, dtype=torch.bfloat16) if bf16 else nullcontext()
    with autocast:
        q = (query or model.query)(view1.pixels)
        with torch.no_grad():
            model.momentum_update()
            k = model.key(view2.pixels)
    return q, k


def contrastive_losses(q: Encoded, k: Encoded, view1: View, view2: View, cfg: LossConfig,
                       queues: tuple[Tensor | None, Tensor | None], step: int,
                       generator: torch.Generator | None = None, diagnostics: bool = False) -> StepOutput:
    """(1 - lambda) global + lambda dense, for the objective and strategy of `cfg`.

    `diagnostics` adds the batch's dense alignment and uniformity (costly: logging steps only).
    """
    grid = tuple(q.dense_z.shape[-2:])
    match = MatchInputs(view1, view2, grid, q.fmap.detach(), k.fmap, generator, cfg.radius)
    positives = get_strategy(cfg.strategy)(match).mask.to(q.dense_z.device)
    qd, kd = q.dense_z.flatten(2), k.dense_z.flatten(2)
    if cfg.objective == "infonce":
        g_loss = info_nce(q.global_z, k.global_z, queues[0], cfg.tau)
        d_loss = dense_info_nce(qd, kd, positives, queues[1], cfg.tau)
    else:
        g_loss = global_align_uniform(q.global_z, k.global_z, cfg.align_alpha, cfg.unif_t, cfg.unif_weight)
        d_loss = dense_align_uniform(qd, kd, positives, cfg.align_alpha, cfg.unif_t, cfg.unif_weight)
    lam = dense_weight(cfg, step)
    loss = (1 - lam) * g_loss + lam * d_loss
    terms = {"loss": loss.item(), "loss_global": g_loss.item(), "loss_dense": d_loss.item(),
             "dense_weight": lam, "positives_per_cell": positives.sum(-1).float().mean().item()}
    if diagnostics:
        terms.update(batch_alignment_uniformity(qd, kd, positives))
    keys = (F.normalize(k.global_z.float(), dim=1), pooled_keys(kd))
    return StepOutput(loss, terms, keys)


@torch.no_grad()
def batch_alignment_uniformity(qd: Tensor, kd: Tensor, positives: Tensor, t: float = 2.0) -> dict:
    """The batch's dense alignment (over positive pairs) and uniformity (query cells, all pairs).

    A training-time diagnostic only: per-batch values depend on the batch size.
    """
    q, k = F.normalize(qd.float(), dim=1), F.normalize(kd.float(), dim=1)
    sq = (2 - 2 * torch.einsum("bdi,bdj->bij", q, k)).clamp(min=0)
    pos = positives.float()
    align = (sq * pos).sum() / pos.sum().clamp(min=1)
    unif = uniform_loss(q.permute(0, 2, 1).reshape(-1, q.shape[1]), t)
    return {"batch_dense_alignment": align.item(), "batch_dense_uniformity": unif.item()}
