"""Property-based tests (hypothesis): metric bounds, invariances and agreement with the
reference; view geometry round trips, validity and agreement with a direct point mapping."""

import math

import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from dense_au.metrics import alignment, dense_uniformity, uniformity
from dense_au.views import View, match_cells, source_to_view, view_to_source

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)  # the same examples in every CI run


@st.composite
def points(draw, min_n=2, max_n=40, max_d=8):
    n, d = draw(st.integers(min_n, max_n)), draw(st.integers(1, max_d))
    seed = draw(st.integers(0, 2 ** 31 - 1))
    x = torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    if d == 1:
        x = x.sign() * (x.abs() + 0.1)  # no zero vectors
    return x


@SETTINGS
@given(points(), st.floats(0.5, 5.0), st.integers(1, 50))
def test_uniformity_agrees_with_pdist_and_stays_in_bounds(x, t, block):
    n = len(x)
    ref = torch.pdist(F.normalize(x, dim=1)).pow(2).mul(-t).exp().mean().log().item()
    value = uniformity(x, t, block=block).item()
    assert math.isclose(value, ref, rel_tol=1e-4, abs_tol=1e-5)
    # <= 0 exactly; computed in float32, <x, x> = 1 + O(1e-7) is scaled by 2t, hence 1e-5 as above
    assert -2 * t * n / (n - 1) - 1e-4 <= value <= 1e-5


@SETTINGS
@given(points(min_n=3, max_d=6), st.integers(0, 2 ** 31 - 1))
def test_uniformity_is_invariant_to_rotation_scaling_and_order(x, seed):
    g = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(torch.randn(x.shape[1], x.shape[1], generator=g, dtype=torch.float64))
    scale = torch.rand(len(x), 1, generator=g, dtype=torch.float64) * 5 + 0.1
    perm = torch.randperm(len(x), generator=g)
    base = uniformity(x).item()
    assert math.isclose(uniformity((x @ q) * scale).item(), base, rel_tol=1e-4, abs_tol=1e-5)
    assert math.isclose(uniformity(x[perm]).item(), base, rel_tol=1e-4, abs_tol=1e-5)


@SETTINGS
@given(points(min_n=1), st.floats(0.5, 3.0))
def test_alignment_bounds_and_symmetry(x, alpha):
    y = torch.roll(x, 1, 0)
    a = alignment(x, y, alpha).item()
    assert -1e-9 <= a <= 2 ** alpha + 1e-6
    assert math.isclose(a, alignment(y, x, alpha).item(), rel_tol=1e-5, abs_tol=1e-7)


@SETTINGS
@given(st.integers(2, 4), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2 ** 31 - 1))
def test_dense_inter_uniformity_agrees_with_grouped_uniformity(b, d, h, seed):
    f = torch.randn(b, d, h, h, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    f = f + 0.01 * f.sign()
    cells = f.flatten(2).transpose(1, 2).reshape(-1, d)
    groups = torch.arange(b).repeat_interleave(h * h)
    assert math.isclose(dense_uniformity(f, pairs="inter").item(), uniformity(cells, groups=groups).item(),
                        rel_tol=1e-4, abs_tol=1e-5)


@st.composite
def views(draw, b=6, height=30.0, width=40.0):
    seed = draw(st.integers(0, 2 ** 31 - 1))
    g = torch.Generator().manual_seed(seed)
    w = torch.rand(b, generator=g) * (width - 2) + 2
    h = torch.rand(b, generator=g) * (height - 2) + 2
    x0, y0 = torch.rand(b, generator=g) * (width - w), torch.rand(b, generator=g) * (height - h)
    flipped = torch.rand(b, generator=g) < 0.5
    return View(torch.zeros(b, 3, 8, 8), torch.stack([x0, y0, x0 + w, y0 + h], 1), flipped)


@SETTINGS
@given(views(), views(), st.integers(1, 6), st.integers(1, 6))
def test_matching_agrees_with_a_direct_point_mapping(v1, v2, gh, gw):
    idx, valid = match_cells(v1, v2, (gh, gw))
    for b in range(len(v1.boxes)):
        for r in range(gh):
            for c in range(gw):
                # the cell centre in view-1 pixels, mapped by hand: flip, then crop box, then view 2
                a = (c + 0.5) / gw
                a = 1 - a if v1.flipped[b] else a
                x = float(v1.boxes[b, 0]) + a * float(v1.boxes[b, 2] - v1.boxes[b, 0])
                y = float(v1.boxes[b, 1]) + (r + 0.5) / gh * float(v1.boxes[b, 3] - v1.boxes[b, 1])
                a2 = (x - float(v2.boxes[b, 0])) / float(v2.boxes[b, 2] - v2.boxes[b, 0])
                b2 = (y - float(v2.boxes[b, 1])) / float(v2.boxes[b, 3] - v2.boxes[b, 1])
                a2 = 1 - a2 if v2.flipped[b] else a2
                inside = 0 <= a2 < 1 and 0 <= b2 < 1
                k = r * gw + c
                if abs(a2 * gw - round(a2 * gw)) < 1e-6 or abs(b2 * gh - round(b2 * gh)) < 1e-6:
                    continue  # exactly on a cell border: either side is right
                assert bool(valid[b, k]) == inside
                if inside:
                    assert int(idx[b, k]) == math.floor(b2 * gh) * gw + math.floor(a2 * gw)


@SETTINGS
@given(views(), views(), st.integers(0, 2 ** 31 - 1))
def test_round_trips_and_self_matching(v1, v2, seed):
    pts = torch.rand(len(v1.boxes), 10, 2, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    src = view_to_source(v1, pts)
    assert torch.allclose(source_to_view(v1, src), pts, atol=1e-9)
    assert torch.allclose(view_to_source(v2, source_to_view(v2, src)), src, atol=1e-8)
    idx, valid = match_cells(v1, v1, (3, 5))
    assert valid.all() and torch.equal(idx, torch.arange(15).expand(len(v1.boxes), -1))
    # points inside the source image and inside both boxes are valid in both directions
    assert (src[..., 0] >= v1.boxes[:, None, 0].double() - 1e-9).all()
