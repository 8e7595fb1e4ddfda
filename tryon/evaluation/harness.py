"""The evaluation harness: run a try-on method over held-out world pairs and real photos and
measure it against the ground truth and the prompt.

Evaluation sets (``splits``):

* ``test`` - the world's test split (people never seen in training), prompts in the dataset's
  caption form (the form training saw);
* ``heldout`` - pairs whose target garment is a (colour, type) combination never seen in
  training (:data:`tryon.data.garments.HELDOUT_COMBINATIONS`): compositional generalisation;
* ``paraphrase`` - the same test pairs, prompted with a different natural-language paraphrase
  of the target's attributes (:func:`tryon.data.captions.natural_caption` with another seed,
  guaranteed to differ from the dataset caption);
* ``val`` - the validation split (for model selection, not for reporting).

Each world pair gives the method the *source* photo (person in garment A) through its
ground-truth analysis (keypoints, body regions and A's garment parsing - what a SAM-refined
analysis of a photo provides - so the agnostic mask covers where any garment of the category
could lie plus garment A itself; never garment B's shape) and the prompt describing garment B.
The judges look at the pair through a fixed mask (:func:`tryon.evaluation.classifiers.judge_mask`,
the union of the masks with A's and with B's garment, drawn as the classifiers were trained),
whatever mask the method draws. Metrics per split (see :mod:`tryon.evaluation.metrics` and
:mod:`tryon.evaluation.colour` for the definitions):

* realism / fidelity to the ground-truth target: FID and KID (Inception; real = the targets),
  SSIM, PSNR, L1 inside the judges' mask of the pair;
* preservation: the largest pixel change outside the method's own agnostic mask (must be 0);
* text fidelity: colour accuracy (the garment's dominant colour over the target's ground-truth
  garment mask is the asked palette colour), the same over only the pairs where that judge
  reads the true target's colour right (it misreads about one in ten: a print's blend, a
  shadow), the median CIEDE2000 between the asked colour and the garment's colour, and the
  median over pairs of the garment's median L* less the true target's (0: as light as the
  truth; negative: darker);
  second-colour accuracy, over the pairs whose prompt names a print's
  or stripe's colour ("navy with white dots"): that colour wins at least
  :data:`SECOND_COLOUR_SHARE` of the garment's nearest-palette votes; garment type, sleeve
  and pattern accuracy by the attribute classifiers (:mod:`tryon.evaluation.classifiers`);
  the matcher's text->image recall@1 among 10 captions.

Every text-fidelity metric is also computed on the ground-truth targets of the same pairs: the
ceiling a perfect method reaches, which shows how far the judges themselves can be trusted.

Real photos (scikit-image's astronaut, matplotlib's grace_hopper.jpg) are analysed with the
mediapipe backend and re-dressed for a few prompts; there is no ground truth, so only
preservation and colour accuracy (over the changed pixels inside the agnostic mask) are
measured, plus a result grid.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from tryon.evaluation.baselines import GroundTruthMethod, MethodOutput
from tryon.evaluation.colour import (
    PaletteVotes,
    ciede2000,
    garment_mean_colour,
    lightness_delta,
    palette_lab,
    palette_votes,
)
from tryon.evaluation.metrics import (
    RealismMetrics,
    changed_pixels,
    masked_l1,
    preservation_error,
    psnr,
    ssim,
)
from tryon.pipeline.colour_lock import prompt_colour

logger = logging.getLogger(__name__)

#: Evaluation sets ``run_evaluation`` understands.
SPLITS: tuple[str, ...] = ("test", "heldout", "paraphrase", "val")
DEFAULT_SPLITS: tuple[str, ...] = ("test", "heldout", "paraphrase")
#: Captions the matcher ranks per image (the right one + distractors).
RECALL_CANDIDATES = 10
#: Share of the garment's pixels the prompt's second colour must win for the print to count as
#: shown in it: every true target of 88 validation pairs that name one passes at this share
#: (their mean is 0.21); a dot or pinstripe blurred into the base colour does not.
SECOND_COLOUR_SHARE = 0.05
#: Prompts used on the real photos (upper-body garments; colours from the palette).
REAL_PROMPTS: tuple[str, ...] = (
    "a red t-shirt",
    "a navy striped sweater",
    "a mustard long-sleeve shirt with white polka dots",
)
REAL_PHOTOS: tuple[str, ...] = ("astronaut", "grace_hopper")


@dataclass
class WorldSample:
    """One held-out world pair, as uint8 images and bool masks.

    ``prompt`` is what the method is asked (the dataset caption, or a paraphrase);
    ``caption`` the dataset's own caption. ``judge_hidden`` is what a ``hide_top`` attribute
    classifier's view greys (:func:`tryon.evaluation.classifiers.judge_hidden`).
    """

    split: str
    index: int
    source: np.ndarray
    target: np.ndarray
    prompt: str
    caption: str
    attributes: dict[str, str]
    category: str
    agnostic_mask: np.ndarray
    garment_mask: np.ndarray
    keypoints: np.ndarray
    regions: np.ndarray
    source_parsing: np.ndarray | None = None
    judge_hidden: np.ndarray | None = None

    def analysis(self):
        """Ground-truth analysis of the *source* photo: keypoints, body regions and the
        source's garment parsing (what a SAM-refined analysis of a photo gives), so the
        agnostic mask covers the garment being replaced."""
        from tryon.analysis import PersonAnalysis

        return PersonAnalysis.from_ground_truth(
            self.source, self.keypoints, self.regions, self.source_parsing
        )


def paraphrase(attributes: dict[str, str], avoid: str, seed: int, tries: int = 20) -> str:
    """A natural caption of ``attributes`` different from ``avoid`` (deterministic in ``seed``)."""
    from tryon.data.captions import natural_caption

    rng = np.random.default_rng(seed)
    text = avoid
    for _ in range(tries):
        text = natural_caption(attributes, rng)
        if text.strip().lower() != avoid.strip().lower():
            return text
    logger.warning("no paraphrase different from %r found in %d tries", avoid, tries)
    return text


def world_samples(
    split: str, n: int, seed: int = 0, size: tuple[int, int] = (512, 384)
) -> list[WorldSample]:
    """Render ``n`` pairs of an evaluation set (see module docstring), deterministically.

    Items are those of ``tryon.data.WorldPairDataset(split, size, length=n, seed=seed)``
    (``paraphrase`` uses the ``test`` split), with the same garment masks; the agnostic mask
    is the judges' view of the pair (:func:`tryon.evaluation.classifiers.judge_mask`), which
    the method never sees: it gets the source's analysis and draws its own.
    """
    from tryon.data.dataset import WorldPairDataset
    from tryon.evaluation.classifiers import judge_hidden, judge_mask

    if split not in SPLITS:
        raise ValueError(f"split must be one of {list(SPLITS)}, got {split!r}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    data_split = "test" if split == "paraphrase" else split
    ds = WorldPairDataset(split=data_split, size=tuple(size), length=n, seed=seed)
    samples = []
    for i in range(n):
        spec, a, b = ds.render(i)
        attributes = {k: str(v) for k, v in spec.garment_b.attributes().items()}
        agnostic = judge_mask(b.regions, b.keypoints, spec.category, a.parsing, b.parsing)
        prompt = spec.caption
        if split == "paraphrase":
            prompt = paraphrase(attributes, spec.caption, seed=seed * 1_000_003 + i)
        samples.append(
            WorldSample(
                split=split,
                index=i,
                source=np.ascontiguousarray(a.image),
                target=np.ascontiguousarray(b.image),
                prompt=prompt,
                caption=spec.caption,
                attributes=attributes,
                category=spec.category,
                agnostic_mask=agnostic,
                garment_mask=np.asarray(b.garment_masks[spec.garment_b.slot], dtype=bool),
                keypoints=np.asarray(b.keypoints, dtype=np.float32),
                regions=np.asarray(b.regions),
                source_parsing=np.asarray(a.parsing),
                judge_hidden=judge_hidden(spec.category, b.parsing),
            )
        )
    return samples


# ---------------------------------------------------------------------------------------------
# judges
# ---------------------------------------------------------------------------------------------


class MatcherJudge:
    """Text->image recall@1 with a pipeline's matcher, scoring exactly as the pipeline does.

    The result is cropped with :func:`tryon.pipeline.crop.garment_crop_box` around the method's
    agnostic mask at the pipeline's resolution and crop margin, the mask is the crop of that
    agnostic mask, and texts are the text encoder's pooled embeddings
    (``pipeline.encode_prompt``); similarities are ``matcher.score(..., pairwise=True)``.
    """

    def __init__(self, pipeline, source: str):
        if getattr(pipeline, "matcher", None) is None:
            raise ValueError(f"the pipeline from {source} has no matcher")
        self.pipeline = pipeline
        self.source = source

    @torch.no_grad()
    def similarity(
        self, images: Sequence[np.ndarray], masks: Sequence[np.ndarray], keypoints, prompts
    ) -> np.ndarray:
        """``(N, M)`` cosine similarities of N results (with their agnostic masks and
        keypoints) against M prompts."""
        from tryon.pipeline.conditioning import image_to_tensor
        from tryon.pipeline.crop import crop_resize, garment_crop_box

        pipe = self.pipeline
        size = tuple(pipe.default_size)
        margin = pipe.defaults.crop_margin
        device = pipe.matcher.device
        crops, crop_masks = [], []
        for image, mask, kps in zip(images, masks, keypoints, strict=True):
            box = garment_crop_box(mask, kps, size, margin=margin)
            crops.append(image_to_tensor(crop_resize(image, box, size, fill=128)))
            crop_masks.append(torch.from_numpy(crop_resize(mask, box, size, fill=0))[None, None])
        image_t = torch.cat(crops).to(device, torch.float32)
        mask_t = torch.cat(crop_masks).to(device, torch.float32)
        pooled = pipe.encode_prompt(list(prompts)).pooled
        if pooled is None:
            raise ValueError(f"the text encoder of {self.source} gives no pooled embedding")
        matcher = pipe.matcher
        dtype = next(matcher.parameters()).dtype
        sims = matcher.score(
            image_t.to(dtype), mask_t.to(dtype), pooled.to(device, dtype), pairwise=True
        )
        return sims.float().cpu().numpy()


def recall_at_1(similarity: np.ndarray, candidates: int = RECALL_CANDIDATES) -> tuple[float, int]:
    """Text->image recall@1 from an ``(N, N)`` similarity matrix whose diagonal pairs match.

    Image ``i`` is ranked against its own prompt and the prompts of the next ``k - 1`` samples
    (cyclically), ``k = min(candidates, N)``; a hit is the own prompt scoring strictly highest.

    Returns:
        ``(recall, k)``.
    """
    sim = np.asarray(similarity, dtype=np.float64)
    if sim.ndim != 2 or sim.shape[0] != sim.shape[1]:
        raise ValueError(f"similarity must be a square matrix, got shape {sim.shape}")
    n = sim.shape[0]
    k = min(candidates, n)
    if k < 2:
        raise ValueError(f"recall@1 needs at least 2 candidates, got {n} samples")
    hits = 0
    for i in range(n):
        others = [(i + j) % n for j in range(1, k)]
        hits += int(sim[i, i] > sim[i, others].max())
    return hits / n, k


@dataclass
class Judges:
    """Everything that scores results (each optional part records why it is missing).

    Attributes:
        palette: ``{name: Lab}`` colour palette.
        classifier: :class:`tryon.evaluation.classifiers.AttributeClassifier` or None.
        classifier_metrics: its recorded held-out accuracy (``metrics.json``) or None.
        matcher: :class:`MatcherJudge` or None.
        inception: :class:`tryon.evaluation.metrics.InceptionFeatures` or None (no FID/KID).
        skipped: metric group -> reason it is not computed.
    """

    palette: dict[str, np.ndarray]
    classifier: Any = None
    classifier_metrics: dict | None = None
    classifier_source: str | None = None
    matcher: MatcherJudge | None = None
    inception: Any = None
    skipped: dict[str, str] = field(default_factory=dict)


def build_judges(
    classifier_dir: str | None = "weights/eval-classifiers",
    matcher_pipeline=None,
    matcher_source: str | None = None,
    fid: bool = True,
) -> Judges:
    """Load the judges, recording a reason for each one that is unavailable."""
    from tryon.evaluation.classifiers import classifier_metrics, load_classifier

    judges = Judges(palette=palette_lab())
    if classifier_dir is None:
        judges.skipped["classifiers"] = "disabled (--classifiers none)"
    else:
        try:
            judges.classifier = load_classifier(classifier_dir)
            judges.classifier_metrics = classifier_metrics(classifier_dir)
            judges.classifier_source = str(classifier_dir)
        except FileNotFoundError as err:
            judges.skipped["classifiers"] = str(err)
    if matcher_pipeline is None:
        judges.skipped["matcher"] = (
            "the evaluated method has no matcher (pass --matcher-weights DIR to judge with "
            "another model's matcher)"
        )
    else:
        try:
            judges.matcher = MatcherJudge(matcher_pipeline, matcher_source or "the pipeline")
        except ValueError as err:
            judges.skipped["matcher"] = str(err)
    if fid:
        from tryon.evaluation.metrics import InceptionFeatures

        try:
            judges.inception = InceptionFeatures()
        except FileNotFoundError as err:
            judges.skipped["fid"] = str(err)
    else:
        judges.skipped["fid"] = "disabled (--no-fid)"
    return judges


# ---------------------------------------------------------------------------------------------
# per-split evaluation
# ---------------------------------------------------------------------------------------------


def _colour_record(
    votes: PaletteVotes | None, image, mask, asked: str | None, palette
) -> dict[str, Any]:
    """Dominant and mean colour of ``image`` under ``mask`` against the asked colour;
    ``votes`` is :func:`palette_votes` of the same pixels (None: an empty mask)."""
    if asked is None or asked not in palette or votes is None:
        return {"colour_pred": None, "colour_correct": None, "colour_de00": None}
    name, lab = votes.dominant()
    mean = garment_mean_colour(image, mask)
    return {
        "colour_pred": name,
        "colour_correct": bool(name == asked),
        "colour_de00": float(ciede2000(lab, palette[asked])),
        "colour_de00_mean": float(ciede2000(mean, palette[asked])),
    }


def truth_read_accuracy(records: Sequence[dict]) -> tuple[float | None, int]:
    """Colour accuracy over the ``records`` whose true target the colour judge reads right
    (``gt_colour_correct``), and how many those are: ``(accuracy in [0, 1] or None when there
    are none, n)``.

    Raises:
        KeyError: a record has no ``gt_colour_correct`` (a report older than the field).
    """
    read = [r for r in records if r["gt_colour_correct"]]
    if not read:
        return None, 0
    return sum(bool(r["colour_correct"]) for r in read) / len(read), len(read)


def second_colour_asked(sample: WorldSample, palette) -> str | None:
    """The target's second colour (a print's, a stripe's) when the prompt names one, else
    None: a prompt that only says "striped" leaves the stripes' colour to the method."""
    from tryon.data.captions import names_two_colours

    colour2 = sample.attributes.get("colour2")
    if colour2 not in palette or not names_two_colours(sample.prompt):
        return None
    return colour2


