"""Training pairs of the world as a torch ``Dataset``: same person in garment A and in B.

Determinism and splits: item ``i`` of split ``s`` (``train``, ``val``, ``test``, ``heldout``
with ids 0, 1, 2, 3) is drawn from ``np.random.SeedSequence([seed, person_id])`` with
``person_id = 4 * i + s``. A person id (and so a person) belongs to exactly one split, and
the same ``(seed, split, index)`` always gives the same item, in any process, in any order.

Held-out compositions: garments of ``train``/``val``/``test`` never have a (colour, type) in
:data:`tryon.data.garments.HELDOUT_COMBINATIONS`; in ``heldout`` the changed garment B always
has one (its other garments still avoid them).

A pair changes one category: ``upper`` (top A -> top B, same bottom), ``lower`` (bottom A ->
bottom B, same top) or ``full`` (a dress B; A wears another dress or a top and bottom).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset

from tryon.body import CATEGORY_PARSING_LABELS, PARSING_INDEX
from tryon.data.captions import exact_caption, natural_caption
from tryon.data.garments import (
    HELDOUT_COMBINATIONS,
    GarmentSpec,
    Outfit,
    sample_garment,
)
from tryon.data.person import PersonSpec, sample_person
from tryon.data.render import (
    BackgroundSpec,
    Rendering,
    check_size,
    prepare_person,
    render_outfits,
    sample_background,
)

logger = logging.getLogger(__name__)

SPLITS: tuple[str, ...] = ("train", "val", "test", "heldout")
CATEGORY_WEIGHTS: dict[str, float] = {"upper": 0.45, "lower": 0.35, "full": 0.2}
CAPTION_MODES: tuple[str, ...] = ("natural", "exact", "mixed")


def person_id(split: str, index: int) -> int:
    """The person id of item ``index`` of ``split`` (see module docstring)."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {list(SPLITS)}, got {split!r}")
    if index < 0:
        raise ValueError(f"index must be >= 0, got {index}")
    return 4 * int(index) + SPLITS.index(split)


def split_of_person(pid: int) -> str:
    """The split a person id belongs to."""
    return SPLITS[int(pid) % 4]


@dataclass(frozen=True)
class PairSpec:
    """Everything that defines one pair (sampled, not yet rendered)."""

    person: PersonSpec
    background: BackgroundSpec
    outfit_a: Outfit
    outfit_b: Outfit
    category: str
    garment_b: GarmentSpec  # the changed garment of B (what the caption describes)
    caption: str


def _heldout_garment(rng: np.random.Generator, category: str | None) -> GarmentSpec:
    from tryon.body import GARMENT_CATEGORY

    combos = sorted(
        c for c in HELDOUT_COMBINATIONS if category is None or GARMENT_CATEGORY[c[1]] == category
    )
    colour, gtype = combos[int(rng.integers(len(combos)))]
    return sample_garment(rng, gtype, colour=colour, exclude_heldout=False)


def sample_pair(seed: int, split: str, index: int, caption_mode: str = "natural") -> PairSpec:
    """Sample pair ``index`` of ``split`` (deterministic in ``(seed, split, index)``)."""
    if caption_mode not in CAPTION_MODES:
        raise ValueError(f"caption_mode must be one of {CAPTION_MODES}, got {caption_mode!r}")
    pid = person_id(split, index)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), pid]))
    person = sample_person(rng)
    background = sample_background(rng)
    cats = list(CATEGORY_WEIGHTS)
    weights = np.array([CATEGORY_WEIGHTS[c] for c in cats])
    category = cats[int(rng.choice(len(cats), p=weights / weights.sum()))]
    heldout = split == "heldout"
    if category == "full":
        if heldout:
            b = _heldout_garment(rng, "full")
        else:
            b = sample_garment(rng, "dress")
        if rng.random() < 0.5:
            a = sample_garment(rng, "dress", avoid=b)
            outfit_a = Outfit(one_piece=a)
        else:
            outfit_a = Outfit(
                top=sample_garment(rng, category="upper"),
                bottom=sample_garment(rng, category="lower"),
            )
        outfit_b = Outfit(one_piece=b)
    else:
        other_cat = "lower" if category == "upper" else "upper"
        other = sample_garment(rng, category=other_cat)
        if heldout:
            b = _heldout_garment(rng, category)
            a = sample_garment(rng, category=category, avoid=b)
        else:
            a = sample_garment(rng, category=category)
            b = sample_garment(rng, category=category, avoid=a)
        if category == "upper":
            outfit_a, outfit_b = Outfit(top=a, bottom=other), Outfit(top=b, bottom=other)
        else:
            outfit_a, outfit_b = Outfit(top=other, bottom=a), Outfit(top=other, bottom=b)
    use_exact = caption_mode == "exact" or (caption_mode == "mixed" and rng.random() < 0.3)
    attrs = b.attributes()
    caption = exact_caption(attrs) if use_exact else natural_caption(attrs, rng)
    return PairSpec(person, background, outfit_a, outfit_b, category, b, caption)


def render_pair_spec(
    spec: PairSpec, size=(512, 384), mask_slots: tuple[str, ...] | None = None
) -> tuple[Rendering, Rendering]:
    """Render a sampled pair: ``(A, B)`` sharing person, pose, background and other garments.

    ``mask_slots`` limits the garment masks computed (default: all worn slots).
    """
    prepared = prepare_person(spec.person, spec.background, size)
    return render_outfits(prepared, spec.outfit_a, spec.outfit_b, mask_slots)


