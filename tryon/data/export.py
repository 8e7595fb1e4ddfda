"""Write world pairs to disk in the real-data folder layout (see :mod:`tryon.data.folder`).

For pair ``i`` of a split, images ``<split>_<i:06d>_a`` (garment A) and ``..._b`` (garment B)
are written with their parsing, regions and keypoints; ``captions.json`` describes each
image's changed garment (for A in a "full" pair that wore a top and bottom: its top),
``attributes.json`` holds the category, that garment's attributes and the whole outfit, and
``pairs.txt`` lists ``<id>_a <id>_b``. Every file is written atomically; the JSON files and
``pairs.txt`` last, so an interrupted export never looks complete.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from tryon.data.captions import natural_caption
from tryon.data.dataset import SPLITS, WorldPairDataset, person_id

logger = logging.getLogger(__name__)


def _write_json(path: Path, data) -> None:
    from tryon.io import atomic_write

    with atomic_write(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, sort_keys=True)


def export_world(
    out_dir,
    n: int,
    split: str = "train",
    seed: int = 0,
    size=(512, 384),
    force: bool = False,
    caption_mode: str = "natural",
    progress=None,
) -> Path:
    """Render ``n`` pairs of ``split`` into ``out_dir`` (see the module docstring).

    Args:
        out_dir: destination folder; created if missing. A non-empty folder is refused
            unless ``force`` (files of the same names are then overwritten).
        n: number of pairs (``2 * n`` images).
        split, seed, size, caption_mode: as :class:`tryon.data.WorldPairDataset`.
        progress: optional callable ``(done, total)``.

    Returns:
        ``out_dir`` as a ``Path``.
    """
    from tryon.io import save_image

    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {list(SPLITS)}, got {split!r}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ValueError(f"{out} is not empty; pass --force (force=True) to write into it")
    for sub in ("images", "parsing", "regions", "keypoints"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    ds = WorldPairDataset(split=split, size=size, length=n, seed=seed, caption_mode=caption_mode)
    captions: dict[str, str] = {}
    attributes: dict[str, dict] = {}
    pairs: list[str] = []
    for i in range(n):
        spec, ra, rb = ds.render(i)
        base = f"{split}_{i:06d}"
        rng = np.random.default_rng(np.random.SeedSequence([seed, person_id(split, i), 1]))
        described_a = spec.outfit_a.garments().get(spec.garment_b.slot) or spec.outfit_a.top
        for suffix, r, outfit, garment, caption in (
            ("a", ra, spec.outfit_a, described_a, None),
            ("b", rb, spec.outfit_b, spec.garment_b, spec.caption),
        ):
            ident = f"{base}_{suffix}"
            save_image(r.image, out / "images" / f"{ident}.png")
            save_image(r.parsing, out / "parsing" / f"{ident}.png")
            save_image(r.regions, out / "regions" / f"{ident}.png")
            _write_json(
                out / "keypoints" / f"{ident}.json",
                {"keypoints": [[round(float(x), 3) for x in row] for row in r.keypoints]},
            )
            attrs = garment.attributes()
            captions[ident] = caption if caption is not None else natural_caption(attrs, rng)
            attributes[ident] = {
                "category": spec.category,
                "attributes": attrs,
                "outfit": {slot: g.attributes() for slot, g in outfit.garments().items()},
            }
        pairs.append(f"{base}_a {base}_b")
        if progress is not None:
            progress(i + 1, n)
    _write_json(out / "attributes.json", attributes)
    _write_json(out / "captions.json", captions)
    from tryon.io import atomic_write

    with atomic_write(out / "pairs.txt", "w", encoding="utf-8") as f:
        f.write("\n".join(pairs) + "\n")
    logger.info("exported %d %s pairs to %s", n, split, out)
    return out
