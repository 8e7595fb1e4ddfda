#!/usr/bin/env bash
# Trains weights/tryon-small (and the lambda_match = 0 ablation weights/tryon-small-nomatch) on
# one GPU, each stage for a fixed wall time, as the shipped model was trained (its model card
# gives the step each stage reached; `--max-steps N` in place of `--time-limit` repeats a stage
# step for step). Usage, from the repository root:
#   pipelines/train-tryon-small-gpu.sh [VAE_SECONDS UNET_SECONDS REFINER_SECONDS]
set -euo pipefail
vae_seconds=${1:-240}
unet_seconds=${2:-660}
refiner_seconds=${3:-240}
export OMP_NUM_THREADS=1   # the data-loader workers render; the main processes only feed the GPU

python -m tryon train --recipe pipelines/train-vae-gpu.toml --time-limit "$vae_seconds"
# The ablation trains beside the main UNet on the same GPU for the same time: it skips the
# matcher's decode, so it reaches at least as many steps (the comparison favours it, not us).
python -m tryon train --recipe pipelines/train-unet-gpu.toml --time-limit "$unet_seconds" &
main=$!
python -m tryon train --recipe pipelines/train-unet-nomatch-gpu.toml --time-limit "$unet_seconds" &
ablation=$!
wait "$main"
wait "$ablation"
python -m tryon train --recipe pipelines/train-refiner-gpu.toml --time-limit "$refiner_seconds"
python -m tryon weights write weights/tryon-small weights/tryon-small-nomatch
