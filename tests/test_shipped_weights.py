"""The shipped model, weights/tryon-small: what the README's first command relies on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from tryon.weights import verify_checksums

SHIPPED = Path(__file__).resolve().parents[1] / "weights" / "tryon-small"


@pytest.fixture(scope="module")
def shipped():
    from tryon.pipeline import TryOnPipeline

    pipe = TryOnPipeline.from_pretrained(str(SHIPPED))
    pipe.set_progress_bar_config(disable=True)
    return pipe


@pytest.fixture(scope="module")
def world_person():
    from tryon.evaluation.harness import world_samples

    sample = world_samples("test", 1, seed=0)[0]
    return sample, sample.analysis()


@pytest.fixture(scope="module")
def world_crops():
    """The first 16 test-split world pairs as 256-px garment crops: what the UNet and the
    matcher see."""
    from tryon.data import WorldPairDataset
    from tryon.training.data import GarmentCropDataset

    pairs = WorldPairDataset(split="test", size=(512, 384), length=16, seed=0)
    data = GarmentCropDataset(pairs, resolution=256, margin=0.1)
    return [data[i] for i in range(16)]


def test_folder_is_small_float16_safetensors_with_valid_checksums():
    files = [p for p in SHIPPED.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 60 * 2**20  # the limit for git
    assert not [p for p in files if p.suffix in (".bin", ".pt", ".ckpt", ".pth")]
    assert verify_checksums(SHIPPED) == []
    from safetensors import safe_open

    with safe_open(str(SHIPPED / "unet" / "diffusion_pytorch_model.safetensors"), "pt") as f:
        assert {f.get_slice(k).get_dtype() for k in f.keys()} == {"F16"}


def test_loads_in_float32_with_every_component(shipped):
    for name in ("unet", "vae", "matcher", "text_encoder"):
        module = getattr(shipped, name)
        assert module is not None, name
        assert {p.dtype for p in module.parameters()} == {torch.float32}, name
    assert shipped.refiner is None  # it made renders worse (model card): not shipped


def test_unet_takes_the_pooled_prompt_and_latents_have_unit_variance(shipped, world_crops):
    """The fixes of the CPU sessions (model card): a UNet without the pooled-prompt input, a
    VAE back at Stable Diffusion's 0.18215, or the 8-channel VAE without its per-channel
    latent scale (new channels at a third of the old ones' spread) would fail this."""
    from tryon.models.pooled_text import uses_pooled_text
    from tryon.pipeline.conditioning import encode_latents

    assert uses_pooled_text(shipped.unet)
    targets = torch.stack([it["target"] for it in world_crops])
    with torch.no_grad():
        std = float(encode_latents(shipped.vae, targets).std())
    assert 0.8 < std < 1.25, std


def test_matcher_is_trained(shipped, world_crops):
    """A lambda_match = 0 run leaves a random matcher; the shipped folder must carry the joint
    run's trained one: on true garments it ranks the true caption first far above chance."""
    from tryon.models.text_encoder import encode_text

    images = torch.stack([it["target"] for it in world_crops])
    masks = torch.stack([it["garment_mask"] for it in world_crops])
    captions = [it["caption"] for it in world_crops]
    text = encode_text(shipped.text_encoder, shipped.tokenizer, captions)
    with torch.no_grad():
        similarity = shipped.matcher.score(images, masks, text.pooled, pairwise=True)
    recall_at_1 = (similarity.argmax(dim=1) == torch.arange(16)).float().mean()
    assert recall_at_1 >= 0.5, recall_at_1  # chance: 1/16; measured 1.0


def test_prompt_colour_reaches_the_garment_and_nothing_else_changes(shipped, world_person):
    sample, analysis = world_person

    def render(prompt):
        out = shipped(
            analysis,
            prompt,
            category=sample.category,
            num_inference_steps=12,
            generator=torch.Generator().manual_seed(0),
            output_type="np",
        )
        return out.images[0]

    red, blue = render("a red t-shirt"), render("a blue t-shirt")
    mask = analysis.agnostic_mask(sample.category, dilation=shipped.defaults.mask_dilation)
    for image in (red, blue):
        np.testing.assert_array_equal(image[~mask], sample.source[~mask])

    def redness(image):  # mean R - B inside the garment region, in 8-bit levels
        pixels = image[mask].astype(float)
        return float((pixels[:, 0] - pixels[:, 2]).mean())

    assert redness(red) - redness(blue) > 40
