"""benchmarks/colour_self_check.py: the garment as the pipeline sees it, and the figure."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "colour_self_check.py"
spec = importlib.util.spec_from_file_location("colour_self_check", SCRIPT)
colour_self_check = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = colour_self_check
spec.loader.exec_module(colour_self_check)


def _scene():
    """A 20x30 render: a navy garment (columns 0-9), skin (10-19) and wall (20-29), all in the
    lock region; full weight but for the first row."""
    from tryon.pipeline.colour_lock import rgb_to_lab

    image = np.zeros((20, 30, 3), np.uint8)
    image[:, :10] = (30, 40, 110)
    image[:, 10:20] = (220, 170, 140)
    image[:, 20:] = (200, 200, 195)
    lab = rgb_to_lab(image)
    unlocked = SimpleNamespace(
        weight=np.ones((20, 30), np.float32),
        skin=lab[0, 15].copy(),
        background=lab[0, 25].copy(),
    )
    unlocked.weight[0] = 0.5
    return image, np.ones((20, 30), bool), unlocked, lab


def test_own_region_leaves_out_skin_wall_and_the_feathered_edge():
    from tryon.pipeline.colour_lock import LockTarget, parse_colour

    image, region, unlocked, _ = _scene()
    own = colour_self_check.own_region(image, region, unlocked, LockTarget(parse_colour("navy")))
    expected = np.zeros_like(region)
    expected[1:, :10] = True
    np.testing.assert_array_equal(own, expected)


def test_own_region_keeps_the_wall_tone_when_the_asked_colour_is_the_walls():
    """Asking for the wall's own colour, the background guard stands aside, as the lock's does."""
    from tryon.pipeline.colour_lock import LockTarget

    image, region, unlocked, lab = _scene()
    own = colour_self_check.own_region(image, region, unlocked, LockTarget(lab[0, 25]))
    assert own[1:, 20:].all() and not own[:, 10:20].any()
    unlocked.skin = unlocked.background = None  # no tones: the whole region at full weight
    own = colour_self_check.own_region(image, region, unlocked, LockTarget(lab[0, 25]))
    np.testing.assert_array_equal(own, unlocked.weight >= 1.0)


def test_save_figure_stacks_photo_before_and_after_per_pair(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    strips = []
    for height, width in ((100, 80), (60, 90)):
        images = [rng.integers(0, 255, (height, width, 3), dtype=np.uint8) for _ in range(3)]
        strips.append((10, *images, (10, height - 10, 5, width - 5)))
    path = tmp_path / "figure" / "holes.jpg"
    colour_self_check.save_figure(strips, path)
    figure = Image.open(path)
    # two rows of 240 pixels, as wide as the wider: three panels of the second pair's 40x80
    # crop scaled to 240 high (the first pair's 80x70 crop makes 210-pixel panels)
    assert figure.size == (3 * 480, 480)
