"""Body-region parsing from pose landmarks and a person mask.

No human-parsing network ships offline, so regions are derived geometrically: every body part
is a *capsule* around its skeleton (a joint-to-joint segment, the shoulder-hip polygon for the
torso, the face outline for the head) with a radius proportional to the body's scale, and
every person-mask pixel gets the part whose capsule *surface* is nearest (signed distance
``dist(pixel, skeleton) - radius``; a generalised Voronoi partition of the mask, computed with
one Euclidean distance transform per part, Felzenszwalb & Huttenlocher's algorithm as
implemented by OpenCV). Parts usually in front (arms, hands, feet; see ``PRIORITY``) win
everywhere inside their own capsule, so an arm across the torso or a hand on the hip keeps
its label. Head pixels inside the face
outline are ``face``, the rest ``hair``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from tryon.analysis import geometry
from tryon.body import KEYPOINT_INDEX, REGION_INDEX, check_keypoints

#: A landmark with at least this visibility is used for its limb.
LIMB_VISIBILITY = 0.3

#: Capsule radii as fractions of the body unit (shoulder-joint distance, see ``body_unit``),
#: tuned on 40 world images against ground truth (benchmarks/bench_analysis.py).
PART_RADII: dict[str, float] = {
    "torso": 0.18,
    "upper_arms": 0.13,
    "lower_arms": 0.11,
    "hands": 0.14,
    "upper_legs": 0.25,
    "lower_legs": 0.18,
    "feet": 0.16,
    "neck": 0.18,
    "head": 0.20,
}

#: Parts drawn in front of the others: inside their capsule they win over any part of lower
#: priority (an arm across the torso, a hand on the hip, a foot over the lower leg).
PRIORITY: dict[str, int] = {"upper_arms": 1, "lower_arms": 2, "hands": 3, "feet": 3}

#: The hand's skeleton runs from the wrist to this multiple of the wrist-to-hand-landmark
#: vector (the pose's hand landmarks sit at the knuckles; fingers reach further).
HAND_EXTENT = 1.3

_LIMBS: tuple[tuple[str, str, str], ...] = (
    ("upper_arms", "shoulder", "elbow"),
    ("lower_arms", "elbow", "wrist"),
    ("upper_legs", "hip", "knee"),
    ("lower_legs", "knee", "ankle"),
)


@dataclass
class BodyLandmarks:
    """Landmarks needed for region parsing, all in pixels of one image.

    Attributes:
        keypoints: ``(17, 3)`` COCO-17 x, y, visibility.
        hand_tips: ``(2, 3)`` (person's left, right) a point at the fingers, with visibility.
        foot_tips: ``(2, 3)`` (left, right) toe points, with visibility.
        heels: ``(2, 3)`` (left, right) heel points, with visibility.
        face_polygon: ``(N, 2)`` face outline (hairline, cheeks, chin) or ``None``.
    """

    keypoints: np.ndarray
    hand_tips: np.ndarray = field(default_factory=lambda: np.zeros((2, 3), np.float32))
    foot_tips: np.ndarray = field(default_factory=lambda: np.zeros((2, 3), np.float32))
    heels: np.ndarray = field(default_factory=lambda: np.zeros((2, 3), np.float32))
    face_polygon: np.ndarray | None = None

    def scaled(self, factor: float) -> BodyLandmarks:
        """The same landmarks in an image ``factor`` times as large."""

        def s(a):
            a = np.array(a, dtype=np.float32, copy=True)
            a[:, :2] *= factor
            return a

        face = None if self.face_polygon is None else np.asarray(self.face_polygon) * factor
        return BodyLandmarks(
            s(self.keypoints), s(self.hand_tips), s(self.foot_tips), s(self.heels), face
        )


def _kp(landmarks: BodyLandmarks, name: str) -> np.ndarray:
    return landmarks.keypoints[KEYPOINT_INDEX[name]]


def body_unit(landmarks: BodyLandmarks, mask_height: float) -> float:
    """The body's scale in pixels: the shoulder-joint distance, at least 12% of the mask height."""
    ls, rs = _kp(landmarks, "left_shoulder"), _kp(landmarks, "right_shoulder")
    unit = float(np.hypot(*(ls[:2] - rs[:2])))
    return max(unit, 0.12 * float(mask_height), 1.0)


def face_ellipse(landmarks: BodyLandmarks, unit: float) -> np.ndarray:
    """A face outline (polygon) estimated from the head keypoints when no face mesh is known."""
    kp = landmarks.keypoints
    names = ("nose", "left_eye", "right_eye", "left_ear", "right_ear")
    pts = np.array([kp[KEYPOINT_INDEX[n]] for n in names])
    good = pts[pts[:, 2] >= LIMB_VISIBILITY]
    if len(good) == 0:
        good = pts
    centre = good[:, :2].mean(axis=0)
    ears = [_kp(landmarks, "left_ear"), _kp(landmarks, "right_ear")]
    width = float(np.hypot(*(ears[0][:2] - ears[1][:2])))
    width = float(np.clip(width, 0.35 * unit, 0.8 * unit))
    half_w, half_h = 0.5 * width, 0.68 * width
    centre = centre + np.array([0.0, 0.12 * width])
    t = np.linspace(0, 2 * np.pi, 32, endpoint=False)
    return np.stack([centre[0] + half_w * np.cos(t), centre[1] + half_h * np.sin(t)], axis=1)


def _distance_to(skeleton: np.ndarray) -> np.ndarray:
    """Euclidean distance of every pixel to the nearest True pixel of ``skeleton``."""
    if not skeleton.any():
        return np.full(skeleton.shape, np.inf, dtype=np.float32)
    return cv2.distanceTransform((~skeleton).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)


def _segment_mask(shape, p0, p1) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    return geometry.draw_capsule(mask, p0[:2], p1[:2], 0.75)


def _beyond(shape, origin, direction) -> np.ndarray:
    """Bool mask of the half-plane ``(p - origin) . direction >= 0``."""
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32) + 0.5
    d = np.asarray(direction[:2], dtype=np.float32)
    return (xs - origin[0]) * d[0] + (ys - origin[1]) * d[1] >= 0


