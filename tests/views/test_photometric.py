import torch

from dense_au.views import PhotometricConfig
from dense_au.views.photometric import _rotate_hue, gaussian_blur, photometric


def test_zero_strength_jitter_and_no_blur_is_identity():
    x = torch.rand(4, 3, 8, 8)
    cfg = PhotometricConfig(jitter_p=1.0, brightness=0, contrast=0, saturation=0, hue=0,
                            grayscale_p=0, blur_p=0)
    assert torch.allclose(photometric(x, cfg, torch.Generator().manual_seed(0)), x, atol=1e-5)


def test_grayscale_makes_channels_equal_and_output_stays_in_range():
    x = torch.rand(6, 3, 8, 8)
    y = photometric(x, PhotometricConfig(grayscale_p=1.0, blur_p=0.0), torch.Generator().manual_seed(0))
    assert torch.allclose(y[:, 0], y[:, 1], atol=1e-6) and y.min() >= 0 and y.max() <= 1


def test_blur_preserves_constant_images_and_mean():
    x = torch.full((2, 3, 10, 10), 0.3)
    assert torch.allclose(gaussian_blur(x, (0.5, 1.5), 1.0, None), x, atol=1e-6)
    noise = torch.rand(2, 3, 10, 10)
    blurred = gaussian_blur(noise, (1.0, 1.5), 1.0, None)
    assert blurred.std() < noise.std()


def test_hue_rotation_keeps_luma_and_full_turn_is_identity():
    x = torch.rand(3, 3, 4, 4)
    luma = torch.tensor([0.299, 0.587, 0.114])
    y = _rotate_hue(x, torch.tensor([0.5, 1.0, 2.0]))
    assert torch.allclose((x * luma[:, None, None]).sum(1), (y * luma[:, None, None]).sum(1), atol=1e-5)
    assert torch.allclose(_rotate_hue(x, torch.full((3,), 2 * torch.pi)), x, atol=1e-5)
