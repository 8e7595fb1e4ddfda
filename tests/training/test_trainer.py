"""The training loop: deterministic batches, loss going down, exact resume, atomic checkpoints."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from tryon.recipes import RecipeError
from tryon.training.checkpoint import latest_checkpoint, list_checkpoints, read_state
from tryon.training.data import GarmentCropDataset, RandomCropDataset
from tryon.training.recipe import load_train_recipe
from tryon.training.stages import RefinerStage, UnetStage, VaeStage
from tryon.training.stages.vae import SCALE_SAMPLES
from tryon.training.trainer import StepBatchSampler, Trainer


def test_step_batch_sampler_is_a_function_of_the_step():
    a = StepBatchSampler(10, 4, seed=3)
    batches = [next(it) for it in [iter(a)] for _ in range(5)]
    resumed = iter(StepBatchSampler(10, 4, seed=3, start=3))
    assert next(resumed) == batches[3] and next(resumed) == batches[4]
    # every epoch visits every item once
    flat = [i for b in [a.batch(m) for m in range(5)] for i in b][:10]
    assert sorted(flat) == list(range(10))
    other_rank = StepBatchSampler(10, 4, seed=3, rank=1, world=2)
    assert other_rank.batch(0) == a.batch(1)
    with pytest.raises(ValueError, match="smaller than one batch"):
        StepBatchSampler(3, 4, seed=0)


def _fixed_loss(stage, batch) -> float:
    generator = torch.Generator().manual_seed(1234)
    with torch.no_grad():
        return float(stage.losses(batch, generator)["loss"])


def _train_on_fixed_batch(recipe, stage, dataset):
    trainer = Trainer(recipe, stage, dataset)
    trainer._build()
    batch = torch.utils.data.default_collate([dataset[i] for i in range(len(dataset))])
    before = _fixed_loss(stage, batch)
    trainer.train(resume=False)
    return before, _fixed_loss(stage, batch)


def test_vae_garment_crops_are_windows_of_the_pipelines_garment_crop(
    tmp_path, world_pairs, make_recipe
):
    from tryon.training.run import build_dataset

    recipe = make_recipe(tmp_path, "vae")
    recipe.data.vae_crops, recipe.data.garment_resolution = "garment", 64
    crops = build_dataset(recipe, pairs=world_pairs)
    garments = GarmentCropDataset(world_pairs, resolution=64, margin=recipe.data.crop_margin)
    r = recipe.data.resolution
    positions = set()
    for index in range(6):
        image = crops[index]["image"]
        frame = garments[index // 2]["source" if index % 2 == 0 else "target"]
        assert image.shape == (3, r, r)
        found = [
            (y, x)
            for y in range(64 - r + 1)
            for x in range(64 - r + 1)
            if torch.equal(frame[:, y : y + r, x : x + r], image)
        ]
        assert found, f"item {index} is not a window of its garment crop"
        positions.add(found[0])
    assert len(positions) > 1  # random positions, not always the same window
    with pytest.raises(ValueError, match="garment_resolution"):
        RandomCropDataset(world_pairs, resolution=64, garment_resolution=32)


def test_vae_stage_reduces_loss_on_a_fixed_batch(tmp_path, world_pairs, make_recipe, fixed_items):
    recipe = make_recipe(tmp_path, "vae", max_steps=15)
    dataset = fixed_items(RandomCropDataset(world_pairs, resolution=32), 4)
    torch.manual_seed(0)
    before, after = _train_on_fixed_batch(recipe, VaeStage(recipe), dataset)
    assert after < 0.8 * before, (before, after)
    assert (Path(recipe.export_dir) / "vae" / "diffusion_pytorch_model.safetensors").is_file()


def test_vae_export_scales_latents_to_unit_variance(tmp_path, world_pairs, make_recipe):
    from diffusers import AutoencoderKL

    from tryon.pipeline.conditioning import encode_latents

    recipe = make_recipe(tmp_path, "vae", max_steps=3)
    stage = VaeStage(recipe)
    data = RandomCropDataset(world_pairs, resolution=32)
    Trainer(recipe, stage, data).train(resume=False)
    seen = torch.cat(stage.scale_images)
    assert len(seen) == 3 * recipe.data.batch_size  # all it saw, up to SCALE_SAMPLES
    exported = AutoencoderKL.from_pretrained(
        str(Path(recipe.export_dir) / "vae"), dtype=torch.float32
    )
    assert exported.config.scaling_factor != 0.18215
    std = float(encode_latents(exported, seen).std())
    assert abs(std - 1.0) < 0.02, std  # float16 export rounds the weights a little

    # A VAE that had a per-channel scale gets one factor, and the per-channel one is dropped
    # (else the two would multiply).
    stage.vae.register_to_config(latents_mean=[0.0] * 4, latents_std=[3.0] * 4)
    stage.export(Path(recipe.export_dir))
    exported = AutoencoderKL.from_pretrained(str(Path(recipe.export_dir) / "vae"))
    assert exported.config.latents_std is None
    std = float(encode_latents(exported, seen).std())
    assert abs(std - 1.0) < 0.02, std


def test_decoder_only_vae_stage_keeps_the_encoder(tmp_path, world_pairs, make_recipe, fixed_items):
    first = make_recipe(tmp_path / "a", "vae", max_steps=2)
    torch.manual_seed(0)
    Trainer(
        first, VaeStage(first), fixed_items(RandomCropDataset(world_pairs, resolution=32), 4)
    ).train()
    recipe = make_recipe(tmp_path / "b", "vae", max_steps=4)
    recipe.model.pretrained = first.export_dir
    recipe.model.decoder_only = True
    recipe.loss.lambda_chroma = 2.0
    stage = VaeStage(recipe)
    encoder = {k: v.clone() for k, v in stage.vae.encoder.state_dict().items()}
    decoder = {k: v.clone() for k, v in stage.vae.decoder.state_dict().items()}
    Trainer(recipe, stage, fixed_items(RandomCropDataset(world_pairs, resolution=32), 4)).train()
    for key, value in stage.vae.encoder.state_dict().items():
        torch.testing.assert_close(value, encoder[key], rtol=0, atol=0)
    assert any(not torch.equal(v, decoder[k]) for k, v in stage.vae.decoder.state_dict().items())
    batch = torch.utils.data.default_collate(
        [RandomCropDataset(world_pairs, resolution=32)[i] for i in range(4)]
    )
    assert stage.losses(batch, torch.Generator())["chroma"] > 0
    factors = [
        json.loads((Path(r.export_dir) / "vae" / "config.json").read_text())["scaling_factor"]
        for r in (first, recipe)
    ]
    assert factors[0] == factors[1]  # the frozen encoder's latents keep their scale
    recipe.model.pretrained = ""
    with pytest.raises(ValueError, match="decoder_only needs model.pretrained"):
        VaeStage(recipe)


def test_unet_stage_reduces_loss_on_a_fixed_batch(
    tmp_path, world_pairs, tiny_pipeline_factory, make_recipe, fixed_items
):
    recipe = make_recipe(tmp_path, "unet", max_steps=15)
    dataset = fixed_items(GarmentCropDataset(world_pairs, resolution=64), 4)
    stage = UnetStage(recipe, pipeline=tiny_pipeline_factory())
    before, after = _train_on_fixed_batch(recipe, stage, dataset)
    assert after < before, (before, after)
    # the run's folder holds the recipe it ran, every key resolved
    assert load_train_recipe(Path(recipe.output_dir) / "recipe.toml") == recipe
    export = Path(recipe.export_dir)
    assert (export / "model_index.json").is_file() and (export / "matcher").is_dir()
    # Exported in float16 (half the size in git), loaded back strictly in float32.
    from safetensors import safe_open

    from tryon.pipeline import TryOnPipeline

    with safe_open(str(export / "unet" / "diffusion_pytorch_model.safetensors"), "pt") as f:
        assert f.get_tensor(next(iter(f.keys()))).dtype == torch.float16
    loaded = TryOnPipeline.from_pretrained(export)
    assert loaded.unet.dtype == torch.float32
    trained = stage.accelerator.unwrap_model(stage.unet).state_dict()
    for key, value in loaded.unet.state_dict().items():
        torch.testing.assert_close(value, trained[key].half().float())


def test_unet_stage_without_matching_has_no_match_terms(
    tmp_path, world_pairs, tiny_pipeline_factory, make_recipe, fixed_items
):
    recipe = make_recipe(tmp_path, "unet")
    recipe.loss.lambda_match = 0.0
    stage = UnetStage(recipe, pipeline=tiny_pipeline_factory())
    Trainer(recipe, stage, fixed_items(GarmentCropDataset(world_pairs, resolution=64), 4))._build()
    batch = torch.utils.data.default_collate(
        [GarmentCropDataset(world_pairs, resolution=64)[i] for i in range(4)]
    )
    out = stage.losses(batch, torch.Generator().manual_seed(0))
    assert "match_real" not in out and "match_gen" not in out
    recipe.loss.lambda_match = 0.1
    out = stage.losses(batch, torch.Generator().manual_seed(0))
    assert out["match_real"] > 0


def test_unet_stage_adds_and_trains_full_res_attention(
    tmp_path, world_pairs, tiny_pipeline_factory, make_recipe, fixed_items
):
    from tryon.models.full_res_attention import has_full_res_attention
    from tryon.pipeline import TryOnPipeline

    recipe = make_recipe(tmp_path, "unet", max_steps=3)
    recipe.model.add_full_res_attention = True
    stage = UnetStage(recipe, pipeline=tiny_pipeline_factory())
    assert has_full_res_attention(stage.unet)
    Trainer(recipe, stage, fixed_items(GarmentCropDataset(world_pairs, resolution=64), 4)).train(
        resume=False
    )
    trained = stage.accelerator.unwrap_model(stage.unet)
    assert trained.up_blocks[-1].attentions[0].proj_out.weight.abs().max() > 0  # left zero
    loaded = TryOnPipeline.from_pretrained(recipe.export_dir)
    assert has_full_res_attention(loaded.unet)


def test_lr_scale_gives_chosen_parameters_their_own_rate(
    tmp_path, world_pairs, tiny_pipeline_factory, make_recipe, fixed_items
):
    from tryon.training.recipe import OptimConfig

    recipe = make_recipe(tmp_path, "unet")
    recipe.optim.lr_scale = {"unet.up_blocks": 10.0, "unet.up_blocks.1.resnets": 3.0}
    stage = UnetStage(recipe, pipeline=tiny_pipeline_factory())
    dataset = fixed_items(GarmentCropDataset(world_pairs, resolution=64), 4)
    trainer = Trainer(recipe, stage, dataset)
    trainer._build()
    groups = trainer.optimizers["main"].param_groups
    base = recipe.optim.lr
    assert [g["initial_lr"] for g in groups] == pytest.approx([base, 3 * base, 10 * base])
    by_id = {id(p): g["initial_lr"] for g in groups for p in g["params"]}
    unet = stage.accelerator.unwrap_model(stage.unet)
    for name, param in unet.named_parameters():  # the longest prefix wins
        expected = 3 if name.startswith("up_blocks.1.resnets") else 10 if "up_blocks" in name else 1
        assert by_id[id(param)] == pytest.approx(expected * base), name
    matcher_params = list(stage.accelerator.unwrap_model(stage.matcher).parameters())
    assert all(by_id[id(p)] == pytest.approx(base) for p in matcher_params)
    assert sum(len(g["params"]) for g in groups) == len(by_id)  # each parameter once

    # a typo, or half a name part, trains nothing faster: refused
    recipe.optim.lr_scale = {"unet.up_blokcs": 10.0, "unet.up_block": 2.0}
    with pytest.raises(ValueError, match=r"starts with \['unet.up_block', 'unet.up_blokcs'\]"):
        Trainer(recipe, UnetStage(recipe, pipeline=tiny_pipeline_factory()), dataset)._build()
    for bad in ({"unet": 0.0}, {"unet": -1.0}, {"": 2.0}, {"unet": float("inf")}):
        with pytest.raises(ValueError, match="lr_scale maps"):
            OptimConfig(lr_scale=bad)


def test_continuing_an_old_pipeline_adds_pooled_text_and_rescales_latents(
    tmp_path, tiny_pipeline_factory, make_recipe
):
    from tryon.models.configs import build_unet
    from tryon.models.pooled_text import uses_pooled_text
    from tryon.pipeline.conditioning import encode_latents
    from tryon.training.run import build_dataset

    old = tiny_pipeline_factory()
    old.register_modules(unet=build_unet("tiny", resolution=64, pooled_text=False))
    recipe = make_recipe(tmp_path, "unet")
    recipe.model.add_pooled_text = True
    recipe.model.rescale_latents = True
    stage = UnetStage(recipe, pipeline=old)
    assert uses_pooled_text(stage.unet)
    factor = stage.vae.config.scaling_factor
    targets = torch.stack([build_dataset(recipe)[i]["target"] for i in range(SCALE_SAMPLES)])
    with torch.no_grad():
        std = float(encode_latents(stage.vae, targets).std())
    assert abs(std - 1.0) < 0.01, std
    # the same items every run: a resumed run gets the same factor
    assert UnetStage(recipe, pipeline=tiny_pipeline_factory()).vae.config.scaling_factor == factor


def test_per_channel_rescale_gives_every_latent_channel_unit_variance(
    tmp_path, tiny_pipeline_factory, make_recipe
):
    """``latent_scale = "channel"``: each channel of the targets' latents gets std 1 (a single
    factor would leave a widened latent's small new channels small), the pipeline's decode
    inverts it, and the scale survives save/load as diffusers' ``latents_std``."""
    from diffusers import AutoencoderKL

    from tryon.pipeline.conditioning import encode_latents, scale_latents, unscale_latents
    from tryon.training.run import build_dataset

    pipe = tiny_pipeline_factory()
    with torch.no_grad():  # channels of very different spread, as after widening
        pipe.vae.quant_conv.weight[:2] *= 0.2
    recipe = make_recipe(tmp_path, "unet")
    recipe.model.rescale_latents = True
    recipe.model.latent_scale = "channel"
    stage = UnetStage(recipe, pipeline=pipe)
    targets = torch.stack([build_dataset(recipe)[i]["target"] for i in range(SCALE_SAMPLES)])
    with torch.no_grad():
        latents = encode_latents(stage.vae, targets)
    per_channel = latents.transpose(0, 1).flatten(1).std(dim=1)
    torch.testing.assert_close(per_channel, torch.ones_like(per_channel), atol=1e-3, rtol=0)
    torch.testing.assert_close(
        unscale_latents(stage.vae, scale_latents(stage.vae, latents)), latents
    )

    stage.vae.save_pretrained(tmp_path / "vae")
    loaded = AutoencoderKL.from_pretrained(tmp_path / "vae")
    assert loaded.config.latents_std == stage.vae.config.latents_std
    torch.testing.assert_close(scale_latents(loaded, latents), scale_latents(stage.vae, latents))


