"""View geometry: hand-computed crops and flips, round trips, and pixels that encode positions."""

import pytest
import torch

from dense_au.views import (View, ViewSampler, map_cells, match_cells, resample, source_to_view,
                            view_to_source, warp_masks)


def _view(boxes, flipped, size=8):
    boxes = torch.tensor(boxes, dtype=torch.float32)
    return View(torch.zeros(len(boxes), 3, size, size), boxes, torch.tensor(flipped))


def coordinate_image(h, w):
    """Channels 0 and 1 hold the continuous x and y of each pixel centre: i + 0.5."""
    y, x = torch.meshgrid(torch.arange(h) + 0.5, torch.arange(w) + 0.5, indexing="ij")
    return torch.stack([x, y, torch.zeros_like(x)])[None].float()


def test_hand_computed_crop_and_flip():
    img = torch.arange(16.0).reshape(1, 1, 4, 4)  # value = 4 * row + col
    crop = resample(img, torch.tensor([[2.0, 0.0, 4.0, 2.0]]), torch.tensor([False]), 2)
    assert torch.equal(crop[0, 0], torch.tensor([[2.0, 3.0], [6.0, 7.0]]))
    flip = resample(img, torch.tensor([[2.0, 0.0, 4.0, 2.0]]), torch.tensor([True]), 2)
    assert torch.equal(flip[0, 0], torch.tensor([[3.0, 2.0], [7.0, 6.0]]))


def test_view_points_map_to_hand_computed_source_points():
    v = _view([[10.0, 20.0, 30.0, 60.0]], [False])
    pts = torch.tensor([[[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]]], dtype=torch.float64)
    assert torch.allclose(view_to_source(v, pts), torch.tensor([[[10.0, 20.0], [20.0, 40.0], [30.0, 60.0]]],
                                                               dtype=torch.float64))
    vf = _view([[10.0, 20.0, 30.0, 60.0]], [True])
    assert torch.allclose(view_to_source(vf, pts)[0, 0], torch.tensor([30.0, 20.0], dtype=torch.float64))


def test_round_trip_view1_source_view2_source():
    g = torch.Generator().manual_seed(0)
    v1, v2 = ViewSampler(16, photometric=False, generator=g)(torch.rand(32, 3, 40, 50))
    pts = torch.rand(32, 20, 2, generator=g).double()
    src = view_to_source(v1, pts)
    in_v2 = source_to_view(v2, src)
    assert torch.allclose(view_to_source(v2, in_v2), src, atol=1e-9)
    assert torch.allclose(source_to_view(v1, src), pts, atol=1e-9)


def test_identity_crop_gives_identity_matches():
    v = _view([[0.0, 0.0, 32.0, 32.0]] * 2, [False, False])
    idx, valid = match_cells(v, v, (4, 4))
    assert valid.all() and torch.equal(idx, torch.arange(16).expand(2, -1))


def test_flip_reverses_columns():
    v1 = _view([[0.0, 0.0, 32.0, 32.0]], [False])
    v2 = _view([[0.0, 0.0, 32.0, 32.0]], [True])
    idx, valid = match_cells(v1, v2, (3, 4))
    expected = torch.tensor([r * 4 + (3 - c) for r in range(3) for c in range(4)])
    assert valid.all() and torch.equal(idx[0], expected)


def test_disjoint_crops_have_no_valid_cells_and_half_overlap_has_half():
    v1 = _view([[0.0, 0.0, 10.0, 10.0]], [False])
    v2 = _view([[20.0, 0.0, 30.0, 10.0]], [False])
    assert not match_cells(v1, v2, (4, 4))[1].any()
    v3 = _view([[5.0, 0.0, 15.0, 10.0]], [False])
    idx, valid = match_cells(v1, v3, (4, 4))
    assert valid.float().mean() == 0.5
    assert torch.equal(idx[0, 2:4], torch.tensor([0, 1]))  # v1 cells at x=6.25, 8.75


def test_matched_cells_see_the_same_source_point_within_half_a_cell():
    """Pixels encode their own coordinates, so the views themselves show the correspondence."""
    g = torch.Generator().manual_seed(3)
    size, grid = 32, (8, 8)
    img = coordinate_image(48, 64).expand(64, -1, -1, -1).contiguous()
    v1, v2 = ViewSampler(size, scale=(0.3, 1.0), photometric=False, generator=g)(img)
    idx, valid = match_cells(v1, v2, grid)
    assert valid.any()

    def cell_means(view):  # the source point each cell sees, averaged over its pixels
        pooled = torch.nn.functional.avg_pool2d(view.pixels[:, :2], size // grid[0])
        return pooled.flatten(2).transpose(1, 2)  # (B, P, 2)

    p1, p2 = cell_means(v1), cell_means(v2)
    p2_matched = torch.gather(p2, 1, idx[..., None].expand(-1, -1, 2))
    err = (p1 - p2_matched).abs()
    half_cell = torch.stack([(v2.boxes[:, 2] - v2.boxes[:, 0]), (v2.boxes[:, 3] - v2.boxes[:, 1])], -1) / 8 / 2
    assert (err[valid] <= half_cell[:, None].expand_as(err)[valid] + 1e-3).all()


def test_map_cells_agrees_with_direct_point_mapping():
    v1 = _view([[4.0, 2.0, 20.0, 26.0]], [True])
    v2 = _view([[0.0, 0.0, 24.0, 24.0]], [False])
    ab = map_cells(v1, v2, (2, 2))
    # view-1 cell (0, 0) centre at a=b=0.25: flipped -> x = 4 + 0.75*16 = 16, y = 2 + 0.25*24 = 8
    assert torch.allclose(ab[0, 0], torch.tensor([16 / 24, 8 / 24], dtype=torch.float64))


def test_masks_warp_with_the_same_geometry():
    g = torch.Generator().manual_seed(1)
    img = coordinate_image(20, 20)
    masks = (img[:, 0] // 5).long()  # column band ids 0..3
    v = ViewSampler(10, photometric=False, generator=g).view(img.expand(4, -1, -1, -1).contiguous())
    warped = warp_masks(masks.expand(4, -1, -1).contiguous(), v)
    assert warped.dtype == torch.long
    # each output pixel's band equals the band of the x coordinate the view pixel encodes
    assert (warped == (v.pixels[:, 0] // 5).long()).float().mean() > 0.97


@pytest.mark.parametrize("scale", [(0.2, 1.0), (0.05, 0.1)])
def test_sampled_boxes_respect_scale_and_stay_inside(scale):
    s = ViewSampler(16, scale=scale, photometric=False, generator=torch.Generator().manual_seed(0))
    boxes = s.sample_boxes(2000, 30, 40)
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]) / 1200
    assert (boxes[:, :2] >= 0).all() and (boxes[:, 2] <= 40).all() and (boxes[:, 3] <= 30).all()
    assert area.max() <= scale[1] + 1e-6 and area.min() >= scale[0] * 0.5


def test_same_seed_same_views():
    imgs = torch.rand(4, 3, 24, 24)
    a = ViewSampler(16, generator=torch.Generator().manual_seed(7))(imgs)
    b = ViewSampler(16, generator=torch.Generator().manual_seed(7))(imgs)
    assert torch.equal(a[0].pixels, b[0].pixels) and torch.equal(a[1].boxes, b[1].boxes)
    assert a[0].pixels.shape == (4, 3, 16, 16) and a[0].flipped.dtype == torch.bool
