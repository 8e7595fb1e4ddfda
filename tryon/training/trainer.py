"""The training loop shared by every stage, built on Hugging Face accelerate.

The same code runs on this CPU (``tryon train``) and on several GPUs or nodes
(``accelerate launch -m tryon train ...``): accelerate handles devices, mixed precision
(bf16 autocast on CPU, fp16/bf16 on GPU), gradient accumulation and distributed data
parallelism. The loop adds what a long run needs: EMA weights, atomic resumable checkpoints,
metrics in CSV and TensorBoard, sample grids, and a progress bar with loss and ETA.

A stage (:class:`TrainingStage`) says which modules train, how their losses are computed
from a batch, and what is exported at the end; the loop knows nothing of diffusion.
"""

from __future__ import annotations

import csv
import logging
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import torch
from accelerate import Accelerator
from accelerate.utils import set_seed
from diffusers.optimization import get_scheduler
from diffusers.training_utils import EMAModel
from tqdm.auto import tqdm

from tryon.io import atomic_write, save_image
from tryon.recipes import dump_recipe
from tryon.training.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from tryon.training.recipe import TrainRecipe
from tryon.weights import CHECKSUMS_NAME, write_checksums

logger = logging.getLogger(__name__)

#: The resolved recipe a run writes into its output_dir at every start.
RECIPE_COPY_NAME = "recipe.toml"
# recipe [optim] lr_schedule -> diffusers.optimization scheduler name (all with linear warm-up)
_SCHEDULES = {"constant": "constant_with_warmup", "linear": "linear", "cosine": "cosine"}


class TrainingStage(Protocol):
    """What the loop needs from a stage.

    ``optimizers`` maps an optimizer name to ``(module names, learning rate)``; ``"main"``
    minimises ``losses()["loss"]``, any other name ``n`` minimises ``losses()[f"{n}_loss"]``
    (e.g. a GAN discriminator) and is stepped after ``main``. Other returned keys are logged.
    """

    name: str

    def modules(self) -> dict[str, torch.nn.Module]: ...

    def optimizers(self) -> dict[str, tuple[list[str], float]]: ...

    def ema_modules(self) -> list[str]: ...

    def bind(self, modules: dict[str, torch.nn.Module], accelerator: Accelerator) -> None: ...

    def losses(self, batch: dict, generator: torch.Generator) -> dict[str, torch.Tensor]: ...

    def sample_grid(self, batch: dict, generator: torch.Generator): ...

    def export(self, directory: Path) -> None: ...


class StepBatchSampler(torch.utils.data.Sampler):
    """Yields index batches as a pure function of the micro-batch number.

    Micro-batch ``m`` of process ``rank`` (of ``world``) holds positions
    ``[(m*world + rank) * batch, ... + batch)`` of a per-epoch permutation seeded by
    ``(seed, epoch)``: a resumed run sees exactly the batches it would have seen, with no
    data-loader state to save.
    """

    def __init__(
        self, length: int, batch_size: int, seed: int, start: int = 0, rank: int = 0, world: int = 1
    ):
        if length < batch_size:
            raise ValueError(f"data set of {length} items is smaller than one batch ({batch_size})")
        self.length, self.batch_size, self.seed = length, batch_size, seed
        self.start, self.rank, self.world = start, rank, world
        self._perm_epoch, self._perm = -1, None

    def batch(self, micro_step: int) -> list[int]:
        first = (micro_step * self.world + self.rank) * self.batch_size
        out = []
        for position in range(first, first + self.batch_size):
            epoch, offset = divmod(position, self.length)
            if epoch != self._perm_epoch:
                gen = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
                self._perm, self._perm_epoch = torch.randperm(self.length, generator=gen), epoch
            out.append(int(self._perm[offset]))
        return out

    def __iter__(self):
        micro_step = self.start
        while True:
            yield self.batch(micro_step)
            micro_step += 1

    def __len__(self) -> int:  # infinite; DataLoader only needs it for len()
        return 2**62


@dataclass
class TrainResult:
    step: int
    last_losses: dict[str, float]
    export_dir: Path | None
    seconds: float


