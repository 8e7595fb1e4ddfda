"""Optional Segment Anything refinement of the person mask and the current garments.

Segment Anything (Kirillov et al., 2023) predicts a mask from point and box prompts. Here the
prompts come from the pose: positive points on visible joints of the torso and limbs (and the
torso's centre), negative points on the background, and a box around the person. The coarse
masks of the mediapipe backend are thus snapped to real image edges. The garment masks use
points inside the garment's body region (the torso for a top, the thighs for a bottom) with
negatives on the face and on the other garment's region, a box around that region, and the
result is clipped to the category's agnostic mask.

Needs the ``sam`` extra (``pip install 'tryon[sam]'``: segment-anything 1.0 and torchvision)
and a checkpoint file from the segment-anything release (``sam_vit_b_01ec64.pth``,
``sam_vit_l_0b3195.pth`` or ``sam_vit_h_4b8939.pth``), which no package ships: download it
from https://github.com/facebookresearch/segment-anything#model-checkpoints and pass its path.
Checkpoints are read with ``torch.load(..., weights_only=True)`` (no pickled code runs) and
loaded strictly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tryon.analysis import geometry
from tryon.analysis.agnostic import agnostic_mask_from_regions
from tryon.analysis.colour_parsing import parsing_from_regions
from tryon.analysis.errors import MissingDependencyError
from tryon.body import KEYPOINT_INDEX, PARSING_INDEX, REGION_INDEX

logger = logging.getLogger(__name__)

MODEL_TYPES: tuple[str, ...] = ("vit_b", "vit_l", "vit_h")

#: File names of the official checkpoints, for error messages.
CHECKPOINT_NAMES = {
    "vit_b": "sam_vit_b_01ec64.pth",
    "vit_l": "sam_vit_l_0b3195.pth",
    "vit_h": "sam_vit_h_4b8939.pth",
}

#: A refined mask is used only if its IoU with the coarse mask is at least this.
MIN_AGREEMENT = 0.5

_VIS = 0.5


class SamCheckpointError(ValueError):
    """A SAM checkpoint file is unreadable, corrupt or does not match the model type."""


def _import_segment_anything():
    try:
        import segment_anything  # noqa: F401
        import torchvision  # noqa: F401
    except ImportError as err:
        raise MissingDependencyError(
            "SAM refinement needs the 'sam' extra (segment-anything and torchvision), which is "
            f"not installed ({err}); install it with: pip install 'tryon[sam]' "
            "(or pip install segment-anything==1.0 torchvision==0.29.1)"
        ) from err
    import segment_anything

    return segment_anything


class SamRefiner:
    """Refines masks with a Segment Anything model loaded from a local checkpoint.

    Args:
        checkpoint_path: the ``.pth`` state dict of a SAM model.
        model_type: ``"vit_b"``, ``"vit_l"`` or ``"vit_h"`` (must match the checkpoint).
        build: optional zero-argument callable returning an untrained
            ``segment_anything.modeling.Sam`` of another architecture (tests build a tiny
            one); the checkpoint is then loaded into it. ``model_type`` is ignored.
        device: torch device to run on (default ``"cpu"``).

    Raises:
        MissingDependencyError: the ``sam`` extra is not installed.
        FileNotFoundError: ``checkpoint_path`` does not exist (the message says where to get one).
        SamCheckpointError: the file is corrupt or does not match ``model_type``.
    """

    def __init__(
        self,
        checkpoint_path,
        model_type: str = "vit_b",
        *,
        build: Callable[[], object] | None = None,
        device: str = "cpu",
    ):
        sa = _import_segment_anything()
        import torch

        if build is None and model_type not in MODEL_TYPES:
            raise ValueError(f"model_type must be one of {list(MODEL_TYPES)}, got {model_type!r}")
        if checkpoint_path is None:
            raise FileNotFoundError(_missing_message(None, model_type))
        path = Path(checkpoint_path)
        if not path.is_file():
            raise FileNotFoundError(_missing_message(path, model_type))
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:  # pickle, zip, EOF and unpickler errors all mean "corrupt"
            raise SamCheckpointError(
                f"SAM checkpoint {str(path)!r} could not be read ({type(err).__name__}: "
                f"{str(err).splitlines()[0] if str(err) else 'no detail'}); the file is corrupt "
                "or not a plain state dict: download it again"
            ) from None
        if isinstance(state, dict) and "model" in state and isinstance(state["model"], dict):
            state = state["model"]
        if not isinstance(state, dict):
            raise SamCheckpointError(
                f"SAM checkpoint {str(path)!r} holds a {type(state).__name__}, not a state dict"
            )
        model = build() if build is not None else sa.sam_model_registry[model_type]()
        try:
            model.load_state_dict(state, strict=True)
        except RuntimeError as err:
            first = str(err).splitlines()[0]
            raise SamCheckpointError(
                f"SAM checkpoint {str(path)!r} does not match model type {model_type!r} "
                f"({first}); pass the right --sam-model-type"
            ) from None
        model.to(device).eval()
        self.model_type = model_type if build is None else "custom"
        self.checkpoint_path = path
        self.predictor = sa.SamPredictor(model)
        self._image_key: tuple | None = None

    # ------------------------------------------------------------------ core
    def set_image(self, image: np.ndarray) -> None:
        """Compute (once per distinct image) the image embedding. ``image``: (H, W, 3) uint8 RGB."""
        image = np.ascontiguousarray(image)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"image must be (H, W, 3) uint8 RGB, got {image.shape} {image.dtype}")
        key = (image.shape, hash(image[::7, ::7].tobytes()), hash(image.tobytes()))
        if key != self._image_key:
            import torch

            with torch.no_grad():
                self.predictor.set_image(image, image_format="RGB")
            self._image_key = key

    def predict(
        self,
        image: np.ndarray,
        points: np.ndarray | None = None,
        labels: np.ndarray | None = None,
        box: tuple[float, float, float, float] | None = None,
        prior: np.ndarray | None = None,
    ) -> np.ndarray:
        """One mask from prompts: ``(H, W)`` bool, the photo's size.

        Args:
            image: ``(H, W, 3)`` uint8 RGB photo.
            points: ``(N, 2)`` x, y pixel prompts; ``labels``: ``(N,)`` 1 positive, 0 negative.
            box: ``(x0, y0, x1, y1)`` pixel box prompt.
            prior: optional coarse mask; of SAM's three candidate masks the one agreeing best
                with it (IoU) is returned, else the one SAM scores highest.
        """
        import torch

        if points is None and box is None:
            raise ValueError("SAM needs at least one point or a box prompt")
        self.set_image(image)
        if points is not None:
            points = np.asarray(points, dtype=np.float32).reshape(-1, 2)
            labels = np.asarray(labels, dtype=np.int64).reshape(-1)
            if len(labels) != len(points):
                raise ValueError(f"{len(points)} points but {len(labels)} labels")
        with torch.no_grad():
            masks, scores, _ = self.predictor.predict(
                point_coords=points,
                point_labels=labels,
                box=None if box is None else np.asarray(box, dtype=np.float32),
                multimask_output=True,
            )
        masks = masks.astype(bool)
        if prior is not None:
            ious = [_iou(m, prior) for m in masks]
            return masks[int(np.argmax(ious))]
        return masks[int(np.argmax(scores))]

    # ------------------------------------------------------------------ person
    def refine_person(
        self, image: np.ndarray, person_mask: np.ndarray, keypoints: np.ndarray
    ) -> np.ndarray:
        """The person mask snapped to image edges; the coarse mask if SAM disagrees.

        Prompts: positive points on visible shoulders, hips, elbows, knees and the torso
        centre; negatives at the corners of the box; the person box padded by 2%.
        Returns an ``(H, W)`` bool mask.
        """
        person_mask = np.asarray(person_mask, dtype=bool)
        points, labels = person_prompts(person_mask, keypoints)
        box = _padded_box(person_mask, 0.02)
        if box is None:
            return person_mask
        refined = self.predict(image, points, labels, box, prior=person_mask)
        iou = _iou(refined, person_mask)
        if iou < MIN_AGREEMENT:
            logger.warning(
                "SAM person mask disagrees with the pose (IoU %.2f); kept the coarse mask", iou
            )
            return person_mask
        return refined

    # ------------------------------------------------------------------ garments
    def garment_mask(
        self,
        image: np.ndarray,
        person_mask: np.ndarray,
        regions: np.ndarray,
        keypoints: np.ndarray,
        category: str,
    ) -> np.ndarray:
        """The current garment of ``category`` (``"upper"`` or ``"lower"``): ``(H, W)`` bool.

        Positive points inside the category's body region (torso centre line for ``upper``,
        thigh centres for ``lower``), negatives on the face and the other category's region,
        the box of that region; the result is clipped to the person mask and the category's
        agnostic mask (so it never covers face, hands or feet).
        """
        if category not in ("upper", "lower"):
            raise ValueError(f"garment category must be 'upper' or 'lower', got {category!r}")
        points, labels, area = garment_prompts(regions, keypoints, category)
        empty = np.zeros(regions.shape, dtype=bool)
        if not points.size or not area.any():
            return empty
        box = _padded_box(area, 0.05)
        mask = self.predict(image, points, labels, box, prior=area)
        allowed = agnostic_mask_from_regions(regions, keypoints, category, dilation=0.02)
        return mask & person_mask & allowed

    def garment_parsing(
        self,
        image: np.ndarray,
        person_mask: np.ndarray,
        regions: np.ndarray,
        keypoints: np.ndarray,
    ) -> np.ndarray:
        """A garment parsing map (:data:`tryon.body.PARSING_LABELS`) from regions + SAM garments.

        Skin regions map to their parsing labels (arms, legs, hands, feet, neck, face, hair);
        the torso defaults to ``top``; SAM's lower-garment mask becomes ``bottom`` and its
        upper-garment mask ``top`` (sleeves included). An approximation: one-piece garments
        come out as top + bottom.
        """
        parsing = parsing_from_regions(regions)
        bottom = self.garment_mask(image, person_mask, regions, keypoints, "lower")
        top = self.garment_mask(image, person_mask, regions, keypoints, "upper")
        parsing[bottom] = PARSING_INDEX["bottom"]
        parsing[top] = PARSING_INDEX["top"]
        parsing[~person_mask] = 0
        return parsing


# ---------------------------------------------------------------------- prompts
def _missing_message(path: Path | None, model_type: str) -> str:
    name = CHECKPOINT_NAMES.get(model_type, "the checkpoint")
    where = (
        "no SAM checkpoint was given" if path is None else f"SAM checkpoint {str(path)!r} not found"
    )
    return (
        f"{where}: download {name} from "
        "https://github.com/facebookresearch/segment-anything#model-checkpoints "
        "(no package ships it), put it for example in weights/sam/ and pass its path "
        "(--sam-checkpoint PATH)"
    )


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 0.0


def _padded_box(mask: np.ndarray, pad: float):
    box = geometry.bbox(mask)
    if box is None:
        return None
    h, w = mask.shape
    x0, y0, x1, y1 = box
    px, py = pad * (x1 - x0), pad * (y1 - y0)
    return (max(0.0, x0 - px), max(0.0, y0 - py), min(w - 1.0, x1 + px), min(h - 1.0, y1 + py))


def _visible(keypoints: np.ndarray, names, shape) -> list[np.ndarray]:
    h, w = shape
    out = []
    for name in names:
        x, y, vis = keypoints[KEYPOINT_INDEX[name]]
        if vis >= _VIS and 0 <= x < w and 0 <= y < h:
            out.append(np.array([x, y], dtype=np.float32))
    return out


def person_prompts(person_mask: np.ndarray, keypoints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Point prompts for the whole person: ``(N, 2)`` float32 points and ``(N,)`` labels.

    Positives: visible shoulders, elbows, hips, knees that lie on the mask, and the torso
    centre; negatives: the two upper corners of the padded person box when they are off the mask.
    """
    names = ("left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_hip",
             "right_hip", "left_knee", "right_knee", "nose")  # fmt: skip
    pts = [
        p
        for p in _visible(keypoints, names, person_mask.shape)
        if person_mask[int(p[1]), int(p[0])]
    ]
    torso = _visible(keypoints, names[:2] + names[4:6], person_mask.shape)
    if torso:
        centre = np.mean(torso, axis=0)
        if person_mask[int(centre[1]), int(centre[0])]:
            pts.append(centre)
    labels = [1] * len(pts)
    box = _padded_box(person_mask, 0.02)
    if box is not None:
        for corner in ((box[0], box[1]), (box[2], box[1])):
            cx, cy = int(corner[0]), int(corner[1])
            if not person_mask[cy, cx]:
                pts.append(np.array(corner, dtype=np.float32))
                labels.append(0)
    if not pts:
        ys, xs = np.nonzero(person_mask)
        if ys.size:
            i = len(ys) // 2
            pts, labels = [np.array([xs[i], ys[i]], np.float32)], [1]
    return np.array(pts, dtype=np.float32).reshape(-1, 2), np.array(labels, dtype=np.int64)


