"""A real-data folder as a torch ``Dataset`` (the layout ``tryon world export`` writes).

Layout (``<id>`` is a file stem; only ``images/`` is required)::

    DIR/images/<id>.jpg|png        person photos (RGB)                       [alias: image/]
    DIR/garments/<id>.jpg|png      optional product shots of the garment      [alias: cloth/]
    DIR/parsing/<id>.png           optional PARSING_LABELS ids (uint8 PNG)    [aliases below]
    DIR/regions/<id>.png           optional REGION_LABELS ids (world exports)
    DIR/keypoints/<id>.json        optional {"keypoints": [[x, y, v] * 17]} in tryon.body order;
                                   OpenPose JSON (COCO-18 or BODY_25, as VITON-HD ships,
                                   ``<id>_keypoints.json``) is converted   [alias: openpose_json/]
    DIR/captions.json              {id: caption}; ids listed here are the data set's images
    DIR/attributes.json            optional {id: {"category": ..., "attributes": {...}}}
    DIR/pairs.txt                  optional "source target" lines (ids or file names);
                                   without it every image is its own pair (source = target)

VITON-HD / DressCode folders: ``image/``, ``cloth/``, ``image-parse-v3/`` (LIP labels, mapped
to PARSING_LABELS), ``openpose_json/`` work as they ship once a ``captions.json`` is added;
DressCode's ``label_maps/<n>_4.png`` (its 18 labels) and ``keypoints/<n>_2.json`` are found for
person image ``<n>_0``. An unpaired VITON-HD pairs file ("person.jpg cloth.jpg") reads as
source -> target with the target being the other person photo.

Items carry the same keys as :class:`tryon.data.WorldPairDataset` where the folder has the
data: ``source``, ``target`` (``(3, H, W)`` float32 in [-1, 1]), ``caption`` (the target's),
``keypoints`` ((17, 3) float32, of the target), ``parsing``/``regions`` ((H, W) int64),
``category`` and ``attributes`` (from attributes.json, else ``category`` guessed from the
caption), ``agnostic_mask`` ((1, H, W), when keypoints and regions (or parsing) exist),
``garment_mask`` (the target's category parsing labels), ``garment`` (product shot),
``id``/``source_id``. Images are letterboxed to ``size`` when given (aspect kept, padded with
white; label maps padded with 0, keypoints moved along).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from tryon.body import (
    CATEGORY_PARSING_LABELS,
    GARMENT_CATEGORY,
    KEYPOINT_NAMES,
    PARSING_INDEX,
    REGION_INDEX,
)

logger = logging.getLogger(__name__)

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
_DIRS = {
    "images": ("images", "image"),
    "garments": ("garments", "cloth"),
    "parsing": ("parsing", "image-parse-v3", "image-parse", "label_maps"),
    "regions": ("regions",),
    "keypoints": ("keypoints", "openpose_json", "openpose-json"),
}

# OpenPose keypoint names (COCO-18 and BODY_25) -> COCO-17 order.
_OP18 = (
    "nose",
    "neck",
    "right_shoulder",
    "right_elbow",
    "right_wrist",
    "left_shoulder",
    "left_elbow",
    "left_wrist",
    "right_hip",
    "right_knee",
    "right_ankle",
    "left_hip",
    "left_knee",
    "left_ankle",
    "right_eye",
    "left_eye",
    "right_ear",
    "left_ear",
)
_OP25 = (
    "nose",
    "neck",
    "right_shoulder",
    "right_elbow",
    "right_wrist",
    "left_shoulder",
    "left_elbow",
    "left_wrist",
    "mid_hip",
    "right_hip",
    "right_knee",
    "right_ankle",
    "left_hip",
    "left_knee",
    "left_ankle",
    "right_eye",
    "left_eye",
    "right_ear",
    "left_ear",
    "left_big_toe",
    "left_small_toe",
    "left_heel",
    "right_big_toe",
    "right_small_toe",
    "right_heel",
)

# LIP / CIHP 20-label parsing (VITON-HD image-parse-v3) -> PARSING_LABELS names.
LIP_TO_PARSING: dict[int, str] = {
    0: "background",
    1: "hair",
    2: "hair",
    3: "hands",
    4: "face",
    5: "top",
    6: "one_piece",
    7: "top",
    8: "feet",
    9: "bottom",
    10: "neck",
    11: "top",
    12: "bottom",
    13: "face",
    14: "arms",
    15: "arms",
    16: "legs",
    17: "legs",
    18: "shoes",
    19: "shoes",
}
# DressCode label maps (18 labels) -> PARSING_LABELS names.
DRESSCODE_TO_PARSING: dict[int, str] = {
    0: "background",
    1: "hair",
    2: "hair",
    3: "face",
    4: "top",
    5: "bottom",
    6: "bottom",
    7: "one_piece",
    8: "bottom",
    9: "shoes",
    10: "shoes",
    11: "face",
    12: "legs",
    13: "legs",
    14: "arms",
    15: "arms",
    16: "background",
    17: "top",
}
# Coarse body regions from a parsing map, for folders without regions/ (garment pixels are
# taken as the body part they mostly cover).
PARSING_TO_REGION: dict[str, str] = {
    "background": "background",
    "hair": "hair",
    "face": "face",
    "neck": "neck",
    "arms": "upper_arms",
    "hands": "hands",
    "legs": "upper_legs",
    "feet": "feet",
    "top": "torso",
    "bottom": "upper_legs",
    "one_piece": "torso",
    "shoes": "feet",
}


def convert_openpose(points: list[float]) -> np.ndarray:
    """OpenPose ``pose_keypoints_2d`` (flat x, y, c; COCO-18 or BODY_25) -> ``(17, 3)``.

    Confidence becomes visibility (clipped to [0, 1]); missing points (0, 0, 0) stay 0.
    """
    arr = np.asarray(points, dtype=np.float32).reshape(-1)
    if arr.size % 3 == 0 and arr.size // 3 in (18, 25):
        arr = arr.reshape(-1, 3)
    elif arr.size % 4 == 0 and arr.size // 4 == 18:  # DressCode: x, y, score, id
        arr = arr.reshape(-1, 4)[:, :3]
    else:
        raise ValueError(f"OpenPose keypoints must hold 18 or 25 points, got {arr.size} values")
    names = _OP18 if len(arr) == 18 else _OP25
    index = {n: i for i, n in enumerate(names)}
    out = np.zeros((len(KEYPOINT_NAMES), 3), dtype=np.float32)
    for k, name in enumerate(KEYPOINT_NAMES):
        out[k] = arr[index[name]]
    out[:, 2] = np.clip(out[:, 2], 0.0, 1.0)
    return out


def read_keypoints(path: Path) -> np.ndarray:
    """Read a keypoint JSON (tryon or OpenPose / DressCode layout) as ``(17, 3)`` float32."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if isinstance(data, dict) and "people" in data:
        people = data["people"]
        if not people:
            return np.zeros((len(KEYPOINT_NAMES), 3), dtype=np.float32)
        return convert_openpose(people[0]["pose_keypoints_2d"])
    kp = data.get("keypoints") if isinstance(data, dict) else data
    arr = np.asarray(kp, dtype=np.float32)
    if arr.shape == (len(KEYPOINT_NAMES), 3):
        return arr
    if arr.ndim == 2 and arr.shape[0] == 18 and arr.shape[1] in (3, 4):
        return convert_openpose(arr[:, :3].reshape(-1))
    raise ValueError(f"{path}: keypoints must be 17 [x, y, v] triples, got shape {arr.shape}")