class MetricsLog:
    """Appends one CSV row per logged step; on resume, rows after the resumed step are dropped
    so the file reads as one uninterrupted run."""

    def __init__(self, path: Path, resume_step: int):
        self.path = path
        self.fields: list[str] | None = None
        if path.exists():
            with open(path, newline="") as handle:
                reader = csv.DictReader(handle)
                self.fields = reader.fieldnames
                rows = [row for row in reader if int(row["step"]) <= resume_step]
            with atomic_write(path, mode="w") as handle:
                writer = csv.DictWriter(handle, fieldnames=self.fields)
                writer.writeheader()
                writer.writerows(rows)

    def write(self, row: dict) -> None:
        new_file = not self.path.exists()
        if self.fields is None:
            self.fields = list(row)
        with open(self.path, "a", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=self.fields, extrasaction="ignore")
            if new_file:
                writer.writeheader()
            writer.writerow(row)


class Trainer:
    """Runs a :class:`TrainingStage` on a dataset according to a :class:`TrainRecipe`."""

    def __init__(
        self,
        recipe: TrainRecipe,
        stage: TrainingStage,
        dataset,
        accelerator: Accelerator | None = None,
    ):
        self.recipe, self.stage, self.dataset = recipe, stage, dataset
        self.run_dir = Path(recipe.output_dir)
        self.accelerator = accelerator or Accelerator(
            mixed_precision=recipe.optim.mixed_precision,
            gradient_accumulation_steps=recipe.optim.grad_accum,
        )

    def _build(self):
        acc, optim = self.accelerator, self.recipe.optim
        modules = self.stage.modules()
        self.optimizers, self.schedulers = {}, {}
        unmatched = set(optim.lr_scale)
        for name, (module_names, lr) in self.stage.optimizers().items():
            groups = parameter_groups(modules, module_names, lr, optim.lr_scale)
            unmatched -= {prefix for group in groups for prefix in group["prefixes"]}
            opt = torch.optim.AdamW(
                [{"params": g["params"], "lr": g["lr"]} for g in groups],
                lr=lr,
                betas=optim.betas,
                weight_decay=optim.weight_decay,
            )
            # accelerate steps a prepared scheduler once per process each step
            sched = get_scheduler(
                _SCHEDULES[optim.lr_schedule],
                opt,
                num_warmup_steps=optim.warmup_steps * acc.num_processes,
                num_training_steps=optim.max_steps * acc.num_processes,
            )
            self.optimizers[name], self.schedulers[name] = opt, sched
        if unmatched:
            raise ValueError(
                f"[optim] lr_scale: no trained parameter's name starts with {sorted(unmatched)} "
                f"(names are <module>.<parameter>, modules: {sorted(modules)})"
            )
        names = list(modules)
        prepared = acc.prepare(
            *modules.values(), *self.optimizers.values(), *self.schedulers.values()
        )
        if not isinstance(prepared, (list, tuple)):
            prepared = [prepared]
        prepared = list(prepared)
        self.modules = dict(zip(names, prepared[: len(names)], strict=True))
        k = len(names)
        self.optimizers = dict(
            zip(self.optimizers, prepared[k : k + len(self.optimizers)], strict=True)
        )
        self.schedulers = dict(
            zip(self.schedulers, prepared[k + len(self.optimizers) :], strict=True)
        )
        self.ema = {}
        if optim.ema_decay > 0:
            for name in self.stage.ema_modules():
                ema = EMAModel(
                    acc.unwrap_model(self.modules[name]).parameters(), decay=optim.ema_decay
                )
                acc.register_for_checkpointing(ema)
                self.ema[name] = ema
        self.stage.bind(self.modules, acc)

    def train(
        self, max_steps: int | None = None, resume: bool = True, time_limit: float | None = None
    ) -> TrainResult:
        """Train until ``max_steps`` optimizer steps (default: the recipe's), resuming from the
        newest complete checkpoint in ``output_dir`` when ``resume``. With ``time_limit``
        (seconds of this call), stop after the first step that reaches it, checkpointed and
        exported like a finished run (for GPU slots of fixed length; the step reached is in
        the result and in ``metrics.csv``). Returns the final state."""
        recipe, acc = self.recipe, self.accelerator
        max_steps = recipe.optim.max_steps if max_steps is None else max_steps
        set_seed(recipe.seed)  # accelerate seeds every RNG the run owns; checkpoints restore them
        self._build()
        step = 0
        checkpoint = latest_checkpoint(self.run_dir) if resume else None
        if checkpoint is not None:
            step = load_checkpoint(acc, checkpoint)["step"]
            # accelerate loads registered objects' state on the CPU; an EMA must sit with its
            # model (on a GPU the first EMA update failed on mixed devices)
            for ema in self.ema.values():
                ema.to(device=acc.device)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if acc.is_main_process:
            # every key resolved (defaults, extends), so the run can be repeated from its folder
            dump_recipe(recipe, self.run_dir / RECIPE_COPY_NAME)
        metrics = MetricsLog(self.run_dir / "metrics.csv", step) if acc.is_main_process else None
        writer = self._tensorboard(step)
        sampler = StepBatchSampler(
            len(self.dataset),
            recipe.data.batch_size,
            recipe.seed,
            start=step * recipe.optim.grad_accum,
            rank=acc.process_index,
            world=acc.num_processes,
        )
        workers = recipe.data.num_workers
        loader = torch.utils.data.DataLoader(
            self.dataset,
            batch_sampler=sampler,
            num_workers=workers,
            collate_fn=getattr(self.dataset, "collate", None),
            pin_memory=acc.device.type == "cuda",
            persistent_workers=workers > 0,
            worker_init_fn=_single_threaded_worker if workers > 0 else None,
            # Workers start from a clean server process, not a fork of this one: a forked
            # child inherits OpenCV's and OpenMP's thread pools half-alive and can deadlock.
            multiprocessing_context="forkserver" if workers > 0 else None,
        )
        # Noise and prompt dropout depend on (seed, step), so a resumed run continues exactly.
        generator = torch.Generator(device="cpu")
        sample_batch = None
        losses: dict[str, float] = {}
        start_time, start_step = time.perf_counter(), step
        bar = tqdm(
            total=max_steps,
            initial=step,
            desc=f"train {self.stage.name}",
            disable=not acc.is_local_main_process,
            dynamic_ncols=True,
        )
        data_iter = iter(loader)
        while step < max_steps:
            for _ in range(recipe.optim.grad_accum):
                batch = next(data_iter)
                if sample_batch is None:
                    sample_batch = batch
                generator.manual_seed(recipe.seed * 7919 + step * 131 + acc.process_index)
                with acc.accumulate(*self.modules.values()):
                    out = self.stage.losses(batch, generator)
                    self._optimise(out)
            step += 1
            last = step == max_steps or self._out_of_time(start_time, time_limit)
            for name, ema in self.ema.items():
                ema.step(acc.unwrap_model(self.modules[name]).parameters())
            losses = {k: float(v.detach().float().mean()) for k, v in out.items()}
            bar.update(1)
            bar.set_postfix(loss=f"{losses['loss']:.4f}")
            if not all(math.isfinite(v) for v in losses.values()):
                raise FloatingPointError(f"non-finite loss at step {step}: {losses}")
            if step % recipe.log.every == 0 or last:
                self._log(metrics, writer, step, losses, start_time, start_step)
            if step % recipe.log.sample_every == 0 or last:
                self._samples(sample_batch, step)
            if step % recipe.log.checkpoint_every == 0 or last:
                self.save(step)
            if last:
                break
        bar.close()
        if writer is not None:
            writer.close()
        export_dir = self.export() if recipe.export_dir else None
        return TrainResult(step, losses, export_dir, time.perf_counter() - start_time)

    def _out_of_time(self, start_time: float, time_limit: float | None) -> bool:
        if time_limit is None:
            return False
        over = torch.tensor(float(time.perf_counter() - start_time >= time_limit))
        if self.accelerator.num_processes > 1:  # every process must stop at the same step
            over = self.accelerator.reduce(over.to(self.accelerator.device), "max").cpu()
        return bool(over > 0)

    def _optimise(self, out: dict[str, torch.Tensor]) -> None:
        acc, clip = self.accelerator, self.recipe.optim.max_grad_norm
        # Each loss must only reach its own optimizer's parameters (a GAN stage freezes the
        # discriminator while computing the generator loss); accelerate makes step() and
        # zero_grad() no-ops until the last micro-batch of an accumulation cycle.
        for name, opt in self.optimizers.items():
            loss = out["loss" if name == "main" else f"{name}_loss"]
            acc.backward(loss)
            if acc.sync_gradients and clip > 0:
                params = [p for group in opt.param_groups for p in group["params"]]
                acc.clip_grad_norm_(params, clip)
            opt.step()
            self.schedulers[name].step()
            opt.zero_grad(set_to_none=True)

    def save(self, step: int) -> Path | None:
        self.accelerator.wait_for_everyone()
        if not self.accelerator.is_main_process:
            return None
        return save_checkpoint(
            self.accelerator,
            self.run_dir,
            {"step": step, "stage": self.stage.name},
            keep=self.recipe.log.keep_checkpoints,
        )

    def export(self) -> Path:
        """Write the trained components (EMA weights where kept) to the recipe's export_dir."""
        out = Path(self.recipe.export_dir)
        acc = self.accelerator
        acc.wait_for_everyone()
        if acc.is_main_process:
            for name, ema in self.ema.items():
                params = acc.unwrap_model(self.modules[name]).parameters()
                ema.store(params)
                ema.copy_to(acc.unwrap_model(self.modules[name]).parameters())
            try:
                self.stage.export(out)
            finally:
                for name, ema in self.ema.items():
                    ema.restore(acc.unwrap_model(self.modules[name]).parameters())
            if (out / CHECKSUMS_NAME).is_file():
                # Exported into a weights folder (a widened or copied pipeline): its list
                # now describes files that were just replaced.
                write_checksums(out)
        return out

    def _tensorboard(self, step: int):
        if not (self.recipe.log.tensorboard and self.accelerator.is_main_process):
            return None
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:  # tensorboard is a dependency, but keep training if it is broken
            logger.warning("tensorboard unavailable; logging to metrics.csv only")
            return None
        return SummaryWriter(str(self.run_dir / "tensorboard"), purge_step=step or None)

    def _log(self, metrics, writer, step, losses, start_time, start_step):
        if metrics is None:
            return
        elapsed = time.perf_counter() - start_time
        row = {
            "step": step,
            "seconds": round(elapsed, 2),
            "steps_per_hour": round(3600 * (step - start_step) / max(elapsed, 1e-9), 1),
            "lr": self.schedulers["main"].get_last_lr()[0],
            **losses,
        }
        metrics.write(row)
        if writer is not None:
            for key, value in losses.items():
                writer.add_scalar(f"{self.stage.name}/{key}", value, step)
        logger.info("step %d %s", step, " ".join(f"{k}={v:.4f}" for k, v in losses.items()))

    def _samples(self, batch, step):
        if not self.accelerator.is_main_process or batch is None:
            return
        generator = torch.Generator().manual_seed(self.recipe.seed)
        grid = self.stage.sample_grid(batch, generator)
        if grid is not None:
            path = self.run_dir / "samples" / f"step-{step:08d}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            save_image(grid, path)


