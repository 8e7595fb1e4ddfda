"""Guidance arithmetic, its per-step schedule, the contrast prompts of attribute guidance and
the settings that say which contrasts run."""

from __future__ import annotations

import pytest
import torch

from tryon.pipeline.guidance import (
    CONTRASTS,
    AttributeGuidance,
    combine_guidance,
    contrast_prompts,
    guidance_schedule,
    plan_guidance,
    resolve_attribute_guidance,
)


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


def test_print_colour_contrast_prompts():
    assert (
        contrast_prompts(
            ["a navy dress with dots", "a white dress with white dots"], "print_colour"
        )
        is None
    )
    assert contrast_prompts(
        ["a navy dress with White polka dots", "white stripes on a red shirt", "a red shirt"],
        "print_colour",
    ) == ["a navy dress with polka dots", "stripes on a red shirt", "a red shirt"]
    # an exact caption cannot name a two-colour pattern without its colour2: left as it is
    exact = "type dress; colour navy; pattern dots; colour2 white; sleeve short; neckline crew"
    assert contrast_prompts([exact + "; length knee"], "print_colour") is None


def test_cli_names_every_contrast():
    from tryon.cli.attribute_guidance import ATTRIBUTES

    assert ATTRIBUTES == tuple(CONTRASTS)


def test_attribute_guidance_settings():
    assert AttributeGuidance(3).stop == 1.0
    for bad in (-1.0, float("nan"), True, "3"):
        with pytest.raises(ValueError, match="scale must be a finite number >= 0"):
            AttributeGuidance(bad)
    for bad in (0.0, 1.5, True):
        with pytest.raises(ValueError, match=r"stop must be"):
            AttributeGuidance(1.0, bad)
    base = {"colour": AttributeGuidance(6.0, 0.8), "pattern": AttributeGuidance(3.0, 0.5)}
    assert resolve_attribute_guidance(base) == base
    merged = resolve_attribute_guidance(
        base, {"colour": 2.0, "print_colour": (4.0, 0.6), "pattern": AttributeGuidance(1.0)}
    )
    assert merged == {
        "colour": AttributeGuidance(2.0, 0.8),  # a bare scale keeps the base's stop
        "pattern": AttributeGuidance(1.0, 1.0),
        "print_colour": AttributeGuidance(4.0, 0.6),
    }
    assert resolve_attribute_guidance({}, {"colour": 2.0}) == {"colour": AttributeGuidance(2.0)}
    with pytest.raises(ValueError, match="no guidance contrast for 'sleeve'"):
        resolve_attribute_guidance(base, {"sleeve": 1.0})
    with pytest.raises(ValueError, match=r"attribute_guidance\['pattern'\]: stop"):
        resolve_attribute_guidance(base, {"pattern": (1.0, 2.0)})


def test_plan_guidance():
    settings = {
        "colour": AttributeGuidance(6.0, 0.8),
        "pattern": AttributeGuidance(3.0, 0.5),
        "print_colour": AttributeGuidance(0.0, 0.8),
    }
    plan = plan_guidance(["a navy dress with white dots"], 5.0, 0.9, settings)
    assert plan.scales == (5.0, 6.0, 3.0, 0.0)
    assert plan.stops == (0.9, 0.8, 0.5, None)  # print colour at scale 0: does not run
    assert plan.contrasts == (["a dress with white dots"], ["a navy dress with white"], None)
    assert [1 + sum(f) for f in plan.schedule(10)] == [4] * 5 + [3] * 3 + [2] + [1]
    # no unconditional branch at guidance <= 1; a contrast no prompt names does not run
    plan = plan_guidance(["a linen shirt with stripes"], 1.0, 0.9, settings)
    assert plan.stops == (None, None, 0.5, None)
    # prompt embeddings: no words, no contrast; an attribute left out is off
    assert plan_guidance(None, 5.0, 0.9, settings).stops == (0.9, None, None, None)
    assert plan_guidance(["a red shirt"], 5.0, 0.9, {}).stops == (0.9, None, None, None)


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
