"""Helpers shared by the benchmarks: the quick model and a timed training step."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from dense_au.config import load_config
from dense_au.train import TrainConfig
from dense_au.train.loop import build_model, make_optimizer
from dense_au.train.step import contrastive_losses, encode
from dense_au.views import ViewSampler

QUICK = Path(__file__).resolve().parents[1] / "configs" / "train" / "quick.yaml"


def parse_args(doc: str, batch: int = 64) -> argparse.Namespace:
    """--threads (applied here) and --batch, the options every timing benchmark takes."""
    ap = argparse.ArgumentParser(description=doc)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=batch)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    return args


def quick_config(*overrides: str) -> TrainConfig:
    return load_config(TrainConfig, QUICK, list(overrides))


def best_time(fn, repeats: int = 5, warmup: int = 2) -> float:
    """Minimum wall time of `fn` over `repeats` runs (after `warmup` runs)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def interleaved_times(fns, repeats: int = 9, warmup: int = 2) -> list[list[float]]:
    """Wall times of each of `fns` over `repeats` rounds, the functions timed in turn within a
    round so that load changes on a shared machine hit all alike (compare them round by round)."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, acc in zip(fns, times):
            t = time.perf_counter()
            fn()
            acc.append(time.perf_counter() - t)
    return times


def median(xs) -> float:
    return sorted(xs)[len(xs) // 2]


def quartiles(xs) -> tuple[float, float]:
    xs = sorted(xs)
    return xs[len(xs) // 4], xs[3 * len(xs) // 4]


class QuickStep:
    """One full dense contrastive step of a config, exactly as the training loop runs it."""

    def __init__(self, cfg: TrainConfig):
        self.cfg = cfg
        self.model = build_model(cfg)
        self.opt = make_optimizer(cfg.optim, self.model.query.parameters())
        self.g = torch.Generator().manual_seed(0)

    def views(self, images):
        return ViewSampler.from_config(self.cfg.views, self.g)(images)

    def full(self, v1, v2) -> None:
        q, k = encode(self.model, v1, v2, self.cfg.bf16)
        out = contrastive_losses(q, k, v1, v2, self.cfg.loss, self.model.queues(), 100, self.g)
        self.opt.zero_grad(set_to_none=True)
        out.loss.backward()
        self.opt.step()
        if self.cfg.model.negatives == "queue":
            self.model.global_queue.push(out.keys[0])
            self.model.dense_queue.push(out.keys[1])

    def bare(self, v1, v2) -> None:
        """The backbone passes the step makes, with nothing else: query forward+backward on
        view 1, key forward on view 2."""
        fmap = self.model.query.backbone(v1.pixels)
        with torch.no_grad():
            self.model.key.backbone(v2.pixels)
        fmap.float().square().mean().backward()

    def bare_two_queries(self, v1, v2) -> None:
        """The issue's wording of the reference: query forward+backward on both views, one key
        forward. Our step is not symmetrised, so it makes one query pass fewer than this."""
        for v in (v1, v2):
            self.model.query.backbone(v.pixels).float().square().mean().backward()
        with torch.no_grad():
            self.model.key.backbone(v2.pixels)
