"""The training loop end to end on a tiny model (CPU smoke tests, as in solo-learn)."""

import json

import pytest
import torch
import yaml

from dense_au.train import TrainingDiverged, load_trained, train
from dense_au.train.checkpoint import list_checkpoints
from dense_au.train.loop import batch_indices, load_trained_checkpoint, lr_at
from dense_au.train.config import OptimConfig


def _params(run):
    model, _ = load_trained(run)
    return torch.cat([p.detach().flatten() for p in model.state_dict().values() if p.is_floating_point()])


def test_run_writes_manifest_config_checkpoints_and_tensorboard(tmp_path, tiny_cfg):
    manifest = train(tiny_cfg(), tmp_path / "run")
    run = tmp_path / "run"
    saved = json.loads((run / "manifest.json").read_text())
    assert saved["status"] == "complete" and saved["seed"] == 0 and saved["environment"]["torch"]
    assert {"loss", "loss_global", "loss_dense", "lr"} <= set(manifest["final"])
    assert yaml.safe_load((run / "config.yaml").read_text())["steps"] == 6
    assert [p.name for p in list_checkpoints(run)] == ["step_0000003.pt", "step_0000006.pt"]
    assert any((run / "tb").iterdir())


def test_same_seed_same_parameters(tmp_path, tiny_cfg):
    train(tiny_cfg("steps=3"), tmp_path / "a")
    train(tiny_cfg("steps=3"), tmp_path / "b")
    train(tiny_cfg("steps=3", "seed=1"), tmp_path / "c")
    assert torch.equal(_params(tmp_path / "a"), _params(tmp_path / "b"))
    assert not torch.equal(_params(tmp_path / "a"), _params(tmp_path / "c"))


@pytest.mark.parametrize("strategy, optimizer", [("geometric", "sgd"), ("feature", "sgd"), ("feature", "adamw")])
def test_resumed_run_ends_with_the_same_parameters(tmp_path, tiny_cfg, strategy, optimizer):
    cfg = tiny_cfg(f"loss.strategy={strategy}", f"optim.name={optimizer}")
    train(cfg, tmp_path / "full")
    train(cfg, tmp_path / "cut")
    (tmp_path / "cut" / "checkpoints" / "step_0000006.pt").unlink()  # as if killed after step 3
    manifest = train(cfg, tmp_path / "cut")
    assert manifest["resumed_from"] == 3
    assert torch.equal(_params(tmp_path / "full"), _params(tmp_path / "cut"))


def test_loss_falls_within_a_few_steps(tmp_path, tiny_cfg):
    cfg = tiny_cfg("steps=30", "checkpoint_every=30", "loss.strategy=geometric", "optim.lr=0.1",
                   "loss.tau=0.5", "data.limit=16", "batch_size=16", "model.negatives=batch", "views.photometric=false")
    first = train(tiny_cfg("steps=1", "checkpoint_every=1", "loss.strategy=geometric", "loss.tau=0.5",
                           "data.limit=16", "batch_size=16", "model.negatives=batch", "views.photometric=false"),
                  tmp_path / "first")["final"]["loss"]
    last = train(cfg, tmp_path / "last")["final"]["loss"]
    assert last < first - 0.2


def test_dense_warmup_zeroes_the_dense_term(tmp_path, tiny_cfg):
    m = train(tiny_cfg("steps=2", "loss.dense_warmup_steps=5"), tmp_path / "w")["final"]
    assert m["dense_weight"] == 0.0 and m["loss"] == pytest.approx(m["loss_global"], rel=1e-6)
    m = train(tiny_cfg("steps=2", "loss.dense_warmup_steps=1", "loss.dense_weight=0.8"), tmp_path / "v")["final"]
    assert m["dense_weight"] == 0.8
    assert m["loss"] == pytest.approx(0.2 * m["loss_global"] + 0.8 * m["loss_dense"], rel=1e-5)


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path, tiny_cfg):
    with pytest.raises(TrainingDiverged, match="loss became nan"):
        train(tiny_cfg("steps=20", "checkpoint_every=1", "optim.lr=1e30", "optim.warmup_steps=0"),
              tmp_path / "nan")
    ckpts = list_checkpoints(tmp_path / "nan")
    assert ckpts  # the good states before the divergence are still there
    state = torch.load(ckpts[-1], weights_only=False)
    assert all(torch.isfinite(v).all() for v in state["model"].values() if v.is_floating_point())


def test_align_uniform_objective_and_batch_negatives_train(tmp_path, tiny_cfg):
    m = train(tiny_cfg("steps=2", "loss.objective=align_uniform", "model.negatives=batch",
                       "loss.strategy=geometric-radius"), tmp_path / "au")["final"]
    assert torch.isfinite(torch.tensor(m["loss"])) and m["positives_per_cell"] >= 1.0


def test_schedule_and_batches():
    cfg = OptimConfig(lr=1.0, warmup_steps=4)
    assert lr_at(cfg, 0, 10) == 0.25 and lr_at(cfg, 3, 10) == 1.0 and lr_at(cfg, 10, 10) == 0.0
    seen = torch.cat([batch_indices(10, 4, 0, s) for s in range(5)])  # two epochs of 10
    assert sorted(seen[:10].tolist()) == list(range(10)) and sorted(seen[10:].tolist()) == list(range(10))
    assert torch.equal(batch_indices(10, 4, 0, 3), batch_indices(10, 4, 0, 3))


def test_streaming_from_disk_trains_exactly_like_in_memory(tmp_path, tiny_cfg):
    train(tiny_cfg("steps=3", "checkpoint_every=3"), tmp_path / "memory")
    train(tiny_cfg("steps=3", "checkpoint_every=3", "data.stream=true"), tmp_path / "stream")
    assert torch.equal(_params(tmp_path / "memory"), _params(tmp_path / "stream"))


def test_loaded_checkpoint_is_the_readable_one_when_the_newest_is_corrupt(tmp_path, tiny_cfg):
    train(tiny_cfg(), tmp_path / "r")
    older, newest = list_checkpoints(tmp_path / "r")[-2:]
    assert load_trained_checkpoint(tmp_path / "r")[2] == newest
    newest.write_bytes(b"not a checkpoint")
    assert load_trained_checkpoint(tmp_path / "r")[2] == older


def test_queue_longer_than_the_dataset_warns(tmp_path, tiny_cfg, capsys):
    train(tiny_cfg("steps=1", "checkpoint_every=1", "model.queue_size=64"), tmp_path / "long")  # 40 images
    assert "model.queue_size 64 exceeds the 40 training images" in capsys.readouterr().err
    train(tiny_cfg("steps=1", "checkpoint_every=1"), tmp_path / "short")  # queue 16
    assert "exceeds" not in capsys.readouterr().err
