"""A FIFO queue of normalised keys, used as negatives (MoCo / DenseCL)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class KeyQueue(nn.Module):
    """`size` x `dim` ring buffer; `push` overwrites the oldest entries and wraps around.

    Buffers (not parameters), so they are saved in checkpoints and moved with the model.
    """

    def __init__(self, size: int, dim: int, generator: torch.Generator | None = None):
        super().__init__()
        self.register_buffer("keys", F.normalize(torch.randn(size, dim, generator=generator), dim=1))
        self.register_buffer("ptr", torch.zeros((), dtype=torch.long))

    def __len__(self) -> int:
        return self.keys.shape[0]

    @torch.no_grad()
    def push(self, keys: Tensor) -> None:
        n, size = keys.shape[0], len(self)
        if n >= size:  # more keys than room: keep the newest
            self.keys.copy_(keys[-size:])
            self.ptr.zero_()
            return
        idx = (self.ptr + torch.arange(n, device=keys.device)) % size
        self.keys[idx] = keys.to(self.keys.dtype)
        self.ptr.copy_((self.ptr + n) % size)