def _second_colour_record(votes: PaletteVotes | None, asked: str | None) -> dict[str, Any]:
    """Share of the asked second colour among the garment's palette ``votes``, and whether it
    reaches :data:`SECOND_COLOUR_SHARE`."""
    if asked is None or votes is None:
        return {"colour2_share": None, "colour2_shown": None}
    share = votes.share(asked)
    return {"colour2_share": share, "colour2_shown": bool(share >= SECOND_COLOUR_SHARE)}


def judge_hits(images: Sequence[np.ndarray], samples: Sequence[WorldSample], judges: Judges):
    """Per-pair verdicts on renders, as ``tryon eval`` judges them, for benchmarks that
    compare settings pair by pair (gained / lost).

    Args:
        images: one ``(H, W, 3)`` uint8 render per sample, at the sample's size.
        samples: the world samples they render.
        judges: :func:`build_judges`; the classifier is needed.

    Returns:
        ``{judge: (N,) bool}`` for ``colour`` (the dominant palette colour over the target's
        garment mask is the asked one), ``second`` (the print's colour the prompt names wins at
        least :data:`SECOND_COLOUR_SHARE` of those votes; False where the prompt names none:
        see :func:`second_colour_asked`), ``pattern`` and ``type`` (the attribute classifiers
        on the garment crop).
    """
    if judges.classifier is None:
        raise ValueError("judge_hits needs the attribute classifiers")
    if len(images) != len(samples):
        raise ValueError(f"{len(images)} images for {len(samples)} samples")
    pred = judges.classifier.predict(classifier_views(judges.classifier, images, samples))
    hits: dict[str, list[bool]] = {"colour": [], "second": [], "pattern": [], "type": []}
    for i, (image, s) in enumerate(zip(images, samples, strict=True)):
        votes = palette_votes(image, s.garment_mask, judges.palette)
        second = second_colour_asked(s, judges.palette)
        hits["colour"].append(votes.dominant()[0] == s.attributes["colour"])
        hits["second"].append(second is not None and votes.share(second) >= SECOND_COLOUR_SHARE)
        hits["pattern"].append(pred["pattern"][i] == s.attributes["pattern"])
        hits["type"].append(pred["type"][i] == s.attributes["type"])
    return {judge: np.array(v, dtype=bool) for judge, v in hits.items()}


