"""``TryOnPipeline``: photo of a person + garment description -> that person wearing it.

A diffusers ``DiffusionPipeline`` with the usual call order::

    check_inputs -> analyse person -> encode prompt -> timesteps -> latents
      -> denoise (classifier-free and colour guidance) -> decode -> refine -> composite

The model works on a crop around the garment region (:func:`tryon.pipeline.crop.garment_crop_box`)
at its own resolution; the result is pasted back into the full-resolution photo with a feathered
mask (:mod:`tryon.pipeline.composite`), so every pixel outside the agnostic mask is the input's,
bit for bit. ``prepare()`` does the person-dependent work once (analysis, crop, agnostic latent,
mask, pose) and returns a :class:`PreparedPerson` that later calls reuse for any prompt.

The same class runs Stable-Diffusion-inpainting-layout components (9-channel UNet, CLIP text
encoder, SD VAE): the UNet input is assembled by the layout its ``in_channels`` implies
(:mod:`tryon.models.layout`).
"""

from __future__ import annotations

import inspect
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from diffusers import AutoencoderKL, DiffusionPipeline, UNet2DConditionModel
from diffusers.schedulers.scheduling_utils import SchedulerMixin
from diffusers.utils import BaseOutput
from diffusers.utils.torch_utils import randn_tensor
from PIL import Image

from tryon.analysis import PersonAnalysis
from tryon.analysis.agnostic import hip_row, kept_top
from tryon.body import REGION_INDEX, check_category
from tryon.models.layout import UNetInputLayout, layout_for
from tryon.models.matcher import GarmentTextMatcher
from tryon.models.pooled_text import unet_text_kwargs, uses_pooled_text
from tryon.models.refiner import Refiner
from tryon.models.text_encoder import PackagedBertModel, TextEmbeddings, encode_text
from tryon.pipeline.colour_lock import (
    LockTarget,
    background_tone,
    lock_garment,
    lock_target,
    parse_colour,
    skin_tone,
)
from tryon.pipeline.colour_prior import (
    add_colour_prior,
    check_colour_prior,
    colour_latent,
    prior_strength,
)
from tryon.pipeline.composite import (
    HOLE_CATEGORIES,
    clean_plate,
    composite,
    feather_mask,
    garment_holes,
    lock_region,
    restore_background,
)
from tryon.pipeline.conditioning import (
    AGNOSTIC_FILL,
    Conditioning,
    agnostic_image,
    build_conditioning,
    decode_latents,
    encode_latents,
    image_to_tensor,
    tensor_to_images,
)
from tryon.pipeline.crop import (
    Box,
    box_mask,
    crop_keypoints,
    crop_resize,
    garment_crop_box,
    paste_crop,
)
from tryon.pipeline.guidance import (
    AttributeGuidance,
    check_scale,
    check_stop,
    combine_guidance,
    plan_guidance,
    resolve_attribute_guidance,
)
from tryon.pipeline.known_start import add_known_region
from tryon.pipeline.loading import WeightsError, check_weights_folder, verify_component_keys
from tryon.pipeline.recipe import RenderRecipe, load_render_recipe
from tryon.pipeline.schedulers import make_scheduler

logger = logging.getLogger(__name__)

OUTPUT_TYPES = ("pil", "np")
#: Person-mask dilation, as a fraction of the crop box height, that separates the clean plate
#: (background pixels inside the agnostic mask) from the person's edge.
PLATE_MARGIN = 0.005
DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


class AttentionBackendError(ValueError):
    """The requested attention backend is not available."""


@dataclass
class PreparedPerson:
    """Person-dependent inputs of a try-on, computed once by :meth:`TryOnPipeline.prepare`.

    Attributes:
        analysis: the person analysis.
        category: garment category the mask was made for.
        box: ``(x0, y0, x1, y1)`` crop box in photo pixels.
        size: ``(height, width)`` the model works at.
        mask: ``(H, W)`` bool, the pixels of the photo the try-on may change: the agnostic
            mask at photo resolution, less the top a ``lower`` try-on keeps
            (:meth:`TryOnPipeline.agnostic_mask`).
        weight: ``(H, W)`` float32 composite weights (the model's mask feathered, 0 outside
            ``mask``).
        plate: ``(H, W)`` bool, the pixels of ``mask`` where the photo shows background
            (:func:`tryon.pipeline.composite.clean_plate`).
        skin: CIELAB ``(3,)`` skin tone of the face outside the mask, or None (no face seen);
            the colour lock never shifts skin-coloured pixels.
        background: CIELAB ``(3,)`` tone of the photo's background around the person (the
            crop box off the grown person mask), or None (fewer than 20 pixels); the base
            lock never takes a haze of it for the garment
            (:func:`tryon.pipeline.colour_lock.background_tone`).
        crop_mask: ``(1, 1, h, w)`` the model's agnostic mask of the crop, 0/1.
        crop_agnostic: ``(1, 3, h, w)`` agnostic crop in ``[-1, 1]``.
        conditioning: agnostic latent, latent mask and pose map of the crop.
        photo_latent: ``(1, C, h', w')`` scaled VAE latent of the photo's crop itself (not
            the agnostic one): what the noised latent holds outside the mask in training
            (the known-region start, :mod:`tryon.pipeline.known_start`).
    """

    analysis: PersonAnalysis
    category: str
    box: Box
    size: tuple[int, int]
    mask: np.ndarray
    weight: np.ndarray
    plate: np.ndarray
    skin: np.ndarray | None
    background: np.ndarray | None
    crop_mask: torch.Tensor
    crop_agnostic: torch.Tensor
    conditioning: Conditioning
    photo_latent: torch.Tensor

    def composite(
        self,
        crop: np.ndarray,
        background_tolerance: tuple[float, float] | None = None,
        lock: LockTarget | None = None,
    ) -> np.ndarray:
        """The photo with ``crop`` (``(h, w, 3)`` uint8, a render of the crop box at
        :attr:`size`) pasted back into :attr:`box` and blended in by :attr:`weight`: pixels
        outside the agnostic mask stay the photo's exactly. With ``background_tolerance``
        (``(low, high)`` ΔE*ab), the photo's background first comes back on :attr:`plate`
        where the render is close to it (:func:`restore_background`), except, for a garment
        of :data:`~tryon.pipeline.composite.HOLE_CATEGORIES`, in the patches the render walls
        in below the hips (:func:`~tryon.pipeline.composite.garment_holes`: holes in a skirt
        drawn over the background, which the locks then act on too). With ``lock``, the
        garment's base colour (and a print's colour, when it names one) is then locked to it
        (:func:`tryon.pipeline.colour_lock.lock_garment`) on the mask off the plate and on the
        plate pixels where the render drew over the background
        (:func:`tryon.pipeline.composite.lock_region`)."""
        photo = self.analysis.image
        generated = paste_crop(photo, crop, self.box)
        holes = None
        if background_tolerance is not None:
            hips = hip_row(self.analysis.keypoints)  # above them: gaps between arm and body
            if self.category in HOLE_CATEGORIES and hips is not None:
                middle = sum(background_tolerance) / 2.0
                holes = garment_holes(
                    generated, photo, self.plate, self.mask, below=middle, from_row=hips
                )
            generated = restore_background(
                generated, photo, self.plate, background_tolerance, keep=holes
            )
        if lock is not None:
            region = lock_region(generated, photo, self.mask, self.plate, holes=holes)
            generated = lock_garment(generated, region, lock, self.skin, self.background)[0]
        return composite(photo, generated, self.weight)