def _bound_unet_stage(tmp_path, world_pairs, tiny_pipeline_factory, make_recipe, fixed_items):
    """A tiny UNet stage bound to its trainer (accelerator, devices) and a batch of 4 pairs."""
    recipe = make_recipe(tmp_path, "unet")
    stage = UnetStage(recipe, pipeline=tiny_pipeline_factory())
    Trainer(recipe, stage, fixed_items(GarmentCropDataset(world_pairs, resolution=64), 4))._build()
    batch = torch.utils.data.default_collate(
        [GarmentCropDataset(world_pairs, resolution=64)[i] for i in range(4)]
    )
    return recipe, stage, batch


def _noised_before_and_after(stage, batch, change):
    """``noised_batch`` of the same batch and seed before and after ``change()``."""
    from tryon.training.stages.common import noised_batch

    with torch.no_grad():
        before = noised_batch(stage, batch, torch.Generator().manual_seed(0))
        change()
        after = noised_batch(stage, batch, torch.Generator().manual_seed(0))
    return before, after


def test_bf16_vae_encodes_stay_close_to_float32(
    tmp_path, world_pairs, tiny_pipeline_factory, make_recipe, fixed_items
):
    recipe, stage, batch = _bound_unet_stage(
        tmp_path, world_pairs, tiny_pipeline_factory, make_recipe, fixed_items
    )
    full, half = _noised_before_and_after(
        stage, batch, lambda: setattr(recipe.model, "vae_encode_dtype", "bfloat16")
    )
    for a, b in ((full[3], half[3]), (full[2].agnostic_latent, half[2].agnostic_latent)):
        assert b.dtype == torch.float32 and not torch.equal(a, b)  # it did run in bf16
        assert float((a - b).std() / a.std()) < 0.02