def classifier_views(
    classifier, images: Sequence[np.ndarray], samples, hide_top: bool | None = None
) -> np.ndarray:
    """``(N, S, S, 3)`` uint8: the attribute ``classifier``'s view of each image of a sample
    (:func:`tryon.evaluation.classifiers.garment_crop` around the judges' mask, hiding
    ``judge_hidden`` when the classifier was trained so, or as ``hide_top`` says)."""
    from tryon.evaluation.classifiers import garment_crop

    size = classifier.config.image_size
    hide = bool(getattr(classifier.config, "hide_top", False)) if hide_top is None else hide_top
    return np.stack(
        [
            garment_crop(
                image, s.agnostic_mask, s.keypoints, size, s.judge_hidden if hide else None
            )
            for image, s in zip(images, samples, strict=True)
        ]
    )


def _mean(values) -> float | None:
    vals = [float(v) for v in values if v is not None]
    return float(np.mean(vals)) if vals else None


def _median(values) -> float | None:
    vals = [float(v) for v in values if v is not None]
    return float(np.median(vals)) if vals else None


def _generator(seed: int, index: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed) * 1_000_003 + int(index))


@dataclass
class SplitResult:
    """Summary numbers, per-sample records and grid rows (input, ground truth, result)."""

    summary: dict[str, Any]
    records: list[dict[str, Any]]
    grid: list[tuple[np.ndarray, np.ndarray, np.ndarray, str]]