def parameter_groups(
    modules: dict[str, torch.nn.Module],
    module_names: list[str],
    lr: float,
    lr_scale: dict[str, float],
) -> list[dict]:
    """The trainable parameters of ``modules[m]`` for ``m`` in ``module_names`` as optimiser
    groups: one per rate, ``lr`` times the factor of the longest prefix in ``lr_scale`` that
    starts the parameter's ``<module>.<name>`` with whole dotted parts (1 where none does).
    Each group is a dict with ``params``, ``lr`` and ``prefixes`` (the ``lr_scale`` keys it
    came from), plain rate first, in parameter order within a group, so a resumed run builds
    the same groups."""
    by_factor: dict[float, dict] = {}
    ordered = sorted(lr_scale, key=len, reverse=True)
    for module_name in module_names:
        for param_name, param in modules[module_name].named_parameters():
            if not param.requires_grad:
                continue
            full = f"{module_name}.{param_name}"
            # whole name parts only: "unet.up_blocks.1" is not a prefix of "unet.up_blocks.10"
            prefix = next((p for p in ordered if f"{full}.".startswith(f"{p}.")), None)
            factor = 1.0 if prefix is None else float(lr_scale[prefix])
            group = by_factor.setdefault(
                factor, {"params": [], "lr": lr * factor, "prefixes": set()}
            )
            group["params"].append(param)
            if prefix is not None:
                group["prefixes"].add(prefix)
    return [by_factor[f] for f in sorted(by_factor, key=lambda f: (f != 1.0, f))]


def _single_threaded_worker(_worker_id: int) -> None:
    """Data-loader workers render one item at a time: OpenCV's own thread pool in each of
    many workers would only oversubscribe the cores."""
    try:
        import cv2
    except ImportError:
        return
    cv2.setNumThreads(1)


def resolve_threads() -> None:
    """Use every core for intra-op work unless the user set OMP_NUM_THREADS; on CUDA let
    float32 matrix products use TensorFloat-32 (Ampere and later), as mixed precision would."""
    if "OMP_NUM_THREADS" not in os.environ:
        torch.set_num_threads(os.cpu_count() or 1)
    if torch.cuda.is_available():
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