def pair_agnostic_mask(
    regions, keypoints, category, parsing_a, parsing_b, skirt_flare: float = 0.0
) -> np.ndarray:
    """Union of the agnostic masks with A's and with B's parsing, in one call: a training
    pair's mask (and, with ``skirt_flare=0``, the evaluation judges' view of it).

    :func:`tryon.analysis.agnostic_mask_from_regions` dilates (base | garment pixels) and then
    removes protected regions; dilation distributes over union, so marking the garment pixels
    of both A and B in one parsing map gives exactly the union of the two masks.
    """
    from tryon.analysis import agnostic_mask_from_regions

    labels = [PARSING_INDEX[n] for n in CATEGORY_PARSING_LABELS[category]]
    both = parsing_b.copy()
    in_a = np.isin(parsing_a, labels) & ~np.isin(parsing_b, labels)
    both[in_a] = labels[0]
    return agnostic_mask_from_regions(
        regions, keypoints, category, parsing=both, skirt_flare=skirt_flare
    )


def _image_tensor(image: np.ndarray) -> torch.Tensor:
    t = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1))).float()
    return t.mul_(1.0 / 127.5).sub_(1.0)


class WorldPairDataset(Dataset):
    """Pairs of the procedural world (see the module docstring for splits and determinism).

    Args:
        split: ``"train"``, ``"val"``, ``"test"`` or ``"heldout"``.
        size: ``(height, width)`` of the frames, each side in ``[16, 1024]``; default (512, 384).
        length: number of items.
        seed: world seed; different seeds give different worlds.
        caption_mode: ``"natural"`` (grammar captions), ``"exact"`` (attribute form) or
            ``"mixed"`` (30 % exact).
        skirt_flare: the agnostic masks' skirt cone, ``>= 0`` (default 0, no cone; see
            :func:`tryon.analysis.agnostic_mask_from_regions`).

    Item ``i`` is a dict:
        ``source``/``target``: ``(3, H, W)`` float32 in ``[-1, 1]`` (person in A / in B);
        ``caption``: str describing B's changed garment; ``attributes``: its attribute dict
        (all :data:`tryon.data.garments.ATTRIBUTE_KEYS`, strings); ``category``: str;
        ``agnostic_mask``: ``(1, H, W)`` float32 0/1, the union of
        :func:`tryon.analysis.agnostic_mask_from_regions` with A's and with B's parsing;
        ``garment_mask``: ``(1, H, W)`` float32 0/1, B's changed garment (visible coverage);
        ``keypoints``: ``(17, 3)`` float32 pixels; ``regions``, ``parsing``: ``(H, W)`` int64
        of the target; ``index``: int.
    """

    def __init__(
        self,
        split: str = "train",
        size=(512, 384),
        length: int = 1000,
        seed: int = 0,
        caption_mode: str = "natural",
        skirt_flare: float = 0.0,
    ):
        if split not in SPLITS:
            raise ValueError(f"split must be one of {list(SPLITS)}, got {split!r}")
        if not isinstance(length, int) or isinstance(length, bool) or length < 1:
            raise ValueError(f"length must be a positive int, got {length!r}")
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {seed!r}")
        if caption_mode not in CAPTION_MODES:
            raise ValueError(f"caption_mode must be one of {CAPTION_MODES}, got {caption_mode!r}")
        self.split = split
        self.size = check_size(size)
        self.length = length
        self.seed = seed
        self.caption_mode = caption_mode
        from tryon.analysis.agnostic import check_skirt_flare

        self.skirt_flare = check_skirt_flare(skirt_flare)

    def __len__(self) -> int:
        return self.length

    def pair_spec(self, index: int) -> PairSpec:
        """The sampled (unrendered) pair of item ``index``."""
        return sample_pair(self.seed, self.split, self._check_index(index), self.caption_mode)

    def _check_index(self, index: int) -> int:
        index = int(index)
        if index < 0:
            index += self.length
        if not 0 <= index < self.length:
            raise IndexError(f"index {index} out of range for length {self.length}")
        return index

    def render(
        self, index: int, mask_slots: tuple[str, ...] | None = None
    ) -> tuple[PairSpec, Rendering, Rendering]:
        """Sample and render item ``index`` without converting to tensors."""
        spec = self.pair_spec(index)
        a, b = render_pair_spec(spec, self.size, mask_slots)
        return spec, a, b

    def __getitem__(self, index: int) -> dict:
        index = self._check_index(index)
        spec = self.pair_spec(index)
        slot = spec.garment_b.slot
        a, b = render_pair_spec(spec, self.size, (slot,))
        agnostic = pair_agnostic_mask(
            b.regions, b.keypoints, spec.category, a.parsing, b.parsing, self.skirt_flare
        )
        return {
            "source": _image_tensor(a.image),
            "target": _image_tensor(b.image),
            "caption": spec.caption,
            "attributes": spec.garment_b.attributes(),
            "category": spec.category,
            "agnostic_mask": torch.from_numpy(agnostic[None].astype(np.float32)),
            "garment_mask": torch.from_numpy(b.garment_masks[slot][None].astype(np.float32)),
            "keypoints": torch.from_numpy(b.keypoints.copy()),
            "regions": torch.from_numpy(b.regions.astype(np.int64)),
            "parsing": torch.from_numpy(b.parsing.astype(np.int64)),
            "index": index,
        }
