"""The training step's parts: keys come from the momentum encoder, lambda's schedule."""

import torch

from dense_au.models import BackboneConfig, DenseContrastiveModel, ModelConfig
from dense_au.train.config import LossConfig
from dense_au.train.step import dense_weight, encode
from dense_au.views import View


def test_keys_come_from_the_momentum_encoder_not_the_query_encoder():
    # momentum 1: the key encoder keeps its weights, so after the query moves the two differ
    model = DenseContrastiveModel(ModelConfig(BackboneConfig(width=0.125), momentum=1.0, negatives="batch"))
    with torch.no_grad():
        for p in model.query.parameters():
            p.add_(0.1 * torch.randn_like(p))
    x = torch.rand(4, 3, 32, 32)
    view = View(x, torch.tensor([[0.0, 0, 32, 32]] * 4), torch.zeros(4, dtype=torch.bool))
    q, k = encode(model, view, view, bf16=False)
    with torch.no_grad():
        from_key, from_query = model.key(x).global_z, model.query(x).global_z
    torch.testing.assert_close(k.global_z, from_key)
    assert not torch.allclose(k.global_z, from_query, atol=1e-3)
    torch.testing.assert_close(q.global_z.detach(), from_query)


def test_dense_weight_warms_up_then_ramps_linearly():
    cfg = LossConfig(dense_weight=0.5, dense_warmup_steps=2, dense_ramp_steps=4)
    assert [dense_weight(cfg, s) for s in range(7)] == [0.0, 0.0, 0.125, 0.25, 0.375, 0.5, 0.5]
