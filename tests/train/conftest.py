import pytest

from dense_au.config import load_config
from dense_au.train import TrainConfig

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