def test_noise_offset_shifts_each_items_channel_means(
    tmp_path, world_pairs, tiny_pipeline_factory, make_recipe, fixed_items
):
    recipe, stage, batch = _bound_unet_stage(
        tmp_path, world_pairs, tiny_pipeline_factory, make_recipe, fixed_items
    )
    plain, offset = _noised_before_and_after(
        stage, batch, lambda: setattr(recipe.loss, "noise_offset", 0.5)
    )
    z0, noise, t, noisy = offset[3], offset[4], offset[5], offset[6]
    # The same i.i.d. draw plus one constant per item and channel, of std ~0.5 ...
    shift = noise - plain[4]
    assert float((shift - shift.mean(dim=(2, 3), keepdim=True)).abs().max()) < 1e-6
    assert 0.25 < float(shift.mean(dim=(2, 3)).std()) < 0.9
    # ... and that noise (the UNet's target) is what the latents were noised with.
    torch.testing.assert_close(noisy, stage.noise_scheduler.add_noise(z0, noise, t))
    with pytest.raises(RecipeError, match="noise_offset"):
        load_train_recipe(_toml(tmp_path, "[loss]\nnoise_offset = -0.1\n"))


def _toml(tmp_path, body: str):
    path = tmp_path / "bad.toml"
    path.write_text('kind = "train"\nstage = "unet"\noutput_dir = "runs/x"\n' + body)
    return path


