"""Tests of tryon.evaluation.metrics on constructed cases with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tryon.evaluation.metrics import (
    PSNR_CAP_DB,
    InceptionFeatures,
    RealismMetrics,
    changed_pixels,
    masked_l1,
    preservation_error,
    psnr,
    ssim,
)


def _image(seed: int, shape=(48, 40, 3)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


def test_ssim_identical_is_one_and_drops_with_noise():
    a = _image(0)
    assert ssim(a, a) == pytest.approx(1.0, abs=1e-12)
    smooth = _smooth_set(0, 1, size=48)[0]
    noisy = np.clip(smooth + np.random.default_rng(1).integers(-40, 41, smooth.shape), 0, 255)
    s = ssim(noisy.astype(np.uint8), smooth)
    assert 0.2 < s < 0.9
    assert ssim(255 - a, a) < 0.0  # inverted image is anti-correlated


def test_ssim_matches_skimage():
    metrics = pytest.importorskip("skimage.metrics")
    a = _image(2)
    b = np.clip(a.astype(int) + np.random.default_rng(3).integers(-30, 31, a.shape), 0, 255)
    b = b.astype(np.uint8)
    ref = metrics.structural_similarity(
        a,
        b,
        gaussian_weights=True,
        sigma=1.5,
        use_sample_covariance=False,
        channel_axis=-1,
        data_range=255,
    )
    assert ssim(a, b) == pytest.approx(ref, abs=1e-6)


def test_psnr_identical_is_capped_or_inf_and_known_value():
    a = _image(4)
    assert psnr(a, a) == PSNR_CAP_DB
    assert math.isinf(psnr(a, a, cap=None))
    b = a.copy()
    b[0, 0, 0] = a[0, 0, 0] ^ 1  # one channel of one pixel off by exactly one level
    expected = 10 * math.log10(255.0**2 * a.size)
    assert psnr(b, a, cap=None) == pytest.approx(expected)
    # A uniform offset of 10 levels: MSE 100 -> 28.13 dB.
    c = np.full((16, 16, 3), 100, np.uint8)
    assert psnr(c + 10, c) == pytest.approx(10 * math.log10(255.0**2 / 100.0))


def test_masked_l1_and_preservation_known_values():
    a = np.zeros((8, 8, 3), np.uint8)
    b = a.copy()
    b[:4] = 51  # top half differs by 51 levels = 0.2
    top = np.zeros((8, 8), bool)
    top[:4] = True
    assert masked_l1(b, a, top) == pytest.approx(0.2)
    assert masked_l1(b, a, ~top) == 0.0
    assert masked_l1(b, a, np.zeros((8, 8), bool)) is None
    assert preservation_error(b, a, top) == 0
    assert preservation_error(b, a, ~top) == 51
    assert preservation_error(b, a, np.ones((8, 8), bool)) == 0
    b[7, 7, 2] = 3
    assert preservation_error(b, a, top) == 3
    changed = changed_pixels(b, a, threshold=8)
    assert changed[:4].all() and not changed[4:].any()


def test_metrics_reject_bad_inputs():
    a = _image(5)
    with pytest.raises(ValueError, match="shapes differ"):
        psnr(a, a[:10])
    with pytest.raises(ValueError, match="uint8"):
        ssim(a.astype(np.float32), a)
    with pytest.raises(ValueError, match="mask shape"):
        preservation_error(a, a, np.zeros((3, 3), bool))


@pytest.fixture(scope="module")
def inception():
    return InceptionFeatures(batch_size=8)


def _smooth_set(seed: int, n: int, size=96) -> np.ndarray:
    """Low-frequency colour blobs: a 'natural-ish' image family."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:size, 0:size] / size
    out = []
    for _ in range(n):
        img = np.zeros((size, size, 3))
        for c in range(3):
            fx, fy, ph = rng.uniform(0.5, 2.0), rng.uniform(0.5, 2.0), rng.uniform(0, 6.3)
            img[..., c] = 0.5 + 0.45 * np.sin(2 * np.pi * (fx * xs + fy * ys) + ph)
        out.append((img * 255).astype(np.uint8))
    return np.stack(out)


def test_fid_kid_self_zero_and_different_set_large(inception):
    import torch

    smooth = _smooth_set(0, 6)
    noise = np.random.default_rng(1).integers(0, 256, size=(6, 96, 96, 3), dtype=np.uint8)
    same = RealismMetrics(inception, kid_subsets=10)
    same.update(smooth, real=True)
    same.update(list(smooth), real=False)  # a list of HxWx3 arrays works too
    smooth_feats = same._real[0]
    res = same.compute()
    assert res["n_real"] == res["n_fake"] == 6
    assert abs(res["fid"]) < 1e-2
    # KID's unbiased estimator is slightly negative on a set against itself (the cross term
    # keeps its diagonal); the bias shrinks as 1/n.
    assert -0.15 < res["kid_mean"] <= 0.0

    diff = RealismMetrics(inception, kid_subsets=10)
    diff.update_features(smooth_feats, real=True)
    diff.update(torch.from_numpy(noise).permute(0, 3, 1, 2), real=False)
    res2 = diff.compute()
    assert res2["fid"] > 300.0
    assert res2["kid_mean"] > 0.5
    # The features are the TF-FID Inception's: 2048-d and deterministic.
    assert tuple(smooth_feats.shape) == (6, 2048)
    again = inception(torch.from_numpy(smooth[:2]).permute(0, 3, 1, 2))
    torch.testing.assert_close(again, smooth_feats[:2])


def test_realism_needs_two_images_per_set(inception):
    m = RealismMetrics(inception)
    m.update_features(np.zeros((1, 2048), np.float32), real=True)
    m.update_features(np.zeros((3, 2048), np.float32), real=False)
    with pytest.raises(ValueError, match=">= 2 images"):
        m.compute()
    with pytest.raises(ValueError, match="2048"):
        m.update_features(np.zeros((3, 64), np.float32), real=False)
    with pytest.raises(ValueError, match="uint8"):
        m.update(np.zeros((2, 8, 8, 3), np.float32), real=True)


@pytest.mark.parametrize("n_real, n_fake", [(12, 20), (150, 120)])
def test_frechet_distance_matches_torchmetrics(n_real, n_fake):
    """Low-rank (n < d) and full-rank (n > d) branches agree with torchmetrics' FID."""
    import torch
    from torchmetrics.image.fid import FrechetInceptionDistance

    from tryon.evaluation.metrics import _Precomputed, frechet_distance

    gen = torch.Generator().manual_seed(0)
    d = 64
    real = torch.randn(n_real, d, generator=gen, dtype=torch.float64)
    fake = 0.7 * torch.randn(n_fake, d, generator=gen, dtype=torch.float64) + 0.3
    fid = FrechetInceptionDistance(feature=_Precomputed(d))
    fid.update(real, real=True)
    fid.update(fake, real=False)
    expected = float(fid.compute())
    assert frechet_distance(real, fake) == pytest.approx(expected, rel=1e-6, abs=1e-6)
    assert frechet_distance(real, real) == pytest.approx(0.0, abs=1e-8)
