"""Guidance arithmetic, its per-step schedule and the contrast prompts of attribute guidance."""

from __future__ import annotations

import pytest
import torch

from tryon.pipeline.guidance import combine_guidance, contrast_prompts, guidance_schedule


def test_colour_contrast_prompts():
    assert contrast_prompts(["a linen shirt", "plain tank top"], "colour") is None
    assert contrast_prompts(["a navy linen shirt", "plain tank top"], "colour") == [
        "a linen shirt",
        "plain tank top",  # names no colour: its own contrast, which is zero
    ]
    assert contrast_prompts(["tan skirt with cobalt stripes"], "colour") == [
        "skirt with cobalt stripes"
    ]


def test_pattern_contrast_prompts():
    assert contrast_prompts(["a navy linen shirt", "Blue  Jeans"], "pattern") is None
    assert contrast_prompts(["a navy dress with white Polka Dots", "a red shirt"], "pattern") == [
        "a navy dress with white",  # the print's colour stays
        "a red shirt",
    ]
    assert contrast_prompts(["a plain tan tank top"], "pattern") == ["a tan tank top"]
    with pytest.raises(ValueError, match="no guidance contrast for 'fit'"):
        contrast_prompts(["a slim shirt"], "fit")


def test_combine_guidance():
    g = torch.Generator().manual_seed(0)
    uncond, cond, colourless, patternless = (torch.randn(2, 4, 3, 3, generator=g) for _ in range(4))
    scales = (5.0, 2.0, 3.0)
    cfg = combine_guidance((uncond, cond), scales, (True, False, False))
    torch.testing.assert_close(cfg, uncond + 5.0 * (cond - uncond))
    every = combine_guidance((uncond, cond, colourless, patternless), scales, (True, True, True))
    torch.testing.assert_close(
        every,
        uncond + 5.0 * (cond - uncond) + 2.0 * (cond - colourless) + 3.0 * (cond - patternless),
    )
    # a contrast that did not run leaves the next one its own scale
    pattern_only = combine_guidance((cond, patternless), scales, (False, False, True))
    torch.testing.assert_close(pattern_only, cond + 3.0 * (cond - patternless))
    colour_only = combine_guidance((cond, colourless), scales, (False, True, False))
    torch.testing.assert_close(colour_only, cond + 2.0 * (cond - colourless))
    assert combine_guidance((cond,), scales, (False, False, False)) is cond
    with pytest.raises(ValueError, match="expected 3 noise predictions, got 2"):
        combine_guidance((uncond, cond), scales, (True, True, False))
    with pytest.raises(ValueError, match="2 scales for 3 branch flags"):
        combine_guidance((uncond, cond), (5.0, 2.0), (True, False, False))


def test_guidance_schedule():
    schedule = guidance_schedule(10, [0.8, 0.25, 0.5])
    assert [1 + sum(flags) for flags in schedule] == [4, 4, 4, 3, 3, 2, 2, 2, 1, 1]
    assert guidance_schedule(4, [None, None]) == [(False, False)] * 4
    # colour guidance alone, past the end of classifier-free guidance; pattern not asked
    assert (
        guidance_schedule(4, [0.25, 1.0, None])
        == [(True, True, False)] + [(False, True, False)] * 3
    )
