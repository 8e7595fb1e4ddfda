"""The colour locks inside the sampling loop: does locking the model's own estimate help?

A prototype, not a pipeline feature. The pipeline locks the colour once, after decoding
(:mod:`tryon.pipeline.colour_lock`). Here, at given fractions of the steps, the scheduler's
current estimate of the clean latent (DPM-Solver++ keeps it in ``model_outputs[-1]``) is
decoded, both locks run on it inside the crop's garment region (the model's mask minus the
clean plate, with the person's skin tone), and the change the lock made, encoded again, is
added to that estimate and, weighted by the signal's share at the next timestep, to the
noisy latents (``callback_on_step_end``). The model then goes on drawing from colours already
locked; the usual lock still runs at the end.

Renders ``--n`` validation pairs twice (default recipe; with and without the loop lock; the
evaluation's seeds) and prints, per judge (colour, the print's colour shown, pattern, type,
as ``tryon eval`` judges them), the accuracy of each and the pairs gained and lost, and the
mean L1 in mask.

Run: ``.venv/bin/python benchmarks/bench_loop_lock.py --n 120 --at 0.4,0.6`` (22-28 min on 2
cores).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tryon.evaluation.harness import (  # noqa: E402
    _generator,
    build_judges,
    judge_hits,
    second_colour_asked,
    world_samples,
)
from tryon.evaluation.metrics import masked_l1  # noqa: E402
from tryon.pipeline import TryOnPipeline  # noqa: E402
from tryon.pipeline.colour_lock import LockTarget, lock_garment, lock_target  # noqa: E402
from tryon.pipeline.conditioning import (  # noqa: E402
    decode_latents,
    encode_latents,
    image_to_tensor,
    tensor_to_images,
)
from tryon.pipeline.crop import crop_resize  # noqa: E402
from tryon.pipeline.schedulers import forward_signal  # noqa: E402


def crop_region(prepared) -> np.ndarray:
    """``(h, w)`` bool: the crop's garment region (the model's mask) less the clean plate,
    the plate cut out of the photo by the crop box as the pipeline cuts every map
    (:func:`tryon.pipeline.crop.crop_resize`)."""
    region = prepared.crop_mask[0, 0].cpu().numpy() > 0.5
    return region & ~crop_resize(prepared.plate, prepared.box, region.shape)


def loop_lock(prepared, target: LockTarget, at_steps: set[int]):
    """A ``callback_on_step_end`` that locks the clean-latent estimate after each step in
    ``at_steps`` (module docstring). Needs DPM-Solver++ (``model_outputs``)."""
    region = crop_region(prepared)
    mask = prepared.conditioning.latent_mask.float()

    def callback(pipe, i, t, tensors):
        scheduler = pipe.scheduler
        if i not in at_steps or i + 1 >= len(scheduler.timesteps):
            return tensors
        x0 = scheduler.model_outputs[-1]
        image = tensor_to_images(decode_latents(pipe.vae, x0).float())[0]
        locked = lock_garment(image, region, target, prepared.skin)[0]
        delta = mask * (encode_latents(pipe.vae, image_to_tensor(locked)).float() - x0)
        scheduler.model_outputs[-1] = x0 + delta
        signal = forward_signal(scheduler, delta, scheduler.timesteps[i + 1])
        return {"latents": tensors["latents"] + signal}

    return callback


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=120, help="validation pairs (default 120)")
    parser.add_argument(
        "--at", default="0.4,0.6", help="fractions of the steps after which to lock"
    )
    args = parser.parse_args(argv)
    fractions = [float(f) for f in args.at.split(",")]

    pipe = TryOnPipeline.from_recipe("default")
    pipe.set_progress_bar_config(disable=True)
    at_steps = {max(0, round(f * pipe.defaults.steps) - 1) for f in fractions}
    samples = world_samples("val", args.n, seed=0)
    outputs: dict[str, list[np.ndarray]] = {"after decoding": [], "in the loop too": []}
    for sample in samples:
        prepared = pipe.prepare(sample.analysis(), sample.category)
        target = lock_target(sample.prompt)
        for name, images in outputs.items():
            callback = None
            if name == "in the loop too" and target is not None:
                callback = loop_lock(prepared, target, at_steps)
            with torch.no_grad():
                out = pipe(
                    prepared,
                    sample.prompt,
                    generator=_generator(0, sample.index),
                    output_type="np",
                    callback_on_step_end=callback,
                )
            images.append(out.images[0])

    judges = build_judges(fid=False)
    two = np.array([second_colour_asked(s, judges.palette) is not None for s in samples])
    ref, loop = (judge_hits(images, samples, judges) for images in outputs.values())
    print(f"# Colour locks in the sampling loop ({args.n} validation pairs, at {args.at})\n")
    print("| judge | after decoding | in the loop too | gained / lost |")
    print("|---|---:|---:|---:|")
    for judge in ("colour", "second", "pattern", "type"):
        rows = two if judge == "second" else np.ones(len(samples), bool)
        a, b = ref[judge][rows], loop[judge][rows]
        print(
            f"| {judge} | {a.mean():.3f} | {b.mean():.3f} | {int((b & ~a).sum())} / "
            f"{int((a & ~b).sum())} |"
        )
    l1 = [
        np.mean([masked_l1(o, s.target, s.agnostic_mask) for o, s in zip(v, samples, strict=True)])
        for v in outputs.values()
    ]
    print(f"| L1 in mask | {l1[0]:.4f} | {l1[1]:.4f} | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