def test_refiner_stage_reduces_loss_on_a_fixed_batch(
    tmp_path, world_pairs, tiny_pipeline_factory, make_recipe, fixed_items
):
    recipe = make_recipe(tmp_path, "refiner", max_steps=15)
    recipe.loss.lambda_adv = 0.01
    dataset = fixed_items(GarmentCropDataset(world_pairs, resolution=64), 4)
    stage = RefinerStage(recipe, pipeline=tiny_pipeline_factory())
    before, after = _train_on_fixed_batch(recipe, stage, dataset)
    assert after < before, (before, after)
    assert (Path(recipe.export_dir) / "refiner").is_dir()


def _state(trainer):
    unet = {
        k: v.clone()
        for k, v in trainer.accelerator.unwrap_model(trainer.modules["vae"]).state_dict().items()
    }
    opt = trainer.optimizers["main"].state_dict()["state"]
    return unet, opt


def test_resume_continues_exactly(tmp_path, world_pairs, make_recipe):
    data = RandomCropDataset(world_pairs, resolution=32)
    straight = make_recipe(tmp_path / "a", "vae", max_steps=6, ema_decay=0.9)
    torch.manual_seed(0)
    t1 = Trainer(straight, VaeStage(straight), data)
    t1.train()
    interrupted = make_recipe(tmp_path / "b", "vae", max_steps=6, ema_decay=0.9)
    interrupted.log.checkpoint_every = 2
    torch.manual_seed(0)
    Trainer(interrupted, VaeStage(interrupted), data).train(max_steps=4)
    assert read_state(latest_checkpoint(interrupted.output_dir))["step"] == 4
    torch.manual_seed(99)  # a different init: everything must come from the checkpoint
    t2 = Trainer(interrupted, VaeStage(interrupted), data)
    t2.train()
    w1, o1 = _state(t1)
    w2, o2 = _state(t2)
    for key in w1:
        torch.testing.assert_close(w1[key], w2[key], rtol=0, atol=0)
    for key in o1:
        torch.testing.assert_close(o1[key]["exp_avg"], o2[key]["exp_avg"], rtol=0, atol=0)
    rows = (Path(interrupted.output_dir) / "metrics.csv").read_text().splitlines()
    assert [int(r.split(",")[0]) for r in rows[1:]] == [1, 2, 3, 4, 5, 6]