def part_skeletons(
    landmarks: BodyLandmarks, shape: tuple[int, int]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Rasterised skeleton of every part (bool masks), keyed by part name (``head`` included),
    and for hands and feet the half-plane they are confined to (beyond the wrist along the
    forearm, beyond the foot's root along the shin)."""
    kp = landmarks.keypoints
    skel: dict[str, np.ndarray] = {}
    allowed: dict[str, np.ndarray] = {}

    def add(name: str, mask: np.ndarray, region: np.ndarray | None = None) -> None:
        skel[name] = skel[name] | mask if name in skel else mask
        if region is not None:
            allowed[name] = allowed[name] | region if name in allowed else region

    ls, rs = _kp(landmarks, "left_shoulder"), _kp(landmarks, "right_shoulder")
    lh, rh = _kp(landmarks, "left_hip"), _kp(landmarks, "right_hip")
    torso = np.zeros(shape, dtype=bool)
    geometry.fill_polygon(torso, [ls[:2], rs[:2], rh[:2], lh[:2]])
    if not torso.any():  # degenerate (side view): the spine segment
        torso = _segment_mask(shape, (ls + rs) / 2, (lh + rh) / 2)
    skel["torso"] = torso

    for side_index, side in enumerate(("left", "right")):
        for part, a, b in _LIMBS:
            pa, pb = kp[KEYPOINT_INDEX[f"{side}_{a}"]], kp[KEYPOINT_INDEX[f"{side}_{b}"]]
            if min(pa[2], pb[2]) >= LIMB_VISIBILITY:
                add(part, _segment_mask(shape, pa, pb))
        wrist = kp[KEYPOINT_INDEX[f"{side}_wrist"]]
        elbow = kp[KEYPOINT_INDEX[f"{side}_elbow"]]
        if wrist[2] >= LIMB_VISIBILITY:
            tip = landmarks.hand_tips[side_index]
            if tip[2] < LIMB_VISIBILITY:
                tip = wrist + 0.3 * (wrist - elbow)
            # Fingers reach past the pose's hand landmarks (knuckles): extend by 30%.
            add(
                "hands",
                _segment_mask(shape, wrist, wrist + HAND_EXTENT * (tip - wrist)),
                _beyond(shape, wrist, wrist - elbow),
            )
        ankle = kp[KEYPOINT_INDEX[f"{side}_ankle"]]
        if ankle[2] >= LIMB_VISIBILITY:
            toe, heel = landmarks.foot_tips[side_index], landmarks.heels[side_index]
            feet = np.zeros(shape, dtype=bool)
            # Shoes start a little above the ankle joint: move the foot's root up by a third
            # of the ankle-heel distance.
            root = ankle.copy()
            if heel[2] >= LIMB_VISIBILITY:
                root[:2] -= np.array([0.0, abs(float(heel[1] - ankle[1])) / 3.0])
            if toe[2] >= LIMB_VISIBILITY:
                feet |= _segment_mask(shape, root, toe)
            if heel[2] >= LIMB_VISIBILITY:
                feet |= _segment_mask(shape, root, heel)
            if not feet.any():
                feet = _segment_mask(shape, ankle, ankle + np.array([0.0, 0.05 * shape[0], 0.0]))
            knee = kp[KEYPOINT_INDEX[f"{side}_knee"]]
            shin = ankle - knee if knee[2] >= LIMB_VISIBILITY else np.array([0.0, 1.0, 0.0])
            add("feet", feet, _beyond(shape, root, shin))
    return skel, allowed


def parse_regions(
    person_mask: np.ndarray, landmarks: BodyLandmarks, radii: dict[str, float] | None = None
) -> np.ndarray:
    """Body-region map of the person: ``(H, W)`` uint8 :data:`tryon.body.REGION_LABELS`.

    Args:
        person_mask: ``(H, W)`` bool person mask; pixels outside are background.
        landmarks: :class:`BodyLandmarks` in pixels of the same image.
        radii: capsule radii per part as fractions of :func:`body_unit` (default
            :data:`PART_RADII`).

    Returns:
        The region map; every person pixel gets a non-background label.
    """
    person_mask = np.asarray(person_mask, dtype=bool)
    if person_mask.ndim != 2:
        raise ValueError(f"person_mask must be (H, W), got shape {person_mask.shape}")
    check_keypoints(landmarks.keypoints)
    radii = {**PART_RADII, **(radii or {})}
    shape = person_mask.shape
    regions = np.zeros(shape, dtype=np.uint8)
    extent = geometry.row_extent(person_mask)
    if extent is None:
        return regions
    unit = body_unit(landmarks, extent[1] - extent[0] + 1)

    skel, allowed = part_skeletons(landmarks, shape)
    face_poly = landmarks.face_polygon
    if face_poly is None or len(face_poly) < 3:
        face_poly = face_ellipse(landmarks, unit)
    face = geometry.fill_polygon(np.zeros(shape, dtype=bool), face_poly)
    if face.any():
        skel["head"] = face
        # Neck: from the chin (lowest face point) to 40% of the way to the shoulder centre.
        ls, rs = _kp(landmarks, "left_shoulder"), _kp(landmarks, "right_shoulder")
        chin = np.asarray(face_poly)[np.argmax(np.asarray(face_poly)[:, 1])]
        shoulder_mid = (ls[:2] + rs[:2]) / 2
        neck_end = chin + 0.6 * (shoulder_mid - chin)
        skel["neck"] = _segment_mask(shape, np.asarray(chin), neck_end)

    names = list(skel)
    scores = np.empty((len(names), *shape), dtype=np.float32)
    for i, name in enumerate(names):
        scores[i] = _distance_to(skel[name]) - radii[name] * unit
        if name in PRIORITY:
            scores[i][scores[i] <= 0] -= 10.0 * unit * PRIORITY[name]
        if name in allowed:
            scores[i][~allowed[name]] = np.inf
    if "head" in skel:
        # Hair ends at the chin line: below it the head capsule does not compete (collars
        # and shoulders next to the neck are not hair).
        chin_y = int(np.ceil(np.asarray(face_poly)[:, 1].max()))
        scores[names.index("head"), max(chin_y, 0) :] = np.inf
    winner = np.argmin(scores, axis=0)
    labels = np.zeros(len(names), dtype=np.uint8)
    for i, name in enumerate(names):
        labels[i] = REGION_INDEX["hair"] if name == "head" else REGION_INDEX[name]
    regions = labels[winner]
    regions[face & (regions == REGION_INDEX["hair"])] = REGION_INDEX["face"]
    regions[~person_mask] = 0
    return regions


__all__ = ["PART_RADII", "BodyLandmarks", "body_unit", "parse_regions"]
