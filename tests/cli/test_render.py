"""``tryon render`` end to end with a tiny saved pipeline."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from tryon.cli import main
from tryon.pipeline.factory import build_pipeline, stick_figure_analysis


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    folder = tmp_path_factory.mktemp("weights") / "tiny"
    build_pipeline("tiny", text_encoder="bert-tiny", resolution=64, seed=0).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def analysis_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("analysis")
    stick_figure_analysis(160, 120).save(folder)
    return folder


def test_render_json(weights, analysis_dir, tmp_path, capsys):
    out = tmp_path / "out.png"
    code = main(
        [
            "render",
            "--analysis",
            str(analysis_dir),
            "--prompt",
            "a red shirt",
            "--out",
            str(out),
            "--weights",
            str(weights),
            "--steps",
            "2",
            "--seed",
            "7",
            "--rerank",
            "2",
            "--json",
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["output"] == str(out) and summary["seed"] == 7
    assert -1 <= summary["score"] <= 1
    stages = {
        "loading",
        "analysis",
        "text_encoding",
        "denoising",
        "decoding",
        "refiner",
        "composite",
        "total",
    }
    assert stages <= set(summary["timings"])
    image = np.asarray(Image.open(out))
    person = stick_figure_analysis(160, 120)
    assert image.shape == person.image.shape
    mask = person.agnostic_mask("upper", dilation=0.03)
    np.testing.assert_array_equal(image[~mask], person.image[~mask])


def test_render_same_seed_same_image(weights, analysis_dir, tmp_path):
    args = [
        "render",
        "--analysis",
        str(analysis_dir),
        "--prompt",
        "a blue coat",
        "--weights",
        str(weights),
        "--steps",
        "1",
        "--category",
        "full",
    ]
    assert main([*args, "--out", str(tmp_path / "a.png")]) == 0
    assert main([*args, "--out", str(tmp_path / "new" / "b.png")]) == 0  # folder created
    assert np.array_equal(
        np.asarray(Image.open(tmp_path / "a.png")),
        np.asarray(Image.open(tmp_path / "new" / "b.png")),
    )


def test_missing_weights_is_one_clear_line(analysis_dir, tmp_path, capsys):
    code = main(
        [
            "render",
            "--analysis",
            str(analysis_dir),
            "--prompt",
            "x",
            "--out",
            str(tmp_path / "o.png"),
            "--weights",
            str(tmp_path / "nowhere"),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code != 0 and "\n" not in err
    assert "nowhere" in err and "does not exist" in err and "tryon train" in err


def test_corrupt_checkpoint_is_a_clear_error(weights, analysis_dir, tmp_path, capsys):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(weights, broken)
    vae = broken / "vae" / "diffusion_pytorch_model.safetensors"
    vae.write_bytes(vae.read_bytes()[:1000])
    code = main(
        [
            "render",
            "--analysis",
            str(analysis_dir),
            "--prompt",
            "x",
            "--out",
            str(tmp_path / "o.png"),
            "--weights",
            str(broken),
        ]
    )
    err = capsys.readouterr().err
    assert code != 0 and "vae" in err and ("truncated" in err or "corrupt" in err)
    assert not (tmp_path / "o.png").exists()


def test_bad_arguments(weights, analysis_dir, tmp_path, capsys):
    base = ["render", "--analysis", str(analysis_dir), "--prompt", "x", "--weights", str(weights)]
    assert main([*base, "--out", str(tmp_path / "o.xyz")]) != 0
    (tmp_path / "file").write_text("x")
    assert main([*base, "--out", str(tmp_path / "file" / "o.png")]) != 0  # parent is a file
    assert main([*base, "--out", str(tmp_path / "o.png"), "--steps", "0"]) != 0
    assert (
        main(
            [
                "render",
                "--person",
                str(tmp_path / "missing.jpg"),
                "--prompt",
                "x",
                "--out",
                str(tmp_path / "o.png"),
            ]
        )
        != 0
    )
    err = capsys.readouterr().err
    assert "missing.jpg" in err and "steps" in err and "is not a folder" in err


def test_render_restore_background_flag(weights, analysis_dir, tmp_path):
    """The flag reaches the pipeline: with a tolerance above any colour distance the photo's
    background comes back on the whole clean plate, and without it the render stays there;
    nothing else differs."""
    from pathlib import Path

    from tryon.pipeline import TryOnPipeline

    default = (Path(__file__).parents[2] / "pipelines" / "default.toml").read_text()
    recipe = tmp_path / "restore.toml"
    recipe.write_text(
        default.replace('"weights/tryon-small"', f'"{weights}"')
        .replace("resolution = [256, 256]", "resolution = [64, 64]")
        .replace("background_tolerance = [15.0, 35.0]", "background_tolerance = [400.0, 500.0]")
    )
    images = {}
    for flag in ("--restore-background", "--no-restore-background"):
        out = tmp_path / f"{flag}.png"
        args = ["render", "--analysis", str(analysis_dir), "--prompt", "a red shirt"]
        args += ["--out", str(out), "--recipe", str(recipe), "--steps", "2", flag]
        args += ["--no-colour-lock"]  # its 2-px neighbourhood reaches onto the plate
        assert main(args) == 0
        images[flag] = np.asarray(Image.open(out))
    on, off = images["--restore-background"], images["--no-restore-background"]
    person = stick_figure_analysis(160, 120)
    plate = TryOnPipeline.from_recipe(recipe).prepare(person).plate
    assert plate.any()
    np.testing.assert_array_equal(on[plate], person.image[plate])
    assert (off[plate] != person.image[plate]).any()
    np.testing.assert_array_equal(on[~plate], off[~plate])


def test_render_colour_lock_flags(weights, analysis_dir, tmp_path):
    """--colour-lock locks to the prompt's colour, exactly as --garment-colour with that colour
    does; --no-colour-lock leaves the render; R,G,B and #RRGGBB name the same colour."""
    images = {}
    runs = {
        "lock": ["--colour-lock"],
        "off": ["--no-colour-lock"],
        "name": ["--no-colour-lock", "--garment-colour", "red"],
        "rgb": ["--garment-colour", "200,28,38"],
        "hex": ["--garment-colour", "#C81C26"],
    }
    for key, flags in runs.items():
        out = tmp_path / f"{key}.png"
        args = ["render", "--analysis", str(analysis_dir), "--prompt", "a red shirt"]
        args += ["--out", str(out), "--weights", str(weights), "--steps", "2", *flags]
        assert main(args) == 0
        images[key] = np.asarray(Image.open(out))
    np.testing.assert_array_equal(images["lock"], images["name"])
    np.testing.assert_array_equal(images["rgb"], images["hex"])
    assert not np.array_equal(images["lock"], images["off"])