@pytest.mark.gpu
def test_resume_on_a_gpu_keeps_the_ema_beside_its_model(
    tmp_path, world_pairs, make_recipe
):  # pragma: no cover - needs CUDA
    # accelerate loads the EMA's saved state on the CPU; before the fix the first EMA update
    # after a resume on an H100 failed on mixed devices (2026-11-24)
    data = RandomCropDataset(world_pairs, resolution=32)
    recipe = make_recipe(tmp_path, "vae", max_steps=4, ema_decay=0.9)
    recipe.log.checkpoint_every = 2
    Trainer(recipe, VaeStage(recipe), data).train(max_steps=2)
    resumed = Trainer(recipe, VaeStage(recipe), data)
    assert resumed.train().step == 4
    (ema,) = resumed.ema.values()
    assert all(p.device.type == "cuda" for p in ema.shadow_params)


def test_interrupted_checkpoint_is_ignored(tmp_path, world_pairs, make_recipe):
    recipe = make_recipe(tmp_path, "vae", max_steps=2)
    recipe.log.checkpoint_every = 1
    Trainer(recipe, VaeStage(recipe), RandomCropDataset(world_pairs, resolution=32)).train()
    root = Path(recipe.output_dir) / "checkpoints"
    half = root / "checkpoint-00000009"  # a save killed before trainer_state.json was written
    half.mkdir()
    (half / "model.safetensors").write_bytes(b"partial")
    assert read_state(latest_checkpoint(recipe.output_dir))["step"] == 2
    assert [p.name for p in list_checkpoints(recipe.output_dir)] == [
        "checkpoint-00000001",
        "checkpoint-00000002",
    ]


