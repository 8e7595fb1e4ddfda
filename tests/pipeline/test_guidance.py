"""Guidance arithmetic and the contrast prompts of colour guidance."""

from __future__ import annotations

import pytest
import torch

from tryon.pipeline.guidance import colourless_prompts, combine_guidance, guidance_schedule


def test_colourless_prompts():
    assert colourless_prompts(["a linen shirt", "plain tank top"]) is None
    assert colourless_prompts(["a navy linen shirt", "plain tank top"]) == [
        "a linen shirt",
        "plain tank top",  # names no colour: its own contrast, which is zero
    ]
    assert colourless_prompts(["tan skirt with cobalt stripes"]) == ["skirt with cobalt stripes"]


def test_combine_guidance():
    g = torch.Generator().manual_seed(0)
    uncond, cond, colourless = (torch.randn(2, 4, 3, 3, generator=g) for _ in range(3))
    cfg = combine_guidance((uncond, cond), 5.0, 0.0, unconditional=True, colourless=False)
    torch.testing.assert_close(cfg, uncond + 5.0 * (cond - uncond))
    both = combine_guidance(
        (uncond, cond, colourless), 5.0, 2.0, unconditional=True, colourless=True
    )
    torch.testing.assert_close(both, uncond + 5.0 * (cond - uncond) + 2.0 * (cond - colourless))
    colour_only = combine_guidance((cond, colourless), 5.0, 2.0, False, colourless=True)
    torch.testing.assert_close(colour_only, cond + 2.0 * (cond - colourless))
    assert combine_guidance((cond,), 5.0, 2.0, False, False) is cond
    with pytest.raises(ValueError, match="expected 3 noise predictions, got 2"):
        combine_guidance((uncond, cond), 5.0, 2.0, unconditional=True, colourless=True)


def test_guidance_schedule():
    schedule = guidance_schedule(10, 0.8, 0.25, unconditional=True, colourless=True)
    assert [1 + sum(flags) for flags in schedule] == [3, 3, 3] + [2] * 5 + [1, 1]
    assert guidance_schedule(4, 1.0, 1.0, False, False) == [(False, False)] * 4
    # colour guidance alone, past the end of classifier-free guidance
    assert guidance_schedule(4, 0.25, 1.0, True, True) == [(True, True)] + [(False, True)] * 3