def evaluate_split(
    method,
    samples: Sequence[WorldSample],
    judges: Judges,
    seed: int = 0,
    grid_rows: int = 6,
) -> SplitResult:
    """Run ``method`` on every sample and compute all metrics of the module docstring."""
    if not samples:
        raise ValueError("no samples to evaluate")
    records: list[dict[str, Any]] = []
    results: list[MethodOutput] = []
    grid = []
    seconds = 0.0
    from tqdm.auto import tqdm

    bar = tqdm(samples, desc=f"{method.name}: {samples[0].split}", unit="pair", disable=None)
    for sample in bar:
        if getattr(method, "needs_target", False):
            method.target = sample.target
        analysis = sample.analysis()
        t0 = time.perf_counter()
        out = method.run(analysis, sample.prompt, sample.category, _generator(seed, sample.index))
        seconds += time.perf_counter() - t0
        if out.image.shape != sample.source.shape:
            raise ValueError(
                f"{method.name} returned an image of shape {out.image.shape} for a "
                f"{sample.source.shape} input"
            )
        asked = sample.attributes.get("colour")
        asked2 = second_colour_asked(sample, judges.palette)
        rec: dict[str, Any] = {
            "index": sample.index,
            "prompt": sample.prompt,
            "caption": sample.caption,
            "category": sample.category,
            "asked": {
                **{k: sample.attributes.get(k) for k in ("type", "colour", "pattern", "sleeve")},
                "colour2": asked2,
            },
            "ssim": ssim(out.image, sample.target),
            "psnr": psnr(out.image, sample.target),
            "masked_l1": masked_l1(out.image, sample.target, sample.agnostic_mask),
            "preservation": preservation_error(out.image, sample.source, out.mask),
            "matcher_score": out.score,
        }
        mask = sample.garment_mask  # each image's palette votes serve both colour judges
        votes = palette_votes(out.image, mask, judges.palette)
        rec.update(_colour_record(votes, out.image, mask, asked, judges.palette))
        rec.update(_second_colour_record(votes, asked2))
        gt_votes = palette_votes(sample.target, mask, judges.palette)
        gt_colour = _colour_record(gt_votes, sample.target, mask, asked, judges.palette)
        rec["gt_colour_correct"] = gt_colour["colour_correct"]
        rec["gt_colour_de00"] = gt_colour["colour_de00"]
        gt_colour2 = _second_colour_record(gt_votes, asked2)
        rec["gt_colour2_share"] = gt_colour2["colour2_share"]
        rec["gt_colour2_shown"] = gt_colour2["colour2_shown"]
        rec["lightness_delta"] = lightness_delta(out.image, sample.target, mask)
        records.append(rec)
        results.append(out)
        if len(grid) < grid_rows:
            grid.append((sample.source, sample.target, out.image, sample.prompt))

    truth_read = truth_read_accuracy(records)
    summary: dict[str, Any] = {
        "n": len(samples),
        "seconds_per_image": seconds / len(samples),
        "ssim": _mean(r["ssim"] for r in records),
        "psnr": _mean(r["psnr"] for r in records),
        "masked_l1": _mean(r["masked_l1"] for r in records),
        "preservation_max": int(max(r["preservation"] for r in records)),
        "preservation_zero_fraction": float(np.mean([r["preservation"] == 0 for r in records])),
        "colour_accuracy": _mean(r["colour_correct"] for r in records),
        "colour_de00_median": _median(r["colour_de00"] for r in records),
        "colour_de00_mean_colour_median": _median(r.get("colour_de00_mean") for r in records),
        # The palette vote misreads some true targets (a print's blend read as a third colour,
        # shading as a darker neighbour); over the pairs where it reads the truth right, a
        # miss is the method's, not the judge's.
        "colour_accuracy_truth_read": truth_read[0],
        "colour_truth_read_n": truth_read[1],
        "lightness_delta_median": _median(r["lightness_delta"] for r in records),
        "second_colour_accuracy": _mean(r["colour2_shown"] for r in records),
        "second_colour_share": _mean(r["colour2_share"] for r in records),
        "second_colour_n": sum(r["colour2_shown"] is not None for r in records),
    }
    ground_truth: dict[str, Any] = {
        "colour_accuracy": _mean(r["gt_colour_correct"] for r in records),
        "second_colour_accuracy": _mean(r["gt_colour2_shown"] for r in records),
        "second_colour_share": _mean(r["gt_colour2_share"] for r in records),
        "colour_de00_median": _median(r["gt_colour_de00"] for r in records),
    }

    # Attribute classifiers on the garment crops of results and ground truth.
    if judges.classifier is not None:
        from tryon.evaluation.classifiers import HEADS

        res_crops = classifier_views(judges.classifier, [o.image for o in results], samples)
        gt_crops = classifier_views(judges.classifier, [s.target for s in samples], samples)
        pred = judges.classifier.predict(res_crops)
        gt_pred = judges.classifier.predict(gt_crops)
        for head in HEADS:
            hits, gt_hits = [], []
            for i, (rec, sample) in enumerate(zip(records, samples, strict=True)):
                want = sample.attributes.get(head)
                rec[f"{head}_pred"] = pred[head][i]
                if want is None or want == "none" or want not in judges.classifier.labels(head):
                    rec[f"{head}_correct"] = None
                    continue
                rec[f"{head}_correct"] = pred[head][i] == want
                hits.append(pred[head][i] == want)
                gt_hits.append(gt_pred[head][i] == want)
            summary[f"{head}_accuracy"] = float(np.mean(hits)) if hits else None
            summary[f"{head}_n"] = len(hits)
            ground_truth[f"{head}_accuracy"] = float(np.mean(gt_hits)) if gt_hits else None

    # Matcher recall@1 among 10 captions.
    if judges.matcher is not None and len(samples) >= 2:
        prompts = [s.prompt for s in samples]
        kps = [s.keypoints for s in samples]
        sim = judges.matcher.similarity(
            [o.image for o in results], [o.mask for o in results], kps, prompts
        )
        summary["matcher_recall_at_1"], summary["matcher_candidates"] = recall_at_1(sim)
        gt_sim = judges.matcher.similarity(
            [s.target for s in samples], [o.mask for o in results], kps, prompts
        )
        ground_truth["matcher_recall_at_1"] = recall_at_1(gt_sim)[0]

    # FID / KID against the ground-truth targets.
    if judges.inception is not None and len(samples) >= 2:
        realism = RealismMetrics(judges.inception, kid_subsets=100)
        realism.update(np.stack([s.target for s in samples]), real=True)
        realism.update(np.stack([o.image for o in results]), real=False)
        r = realism.compute(seed=seed)
        summary.update(
            {
                "fid": r["fid"],
                "kid_mean": r["kid_mean"],
                "kid_std": r["kid_std"],
                "fid_n": r["n_fake"],
            }
        )
    summary["ground_truth"] = ground_truth
    return SplitResult(summary, records, grid)


