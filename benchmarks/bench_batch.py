"""Speed and memory of one try-on and of catalogue batches, by device and precision.

The shipped model's architecture ("small" components, MiniLM text encoder, refiner) with
random weights (speed does not depend on weight values, so no weights need to travel to the
GPU machine), the default render recipe's settings (256x256 crop, 20 DPM-Solver++ steps,
guidance 3 on the first 80 % of steps), a 512x384 person prepared once with the ground-truth
analysis of a stick figure (person analysis runs on the CPU and is timed in bench_analysis.py).

Per precision (float32 with TF32 matmuls off, float16, bfloat16):

* one prompt: median seconds by stage (the pipeline synchronises CUDA before each stage clock);
* a catalogue batch of ``--batch`` prompts in one call: images per second;
* the UNet alone at the denoising batch (2 = guidance): milliseconds per call and achieved
  TFLOP/s (``torch.utils.flop_counter``);
* peak memory: allocated GPU memory of the batched call; on the CPU, the process's peak
  resident set size (everything: Python, torch, the models, the batched call).

Usage::

    python benchmarks/bench_batch.py [--repeats 5] [--batch 16] [--json out.json]          # GPU
    python benchmarks/bench_batch.py --device cpu --dtypes float32 --threads 2 --batch 8    # CPU
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time

import torch
from bench_pipeline import unet_flops  # benchmarks/ is on sys.path when run as a script

from tryon.models.pooled_text import unet_text_kwargs
from tryon.models.text_encoder import TextEmbeddings

RECIPE = dict(num_inference_steps=20, guidance_scale=3.0, guidance_stop=0.8)  # default.toml
PROMPTS = [
    "a red t-shirt",
    "a navy linen shirt with short sleeves",
    "a green striped long-sleeve shirt",
    "a mustard sweater with white polka dots",
]


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_unet(unet, dtype, device, repeats: int = 50) -> dict[str, float]:
    x = torch.randn(2, unet.config.in_channels, 32, 32, device=device, dtype=dtype)
    text = torch.randn(2, 16, unet.config.cross_attention_dim, device=device, dtype=dtype)
    pooled = torch.randn(2, unet.config.cross_attention_dim, device=device, dtype=dtype)
    text_kwargs = unet_text_kwargs(unet, [TextEmbeddings(text, None, pooled)])
    t = torch.tensor([500, 500], device=device)
    flops = unet_flops(unet, 2, (32, 32), 16, mask=False)
    with torch.no_grad():
        for _ in range(5):
            unet(x, t, **text_kwargs)
        sync(device)
        start = time.perf_counter()
        for _ in range(repeats):
            unet(x, t, **text_kwargs)
        sync(device)
    seconds = (time.perf_counter() - start) / repeats
    return {
        "ms_per_call": 1000 * seconds,
        "gflop_per_call": flops / 1e9,
        "tflops": flops / seconds / 1e12,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=16, help="prompts in one catalogue call")
    parser.add_argument("--json", default=None)
    parser.add_argument("--dtypes", nargs="+", default=["float32", "float16", "bfloat16"])
    parser.add_argument("--device", default="cuda", help="cuda (default) or cpu")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (torch)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("no CUDA GPU here: use --device cpu")

    from tryon.pipeline import make_scheduler
    from tryon.pipeline.factory import build_pipeline, stick_figure_analysis

    torch.backends.cuda.matmul.allow_tf32 = False
    pipe = build_pipeline("small", resolution=256, refiner=True, seed=0)
    pipe.scheduler = make_scheduler("dpm++", pipe.scheduler.config)
    pipe.set_progress_bar_config(disable=True)
    person = stick_figure_analysis(512, 384)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    results = {"device": name, "torch": torch.__version__, "rows": []}

    for dtype in (getattr(torch, d) for d in args.dtypes):
        pipe.to(device, dtype)
        prepared = pipe.prepare(person, category="upper")

        def call(prompts, refine=False, prepared=prepared):
            return pipe(
                prepared,
                prompts,
                generator=torch.Generator().manual_seed(0),
                refine=refine,
                output_type="np",
                **RECIPE,
            )

        for _ in range(2):  # warm-up: kernels, cuDNN autotuning, allocator
            call(PROMPTS[0])
            call(PROMPTS[0], refine=True)
        runs = [call(PROMPTS[i % len(PROMPTS)]).timings for i in range(args.repeats)]
        single = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        refined = [call(PROMPTS[0], refine=True).timings for _ in range(args.repeats)]
        refine_s = statistics.median(r["refiner"] for r in refined)
        batch_prompts = [PROMPTS[i % len(PROMPTS)] for i in range(args.batch)]
        call(batch_prompts)
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        batch_runs = [
            call(batch_prompts).timings["total"] for _ in range(max(2, args.repeats // 2))
        ]
        if device.type == "cuda":
            peak = torch.cuda.max_memory_allocated(device) / 2**20
        else:  # ru_maxrss is in KiB on Linux
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        unet = time_unet(pipe.unet, dtype, device)
        row = {
            "dtype": str(dtype).removeprefix("torch."),
            "single_prompt_s": single,
            "refiner_s": refine_s,
            "batch": args.batch,
            "batch_s": statistics.median(batch_runs),
            "images_per_s": args.batch / statistics.median(batch_runs),
            "peak_mib": peak,
            "unet": unet,
        }
        results["rows"].append(row)
        print(json.dumps(row), flush=True)

    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
