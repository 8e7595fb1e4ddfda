"""Training examples cut from try-on pairs the way the pipeline cuts photos.

:class:`GarmentCropDataset` turns a pair data set (the procedural world's
:class:`tryon.data.WorldPairDataset` or a real-data folder with the same item keys) into
fixed-size garment crops with :func:`tryon.pipeline.crop.garment_crop_box`, the crop function
inference uses, so the UNet trains on exactly the framing it will see.
:class:`RandomCropDataset` cuts random crops of whole frames for the (fully convolutional) VAE.
"""

from __future__ import annotations

import numpy as np
import torch

from tryon.data.captions import names_two_colours
from tryon.pipeline.conditioning import AGNOSTIC_FILL
from tryon.pipeline.crop import crop_keypoints, crop_resize, garment_crop_box


def to_uint8(image: torch.Tensor) -> np.ndarray:
    """``(3, H, W)`` float in ``[-1, 1]`` -> ``(H, W, 3)`` uint8 (exact for images that came
    from uint8 as ``x / 127.5 - 1``)."""
    array = ((image.float().clamp(-1, 1) + 1.0) * 127.5).round().to(torch.uint8)
    return array.permute(1, 2, 0).numpy()


def to_tensor(image: np.ndarray) -> torch.Tensor:
    """``(H, W, 3)`` uint8 -> ``(3, H, W)`` float32 in ``[-1, 1]``."""
    return torch.from_numpy(np.array(image, dtype=np.uint8)).permute(2, 0, 1).float() / 127.5 - 1.0


def garment_box(item: dict, size: tuple[int, int], margin: float):
    """The pipeline's garment crop box of a pair data set item (its agnostic mask's box with
    ``margin``, shaped for ``size``), as :meth:`tryon.pipeline.TryOnPipeline.prepare` cuts it."""
    mask = item["agnostic_mask"][0].numpy() > 0.5
    keypoints = np.asarray(item["keypoints"], dtype=np.float32)
    return garment_crop_box(mask, keypoints, size, margin=margin)


class TwoColourOversampled(torch.utils.data.Dataset):
    """A world pair data set with more pairs whose caption names two colours.

    The small latent model draws prints with a named second colour worst (the colour-lock
    write-up), and the world draws them for only about a third of its pairs. Item ``i`` is,
    with probability ``share`` (decided by ``(seed, i)``), the first such pair at or after a
    random index (wrapping around); otherwise pair ``i`` itself. Deterministic in
    ``(seed, i)``, so a resumed run sees the same items.

    Args:
        pairs: a data set with ``pair_spec(i).caption`` (:class:`tryon.data.WorldPairDataset`).
        share: probability in ``[0, 1)`` that an item is redrawn.
        seed: non-negative int.
    """

    #: A world has about one such pair in three; a scan this long that finds none means the
    #: data set has (almost) none, which is an error rather than a slow loop.
    MAX_SCAN = 1000

    def __init__(self, pairs, share: float, seed: int = 0):
        if not 0.0 <= share < 1.0:
            raise ValueError(f"share must be in [0, 1), got {share!r}")
        if not hasattr(pairs, "pair_spec"):
            raise TypeError("pairs must have pair_spec(i) (a WorldPairDataset)")
        self.pairs, self.share, self.seed = pairs, float(share), int(seed)

    def __len__(self) -> int:
        return len(self.pairs)

    def source_index(self, index: int) -> int:
        """The index into ``pairs`` that item ``index`` is."""
        index = int(index)
        rng = np.random.default_rng([self.seed, index])
        if rng.random() >= self.share:
            return index
        n = len(self.pairs)
        start = int(rng.integers(n))
        for step in range(min(n, self.MAX_SCAN)):
            candidate = (start + step) % n
            if names_two_colours(self.pairs.pair_spec(candidate).caption):
                return candidate
        raise ValueError(
            f"no pair naming two colours within {min(n, self.MAX_SCAN)} pairs of index {start}"
        )

    def __getitem__(self, index: int) -> dict:
        return self.pairs[self.source_index(index)]


