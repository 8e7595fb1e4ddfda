"""Fixtures of the analysis tests.

``syn``: a synthetic standing person (region map + keypoints) with exactly known geometry.

Image 200 x 100 (H x W). Rectangles, rows/cols half-open:

=============  ==========  ==========
region         rows        cols
=============  ==========  ==========
hair           4-10        40-60
face           10-30       40-60
neck           30-40       45-55
torso          40-100      30-70
upper_arms     40-70       20-30 and 70-80
lower_arms     70-95       20-30 and 70-80
hands          95-105      20-30 and 70-80
upper_legs     100-140     35-65
lower_legs     140-180     35-65
feet           180-190     35-65
=============  ==========  ==========
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from tryon.body import KEYPOINT_INDEX, REGION_INDEX

H, W = 200, 100

BOXES = {
    "hair": [(4, 10, 40, 60)],
    "face": [(10, 30, 40, 60)],
    "neck": [(30, 40, 45, 55)],
    "torso": [(40, 100, 30, 70)],
    "upper_arms": [(40, 70, 20, 30), (40, 70, 70, 80)],
    "lower_arms": [(70, 95, 20, 30), (70, 95, 70, 80)],
    "hands": [(95, 105, 20, 30), (95, 105, 70, 80)],
    "upper_legs": [(100, 140, 35, 65)],
    "lower_legs": [(140, 180, 35, 65)],
    "feet": [(180, 190, 35, 65)],
}

POINTS = {
    "nose": (50, 20),
    "left_eye": (55, 16),
    "right_eye": (45, 16),
    "left_ear": (60, 18),
    "right_ear": (40, 18),
    "left_shoulder": (65, 42),
    "right_shoulder": (35, 42),
    "left_elbow": (75, 70),
    "right_elbow": (25, 70),
    "left_wrist": (75, 95),
    "right_wrist": (25, 95),
    "left_hip": (60, 98),
    "right_hip": (40, 98),
    "left_knee": (58, 140),
    "right_knee": (42, 140),
    "left_ankle": (58, 178),
    "right_ankle": (42, 178),
}


def region_map() -> np.ndarray:
    regions = np.zeros((H, W), dtype=np.uint8)
    for name in ("torso", "upper_legs", "lower_legs", "feet", "neck", "face", "hair"):
        for r0, r1, c0, c1 in BOXES[name]:
            regions[r0:r1, c0:c1] = REGION_INDEX[name]
    for name in ("upper_arms", "lower_arms", "hands"):
        for r0, r1, c0, c1 in BOXES[name]:
            regions[r0:r1, c0:c1] = REGION_INDEX[name]
    return regions


def keypoints(visible: float = 1.0) -> np.ndarray:
    kp = np.zeros((17, 3), dtype=np.float32)
    for name, (x, y) in POINTS.items():
        kp[KEYPOINT_INDEX[name]] = (x, y, visible)
    return kp


def box_mask(name: str) -> np.ndarray:
    mask = np.zeros((H, W), dtype=bool)
    for r0, r1, c0, c1 in BOXES[name]:
        mask[r0:r1, c0:c1] = True
    return mask


@pytest.fixture(scope="session")
def syn():
    """This module: ``region_map()``, ``keypoints()``, ``box_mask(name)``, ``H``, ``W``."""
    return sys.modules[__name__]
