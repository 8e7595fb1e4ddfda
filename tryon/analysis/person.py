"""``PersonAnalysis``: everything the try-on needs to know about the person in one photo.

Analyse once, try many: an analysis is computed once per photo (by a backend, see
:mod:`tryon.analysis.analyzer`, or from the procedural world's ground truth) and reused for
every garment tried on, saved to a directory as JSON + PNG and loaded back.

Directory layout written by :meth:`PersonAnalysis.save`:

========================  =====================================================================
``analysis.json``         format version, backend, image size, bbox, keypoints (pixels and
                          normalised), label names, which files hold what
``image.png``             the photo, RGB
``person.png``            person mask, 0/255 greyscale
``regions.png``           body regions: a palette ("P" mode) PNG whose pixel values are the raw
                          :data:`tryon.body.REGION_LABELS` ids (``np.array(Image.open(...))``)
``parsing.png``           garment parsing when known: palette PNG of raw
                          :data:`tryon.body.PARSING_LABELS` ids. With ``parsing_preview=True``
                          and no garment parsing it holds the colourised *regions* instead;
                          ``analysis.json`` ``"parsing_png"`` says which (``"parsing"``,
                          ``"regions"`` or ``null``)
========================  =====================================================================
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from tryon.analysis.agnostic import agnostic_mask_from_regions
from tryon.analysis.errors import AnalysisFileError
from tryon.body import (
    KEYPOINT_NAMES,
    PARSING_LABELS,
    REGION_LABELS,
    check_keypoints,
    render_pose_map,
)

logger = logging.getLogger(__name__)

#: Version of the saved directory format; :meth:`PersonAnalysis.load` refuses other versions.
FORMAT_VERSION = 1

#: Display colours (sRGB) of the region labels, in :data:`tryon.body.REGION_LABELS` order.
REGION_COLOURS: tuple[tuple[int, int, int], ...] = (
    (0, 0, 0),  # background
    (128, 64, 0),  # hair
    (255, 200, 160),  # face
    (230, 150, 120),  # neck
    (0, 128, 255),  # torso
    (0, 200, 100),  # upper_arms
    (120, 230, 60),  # lower_arms
    (255, 80, 80),  # hands
    (160, 80, 255),  # upper_legs
    (220, 140, 255),  # lower_legs
    (255, 230, 0),  # feet
)

#: Display colours (sRGB) of the garment parsing labels, in PARSING_LABELS order.
PARSING_COLOURS: tuple[tuple[int, int, int], ...] = (
    (0, 0, 0),  # background
    (128, 64, 0),  # hair
    (255, 200, 160),  # face
    (230, 150, 120),  # neck
    (200, 120, 90),  # arms
    (255, 80, 80),  # hands
    (180, 110, 80),  # legs
    (255, 230, 0),  # feet
    (0, 128, 255),  # top
    (160, 80, 255),  # bottom
    (255, 0, 160),  # one_piece
    (90, 90, 90),  # shoes
)

_FILES = ("analysis.json", "image.png", "person.png", "regions.png")


def _palette(colours) -> list[int]:
    flat = [c for colour in colours for c in colour]
    return flat + [0] * (768 - len(flat))


def label_image(labels: np.ndarray, colours) -> Image.Image:
    """A palette ("P") PIL image whose pixel values are ``labels`` and colours ``colours``."""
    image = Image.fromarray(np.asarray(labels, dtype=np.uint8), mode="P")
    image.putpalette(_palette(colours))
    return image


def colourise(labels: np.ndarray, colours) -> np.ndarray:
    """``(H, W, 3)`` uint8 RGB view of a label map."""
    table = np.zeros((256, 3), dtype=np.uint8)
    table[: len(colours)] = np.asarray(colours, dtype=np.uint8)
    return table[np.asarray(labels, dtype=np.uint8)]


def _to_numpy(value) -> np.ndarray:
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _as_label_map(name: str, value, shape: tuple[int, int], num_labels: int) -> np.ndarray:
    array = np.asarray(value)
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape} (the image's), got {array.shape}")
    if not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"{name} must hold integer labels, got dtype {array.dtype}")
    if array.size and (array.min() < 0 or array.max() >= num_labels):
        raise ValueError(
            f"{name} labels must be in [0, {num_labels - 1}], got [{array.min()}, {array.max()}]"
        )
    return array.astype(np.uint8)


@dataclass
class PersonAnalysis:
    """The analysis of one person photo.

    Attributes:
        image: ``(H, W, 3)`` uint8 RGB photo.
        keypoints: ``(17, 3)`` float32 COCO-17 keypoints (:data:`tryon.body.KEYPOINT_NAMES`),
            x and y in pixels of ``image``, visibility in ``[0, 1]`` (0 = not detected).
        person_mask: ``(H, W)`` bool, True on the person (body, hair, clothes).
        regions: ``(H, W)`` uint8 body-region map (:data:`tryon.body.REGION_LABELS`).
        parsing: ``(H, W)`` uint8 garment parsing (:data:`tryon.body.PARSING_LABELS`) or
            ``None`` when unknown (known for world ground truth and after SAM refinement).
        backend: name of what produced it (``"mediapipe"``, ``"ground_truth"``, ...).

    Arrays are validated and converted to these dtypes on construction.
    """

    image: np.ndarray
    keypoints: np.ndarray
    person_mask: np.ndarray
    regions: np.ndarray
    parsing: np.ndarray | None = None
    backend: str = "unknown"

    def __post_init__(self) -> None:
        image = np.asarray(self.image)
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"image must have shape (H, W, 3), got {image.shape}")
        if image.dtype != np.uint8:
            raise TypeError(f"image must be uint8 RGB, got dtype {image.dtype}")
        if image.shape[0] < 1 or image.shape[1] < 1:
            raise ValueError(f"image must not be empty, got shape {image.shape}")
        self.image = image
        shape = image.shape[:2]
        self.keypoints = check_keypoints(self.keypoints).copy()
        vis = self.keypoints[:, 2]
        if vis.min() < 0 or vis.max() > 1:
            raise ValueError(
                f"keypoint visibility must be in [0, 1], got [{vis.min()}, {vis.max()}]"
            )
        mask = np.asarray(self.person_mask)
        if mask.shape != shape:
            raise ValueError(f"person_mask must have shape {shape} (the image's), got {mask.shape}")
        self.person_mask = mask.astype(bool)
        self.regions = _as_label_map("regions", self.regions, shape, len(REGION_LABELS))
        if self.parsing is not None:
            self.parsing = _as_label_map("parsing", self.parsing, shape, len(PARSING_LABELS))
        if not isinstance(self.backend, str) or not self.backend:
            raise TypeError(f"backend must be a non-empty string, got {self.backend!r}")

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_ground_truth(
        cls,
        image: np.ndarray,
        keypoints: np.ndarray,
        regions: np.ndarray,
        parsing: np.ndarray | None = None,
    ) -> PersonAnalysis:
        """The analysis of a world image from its exact ground truth (backend ``"ground_truth"``).

        The person mask is every non-background pixel of ``regions`` or ``parsing``.
        ``regions``/``parsing`` may be any integer dtype (e.g. the dataset's int64) or torch
        tensors. ``image`` is ``(H, W, 3)`` uint8, or — as the world's datasets hold it — a
        ``(3, H, W)`` float array/tensor in ``[-1, 1]``, converted to uint8 RGB.
        """
        image = _to_numpy(image)
        if image.ndim == 3 and image.shape[0] == 3 and np.issubdtype(image.dtype, np.floating):
            image = np.clip((image.transpose(1, 2, 0) + 1.0) * 127.5 + 0.5, 0, 255).astype(np.uint8)
        keypoints = _to_numpy(keypoints)
        regions = _to_numpy(regions)
        parsing = None if parsing is None else _to_numpy(parsing)
        person = regions != 0
        if parsing is not None:
            if parsing.shape == person.shape:
                person = person | (parsing != 0)
        return cls(
            image=image,
            keypoints=keypoints,
            person_mask=person,
            regions=regions,
            parsing=parsing,
            backend="ground_truth",
        )

    # ------------------------------------------------------------------ geometry
    @property
    def height(self) -> int:
        """Image height in pixels."""
        return int(self.image.shape[0])

    @property
    def width(self) -> int:
        """Image width in pixels."""
        return int(self.image.shape[1])

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        """Person box ``(x0, y0, x1, y1)`` in pixels, exclusive end.

        From the person mask; if it is empty, from the visible keypoints; else the whole image.
        """
        rows = np.flatnonzero(self.person_mask.any(axis=1))
        if rows.size:
            cols = np.flatnonzero(self.person_mask.any(axis=0))
            return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1
        visible = self.keypoints[self.keypoints[:, 2] > 0]
        if len(visible):
            x0 = int(np.clip(np.floor(visible[:, 0].min()), 0, self.width - 1))
            y0 = int(np.clip(np.floor(visible[:, 1].min()), 0, self.height - 1))
            x1 = int(np.clip(np.floor(visible[:, 0].max()) + 1, x0 + 1, self.width))
            y1 = int(np.clip(np.floor(visible[:, 1].max()) + 1, y0 + 1, self.height))
            return x0, y0, x1, y1
        return 0, 0, self.width, self.height

    @property
    def keypoints_normalised(self) -> np.ndarray:
        """``(17, 3)`` float32: x / width and y / height (in ``[0, 1]`` inside the image), visibility."""
        out = self.keypoints.copy()
        out[:, 0] /= self.width
        out[:, 1] /= self.height
        return out

    # ------------------------------------------------------------------ masks and maps
    def agnostic_mask(
        self,
        category: str,
        dilation: float = 0.03,
        skirt_flare: float = 0.0,
        keep_top: bool = False,
    ) -> np.ndarray:
        """``(H, W)`` bool mask of where a garment of ``category`` could lie.

        See :func:`tryon.analysis.agnostic_mask_from_regions` for the algorithm; the current
        garment (``parsing``, when known) is always covered. ``dilation`` is a fraction of the
        person height in ``[0, 0.5]``, default 0.03; ``skirt_flare`` (``>= 0``, default 0) the
        widening of the skirt cone; ``keep_top`` leaves the current top (``parsing``, when
        known) out of a ``lower`` mask. Face, hair, hands and feet are never covered.
        """
        return agnostic_mask_from_regions(
            self.regions,
            self.keypoints,
            category,
            parsing=self.parsing,
            dilation=dilation,
            skirt_flare=skirt_flare,
            keep_top=keep_top,
        )

    def agnostic_image(
        self, category: str, dilation: float = 0.03, fill: tuple[int, int, int] = (128, 128, 128)
    ) -> np.ndarray:
        """``(H, W, 3)`` uint8: the photo with :meth:`agnostic_mask` filled with ``fill`` (RGB 0-255)."""
        fill_arr = np.asarray(fill)
        if fill_arr.shape != (3,) or not np.all((fill_arr >= 0) & (fill_arr <= 255)):
            raise ValueError(f"fill must be an RGB triple of values in [0, 255], got {fill!r}")
        out = self.image.copy()
        out[self.agnostic_mask(category, dilation)] = fill_arr.astype(np.uint8)
        return out

    def pose_map(
        self,
        box: tuple[float, float, float, float] | None = None,
        size: tuple[int, int] | None = None,
        sigma: float | None = None,
    ) -> np.ndarray:
        """Keypoint heatmaps of the crop ``box`` resized to ``size``: ``(17, h, w)`` float32 in [0, 1].

        Args:
            box: ``(x0, y0, x1, y1)`` crop in image pixels (may extend past the image);
                default the whole image.
            size: ``(h, w)`` output size; default the box's size in pixels (rounded).
            sigma: Gaussian std in output pixels; default ``max(h, w) / 32``
                (see :func:`tryon.body.render_pose_map`).
        """
        if box is None:
            box = (0.0, 0.0, float(self.width), float(self.height))
        if len(box) != 4:
            raise ValueError(f"box must be (x0, y0, x1, y1), got {box!r}")
        x0, y0, x1, y1 = (float(v) for v in box)
        if not (x1 > x0 and y1 > y0):
            raise ValueError(f"box must have x1 > x0 and y1 > y0, got {box!r}")
        if size is None:
            size = (max(1, int(round(y1 - y0))), max(1, int(round(x1 - x0))))
        if len(size) != 2 or int(size[0]) <= 0 or int(size[1]) <= 0:
            raise ValueError(f"size must be a positive (h, w), got {size!r}")
        h, w = int(size[0]), int(size[1])
        kp = self.keypoints.copy()
        kp[:, 0] = (kp[:, 0] - x0) * (w / (x1 - x0))
        kp[:, 1] = (kp[:, 1] - y0) * (h / (y1 - y0))
        return render_pose_map(kp, h, w, sigma=sigma)

    # ------------------------------------------------------------------ persistence
    def to_json(self) -> dict:
        """The JSON-serialisable description written to ``analysis.json`` (no pixel data)."""
        return {
            "format_version": FORMAT_VERSION,
            "backend": self.backend,
            "image_size": {"height": self.height, "width": self.width},
            "bbox": list(self.bbox),
            "keypoint_names": list(KEYPOINT_NAMES),
            "keypoints": [[round(float(v), 3) for v in row] for row in self.keypoints],
            "keypoints_normalised": [
                [round(float(v), 6) for v in row] for row in self.keypoints_normalised
            ],
            "region_labels": list(REGION_LABELS),
            "parsing_labels": list(PARSING_LABELS),
            "files": {
                "image": "image.png",
                "person_mask": "person.png",
                "regions": "regions.png",
                "parsing": "parsing.png" if self.parsing is not None else None,
            },
            "parsing_png": "parsing" if self.parsing is not None else None,
        }

    def save(self, directory, *, parsing_preview: bool = False) -> Path:
        """Write the analysis to ``directory`` (created if needed); returns its path.

        Files are written atomically (:mod:`tryon.io`). With ``parsing_preview=True`` and no
        garment parsing, ``parsing.png`` holds the colourised region map for people to look at
        (``analysis.json`` records ``"parsing_png": "regions"``; :meth:`load` ignores it).
        """
        from tryon.io import atomic_write, save_image

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        info = self.to_json()
        save_image(self.image, directory / "image.png")
        save_image(np.where(self.person_mask, 255, 0).astype(np.uint8), directory / "person.png")
        save_image(label_image(self.regions, REGION_COLOURS), directory / "regions.png")
        if self.parsing is not None:
            save_image(label_image(self.parsing, PARSING_COLOURS), directory / "parsing.png")
        elif parsing_preview:
            save_image(label_image(self.regions, REGION_COLOURS), directory / "parsing.png")
            info["parsing_png"] = "regions"
        with atomic_write(directory / "analysis.json", mode="w") as handle:
            json.dump(info, handle, indent=2)
            handle.write("\n")
        logger.info("saved person analysis to %s", directory)
        return directory

    @classmethod
    def load(cls, directory) -> PersonAnalysis:
        """Read an analysis written by :meth:`save`.

        Raises:
            AnalysisFileError: (a ``ValueError``) naming the file when a file is missing,
                unreadable, of the wrong size or inconsistent with ``analysis.json``.
        """
        directory = Path(directory)
        if not directory.is_dir():
            raise AnalysisFileError(f"analysis directory {str(directory)!r} does not exist")
        json_path = directory / "analysis.json"
        try:
            info = json.loads(json_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise AnalysisFileError(
                f"{json_path} is missing; not a saved person analysis"
            ) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise AnalysisFileError(f"{json_path} is not valid JSON: {err}") from None
        try:
            version = info["format_version"]
            height, width = int(info["image_size"]["height"]), int(info["image_size"]["width"])
            keypoints = np.asarray(info["keypoints"], dtype=np.float32)
            backend = str(info["backend"])
            has_parsing = info.get("parsing_png") == "parsing"
        except (KeyError, TypeError, ValueError) as err:
            raise AnalysisFileError(f"{json_path} lacks or has a bad field: {err}") from None
        if version != FORMAT_VERSION:
            raise AnalysisFileError(
                f"{json_path} has format_version {version!r}; this tryon reads {FORMAT_VERSION}"
            )
        if list(info.get("region_labels", REGION_LABELS)) != list(REGION_LABELS):
            raise AnalysisFileError(f"{json_path} was written with different region labels")

        def read(name: str, mode: str | None) -> np.ndarray:
            path = directory / name
            try:
                with Image.open(path) as image:
                    image.load()
                    if mode is not None and image.mode != mode:
                        image = image.convert(mode)
                    array = np.array(image)
            except FileNotFoundError:
                raise AnalysisFileError(f"{path} is missing from the saved analysis") from None
            except OSError as err:
                raise AnalysisFileError(f"{path} is not a readable PNG: {err}") from None
            if array.shape[:2] != (height, width):
                raise AnalysisFileError(
                    f"{path} is {array.shape[1]}x{array.shape[0]}, expected {width}x{height}"
                )
            return array

        image = read("image.png", "RGB")
        person = read("person.png", "L") >= 128
        regions = read("regions.png", None)
        parsing = read("parsing.png", None) if has_parsing else None
        for name, labels in (("regions.png", regions), ("parsing.png", parsing)):
            if labels is not None and labels.ndim != 2:
                raise AnalysisFileError(f"{directory / name} must be a palette (label) PNG")
        try:
            return cls(
                image=image,
                keypoints=keypoints,
                person_mask=person,
                regions=regions,
                parsing=parsing,
                backend=backend,
            )
        except (TypeError, ValueError) as err:
            raise AnalysisFileError(f"saved analysis in {directory} is invalid: {err}") from None