@pytest.mark.parametrize(
    "value, message",
    [("plaid", "unknown colour"), ("1,2", "three ints"), ("1,x,3", "three integers")],
)
def test_render_rejects_a_bad_garment_colour(
    weights, analysis_dir, tmp_path, capsys, value, message
):
    out = tmp_path / "out.png"
    args = ["render", "--analysis", str(analysis_dir), "--prompt", "a shirt", "--out", str(out)]
    args += ["--weights", str(weights), "--garment-colour", value]
    assert main(args) != 0
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_render_colour_prior_flag(weights, analysis_dir, tmp_path, capsys):
    """--colour-prior sets the prior's strength (at 1 a render differs from 0, off); a
    negative or non-finite one is refused before any work, naming the flag."""
    images = {}
    for value in ("0", "1"):
        out = tmp_path / f"prior-{value}.png"
        args = ["render", "--analysis", str(analysis_dir), "--prompt", "a red shirt"]
        args += ["--out", str(out), "--weights", str(weights), "--steps", "2"]
        args += ["--no-colour-lock", "--colour-prior", value]
        assert main(args) == 0
        images[value] = np.asarray(Image.open(out))
    assert not np.array_equal(images["0"], images["1"])
    for value in ("-0.5", "nan", "inf"):
        out = tmp_path / "bad.png"
        args = ["render", "--analysis", str(analysis_dir), "--prompt", "a red shirt"]
        args += ["--out", str(out), "--weights", str(weights), "--colour-prior", value]
        assert main(args) != 0
        assert "--colour-prior must be >= 0" in capsys.readouterr().err
        assert not out.exists()


