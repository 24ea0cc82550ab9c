import pytest

from dense_au.train import train


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory, single_dir):
    from dense_au.config import load_config
    from dense_au.train import TrainConfig
    from tests.train.conftest import TINY

    cfg = load_config(TrainConfig, overrides=[*TINY, f"data.path={single_dir}", "steps=2"])
    out = tmp_path_factory.mktemp("run") / "r"
    train(cfg, out)
    return out
