"""Prototype (not a pipeline feature yet): the render's first latents are the noise plus the
forward-process signal at the first timestep of (a) the photo's own latent outside the agnostic
mask (known at inference), (b) the true target's latent over the whole crop (an oracle); the
shipped start for reference. Colour lock and background restore off; median ΔL* against the
truth per variant. It patches the pipeline module's ``randn_tensor``, which is why it is a
prototype. Run from the repository root:

    .venv/bin/python benchmarks/results/lightness-timestep/known_start_prototype.py 20
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
import numpy as np  # noqa: E402
import torch  # noqa: E402

import tryon.pipeline.pipeline_tryon as pt  # noqa: E402
from tryon.evaluation.colour import lightness_delta
from tryon.evaluation.harness import world_samples
from tryon.pipeline import TryOnPipeline
from tryon.pipeline.conditioning import AGNOSTIC_FILL, encode_latents, image_to_tensor
from tryon.pipeline.crop import crop_resize


def crop_latent(pipe, prepared, image: np.ndarray) -> torch.Tensor:
    """``(1, C, h, w)``: ``image`` (the photo or the true target) cropped as the pipeline
    crops the photo, encoded."""
    crop = crop_resize(image, prepared.box, prepared.size, fill=AGNOSTIC_FILL)
    return encode_latents(pipe.vae, image_to_tensor(crop)).float()


def patch_start(pipe) -> dict:
    """Patch the pipeline module's ``randn_tensor`` so that the first latents are the noise
    plus the first timestep's signal times ``holder["z"]`` (``(1, C, h, w)``; None: the
    noise alone). Returns that holder."""
    orig = pt.randn_tensor
    pipe.scheduler.set_timesteps(20)
    sig = float(pipe.scheduler.alphas_cumprod[pipe.scheduler.timesteps[0]].sqrt())
    holder = {"z": None}

    def patched(*a, **kw):
        x = orig(*a, **kw)
        return x if holder["z"] is None else x + sig * holder["z"].to(x)

    pt.randn_tensor = patched
    return holder


def main(n: int) -> None:
    pipe = TryOnPipeline.from_recipe("default")
    pipe.set_progress_bar_config(disable=True)
    add = patch_start(pipe)
    rows = {k: [] for k in ("shipped", "known photo outside the mask", "truth whole crop")}
    for s in world_samples("val", n, seed=0):
        p = pipe.prepare(s.analysis(), s.category)
        m = p.conditioning.latent_mask.float()
        zt = crop_latent(pipe, p, s.target)
        zs = crop_latent(pipe, p, s.analysis().image)
        out = []
        for key, z, prior in (
            ("shipped", None, None),
            ("known photo outside the mask", zs * (1 - m), None),
            ("truth whole crop", zt, 0.0),
        ):
            add["z"] = z
            kw = {} if prior is None else {"colour_prior": prior, "print_colour_prior": prior}
            with torch.no_grad():
                img = pipe(
                    p,
                    s.prompt,
                    colour_lock=False,
                    restore_background=False,
                    **kw,
                    generator=torch.Generator().manual_seed(s.index),
                    output_type="np",
                ).images[0]
            d = lightness_delta(img, s.target, s.garment_mask)
            rows[key].append(d)
            out.append(round(d, 1))
        print(s.index, *out, s.prompt, sep="\t", flush=True)
    for k, d in rows.items():
        d = np.array(d)
        print(f"| {k} | {np.median(d):+.1f} | {d.mean():+.1f} | {np.mean(d < -5):.0%} |")


if __name__ == "__main__":
    main(int(sys.argv[1]))
