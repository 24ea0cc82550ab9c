"""DDP plumbing for `torchrun`: process group, SyncBN, key gathering. No-ops in one process."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import Tensor, nn


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world: int = 1

    @property
    def main(self) -> bool:
        return self.rank == 0


def init_distributed() -> DistInfo:
    """Join the process group `torchrun` describes (gloo on CPU, nccl on GPUs), if any."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    if not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return DistInfo(dist.get_rank(), dist.get_world_size())


def resolve_device(name: str) -> torch.device:
    """'auto': this process's GPU (LOCAL_RANK under torchrun) when CUDA is available, else CPU."""
    if name != "auto":
        return torch.device(name)
    if torch.cuda.is_available():
        local = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local)
        return torch.device("cuda", local)
    return torch.device("cpu")


def wrap_query(query: nn.Module, info: DistInfo, device: torch.device) -> nn.Module:
    """DDP (gradients all-reduced) around the query encoder."""
    if info.world <= 1:
        return query
    ids = [device.index] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(query, device_ids=ids)


class GlobalBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm over the global batch of all processes, for CPUs (torch's SyncBN needs GPUs).

    Sums and sums of squares are all-reduced with autograd, so gradients flow as in one process.
    """

    def forward(self, x: Tensor) -> Tensor:
        if not (self.training and dist.is_available() and dist.is_initialized()):
            return super().forward(x)
        from torch.distributed.nn.functional import all_reduce

        count = torch.full((1,), x.numel() / x.shape[1], dtype=x.dtype, device=x.device)
        stats = all_reduce(torch.cat([x.sum((0, 2, 3)), (x * x).sum((0, 2, 3)), count]))
        c = x.shape[1]
        n = stats[-1]
        mean = stats[:c] / n
        var = (stats[c:2 * c] / n - mean * mean).clamp(min=0)
        with torch.no_grad():
            self.num_batches_tracked.add_(1)
            self.running_mean.lerp_(mean.detach(), self.momentum)
            self.running_var.lerp_(var.detach() * n / (n - 1), self.momentum)
        y = (x - mean[None, :, None, None]) * torch.rsqrt(var[None, :, None, None] + self.eps)
        return y * self.weight[None, :, None, None] + self.bias[None, :, None, None]


def sync_batchnorm(model: nn.Module, info: DistInfo) -> nn.Module:
    """Make BatchNorm statistics global across processes: torch's SyncBN on GPUs, ours on CPUs."""
    if info.world <= 1:
        return model
    if torch.cuda.is_available():
        return nn.SyncBatchNorm.convert_sync_batchnorm(model)
    for module in model.modules():
        if type(module) is nn.BatchNorm2d:
            module.__class__ = GlobalBatchNorm2d  # same parameters and buffers, new forward
    return model


@torch.no_grad()
def gather(x: Tensor, info: DistInfo) -> Tensor:
    """Concatenate `x` from every process in rank order (so every queue receives the same keys)."""
    if info.world <= 1:
        return x
    parts = [torch.empty_like(x) for _ in range(info.world)]
    dist.all_gather(parts, x.contiguous())
    return torch.cat(parts)


def barrier(info: DistInfo) -> None:
    if info.world > 1:
        dist.barrier()
