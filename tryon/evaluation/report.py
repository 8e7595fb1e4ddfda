"""Writing evaluation reports: ``report.json``, ``report.md``, bar charts and sample grids.

``write_report(report, directory)`` writes, atomically (:mod:`tryon.io`):

* ``report.json`` - the report dict of :func:`tryon.evaluation.harness.run_evaluation`
  (everything but the images);
* ``records.json`` - every per-sample record (prompt, attributes asked, each metric);
* ``report.md`` - the tables and caveats for people;
* ``metrics.png`` - bar charts of the main metrics per split, with the ground-truth ceiling
  of each text-fidelity metric drawn as a black tick;
* ``samples-<split>.png`` - grids of (input, ground truth, result) rows with the prompt;
* ``real-photos.png`` - each real photo and its results, one column per prompt.

``compare_reports`` puts several reports (the shipped model and its baselines) side by side in
one Markdown table and one chart.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tryon.io import atomic_write, save_image

logger = logging.getLogger(__name__)

# (key, label, format, higher_is_better) of the main table.
TABLE_METRICS: tuple[tuple[str, str, str, bool | None], ...] = (
    ("n", "n", "{:d}", None),
    ("fid", "FID", "{:.1f}", False),
    ("kid_mean", "KID", "{:.4f}", False),
    ("ssim", "SSIM", "{:.3f}", True),
    ("psnr", "PSNR dB", "{:.2f}", True),
    ("masked_l1", "L1 in mask", "{:.4f}", False),
    ("preservation_max", "preservation (max px change)", "{:d}", False),
    ("colour_accuracy", "colour acc", "{:.3f}", True),
    ("colour_accuracy_truth_read", "colour acc where the judge reads the truth", "{:.3f}", True),
    ("colour_de00_median", "median ΔE00", "{:.1f}", False),
    ("lightness_delta_median", "median ΔL* against the truth (0 best)", "{:+.1f}", None),
    ("second_colour_accuracy", "2nd colour acc", "{:.3f}", True),
    ("type_accuracy", "type acc", "{:.3f}", True),
    ("sleeve_accuracy", "sleeve acc", "{:.3f}", True),
    ("pattern_accuracy", "pattern acc", "{:.3f}", True),
    ("matcher_recall_at_1", "matcher R@1", "{:.3f}", True),
    ("seconds_per_image", "s / image", "{:.2f}", False),
)
GT_METRICS = (
    "colour_accuracy",
    "colour_de00_median",
    "second_colour_accuracy",
    "type_accuracy",
    "sleeve_accuracy",
    "pattern_accuracy",
    "matcher_recall_at_1",
)
CHART_METRICS: tuple[tuple[str, str], ...] = (
    ("colour_accuracy", "colour accuracy"),
    ("second_colour_accuracy", "2nd colour accuracy"),
    ("type_accuracy", "type accuracy"),
    ("sleeve_accuracy", "sleeve accuracy"),
    ("pattern_accuracy", "pattern accuracy"),
    ("matcher_recall_at_1", "matcher recall@1"),
    ("ssim", "SSIM"),
    ("kid_mean", "KID (lower is better)"),
    ("fid", "FID (lower is better)"),
)


def fmt(value: Any, pattern: str = "{:.3f}") -> str:
    """Format a metric for a table: ``-`` for missing, integers kept, NaN as ``nan``."""
    if value is None:
        return "-"
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    try:
        if pattern == "{:d}":
            return pattern.format(int(value))
        return pattern.format(value)
    except (TypeError, ValueError):
        return str(value)


def _json_default(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _write_text(path: Path, text: str) -> None:
    with atomic_write(path, mode="w") as handle:
        handle.write(text)


def public_report(report: Mapping[str, Any]) -> dict[str, Any]:
    """The report without its private ``_artifacts`` (images, records)."""
    return {k: v for k, v in report.items() if not k.startswith("_")}


# ---------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------


def markdown(report: Mapping[str, Any], images: Sequence[str] = ()) -> str:
    """``report.md`` text for one report."""
    cfg = report.get("config", {})
    lines = [f"# Evaluation: {report['method']}", ""]
    lines.append(
        f"World pairs per split: {cfg.get('n')}, seed {cfg.get('seed')}, image size "
        f"{'x'.join(str(v) for v in cfg.get('size', []))}. "
        f"Wall time {report.get('wall_seconds', 0):.0f} s."
    )
    if cfg.get("command"):
        lines += ["", "Command:", "", "```", cfg["command"], "```"]
    splits = report.get("splits", {})
    if splits:
        names = list(splits)
        lines += ["", "## Metrics", ""]
        lines.append("| metric | " + " | ".join(names) + " |")
        lines.append("|---|" + "---|" * len(names))
        for key, label, pattern, better in TABLE_METRICS:
            if all(splits[s].get(key) is None for s in names):
                continue
            arrow = "" if better is None else (" ↑" if better else " ↓")
            row = [fmt(splits[s].get(key), pattern) for s in names]
            lines.append(f"| {label}{arrow} | " + " | ".join(row) + " |")
        lines += ["", "### Ceiling: the same judges on the ground-truth targets", ""]
        lines.append("| metric | " + " | ".join(names) + " |")
        lines.append("|---|" + "---|" * len(names))
        for key in GT_METRICS:
            vals = [splits[s].get("ground_truth", {}).get(key) for s in names]
            if all(v is None for v in vals):
                continue
            pattern = "{:.1f}" if "de00" in key else "{:.3f}"
            lines.append(f"| {key} | " + " | ".join(fmt(v, pattern) for v in vals) + " |")
    real = report.get("real_photos")
    if real:
        lines += ["", "## Real photos", ""]
        lines.append(
            f"{real['n']} results (photos x prompts): preservation max {real['preservation_max']}"
            f", colour accuracy {fmt(real.get('colour_accuracy'))}, median ΔE00 "
            f"{fmt(real.get('colour_de00_median'), '{:.1f}')}."
        )
    acc = report.get("classifiers", {}).get("held_out_accuracy")
    if acc:
        lines += ["", "## Judges' own held-out accuracy (attribute classifiers)", ""]
        lines.append("| split | n | type | sleeve | pattern |")
        lines.append("|---|---|---|---|---|")
        for split, m in acc.items():
            lines.append(
                f"| {split} | {m.get('n')} | {fmt(m.get('type'))} | {fmt(m.get('sleeve'))} | "
                f"{fmt(m.get('pattern'))} |"
            )
    skipped = report.get("skipped", {})
    if skipped:
        lines += ["", "## Not measured", ""]
        lines += [f"- **{k}**: {v}" for k, v in skipped.items()]
    notes = report.get("notes", [])
    if notes:
        lines += ["", "## Notes", ""]
        lines += [f"- {n}" for n in notes]
    if images:
        lines += ["", "## Images", ""]
        lines += [f"![{Path(p).stem}]({p})" for p in images]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Charts and grids
# ---------------------------------------------------------------------------------------------


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def bar_chart(series: Mapping[str, Mapping[str, Any]], path: Path, title: str) -> Path | None:
    """Bar charts: one panel per metric of :data:`CHART_METRICS`, one bar per series entry.

    Args:
        series: label -> summary dict (a split's summary, with optional ``ground_truth``).
        path: PNG to write.
    """
    panels = [
        (k, t) for k, t in CHART_METRICS if any(s.get(k) is not None for s in series.values())
    ]
    if not panels:
        return None
    plt = _plt()
    cols = min(4, len(panels))
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.8 * rows), squeeze=False)
    labels = list(series)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, (key, panel_title) in zip(axes.flat, panels, strict=False):
        values = [series[label].get(key) for label in labels]
        xs = np.arange(len(labels))
        heights = [np.nan if v is None else float(v) for v in values]
        ax.bar(xs, heights, color=[colours[i % len(colours)] for i in range(len(labels))])
        for x, label in zip(xs, labels, strict=True):
            ceiling = series[label].get("ground_truth", {}).get(key)
            if ceiling is not None:
                ax.plot([x - 0.4, x + 0.4], [ceiling, ceiling], color="black", linewidth=2)
        for x, h in zip(xs, heights, strict=True):
            if not np.isnan(h):
                ax.annotate(f"{h:.3g}", (x, h), ha="center", va="bottom", fontsize=7)
        ax.set_title(panel_title, fontsize=9)
        ax.set_xticks(xs)
        ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=7)
        if key.endswith("accuracy") or key.endswith("recall_at_1") or key == "ssim":
            ax.set_ylim(0, 1.05)
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    fig.suptitle(title + "  (black tick: same judge on ground truth)", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path, mode="wb") as handle:
        fig.savefig(handle, format="png", dpi=110)
    plt.close(fig)
    return path


def _font():
    try:
        return ImageFont.load_default(size=12)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def _fit(image: np.ndarray, height: int) -> Image.Image:
    pil = Image.fromarray(image)
    width = max(1, round(pil.width * height / pil.height))
    return pil.resize((width, height), Image.Resampling.LANCZOS)


def image_grid(
    rows: Sequence[Sequence[np.ndarray]],
    captions: Sequence[str],
    header: Sequence[str],
    cell_height: int = 192,
) -> np.ndarray:
    """Rows of images (each resized to ``cell_height``) with a header and a caption per row.

    Returns an ``(H, W, 3)`` uint8 image.
    """
    if not rows:
        raise ValueError("image_grid needs at least one row")
    font = _font()
    cells = [[_fit(im, cell_height) for im in row] for row in rows]
    col_w = [max(r[c].width for r in cells if c < len(r)) for c in range(max(map(len, cells)))]
    pad, text_h = 4, 18
    width = sum(col_w) + pad * (len(col_w) + 1)
    height = text_h + len(cells) * (cell_height + text_h + pad) + pad
    canvas = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    x = pad
    for c, w in enumerate(col_w):
        if c < len(header):
            draw.text((x, 2), header[c], fill=(0, 0, 0), font=font)
        x += w + pad
    y = text_h
    for row, caption in zip(cells, captions, strict=True):
        draw.text((pad, y), caption[:140], fill=(40, 40, 40), font=font)
        y += text_h
        x = pad
        for c, cell in enumerate(row):
            canvas.paste(cell, (x, y))
            x += col_w[c] + pad
        y += cell_height + pad
    return np.asarray(canvas)


def write_report(report: Mapping[str, Any], directory: str | Path) -> dict[str, Path]:
    """Write every file of the module docstring into ``directory``; returns name -> path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    artifacts = report.get("_artifacts", {})
    written: dict[str, Path] = {}
    images: list[str] = []

    chart = bar_chart(report.get("splits", {}), directory / "metrics.png", report["method"])
    if chart is not None:
        written["metrics.png"] = chart
        images.append(chart.name)
    for split, grid in artifacts.get("grids", {}).items():
        if not grid:
            continue
        arr = image_grid(
            [(src, gt, res) for src, gt, res, _ in grid],
            [prompt for *_, prompt in grid],
            ["input", "ground truth", "result"],
        )
        path = directory / f"samples-{split}.png"
        save_image(arr, path)
        written[path.name] = path
        images.append(path.name)
    real_rows = artifacts.get("real_rows")
    if real_rows:
        prompts = [r["prompt"] for r in artifacts["records"]["real_photos"]][: len(real_rows[0][2])]
        arr = image_grid(
            [(image, *results) for _, image, results in real_rows],
            [name for name, _, _ in real_rows],
            ["input", *prompts],
            cell_height=256,
        )
        path = directory / "real-photos.png"
        save_image(arr, path)
        written[path.name] = path
        images.append(path.name)

    public = public_report(report)
    _write_text(
        directory / "report.json", json.dumps(public, indent=2, default=_json_default) + "\n"
    )
    written["report.json"] = directory / "report.json"
    if artifacts.get("records"):
        _write_text(
            directory / "records.json",
            json.dumps(artifacts["records"], indent=1, default=_json_default) + "\n",
        )
        written["records.json"] = directory / "records.json"
    _write_text(directory / "report.md", markdown(public, images))
    written["report.md"] = directory / "report.md"
    return written


# ---------------------------------------------------------------------------------------------
# Comparing reports
# ---------------------------------------------------------------------------------------------


def load_report(path: str | Path) -> dict[str, Any]:
    """Read a ``report.json`` (or the directory holding one)."""
    path = Path(path)
    if path.is_dir():
        path = path / "report.json"
    if not path.is_file():
        raise FileNotFoundError(f"no report.json at {path}")
    return json.loads(path.read_text())


def compare_reports(
    reports: Mapping[str, Mapping[str, Any]], directory: str | Path, split: str | None = None
) -> dict[str, Path]:
    """Side-by-side table (``comparison.md``) and chart (``comparison.png``) of several reports.

    Args:
        reports: label -> report dict (from :func:`load_report`).
        directory: where to write.
        split: which split's numbers to compare in the chart (the table has every split);
            default ``test`` when present, else the first split of the reports.
    """
    if not reports:
        raise ValueError("compare_reports needs at least one report")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    labels = list(reports)
    splits = []
    for rep in reports.values():
        splits += [s for s in rep.get("splits", {}) if s not in splits]
    if split is None:
        split = "test" if "test" in splits else splits[0] if splits else "test"
    lines = ["# Evaluation: comparison", ""]
    for s in splits:
        lines += [f"## {s}", "", "| metric | " + " | ".join(labels) + " |"]
        lines.append("|---|" + "---|" * len(labels))
        for key, label, pattern, better in TABLE_METRICS:
            vals = [reports[name].get("splits", {}).get(s, {}).get(key) for name in labels]
            if all(v is None for v in vals):
                continue
            arrow = "" if better is None else (" ↑" if better else " ↓")
            lines.append(f"| {label}{arrow} | " + " | ".join(fmt(v, pattern) for v in vals) + " |")
        lines.append("")
    real = [reports[name].get("real_photos") for name in labels]
    if any(real):
        lines += ["## real photos", "", "| metric | " + " | ".join(labels) + " |"]
        lines.append("|---|" + "---|" * len(labels))
        for key, pattern in (
            ("preservation_max", "{:d}"),
            ("colour_accuracy", "{:.3f}"),
            ("colour_de00_median", "{:.1f}"),
        ):
            lines.append(
                f"| {key} | " + " | ".join(fmt((r or {}).get(key), pattern) for r in real) + " |"
            )
        lines.append("")
    written = {}
    chart = bar_chart(
        {name: reports[name].get("splits", {}).get(split, {}) for name in labels},
        directory / "comparison.png",
        f"comparison on {split}",
    )
    if chart is not None:
        written["comparison.png"] = chart
        lines += [f"![comparison]({chart.name})", ""]
    _write_text(directory / "comparison.md", "\n".join(lines))
    written["comparison.md"] = directory / "comparison.md"
    return written
