"""The catalogue of bad inputs: each gets a clear message (what, where, what was expected);
from the CLI, exit code 2 and no traceback. docs/RELIABILITY.md lists the same ids."""

import shutil
import sys

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

from dense_au.cli import main
from dense_au.data.layouts import write_mask
from dense_au.errors import UserError
from dense_au.metrics import alignment, dense_alignment, uniformity


def cli(args, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["dense-au", *map(str, args)])
    with pytest.raises(SystemExit) as exc:
        main()
    out = capsys.readouterr()
    return exc.value.code, out.out + out.err


@pytest.fixture
def ws(tmp_path, single_dir, tiny_run_dir):
    """A workspace of bad files, built on demand by name."""
    (tmp_path / "empty").mkdir()
    img = tmp_path / "corrupt" / "a"
    img.mkdir(parents=True)
    (img / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\ngarbage")
    voc = tmp_path / "voc"
    (voc / "ImageSets" / "Segmentation").mkdir(parents=True)
    (voc / "JPEGImages").mkdir()
    (voc / "SegmentationClass").mkdir()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(voc / "JPEGImages" / "x.jpg")
    (voc / "ImageSets" / "Segmentation" / "train.txt").write_text("x\n")
    for name, mask in {"size": np.zeros((4, 8), np.uint8), "ids": np.full((8, 8), 30, np.uint8)}.items():
        d = tmp_path / f"voc_{name}"
        shutil.copytree(voc, d)
        write_mask(d / "SegmentationClass" / "x.png", mask)
    spec = tmp_path / "empty_grid.yaml"
    spec.write_text("datasets: {s: {kind: single}}\npretrain: [s]\ngrid: {}\n")
    other = tmp_path / "other_arch"
    shutil.copytree(tiny_run_dir, other)
    cfg = yaml.safe_load((other / "config.yaml").read_text())
    cfg["model"]["backbone"]["width"] = 0.25
    (other / "config.yaml").write_text(yaml.safe_dump(cfg))
    corrupt_run = tmp_path / "corrupt_run"
    shutil.copytree(tiny_run_dir, corrupt_run)
    for ck in (corrupt_run / "checkpoints").glob("*.pt"):
        ck.write_bytes(b"not a checkpoint")
    no_ckpt = tmp_path / "no_ckpt"
    shutil.copytree(tiny_run_dir, no_ckpt)
    shutil.rmtree(no_ckpt / "checkpoints")
    return {"tmp": tmp_path, "single": single_dir, "run": tiny_run_dir}


@pytest.fixture
def tiny_run_dir(tiny_run):
    return tiny_run


QUICK = "configs/train/quick.yaml"

CLI_CASES = {
    "config-typo": (["train", QUICK, "--out", "{tmp}/r", "--set", "optim.lrr=0.1"], "Did you mean 'optim.lr'"),
    "config-wrong-type": (["train", QUICK, "--out", "{tmp}/r", "--set", "batch_size=big"], "'batch_size' must be int"),
    "config-bad-choice": (["train", QUICK, "--out", "{tmp}/r", "--set", "optim.name=adam"], "must be one of 'sgd', 'adamw'"),
    "config-missing-file": (["train", "{tmp}/none.yaml", "--out", "{tmp}/r"], "none.yaml does not exist"),
    "dense-grid-too-small": (["train", QUICK, "--out", "{tmp}/r", "--set", "views.size=16"],
                             "views.size 16 gives a 2x2 dense grid"),
    "override-syntax": (["train", QUICK, "--out", "{tmp}/r", "--set", "steps"], "must look like section.key=value"),
    "data-missing-dir": (["data", "show", "{tmp}/nowhere"], "nowhere: dataset directory does not exist"),
    "data-empty-dir": (["data", "show", "{tmp}/empty", "--layout", "folder"], "empty: no images found"),
    "corrupt-image": (["data", "show", "{tmp}/corrupt", "--layout", "imagefolder"], "bad.png: not a readable image"),
    "mask-wrong-size": (["data", "show", "{tmp}/voc_size", "--layout", "voc"], "mask is 8x4 but its image is 8x8"),
    "mask-ids-out-of-range": (["data", "show", "{tmp}/voc_ids", "--layout", "voc"], "mask ids [30] out of range"),
    "missing-split-file": (["data", "show", "{tmp}/voc", "--layout", "voc", "--split", "val"], "val.txt: split file missing"),
    "unknown-layout": (["data", "show", "{tmp}/voc", "--layout", "cityscapes"], "unknown dataset layout 'cityscapes'"),
    "unknown-kind": (["data", "synth", "--kind", "many", "--out", "{tmp}/s"], "unknown dataset kind 'many'"),
    "unknown-strategy": (["views", "--data", "{single}", "--strategy", "nearest"], "unknown positive-pair strategy 'nearest'"),
    "study-empty-grid": (["study", "--spec", "{tmp}/empty_grid.yaml", "--out", "{tmp}/st"], "'grid' is empty"),
    "study-unknown-profile": (["study", "--profile", "huge", "--out", "{tmp}/st"], "unknown study profile 'huge'"),
    "checkpoint-other-architecture": (["measure", "{tmp}/other_arch", "--data", "{single}"],
                                      "checkpoint was made for a different architecture"),
    "checkpoint-corrupted": (["measure", "{tmp}/corrupt_run", "--data", "{single}"], "corrupted checkpoint"),
    "run-without-checkpoint": (["evaluate", "{tmp}/no_ckpt", "--task", "linear", "--data", "{single}"],
                               "no checkpoint found"),
    "evaluate-unknown-task": (["evaluate", "{run}", "--task", "detection", "--data", "{single}"], "unknown task 'detection'"),
    "evaluate-unknown-baseline": (["evaluate", "{run}", "--task", "linear", "--data", "{single}", "--baseline", "imagenet"],
                                  "unknown baseline 'imagenet'"),
}


@pytest.mark.parametrize("case", sorted(CLI_CASES))
def test_cli_bad_input(case, ws, capsys, monkeypatch):
    args, fragment = CLI_CASES[case]
    code, text = cli([a.format(**ws) for a in args], capsys, monkeypatch)
    assert code == 2, text
    assert fragment in text.replace("\n", " ") and "Traceback" not in text


API_CASES = {
    "uniformity-one-point": (lambda: uniformity(torch.randn(1, 8)), "need at least 2"),
    "uniformity-nan": (lambda: uniformity(torch.tensor([[float("nan"), 1.0], [1.0, 0.0]])), "NaN or infinite"),
    "uniformity-zero-vector": (lambda: uniformity(torch.tensor([[0.0, 0.0], [1.0, 0.0]])), "zero vectors"),
    "alignment-mismatched-shapes": (lambda: alignment(torch.randn(3, 4), torch.randn(3, 5)), "same shape"),
    "dense-alignment-empty-valid": (lambda: dense_alignment(torch.randn(1, 2, 2, 2), torch.randn(1, 2, 2, 2),
                                                            torch.zeros(1, 4, dtype=torch.long),
                                                            torch.zeros(1, 4, dtype=torch.bool)), "valid mask is empty"),
    "dense-alignment-bad-map": (lambda: dense_alignment(torch.randn(2, 4), torch.randn(2, 4),
                                                        torch.zeros(1, 4, dtype=torch.long),
                                                        torch.ones(1, 4, dtype=torch.bool)), "(B, D, h, w) feature map"),
}


@pytest.mark.parametrize("case", sorted(API_CASES))
def test_api_bad_input(case):
    call, fragment = API_CASES[case]
    with pytest.raises(UserError) as err:
        call()
    assert fragment in str(err.value) and isinstance(err.value, ValueError)


def test_catalogue_has_at_least_twenty_entries():
    assert len(CLI_CASES) + len(API_CASES) >= 20
