"""The command line end to end: outputs written, user mistakes as one line with exit code 2."""

import subprocess
import sys

import pytest
from PIL import Image

from dense_au.cli import main


def run_cli(args, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["dense-au", *map(str, args)])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out + out.err


def test_synth_then_show_writes_a_grid(tmp_path, capsys, monkeypatch):
    code, _ = run_cli(["data", "synth", "--kind", "multi", "--out", tmp_path / "m", "--n-train", 8,
                       "--n-val", 2, "--n-test", 2, "--size", 32, "--workers", 1], capsys, monkeypatch)
    assert code == 0 and (tmp_path / "m" / "config.yaml").is_file()
    code, _ = run_cli(["data", "show", tmp_path / "m", "--out", tmp_path / "g.png", "--n", 6], capsys, monkeypatch)
    assert code == 0 and Image.open(tmp_path / "g.png").size[0] > 200


@pytest.mark.parametrize("strategy", ["geometric", "geometric-radius", "feature", "index", "random"])
def test_views_draws_every_strategy(tmp_path, capsys, monkeypatch, single_dir, strategy):
    code, text = run_cli(["views", "--data", single_dir, "--strategy", strategy, "--out",
                          tmp_path / "v.png", "--pairs", 2, "--size", 32], capsys, monkeypatch)
    assert code == 0 and (tmp_path / "v.png").is_file() and "within one cell" in text


def test_train_command_with_overrides(tmp_path, capsys, monkeypatch, single_dir):
    code, text = run_cli(["train", "configs/train/quick.yaml", "--out", tmp_path / "r",
                          "--set", f"data.path={single_dir}", "--set", "steps=2", "--set", "batch_size=8",
                          "--set", "data.size=32", "--set", "views.size=32", "--set", "model.queue_size=16",
                          "--set", "model.backbone.width=0.125"], capsys, monkeypatch)
    assert code == 0, text
    assert (tmp_path / "r" / "manifest.json").is_file() and (tmp_path / "r" / "config.yaml").is_file()


@pytest.mark.parametrize("args, fragment", [
    (["data", "synth", "--kind", "many", "--out", "{tmp}/x"], "unknown dataset kind 'many'"),
    (["data", "show", "{tmp}/missing"], "dataset directory does not exist"),
    (["train", "configs/train/quick.yaml", "--out", "{tmp}/r", "--set", "loss.tua=0.1"],
     "Did you mean 'loss.tau'"),
    (["train", "configs/train/quick.yaml", "--out", "{tmp}/r", "--set", "steps=many"], "'steps' must be int"),
    (["train", "{tmp}/nope.yaml", "--out", "{tmp}/r"], "does not exist"),
    (["views", "--data", "{tmp}", "--strategy", "nearest"], "unknown positive-pair strategy"),
])
def test_user_mistakes_are_one_clear_line(tmp_path, capsys, monkeypatch, args, fragment):
    code, text = run_cli([a.replace("{tmp}", str(tmp_path)) for a in args], capsys, monkeypatch)
    assert code == 2 and fragment in text and "Traceback" not in text


def test_module_entry_point_and_exit_code_without_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "dense_au", "data", "show", str(tmp_path / "none")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "error:" in proc.stderr and "Traceback" not in proc.stderr
