"""Shared fixtures: tiny embedded datasets, made once per test session."""

from __future__ import annotations

import pytest
import torch

from dense_au.data.embedded import SynthConfig, synthesize


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