# ---------------------------------------------------------------------------------------------
# real photos
# ---------------------------------------------------------------------------------------------


def real_photo(name: str) -> np.ndarray:
    """``astronaut`` (scikit-image) or ``grace_hopper`` (matplotlib) as ``(H, W, 3)`` uint8."""
    if name == "astronaut":
        from skimage import data

        return np.ascontiguousarray(data.astronaut()[..., :3])
    if name == "grace_hopper":
        import matplotlib.cbook

        from tryon.io import load_image_array

        path = matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
        return load_image_array(path)
    raise ValueError(f"real photo must be one of {list(REAL_PHOTOS)}, got {name!r}")


@dataclass
class RealResult:
    summary: dict[str, Any]
    records: list[dict[str, Any]]
    rows: list[tuple[str, np.ndarray, list[np.ndarray]]]  # photo name, input, results


def evaluate_real_photos(
    method,
    judges: Judges,
    photos: Sequence[str] = REAL_PHOTOS,
    prompts: Sequence[str] = REAL_PROMPTS,
    category: str = "upper",
    seed: int = 0,
    analyzer=None,
) -> RealResult:
    """Re-dress real photos (mediapipe analysis); measure preservation and colour accuracy.

    The garment region of a result is the method's agnostic mask intersected with the pixels
    that changed by more than 8 levels; colour accuracy asks whether its dominant colour is
    the prompt's colour.
    """
    own_analyzer = analyzer is None
    if own_analyzer:
        from tryon.analysis import PersonAnalyzer

        analyzer = PersonAnalyzer(backend="mediapipe")
    try:
        records, rows = _real_photo_runs(method, judges, photos, prompts, category, seed, analyzer)
    finally:
        if own_analyzer:
            analyzer.close()
    summary = {
        "n": len(records),
        "preservation_max": int(max(r["preservation"] for r in records)),
        "colour_accuracy": _mean(r["colour_correct"] for r in records),
        "colour_de00_median": _median(r["colour_de00"] for r in records),
    }
    return RealResult(summary, records, rows)


