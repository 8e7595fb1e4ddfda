"""Speed of one try-on on CPU: our TryOnPipeline vs diffusers' StableDiffusionInpaintPipeline.

Measured side by side in one run, at the default recipe's resolution, steps, scheduler and
guidance, with random-initialised "small" components (speed does not depend on weight values):

* ours: photo analysis (mediapipe) -> MiniLM text encoding -> 26-channel UNet denoising with
  classifier-free guidance (stopped after ``guidance_stop`` of the steps) -> VAE decode ->
  composite into the full photo; split by stage;
* baseline: an equal-width 9-channel (SD-inpainting layout) UNet driven by
  ``diffusers.StableDiffusionInpaintPipeline`` on the already-cropped image, with the same VAE
  and a CLIP text model of MiniLM's size (6 layers, 384-d), guidance on every step;
* the UNet's FLOPs per call (``torch.utils.flop_counter.FlopCounterMode``), achieved GFLOP/s
  during denoising and the fraction of this CPU's peak;
* guidance_stop: our pipeline with guidance on all steps vs the recipe's value (time, and the
  mean absolute pixel difference inside the garment region);
* attribute guidance: our pipeline with the recipe's ``[attribute_guidance]`` (one more branch
  per attribute on the steps it runs on, when the prompt names that attribute) vs all off.

Usage::

    python benchmarks/bench_pipeline.py [--recipe default] [--repeats 3] [--threads 2]
                                        [--prompt "..."] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

import numpy as np
import torch

from tryon.models.pooled_text import unet_text_kwargs
from tryon.models.text_encoder import TextEmbeddings


def _median_timings(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def unet_flops(unet, batch: int, latent_hw: tuple[int, int], tokens: int, mask: bool) -> int:
    """FLOPs of one UNet call (FlopCounterMode counts a multiply-add as 2 FLOPs)."""
    from torch.utils.flop_counter import FlopCounterMode

    param = next(unet.parameters())
    like = dict(dtype=param.dtype, device=param.device)
    x = torch.zeros(batch, unet.config.in_channels, *latent_hw, **like)
    text = torch.zeros(batch, tokens, unet.config.cross_attention_dim, **like)
    attn_mask = torch.ones(batch, tokens, dtype=torch.long, device=param.device) if mask else None
    pooled = torch.zeros(batch, unet.config.cross_attention_dim, **like)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        unet(x, 500, **unet_text_kwargs(unet, [TextEmbeddings(text, attn_mask, pooled)]))
    return counter.get_total_flops()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default="default")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats per variant")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--peak-fp32", type=float, default=154.0, help="CPU peak GFLOP/s fp32")
    parser.add_argument("--prompt", default="a navy linen shirt with short sleeves")
    parser.add_argument("--json", default=None, help="also write the results here")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from diffusers import StableDiffusionInpaintPipeline
    from skimage import data as skdata

    from tryon.models.text_encoder import max_text_length
    from tryon.pipeline import load_render_recipe, make_scheduler
    from tryon.pipeline.factory import build_pipeline
    from tryon.pipeline.guidance import plan_guidance

    recipe = load_render_recipe(args.recipe)
    height, width = recipe.resolution
    steps, scale, stop = recipe.steps, recipe.guidance_scale, recipe.guidance_stop
    prompt = args.prompt
    photo = skdata.astronaut()
    results: dict = {
        "recipe": args.recipe,
        "resolution": [height, width],
        "steps": steps,
        "scheduler": recipe.scheduler,
        "guidance_scale": scale,
        "guidance_stop": stop,
        "attribute_guidance": {a: g.scale for a, g in recipe.attribute_guidance.items()},
        "prompt": prompt,
        "threads": args.threads,
        "torch": torch.__version__,
        "machine": platform.processor() or platform.machine(),
    }

    pipe = build_pipeline(
        "small",
        text_encoder="minilm",
        resolution=(height, width),
        scheduler=recipe.scheduler,
        seed=0,
    )
    pipe.set_progress_bar_config(disable=True)
    results["unet_params_M"] = sum(p.numel() for p in pipe.unet.parameters()) / 1e6

    # The random pipeline's call defaults are the default recipe's: pass this recipe's own.
    all_off = dict.fromkeys(recipe.attribute_guidance, 0.0)

    def ours(guidance_stop: float, person=photo, seed: int = 0, attributes: bool = True):
        return pipe(
            person,
            prompt,
            num_inference_steps=steps,
            guidance_scale=scale,
            guidance_stop=guidance_stop,
            attribute_guidance=recipe.attribute_guidance if attributes else all_off,
            height=height,
            width=width,
            output_type="np",
            generator=torch.Generator().manual_seed(seed),
        )

    base = sd = crop = sd_mask = None
    if not args.skip_baseline:
        from PIL import Image

        base = build_pipeline(
            "small",
            text_encoder="clip-minilm-size",
            layout="sd-inpaint",
            resolution=(height, width),
            scheduler=recipe.scheduler,
            seed=0,
            matcher=False,
            refiner=False,
        )
        sd = StableDiffusionInpaintPipeline(
            vae=pipe.vae,  # the same VAE instance
            text_encoder=base.text_encoder,
            tokenizer=base.tokenizer,
            unet=base.unet,
            scheduler=make_scheduler(recipe.scheduler, pipe.scheduler.config),
            safety_checker=None,
            feature_extractor=None,
            requires_safety_checker=False,
        )
        sd.set_progress_bar_config(disable=True)
        crop = Image.fromarray(photo).resize((width, height))

    def baseline() -> dict[str, float]:
        t = time.perf_counter()
        sd(
            prompt=prompt,
            image=crop,
            mask_image=sd_mask,
            height=height,
            width=width,
            num_inference_steps=steps,
            guidance_scale=scale,
            output_type="np",
            generator=torch.Generator().manual_seed(0),
        )
        return {"total": time.perf_counter() - t}

    # warm-up (also creates and caches the person analyser)
    first = ours(stop)
    analysis = first.analysis
    prepared = pipe.prepare(analysis, recipe.category, height=height, width=width)
    mask = analysis.agnostic_mask(recipe.category, dilation=recipe.mask_dilation)
    if sd is not None:
        from PIL import Image

        sd_mask = Image.fromarray(mask.astype(np.uint8) * 255).resize((width, height))
        baseline()
    # Interleaved repeats: the variants share whatever load the machine has at the time.
    runs: dict[str, list[dict[str, float]]] = {
        "ours": [],
        "ours_prepared": [],
        "ours_guidance_all_steps": [],
        "ours_no_attribute_guidance": [],
        "sd_inpaint": [],
    }
    out_full = out_stop = None
    for _ in range(args.repeats):
        runs["ours"].append(ours(stop).timings)
        out_stop = ours(stop, person=prepared)
        runs["ours_prepared"].append(out_stop.timings)
        out_full = ours(1.0, person=prepared)
        runs["ours_guidance_all_steps"].append(out_full.timings)
        out_plain = ours(stop, person=prepared, attributes=False)
        runs["ours_no_attribute_guidance"].append(out_plain.timings)
        if sd is not None:
            runs["sd_inpaint"].append(baseline())
    for name, rs in runs.items():
        if rs:
            results[name] = {
                "median": _median_timings(rs),
                "min": {k: min(r[k] for r in rs) for k in rs[0]},
            }
    diff = np.abs(out_stop.images[0].astype(np.float32) - out_full.images[0].astype(np.float32))
    results["guidance_stop_pixel_diff"] = {
        "mean_abs_in_mask": float(diff[mask].mean()),
        "max_abs_in_mask": float(diff[mask].max()),
        "outside_mask_identical": bool(np.all(diff[~mask] == 0)),
    }

    # UNet FLOPs and achieved throughput (best-of-N denoising time of the prepared path)
    latent_hw = (height // 8, width // 8)
    tokens = max_text_length(pipe.tokenizer)
    # the UNet batch of each step, as the pipeline plans it: 1 + the branches that run
    plan = plan_guidance([prompt], scale, stop, recipe.attribute_guidance)
    batches = [1 + sum(flags) for flags in plan.schedule(steps)]
    if any(texts is not None for texts in plan.contrasts) and np.array_equal(
        out_stop.images[0], out_plain.images[0]
    ):
        raise RuntimeError("the attribute contrasts planned here did not change the render")
    flops = {n: unet_flops(pipe.unet, n, latent_hw, tokens, mask=True) for n in {1, 2, *batches}}
    flops_ours = sum(flops[n] for n in batches)
    results["unet_gflop_per_call_batch2"] = flops[2] / 1e9
    results["guided_branches"] = max(batches)
    results["unet_gflop_per_tryon"] = flops_ours / 1e9
    for stat in ("min", "median"):
        denoise = results["ours_prepared"][stat]["denoising"]
        results[f"unet_gflops_achieved_{stat}"] = flops_ours / denoise / 1e9
        results[f"unet_fraction_of_peak_fp32_{stat}"] = flops_ours / denoise / 1e9 / args.peak_fp32
    if base is not None:
        results["sd_unet_params_M"] = sum(p.numel() for p in base.unet.parameters()) / 1e6
        results["sd_unet_gflop_per_call_batch2"] = (
            unet_flops(base.unet, 2, latent_hw, 77, False) / 1e9
        )

    print(json.dumps(results, indent=2))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
