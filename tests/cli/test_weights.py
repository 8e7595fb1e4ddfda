"""`tryon weights write|verify`: checksum lists from the command line."""

from tryon.cli import main


def test_write_then_verify_then_detect_a_corrupt_file(tmp_path, capsys):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "weights.safetensors").write_bytes(b"\x00" * 64)
    assert main(["weights", "write", str(folder)]) == 0
    assert (folder / "checksums.sha256").is_file()
    assert main(["weights", "verify", str(folder)]) == 0
    assert f"{folder}: OK" in capsys.readouterr().out
    (folder / "weights.safetensors").write_bytes(b"\x01" * 64)
    assert main(["weights", "verify", str(folder)]) == 1
    captured = capsys.readouterr()
    assert "weights.safetensors" in captured.err and "checksum mismatch" in captured.err
    assert "1 problem(s)" in captured.out


def test_widen_writes_a_verified_wider_pipeline_and_never_overwrites(tmp_path, capsys):
    import numpy as np
    import torch

    from tryon.pipeline import TryOnPipeline
    from tryon.pipeline.factory import build_pipeline, stick_figure_analysis

    source = tmp_path / "tiny"
    build_pipeline("tiny", text_encoder="bert-tiny", resolution=64, seed=0).save_pretrained(source)
    wide = tmp_path / "wide"
    assert main(["weights", "widen", str(source), str(wide), "--latent-channels", "6"]) == 0
    assert main(["weights", "verify", str(wide)]) == 0
    pipe = TryOnPipeline.from_pretrained(wide)
    assert pipe.vae.config.latent_channels == 6 and pipe.unet.config.out_channels == 6
    assert pipe.vae.dtype == torch.float32  # stored float16, loaded float32
    pipe.set_progress_bar_config(disable=True)
    image = pipe(
        stick_figure_analysis(160, 120),
        "a red t-shirt",
        num_inference_steps=2,
        output_type="np",
        generator=torch.Generator().manual_seed(0),
    ).images[0]
    assert image.shape == (160, 120, 3) and np.isfinite(image).all()
    capsys.readouterr()

    # An existing destination is refused and left as it was; a bad source writes nothing.
    before = (wide / "checksums.sha256").read_bytes()
    assert main(["weights", "widen", str(source), str(wide), "--latent-channels", "8"]) == 2
    assert "exists" in capsys.readouterr().err
    assert (wide / "checksums.sha256").read_bytes() == before
    assert (
        main(["weights", "widen", str(source), str(tmp_path / "w2"), "--latent-channels", "4"]) == 1
    )
    assert "must grow" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny", "wide"]
