"""The try-on pipeline: ``TryOnPipeline`` and its crop, composite, recipe and scheduler helpers."""

from tryon.pipeline.composite import composite, feather_mask
from tryon.pipeline.crop import crop_keypoints, crop_resize, garment_crop_box, paste_crop
from tryon.pipeline.loading import WeightsError
from tryon.pipeline.pipeline_tryon import (
    AttentionBackendError,
    PreparedPerson,
    TryOnPipeline,
    TryOnPipelineOutput,
)
from tryon.pipeline.recipe import RenderRecipe, load_render_recipe
from tryon.pipeline.schedulers import SCHEDULER_NAMES, make_scheduler

__all__ = [
    "SCHEDULER_NAMES",
    "AttentionBackendError",
    "PreparedPerson",
    "RenderRecipe",
    "TryOnPipeline",
    "TryOnPipelineOutput",
    "WeightsError",
    "composite",
    "crop_keypoints",
    "crop_resize",
    "feather_mask",
    "garment_crop_box",
    "load_render_recipe",
    "make_scheduler",
    "paste_crop",
]
