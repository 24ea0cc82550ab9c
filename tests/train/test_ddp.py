"""DDP with 2 CPU processes on gloo reproduces single-process training."""

import os
import socket

import torch
import torch.multiprocessing as mp

from dense_au.train import load_trained, train


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank, world, port, cfg, out):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                      WORLD_SIZE=str(world), LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    train(cfg, out)
    torch.distributed.destroy_process_group()


def _params(run):
    model, _ = load_trained(run)
    return {k: v for k, v in model.state_dict().items() if v.is_floating_point()}


def test_two_gloo_processes_match_one_process(tmp_path, tiny_cfg):
    # `index`: every cell has a positive, so the mean of the per-process losses is the global
    # mean, and it is continuous in the parameters (`feature` matching is an argmax that float
    # reduction order can flip). A small lr: at the tiny config's 0.05 the 8-image runs are
    # chaotic, and 1e-7 reduction-order differences grow to 1e-4 within three steps.
    cfg = tiny_cfg("steps=3", "checkpoint_every=3", "loss.strategy=index", "optim.lr=0.01")
    mp.spawn(_worker, args=(2, _free_port(), cfg, tmp_path / "ddp"), nprocs=2, join=True)
    train(cfg, tmp_path / "single")
    ddp, single = _params(tmp_path / "ddp"), _params(tmp_path / "single")
    assert ddp.keys() == single.keys()
    for name in single:
        assert torch.allclose(ddp[name], single[name], atol=1e-5, rtol=0), name
