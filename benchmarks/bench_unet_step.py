"""Cost of the UNet on CPU, training and sampling, with and without attention at full resolution.

For the shipped UNet (``weights/tryon-small/unet``) and two larger variants of it:

* ``+ full-res cross-attention``: :func:`tryon.models.full_res_attention.add_full_res_attention`
  (the 32x32 blocks attend to the prompt's tokens; no self-attention over pixels);
* ``+ full-res self-attention``: the same blocks with diffusers' usual self-attention over the
  1,024 latent pixels as well (what the module rejected as too slow for this CPU);

it measures one training step of the UNet alone (forward, backward, AdamW; batch 8, like the
CPU recipes) and one guided sampling call (batch 2), in float32, and counts their FLOPs
(``torch.utils.flop_counter.FlopCounterMode``; a multiply-add is 2 FLOPs) to give the achieved
GFLOP/s and its fraction of this CPU's GEMM peak. Variants are timed in turn, ``--repeats``
rounds, medians reported. A full training step adds world rendering and VAE encodes to this
(``BENCHMARKS.md``, Training throughput).

Usage::

    python benchmarks/bench_unet_step.py [--weights weights/tryon-small] [--repeats 5]
                                         [--threads 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch
from diffusers import UNet2DConditionModel
from torch.utils.flop_counter import FlopCounterMode

from tryon.models.full_res_attention import add_full_res_attention
from tryon.models.pooled_text import unet_text_kwargs
from tryon.models.text_encoder import TextEmbeddings
from tryon.models.unet_rebuild import changed_config

TOKENS = 32  # a garment prompt's padded length is about this


def with_self_attention(unet: UNet2DConditionModel) -> UNet2DConditionModel:
    """``unet`` (already given full-resolution attention) with self-attention over pixels,
    freshly initialised: its attention weights differ in shape, and timing needs none."""
    return UNet2DConditionModel.from_config(changed_config(unet, only_cross_attention=False))


def inputs(unet: UNet2DConditionModel, batch: int, generator: torch.Generator):
    size = unet.config.sample_size
    x = torch.randn(batch, unet.config.in_channels, size, size, generator=generator)
    width = unet.config.cross_attention_dim
    text = TextEmbeddings(
        torch.randn(batch, TOKENS, width, generator=generator),
        torch.ones(batch, TOKENS, dtype=torch.long),
        torch.randn(batch, width, generator=generator),
    )
    t = torch.randint(0, 1000, (batch,), generator=generator)
    return x, t, unet_text_kwargs(unet, [text])


def train_step(unet, optimiser, x, t, kwargs) -> None:
    loss = unet(x, t, **kwargs).sample.float().pow(2).mean()
    loss.backward()
    optimiser.step()
    optimiser.zero_grad(set_to_none=True)


def flops(fn) -> int:
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", default="weights/tryon-small")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--train-batch", type=int, default=8)
    parser.add_argument("--peak-fp32", type=float, default=154.0, help="CPU peak GFLOP/s fp32")
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    shipped = UNet2DConditionModel.from_pretrained(f"{args.weights}/unet")
    cross = add_full_res_attention(shipped)
    variants = {
        "shipped": shipped,
        "+ full-res cross-attention": cross,
        "+ full-res self-attention": with_self_attention(cross),
    }
    generator = torch.Generator().manual_seed(0)
    jobs = {}
    for name, unet in variants.items():
        unet.train()
        optimiser = torch.optim.AdamW(unet.parameters(), lr=1e-6)
        train_in = inputs(unet, args.train_batch, generator)
        sample_in = inputs(unet, 2, generator)

        def train(unet=unet, optimiser=optimiser, train_in=train_in):
            train_step(unet, optimiser, *train_in)

        def sample(unet=unet, sample_in=sample_in):
            with torch.no_grad():
                x, t, kwargs = sample_in
                unet(x, t, **kwargs)

        jobs[name] = {
            "params": sum(p.numel() for p in unet.parameters()),
            "train": train,
            "sample": sample,
            # backward and the optimiser's update counted too (AdamW's elementwise work is small)
            "train_flops": flops(train),
            "sample_flops": flops(sample),
        }
        train(), sample()  # warm-up (allocator, kernels)
    times = {name: {"train": [], "sample": []} for name in jobs}
    for _ in range(args.repeats):
        for name, job in jobs.items():
            for kind in ("train", "sample"):
                start = time.perf_counter()
                job[kind]()
                times[name][kind].append(time.perf_counter() - start)

    rows = []
    base = statistics.median(times["shipped"]["train"])
    for name, job in jobs.items():
        train_s = statistics.median(times[name]["train"])
        sample_s = statistics.median(times[name]["sample"])
        train_rate = job["train_flops"] / train_s / 1e9
        sample_rate = job["sample_flops"] / sample_s / 1e9
        rows.append(
            {
                "variant": name,
                "params_m": job["params"] / 1e6,
                "train_s": train_s,
                "train_vs_shipped": train_s / base,
                "train_gflop": job["train_flops"] / 1e9,
                "train_gflops": train_rate,
                "sample_s": sample_s,
                "sample_gflop": job["sample_flops"] / 1e9,
                "sample_gflops": sample_rate,
            }
        )
    print(
        f"threads {args.threads}, training batch {args.train_batch}, sampling batch 2, "
        f"{args.repeats} rounds, medians; peak {args.peak_fp32:.0f} GFLOP/s fp32\n"
    )
    print(
        "| UNet | parameters | training step (UNet only) | vs shipped | GFLOP | achieved "
        "| guided sampling call | GFLOP | achieved |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['variant']} | {r['params_m']:.2f}M | {r['train_s']:.2f} s "
            f"| {r['train_vs_shipped']:.2f}x | {r['train_gflop']:.1f} "
            f"| {r['train_gflops']:.0f} GFLOP/s ({100 * r['train_gflops'] / args.peak_fp32:.0f} %) "
            f"| {1000 * r['sample_s']:.0f} ms | {r['sample_gflop']:.1f} "
            f"| {r['sample_gflops']:.0f} GFLOP/s ({100 * r['sample_gflops'] / args.peak_fp32:.0f} %) |"
        )
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"args": vars(args), "rows": rows}, handle, indent=2)


if __name__ == "__main__":
    main()
