"""Fault injection: SIGKILL during training and during a write, corrupted checkpoints."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch
import yaml

from dense_au.config import to_dict
from dense_au.errors import UserError
from dense_au.io import write_json
from dense_au.train import load_trained, train
from dense_au.train.checkpoint import list_checkpoints, load_latest


def _params(run):
    model, _ = load_trained(run)
    return torch.cat([v.flatten() for v in model.state_dict().values() if v.is_floating_point()])


def test_sigkill_during_training_then_resume_matches_uninterrupted(tmp_path, tiny_cfg):
    cfg = tiny_cfg("steps=40", "checkpoint_every=1", "keep_checkpoints=3")  # margin to kill it mid-run
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump(to_dict(cfg)))
    proc = subprocess.Popen([sys.executable, "-m", "dense_au", "train", str(config), "--out", str(tmp_path / "cut")],
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while len(list_checkpoints(tmp_path / "cut")) < 2 or not list_checkpoints(tmp_path / "cut")[-1].name >= "step_0000004.pt":
        assert proc.poll() is None and time.time() < deadline, "training ended before it could be killed"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (tmp_path / "cut" / "manifest.json").exists()  # it really died mid-run
    manifest = train(cfg, tmp_path / "cut")
    assert 0 < manifest["resumed_from"] < 40
    train(cfg, tmp_path / "full")
    assert torch.equal(_params(tmp_path / "full"), _params(tmp_path / "cut"))


def test_sigkill_in_the_middle_of_a_write_leaves_the_previous_file(tmp_path):
    target = tmp_path / "result.json"
    write_json(target, {"version": 1})
    child = (
        "import os, signal, sys\n"
        "from dense_au.io import atomic_path\n"
        f"with atomic_path({str(target)!r}) as tmp:\n"
        "    tmp.write_text('{\"version\": 2, \"half')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", child])
    assert proc.returncode == -signal.SIGKILL
    assert json.loads(target.read_text()) == {"version": 1}


def test_leftover_partial_checkpoint_is_never_read(tmp_path, tiny_cfg):
    cfg = tiny_cfg("steps=4", "checkpoint_every=2")
    train(cfg, tmp_path / "r")
    (tmp_path / "r" / "checkpoints" / "step_0000004.pt").unlink()
    partial = tmp_path / "r" / "checkpoints" / ".step_0000004.pt.abc.tmp"  # what a kill mid-save leaves
    partial.write_bytes(b"PK\x03\x04 truncated")
    state, path = load_latest(tmp_path / "r")
    assert path.name == "step_0000002.pt" and state["step"] == 2
    assert train(cfg, tmp_path / "r")["resumed_from"] == 2


def test_corrupted_newest_checkpoint_falls_back_and_a_lone_one_is_a_clear_error(tmp_path, tiny_cfg, capsys):
    cfg = tiny_cfg("steps=4", "checkpoint_every=2")
    train(cfg, tmp_path / "r")
    newest = tmp_path / "r" / "checkpoints" / "step_0000004.pt"
    newest.write_bytes(newest.read_bytes()[:1000])
    state, path = load_latest(tmp_path / "r")
    assert path.name == "step_0000002.pt"
    assert "step_0000004.pt: corrupted checkpoint" in capsys.readouterr().err
    (tmp_path / "r" / "checkpoints" / "step_0000002.pt").unlink()
    with pytest.raises(UserError, match=r"step_0000004.pt: corrupted checkpoint .* no earlier checkpoint"):
        load_latest(tmp_path / "r")
