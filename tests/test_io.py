"""tryon.io: the loader on real good and bad files, and atomic writing."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tryon.io import (
    ImageError,
    ImageNotFoundError,
    atomic_write,
    image_format_for,
    load_image,
    load_image_array,
    save_image,
)

RED = (255, 0, 0)
BLUE = (0, 0, 255)


# ----------------------------------------------------------------------------- helpers


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make_png(width: int, height: int, bit_depth: int, colour_type: int, raw: bytes) -> bytes:
    """A PNG built by hand: signature, IHDR (correct CRC), one IDAT of ``raw``, IEND."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(raw))
        + _chunk(b"IEND", b"")
    )


def left_red_right_blue(width: int = 40, height: int = 20) -> Image.Image:
    array = np.zeros((height, width, 3), np.uint8)
    array[:, : width // 2] = RED
    array[:, width // 2 :] = BLUE
    return Image.fromarray(array)


def is_close(pixel, colour, tol: int = 40) -> bool:
    return all(abs(int(a) - int(b)) <= tol for a, b in zip(pixel, colour, strict=True))


# ----------------------------------------------------------------------------- bad files


def test_zero_byte_file_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(ImageError, match=r"empty\.jpg.*empty \(0 bytes\)"):
        load_image(path)


def test_text_file_renamed_png_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("this is not a picture\n")
    with pytest.raises(ImageError, match=r"notes\.png: not an image"):
        load_image(path)


def test_truncated_jpeg_is_refused_by_name(tmp_path: Path, rng: np.random.Generator) -> None:
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(buffer, "JPEG")
    data = buffer.getvalue()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError, match=r"cut\.jpg: image data is truncated"):
        load_image(path)


def test_truncated_png_bytes_are_refused(rng: np.random.Generator) -> None:
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(buffer, "PNG")
    with pytest.raises(ImageError, match=r"<bytes>: image data is truncated"):
        load_image(buffer.getvalue()[:-200])


def test_png_claiming_30000_squared_is_refused_before_decoding(tmp_path: Path) -> None:
    # 900 megapixels in the header, a few bytes of data: a decompression bomb.
    path = tmp_path / "bomb.png"
    path.write_bytes(make_png(30000, 30000, 8, 2, b"\x00" * 64))
    assert path.stat().st_size < 200
    with pytest.raises(ImageError, match=r"bomb\.png: .*decompression bomb.*900000000 pixels"):
        load_image(path)


def test_header_over_our_pixel_limit_is_refused_before_decoding(tmp_path: Path) -> None:
    # 8000x8000 = 64 MP: under PIL's own limits, over our default of 40 MP.
    path = tmp_path / "large.png"
    path.write_bytes(make_png(8000, 8000, 8, 2, b"\x00" * 64))
    with pytest.raises(ImageError, match=r"large\.png: image is 8000x8000 = 64,000,000 pixels"):
        load_image(path)


def test_pil_decompression_bomb_error_becomes_image_error(tmp_path: Path) -> None:
    # With our own limit lifted, PIL's DecompressionBombError must still be turned into ours.
    path = tmp_path / "bomb.png"
    path.write_bytes(make_png(30000, 30000, 8, 2, b"\x00" * 64))
    with pytest.raises(ImageError, match=r"bomb\.png: .*decompression bomb"):
        load_image(path, max_pixels=10**12)


def test_pil_decompression_bomb_warning_becomes_image_error(tmp_path: Path) -> None:
    # 10000x10000 = 100 MP: above PIL's warning threshold (~89 MP), below its error (~179 MP).
    path = tmp_path / "big.png"
    path.write_bytes(make_png(10000, 10000, 1, 0, b"\x00" * 64))
    with pytest.raises(ImageError, match=r"big\.png: .*decompression bomb"):
        load_image(path, max_pixels=10**12)


def test_pixel_limit_is_configurable() -> None:
    data = make_png(2, 2, 8, 0, b"\x00\x10\x20\x00\x30\x40")
    assert load_image(data).size == (2, 2)
    with pytest.raises(ImageError, match="2x2 = 4 pixels, more than the limit of 3 pixels"):
        load_image(data, max_pixels=3)


def test_file_over_byte_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    save_image(np.zeros((8, 8, 3), np.uint8), path)
    size = path.stat().st_size
    with pytest.raises(ImageError, match=rf"big\.png: file is {size:,} bytes, larger than"):
        load_image(path, max_bytes=size - 1)
    assert load_image(path, max_bytes=size).size == (8, 8)


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(ImageNotFoundError, match="nowhere.jpg: no such file") as info:
        load_image(tmp_path / "nowhere.jpg")
    assert isinstance(info.value, FileNotFoundError)
    assert isinstance(info.value, ValueError)


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="not a regular file"):
        load_image(tmp_path)


