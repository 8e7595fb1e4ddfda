"""Grow a trained UNet: the same weights in a UNet built from a changed config.

:func:`tryon.models.pooled_text.add_pooled_text` and
:func:`tryon.models.full_res_attention.add_full_res_attention` both add modules to a trained
``UNet2DConditionModel``; this is the part they share: build the new architecture, carry every
old weight over, and check that exactly the named new modules are what the old weights lack.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from diffusers import UNet2DConditionModel


def changed_config(unet: UNet2DConditionModel, **config_changes: Any) -> dict[str, Any]:
    """``unet``'s config with ``config_changes``, ready for ``UNet2DConditionModel.from_config``
    (a new architecture, fresh weights)."""
    config = dict(unet.config)
    # from_config resets the keys listed here to their defaults (class_embed_type is one)
    config.pop("_use_default_values", None)
    config.update(config_changes)
    return config


def rebuild_unet(
    unet: UNet2DConditionModel, new_modules: Sequence[str], **config_changes: Any
) -> UNet2DConditionModel:
    """A UNet built from ``unet``'s config with ``config_changes``, holding every weight of
    ``unet``, on its device and in its dtype. The new modules (named by their paths in the
    new UNet, e.g. ``"class_embedding"``) keep diffusers' fresh initialisation: callers zero
    what must start at zero.

    Raises:
        ValueError: an old weight has no place in the new UNet, or the weights it lacks are not
            exactly those of ``new_modules``.
    """
    param = next(unet.parameters())
    rebuilt = UNet2DConditionModel.from_config(changed_config(unet, **config_changes))
    missing, unexpected = rebuilt.load_state_dict(unet.state_dict(), strict=False)
    new = {
        name
        for name in rebuilt.state_dict()
        if any(name.startswith(f"{module}.") for module in new_modules)
    }
    if unexpected or set(missing) != new:
        raise ValueError(f"weights do not fit: missing {missing}, unexpected {unexpected}")
    return rebuilt.to(device=param.device, dtype=param.dtype)