def _find_dir(root: Path, key: str) -> Path | None:
    for name in _DIRS[key]:
        if (root / name).is_dir():
            return root / name
    return None


def _find_file(directory: Path | None, stems: list[str], exts) -> Path | None:
    if directory is None:
        return None
    for stem in stems:
        for ext in exts:
            p = directory / f"{stem}{ext}"
            if p.is_file():
                return p
    return None


def _stem(name: str) -> str:
    p = Path(name)
    return p.stem if p.suffix.lower() in IMAGE_EXTS else name


def letterbox_params(h: int, w: int, size) -> tuple[float, int, int]:
    """Scale and (top, left) padding that fit an ``h`` x ``w`` image into ``size``."""
    th, tw = size
    scale = min(th / h, tw / w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    return scale, (th - nh) // 2, (tw - nw) // 2


def _letterbox(arr: np.ndarray, size, fill, nearest: bool) -> np.ndarray:
    h, w = arr.shape[:2]
    if (h, w) == tuple(size):
        return arr
    scale, top, left = letterbox_params(h, w, size)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    interp = cv2.INTER_NEAREST if nearest else cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(arr, (nw, nh), interpolation=interp)
    out = np.full((size[0], size[1]) + arr.shape[2:], fill, dtype=arr.dtype)
    out[top : top + nh, left : left + nw] = small
    return out


class FolderPairDataset(Dataset):
    """Pairs (or single images) from a folder in the layout of the module docstring.

    Args:
        root: the folder.
        size: optional ``(height, width)``; images are letterboxed to it (needed to batch
            images of different sizes). Default: native size.
        agnostic: compute ``agnostic_mask`` with :func:`tryon.analysis.agnostic_mask_from_regions`
            when keypoints and regions or parsing exist (default True).
    """

    def __init__(self, root, size=None, agnostic: bool = True):
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"data folder not found: {self.root}")
        self.images_dir = _find_dir(self.root, "images")
        if self.images_dir is None:
            raise ValueError(f"{self.root} has no images/ (or image/) folder")
        self.dirs = {k: _find_dir(self.root, k) for k in _DIRS}
        self.size = None if size is None else (int(size[0]), int(size[1]))
        if self.size is not None and min(self.size) < 1:
            raise ValueError(f"size must be positive, got {size!r}")
        self.agnostic = agnostic
        self.captions = self._read_json("captions.json")
        self.attributes = self._read_json("attributes.json")
        self.pairs = self._read_pairs()
        if not self.pairs:
            raise ValueError(f"{self.root}: no images found (need images/ and captions.json)")

    def _read_json(self, name: str) -> dict:
        path = self.root / name
        if not path.is_file():
            return {}
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if not isinstance(data, dict):
            raise ValueError(f"{path} must hold a JSON object {{id: ...}}")
        return {_stem(k): v for k, v in data.items()}

    def _read_pairs(self) -> list[tuple[str, str]]:
        path = self.root / "pairs.txt"
        if path.is_file():
            pairs = []
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                parts = line.split()
                if not parts:
                    continue
                if len(parts) != 2:
                    raise ValueError(f"{path}:{n}: expected 'source target', got {line!r}")
                pairs.append((_stem(parts[0]), _stem(parts[1])))
            return pairs
        if self.captions:
            ids = sorted(self.captions)
        else:
            ids = sorted(
                p.stem for p in self.images_dir.iterdir() if p.suffix.lower() in IMAGE_EXTS
            )
        return [(i, i) for i in ids]

    def __len__(self) -> int:
        return len(self.pairs)

    # ------------------------------------------------------------------ readers

    def _image_path(self, ident: str) -> Path:
        p = _find_file(self.images_dir, [ident], IMAGE_EXTS)
        if p is None:
            raise FileNotFoundError(f"no image for id {ident!r} in {self.images_dir}")
        return p

    def _read_image(self, path: Path) -> np.ndarray:
        from tryon.io import load_image_array

        return load_image_array(path)

    def _read_labels(self, ident: str) -> tuple[np.ndarray | None, np.ndarray | None]:
        parsing = regions = None
        pdir = self.dirs["parsing"]
        dresscode = ident[:-2] + "_4" if ident.endswith("_0") else None
        ppath = _find_file(pdir, [ident] + ([dresscode] if dresscode else []), (".png",))
        if ppath is not None:
            raw = np.array(_open_label(ppath))
            parsing = self._convert_parsing(raw, pdir.name, ppath)
        rpath = _find_file(self.dirs["regions"], [ident], (".png",))
        if rpath is not None:
            regions = np.array(_open_label(rpath)).astype(np.uint8)
        return parsing, regions

    @staticmethod
    def _convert_parsing(raw: np.ndarray, dirname: str, path: Path) -> np.ndarray:
        if dirname in ("image-parse-v3", "image-parse"):
            table = LIP_TO_PARSING
        elif dirname == "label_maps":
            table = DRESSCODE_TO_PARSING
        else:
            if raw.max() >= len(PARSING_INDEX):
                raise ValueError(f"{path}: parsing ids must be < {len(PARSING_INDEX)}")
            return raw.astype(np.uint8)
        lut = np.zeros(256, dtype=np.uint8)
        for k, name in table.items():
            lut[k] = PARSING_INDEX[name]
        return lut[raw.astype(np.uint8)]

    def _read_kp(self, ident: str) -> np.ndarray | None:
        kdir = self.dirs["keypoints"]
        stems = [ident, f"{ident}_keypoints"]
        if ident.endswith("_0"):
            stems.append(ident[:-2] + "_2")
        path = _find_file(kdir, stems, (".json",))
        return None if path is None else read_keypoints(path)

    def _fit(self, image, labels, keypoints):
        """Letterbox image, label maps and keypoints to ``self.size``."""
        if self.size is None:
            return image, labels, keypoints
        h, w = image.shape[:2]
        scale, top, left = letterbox_params(h, w, self.size)
        image = _letterbox(image, self.size, 255, nearest=False)
        labels = [
            None if lab is None else _letterbox(lab, self.size, 0, nearest=True) for lab in labels
        ]
        if keypoints is not None and (h, w) != self.size:
            keypoints = keypoints.copy()
            keypoints[:, 0] = keypoints[:, 0] * scale + left
            keypoints[:, 1] = keypoints[:, 1] * scale + top
        return image, labels, keypoints

    def _category(self, ident: str, caption: str) -> tuple[str | None, dict | None]:
        entry = self.attributes.get(ident)
        if isinstance(entry, dict):
            return entry.get("category"), entry.get("attributes")
        from tryon.data.captions import parse_caption

        found = parse_caption(caption) if caption else {}
        gtype = found.get("type")
        return (GARMENT_CATEGORY[gtype] if gtype else None), None

    def __getitem__(self, index: int) -> dict:
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} items")
        src_id, tgt_id = self.pairs[index]
        target = self._read_image(self._image_path(tgt_id))
        parsing, regions = self._read_labels(tgt_id)
        keypoints = self._read_kp(tgt_id)
        target, (parsing, regions), keypoints = self._fit(target, [parsing, regions], keypoints)
        if src_id == tgt_id:
            source = target
            src_parsing = parsing
        else:
            source = self._read_image(self._image_path(src_id))
            sp, _ = self._read_labels(src_id)
            source, (src_parsing,), _ = self._fit(source, [sp], None)
        caption = str(self.captions.get(tgt_id, ""))
        item = {
            "id": tgt_id,
            "source_id": src_id,
            "source": _to_tensor(source),
            "target": _to_tensor(target),
            "caption": caption,
        }
        category, attributes = self._category(tgt_id, caption)
        if category is not None:
            item["category"] = category
        if attributes is not None:
            item["attributes"] = {str(k): str(v) for k, v in attributes.items()}
        if keypoints is not None:
            item["keypoints"] = torch.from_numpy(np.ascontiguousarray(keypoints, dtype=np.float32))
        if parsing is not None:
            item["parsing"] = torch.from_numpy(parsing.astype(np.int64))
        if regions is not None:
            item["regions"] = torch.from_numpy(regions.astype(np.int64))
        if parsing is not None and category is not None:
            labels = [PARSING_INDEX[n] for n in CATEGORY_PARSING_LABELS[category]]
            item["garment_mask"] = torch.from_numpy(
                np.isin(parsing, labels)[None].astype(np.float32)
            )
        if self.agnostic and category is not None and keypoints is not None:
            reg = regions if regions is not None else regions_from_parsing(parsing)
            if reg is not None and source.shape[:2] == target.shape[:2]:
                from tryon.analysis import agnostic_mask_from_regions

                mask = agnostic_mask_from_regions(reg, keypoints, category, parsing=parsing)
                if src_parsing is not None and src_parsing.shape == reg.shape:
                    mask |= agnostic_mask_from_regions(
                        reg, keypoints, category, parsing=src_parsing
                    )
                item["agnostic_mask"] = torch.from_numpy(mask[None].astype(np.float32))
        gpath = _find_file(
            self.dirs["garments"],
            [tgt_id] + ([tgt_id[:-2] + "_1"] if tgt_id.endswith("_0") else []),
            IMAGE_EXTS,
        )
        if gpath is not None:
            g = self._read_image(gpath)
            if self.size is not None:
                g = _letterbox(g, self.size, 255, nearest=False)
            item["garment"] = _to_tensor(g)
        return item


def regions_from_parsing(parsing: np.ndarray | None) -> np.ndarray | None:
    """Coarse REGION_LABELS map from a parsing map (see :data:`PARSING_TO_REGION`)."""
    if parsing is None:
        return None
    from tryon.body import PARSING_LABELS

    lut = np.zeros(256, dtype=np.uint8)
    for i, name in enumerate(PARSING_LABELS):
        lut[i] = REGION_INDEX[PARSING_TO_REGION[name]]
    return lut[parsing.astype(np.uint8)]


def _open_label(path: Path):
    from PIL import Image

    with Image.open(path) as im:
        if im.mode not in ("L", "P", "I", "I;16"):
            raise ValueError(f"{path}: label maps must be single-channel PNGs, got mode {im.mode}")
        return im.copy()


def _to_tensor(image: np.ndarray) -> torch.Tensor:
    t = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1))).float()
    return t.mul_(1.0 / 127.5).sub_(1.0)
