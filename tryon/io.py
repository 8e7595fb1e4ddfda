"""Reading person photos safely and writing every output atomically.

One loader, :func:`load_image`, turns whatever a user hands us (a path, the bytes of an
upload, a PIL image or a numpy array) into a plain 8-bit RGB :class:`PIL.Image.Image`:

* EXIF orientation is applied (``PIL.ImageOps.exif_transpose``), so a phone photo shot in
  portrait is upright;
* every mode becomes RGB: ``1``/``L``/``P``/``CMYK``/``YCbCr`` are converted, images with
  alpha (``LA``, ``PA``, ``RGBA``, ``P`` with a transparent colour) are composited over
  white, 16-bit greyscale (``I;16``, ``I``) is scaled to 8 bits (``v * 255 / 65535``,
  rounded); 16-bit RGB PNGs are read by PIL at 8 bits per channel;
* files larger than ``max_bytes`` and images with more than ``max_pixels`` pixels are refused
  *before* the pixels are decoded (the pixel count comes from the header), so a
  decompression bomb (a tiny file that claims a gigantic size) never allocates memory;
  PIL's own ``DecompressionBombError``/``DecompressionBombWarning`` become the same error;
* empty, non-image and truncated files are reported by name.

Every problem raises :class:`ImageError` (a ``ValueError``) whose message starts with the
file name (or ``<bytes>``, ``<PIL image>``, ``<array>`` for in-memory sources). A path that
does not exist raises :class:`ImageNotFoundError`, which is both an ``ImageError`` and a
``FileNotFoundError``.

Writing: :func:`atomic_write` opens a temporary file in the target's directory and renames
it over the target with ``os.replace`` only when the block finishes without an exception, so
a reader never sees a half-written file and a failed write leaves nothing behind.
:func:`save_image` writes an image that way, choosing the format from the extension.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

#: Default limit on the size of an image file or byte string: 50 MB.
DEFAULT_MAX_BYTES = 50_000_000
#: Default limit on width * height: 40 megapixels (e.g. 7744 x 5165).
DEFAULT_MAX_PIXELS = 40_000_000

ImageSource = str | os.PathLike | bytes | bytearray | memoryview | Image.Image | np.ndarray

_ALPHA_MODES = {"LA", "La", "PA", "RGBA", "RGBa"}
_SIXTEEN_BIT_MODES = {"I;16", "I;16L", "I;16B", "I;16N", "I"}
_DIRECT_MODES = {"1", "L", "P", "RGB", "RGBX", "CMYK", "YCbCr"}
# Formats that cannot store alpha, and the modes they can store as they are.
_MODES_WITHOUT_ALPHA = {"JPEG": ("L", "RGB", "CMYK"), "BMP": ("1", "L", "P", "RGB")}


class ImageError(ValueError):
    """An image could not be read: empty, not an image, truncated, too large, bad mode."""


class ImageNotFoundError(ImageError, FileNotFoundError):
    """The image path does not exist (also a ``FileNotFoundError``)."""


# --------------------------------------------------------------------------- loading


def load_image(
    source: ImageSource,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Image.Image:
    """Load a person photo as an upright 8-bit RGB image.

    Args:
        source: a path (``str`` or ``os.PathLike``), the encoded bytes of an image file
            (``bytes``/``bytearray``/``memoryview``), a ``PIL.Image.Image`` (not modified) or
            a numpy array of shape ``(H, W)``, ``(H, W, 1)``, ``(H, W, 3)`` or ``(H, W, 4)``
            (RGBA, composited over white) with dtype ``uint8`` or ``bool``.
        max_bytes: refuse encoded files/bytes larger than this (default 50 MB).
        max_pixels: refuse images whose ``width * height`` exceeds this (default 40 MP).
            Checked from the header before any pixel is decoded.

    Returns:
        A new ``PIL.Image.Image`` in mode ``"RGB"``, EXIF orientation applied.

    Raises:
        ImageNotFoundError: the path does not exist.
        ImageError: empty, not an image, truncated or corrupt, too large, or a mode that
            cannot be turned into RGB; the message names the file.
        TypeError: ``source`` is none of the accepted types.
    """
    _check_limit("max_bytes", max_bytes)
    _check_limit("max_pixels", max_pixels)
    if isinstance(source, np.ndarray):
        return _from_array(source, max_pixels)
    if isinstance(source, Image.Image):
        return _finish(source, "<PIL image>", max_pixels)
    if isinstance(source, (bytes, bytearray, memoryview)):
        _check_byte_count(memoryview(source).nbytes, "<bytes>", max_bytes)
        return _decode(io.BytesIO(bytes(source)), "<bytes>", max_pixels)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = str(path)
        if not path.exists():
            raise ImageNotFoundError(f"{name}: no such file")
        if not path.is_file():
            raise ImageError(f"{name}: not a regular file")
        _check_byte_count(path.stat().st_size, name, max_bytes)
        with open(path, "rb") as handle:
            return _decode(handle, name, max_pixels)
    raise TypeError(
        "image source must be a path, bytes, a PIL image or a numpy array, "
        f"got {type(source).__name__}"
    )


def load_image_array(source: ImageSource, **kwargs: Any) -> np.ndarray:
    """Like :func:`load_image` but return a writable ``(H, W, 3)`` ``uint8`` RGB array."""
    return np.array(load_image(source, **kwargs), dtype=np.uint8)


def _check_limit(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _check_byte_count(size: int, name: str, max_bytes: int) -> None:
    if size == 0:
        raise ImageError(f"{name}: file is empty (0 bytes)")
    if size > max_bytes:
        raise ImageError(
            f"{name}: file is {size:,} bytes, larger than the limit of {max_bytes:,} bytes"
        )


def _check_pixel_count(width: int, height: int, name: str, max_pixels: int) -> None:
    if width <= 0 or height <= 0:
        raise ImageError(f"{name}: image has no pixels ({width}x{height})")
    if width * height > max_pixels:
        raise ImageError(
            f"{name}: image is {width}x{height} = {width * height:,} pixels, more than the "
            f"limit of {max_pixels:,} pixels (possible decompression bomb)"
        )


def _decode(handle: IO[bytes], name: str, max_pixels: int) -> Image.Image:
    """Open (header only), check the size, then decode the pixels of an encoded image."""
    # DecompressionBombWarning is raised as an error so that every oversized image fails the
    # same way; our own max_pixels check below normally fires first. (catch_warnings swaps
    # the process-wide filters for the duration of the block.)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(handle)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
            raise ImageError(
                f"{name}: image has more pixels than allowed (possible decompression bomb; "
                f"limit {max_pixels:,} pixels): {err}"
            ) from None
        except UnidentifiedImageError:
            raise ImageError(f"{name}: not an image file, or a format PIL cannot read") from None
        except (OSError, SyntaxError, ValueError, EOFError) as err:
            raise ImageError(f"{name}: cannot read image header: {err}") from None
        with image:
            _check_pixel_count(image.width, image.height, name, max_pixels)
            try:
                image.load()
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
                raise ImageError(
                    f"{name}: image has more pixels than allowed (possible decompression "
                    f"bomb; limit {max_pixels:,} pixels): {err}"
                ) from None
            except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as err:
                raise ImageError(f"{name}: image data is truncated or corrupt: {err}") from None
            return _finish(image, name, max_pixels)


def _finish(image: Image.Image, name: str, max_pixels: int) -> Image.Image:
    """Apply EXIF orientation and convert to RGB; always returns a new image."""
    _check_pixel_count(image.width, image.height, name, max_pixels)
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise ImageError(f"{name}: image data is truncated or corrupt: {err}") from None
    try:
        upright = ImageOps.exif_transpose(image)
    except Exception as err:  # a broken EXIF block must not lose the photo
        logger.warning("%s: ignoring unreadable EXIF orientation (%s)", name, err)
        upright = image
    if upright is None:  # only returned with in_place=True; kept for safety
        upright = image
    rgb = _to_rgb(upright, name)
    if rgb is image:
        rgb = image.copy()
    return rgb


def _to_rgb(image: Image.Image, name: str) -> Image.Image:
    mode = image.mode
    if mode == "RGB":
        return image
    if mode == "P" and "transparency" in image.info:
        return _over_white(image.convert("RGBA"))
    if mode in _ALPHA_MODES:
        return _over_white(image.convert("RGBA"))
    if mode in _SIXTEEN_BIT_MODES:
        values = np.asarray(image, dtype=np.float64)
        grey = np.clip(np.rint(values * (255.0 / 65535.0)), 0, 255).astype(np.uint8)
        return Image.fromarray(np.repeat(grey[:, :, None], 3, axis=2), mode="RGB")
    if mode in _DIRECT_MODES:
        return image.convert("RGB")
    try:
        return image.convert("RGB")
    except (ValueError, OSError) as err:
        raise ImageError(f"{name}: unsupported image mode {mode!r}: {err}") from None


def _over_white(rgba: Image.Image) -> Image.Image:
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")


def _from_array(array: np.ndarray, max_pixels: int) -> Image.Image:
    name = "<array>"
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ImageError(
            f"{name}: expected shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), got {array.shape}"
        )
    if array.dtype == np.bool_:
        array = array.astype(np.uint8) * 255
    if array.dtype != np.uint8:
        raise TypeError(f"{name}: image arrays must have dtype uint8 or bool, got {array.dtype}")
    _check_pixel_count(array.shape[1], array.shape[0], name, max_pixels)
    array = np.ascontiguousarray(array)
    if array.ndim == 2:
        return Image.fromarray(array, mode="L").convert("RGB")
    if array.shape[2] == 4:
        return _over_white(Image.fromarray(array, mode="RGBA"))
    return Image.fromarray(array, mode="RGB").copy()


# --------------------------------------------------------------------------- writing


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike, mode: str = "wb", *, encoding: str | None = None
) -> Iterator[IO[Any]]:
    """Open ``path`` for writing so that it appears complete or not at all.

    The block writes to a temporary file (``.<name>.<random>.tmp``) in the same directory;
    when the block ends without an exception the data are flushed, ``fsync``-ed and the
    temporary file is renamed over ``path`` with ``os.replace`` (atomic on POSIX and
    Windows). If the block raises, the temporary file is deleted, ``path`` is left as it was
    and the exception propagates. The new file gets the usual permissions (``0o666`` minus
    the umask), not ``mkstemp``'s private ``0o600``.

    Args:
        path: the file to create or replace. Its directory must exist.
        mode: ``"wb"`` (default) for bytes, ``"w"`` or ``"wt"`` for text.
        encoding: text encoding for text modes (default ``"utf-8"``).

    Yields:
        The open file object.
    """
    if mode not in ("w", "wt", "wb"):
        raise ValueError(f"atomic_write mode must be 'w', 'wt' or 'wb', got {mode!r}")
    target = Path(path)
    directory = target.parent
    if not directory.is_dir():
        raise FileNotFoundError(f"cannot write {target}: directory {directory} does not exist")
    if target.is_dir():
        raise IsADirectoryError(f"cannot write {target}: it is a directory")
    text = mode != "wb"
    if text and encoding is None:
        encoding = "utf-8"
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, _new_file_mode())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def _new_file_mode() -> int:
    """``0o666`` minus the process umask (read without changing it where possible)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def image_format_for(path: str | os.PathLike) -> str:
    """The PIL format name for ``path``'s extension (``"PNG"``, ``"JPEG"``, ...).

    Raises:
        ValueError: the extension is missing or PIL cannot write it.
    """
    suffix = Path(path).suffix.lower()
    if not suffix:
        raise ValueError(f"cannot tell the image format of {path}: it has no extension")
    extensions = Image.registered_extensions()
    fmt = extensions.get(suffix)
    if fmt is None or fmt not in Image.SAVE:
        raise ValueError(
            f"cannot write images with extension {suffix!r} ({path}); "
            "use .png, .jpg, .jpeg, .webp, .bmp or .tiff"
        )
    return fmt


