"""The mediapipe backend: pose landmarks, person segmentation and face mesh on CPU, offline.

Uses the legacy ``mp.solutions`` graphs of mediapipe 0.10.21, whose models ship inside the
wheel: BlazePose GHUM (Bazarevsky et al., 2020; ``model_complexity=1``, the only complexity
whose model is in the wheel — 0 and 2 would try to download), its segmentation output, the
MediaPipe selfie-segmentation model (used to count people) and Face Mesh (Kartynnik et al.,
2019) run on a head crop. The graphs are created once per :class:`MediapipeBackend` and reused
for every photo; call :meth:`MediapipeBackend.close` (or use it as a context manager).

Everything runs on a copy of the photo scaled so its longer side is ``work_size`` pixels;
landmarks are mapped back to full resolution and the segmentation probability is upsampled
bilinearly before thresholding.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass

import cv2
import numpy as np

from tryon.analysis.errors import MissingDependencyError, NoPersonFoundError
from tryon.analysis.regions import BodyLandmarks
from tryon.body import KEYPOINT_NAMES

logger = logging.getLogger(__name__)

#: mediapipe pose landmark index of each COCO-17 keypoint (same "person's left" convention).
MEDIAPIPE_TO_COCO: tuple[int, ...] = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)
assert len(MEDIAPIPE_TO_COCO) == len(KEYPOINT_NAMES)

_LEFT_HAND = (17, 19)  # left pinky, left index
_RIGHT_HAND = (18, 20)
_HEELS = (29, 30)
_FOOT_TIPS = (31, 32)

#: A segmentation component counts as a person when it has at least this fraction of the
#: largest component's area.
PERSON_COMPONENT_FRACTION = 0.2

#: Side (pixels) of the square head crop given to face mesh.
FACE_CROP_SIZE = 256


@dataclass
class Detection:
    """What the backend found, in full-resolution pixels.

    Attributes:
        landmarks: :class:`BodyLandmarks` (keypoints with visibility 0 outside the image).
        person_probability: ``(H, W)`` float32 in [0, 1], restricted to the chosen person.
        people_seen: how many separate people the segmentation saw (>= 1).
        pose_world: the raw ``(33, 4)`` mediapipe landmarks (x, y pixels, z, visibility).
    """

    landmarks: BodyLandmarks
    person_probability: np.ndarray
    people_seen: int
    pose_world: np.ndarray


def _import_mediapipe():
    try:
        import mediapipe as mp
    except ImportError as err:  # pragma: no cover - mediapipe is a core dependency
        raise MissingDependencyError(
            "the mediapipe backend needs mediapipe==0.10.21: pip install mediapipe==0.10.21"
        ) from err
    if not hasattr(mp, "solutions"):  # pragma: no cover
        raise MissingDependencyError(
            f"mediapipe {getattr(mp, '__version__', '?')} lacks the legacy mp.solutions API "
            "whose models ship in the wheel; install mediapipe==0.10.21"
        )
    return mp


class MediapipeBackend:
    """Pose + segmentation + face mesh, created once and reused.

    Args:
        work_size: longer side (pixels) of the copy the models run on; default 512.
        min_detection_confidence: pose and face detection threshold in [0, 1]; default 0.5.
    """

    name = "mediapipe"

    def __init__(self, work_size: int = 512, min_detection_confidence: float = 0.5):
        if not isinstance(work_size, int) or work_size < 64:
            raise ValueError(f"work_size must be an int >= 64, got {work_size!r}")
        if not 0.0 <= float(min_detection_confidence) <= 1.0:
            raise ValueError(
                f"min_detection_confidence must be in [0, 1], got {min_detection_confidence!r}"
            )
        mp = _import_mediapipe()
        self.work_size = work_size
        self._pose = mp.solutions.pose.Pose(
            static_image_mode=True,
            model_complexity=1,
            enable_segmentation=True,
            min_detection_confidence=float(min_detection_confidence),
        )
        self._selfie = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0)
        self._face = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=True,
            max_num_faces=2,
            refine_landmarks=False,
            min_detection_confidence=float(min_detection_confidence),
        )
        self._closed = False
        # Close the graphs when this object is collected or, at the latest, at interpreter
        # exit (before module teardown: closing from __del__ during teardown can hang).
        self._finalizer = weakref.finalize(
            self, _close_graphs, self._pose, self._selfie, self._face
        )

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        """Release the mediapipe graphs (idempotent; also runs at interpreter exit)."""
        self._closed = True
        self._finalizer()

    def __enter__(self) -> MediapipeBackend:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ detection
    def _run_pose(self, image: np.ndarray):
        result = self._pose.process(np.ascontiguousarray(image))
        if result.pose_landmarks is None:
            return None, None
        h, w = image.shape[:2]
        lm = np.array(
            [(p.x * w, p.y * h, p.z, p.visibility) for p in result.pose_landmarks.landmark],
            dtype=np.float32,
        )
        seg = result.segmentation_mask
        return lm, None if seg is None else np.asarray(seg, dtype=np.float32)

    def detect(self, image: np.ndarray) -> Detection:
        """Find the (largest) person in ``image`` (``(H, W, 3)`` uint8 RGB).

        Raises:
            NoPersonFoundError: when pose detection finds nobody.
        """
        if self._closed:
            raise RuntimeError("this MediapipeBackend has been closed")
        height, width = image.shape[:2]
        scale = min(1.0, self.work_size / max(height, width))
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            work = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        else:
            work = np.ascontiguousarray(image)
        wh, ww = work.shape[:2]

        # People: connected components of the selfie segmentation.
        selfie = np.asarray(self._selfie.process(work).segmentation_mask, dtype=np.float32)
        count, comp, stats, _ = cv2.connectedComponentsWithStats(
            (selfie > 0.5).astype(np.uint8), connectivity=8
        )
        areas = stats[1:, cv2.CC_STAT_AREA]
        people = (
            [
                i + 1
                for i in np.argsort(-areas)
                if areas[i] >= PERSON_COMPONENT_FRACTION * areas.max()
            ]
            if len(areas)
            else []
        )
        chosen = people[0] if people else None

        landmarks, seg = self._run_pose(work)
        if landmarks is not None and chosen is not None and len(people) > 1:
            # Keep pose consistent with the largest person: re-run on that person alone.
            centre = landmarks[[11, 12, 23, 24], :2].mean(axis=0)
            cx, cy = int(np.clip(centre[0], 0, ww - 1)), int(np.clip(centre[1], 0, wh - 1))
            if comp[cy, cx] != chosen:
                landmarks, seg = self._pose_on_component(work, comp == chosen)
        if landmarks is None and chosen is not None:
            landmarks, seg = self._pose_on_component(work, comp == chosen)
        if landmarks is None:
            # Small people: pose on overlapping tiles of the full-resolution photo.
            landmarks, prob = self._pose_in_tiles(image)
            if landmarks is None:
                raise NoPersonFoundError(
                    "no person found in the photo (pose detection found nobody)"
                )
            people = []
        else:
            # Person probability: the pose graph's own segmentation of *this* person, joined
            # with the selfie component it overlaps (pose's mask is tight, the selfie fuller).
            prob = seg if seg is not None else np.zeros((wh, ww), np.float32)
            if people:
                overlap = [int(((prob > 0.5) & (comp == c)).sum()) for c in people]
                best = people[int(np.argmax(overlap))] if max(overlap) > 0 else chosen
                prob = np.maximum(prob, np.where(comp == best, selfie, 0.0))
            if scale < 1.0:
                prob = cv2.resize(prob, (width, height), interpolation=cv2.INTER_LINEAR)
            landmarks[:, :2] /= scale
        if len(people) > 1:
            logger.warning("%d people seen in the photo; analysing the largest one", len(people))

        face = self._face_polygon(image, landmarks)
        body = _body_landmarks(landmarks, height, width, face)
        return Detection(
            landmarks=body,
            person_probability=np.clip(prob, 0.0, 1.0).astype(np.float32),
            people_seen=max(1, len(people)),
            pose_world=landmarks,
        )

    def _pose_on_component(self, work: np.ndarray, component: np.ndarray):
        """Pose on a padded crop around one segmentation component, others greyed out."""
        ys, xs = np.nonzero(component)
        if ys.size == 0:
            return None, None
        wh, ww = work.shape[:2]
        pad = int(0.15 * max(ys.max() - ys.min(), xs.max() - xs.min()) + 8)
        x0, y0 = max(0, xs.min() - pad), max(0, ys.min() - pad)
        x1, y1 = min(ww, xs.max() + pad + 1), min(wh, ys.max() + pad + 1)
        crop = work[y0:y1, x0:x1].copy()
        keep = cv2.dilate(component[y0:y1, x0:x1].astype(np.uint8), np.ones((9, 9), np.uint8))
        crop[keep == 0] = 128
        # Upscale small crops so the pose detector sees the person large enough.
        factor = max(1.0, 256.0 / max(crop.shape[:2]))
        if factor > 1.0:
            crop = cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_LINEAR)
        landmarks, seg = self._run_pose(crop)
        if landmarks is None:
            return None, None
        landmarks[:, :2] = landmarks[:, :2] / factor + np.array([x0, y0], dtype=np.float32)
        full_seg = np.zeros((wh, ww), np.float32)
        if seg is not None:
            if factor > 1.0:
                seg = cv2.resize(seg, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
            full_seg[y0:y1, x0:x1] = seg
        return landmarks, full_seg

    def _pose_in_tiles(self, image: np.ndarray):
        """Pose on 2x2 then 3x3 overlapping tiles (each scaled to ``work_size``).

        Returns full-resolution landmarks and person probability of the first person found,
        or ``(None, None)``.
        """
        height, width = image.shape[:2]
        for n in (2, 3):
            th, tw = int(np.ceil(2 * height / (n + 1))), int(np.ceil(2 * width / (n + 1)))
            for row in range(n):
                for col in range(n):
                    y0 = min(height - th, row * (height - th) // max(n - 1, 1))
                    x0 = min(width - tw, col * (width - tw) // max(n - 1, 1))
                    tile = image[y0 : y0 + th, x0 : x0 + tw]
                    factor = self.work_size / max(th, tw)
                    size = (max(1, round(tw * factor)), max(1, round(th * factor)))
                    tile = cv2.resize(tile, size, interpolation=cv2.INTER_LINEAR)
                    landmarks, seg = self._run_pose(tile)
                    if landmarks is None:
                        continue
                    landmarks[:, :2] = landmarks[:, :2] / factor + np.array([x0, y0], np.float32)
                    prob = np.zeros((height, width), np.float32)
                    if seg is not None:
                        prob[y0 : y0 + th, x0 : x0 + tw] = cv2.resize(
                            seg, (tw, th), interpolation=cv2.INTER_LINEAR
                        )
                    logger.info("person found in a %dx%d tile at (%d, %d)", tw, th, x0, y0)
                    return landmarks, prob
        return None, None

    def _face_polygon(self, image: np.ndarray, lm: np.ndarray) -> np.ndarray | None:
        """Face outline from face mesh on a head crop (full-res pixels), or ``None``."""
        head = lm[:11]
        if np.median(head[:, 3]) < 0.5:
            return None
        centre = head[:, :2].mean(axis=0)
        ears = float(np.hypot(*(lm[7, :2] - lm[8, :2])))
        shoulders = float(np.hypot(*(lm[11, :2] - lm[12, :2])))
        side = max(2.4 * ears, 1.0 * shoulders, 2.0 * float(np.ptp(head[:, 1])), 16.0)
        factor = FACE_CROP_SIZE / side
        x0, y0 = centre[0] - side / 2, centre[1] - side / 2
        matrix = np.array([[factor, 0, -x0 * factor], [0, factor, -y0 * factor]], np.float32)
        crop = cv2.warpAffine(
            image,
            matrix,
            (FACE_CROP_SIZE, FACE_CROP_SIZE),
            flags=cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        result = self._face.process(crop)
        if not result.multi_face_landmarks:
            return None
        faces = [
            np.array([(p.x, p.y) for p in f.landmark], dtype=np.float32) * FACE_CROP_SIZE
            for f in result.multi_face_landmarks
        ]
        mid = FACE_CROP_SIZE / 2
        pts = min(faces, key=lambda f: float(np.hypot(*(f.mean(axis=0) - mid))))
        hull = cv2.convexHull(pts).reshape(-1, 2)
        return hull / factor + np.array([x0, y0], dtype=np.float32)


def _close_graphs(*graphs) -> None:
    for graph in graphs:
        try:
            graph.close()
        except Exception:  # pragma: no cover - a graph that failed to start
            logger.debug("closing a mediapipe graph failed", exc_info=True)


def _body_landmarks(lm: np.ndarray, height: int, width: int, face) -> BodyLandmarks:
    def point(index: int) -> np.ndarray:
        x, y, _, vis = lm[index]
        inside = 0.0 <= x < width and 0.0 <= y < height
        return np.array([x, y, vis if inside else 0.0], dtype=np.float32)

    keypoints = np.stack([point(i) for i in MEDIAPIPE_TO_COCO])
    keypoints[:, 2] = np.clip(keypoints[:, 2], 0.0, 1.0)

    def hand(indices) -> np.ndarray:
        pts = np.stack([point(i) for i in indices])
        return np.array([*pts[:, :2].mean(axis=0), pts[:, 2].min()], dtype=np.float32)

    return BodyLandmarks(
        keypoints=keypoints,
        hand_tips=np.stack([hand(_LEFT_HAND), hand(_RIGHT_HAND)]),
        foot_tips=np.stack([point(i) for i in _FOOT_TIPS]),
        heels=np.stack([point(i) for i in _HEELS]),
        face_polygon=face,
    )
