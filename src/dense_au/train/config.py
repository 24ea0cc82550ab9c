"""The training configuration: every design choice of the study, with documented defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from dense_au.models import ModelConfig
from dense_au.views import ViewConfig


@dataclass(frozen=True)
class DataConfig:
    path: str = "data/single"     # dataset directory (embedded, voc, coco, imagefolder, folder)
    layout: str = "auto"          # see dense_au.data.layouts
    split: str = "train"
    size: int = 64                # images are loaded at size x size (shorter side + centre crop)
    skip_corrupt: bool = False    # skip unreadable images (and report them) instead of stopping
    limit: int | None = None      # use only the first N images (smoke tests)
    stream: bool = False          # read training images from disk per batch (large datasets)


@dataclass(frozen=True)
class LossConfig:
    objective: Literal["infonce", "align_uniform"] = "infonce"
    strategy: str = "feature"     # geometric | geometric-radius | feature | index | random
    radius: float = 0.7           # geometric-radius: positives within radius x cell diagonal
    tau: float = 0.2              # InfoNCE temperature (DenseCL: 0.2)
    dense_weight: float = 0.5     # lambda in (1 - lambda) global + lambda dense
    dense_warmup_steps: int = 0   # lambda = 0 before this step (DenseCL's warm-up, actually wired)
    dense_ramp_steps: int = 0     # then rise linearly to dense_weight over this many steps
    align_alpha: float = 2.0      # align_uniform objective: exponent of ||x - y||
    unif_t: float = 2.0           # align_uniform objective: uniformity temperature t
    unif_weight: float = 1.0      # align_uniform objective: weight of uniformity


@dataclass(frozen=True)
class OptimConfig:
    name: Literal["sgd", "adamw"] = "sgd"
    lr: float = 0.06              # for batch 64 (DenseCL: 0.03 per 256 at 200 epochs)
    momentum: float = 0.9
    weight_decay: float = 1e-4
    warmup_steps: int = 10        # linear warm-up, then cosine decay to 0


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 0
    steps: int = 200
    batch_size: int = 64
    device: str = "auto"          # "auto" = the process's GPU when CUDA is available, else "cpu"
    bf16: bool = False            # bfloat16 autocast for the forward passes (fast on GPUs only)
    threads: int | None = None    # torch CPU threads; None = leave torch's default
    checkpoint_every: int = 50    # also at the end; the last `keep_checkpoints` are kept
    keep_checkpoints: int = 2
    log_every: int = 10           # TensorBoard scalars
    data: DataConfig = field(default_factory=DataConfig)
    views: ViewConfig = field(default_factory=ViewConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