def test_bad_limits_and_types_are_refused() -> None:
    with pytest.raises(ValueError, match="max_pixels must be a positive integer"):
        load_image(b"x", max_pixels=0)
    with pytest.raises(ValueError, match="max_bytes must be a positive integer"):
        load_image(b"x", max_bytes=True)
    with pytest.raises(TypeError, match="got int"):
        load_image(42)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- modes


def test_cmyk_jpeg_becomes_rgb(tmp_path: Path) -> None:
    path = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (16, 16), (0, 255, 255, 0)).save(path, "JPEG", quality=95)
    with Image.open(path) as check:
        assert check.mode == "CMYK"
    image = load_image(path)
    assert image.mode == "RGB"
    assert is_close(image.getpixel((8, 8)), RED)


def test_16_bit_greyscale_png_is_scaled_not_clipped(tmp_path: Path) -> None:
    values = np.array([[0, 257 * 128], [65535, 257 * 64]], np.uint16)
    path = tmp_path / "grey16.png"
    Image.fromarray(values).save(path)
    with Image.open(path) as check:
        assert check.mode.startswith("I")
    array = load_image_array(path)
    assert array.shape == (2, 2, 3)
    np.testing.assert_array_equal(array[:, :, 0], [[0, 128], [255, 64]])
    np.testing.assert_array_equal(array[:, :, 0], array[:, :, 2])


def test_16_bit_rgb_png_becomes_8_bit_rgb() -> None:
    # 1x2 RGB, 16 bits per channel: (65535, 0, 0) and (0, 0, 65535), filter byte 0 per row.
    rows = b"\x00" + struct.pack(">6H", 65535, 0, 0, 0, 0, 65535)
    array = load_image_array(make_png(2, 1, 16, 2, rows))
    np.testing.assert_array_equal(array[0], [RED, BLUE])


@pytest.mark.parametrize(("orientation", "red_on"), [(6, "top"), (8, "bottom"), (1, "left")])
def test_exif_orientation_is_applied(tmp_path: Path, orientation: int, red_on: str) -> None:
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"rotated{orientation}.jpg"
    left_red_right_blue(40, 20).save(path, "JPEG", quality=95, exif=exif.tobytes())
    image = load_image(path)
    if red_on == "left":
        assert image.size == (40, 20)
        assert is_close(image.getpixel((5, 10)), RED) and is_close(image.getpixel((35, 10)), BLUE)
        return
    assert image.size == (20, 40)  # portrait after rotation
    top, bottom = image.getpixel((10, 5)), image.getpixel((10, 35))
    if red_on == "top":
        assert is_close(top, RED) and is_close(bottom, BLUE)
    else:
        assert is_close(top, BLUE) and is_close(bottom, RED)


def test_rgba_transparency_is_composited_over_white(tmp_path: Path) -> None:
    array = np.zeros((2, 3, 4), np.uint8)
    array[0, 0] = (0, 0, 0, 0)  # fully transparent black -> white
    array[0, 1] = (255, 0, 0, 255)  # opaque red stays red
    array[0, 2] = (0, 0, 0, 128)  # half-transparent black -> mid grey
    path = tmp_path / "alpha.png"
    Image.fromarray(array, "RGBA").save(path)
    out = load_image_array(path)
    assert tuple(out[0, 0]) == (255, 255, 255)
    assert tuple(out[0, 1]) == RED
    assert all(abs(int(v) - 127) <= 1 for v in out[0, 2])


def test_la_and_palette_transparency_over_white() -> None:
    la = Image.new("LA", (2, 1), (0, 255))
    la.putpixel((0, 0), (0, 0))
    assert load_image(la).getpixel((0, 0)) == (255, 255, 255)
    assert load_image(la).getpixel((1, 0)) == (0, 0, 0)

    palette = Image.new("P", (2, 1), 0)
    palette.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    palette.putpixel((1, 0), 1)
    palette.info["transparency"] = 0
    buffer = io.BytesIO()
    palette.save(buffer, "PNG")
    out = load_image(buffer.getvalue())
    assert out.getpixel((0, 0)) == (255, 255, 255)
    assert out.getpixel((1, 0)) == RED


def test_greyscale_and_bilevel_become_rgb() -> None:
    assert load_image(Image.new("L", (3, 2), 77)).getpixel((0, 0)) == (77, 77, 77)
    assert load_image(Image.new("1", (3, 2), 1)).getpixel((2, 1)) == (255, 255, 255)


# ----------------------------------------------------------------------------- sources


def test_pil_source_is_copied_and_exif_transposed() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    left_red_right_blue().save(buffer, "JPEG", quality=95, exif=exif.tobytes())
    with Image.open(buffer) as original:
        out = load_image(original)
        assert original.size == (40, 20)  # the caller's image is not changed
    assert out.size == (20, 40)
    assert is_close(out.getpixel((10, 5)), RED)

    rgb = Image.new("RGB", (4, 4), RED)
    copy = load_image(rgb)
    assert copy is not rgb
    copy.putpixel((0, 0), BLUE)
    assert rgb.getpixel((0, 0)) == RED


