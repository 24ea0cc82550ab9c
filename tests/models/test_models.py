import pytest
import torch
import torch.nn.functional as F

from dense_au.models import Backbone, BackboneConfig, DenseContrastiveModel, KeyQueue, ModelConfig
from dense_au.models.heads import DenseHead


def test_queue_pointer_wraps_and_keeps_newest():
    q = KeyQueue(5, 2)
    keys = F.normalize(torch.arange(1.0, 15.0).reshape(7, 2), dim=1)
    q.push(keys[:3])
    assert q.ptr == 3 and torch.equal(q.keys[:3], keys[:3])
    q.push(keys[3:7])  # 4 more: fills 3, 4 then wraps to 0, 1
    assert q.ptr == 2
    assert torch.equal(q.keys, torch.stack([keys[5], keys[6], keys[2], keys[3], keys[4]]))
    q.push(F.normalize(torch.ones(9, 2), dim=1))  # more than fits: all slots newest
    assert q.ptr == 0 and torch.allclose(q.keys, F.normalize(torch.ones(5, 2), dim=1))


@pytest.mark.parametrize("cfg, grid, channels", [
    (BackboneConfig(width=0.125), (4, 4), 64),
    (BackboneConfig(width=0.125, last_stride=2), (2, 2), 64),
    (BackboneConfig(arch="resnet50", width=0.125, stem_kernel=7, maxpool=True, last_stride=2), (1, 1), 256),
    (BackboneConfig(arch="resnet34", width=0.125, stem_stride=1), (8, 8), 64),
])
def test_backbone_shapes_match_declared_grid(cfg, grid, channels):
    b = Backbone(cfg)
    out = b(torch.randn(2, 3, 32, 32))
    assert out.shape == (2, channels, *grid) and b.grid(32) == grid and b.out_channels == channels


def test_momentum_update_is_an_exponential_moving_average():
    model = DenseContrastiveModel(ModelConfig(BackboneConfig(width=0.125), momentum=0.9, queue_size=8))
    with torch.no_grad():
        for p in model.query.parameters():
            p.add_(1.0)
    before = [p.clone() for p in model.key.parameters()]
    model.momentum_update()
    for k0, k1, q in zip(before, model.key.parameters(), model.query.parameters()):
        assert torch.allclose(k1, 0.9 * k0 + 0.1 * q)
    assert not any(p.requires_grad for p in model.key.parameters())


def test_heads_output_dimensions():
    model = DenseContrastiveModel(ModelConfig(BackboneConfig(width=0.125), proj_dim=16, negatives="batch"))
    enc = model.query(torch.randn(2, 3, 32, 32))
    assert enc.global_z.shape == (2, 16) and enc.dense_z.shape == (2, 16, 4, 4)
    assert model.queues() == (None, None)


def test_dense_head_is_its_1x1_convs():
    head = DenseHead(8, 6, 5)
    fmap = torch.randn(3, 8, 4, 5)
    torch.testing.assert_close(head(fmap), head.mlp(fmap))  # nn.Conv2d's own forward as reference