def save_image(
    image: Image.Image | np.ndarray, path: str | os.PathLike, **save_kwargs: Any
) -> Path:
    """Write an image atomically, the format chosen from the extension of ``path``.

    Args:
        image: a ``PIL.Image.Image`` or a ``uint8`` array of shape ``(H, W)``, ``(H, W, 3)``
            or ``(H, W, 4)``.
        path: destination; its directory must exist. The extension picks the format
            (``.png``, ``.jpg``/``.jpeg``, ``.webp``, ``.bmp``, ``.tif``...); an unknown one
            raises ``ValueError``.
        **save_kwargs: passed to ``PIL.Image.Image.save``. JPEG defaults to ``quality=95``.
            Formats without alpha (JPEG, BMP) get images with alpha composited over white.

    Returns:
        ``path`` as a ``Path``.
    """
    fmt = image_format_for(path)
    if isinstance(image, np.ndarray):
        if image.dtype != np.uint8:
            raise TypeError(f"image arrays to save must have dtype uint8, got {image.dtype}")
        if image.ndim == 3 and image.shape[2] == 1:
            image = image[:, :, 0]
        if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)):
            raise ValueError(
                f"image array to save must have shape (H, W), (H, W, 3) or (H, W, 4), "
                f"got {image.shape}"
            )
        image = Image.fromarray(np.ascontiguousarray(image))
    elif not isinstance(image, Image.Image):
        raise TypeError(f"image must be a PIL image or a numpy array, got {type(image).__name__}")
    if fmt in _MODES_WITHOUT_ALPHA and image.mode not in _MODES_WITHOUT_ALPHA[fmt]:
        image = _to_rgb(image, str(path))
    if fmt == "JPEG":
        save_kwargs.setdefault("quality", 95)
    target = Path(path)
    with atomic_write(target, "wb") as handle:
        image.save(handle, format=fmt, **save_kwargs)
    return target