@dataclass
class TryOnPipelineOutput(BaseOutput):
    """Output of :class:`TryOnPipeline`.

    Attributes:
        images: full-resolution results, PIL images (``output_type="pil"``) or ``(H, W, 3)``
            uint8 arrays (``"np"``), prompt-major: all images of prompt 0, then prompt 1, ...
        analysis: the person analysis used.
        scores: matcher score (cosine similarity in ``[-1, 1]``) of each image, or ``None``
            when the pipeline has no matcher.
        timings: seconds spent per stage (``analysis``, ``text_encoding``, ``denoising``,
            ``decoding``, ``refiner``, ``scoring``, ``composite``, ``total``).
    """

    images: list[Any]
    analysis: PersonAnalysis | None = None
    scores: list[float] | None = None
    timings: dict[str, float] = field(default_factory=dict)


def _lock_targets(garment_colour, prompts, n_prompts: int, colour_lock: bool) -> list:
    """:class:`LockTarget` (or None: no lock) of each prompt. The base colour is
    ``garment_colour`` when given (one for all, or a list whose None entries lock nothing),
    else with ``colour_lock`` the colour each prompt names; the print colour is the second
    colour the prompt names (:func:`tryon.pipeline.colour_lock.lock_target`)."""
    prompts = prompts if prompts is not None else [None] * n_prompts
    if isinstance(garment_colour, list):
        return [
            None if g is None else lock_target(p, g)
            for g, p in zip(garment_colour, prompts, strict=True)
        ]
    if garment_colour is not None:
        return [lock_target(p, garment_colour) for p in prompts]
    if not colour_lock:
        return [None] * n_prompts
    return [lock_target(p) for p in prompts]  # None for a prompt (or none) naming no colour


def _stage_clock(device: torch.device):
    """``time.perf_counter`` that first waits for queued CUDA work, so per-stage timings on a
    GPU measure the stage rather than the time to enqueue its kernels."""
    if device.type != "cuda":
        return time.perf_counter

    def clock() -> float:
        torch.cuda.synchronize(device)
        return time.perf_counter()

    return clock


