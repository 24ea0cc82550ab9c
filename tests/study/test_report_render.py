"""The report renders in headless Chromium (runs whenever Chromium is installed; CI installs it)."""

import shutil
import subprocess

import pandas as pd
import pytest
from PIL import Image

from dense_au.study.report import write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def fake_table(n=6):
    rows = []
    for i in range(n):
        for pretrain in ("single", "multi"):
            row = {"run_id": f"{pretrain}-{i}", "config": f"{pretrain}{i}", "pretrain": pretrain, "seed": 0,
                   "strategy": ["geometric", "feature", "random"][i % 3], "linear_top1": 0.1 + 0.05 * i,
                   "knn_top1": 0.1 + 0.03 * (i % 4), "segmentation_miou": 0.2 + 0.01 * i}
            for layer in ("backbone", "projection"):
                for level in ("instance", "dense"):
                    row[f"{layer}.{level}_alignment"] = 1.0 - 0.1 * i
                    row[f"{layer}.{level}_uniformity"] = -2.0 - 0.1 * ((i * 7) % 5)
                    row[f"{layer}.{level}_rankme"] = 10.0 + i
            rows.append(row)
    return pd.DataFrame(rows)


def test_report_files_agree(tmp_path):
    summary = write_report(tmp_path, "test", fake_table(), ["linear", "knn", "segmentation"])
    assert summary["n_models"] == 12 and len(summary["correlation"]) == 2 * 3 * 4
    text = (tmp_path / "report.html").read_text()
    assert "data:image/png;base64," in text and "ρ_AU" in text and "not the BMVC 2022" in text
    assert (tmp_path / "figures" / "rho_au.pdf").is_file()


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_report_renders_in_headless_chromium(tmp_path):
    write_report(tmp_path, "test", fake_table(), ["linear", "knn", "segmentation"])
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1200,1600",
                    (tmp_path / "report.html").as_uri()], check=True, capture_output=True, timeout=120)
    img = Image.open(shot).convert("L")
    assert img.size == (1200, 1600)
    colours = img.getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 50  # text and figures drew, not a blank page