class GarmentCropDataset(torch.utils.data.Dataset):
    """Garment crops of try-on pairs at ``resolution`` x ``resolution``.

    Each item is a dict:
        ``source``, ``target``: ``(3, R, R)`` float32 in ``[-1, 1]`` (person in garment A / B);
        ``mask``: ``(1, R, R)`` float32 0/1, the agnostic mask (1 = region to paint);
        ``garment_mask``: ``(1, R, R)`` float32 0/1, B's changed garment;
        ``keypoints``: ``(17, 3)`` float32 in crop pixels;
        ``caption``: str; ``category``: str; ``index``: int.
    """

    def __init__(self, pairs, resolution: int = 256, margin: float = 0.1):
        if resolution <= 0 or resolution % 8:
            raise ValueError(f"resolution must be a positive multiple of 8, got {resolution}")
        self.pairs, self.resolution, self.margin = pairs, resolution, margin

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, index: int) -> dict:
        item = self.pairs[index]
        size = (self.resolution, self.resolution)
        mask = item["agnostic_mask"][0].numpy() > 0.5
        keypoints = np.asarray(item["keypoints"], dtype=np.float32)
        box = garment_box(item, size, self.margin)
        garment = item["garment_mask"][0].numpy() > 0.5
        return {
            "source": to_tensor(
                crop_resize(to_uint8(item["source"]), box, size, fill=AGNOSTIC_FILL)
            ),
            "target": to_tensor(
                crop_resize(to_uint8(item["target"]), box, size, fill=AGNOSTIC_FILL)
            ),
            "mask": torch.from_numpy(crop_resize(mask, box, size))[None].float(),
            "garment_mask": torch.from_numpy(crop_resize(garment, box, size))[None].float(),
            "keypoints": torch.from_numpy(crop_keypoints(keypoints, box, size)),
            "caption": item["caption"],
            "category": item["category"],
            "index": index,
        }


class RandomCropDataset(torch.utils.data.Dataset):
    """Random ``resolution`` crops of the source and target frames of a pair data set, for
    autoencoder training. Item ``i`` is deterministic: frame ``i % 2`` of pair ``i // 2``, crop
    position drawn from a generator seeded with ``(seed, i)``. Crops are biased towards the
    person (centre of the crop drawn inside the person's keypoint box) since the background is
    easy.

    With ``garment_resolution`` set, the frame is first cut to the pipeline's garment crop
    (the agnostic mask's box with ``margin``, resized to ``garment_resolution`` square, as
    :class:`GarmentCropDataset` and the pipeline cut it) and the random crop is taken from
    that, anywhere: the autoencoder then trains at the scale, and on the content, it encodes
    and decodes at inference, where whole frames show garments at another scale.

    Items: ``{"image": (3, R, R) float32 in [-1, 1], "index": int}``.
    """

    def __init__(
        self,
        pairs,
        resolution: int = 128,
        seed: int = 0,
        garment_resolution: int | None = None,
        margin: float = 0.1,
    ):
        if resolution <= 0 or resolution % 8:
            raise ValueError(f"resolution must be a positive multiple of 8, got {resolution}")
        if garment_resolution is not None and garment_resolution < resolution:
            raise ValueError(
                f"garment_resolution ({garment_resolution}) must be >= resolution ({resolution})"
            )
        self.pairs, self.resolution, self.seed = pairs, resolution, seed
        self.garment_resolution, self.margin = garment_resolution, margin

    def __len__(self) -> int:
        return 2 * len(self.pairs)

    def __getitem__(self, index: int) -> dict:
        item = self.pairs[index // 2]
        image = item["source" if index % 2 == 0 else "target"]
        keypoints = np.asarray(item["keypoints"], dtype=np.float32)
        if self.garment_resolution is not None:
            size = (self.garment_resolution, self.garment_resolution)
            box = garment_box(item, size, self.margin)
            image = to_tensor(crop_resize(to_uint8(image), box, size, fill=AGNOSTIC_FILL))
            keypoints = np.zeros((0, 3), dtype=np.float32)  # the whole crop is garment
        _, height, width = image.shape
        r = self.resolution
        if height < r or width < r:
            raise ValueError(f"frames of {height}x{width} are smaller than the crop size {r}")
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + index)
        visible = keypoints[keypoints[:, 2] > 0.5]
        if len(visible):
            lo = visible[:, :2].min(0)
            hi = visible[:, :2].max(0)
        else:
            lo, hi = np.zeros(2), np.array([width, height], dtype=np.float32)
        u = torch.rand(2, generator=gen).numpy()
        cx, cy = lo + u * (hi - lo)
        x0 = int(np.clip(round(cx - r / 2), 0, width - r))
        y0 = int(np.clip(round(cy - r / 2), 0, height - r))
        return {"image": image[:, y0 : y0 + r, x0 : x0 + r].clone(), "index": index}