def _real_photo_runs(method, judges, photos, prompts, category, seed, analyzer):
    records, rows = [], []
    for p_index, name in enumerate(photos):
        image = real_photo(name)
        analysis = analyzer.analyse(image)
        outputs = []
        for q_index, prompt in enumerate(prompts):
            out = method.run(analysis, prompt, category, _generator(seed, 1000 * p_index + q_index))
            asked = prompt_colour(prompt)
            region = out.mask & changed_pixels(out.image, image)
            rec = {
                "photo": name,
                "prompt": prompt,
                "preservation": preservation_error(out.image, image, out.mask),
                "changed_fraction_of_mask": float(region.sum() / max(1, out.mask.sum())),
            }
            votes = palette_votes(out.image, region, judges.palette)
            rec.update(_colour_record(votes, out.image, region, asked, judges.palette))
            records.append(rec)
            outputs.append(out.image)
        rows.append((name, image, outputs))
    return records, rows


# ---------------------------------------------------------------------------------------------
# the whole run
# ---------------------------------------------------------------------------------------------


def run_evaluation(
    method,
    judges: Judges,
    splits: Sequence[str] = DEFAULT_SPLITS,
    n: int = 100,
    seed: int = 0,
    size: tuple[int, int] = (512, 384),
    real_photos: bool = True,
    grid_rows: int = 6,
    analyzer=None,
    info: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Evaluate ``method`` on every split (and the real photos); return the report dict.

    The report holds ``method``, ``config``, ``splits`` (summary per split), ``real_photos``,
    ``classifiers`` (their own held-out accuracy), ``skipped`` (metric -> reason), ``notes``,
    and, under the private key ``_artifacts``, the per-sample records and grid images that
    :func:`tryon.evaluation.report.write_report` writes out.
    """
    for split in splits:
        if split not in SPLITS:
            raise ValueError(f"split must be one of {list(SPLITS)}, got {split!r}")
    t0 = time.perf_counter()
    report: dict[str, Any] = {
        "method": method.name,
        "config": {
            "splits": list(splits),
            "n": n,
            "seed": seed,
            "size": list(size),
            **(info or {}),
        },
        "splits": {},
        "skipped": dict(judges.skipped),
        "classifiers": {
            "source": judges.classifier_source,
            "held_out_accuracy": (judges.classifier_metrics or {}).get("held_out_accuracy"),
        },
        "_artifacts": {"records": {}, "grids": {}},
    }
    for split in splits:
        logger.info("evaluating %s on %s (%d pairs)", method.name, split, n)
        samples = world_samples(split, n, seed=seed, size=size)
        result = evaluate_split(method, samples, judges, seed=seed, grid_rows=grid_rows)
        report["splits"][split] = result.summary
        report["_artifacts"]["records"][split] = result.records
        report["_artifacts"]["grids"][split] = result.grid
    if real_photos:
        if getattr(method, "needs_target", False):
            report["skipped"]["real_photos"] = f"{method.name} needs a ground-truth target"
        else:
            try:
                real = evaluate_real_photos(method, judges, seed=seed, analyzer=analyzer)
                report["real_photos"] = real.summary
                report["_artifacts"]["records"]["real_photos"] = real.records
                report["_artifacts"]["real_rows"] = real.rows
            except (ImportError, ValueError, OSError) as err:
                report["skipped"]["real_photos"] = f"{type(err).__name__}: {err}"
    report["wall_seconds"] = time.perf_counter() - t0
    report["notes"] = notes_for(report)
    return report


def notes_for(report: dict[str, Any]) -> list[str]:
    """Plain-language caveats that belong beside the numbers."""
    notes = []
    ns = [s.get("fid_n") for s in report["splits"].values() if s.get("fid_n")]
    if ns and min(ns) < 2000:
        notes.append(
            f"FID is computed on only {min(ns)} images per split: it is biased upwards at this "
            "size (2048-d covariance) and only comparable between runs with the same n; prefer "
            "KID (unbiased) for conclusions."
        )
    notes.append(
        "PSNR of identical images is infinite; it is capped at 100 dB per image so that means "
        "stay finite."
    )
    notes.append(
        "Colour accuracy uses the garment's dominant colour (per-pixel nearest-palette vote) "
        "over the target's ground-truth garment mask, so a striped or dotted garment is judged "
        "by its main colour; 'colour_de00_mean_colour_median' is the CIEDE2000 of the plain "
        "mean colour instead."
    )
    notes.append(
        "Second-colour accuracy counts only pairs whose prompt names the print's or stripes' "
        f"colour: that colour must win at least {SECOND_COLOUR_SHARE:.0%} of the garment's "
        "nearest-palette votes ('second_colour_share' is its mean share)."
    )
    if report.get("method") == GroundTruthMethod.name:
        notes.append(
            "The ground-truth method returns the world's target images, which are renders, not "
            "composites: its preservation number measures how much the world's source and "
            "target differ outside the agnostic mask (hands, hair and shoes overlapping the "
            "garment), not a try-on's."
        )
    acc = report.get("classifiers", {}).get("held_out_accuracy")
    if acc:
        notes.append(
            "Type, sleeve and pattern accuracy come from small CNN classifiers whose own "
            "held-out accuracy is listed under 'classifiers' and, per split, under "
            "'ground_truth' (their accuracy on the same pairs' true targets): a method cannot "
            "be measured above that ceiling."
        )
    return notes