def garment_prompts(regions: np.ndarray, keypoints: np.ndarray, category: str):
    """Points, labels and the body area for a garment of ``category`` (``upper``/``lower``)."""
    if category == "upper":
        area = regions == REGION_INDEX["torso"]
        other = np.isin(regions, [REGION_INDEX["upper_legs"], REGION_INDEX["lower_legs"]])
    else:
        area = regions == REGION_INDEX["upper_legs"]
        other = regions == REGION_INDEX["torso"]
    pts, labels = [], []
    for mask, label in ((area, 1), (other, 0), (regions == REGION_INDEX["face"], 0)):
        inner = geometry.erode(mask, 2) if mask.sum() > 50 else mask
        if not inner.any():
            continue
        ys, xs = np.nonzero(inner)
        # The pixel of the region nearest its centroid, and for the garment two more along it.
        order = np.argsort((ys - ys.mean()) ** 2 + (xs - xs.mean()) ** 2)
        chosen = [order[0]]
        if label == 1:
            top, bottom = np.argmin(ys), np.argmax(ys)
            chosen += [order[np.argmin(np.abs(ys[order] - (ys[order[0]] + ys[top]) / 2))],
                       order[np.argmin(np.abs(ys[order] - (ys[order[0]] + ys[bottom]) / 2))]]  # fmt: skip
        for i in chosen:
            pts.append((float(xs[i]) + 0.5, float(ys[i]) + 0.5))
            labels.append(label)
    return (
        np.array(pts, dtype=np.float32).reshape(-1, 2),
        np.array(labels, dtype=np.int64),
        area,
    )