def test_render_print_colour_prior_flag(weights, analysis_dir, tmp_path, capsys):
    """--print-colour-prior sets the prior's strength on a prompt naming a print's colour:
    with --colour-prior 1, --print-colour-prior 0 renders it as --colour-prior 0 does, and
    left out it follows --colour-prior; a bad value is refused before any work, naming the
    flag."""
    images = {}
    runs = {"off": ["0"], "on": ["1"], "split": ["1", "0"]}
    for key, (prior, *print_prior) in runs.items():
        out = tmp_path / f"{key}.png"
        args = ["render", "--analysis", str(analysis_dir)]
        args += ["--prompt", "a navy shirt with white polka dots", "--out", str(out)]
        args += ["--weights", str(weights), "--steps", "2", "--no-colour-lock"]
        args += ["--colour-prior", prior]
        args += ["--print-colour-prior", *print_prior] if print_prior else []
        assert main(args) == 0
        images[key] = np.asarray(Image.open(out))
    assert not np.array_equal(images["on"], images["off"])
    np.testing.assert_array_equal(images["split"], images["off"])
    out = tmp_path / "bad.png"
    args = ["render", "--analysis", str(analysis_dir), "--prompt", "a red shirt"]
    args += ["--out", str(out), "--weights", str(weights), "--print-colour-prior"]
    for value in ("-0.5", "nan", "inf"):
        assert main([*args, value]) != 0
        assert "--print-colour-prior must be >= 0" in capsys.readouterr().err
        assert not out.exists()
    with pytest.raises(SystemExit):
        main([*args, "x"])
    assert "--print-colour-prior: invalid float value: 'x'" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("attribute", "prompt"),
    [
        ("colour", "a red shirt"),
        ("pattern", "a shirt with stripes"),
        ("print_colour", "a navy shirt with white stripes"),
    ],
)
def test_render_attribute_guidance_option(
    attribute, prompt, weights, analysis_dir, tmp_path, capsys
):
    """--attribute-guidance reaches the pipeline: each attribute changes a render whose prompt
    names it, 0 and 8 differ; a negative scale, a bad stop or an unknown attribute is refused
    before any output."""
    images = {}
    for scale in ("0", "8", "8:0.5"):
        out = tmp_path / f"{scale}.png"
        args = ["render", "--analysis", str(analysis_dir), "--prompt", prompt]
        args += ["--out", str(out), "--weights", str(weights), "--steps", "2"]
        args += ["--attribute-guidance", f"{attribute}={scale}", "--no-colour-lock"]
        assert main(args) == 0
        images[scale] = np.asarray(Image.open(out))
    assert not np.array_equal(images["0"], images["8"])
    assert not np.array_equal(images["8"], images["8:0.5"])  # 1 of 2 steps, not both
    for value, message in (
        (f"{attribute}=-1", "scale must be a finite number >= 0"),
        (f"{attribute}=2:0", "stop must be in (0, 1]"),
        (f"{attribute}=x", "expected SCALE[:STOP]"),
        ("sleeve=2", "ATTRIBUTE one of colour, pattern, print_colour"),
    ):
        out = tmp_path / "bad.png"
        args = ["render", "--analysis", str(analysis_dir), "--prompt", prompt]
        args += ["--out", str(out), "--weights", str(weights), "--attribute-guidance", value]
        with pytest.raises(SystemExit):
            main(args)
        assert message in capsys.readouterr().err
        assert not out.exists()


def test_render_known_start_flag(weights, analysis_dir, tmp_path, capsys):
    """--known-start sets the start's strength (at 1 a render differs from 0); a negative or
    non-finite one is refused before any work, naming the flag."""
    images = {}
    for value in ("0", "1"):
        out = tmp_path / f"start-{value}.png"
        args = ["render", "--analysis", str(analysis_dir), "--prompt", "a red shirt"]
        args += ["--out", str(out), "--weights", str(weights), "--steps", "2"]
        args += ["--no-colour-lock", "--colour-prior", "0", "--known-start", value]
        assert main(args) == 0
        images[value] = np.asarray(Image.open(out))
    assert not np.array_equal(images["0"], images["1"])
    for value in ("-0.5", "nan"):
        out = tmp_path / "bad.png"
        args = ["render", "--analysis", str(analysis_dir), "--prompt", "a red shirt"]
        args += ["--out", str(out), "--weights", str(weights), "--known-start", value]
        assert main(args) != 0
        assert "--known-start must be >= 0" in capsys.readouterr().err
        assert not out.exists()
