"""Dense InfoNCE: each query cell against its positive key cell(s) and negative keys (DenseCL)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def pooled_keys(k: Tensor) -> Tensor:
    """DenseCL's dense negatives: per image, the normalised mean of the normalised key cells.

    k: (B, D, P) -> (B, D).
    """
    return F.normalize(F.normalize(k.float(), dim=1).mean(dim=2), dim=1)


class _KeysLogSumExp(torch.autograd.Function):
    """log sum_n exp(q_r . n) for each row r of q: (R, D) x (K, D) -> (R,).

    With a dense queue, R x K is the largest tensor of the step. torch.logsumexp keeps the
    logits and makes several passes over them; here they are exponentiated in place, once, and
    backward is one in-place multiply and one matmul. Since backward overwrites what forward
    saved, it runs once per forward (no retain_graph).
    """

    @staticmethod
    def forward(ctx, q: Tensor, keys: Tensor) -> Tensor:
        exps = q @ keys.t()
        top = exps.amax(dim=1, keepdim=True)  # row max: no overflow for any tau
        total = exps.sub_(top).exp_().sum(dim=1, keepdim=True)
        ctx.save_for_backward(exps, total, q, keys)  # softmax = exps / total
        ctx.spent = False
        return (total.log() + top).squeeze(1)

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        if ctx.spent:
            raise RuntimeError("keys_logsumexp: backward ran twice through one forward; "
                               "its saved exponentials are overwritten by the first")
        ctx.spent = True
        exps, total, q, keys = ctx.saved_tensors
        weights = exps.mul_(grad[:, None] / total)  # d lse_r / d logit_rn = softmax_rn
        grad_q = weights @ keys if ctx.needs_input_grad[0] else None
        grad_keys = weights.t() @ q if ctx.needs_input_grad[1] else None
        return grad_q, grad_keys


def keys_logsumexp(q: Tensor, keys: Tensor) -> Tensor:
    """(R, D), (K, D) -> (R,): log-sum-exp of each row's dot products with all keys."""
    return _KeysLogSumExp.apply(q, keys)


def dense_info_nce(q: Tensor, k: Tensor, positives: Tensor, queue: Tensor | None = None,
                   tau: float = 0.2) -> Tensor:
    """Mean over contributing query cells of the mean over their positives of
    -log( e^{s_ij/tau} / (e^{s_ij/tau} + sum_n e^{q_i.n/tau}) ).

    With one positive per cell this is DenseCL's dense loss exactly; with several
    (`geometric-radius`) each positive is contrasted against the same negatives.
    q, k: (B, D, P) dense query and key embeddings (normalised here).
    positives: (B, P, P) bool, positives[b, i, j] when key cell j is a positive of query cell i.
    queue: (K, D) negatives; None uses the pooled keys of the *other* images in the batch.
    """
    rows = positives.any(dim=-1)  # (B, P): only these cells contribute, and only they are computed
    if not rows.any():
        raise ValueError("dense_info_nce: no query cell has a positive (empty positives mask)")
    # 1/tau folded into the (small) queries, not applied to the (R, K) logits
    q, k = _unit(q.float(), scale=1 / tau), _unit(k.float())
    sim = torch.einsum("bdi,bdj->bij", q, k)  # each cell vs its own image's key cells
    cells = q.transpose(1, 2)
    if rows.all():  # the usual case (all but `geometric`): views, not gathers
        sim, cells, pos = sim.flatten(0, 1), cells.flatten(0, 1), positives.flatten(0, 1).float()
    else:
        sim, cells, pos = sim[rows], cells[rows], positives[rows].float()
    if queue is None:
        neg = cells @ pooled_keys(k).t()  # (R, B)
        image = torch.arange(len(q), device=q.device)[:, None].expand_as(rows)[rows]
        own = F.one_hot(image, len(q)).bool()
        neg_lse = neg.masked_fill(own, float("-inf")).logsumexp(dim=-1)  # own keys are not negatives
    else:
        neg_lse = keys_logsumexp(cells, queue.float())
    per_pair = torch.logaddexp(sim, neg_lse[:, None]) - sim
    return ((per_pair * pos).sum(-1) / pos.sum(-1)).mean()


def _unit(x: Tensor, scale: float = 1.0) -> Tensor:
    """scale * x / |x| along dim 1 (F.normalize's eps); one fused scale, fewer passes than it."""
    return x * (x.square().sum(1, keepdim=True).clamp_min(1e-24).rsqrt() * scale)