TINY_VAE_RECIPE = """
kind = "train"
stage = "vae"
output_dir = "{out}/run"
export_dir = "{out}/export"
[data]
frame = [128, 96]
resolution = 32
length = 64
batch_size = 4
[model]
size = "tiny"
[optim]
lr = 1e-3
warmup_steps = 0
max_steps = {steps}
ema_decay = 0.0
[log]
every = 1
sample_every = 1000
checkpoint_every = 1
keep_checkpoints = 3
tensorboard = false
"""


def test_kill_9_then_resume_continues_from_the_last_checkpoint(tmp_path):
    recipe_path = tmp_path / "train.toml"
    recipe_path.write_text(TINY_VAE_RECIPE.format(out=tmp_path, steps=400))
    recipe = load_train_recipe(recipe_path)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tryon", "train", "--recipe", str(recipe_path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline and len(list_checkpoints(recipe.output_dir)) < 2:
            time.sleep(0.2)
        assert list_checkpoints(recipe.output_dir), "no checkpoint written before the kill"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    killed_at = read_state(latest_checkpoint(recipe.output_dir))["step"]
    assert 1 <= killed_at < 400
    recipe.optim.max_steps = killed_at + 2
    torch.manual_seed(5)
    from tryon.training.run import run_training

    result = run_training(recipe)
    assert result.step == killed_at + 2
    assert read_state(latest_checkpoint(recipe.output_dir))["step"] == killed_at + 2


