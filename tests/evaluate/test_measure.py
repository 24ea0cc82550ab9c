"""`dense-au measure` on a tiny trained run: every metric present, finite, and consistent."""

import json
import math

import pytest
import torch

from dense_au.evaluate.measure import extract_pairs, feature_matches, measure_run
from dense_au.metrics import dense_alignment
from dense_au.train import load_trained


def test_measure_reports_every_metric_for_both_layers(tiny_run, single_dir):
    res = measure_run(tiny_run, single_dir, "val")
    assert res["n_images"] == 20 and res["n_cells"] == 20 * 16
    for layer in ("backbone", "projection"):
        m = res[layer]
        for key in ("instance_alignment", "instance_uniformity", "dense_alignment", "dense_alignment_feature",
                    "dense_uniformity", "dense_uniformity_intra", "dense_rankme", "instance_nesum"):
            assert math.isfinite(m[key]), (layer, key)
        assert 0 <= m["dense_alignment"] <= 4 and m["dense_uniformity"] <= 0
        n = res["n_cells"]
        assert m["dense_uniformity"] >= -4 * n / (n - 1) - 1e-6  # the finite-N lower bound at t = 2
    assert 0 <= res["feature_matching"]["within_one"] <= 1 and 0 < res["valid_fraction"] <= 1


def test_feature_matched_alignment_is_optimistic(tiny_run, single_dir):
    """On the matched features argmax cosine is min distance, so on the same cells it
    lower-bounds the alignment under any other matching, the geometric one included."""
    from dense_au.data import load_split

    model, cfg = load_trained(tiny_run)
    feats = extract_pairs(model, load_split(single_dir, "val", 32), cfg.views)
    m1, m2 = feats.backbone
    feat_idx = feature_matches(m1, m2)
    optimistic = dense_alignment(m1, m2, feat_idx, feats.geo_valid)
    assert optimistic <= dense_alignment(m1, m2, feats.geo_idx, feats.geo_valid) + 1e-6
    shuffled = torch.randint(m2.shape[2] * m2.shape[3], feat_idx.shape, generator=torch.Generator().manual_seed(0))
    assert optimistic <= dense_alignment(m1, m2, shuffled, feats.geo_valid) + 1e-6


def test_measurement_is_deterministic(tiny_run, single_dir):
    assert measure_run(tiny_run, single_dir, "val", limit=8) == measure_run(tiny_run, single_dir, "val", limit=8)


def test_measure_cli_writes_json(tiny_run, single_dir, capsys, monkeypatch):
    from tests.test_cli import run_cli

    code, _ = run_cli(["measure", tiny_run, "--data", single_dir, "--limit", 6], capsys, monkeypatch)
    saved = json.loads((tiny_run / "measure.json").read_text())
    assert code == 0 and saved["n_images"] == 6 and "pairs" in saved
