"""``tryon analyse PHOTO --out DIR``: analyse a person photo and write the masks.

Writes into DIR (all PNGs the photo's size, written atomically):

- ``analysis.json``: keypoints (pixels and normalised), bbox, image size, backend, version;
- ``image.png``: the photo as analysed (EXIF-rotated RGB);
- ``person.png``: person mask, 0/255;
- ``regions.png``: body regions as raw label ids (``tryon.body.REGION_LABELS``) in a palette PNG;
- ``parsing.png``: the colourised parsing to look at (the garment parsing when SAM or the
  colour parsing found one, else the body regions); its pixel values are label ids too, see
  ``"parsing_png"`` in the JSON;
- ``agnostic-upper.png``, ``agnostic-lower.png``, ``agnostic-full.png``: 0/255 masks;
- ``overlay.png``: the photo with the regions tinted and the skeleton drawn.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

import cv2
import numpy as np

from tryon.body import CATEGORIES, KEYPOINT_INDEX, SKELETON


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "analyse",
        help="analyse a person photo: pose, person mask, body regions, agnostic masks",
        description=(
            "Find the person in PHOTO (pose keypoints, person mask, body regions) and write "
            "the analysis plus garment-agnostic masks for upper, lower and full garments to "
            "DIR. Runs offline on the CPU with mediapipe."
        ),
    )
    parser.add_argument("photo", metavar="PHOTO", help="the person photo (JPEG, PNG, ...)")
    parser.add_argument("--out", metavar="DIR", required=True, help="output folder (created)")
    parser.add_argument(
        "--backend", default="mediapipe", choices=["mediapipe"], help="analysis backend"
    )
    parser.add_argument(
        "--sam-checkpoint",
        metavar="PATH",
        default=None,
        help="Segment Anything checkpoint to refine the masks (needs the 'sam' extra)",
    )
    parser.add_argument(
        "--sam-model-type",
        default="vit_b",
        choices=["vit_b", "vit_l", "vit_h"],
        help="architecture of the SAM checkpoint (default vit_b)",
    )
    parser.add_argument(
        "--no-colour-parsing",
        dest="colour_parsing",
        action="store_false",
        help="without SAM, do not look for where the top ends by colour (no garment parsing)",
    )
    parser.add_argument(
        "--dilation",
        type=float,
        default=0.03,
        metavar="F",
        help="agnostic-mask dilation as a fraction of the person height (default 0.03)",
    )
    parser.set_defaults(func=run)


def render_overlay(analysis, alpha: float = 0.45) -> np.ndarray:
    """``(H, W, 3)`` uint8: regions tinted over the photo, skeleton and keypoints drawn."""
    from tryon.analysis.person import REGION_COLOURS, colourise

    image = analysis.image.astype(np.float32)
    tint = colourise(analysis.regions, REGION_COLOURS).astype(np.float32)
    person = analysis.regions > 0
    image[person] = (1 - alpha) * image[person] + alpha * tint[person]
    out = np.ascontiguousarray(np.clip(image + 0.5, 0, 255).astype(np.uint8))
    thickness = max(1, round(max(analysis.height, analysis.width) / 300))
    kp = analysis.keypoints
    for a, b in SKELETON:
        pa, pb = kp[KEYPOINT_INDEX[a]], kp[KEYPOINT_INDEX[b]]
        if min(pa[2], pb[2]) >= 0.3:
            p0 = (int(round(pa[0])), int(round(pa[1])))
            p1 = (int(round(pb[0])), int(round(pb[1])))
            cv2.line(out, p0, p1, (255, 255, 255), thickness, cv2.LINE_AA)
    for x, y, vis in kp:
        if vis >= 0.3:
            centre = (int(round(x)), int(round(y)))
            cv2.circle(out, centre, 2 * thickness + 1, (255, 0, 0), -1, cv2.LINE_AA)
    return out


@contextlib.contextmanager
def _quiet_native_stderr(enabled: bool):
    """Silence C++ log lines (mediapipe/TFLite write INFO and WARNING lines straight to file
    descriptor 2) while the models run; Python exceptions still surface normally."""
    if not enabled:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def run(args: argparse.Namespace) -> int:
    from tryon.analysis import PersonAnalyzer
    from tryon.analysis.agnostic import check_dilation
    from tryon.io import load_image_array, save_image

    dilation = check_dilation(args.dilation)
    photo = load_image_array(args.photo)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {str(out)!r} exists and is not a folder")
    with (
        _quiet_native_stderr(not getattr(args, "verbose", False)),
        PersonAnalyzer(
            backend=args.backend,
            sam_checkpoint=args.sam_checkpoint,
            sam_model_type=args.sam_model_type,
            colour_parsing=getattr(args, "colour_parsing", True),
        ) as analyzer,
    ):
        analysis = analyzer.analyse(photo)
    out.mkdir(parents=True, exist_ok=True)
    analysis.save(out, parsing_preview=True)
    for category in CATEGORIES:
        mask = analysis.agnostic_mask(category, dilation=dilation)
        save_image(np.where(mask, 255, 0).astype(np.uint8), out / f"agnostic-{category}.png")
    save_image(render_overlay(analysis), out / "overlay.png")
    x0, y0, x1, y1 = analysis.bbox
    visible = int((analysis.keypoints[:, 2] >= 0.3).sum())
    print(
        f"person {x1 - x0}x{y1 - y0} px at ({x0}, {y0}), {visible}/17 keypoints visible, "
        f"backend {analysis.backend}; wrote {out}"
    )
    return 0