def test_time_limit_stops_checkpointed_and_exported(tmp_path, world_pairs, make_recipe):
    recipe = make_recipe(tmp_path, "vae", max_steps=1000)
    recipe.data.num_workers = 1  # the worker path (pinned memory off on CPU, one thread)
    data = RandomCropDataset(world_pairs, resolution=32)
    result = Trainer(recipe, VaeStage(recipe), data).train(time_limit=1e-9)
    # the limit is checked after each step: one step is taken, then the run ends as if finished
    assert result.step == 1
    assert read_state(latest_checkpoint(recipe.output_dir))["step"] == 1
    assert (Path(recipe.export_dir) / "vae" / "config.json").is_file()
    rows = (Path(recipe.output_dir) / "metrics.csv").read_text().splitlines()
    assert [int(r.split(",")[0]) for r in rows[1:]] == [1]
    # resuming with more time continues from that step
    again = Trainer(recipe, VaeStage(recipe), data).train(max_steps=3)
    assert again.step == 3


@pytest.mark.parametrize(
    "schedule, factor",
    [
        ("constant", lambda k, n: 1.0),
        ("linear", lambda k, n: 1 - k / n),
        ("cosine", lambda k, n: 0.5 * (1 + math.cos(math.pi * k / n))),
    ],
)
def test_lr_schedule_decays_to_zero_at_the_recipes_max_steps_across_a_resume(
    tmp_path, world_pairs, make_recipe, schedule, factor
):
    recipe = make_recipe(tmp_path, "vae", max_steps=8, lr=1e-3, lr_schedule=schedule)
    recipe.log.checkpoint_every = 2
    data = RandomCropDataset(world_pairs, resolution=32)
    # stopped early, then resumed: the horizon stays the recipe's 8 steps, not the 4 of the stop
    Trainer(recipe, VaeStage(recipe), data).train(max_steps=4)
    Trainer(recipe, VaeStage(recipe), data).train()
    rows = (Path(recipe.output_dir) / "metrics.csv").read_text().splitlines()
    header = rows[0].split(",")
    lrs = [float(r.split(",")[header.index("lr")]) for r in rows[1:]]
    expected = [1e-3 * factor(k, 8) for k in range(1, 9)]
    assert lrs == pytest.approx(expected, abs=1e-9)


def test_widened_pipeline_trains_in_place_vae_then_unet(tmp_path, world_pairs, make_recipe):
    """The widening workflow (pipelines/train-vae-wide.toml, then train-unet-wide.toml) on tiny
    components: each stage exports into the widened folder, which then still verifies and
    loads, and the VAE's decoder has started to read the new latent channels."""
    from tryon.cli import main
    from tryon.pipeline import TryOnPipeline
    from tryon.pipeline.factory import build_pipeline
    from tryon.weights import verify_checksums

    source, wide = tmp_path / "tiny", tmp_path / "wide"
    torch.manual_seed(0)
    build_pipeline("tiny", text_encoder="bert-tiny", resolution=64, refiner=False).save_pretrained(
        source
    )
    assert main(["weights", "widen", str(source), str(wide), "--latent-channels", "6"]) == 0

    vae_recipe = make_recipe(tmp_path / "v", "vae", max_steps=2)
    vae_recipe.model.pretrained = vae_recipe.export_dir = str(wide)
    stage = VaeStage(vae_recipe)
    Trainer(vae_recipe, stage, RandomCropDataset(world_pairs, resolution=32)).train()
    assert verify_checksums(wide) == []
    vae = TryOnPipeline.from_pretrained(wide).vae
    assert vae.config.latent_channels == 6
    assert vae.decoder.conv_in.weight[:, 4:].abs().sum() > 0

    unet_recipe = make_recipe(tmp_path / "u", "unet", max_steps=2)
    unet_recipe.model.pretrained = unet_recipe.export_dir = str(wide)
    unet_recipe.loss.lambda_match = 0.0
    stage = UnetStage(unet_recipe)
    Trainer(unet_recipe, stage, GarmentCropDataset(world_pairs, resolution=64)).train()
    assert verify_checksums(wide) == []
    unet = TryOnPipeline.from_pretrained(wide).unet
    assert unet.config.out_channels == 6 and unet.conv_out.weight[4:].abs().sum() > 0
