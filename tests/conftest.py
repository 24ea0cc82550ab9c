"""Shared fixtures: tiny embedded datasets, made once per test session."""

from __future__ import annotations

import pytest
import torch

from dense_au.config import load_config
from dense_au.data.embedded import SynthConfig, synthesize
from dense_au.train import TrainConfig, train


@pytest.fixture(autouse=True)
def _deterministic_threads():
    torch.set_num_threads(1)  # tests are small; one thread keeps CPU runs reproducible and fast
    yield


@pytest.fixture(scope="session")
def single_dir(tmp_path_factory):
    return synthesize(SynthConfig("single", 40, 20, 20, 32, seed=1),
                      tmp_path_factory.mktemp("data") / "single", workers=1)


@pytest.fixture(scope="session")
def multi_dir(tmp_path_factory):
    return synthesize(SynthConfig("multi", 40, 20, 20, 32, seed=2),
                      tmp_path_factory.mktemp("data") / "multi", workers=1)

TINY = [
    "steps=6", "batch_size=8", "checkpoint_every=3", "log_every=2", "threads=1",
    "data.size=32", "views.size=32", "model.queue_size=16",
    "model.backbone.width=0.125", "optim.warmup_steps=2", "optim.lr=0.05",
]


@pytest.fixture
def tiny_cfg(single_dir):
    def make(*overrides):
        return load_config(TrainConfig, overrides=[*TINY, f"data.path={single_dir}", *overrides])
    return make


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory, single_dir):
    cfg = load_config(TrainConfig, overrides=[*TINY, f"data.path={single_dir}", "steps=2"])
    out = tmp_path_factory.mktemp("run") / "r"
    train(cfg, out)
    return out
