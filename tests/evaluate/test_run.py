"""`dense-au evaluate` end to end on a tiny run: eval.json holds sizes, choices and scores."""

import json
import shutil

import pytest

from dense_au.errors import UserError
from dense_au.evaluate.run import evaluate_run
from tests.test_cli import run_cli


def test_every_task_and_the_baseline_land_in_eval_json(tiny_run, single_dir, multi_dir, capsys, monkeypatch):
    for task, data in (("linear", single_dir), ("knn", single_dir), ("segmentation", multi_dir)):
        code, text = run_cli(["evaluate", tiny_run, "--task", task, "--data", data], capsys, monkeypatch)
        assert code == 0, text
    code, _ = run_cli(["evaluate", tiny_run, "--task", "linear", "--data", single_dir, "--baseline", "random-init"],
                      capsys, monkeypatch)
    saved = json.loads((tiny_run / "eval.json").read_text())
    assert code == 0 and set(saved) >= {"linear", "knn", "segmentation", "baselines"}
    assert saved["linear"]["split_sizes"] == {"train": 40, "val": 20, "test": 20}
    assert saved["linear"]["selected_on"] == "val" and saved["linear"]["reported_on"] == "test"
    assert 0 <= saved["segmentation"]["scores"]["miou"] <= 1 and "lr" in saved["segmentation"]["hyperparameters"]
    assert "top1" in saved["baselines"]["random-init"]["linear"]["scores"]


def test_multi_object_linear_probe_is_multilabel(tiny_run, multi_dir):
    assert evaluate_run(tiny_run, "linear", multi_dir)["metric"] == "mAP"


def test_bad_task_and_baseline(tiny_run, single_dir):
    with pytest.raises(UserError, match="unknown task 'detection'"):
        evaluate_run(tiny_run, "detection", single_dir)
    with pytest.raises(UserError, match="unknown baseline 'imagenet'"):
        evaluate_run(tiny_run, "linear", single_dir, baseline="imagenet")


def test_without_a_test_split_val_is_test_and_validation_is_carved_from_train(tiny_run, single_dir, tmp_path):
    data = shutil.copytree(single_dir, tmp_path / "voc_like")
    (data / "ImageSets" / "Segmentation" / "test.txt").unlink()  # as in Pascal VOC: train and val only
    entry = evaluate_run(tiny_run, "linear", data)
    assert entry["split_sizes"] == {"train": 36, "val": 4, "test": 20}  # 10% of the 40 train images
    assert entry["split_protocol"].startswith("no test split")
    (data / "ImageSets" / "Segmentation" / "val.txt").unlink()
    with pytest.raises(UserError, match="needs named splits train and val"):
        evaluate_run(tiny_run, "linear", data)
