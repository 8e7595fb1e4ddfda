#!/usr/bin/env bash
# Trains weights/tryon-small on one GPU as shipped, each stage for a fixed wall time (the model
# card gives the step each stage reached; `--max-steps N` in place of `--time-limit` repeats a
# stage step for step). Also trains the baseline weights/tryon-small-joint (lambda_match = 0.1,
# plus the refiner) that the evaluation compares. Usage, from the repository root:
#   pipelines/train-tryon-small-gpu.sh [VAE_SECONDS UNET_SECONDS REFINER_SECONDS]
set -euo pipefail
vae_seconds=${1:-240}
unet_seconds=${2:-660}
refiner_seconds=${3:-240}
export OMP_NUM_THREADS=1   # the data-loader workers render; the main processes only feed the GPU

python -m tryon train --recipe pipelines/train-vae-gpu.toml --time-limit "$vae_seconds"
# The two UNet runs share the GPU for the same time; they reached the same step (both waited
# on world rendering).
python -m tryon train --recipe pipelines/train-unet-gpu.toml --time-limit "$unet_seconds" &
joint=$!
python -m tryon train --recipe pipelines/train-unet-nomatch-gpu.toml --time-limit "$unet_seconds" &
shipped=$!
wait "$joint"
wait "$shipped"
# A lambda_match = 0 run leaves its matcher untrained: the shipped folder takes the joint run's
# matcher (trained by InfoNCE on real garments), used for rerank and scores.
rm -rf weights/tryon-small/matcher
cp -r weights/tryon-small-joint/matcher weights/tryon-small/matcher
python -m tryon train --recipe pipelines/train-refiner-gpu.toml --time-limit "$refiner_seconds"
python -m tryon weights write weights/tryon-small weights/tryon-small-joint
