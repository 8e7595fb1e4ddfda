"""A garment parsing from colour alone: where the current top ends over the trousers or skirt.

Keeping the top (the render recipe's ``mask_keep_top``) needs to know which pixels below the
waist line are the top's hem and which the lower garment's. Segment Anything gives a garment
parsing (:mod:`tryon.analysis.sam`), but its checkpoint is a separate download; the pose and the
body regions alone only say where the torso ends, not where the top does. This module tells
the top from the lower garment by their colours, with no model and no download:

1. **Lines** from the pose: the waist line (:data:`~tryon.analysis.agnostic.WAIST_ABOVE_HIPS`
   of the shoulder-to-hip distance above the hips), the hips and the knees (or, without knees,
   a quarter of the person's height below the hips).
2. **Colours**: the *top*'s are those of the torso between :data:`TOP_SEED_FROM` of the way
   from the shoulders to the hips and the waist line; the *lower garment*'s are what the
   thighs (hips to knees) show that is neither skin (the face's colours) nor within
   :data:`SEPARATION` ΔE*ab of the top's (a long top covers the thighs' upper part, shorts
   leave their lower part bare). Each is summarised by :data:`CLUSTERS` k-means colours in
   CIELAB (blurred, so a print's texture is one colour family): a striped top or a checked
   skirt keeps its two colours.
3. **Separable?** If too little of either shows, or more than :data:`MAX_CONFUSION` of the
   top's pixels are nearer the lower garment's colours, the two cannot be told apart by
   colour (a navy suit, a one-piece jumpsuit): no parsing is returned, and the try-on behaves
   as without one.
4. **The hem**: between the waist line and :data:`~tryon.analysis.agnostic.LONG_TOP_EXTENT`
   of the way from the hips to the knees (the longest top the upper mask allows), a person
   pixel (not an arm or a hand) is the top's when it is not skin and is nearer the top's
   colours by at least :data:`MARGIN` ΔE*ab; specks are closed and opened away, vertical
   gaps up to :data:`GAP` of the person's height (a fold, a pocket) closed, and in each
   column the top runs down from the waist line to its first gap (an arm or a hand in front
   of it is none). A top that is tucked in ends at the waist.

The result is a parsing map (:data:`tryon.body.PARSING_LABELS`): skin and hair from the body
regions, ``top`` for the torso above the waist plus the hem found, ``bottom`` for the rest of
the torso below the waist and the upper legs. Like SAM's it is an approximation: sleeves stay
``arms``, a dress comes out as top and bottom, and shorts' bare thighs as ``bottom``. What
it is for is where the top ends (:func:`tryon.analysis.agnostic.kept_top`); its other
``top``/``bottom`` pixels lie inside the body-region masks already, all but under 1 % of them
(the tests check it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from tryon.analysis import geometry
from tryon.analysis.agnostic import LONG_TOP_EXTENT, person_height, waist_line
from tryon.body import KEYPOINT_INDEX, PARSING_INDEX, REGION_INDEX

logger = logging.getLogger(__name__)

#: The top's seed starts this fraction of the way from the shoulders to the hips (below the
#: neckline, where skin shows).
TOP_SEED_FROM = 0.3
#: k-means colours per garment.
CLUSTERS = 4
#: A pixel joins the top when it is at least this much nearer (ΔE*ab) the top's colours.
MARGIN = 3.0
#: Largest share of the top's seed nearer the lower garment's colours for the two to count as
#: separable by colour.
MAX_CONFUSION = 0.1
#: ΔE*ab from every top colour a thigh pixel must be to describe the lower garment.
SEPARATION = 20.0
#: ΔE*ab from the skin tone (the face's colours) within which a pixel is skin, not garment.
SKIN_DISTANCE = 12.0
#: Body regions in front of the top: not its pixels, and no gap in it.
IN_FRONT = ("upper_arms", "lower_arms", "hands")
#: Fewest pixels a seed must hold.
MIN_SEED_PIXELS = 50
#: Longest vertical gap inside the top that is closed, as a fraction of the person's height.
GAP = 0.015
#: Longer side in pixels of the copy the top is looked for on (the analysis' work size).
WORK_SIZE = 512
#: Gaussian sigma of the colour blur, as a fraction of the person's height.
BLUR = 0.004

_VISIBLE = 0.3

#: Body region -> parsing label for the skin and hair a garment parsing also holds.
_REGION_PARSING = {
    "hair": "hair",
    "face": "face",
    "neck": "neck",
    "torso": "top",
    "upper_arms": "arms",
    "lower_arms": "arms",
    "hands": "hands",
    "upper_legs": "legs",
    "lower_legs": "legs",
    "feet": "feet",
}


def parsing_from_regions(regions: np.ndarray) -> np.ndarray:
    """``(H, W)`` uint8 garment parsing with each body region's default label: skin and hair
    as themselves, the torso as ``top``, the legs as ``legs``, background 0."""
    lookup = np.zeros(256, dtype=np.uint8)
    for region, label in _REGION_PARSING.items():
        lookup[REGION_INDEX[region]] = PARSING_INDEX[label]
    return lookup[np.asarray(regions, dtype=np.uint8)]


def _y(keypoints: np.ndarray, name: str, pick=max) -> float | None:
    """``pick`` (max: the lower, image y grows downwards) of the left and right keypoints'
    rows, or None when neither is visible."""
    ys = [
        float(keypoints[KEYPOINT_INDEX[f"{side}_{name}"], 1])
        for side in ("left", "right")
        if keypoints[KEYPOINT_INDEX[f"{side}_{name}"], 2] >= _VISIBLE
    ]
    return pick(ys) if ys else None


@dataclass(frozen=True)
class BodyLines:
    """Rows (pixels) the parsing works between: the higher shoulder, the waist line as the
    agnostic masks draw it, the lower hip and the lower knee (or a quarter of the person's
    height below the hips without knees)."""

    shoulder: float
    waist: float
    hip: float
    knee: float

    @classmethod
    def from_pose(cls, keypoints: np.ndarray, height: float) -> BodyLines | None:
        """The lines of ``keypoints`` (``(17, 3)``), or None without shoulders and hips."""
        keypoints = np.asarray(keypoints, dtype=np.float64)
        shoulder, hip = _y(keypoints, "shoulder", min), _y(keypoints, "hip")
        if shoulder is None or hip is None or hip <= shoulder:
            return None
        knee = _y(keypoints, "knee")
        if knee is None or knee <= hip:
            knee = hip + 0.25 * height
        return cls(shoulder, waist_line(hip, shoulder), hip, knee)


def _rows(shape: tuple[int, int], start: float, stop: float) -> np.ndarray:
    """``(H, W)`` bool: the rows ``start <= y < stop`` (floats, clipped to the image)."""
    band = np.zeros(shape, dtype=bool)
    lo, hi = (int(np.clip(round(v), 0, shape[0])) for v in (start, stop))
    band[lo:hi] = True
    return band


def _centres(pixels: np.ndarray, k: int) -> np.ndarray:
    """Up to ``k`` k-means centres ``(k', 3)`` of ``pixels`` ``(N, 3)`` (deterministic)."""
    pixels = np.ascontiguousarray(pixels[:: max(1, len(pixels) // 4000)], dtype=np.float32)
    k = min(k, len(pixels))
    cv2.setRNGSeed(0)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.5)
    _, _, centres = cv2.kmeans(pixels, k, None, criteria, 2, cv2.KMEANS_PP_CENTERS)
    return centres


def _distance(pixels: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """``(N,)`` ΔE*ab from each of ``pixels`` ``(N, 3)`` to the nearest of ``centres``."""
    return np.linalg.norm(pixels[:, None, :] - centres[None, :, :], axis=-1).min(axis=1)


def estimate_top(
    image: np.ndarray, person_mask: np.ndarray, regions: np.ndarray, keypoints: np.ndarray
) -> np.ndarray | None:
    """The current top's pixels on the torso and upper legs (module docstring, steps 1-4).

    Args:
        image: ``(H, W, 3)`` uint8 RGB photo.
        person_mask: ``(H, W)`` bool.
        regions: ``(H, W)`` integer body regions (:data:`tryon.body.REGION_LABELS`).
        keypoints: ``(17, 3)`` COCO-17 keypoints in pixels, with visibility.

    Returns:
        ``(H, W)`` bool, or None when the pose lacks shoulders or hips, a seed is too small,
        or the top and the lower garment cannot be told apart by colour.
    """
    image = np.asarray(image)
    regions = np.asarray(regions)
    person = np.asarray(person_mask, dtype=bool)
    height = person_height(regions, np.asarray(keypoints, dtype=np.float32))
    lines = BodyLines.from_pose(keypoints, height)
    if lines is None:
        return None
    shoulder_y, waist_y, hip_y, knee_y = lines.shoulder, lines.waist, lines.hip, lines.knee
    torso_span, thigh_span = hip_y - shoulder_y, knee_y - hip_y
    hem_limit = hip_y + LONG_TOP_EXTENT * thigh_span
    shape = regions.shape
    torso = person & (regions == REGION_INDEX["torso"])
    thighs = person & (regions == REGION_INDEX["upper_legs"])
    in_front = _in_front(regions)

    rgb = np.ascontiguousarray(image[..., :3], dtype=np.float32) / 255.0
    lab = cv2.GaussianBlur(cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab), (0, 0), max(0.5, BLUR * height))
    face = person & (regions == REGION_INDEX["face"])
    skin_c = _centres(lab[face], 2) if face.sum() >= MIN_SEED_PIXELS else None

    def garment(pixels: np.ndarray) -> np.ndarray:
        """Pixels not within :data:`SKIN_DISTANCE` of the skin tone (bare thighs under shorts,
        a midriff)."""
        if skin_c is None:
            return np.ones(len(pixels), dtype=bool)
        return _distance(pixels, skin_c) > SKIN_DISTANCE

    erode = max(1, int(round(0.005 * height)))
    top_seed = torso & _rows(shape, shoulder_y + TOP_SEED_FROM * torso_span, waist_y)
    top_px = lab[geometry.erode(top_seed, erode)]
    top_px = top_px[garment(top_px)]
    if len(top_px) < MIN_SEED_PIXELS:
        logger.info("colour parsing: too little of the top shows")
        return None
    top_c = _centres(top_px, CLUSTERS)
    # The lower garment: what the thighs show that is neither skin nor the top's colours
    # (a long top covers their upper part; shorts leave the lower part bare).
    thigh_px = lab[geometry.erode(thighs & _rows(shape, hip_y, knee_y), erode)]
    bottom_px = thigh_px[garment(thigh_px) & (_distance(thigh_px, top_c) > SEPARATION)]
    if len(bottom_px) < MIN_SEED_PIXELS:
        logger.info("colour parsing: no lower garment of another colour than the top's")
        return None
    bottom_c = _centres(bottom_px, CLUSTERS)

    def nearer_top(pixels: np.ndarray) -> np.ndarray:
        return (_distance(pixels, top_c) + MARGIN < _distance(pixels, bottom_c)) & garment(pixels)

    confusion = 1.0 - nearer_top(top_px[::7]).mean()
    if confusion > MAX_CONFUSION:
        logger.info(
            "colour parsing: %.0f%% of the top's colours are the lower garment's; no parsing",
            100 * confusion,
        )
        return None

    band = person & ~in_front & _rows(shape, waist_y, hem_limit)
    hem = np.zeros(shape, dtype=bool)
    hem[band] = nearer_top(lab[band])
    speck = max(1, int(round(0.004 * height)))
    hem = cv2.morphologyEx(hem.astype(np.uint8), cv2.MORPH_CLOSE, _disk(speck)) > 0
    hem = cv2.morphologyEx(hem.astype(np.uint8), cv2.MORPH_OPEN, _disk(speck)) > 0
    # A fold, a pocket or a print's line across the top is no hem: close short vertical gaps.
    gap = np.ones((2 * max(1, int(round(GAP * height))) + 1, 1), np.uint8)
    hem = cv2.morphologyEx(hem.astype(np.uint8), cv2.MORPH_CLOSE, gap) > 0
    hem &= band
    # In each column the top runs down from the waist line to its first gap; an arm or a
    # hand in front of it is no gap.
    start = int(np.clip(round(waist_y), 0, shape[0]))
    run = np.cumprod(hem[start:] | in_front[start:], axis=0).astype(bool) & hem[start:]
    top = person & ~in_front & _rows(shape, 0, waist_y) & (regions == REGION_INDEX["torso"])
    top[start:] |= run
    return top


def _in_front(regions: np.ndarray) -> np.ndarray:
    """``(H, W)`` bool: the arms and hands, which lie in front of the top (never its pixels,
    but no gap in it either)."""
    return np.isin(regions, [REGION_INDEX[r] for r in IN_FRONT])


def _disk(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def colour_garment_parsing(
    image: np.ndarray,
    person_mask: np.ndarray,
    regions: np.ndarray,
    keypoints: np.ndarray,
    work_size: int = WORK_SIZE,
) -> np.ndarray | None:
    """A garment parsing map (``(H, W)`` uint8, :data:`tryon.body.PARSING_LABELS`) with the top
    found by :func:`estimate_top` (module docstring), or None where it finds none.

    The top is looked for on a copy whose longer side is at most ``work_size`` pixels (as
    the body regions are parsed) and mapped back to the photo's size: a 7-megapixel photo
    costs what a 512-pixel one does.
    """
    regions = np.asarray(regions)
    person = np.asarray(person_mask, dtype=bool)
    height, width = regions.shape
    scale = min(1.0, work_size / max(height, width))
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small_keypoints = np.asarray(keypoints, dtype=np.float32).copy()
        small_keypoints[:, :2] *= scale
        small_top = estimate_top(
            cv2.resize(np.asarray(image), size, interpolation=cv2.INTER_AREA),
            cv2.resize(person.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0,
            cv2.resize(regions.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST),
            small_keypoints,
        )
        top = None
        if small_top is not None:
            top = cv2.resize(small_top.astype(np.uint8), (width, height), cv2.INTER_NEAREST) > 0
            top &= person & ~_in_front(regions)
    else:
        top = estimate_top(image, person, regions, keypoints)
    if top is None:
        return None
    parsing = parsing_from_regions(regions)
    lines = BodyLines.from_pose(keypoints, person_height(regions, np.asarray(keypoints)))
    below_waist = _rows(regions.shape, lines.waist, regions.shape[0])
    lower = (regions == REGION_INDEX["upper_legs"]) | (
        (regions == REGION_INDEX["torso"]) & below_waist
    )
    parsing[lower] = PARSING_INDEX["bottom"]
    parsing[top] = PARSING_INDEX["top"]
    parsing[~person] = 0
    return parsing