def test_numpy_sources() -> None:
    rgb = np.zeros((3, 5, 3), np.uint8)
    rgb[1, 2] = (10, 20, 30)
    out = load_image(rgb)
    assert out.mode == "RGB" and out.size == (5, 3)
    assert out.getpixel((2, 1)) == (10, 20, 30)

    grey = np.full((3, 5), 9, np.uint8)
    assert load_image(grey).getpixel((0, 0)) == (9, 9, 9)
    assert load_image(grey[:, :, None]).getpixel((0, 0)) == (9, 9, 9)
    assert load_image(np.ones((2, 2), bool)).getpixel((0, 0)) == (255, 255, 255)
    rgba = np.zeros((2, 2, 4), np.uint8)
    assert load_image(rgba).getpixel((0, 0)) == (255, 255, 255)

    with pytest.raises(TypeError, match="dtype uint8 or bool, got float32"):
        load_image(np.zeros((2, 2, 3), np.float32))
    with pytest.raises(ImageError, match=r"<array>: expected shape .* got \(2, 2, 2\)"):
        load_image(np.zeros((2, 2, 2), np.uint8))
    with pytest.raises(ImageError, match="<array>: image has no pixels"):
        load_image(np.zeros((0, 4, 3), np.uint8))
    with pytest.raises(ImageError, match="<array>: image is 5x3"):
        load_image(rgb, max_pixels=14)


def test_load_image_array_is_writable_uint8(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    save_image(np.full((4, 6, 3), 200, np.uint8), path)
    array = load_image_array(path)
    assert array.shape == (4, 6, 3) and array.dtype == np.uint8
    array[0, 0] = 0  # must not raise: a writable copy
    assert load_image_array(path)[0, 0, 0] == 200


def test_real_photo_loads() -> None:
    skimage_data = pytest.importorskip("skimage.data")
    array = skimage_data.astronaut()
    out = load_image_array(array)
    np.testing.assert_array_equal(out, array)


# ----------------------------------------------------------------------------- writing


def test_save_image_round_trips_png_exactly(tmp_path: Path, rng: np.random.Generator) -> None:
    array = rng.integers(0, 256, (7, 9, 3), dtype=np.uint8)
    path = save_image(array, tmp_path / "out.png")
    np.testing.assert_array_equal(load_image_array(path), array)
    assert sorted(os.listdir(tmp_path)) == ["out.png"]


def test_save_image_mode_is_ordinary_not_private(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    path = save_image(np.zeros((2, 2), np.uint8), tmp_path / "g.png")
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_save_image_format_from_extension(tmp_path: Path) -> None:
    rgba = np.zeros((4, 4, 4), np.uint8)  # fully transparent
    path = save_image(rgba, tmp_path / "photo.JPEG")
    with Image.open(path) as check:
        assert check.format == "JPEG" and check.mode == "RGB"
        assert is_close(check.getpixel((1, 1)), (255, 255, 255), tol=3)
    assert image_format_for("x.webp") == "WEBP"
    assert image_format_for("x.jpg") == "JPEG"


def test_save_image_refuses_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"extension '\.xyz'"):
        save_image(np.zeros((2, 2, 3), np.uint8), tmp_path / "out.xyz")
    with pytest.raises(ValueError, match="no extension"):
        save_image(np.zeros((2, 2, 3), np.uint8), tmp_path / "out")
    assert os.listdir(tmp_path) == []


def test_save_image_failing_midway_leaves_nothing(tmp_path: Path) -> None:
    # PNG cannot store CMYK: PIL fails after the temporary file was opened.
    with pytest.raises(OSError, match="CMYK"):
        save_image(Image.new("CMYK", (4, 4)), tmp_path / "out.png")
    assert os.listdir(tmp_path) == []


def test_atomic_write_failure_leaves_no_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "result.bin"
    with pytest.raises(RuntimeError, match="writer died"):
        with atomic_write(target) as handle:
            handle.write(b"half of the data")
            raise RuntimeError("writer died")
    assert os.listdir(tmp_path) == []


def test_atomic_write_failure_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "result.txt"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(target, "w") as handle:
            handle.write("new but incomplete")
            raise KeyboardInterrupt
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["result.txt"]


def test_atomic_write_replaces_and_checks_arguments(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    with atomic_write(target, "w") as handle:
        handle.write("héllo")
    assert target.read_text(encoding="utf-8") == "héllo"
    with pytest.raises(ValueError, match="mode must be"):
        with atomic_write(target, "a"):
            pass
    with pytest.raises(FileNotFoundError, match="does not exist"):
        with atomic_write(tmp_path / "missing" / "x.bin"):
            pass
    with pytest.raises(IsADirectoryError):
        with atomic_write(tmp_path):
            pass
    assert os.listdir(tmp_path) == ["notes.txt"]
