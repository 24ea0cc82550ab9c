"""The dense contrastive model: query encoder, momentum key encoder, and negative queues."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Literal

import torch
from torch import Tensor, nn

from dense_au.models.backbone import Backbone, BackboneConfig
from dense_au.models.heads import DenseHead, GlobalHead
from dense_au.models.queue import KeyQueue


@dataclass(frozen=True)
class ModelConfig:
    """DenseCL's design, with every choice the study varies exposed."""

    backbone: BackboneConfig = field(default_factory=BackboneConfig)
    proj_dim: int = 128                    # output of both heads
    hidden_dim: int | None = None          # head hidden width; None = backbone channels (DenseCL)
    momentum: float = 0.99                 # key encoder EMA; DenseCL uses 0.999 for long runs
    negatives: Literal["queue", "batch"] = "queue"  # MoCo/DenseCL queues, or SimCLR-style batch
    queue_size: int = 4096                 # entries per queue (global and pooled-dense)


@dataclass
class Encoded:
    fmap: Tensor      # (B, C, h, w) backbone map: what the probes see
    global_z: Tensor  # (B, proj_dim): global head output (not normalised)
    dense_z: Tensor   # (B, proj_dim, h, w): dense head output (not normalised)


class Encoder(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.backbone = Backbone(cfg.backbone)
        c = self.backbone.out_channels
        hidden = cfg.hidden_dim or c
        self.global_head = GlobalHead(c, hidden, cfg.proj_dim)
        self.dense_head = DenseHead(c, hidden, cfg.proj_dim)

    def forward(self, x: Tensor) -> Encoded:
        fmap = self.backbone(x)
        return Encoded(fmap, self.global_head(fmap), self.dense_head(fmap))


class DenseContrastiveModel(nn.Module):
    """Query encoder trained by gradient; key encoder an exponential moving average of it."""

    def __init__(self, cfg: ModelConfig, generator: torch.Generator | None = None):
        super().__init__()
        self.cfg = cfg
        self.query = Encoder(cfg)
        self.key = copy.deepcopy(self.query)
        for p in self.key.parameters():
            p.requires_grad_(False)
        if cfg.negatives == "queue":
            self.global_queue = KeyQueue(cfg.queue_size, cfg.proj_dim, generator)
            self.dense_queue = KeyQueue(cfg.queue_size, cfg.proj_dim, generator)

    @torch.no_grad()
    def momentum_update(self) -> None:
        # key <- m key + (1 - m) query, as one multi-tensor op
        torch._foreach_lerp_(list(self.key.parameters()), list(self.query.parameters()), 1 - self.cfg.momentum)
        torch._foreach_copy_(list(self.key.buffers()), list(self.query.buffers()))  # BN statistics

    def queues(self) -> tuple[Tensor | None, Tensor | None]:
        if self.cfg.negatives != "queue":
            return None, None
        return self.global_queue.keys, self.dense_queue.keys
