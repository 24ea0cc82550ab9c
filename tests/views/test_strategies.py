"""Each positive-pair strategy's defining property."""

import pytest
import torch
import torch.nn.functional as F

from dense_au.errors import UserError
from dense_au.views import STRATEGIES, MatchInputs, View, ViewSampler, get_strategy, match_agreement, match_cells
from dense_au.views.correspondence import cell_centres, view_to_source

GRID = (4, 4)


@pytest.fixture
def views():
    g = torch.Generator().manual_seed(0)
    return ViewSampler(16, scale=(0.3, 1.0), photometric=False, generator=g)(torch.rand(8, 3, 32, 32))


def test_geometric_is_one_hot_of_match_cells(views):
    pos = get_strategy("geometric")(MatchInputs(*views, GRID))
    idx, valid = match_cells(*views, GRID)
    assert torch.equal(pos.valid, valid)
    assert (pos.mask.sum(-1) == valid.long()).all()
    assert torch.equal(pos.idx[valid], idx[valid])


def test_geometric_radius_matches_a_slow_loop_and_contains_geometric(views):
    v1, v2 = views
    pos = get_strategy("geometric-radius")(MatchInputs(v1, v2, GRID, radius=0.7))
    c = cell_centres(GRID)
    p1, p2 = view_to_source(v1, c.expand(8, -1, -1)), view_to_source(v2, c.expand(8, -1, -1))
    for b in range(8):
        diag = lambda v: (((v.boxes[b, 2] - v.boxes[b, 0]) / 4) ** 2 + ((v.boxes[b, 3] - v.boxes[b, 1]) / 4) ** 2) ** 0.5
        thr = 0.7 * max(diag(v1), diag(v2))
        for i in range(16):
            for j in range(16):
                d = ((p1[b, i] - p2[b, j]) ** 2).sum().sqrt()
                assert bool(pos.mask[b, i, j]) == bool(d < thr)
    geo = get_strategy("geometric")(MatchInputs(v1, v2, GRID)).mask
    assert pos.mask.sum() >= geo.sum() * 0.5  # the containing cell is usually within the radius


def test_feature_picks_the_most_similar_cell():
    f1 = torch.randn(2, 5, 2, 2)
    perm = torch.tensor([2, 0, 3, 1])
    f2 = f1.flatten(2)[:, :, perm].reshape(2, 5, 2, 2) * 3.0  # scale does not matter for cosine
    v = View(torch.zeros(2, 3, 8, 8), torch.tensor([[0.0, 0, 8, 8]] * 2), torch.tensor([False, False]))
    pos = get_strategy("feature")(MatchInputs(v, v, (2, 2), f1, f2))
    inverse = torch.argsort(perm)
    assert torch.equal(pos.idx, inverse.expand(2, -1)) and pos.valid.all()
    with pytest.raises(ValueError, match="feature maps"):
        get_strategy("feature")(MatchInputs(v, v, (2, 2)))


def test_feature_matches_a_per_cell_cosine_loop():
    g = torch.Generator().manual_seed(5)
    f1, f2 = torch.randn(2, 5, 3, 3, generator=g), torch.randn(2, 5, 3, 3, generator=g)
    f2 = f2 * torch.rand(2, 1, 3, 3, generator=g) * 10  # cell norms differ: cosine, not dot product
    v = View(torch.zeros(2, 3, 8, 8), torch.tensor([[0.0, 0, 8, 8]] * 2), torch.tensor([False, False]))
    pos = get_strategy("feature")(MatchInputs(v, v, (3, 3), f1, f2))
    a, b = f1.flatten(2), f2.flatten(2)
    for n in range(2):
        for i in range(9):
            cos = [F.cosine_similarity(a[n, :, i], b[n, :, j], dim=0) for j in range(9)]
            assert pos.idx[n, i] == int(torch.stack(cos).argmax())


def test_index_ignores_geometry(views):
    pos = get_strategy("index")(MatchInputs(*views, GRID))
    assert torch.equal(pos.idx, torch.arange(16).expand(8, -1)) and pos.valid.all()


def test_random_is_uniform_and_seeded(views):
    a = get_strategy("random")(MatchInputs(*views, GRID, generator=torch.Generator().manual_seed(1)))
    b = get_strategy("random")(MatchInputs(*views, GRID, generator=torch.Generator().manual_seed(1)))
    assert torch.equal(a.mask, b.mask) and (a.mask.sum(-1) == 1).all()
    big = View(torch.zeros(4000, 3, 8, 8), torch.zeros(4000, 4), torch.zeros(4000, dtype=torch.bool))
    counts = torch.bincount(get_strategy("random")(MatchInputs(big, big, GRID)).idx.flatten(), minlength=16)
    assert (counts.float() / counts.sum() - 1 / 16).abs().max() < 0.01


def test_agreement_counts_exact_and_within_one_cell():
    geo = torch.tensor([[5, 5, 5, 0]])
    pred = torch.tensor([[5, 6, 15, 3]])  # exact, neighbour, two rows away, invalid
    valid = torch.tensor([[True, True, True, False]])
    out = match_agreement(pred, geo, valid, (4, 4))
    assert out == {"exact": 1 / 3, "within_one": 2 / 3, "n": 3}


def test_unknown_strategy_lists_the_valid_ones():
    with pytest.raises(UserError, match="unknown positive-pair strategy 'geo'.*geometric-radius"):
        get_strategy("geo")
    assert set(STRATEGIES) == {"geometric", "geometric-radius", "feature", "index", "random"}