class TryOnPipeline(DiffusionPipeline):
    """Text-driven virtual try-on.

    Args:
        vae: ``AutoencoderKL`` (x8, 4 latent channels).
        unet: ``UNet2DConditionModel`` with ``in_channels`` 26 (ours: noisy latent + agnostic
            latent + mask + pose) or 9 (Stable-Diffusion inpainting).
        text_encoder: ``BertModel`` (default: packaged all-MiniLM-L6-v2) or ``CLIPTextModel``.
        tokenizer: the text encoder's tokenizer.
        scheduler: any diffusers scheduler (swap with :func:`tryon.pipeline.schedulers.make_scheduler`).
        matcher: optional :class:`GarmentTextMatcher` (scores, best-of-N).
        refiner: optional :class:`Refiner` applied after decoding.
    """

    model_cpu_offload_seq = "text_encoder->unet->vae->refiner->matcher"
    _optional_components = ["matcher", "refiner"]
    _callback_tensor_inputs = ["latents"]

    def __init__(
        self,
        vae: AutoencoderKL,
        unet: UNet2DConditionModel,
        text_encoder,
        tokenizer,
        scheduler: SchedulerMixin,
        matcher: GarmentTextMatcher | None = None,
        refiner: Refiner | None = None,
    ):
        super().__init__()
        self.register_modules(
            vae=vae,
            unet=unet,
            text_encoder=text_encoder,
            tokenizer=tokenizer,
            scheduler=scheduler,
            matcher=matcher,
            refiner=refiner,
        )
        self._analyzer = None
        self._recipe: RenderRecipe | None = None
        self._defaults: RenderRecipe | None = None

    # ------------------------------------------------------------------ properties
    @property
    def vae_scale_factor(self) -> int:
        return 2 ** (len(self.vae.config.block_out_channels) - 1)

    @property
    def layout(self) -> UNetInputLayout:
        """Input layout implied by ``unet.config.in_channels`` (26: tryon, 9: SD inpainting)."""
        return layout_for(self.unet.config.in_channels, self.vae.config.latent_channels)

    @property
    def size_multiple(self) -> int:
        """Working height and width must be multiples of this (VAE x UNet downsampling)."""
        return self.vae_scale_factor * 2 ** (len(self.unet.config.block_out_channels) - 1)

    @property
    def native_size(self) -> tuple[int, int]:
        """The UNet's ``sample_size`` times the VAE factor: the size the model was built for."""
        sample = self.unet.config.sample_size
        h, w = (sample, sample) if isinstance(sample, int) else sample
        return h * self.vae_scale_factor, w * self.vae_scale_factor

    @property
    def default_size(self) -> tuple[int, int]:
        """Working ``(height, width)``: the recipe's resolution, else :attr:`native_size`."""
        if self._recipe is not None:
            return tuple(self._recipe.resolution)
        return self.native_size

    @property
    def defaults(self) -> RenderRecipe:
        """Sampling defaults: the recipe this pipeline was made from, else ``pipelines/default``.

        Only its call settings (steps, guidance, locks...) apply by themselves; its scheduler
        is the pipeline's ``scheduler`` component, which :meth:`apply_recipe` (and so
        :meth:`from_recipe`) swaps in, and :meth:`from_pretrained` leaves as the folder saved it.
        """
        if self._recipe is not None:
            return self._recipe
        if self._defaults is None:
            self._defaults = load_render_recipe()
        return self._defaults

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, **kwargs) -> TryOnPipeline:
        """Load from a local weights folder (never the hub), strictly.

        Component overrides (``unet=...``, ``text_encoder=...``) are passed through as in
        diffusers. A folder that is missing, has a corrupt or truncated checkpoint, fails its
        checksums, or whose checkpoints do not match the model classes raises
        :class:`tryon.pipeline.loading.WeightsError` naming the folder.
        """
        folder = check_weights_folder(pretrained_model_name_or_path)
        kwargs.setdefault("local_files_only", True)
        # Weights may be stored in float16 (the shipped ones are, to halve their size);
        # compute in float32 unless asked otherwise, as the rest of the library does.
        if "dtype" not in kwargs and "torch_dtype" not in kwargs:
            kwargs["dtype"] = torch.float32
        try:
            pipe = super().from_pretrained(str(folder), **kwargs)
        except WeightsError:
            raise
        except (OSError, ValueError, RuntimeError, KeyError, TypeError) as err:
            raise WeightsError(f"could not load the pipeline from {folder}: {err}") from err
        for name, module in pipe.components.items():
            if name in kwargs or not isinstance(module, torch.nn.Module):
                continue
            if isinstance(module, PackagedBertModel):
                continue  # checked strictly against the package by its own loader
            verify_component_keys(name, module, folder / name)
        return pipe

    @classmethod
    def from_recipe(cls, recipe: str | Path | RenderRecipe = "default", **kwargs) -> TryOnPipeline:
        """A pipeline set up as a render recipe says: weights, scheduler, dtype, device,
        attention backend; the recipe's sampling settings become the call defaults."""
        if not isinstance(recipe, RenderRecipe):
            recipe = load_render_recipe(recipe)
        dtype = DTYPES[recipe.dtype]
        pipe = cls.from_pretrained(recipe.weights_path(), dtype=dtype, **kwargs)
        pipe.apply_recipe(recipe)
        return pipe

    def apply_recipe(self, recipe: RenderRecipe) -> TryOnPipeline:
        """Use ``recipe``'s scheduler, device, dtype, attention backend and call defaults."""
        self.scheduler = make_scheduler(
            recipe.scheduler, self.scheduler.config, recipe.timestep_spacing
        )
        device = recipe.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.to(device=device, dtype=DTYPES[recipe.dtype])
        self.set_attention_backend(recipe.attention)
        self._recipe = recipe
        return self

    # ------------------------------------------------------------------ GPU helpers
    def set_attention_backend(self, backend: str) -> None:
        """``"sdpa"``: PyTorch scaled-dot-product attention (the default); ``"xformers"``:
        xFormers memory-efficient attention (raises :class:`AttentionBackendError` if missing)."""
        if backend == "sdpa":
            from diffusers.models.attention_processor import AttnProcessor2_0

            for module in (self.unet, self.vae):
                module.set_attn_processor(AttnProcessor2_0())
        elif backend == "xformers":
            self.enable_xformers_memory_efficient_attention()
        else:
            raise ValueError(f"attention backend must be 'sdpa' or 'xformers', got {backend!r}")

    def enable_xformers_memory_efficient_attention(self, attention_op: Callable | None = None):
        """xFormers attention on the UNet and VAE; :class:`AttentionBackendError` when xformers
        is not installed (``pip install tryon[gpu]``) or no CUDA device is present."""
        from diffusers.utils import is_xformers_available

        if not is_xformers_available():
            raise AttentionBackendError(
                "attention backend 'xformers' needs the xformers package (pip install "
                "'tryon[gpu]'); use attention = \"sdpa\" instead"
            )
        if not torch.cuda.is_available():
            raise AttentionBackendError('xformers attention needs a CUDA GPU; use "sdpa" on CPU')
        super().enable_xformers_memory_efficient_attention(attention_op)

    def enable_vae_slicing(self) -> None:
        """Decode a batch one image at a time (less memory)."""
        self.vae.enable_slicing()

    def disable_vae_slicing(self) -> None:
        self.vae.disable_slicing()

    def enable_vae_tiling(self) -> None:
        """Encode/decode in overlapping tiles (large images in little memory)."""
        self.vae.enable_tiling()

    def disable_vae_tiling(self) -> None:
        self.vae.disable_tiling()

    # ------------------------------------------------------------------ person
    def analyse(self, image) -> PersonAnalysis:
        """Analyse a photo with a :class:`tryon.analysis.PersonAnalyzer` created on first use
        (backend from the recipe) and kept for later calls."""
        if self._analyzer is None:
            from tryon.analysis import PersonAnalyzer

            self._analyzer = PersonAnalyzer(backend=self.defaults.analysis_backend)
        return self._analyzer.analyse(image)

    def agnostic_mask(
        self,
        analysis: PersonAnalysis,
        category: str,
        *,
        mask_dilation: float | None = None,
        for_model: bool = False,
    ) -> np.ndarray:
        """``(H, W)`` bool agnostic mask of ``analysis``'s photo for ``category``, as the render
        recipe draws it (its ``mask_dilation`` unless given, ``mask_skirt_flare``).

        By default the pixels a try-on may change: every other pixel stays the photo's. With
        the recipe's ``mask_keep_top``, a ``lower`` mask leaves out the person's top (when the
        analysis has a garment parsing), which is pasted back over the render. With
        ``for_model`` the mask the model sees (the one its weights were trained on), which
        keeps the top in: the model draws the waist band as it learnt to, under the top.
        """
        defaults = self.defaults
        mask = analysis.agnostic_mask(
            check_category(category),
            dilation=_pick(mask_dilation, defaults.mask_dilation),
            skirt_flare=defaults.mask_skirt_flare,
        )
        return mask if for_model else self._less_kept_top(mask, analysis, category)

    def _less_kept_top(
        self, model_mask: np.ndarray, analysis: PersonAnalysis, category: str
    ) -> np.ndarray:
        """The model's mask less the top the recipe's ``mask_keep_top`` keeps (the last step
        of :func:`tryon.analysis.agnostic_mask_from_regions` with ``keep_top``)."""
        top = kept_top(category, analysis.parsing) if self.defaults.mask_keep_top else None
        return model_mask if top is None else model_mask & ~top

    @torch.no_grad()
    def prepare(
        self,
        person,
        category: str | None = None,
        *,
        height: int | None = None,
        width: int | None = None,
        mask_dilation: float | None = None,
        crop_margin: float | None = None,
        feather: float | None = None,
    ) -> PreparedPerson:
        """Everything person-dependent, computed once and reusable across prompts.

        Args:
            person: a photo (path, bytes, PIL image, uint8 array: analysed) or a
                :class:`PersonAnalysis` (reused).
            category: ``upper``, ``lower`` or ``full`` (default from the recipe).
            height, width: working size (default :attr:`default_size`).
            mask_dilation, crop_margin, feather: see :class:`RenderRecipe` (defaults from it).
        """
        defaults = self.defaults
        category = check_category(category if category is not None else defaults.category)
        height, width = self._check_size(height, width)
        dilation = _pick(mask_dilation, defaults.mask_dilation)
        margin = _pick(crop_margin, defaults.crop_margin)
        feather = _pick(feather, defaults.feather)
        for name, value in (
            ("mask_dilation", dilation),
            ("crop_margin", margin),
            ("feather", feather),
        ):
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be >= 0, got {value!r}")
        analysis = person if isinstance(person, PersonAnalysis) else self.analyse(person)
        # The model works on the mask it was trained on; the composite changes only `mask`
        # (the same, less a top it keeps: a hard edge there, the top lies over the garment).
        model_mask = self.agnostic_mask(analysis, category, mask_dilation=dilation, for_model=True)
        mask = self._less_kept_top(model_mask, analysis, category)
        if not mask.any():
            raise ValueError(f"the agnostic mask for category {category!r} is empty")
        size = (height, width)
        box = garment_crop_box(model_mask, analysis.keypoints, size, margin=margin)
        crop = crop_resize(analysis.image, box, size, fill=AGNOSTIC_FILL)
        crop_mask_np = crop_resize(model_mask, box, size, fill=0)
        keypoints = crop_keypoints(analysis.keypoints, box, size)
        device, dtype = self._execution_device, self.vae.dtype
        image_t = image_to_tensor(crop).to(device, dtype)
        mask_t = torch.from_numpy(crop_mask_np)[None, None].to(device, dtype)
        conditioning = build_conditioning(
            self.vae,
            image_t,
            mask_t,
            keypoints[None],
            with_pose=self.layout.has_pose,
            vae_scale_factor=self.vae_scale_factor,
            device=device,
        )
        photo_latent = encode_latents(self.vae, image_t, device)
        box_height = box[3] - box[1]
        weight = feather_mask(model_mask, feather * box_height) * mask
        # The person mask's edge pixels mix person and background: keep clear of them. The
        # photo off the grown person, once: the clean plate is its part in the mask, the
        # background tone is measured on its part in the crop box.
        plate_margin = max(1, round(PLATE_MARGIN * box_height))
        off_person = clean_plate(np.ones(mask.shape, bool), analysis.person_mask, plate_margin)
        plate = mask & off_person
        around = box_mask(box, mask.shape) & off_person
        face = (analysis.regions == REGION_INDEX["face"]) & ~mask
        return PreparedPerson(
            analysis=analysis,
            category=category,
            box=box,
            size=size,
            mask=mask,
            weight=weight,
            plate=plate,
            skin=skin_tone(analysis.image, face),
            background=background_tone(analysis.image, around),
            crop_mask=mask_t,
            crop_agnostic=agnostic_image(image_t, mask_t),
            conditioning=conditioning,
            photo_latent=photo_latent,
        )

    def _check_size(self, height: int | None, width: int | None) -> tuple[int, int]:
        default_h, default_w = self.default_size
        height = default_h if height is None else height
        width = default_w if width is None else width
        multiple = self.size_multiple
        for name, value in (("height", height), ("width", width)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an int, got {type(value).__name__}")
            if value <= 0 or value % multiple:
                raise ValueError(f"{name} must be a positive multiple of {multiple}, got {value}")
        return height, width

    # ------------------------------------------------------------------ prompt
    def encode_prompt(self, prompts: list[str]) -> TextEmbeddings:
        """Token and pooled embeddings of ``prompts`` (see :func:`tryon.models.encode_text`)."""
        return encode_text(self.text_encoder, self.tokenizer, prompts, self._execution_device)

    # ------------------------------------------------------------------ checks
    def check_inputs(
        self,
        person,
        prompt,
        prompt_embeds,
        negative_prompt,
        negative_prompt_embeds,
        category,
        num_inference_steps,
        guidance_scale,
        guidance_stop,
        num_images_per_prompt,
        rerank,
        refine,
        restore_background,
        colour_lock,
        garment_colour,
        colour_prior,
        print_colour_prior,
        known_start,
        output_type,
        generator,
        callback_on_step_end,
        callback_on_step_end_tensor_inputs,
    ) -> None:
        """Validate every argument of :meth:`__call__` before any work (ValueError/TypeError)."""
        if person is None:
            raise ValueError("a person is required: a photo, a PersonAnalysis or a PreparedPerson")
        if isinstance(person, PreparedPerson):
            if category is not None and category != person.category:
                raise ValueError(
                    f"category {category!r} differs from the prepared person's "
                    f"{person.category!r}; prepare the person again for another category"
                )
        elif not isinstance(person, (PersonAnalysis, Image.Image, np.ndarray, str, Path, bytes)):
            raise TypeError(
                "person must be a photo (path, bytes, PIL image, uint8 array), a PersonAnalysis "
                f"or a PreparedPerson, got {type(person).__name__}"
            )
        if category is not None:
            check_category(category)
        if (prompt is None) == (prompt_embeds is None):
            raise ValueError("pass exactly one of prompt and prompt_embeds")
        if prompt is not None:
            if isinstance(prompt, list):
                if not prompt:
                    raise ValueError("prompt must not be an empty list")
                if not all(isinstance(p, str) for p in prompt):
                    raise TypeError("prompt must be a string or a list of strings")
            elif not isinstance(prompt, str):
                raise TypeError(
                    f"prompt must be a string or a list of strings, got {type(prompt).__name__}"
                )
        n_prompts = _count_prompts(prompt, prompt_embeds)
        for name, embeds in (
            ("prompt_embeds", prompt_embeds),
            ("negative_prompt_embeds", negative_prompt_embeds),
        ):
            if embeds is None:
                continue
            tokens = embeds.tokens if isinstance(embeds, TextEmbeddings) else embeds
            if not isinstance(tokens, torch.Tensor) or tokens.ndim != 3:
                raise TypeError(f"{name} must be TextEmbeddings or a (N, L, D) tensor")
            if tokens.shape[-1] != self.unet.config.cross_attention_dim:
                raise ValueError(
                    f"{name} have width {tokens.shape[-1]}, the UNet attends to "
                    f"{self.unet.config.cross_attention_dim}"
                )
        if negative_prompt is not None and negative_prompt_embeds is not None:
            raise ValueError("pass at most one of negative_prompt and negative_prompt_embeds")
        if negative_prompt is not None:
            if isinstance(negative_prompt, str):
                pass
            elif isinstance(negative_prompt, list) and all(
                isinstance(p, str) for p in negative_prompt
            ):
                if len(negative_prompt) != n_prompts:
                    raise ValueError(
                        f"negative_prompt has {len(negative_prompt)} entries for {n_prompts} prompts"
                    )
            else:
                raise TypeError("negative_prompt must be a string or a list of strings")
        if negative_prompt_embeds is not None:
            rows = (
                len(negative_prompt_embeds)
                if isinstance(negative_prompt_embeds, TextEmbeddings)
                else negative_prompt_embeds.shape[0]
            )
            if rows not in (1, n_prompts):
                raise ValueError(f"negative_prompt_embeds has {rows} rows for {n_prompts} prompts")
        if uses_pooled_text(self.unet):
            for name, embeds in (
                ("prompt_embeds", prompt_embeds),
                ("negative_prompt_embeds", negative_prompt_embeds),
            ):
                if embeds is not None and not (
                    isinstance(embeds, TextEmbeddings) and embeds.pooled is not None
                ):
                    raise ValueError(
                        f"this UNet is also conditioned on the pooled prompt embedding: {name} "
                        "must be TextEmbeddings with pooled set (encode_prompt returns them)"
                    )
        if not _is_int(num_inference_steps) or num_inference_steps < 1:
            raise ValueError(
                f"num_inference_steps must be an int >= 1, got {num_inference_steps!r}"
            )
        check_scale("guidance_scale", guidance_scale)
        check_stop("guidance_stop", guidance_stop)
        if not _is_int(num_images_per_prompt) or num_images_per_prompt < 1:
            raise ValueError(
                f"num_images_per_prompt must be an int >= 1, got {num_images_per_prompt!r}"
            )
        if not _is_int(rerank) or rerank < 0:
            raise ValueError(f"rerank must be an int >= 0 (0 = off), got {rerank!r}")
        if rerank > 1:
            if self.matcher is None:
                raise ValueError("rerank needs a matcher, and this pipeline has none")
            if rerank < num_images_per_prompt:
                raise ValueError(
                    f"rerank ({rerank}) must be >= num_images_per_prompt ({num_images_per_prompt})"
                )
            if prompt is None and not (
                isinstance(prompt_embeds, TextEmbeddings) and prompt_embeds.pooled is not None
            ):
                raise ValueError(
                    "rerank with prompt_embeds needs TextEmbeddings with pooled embeddings"
                )
        if not isinstance(refine, bool):
            raise TypeError(f"refine must be a bool, got {type(refine).__name__}")
        if refine and self.refiner is None:
            raise ValueError("refine=True needs a refiner, and this pipeline has none")
        for name, value in (
            ("restore_background", restore_background),
            ("colour_lock", colour_lock),
        ):
            if not isinstance(value, bool):
                raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
        if isinstance(garment_colour, list):
            if len(garment_colour) != n_prompts:
                raise ValueError(
                    f"garment_colour has {len(garment_colour)} entries for {n_prompts} prompts"
                )
            for value in garment_colour:
                if value is not None:
                    parse_colour(value)
        elif garment_colour is not None:
            parse_colour(garment_colour)
        check_colour_prior(colour_prior)
        check_colour_prior(print_colour_prior, "print_colour_prior")
        check_colour_prior(known_start, "known_start")
        if output_type not in OUTPUT_TYPES:
            raise ValueError(
                f"output_type must be one of {list(OUTPUT_TYPES)}, got {output_type!r}"
            )
        if isinstance(generator, list):
            candidates = max(rerank, num_images_per_prompt) if rerank > 1 else num_images_per_prompt
            expected = n_prompts * candidates
            if len(generator) != expected:
                raise ValueError(
                    f"got {len(generator)} generators for {expected} images "
                    f"({n_prompts} prompts x {candidates} candidates)"
                )
            if not all(isinstance(g, torch.Generator) for g in generator):
                raise TypeError("generator must be a torch.Generator or a list of them")
        elif generator is not None and not isinstance(generator, torch.Generator):
            raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
        if callback_on_step_end is not None and not callable(callback_on_step_end):
            raise TypeError("callback_on_step_end must be callable")
        bad = [
            k for k in callback_on_step_end_tensor_inputs if k not in self._callback_tensor_inputs
        ]
        if bad:
            raise ValueError(
                f"callback_on_step_end_tensor_inputs {bad} are not among {self._callback_tensor_inputs}"
            )

    # ------------------------------------------------------------------ call
    @torch.no_grad()
    def __call__(
        self,
        person=None,
        prompt: str | list[str] | None = None,
        *,
        category: str | None = None,
        prompt_embeds: TextEmbeddings | torch.Tensor | None = None,
        negative_prompt: str | list[str] | None = None,
        negative_prompt_embeds: TextEmbeddings | torch.Tensor | None = None,
        num_inference_steps: int | None = None,
        guidance_scale: float | None = None,
        guidance_stop: float | None = None,
        attribute_guidance: Mapping[str, AttributeGuidance | float | tuple[float, float]]
        | None = None,
        generator: torch.Generator | list[torch.Generator] | None = None,
        num_images_per_prompt: int = 1,
        refine: bool | None = None,
        rerank: int | None = None,
        restore_background: bool | None = None,
        colour_lock: bool | None = None,
        garment_colour=None,
        colour_prior: float | None = None,
        print_colour_prior: float | None = None,
        known_start: float | None = None,
        height: int | None = None,
        width: int | None = None,
        output_type: str = "pil",
        return_dict: bool = True,
        callback_on_step_end: Callable | None = None,
        callback_on_step_end_tensor_inputs: list[str] = ("latents",),
    ):
        """Render the person wearing the described garment.

        Args:
            person: photo (path, bytes, PIL image or ``(H, W, 3)`` uint8 array; analysed with
                :meth:`analyse`), a :class:`PersonAnalysis`, or a :class:`PreparedPerson`
                from :meth:`prepare` (fastest for many prompts).
            prompt: garment description(s); a list renders one result set per prompt.
            category: ``upper``, ``lower`` or ``full`` (default: the recipe's; with a prepared
                person, its category).
            prompt_embeds: instead of ``prompt``: :class:`TextEmbeddings` or ``(N, L, D)`` tokens.
            negative_prompt / negative_prompt_embeds: the unconditional branch of guidance
                (default: the empty prompt).
            num_inference_steps, guidance_scale, guidance_stop: sampling (defaults: recipe).
                Guidance runs on the first ``ceil(guidance_stop * steps)`` steps only.
            attribute_guidance: attribute guidance (:mod:`tryon.pipeline.guidance`), laid
                over the recipe's ``[attribute_guidance]`` table: ``{attribute: scale}`` (the
                recipe's stop), ``{attribute: (scale, stop)}`` or
                :class:`~tryon.pipeline.guidance.AttributeGuidance` values, for ``"colour"``,
                ``"pattern"`` and ``"print_colour"``; scale 0 turns one off. Each also pushes
                the prediction away from the prompt with that attribute's words taken out, on
                the first ``ceil(stop * steps)`` steps, so what the words ask for comes out:
                ``{"colour": 6, "pattern": 3}`` delivers the named colour more often and keeps
                the prints. One more UNet evaluation a step, when a prompt names the attribute.
                It reads the prompt's words, so it is off with ``prompt_embeds`` (and a scale
                > 0 given here with them is an error).
            generator: a ``torch.Generator`` or one per image candidate (prompt-major).
            num_images_per_prompt: results per prompt.
            refine: run the refiner (default: recipe; needs a refiner).
            restore_background: bring the photo's background back inside the mask where the
                render only hazed it (default: recipe, with its ``background_tolerance``).
            colour_lock: shift the garment's base colour to the colour the prompt names,
                and a print's pixels to the print colour it names ("with white dots")
                (default: recipe; :mod:`tryon.pipeline.colour_lock`). A prompt that names no
                colour is left as rendered.
            garment_colour: lock the base colour to this colour instead, whatever
                ``colour_lock`` says: a palette name, ``"#RRGGBB"`` or an ``(r, g, b)`` triple
                (a shop's SKU colour), or a list with one such entry (or None: no lock) per
                prompt. A print colour the prompt names is locked too.
            colour_prior: start the sampler from noise around a garment of the asked colour
                (``garment_colour``, else the colour the prompt names), ``>= 0``: the
                forward process of a flat garment of that colour inside the mask, times this
                (default: recipe; :mod:`tryon.pipeline.colour_prior`). 0 = off; a prompt
                that names no colour (and has no ``garment_colour``) starts from plain noise.
            print_colour_prior: the prior's strength instead of ``colour_prior`` on a prompt
                that names a print's second colour ("navy with white dots"; its base colour
                may come from ``garment_colour``), ``>= 0``: the flat start costs prints
                there. Default: ``colour_prior`` when the call gives one (so
                ``colour_prior=0`` turns the prior off for every prompt), else the recipe's
                ``print_colour_prior``, else the recipe's ``colour_prior``.
            known_start: start the sampler from the photo's own forward process outside the
                mask, ``>= 0``: its latent there times the first timestep's signal, added to
                the noise, as every noisy input in training held (default: recipe;
                :mod:`tryon.pipeline.known_start`). 0 = off (pure noise), 1 = the forward
                process; the composite keeps the photo there either way, but the model reads
                a start without it as a darker garment.
            rerank: render this many candidates per prompt and keep the
                ``num_images_per_prompt`` with the highest matcher score (0/1 = off).
            height, width: working size, multiples of :attr:`size_multiple`.
            output_type: ``"pil"`` or ``"np"`` (uint8 arrays).
            return_dict: return :class:`TryOnPipelineOutput`, else ``(images, analysis, scores)``.
            callback_on_step_end: ``f(pipe, step, timestep, callback_kwargs) -> dict`` after each
                denoising step; the dict may replace the tensors named in
                ``callback_on_step_end_tensor_inputs`` (``"latents"``).
        """
        clock = _stage_clock(self._execution_device)
        t_start = clock()
        defaults = self.defaults
        steps = _pick(num_inference_steps, defaults.steps)
        guidance_scale = _pick(guidance_scale, defaults.guidance_scale)
        guidance_stop = _pick(guidance_stop, defaults.guidance_stop)
        if attribute_guidance is not None and not isinstance(attribute_guidance, Mapping):
            raise TypeError(
                "attribute_guidance must be a mapping of attribute to scale, (scale, stop) or "
                f"AttributeGuidance, got {type(attribute_guidance).__name__}"
            )
        attribute_settings = resolve_attribute_guidance(
            defaults.attribute_guidance, attribute_guidance
        )
        if prompt_embeds is not None:
            asked = [a for a in attribute_guidance or {} if attribute_settings[a].scale > 0]
            if asked:
                raise ValueError(
                    f"attribute guidance ({', '.join(asked)}) needs the prompt's words; pass "
                    "prompt, not prompt_embeds"
                )
        refine = _pick(refine, defaults.refine)
        rerank = _pick(rerank, defaults.rerank)
        restore_background = _pick(restore_background, defaults.restore_background)
        colour_lock = _pick(colour_lock, defaults.colour_lock)
        if print_colour_prior is None:
            # a colour_prior given in the call sets every prompt's (0 turns the prior off);
            # else the recipe's print strength, which left out is its colour_prior
            print_colour_prior = _pick(
                colour_prior, _pick(defaults.print_colour_prior, defaults.colour_prior)
            )
        colour_prior = _pick(colour_prior, defaults.colour_prior)
        known_start = _pick(known_start, defaults.known_start)
        callback_on_step_end_tensor_inputs = list(callback_on_step_end_tensor_inputs)
        self.check_inputs(
            person,
            prompt,
            prompt_embeds,
            negative_prompt,
            negative_prompt_embeds,
            category,
            steps,
            guidance_scale,
            guidance_stop,
            num_images_per_prompt,
            rerank,
            refine,
            restore_background,
            colour_lock,
            garment_colour,
            colour_prior,
            print_colour_prior,
            known_start,
            output_type,
            generator,
            callback_on_step_end,
            callback_on_step_end_tensor_inputs,
        )
        timings: dict[str, float] = {}
        device = self._execution_device

        # 1. person
        t0 = clock()
        if isinstance(person, PreparedPerson):
            prepared = person
            if (height is not None and height != prepared.size[0]) or (
                width is not None and width != prepared.size[1]
            ):
                raise ValueError(f"the person was prepared at {prepared.size}; prepare it again")
        else:
            prepared = self.prepare(person, category, height=height, width=width)
        timings["analysis"] = clock() - t0

        # 2. prompt
        t0 = clock()
        prompts = [prompt] if isinstance(prompt, str) else prompt
        do_cfg = guidance_scale > 1.0
        cond = (
            self._as_embeddings(prompt_embeds) if prompts is None else self.encode_prompt(prompts)
        )
        n_prompts = len(cond)
        uncond = None
        if do_cfg:
            if negative_prompt_embeds is not None:
                uncond = self._as_embeddings(negative_prompt_embeds).expand_to(n_prompts)
            else:
                negative = negative_prompt if negative_prompt is not None else ""
                negatives = [negative] * n_prompts if isinstance(negative, str) else negative
                uncond = self.encode_prompt(negatives)
        plan = plan_guidance(prompts, guidance_scale, guidance_stop, attribute_settings)
        # the attribute contrasts' embeddings, in their branch order (None: does not run)
        contrasts = [
            None if texts is None else self.encode_prompt(texts) for texts in plan.contrasts
        ]
        timings["text_encoding"] = clock() - t0

        # 3. candidates, timesteps, latents
        candidates = rerank if rerank > 1 else num_images_per_prompt
        batch = n_prompts * candidates
        cond_b = cond.repeat_interleave(candidates)
        uncond_b = uncond.repeat_interleave(candidates) if uncond is not None else None
        contrasts_b = [
            None if embeds is None else embeds.repeat_interleave(candidates) for embeds in contrasts
        ]
        unet_dtype = self.unet.dtype
        self.scheduler.set_timesteps(steps, device=device)
        timesteps = self.scheduler.timesteps
        h, w = prepared.size
        latent_shape = (
            batch,
            self.vae.config.latent_channels,
            h // self.vae_scale_factor,
            w // self.vae_scale_factor,
        )
        latents = randn_tensor(
            latent_shape, generator=generator, device=device, dtype=torch.float32
        )
        latents = latents * self.scheduler.init_noise_sigma
        # the prior starts from the colour the lock would use, whether the lock is on or not
        targets = _lock_targets(garment_colour, prompts, n_prompts, colour_lock=True)
        strengths = [prior_strength(t, colour_prior, print_colour_prior) for t in targets]
        if any(strengths):
            colours = [
                colour_latent(self.vae, target.base, device) if k > 0 else None
                for target, k in zip(targets, strengths, strict=True)
            ]
            latents = add_colour_prior(
                latents,
                self.scheduler,
                timesteps[0],
                prepared.conditioning.latent_mask,
                [c for c in colours for _ in range(candidates)],
                [k for k in strengths for _ in range(candidates)],
            )
        latents = add_known_region(
            latents,
            self.scheduler,
            timesteps[0],
            prepared.photo_latent,
            prepared.conditioning.latent_mask,
            known_start,
        )
        conditioning = prepared.conditioning.to(device, unet_dtype).expand(batch)
        schedule = plan.schedule(steps)
        branch_inputs: dict[tuple[bool, ...], tuple] = {}

        def inputs_for(flags: tuple[bool, ...]) -> tuple:
            """(number of branches, conditioning, text kwargs) of one UNet batch holding the
            branches ``flags`` names in combine_guidance's order: unconditional, conditional,
            then each contrast."""
            if flags not in branch_inputs:
                embeds = [uncond_b] * flags[0] + [cond_b]
                embeds += [b for b, ran in zip(contrasts_b, flags[1:], strict=True) if ran]
                n = len(embeds)
                cond_n = Conditioning(
                    *(
                        None if c is None else torch.cat([c] * n) if n > 1 else c
                        for c in (
                            conditioning.agnostic_latent,
                            conditioning.latent_mask,
                            conditioning.pose,
                        )
                    )
                )
                text = unet_text_kwargs(self.unet, embeds, device, unet_dtype)
                branch_inputs[flags] = (n, cond_n, text)
            return branch_inputs[flags]

        step_kwargs = self._step_kwargs(generator)

        # 4. denoise
        t0 = clock()
        with self.progress_bar(total=steps) as progress:
            for i, t in enumerate(timesteps):
                n, cond_in, text_kwargs = inputs_for(schedule[i])
                model_in = torch.cat([latents] * n) if n > 1 else latents
                model_in = self.scheduler.scale_model_input(model_in, t)
                unet_in = self.layout.build(
                    model_in.to(unet_dtype),
                    cond_in.agnostic_latent,
                    cond_in.latent_mask,
                    cond_in.pose,
                )
                noise = self.unet(unet_in, t, **text_kwargs, return_dict=False)[0].float()
                if n > 1:
                    noise = combine_guidance(noise.chunk(n), plan.scales, schedule[i])
                latents = self.scheduler.step(noise, t, latents, **step_kwargs, return_dict=False)[
                    0
                ]
                if callback_on_step_end is not None:
                    callback_kwargs = {"latents": latents}
                    callback_kwargs = {
                        k: callback_kwargs[k] for k in callback_on_step_end_tensor_inputs
                    }
                    result = callback_on_step_end(self, i, t, callback_kwargs) or {}
                    latents = result.pop("latents", latents)
                progress.update()
        timings["denoising"] = clock() - t0

        # 5. decode
        t0 = clock()
        images = decode_latents(self.vae, latents, device).float().clamp(-1.0, 1.0)
        timings["decoding"] = clock() - t0

        # 6. refine
        t0 = clock()
        crop_mask = prepared.crop_mask.to(device, torch.float32).expand(batch, -1, -1, -1)
        if refine:
            agnostic = prepared.crop_agnostic.to(device, torch.float32).expand(batch, -1, -1, -1)
            images = self.refiner(images, crop_mask, agnostic).float().clamp(-1.0, 1.0)
        timings["refiner"] = clock() - t0

        # 7. score and rerank
        t0 = clock()
        scores = None
        keep = list(range(batch))
        if self.matcher is not None and cond_b.pooled is not None:
            scores_t = self.matcher.score(images, crop_mask, cond_b.pooled.float()).float().cpu()
            if rerank > 1:
                keep = []
                for p in range(n_prompts):
                    block = scores_t[p * candidates : (p + 1) * candidates]
                    order = torch.argsort(block, descending=True, stable=True)
                    keep += [p * candidates + int(j) for j in order[:num_images_per_prompt]]
            scores = [float(scores_t[k]) for k in keep]
        timings["scoring"] = clock() - t0

        # 8. composite
        t0 = clock()
        tolerance = defaults.background_tolerance if restore_background else None
        locks = _lock_targets(garment_colour, prompts, n_prompts, colour_lock)
        results = [
            prepared.composite(crop, tolerance, locks[k // candidates])
            for k, crop in zip(keep, tensor_to_images(images[keep]), strict=True)
        ]
        if output_type == "pil":
            results = [Image.fromarray(r) for r in results]
        timings["composite"] = clock() - t0
        timings["total"] = clock() - t_start

        self.maybe_free_model_hooks()
        if not return_dict:
            return results, prepared.analysis, scores
        return TryOnPipelineOutput(
            images=results, analysis=prepared.analysis, scores=scores, timings=timings
        )

    # ------------------------------------------------------------------ helpers
    def _as_embeddings(self, embeds) -> TextEmbeddings:
        if isinstance(embeds, TextEmbeddings):
            return embeds
        return TextEmbeddings(tokens=embeds)

    def _step_kwargs(self, generator) -> dict[str, Any]:
        params = inspect.signature(self.scheduler.step).parameters
        return {"generator": generator} if "generator" in params else {}


def _pick(value, default):
    return default if value is None else value


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _count_prompts(prompt, prompt_embeds) -> int:
    if prompt is not None:
        return 1 if isinstance(prompt, str) else len(prompt)
    if isinstance(prompt_embeds, TextEmbeddings):
        return len(prompt_embeds)
    if isinstance(prompt_embeds, torch.Tensor):
        return prompt_embeds.shape[0]
    return 0
