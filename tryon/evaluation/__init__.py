"""Evaluation: try-on metrics, attribute judges, baselines, the harness and reports.

* :mod:`tryon.evaluation.metrics` - SSIM, PSNR, masked L1, preservation, FID/KID.
* :mod:`tryon.evaluation.colour` - sRGB -> CIELAB, CIEDE2000, palette look-ups.
* :mod:`tryon.evaluation.classifiers` - garment type / sleeve / pattern classifiers.
* :mod:`tryon.evaluation.baselines` - the recolour baseline and pipeline wrappers.
* :mod:`tryon.evaluation.harness` - runs a method over world pairs and real photos.
* :mod:`tryon.evaluation.report` - report.json, report.md, charts and grids.

The command line is ``tryon eval`` (:mod:`tryon.cli.eval`).
"""

from tryon.evaluation.colour import ciede2000, nearest_palette_colour, palette_lab, srgb_to_lab
from tryon.evaluation.metrics import (
    PSNR_CAP_DB,
    InceptionFeatures,
    RealismMetrics,
    masked_l1,
    preservation_error,
    psnr,
    ssim,
)

__all__ = [
    "PSNR_CAP_DB",
    "InceptionFeatures",
    "RealismMetrics",
    "ciede2000",
    "masked_l1",
    "nearest_palette_colour",
    "palette_lab",
    "preservation_error",
    "psnr",
    "srgb_to_lab",
    "ssim",
]
