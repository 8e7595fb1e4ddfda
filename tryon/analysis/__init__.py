"""Person analysis: pose keypoints, person mask, body regions and garment-agnostic masks.

``PersonAnalysis`` (the result) and ``agnostic_mask_from_regions`` import nothing heavy;
``PersonAnalyzer``/``analyse_person`` (mediapipe) and ``SamRefiner`` (segment-anything) are
imported on first use.
"""

from __future__ import annotations

from tryon.analysis.agnostic import agnostic_mask_from_regions
from tryon.analysis.errors import (
    AnalysisFileError,
    MissingDependencyError,
    NoPersonFoundError,
    PersonTooSmallError,
)
from tryon.analysis.person import PersonAnalysis

__all__ = [
    "AnalysisFileError",
    "MissingDependencyError",
    "NoPersonFoundError",
    "PersonAnalysis",
    "PersonAnalyzer",
    "PersonTooSmallError",
    "SamRefiner",
    "agnostic_mask_from_regions",
    "analyse_person",
]

_LAZY = {
    "PersonAnalyzer": "tryon.analysis.analyzer",
    "analyse_person": "tryon.analysis.analyzer",
    "SamRefiner": "tryon.analysis.sam",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'tryon.analysis' has no attribute {name!r}")
