"""Prototype (not a pipeline feature yet): ``known_start_prototype.py``'s start judged as
``tryon eval`` judges, with the default recipe as shipped (colour prior, background restore,
colour lock on): colour, the print's colour shown (prompts naming one), pattern and type,
gained / lost against the shipped start, and the median ΔL* with the lock on. Run from the
repository root (N pairs from validation pair SKIP; ~10 min for 60 on 2 cores):

    .venv/bin/python benchmarks/results/lightness-timestep/known_start_judged_prototype.py 60 0
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # its sibling prototype
import numpy as np  # noqa: E402
import torch  # noqa: E402
from known_start_prototype import crop_latent, patch_start  # noqa: E402

from tryon.evaluation.colour import lightness_delta  # noqa: E402
from tryon.evaluation.harness import (  # noqa: E402
    build_judges,
    judge_hits,
    second_colour_asked,
    world_samples,
)
from tryon.pipeline import TryOnPipeline  # noqa: E402

n, skip = int(sys.argv[1]), int(sys.argv[2])
pipe = TryOnPipeline.from_recipe("default")
pipe.set_progress_bar_config(disable=True)
add = patch_start(pipe)
samples = world_samples("val", skip + n, seed=0)[skip:]
imgs = {"shipped": [], "known": []}
for s in samples:
    p = pipe.prepare(s.analysis(), s.category)
    m = p.conditioning.latent_mask.float()
    zs = crop_latent(pipe, p, s.analysis().image)
    for key, z in (("shipped", None), ("known", zs * (1 - m))):
        add["z"] = z
        with torch.no_grad():
            imgs[key].append(
                pipe(
                    p, s.prompt, generator=torch.Generator().manual_seed(s.index), output_type="np"
                ).images[0]
            )
judges = build_judges(fid=False)
h = {k: judge_hits(v, samples, judges) for k, v in imgs.items()}
two = np.array([second_colour_asked(s, judges.palette) is not None for s in samples])
print(f"# known start, val {skip}-{skip + n}, default recipe (lock on)")
for j in ("colour", "second", "pattern", "type"):
    rows = two if j == "second" else np.ones(len(samples), bool)
    a, b = h["shipped"][j][rows], h["known"][j][rows]
    print(
        f"| {j} | {a.mean():.3f} | {b.mean():.3f} | {int((b & ~a).sum())} / {int((a & ~b).sum())} |"
    )
for k, v in imgs.items():
    d = np.array(
        [lightness_delta(i, s.target, s.garment_mask) for i, s in zip(v, samples, strict=False)]
    )
    print(f"| ΔL* {k} (lock on) | {np.median(d):+.1f} |")
