"""Schedulers by name, for recipes: ``ddim``, ``dpm++``, ``euler``, ``unipc`` (and ``ddpm``).

A scheduler is swapped without touching the model with diffusers' ``from_config``: the noise
schedule (betas, prediction type, timestep spacing) comes from the loaded scheduler's config and
only the sampling algorithm changes.

* ``ddim``: DDIM, deterministic (eta = 0) (Song et al. 2021);
* ``dpm++``: DPM-Solver++(2M), multistep (Lu et al. 2022);
* ``euler``: Euler (Karras et al. 2022);
* ``unipc``: UniPC, multistep predictor-corrector (Zhao et al. 2023);
* ``ddpm``: DDPM ancestral sampling (Ho et al. 2020), the training scheduler.
"""

from __future__ import annotations

from typing import Any

import torch
from diffusers import (
    DDIMScheduler,
    DDPMScheduler,
    DPMSolverMultistepScheduler,
    EulerDiscreteScheduler,
    UniPCMultistepScheduler,
)
from diffusers.schedulers.scheduling_utils import SchedulerMixin

SCHEDULERS: dict[str, tuple[type[SchedulerMixin], dict[str, Any]]] = {
    "ddim": (DDIMScheduler, {}),
    "dpm++": (DPMSolverMultistepScheduler, {"algorithm_type": "dpmsolver++", "solver_order": 2}),
    "euler": (EulerDiscreteScheduler, {}),
    "unipc": (UniPCMultistepScheduler, {}),
    "ddpm": (DDPMScheduler, {}),
}
SCHEDULER_NAMES: tuple[str, ...] = tuple(SCHEDULERS)

#: diffusers' ways of picking the sampling timesteps out of the 1000 training ones. At 20
#: steps "leading" (Stable Diffusion's, the training config's) starts at t = 941 for DPM++
#: and 951 for DDIM; "trailing" and "linspace" start at the last training timestep, 999, as
#: Lin et al. 2024 ("Common Diffusion Noise Schedules and Sample Steps are Flawed") recommend.
TIMESTEP_SPACINGS: tuple[str, ...] = ("leading", "trailing", "linspace")


def make_scheduler(name: str, config: Any, timestep_spacing: str | None = None) -> SchedulerMixin:
    """A scheduler of kind ``name`` sharing ``config``'s noise schedule.

    Args:
        name: one of :data:`SCHEDULER_NAMES`.
        config: a scheduler config (``scheduler.config``) or a scheduler.
        timestep_spacing: one of :data:`TIMESTEP_SPACINGS` instead of ``config``'s; None
            keeps ``config``'s. Only which timesteps are visited changes, not the schedule.

    Raises:
        ValueError: unknown ``name`` or ``timestep_spacing``.
    """
    if name not in SCHEDULERS:
        raise ValueError(f"scheduler must be one of {list(SCHEDULER_NAMES)}, got {name!r}")
    cls, overrides = SCHEDULERS[name]
    if timestep_spacing is not None:
        if timestep_spacing not in TIMESTEP_SPACINGS:
            raise ValueError(
                f"timestep_spacing must be one of {list(TIMESTEP_SPACINGS)}, "
                f"got {timestep_spacing!r}"
            )
        overrides = {**overrides, "timestep_spacing": timestep_spacing}
    if isinstance(config, SchedulerMixin):
        config = config.config
    return cls.from_config(config, **overrides)


def forward_signal(scheduler, latents: torch.Tensor, timestep: torch.Tensor) -> torch.Tensor:
    """``latents`` as the forward process carries them at ``timestep``, without its noise:
    the scheduler's ``add_noise`` with zero noise, so ``sqrt(alpha_bar_t) * latents`` for DDIM,
    DPM++ and UniPC, and ``latents`` itself for Euler (which scales the noise by sigma
    instead).

    Args:
        scheduler: a diffusers scheduler; Euler's needs its timesteps set.
        latents: ``(N, C, h, w)`` clean latents.
        timestep: one timestep (a scalar or one-element tensor) for every row.

    Returns:
        A tensor shaped as ``latents``.
    """
    return scheduler.add_noise(latents, torch.zeros_like(latents), timestep.reshape(1))


def default_scheduler_config() -> dict[str, Any]:
    """The training noise schedule shared by every scheduler here: Stable Diffusion's (1000
    steps, scaled-linear betas 0.00085 to 0.012, epsilon prediction, "leading" spacing with
    offset 1)."""
    return {
        "num_train_timesteps": 1000,
        "beta_start": 0.00085,
        "beta_end": 0.012,
        "beta_schedule": "scaled_linear",
        "prediction_type": "epsilon",
        "clip_sample": False,
        "set_alpha_to_one": False,
        "steps_offset": 1,
        "timestep_spacing": "leading",
    }
