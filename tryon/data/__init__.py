"""The procedural try-on world: people, garments, captions, rendering and pair data sets.

Quick use::

    import numpy as np
    from tryon.data import sample_person, sample_outfit, render_person

    rng = np.random.default_rng(0)
    r = render_person(sample_person(rng), sample_outfit(rng), size=(512, 384))
    r.image, r.keypoints, r.parsing, r.regions, r.garment_masks

:class:`WorldPairDataset` yields training pairs (same person in garment A and garment B).
"""

from tryon.data.captions import exact_caption, natural_caption, parse_caption
from tryon.data.dataset import SPLITS, WorldPairDataset
from tryon.data.export import export_world
from tryon.data.folder import FolderPairDataset
from tryon.data.garments import (
    ATTRIBUTE_KEYS,
    HELDOUT_COMBINATIONS,
    GarmentSpec,
    Outfit,
    sample_garment,
    sample_outfit,
)
from tryon.data.palette import PALETTE
from tryon.data.person import PersonSpec, Pose, sample_person
from tryon.data.render import (
    BackgroundSpec,
    Rendering,
    render_pair,
    render_person,
    sample_background,
)

__all__ = [
    "ATTRIBUTE_KEYS",
    "HELDOUT_COMBINATIONS",
    "PALETTE",
    "SPLITS",
    "WorldPairDataset",
    "BackgroundSpec",
    "FolderPairDataset",
    "GarmentSpec",
    "Outfit",
    "PersonSpec",
    "Pose",
    "Rendering",
    "exact_caption",
    "export_world",
    "natural_caption",
    "parse_caption",
    "render_pair",
    "render_person",
    "sample_background",
    "sample_garment",
    "sample_outfit",
    "sample_person",
]
