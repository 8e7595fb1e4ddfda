"""``PersonAnalyzer``: photo in, :class:`~tryon.analysis.PersonAnalysis` out.

Steps (each documented in its module):

1. detect the person with the backend (:mod:`tryon.analysis.mediapipe_backend`): pose
   landmarks mapped to COCO-17, person probability, face outline; several people -> the
   largest, with a warning; nobody -> :class:`NoPersonFoundError`;
2. threshold the probability at 0.5 into the person mask, keep the connected components that
   touch the pose (drops stray blobs);
3. optionally refine the person mask with SAM (:mod:`tryon.analysis.sam`);
4. refuse a person shorter than ``min_person_height`` of the image (:class:`PersonTooSmallError`);
5. parse body regions (:mod:`tryon.analysis.regions`) on a ``work_size`` copy and upsample;
6. segment the current garments into a garment parsing map: with SAM when it is given
   (:mod:`tryon.analysis.sam`), else by colour (:mod:`tryon.analysis.colour_parsing`: where
   the top ends over the trousers or skirt; none when the two look alike).
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

from tryon.analysis import geometry
from tryon.analysis.colour_parsing import colour_garment_parsing
from tryon.analysis.errors import NoPersonFoundError, PersonTooSmallError
from tryon.analysis.person import PersonAnalysis
from tryon.analysis.regions import parse_regions

logger = logging.getLogger(__name__)

BACKENDS: tuple[str, ...] = ("mediapipe",)

#: Default smallest person height, as a fraction of the image height.
MIN_PERSON_HEIGHT = 0.1


def _load(image) -> np.ndarray:
    from tryon.io import load_image_array

    return load_image_array(image)


class PersonAnalyzer:
    """Analyses person photos; create once, call :meth:`analyse` for many photos.

    Args:
        backend: ``"mediapipe"`` (the only photo backend; world images use
            :meth:`PersonAnalysis.from_ground_truth`).
        sam_checkpoint: optional path to a Segment Anything checkpoint; when given, the person
            mask is refined with SAM (see :class:`tryon.analysis.sam.SamRefiner`).
        sam_model_type: ``"vit_b"``, ``"vit_l"`` or ``"vit_h"`` (default ``"vit_b"``).
        sam_garments: with SAM, also segment the current upper and lower garments into
            ``PersonAnalysis.parsing`` (default ``True`` when a checkpoint is given).
        colour_parsing: without SAM's garments, find the current top by colour
            (:func:`tryon.analysis.colour_parsing.colour_garment_parsing`) into
            ``PersonAnalysis.parsing`` (default ``True``), so a lower try-on keeps the top
            (the render recipe's ``mask_keep_top``).
        work_size: longer side in pixels of the copy the models and region parsing run on
            (default 512); results are mapped back to the photo's full resolution.
        min_person_height: smallest accepted person height as a fraction of the image
            height (default 0.1).
        sam_refiner: an already built :class:`~tryon.analysis.sam.SamRefiner` (instead of
            ``sam_checkpoint``).
    """

    def __init__(
        self,
        backend: str = "mediapipe",
        sam_checkpoint=None,
        sam_model_type: str = "vit_b",
        *,
        sam_garments: bool = True,
        colour_parsing: bool = True,
        work_size: int = 512,
        min_person_height: float = MIN_PERSON_HEIGHT,
        sam_refiner=None,
    ):
        if backend not in BACKENDS:
            raise ValueError(
                f"backend must be one of {list(BACKENDS)}, got {backend!r} (for the world's "
                "images use PersonAnalysis.from_ground_truth)"
            )
        if not 0.0 <= float(min_person_height) < 1.0:
            raise ValueError(f"min_person_height must be in [0, 1), got {min_person_height!r}")
        self.backend_name = backend
        self.work_size = int(work_size)
        self.min_person_height = float(min_person_height)
        self.sam_garments = bool(sam_garments)
        self.colour_parsing = bool(colour_parsing)
        self.sam = sam_refiner
        if self.sam is None and sam_checkpoint is not None:
            from tryon.analysis.sam import SamRefiner

            self.sam = SamRefiner(sam_checkpoint, model_type=sam_model_type)
        from tryon.analysis.mediapipe_backend import MediapipeBackend

        self._backend = MediapipeBackend(work_size=self.work_size)

    def close(self) -> None:
        """Release the backend's models."""
        self._backend.close()

    def __enter__(self) -> PersonAnalyzer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def analyse(self, image) -> PersonAnalysis:
        """Analyse one photo.

        Args:
            image: a path, bytes, PIL image or ``(H, W, 3)``/``(H, W)`` uint8 array
                (anything :func:`tryon.io.load_image_array` reads).

        Returns:
            The :class:`PersonAnalysis`. ``backend`` is ``"mediapipe"``, ``"mediapipe+sam"``
            (SAM refined the masks and parsed the garments) or ``"mediapipe+colour"`` (the
            garment parsing came from colour).

        Raises:
            NoPersonFoundError: nobody in the photo.
            PersonTooSmallError: the person is under ``min_person_height`` of the image height.
        """
        photo = _load(image)
        height, width = photo.shape[:2]
        detection = self._backend.detect(photo)
        mask = _clean_mask(detection.person_probability > 0.5, detection.landmarks.keypoints)
        if not mask.any():
            raise NoPersonFoundError("no person found in the photo (the person mask is empty)")
        backend = self.backend_name
        if self.sam is not None:
            mask = self.sam.refine_person(photo, mask, detection.landmarks.keypoints)
            backend += "+sam"
            if not mask.any():
                raise NoPersonFoundError("no person found in the photo (SAM mask is empty)")
        extent = geometry.row_extent(mask)
        fraction = (extent[1] - extent[0] + 1) / height
        if fraction < self.min_person_height:
            raise PersonTooSmallError(
                f"the person is {fraction:.1%} of the image height, below the minimum "
                f"{self.min_person_height:.0%}; crop the photo closer to the person"
            )
        regions = self._regions(mask, detection)
        parsing = None
        keypoints = detection.landmarks.keypoints
        if self.sam is not None and self.sam_garments:
            parsing = self.sam.garment_parsing(photo, mask, regions, keypoints)
        elif self.colour_parsing:
            parsing = colour_garment_parsing(photo, mask, regions, keypoints)
            if parsing is not None:
                backend += "+colour"
        return PersonAnalysis(
            image=photo,
            keypoints=keypoints,
            person_mask=mask,
            regions=regions,
            parsing=parsing,
            backend=backend,
        )

    def _regions(self, mask: np.ndarray, detection) -> np.ndarray:
        height, width = mask.shape
        scale = min(1.0, self.work_size / max(height, width))
        if scale >= 1.0:
            return parse_regions(mask, detection.landmarks)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = cv2.resize(mask.astype(np.uint8), size, interpolation=cv2.INTER_AREA) > 0
        small = geometry.dilate(small, 1)
        labels = parse_regions(small, detection.landmarks.scaled(scale))
        labels = cv2.resize(labels, (width, height), interpolation=cv2.INTER_NEAREST)
        labels[~mask] = 0
        # Person pixels the upsampled labels missed get the nearest label.
        holes = mask & (labels == 0)
        if holes.any():
            _, nearest = cv2.distanceTransformWithLabels(
                (labels == 0).astype(np.uint8), cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL
            )
            ys, xs = np.nonzero(labels)
            lookup = np.zeros(nearest.max() + 1, np.uint8)
            lookup[nearest[ys, xs]] = labels[ys, xs]
            labels[holes] = lookup[nearest[holes]]
        return labels


def _clean_mask(mask: np.ndarray, keypoints: np.ndarray) -> np.ndarray:
    """Keep the mask components that hold a visible keypoint (or the largest if none does)."""
    count, comp, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if count <= 2:
        return mask
    keep = set()
    h, w = mask.shape
    for x, y, vis in keypoints:
        if vis >= 0.3 and 0 <= x < w and 0 <= y < h and comp[int(y), int(x)] > 0:
            keep.add(int(comp[int(y), int(x)]))
    if not keep:
        keep.add(int(np.argmax(stats[1:, cv2.CC_STAT_AREA])) + 1)
    # Also keep large components (a separated arm or leg): at least 5% of the kept area.
    kept_area = sum(int(stats[c, cv2.CC_STAT_AREA]) for c in keep)
    for c in range(1, count):
        if stats[c, cv2.CC_STAT_AREA] >= 0.05 * kept_area:
            keep.add(c)
    return np.isin(comp, sorted(keep))


def analyse_person(image, **kwargs) -> PersonAnalysis:
    """One-off analysis: ``PersonAnalyzer(**kwargs).analyse(image)``, closing the models after.

    For many photos create one :class:`PersonAnalyzer` and reuse it.
    """
    with PersonAnalyzer(**kwargs) as analyzer:
        return analyzer.analyse(image)
