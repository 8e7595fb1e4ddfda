"""Shared conventions of the human body: keypoints, region and garment label maps, categories.

Every part of tryon (the procedural world, person analysis, the pipeline, evaluation) speaks
these conventions, so ground truth and predictions can be compared label for label.

Keypoints follow the COCO-17 order. "left" and "right" are the *person's* sides: for a person
facing the camera, ``left_shoulder`` appears on the image's right. A keypoint array has shape
``(17, 3)``: ``x`` and ``y`` in pixels of the image it belongs to (origin top-left, x to the
right, y down) and ``visibility`` in ``[0, 1]``; an undetected point has visibility 0.
"""

from __future__ import annotations

import numpy as np

KEYPOINT_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)
KEYPOINT_INDEX: dict[str, int] = {name: i for i, name in enumerate(KEYPOINT_NAMES)}
NUM_KEYPOINTS = len(KEYPOINT_NAMES)

# Bones as pairs of keypoint names; used to draw skeletons and limb-shaped regions.
SKELETON: tuple[tuple[str, str], ...] = (
    ("left_shoulder", "right_shoulder"),
    ("left_shoulder", "left_elbow"),
    ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"),
    ("right_elbow", "right_wrist"),
    ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"),
    ("left_hip", "right_hip"),
    ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"),
    ("right_hip", "right_knee"),
    ("right_knee", "right_ankle"),
    ("nose", "left_eye"),
    ("nose", "right_eye"),
    ("left_eye", "left_ear"),
    ("right_eye", "right_ear"),
)

# Body-region parsing: where each part of the body is, whatever it wears. Person analysis
# outputs this map (uint8, HxW); the world renders it exactly.
REGION_LABELS: tuple[str, ...] = (
    "background",
    "hair",
    "face",
    "neck",
    "torso",
    "upper_arms",
    "lower_arms",
    "hands",
    "upper_legs",
    "lower_legs",
    "feet",
)
REGION_INDEX: dict[str, int] = {name: i for i, name in enumerate(REGION_LABELS)}

# Garment parsing: what is visible at each pixel (skin, hair or which garment). The world
# renders it exactly; it is the ground truth for garment masks.
PARSING_LABELS: tuple[str, ...] = (
    "background",
    "hair",
    "face",
    "neck",
    "arms",
    "hands",
    "legs",
    "feet",
    "top",
    "bottom",
    "one_piece",
    "shoes",
)
PARSING_INDEX: dict[str, int] = {name: i for i, name in enumerate(PARSING_LABELS)}

# Garment categories a try-on replaces, and which parsing labels belong to each.
CATEGORIES: tuple[str, ...] = ("upper", "lower", "full")
CATEGORY_PARSING_LABELS: dict[str, tuple[str, ...]] = {
    "upper": ("top",),
    "lower": ("bottom",),
    "full": ("top", "bottom", "one_piece"),
}

# Garment types of the world and of captions, with the category each belongs to.
GARMENT_CATEGORY: dict[str, str] = {
    "t-shirt": "upper",
    "long-sleeve shirt": "upper",
    "tank top": "upper",
    "sweater": "upper",
    "jacket": "upper",
    "shorts": "lower",
    "trousers": "lower",
    "jeans": "lower",
    "skirt": "lower",
    "dress": "full",
}
GARMENT_TYPES: tuple[str, ...] = tuple(GARMENT_CATEGORY)


def check_category(category: str) -> str:
    """Return ``category`` if it is one of :data:`CATEGORIES`, else raise ``ValueError``."""
    if category not in CATEGORIES:
        raise ValueError(f"category must be one of {list(CATEGORIES)}, got {category!r}")
    return category


def check_keypoints(keypoints: np.ndarray) -> np.ndarray:
    """Validate a ``(17, 3)`` keypoint array (x, y in pixels, visibility in [0, 1])."""
    keypoints = np.asarray(keypoints, dtype=np.float32)
    if keypoints.shape != (NUM_KEYPOINTS, 3):
        raise ValueError(f"keypoints must have shape ({NUM_KEYPOINTS}, 3), got {keypoints.shape}")
    if not np.all(np.isfinite(keypoints)):
        raise ValueError("keypoints contain NaN or infinite values")
    return keypoints


POSE_MAP_CHANNELS = NUM_KEYPOINTS


def render_pose_map(
    keypoints: np.ndarray, height: int, width: int, sigma: float | None = None
) -> np.ndarray:
    """Render keypoints as one Gaussian heatmap per keypoint.

    Args:
        keypoints: ``(17, 3)`` array, x and y in pixels of a ``height`` x ``width`` frame,
            visibility in ``[0, 1]`` (it scales the peak; invisible points give an empty map).
        height, width: size of the map in pixels.
        sigma: Gaussian standard deviation in pixels; default ``max(height, width) / 32``.

    Returns:
        ``float32`` array of shape ``(17, height, width)`` with values in ``[0, 1]``.
    """
    keypoints = check_keypoints(keypoints)
    if height <= 0 or width <= 0:
        raise ValueError(f"pose map size must be positive, got {height}x{width}")
    if sigma is None:
        sigma = max(height, width) / 32.0
    ys = (np.arange(height, dtype=np.float32) + 0.5)[None, :, None]
    xs = (np.arange(width, dtype=np.float32) + 0.5)[None, None, :]
    px = keypoints[:, 0][:, None, None]
    py = keypoints[:, 1][:, None, None]
    vis = np.clip(keypoints[:, 2], 0.0, 1.0)[:, None, None]
    maps = np.exp(-((xs - px) ** 2 + (ys - py) ** 2) / (2.0 * sigma**2)) * vis
    return maps.astype(np.float32)
