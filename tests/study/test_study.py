"""The study end to end on the micro profile, killed and resumed; the lock; spec errors."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from dense_au.errors import UserError
from dense_au.study.run import run_study, study_lock
from dense_au.study.spec import expand_jobs, load_spec

MICRO = Path(__file__).resolve().parents[2] / "configs" / "study" / "micro.yaml"


def _kill_after_first_model(out: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "dense_au", "study", "--spec", str(MICRO), "--out", str(out),
                             "--workers", "1"], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while not list(out.glob("runs/*/done.json")):
        assert proc.poll() is None and time.time() < deadline, "study ended or stalled before one model"
        time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def test_killed_study_resumes_without_duplicates_and_writes_every_output(tmp_path):
    out = tmp_path / "study"
    _kill_after_first_model(out)
    finished = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("runs/*/done.json")}
    summary = run_study(load_spec(None, MICRO), out, workers=2)
    table = pd.read_csv(out / "results.csv")
    jobs = expand_jobs(load_spec(None, MICRO))
    assert len(table) == len(jobs) == summary["n_models"] and table["run_id"].is_unique
    for run_id, mtime in finished.items():  # finished models were not redone
        assert (out / "runs" / run_id / "done.json").stat().st_mtime_ns == mtime
    for name in ("report.html", "summary.json", "config.yaml", "figures/rho_au.png", "figures/rho_au.pdf",
                 "figures/plane_dense_backbone.png", "figures/positive_pairs.pdf"):
        assert (out / name).is_file(), name
    assert {"pretrain", "strategy", "seed", "backbone.dense_alignment", "backbone.dense_uniformity",
            "projection.instance_alignment", "backbone.dense_alignment_feature", "linear_top1", "knn_top1",
            "segmentation_miou"} <= set(table.columns)
    saved = json.loads((out / "summary.json").read_text())
    cell = next(c for c in saved["correlation"] if (c["pretrain"], c["task"], c["level"], c["layer"]) ==
                ("single", "linear", "dense", "backbone"))
    rows = table[table["pretrain"] == "single"]
    from scipy import stats
    s = -(rows["backbone.dense_alignment"] + rows["backbone.dense_uniformity"])
    assert cell["tau"] == pytest.approx(stats.kendalltau(s, rows["linear_top1"]).statistic, abs=1e-9)
    assert {m["strategy"] for m in saved["matching"]} == {"geometric", "feature"}
    assert any((out / "tb").iterdir())
    run_study(load_spec(None, MICRO), out, workers=1)  # a third run changes nothing
    assert len(pd.read_csv(out / "results.csv")) == len(jobs)


def test_second_study_on_the_same_directory_refuses(tmp_path):
    with study_lock(tmp_path):
        with pytest.raises(UserError, match="another study is running"):
            run_study(load_spec(None, MICRO), tmp_path)


@pytest.mark.parametrize("override, fragment", [
    ("grid={loss.tau: []}", "non-empty list"),
    ("pretrain=[imagenet]", "dataset 'imagenet' is not defined"),
    ("tasks={detection: single}", "unknown task 'detection'"),
    ("seeds=[]", "'seeds' is empty"),
    ("gird={}", "Did you mean 'grid'"),
])
def test_bad_specs(override, fragment):
    with pytest.raises(UserError, match=fragment):
        expand_jobs(load_spec(None, MICRO, [override]))


def test_empty_grid_in_a_spec_file(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text(MICRO.read_text().split("grid:")[0] + "grid: {}\nseeds: [0]\n")
    with pytest.raises(UserError, match="'grid' is empty"):
        load_spec(None, spec)


def test_unknown_profile():
    with pytest.raises(UserError, match="unknown study profile 'huge'"):
        load_spec("huge", None)


def test_paper_profile_smoke_on_cpu_with_tiny_overrides(tmp_path):
    """The GPU profile's spec and config wire up end to end (ResNet-50, torchvision stem; at 64 px
    only last_stride 1 keeps the 4x4 dense grid training requires)."""
    tiny = "{kind: %s, path: null, n_train: 16, n_val: 8, n_test: 8, size: 64}"
    spec = load_spec("paper", None, [
        "base_overrides=[steps=2, batch_size=4, views.size=64, data.size=64, model.backbone.width=0.125, "
        "model.queue_size=16, device=cpu, checkpoint_every=2, bf16=false, model.backbone.last_stride=1]",
        f"datasets.imagenet={tiny % 'single'}", f"datasets.coco={tiny % 'multi'}", f"datasets.voc={tiny % 'multi'}",
        "grid={loss.strategy: [feature]}", "seeds=[0]", "threads_per_job=1", "measure_limit=8",
    ])
    summary = run_study(spec, tmp_path, workers=1)
    table = pd.read_csv(tmp_path / "results.csv")
    assert summary["n_models"] == 2 and set(table["pretrain"]) == {"imagenet", "coco"}
    config = (tmp_path / "runs" / table["run_id"][0] / "config.yaml").read_text()
    assert "resnet50" in config and "stem_kernel: 7" in config


def test_slurm_executor_through_submitit(tmp_path):
    """`--executor slurm` submits through submitit, which runs jobs locally where there is no
    Slurm; the same job code, the same outputs."""
    spec = load_spec(None, MICRO, ["pretrain=[single]", "grid={loss.strategy: [geometric]}"])
    run_study(spec, tmp_path, executor="slurm")
    table = pd.read_csv(tmp_path / "results.csv")
    assert len(table) == len(expand_jobs(spec)) == 2  # geometric x the spec's two temperatures
    assert table["run_id"].is_unique and "linear_top1" in table and any((tmp_path / "slurm").iterdir())
