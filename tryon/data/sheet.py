"""Contact sheets of the world: pairs (A | B) with the caption of B under each pair."""

from __future__ import annotations

import math

import cv2
import numpy as np

from tryon.data.dataset import WorldPairDataset


def _wrap(text: str, width_px: int, scale: float) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        (w, _), _ = cv2.getTextSize(trial, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        if w > width_px and line:
            lines.append(line)
            line = word
        else:
            line = trial
    return lines + ([line] if line else [])


def contact_sheet(
    n: int = 16,
    seed: int = 0,
    size=(512, 384),
    split: str = "train",
    columns: int | None = None,
) -> np.ndarray:
    """Render ``n`` pairs of ``split`` into one RGB image (uint8).

    Each cell shows the person in garment A, the same person in garment B, and B's caption.
    ``columns`` defaults to about ``sqrt(n)``.
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    ds = WorldPairDataset(split=split, size=size, length=n, seed=seed)
    h, w = ds.size
    scale = max(0.3, w / 640)
    line_h = int(26 * scale) + 4
    cells = []
    for i in range(n):
        spec, a, b = ds.render(i)
        pair = np.concatenate([a.image, np.full((h, 2, 3), 255, np.uint8), b.image], axis=1)
        lines = _wrap(spec.caption, pair.shape[1] - 8, scale)[:3]
        band = np.full((line_h * 3 + 4, pair.shape[1], 3), 250, np.uint8)
        for k, line in enumerate(lines):
            cv2.putText(
                band,
                line,
                (4, line_h * (k + 1) - 4),
                cv2.FONT_HERSHEY_SIMPLEX,
                scale,
                (20, 20, 20),
                1,
                cv2.LINE_AA,
            )
        cell = np.concatenate([pair, band], axis=0)
        cells.append(np.pad(cell, ((3, 3), (3, 3), (0, 0)), constant_values=255))
    cols = columns or max(1, int(math.ceil(math.sqrt(n))))
    rows = int(math.ceil(n / cols))
    blank = np.full_like(cells[0], 255)
    cells += [blank] * (rows * cols - n)
    return np.concatenate(
        [np.concatenate(cells[r * cols : (r + 1) * cols], axis=1) for r in range(rows)], axis=0
    )
