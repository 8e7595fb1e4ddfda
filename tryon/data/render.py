"""The world's rasteriser: a person in an outfit, with exact ground truth.

Rendering is layered painting (painter's algorithm) with OpenCV anti-aliased polygon fills
(``cv2.fillPoly`` with ``LINE_AA`` and 4 bits of sub-pixel precision). Each layer (a body
part, a garment piece, a hair lock) is rasterised once into its bounding box as an alpha
map, shaded as a cylinder along its axis (Lambert shading, light from the upper left), and
textured in its own (u, v) coordinates (:mod:`tryon.data.patterns`). An image is the
background composited with the layers sorted by depth: ``img = img * (1 - a) + rgb * a``.

A pair (the same person in outfit A and in outfit B) shares every layer except the
changed garment's, so the shared layers are built once. Because compositing with ``a == 0``
or ``a == 1`` is exact in floating point, pixels that the changed garments of A and B do
not reach (alpha 0, or fully covered by a later opaque layer) are bit-identical in A and B.

Ground truth per image (:class:`Rendering`):

* ``keypoints``: ``(17, 3)`` float32 in :data:`tryon.body.KEYPOINT_NAMES` order, pixels,
  visibility 1 (people face the camera; occluded joints still count as visible).
* ``regions``: ``(H, W)`` uint8 :data:`tryon.body.REGION_LABELS` from the body layers only
  (body parts whatever the clothes; shoes count as feet). A pixel takes the label of the
  top-most body layer whose coverage is at least 0.5.
* ``parsing``: ``(H, W)`` uint8 :data:`tryon.body.PARSING_LABELS`, what is visible (same 0.5
  rule over all layers). Visible skin of the chest and shoulders (above a neckline, beside
  tank-top straps) is labelled ``neck``.
* ``garment_masks``: slot (``"top"``, ``"bottom"``, ``"one_piece"``) -> ``(H, W)`` bool, the
  pixels where the garment contributes any colour (visible coverage > 0). It contains the
  slot's parsing label, plus the anti-aliased rim.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field

import cv2
import numpy as np

from tryon.body import PARSING_INDEX, REGION_INDEX
from tryon.data.garments import NONE, GarmentSpec, Outfit
from tryon.data.palette import PALETTE
from tryon.data.patterns import PatternStyle, pattern_colour
from tryon.data.person import PersonSpec, Skeleton, build_skeleton
from tryon.data.rgb import blend_into, stack3, times_colour
from tryon.data.shapes import chaikin, ellipse, lerp, tube

logger = logging.getLogger(__name__)

MAX_SIZE = 1024
_LIGHT = np.array([-0.45, -0.5, 0.74])
_LIGHT = _LIGHT / np.linalg.norm(_LIGHT)
_SHIFT = 4  # cv2 sub-pixel bits
_FIX = float(1 << _SHIFT)


# --------------------------------------------------------------------------- layers


@dataclass
class Layer:
    """One painted shape: alpha and colour inside a bounding box, plus its labels."""

    z: float
    y0: int
    x0: int
    alpha: np.ndarray  # (h, w) float32 in [0, 1]
    inv: np.ndarray  # (h, w) float32, 1 - alpha
    premult: np.ndarray  # (h, w, 3) float32, rgb * alpha
    hard: np.ndarray  # (h, w) bool, alpha >= 0.5
    parsing: int
    region: int | None = None
    slot: str | None = None

    @functools.cached_property
    def inv3(self) -> np.ndarray:
        """``inv`` repeated over the three colour channels (made once, used per image)."""
        return stack3(self.inv)

    @property
    def slices(self) -> tuple[slice, slice]:
        h, w = self.alpha.shape
        return slice(self.y0, self.y0 + h), slice(self.x0, self.x0 + w)


@dataclass
class Piece:
    """Geometry of a layer: outline polygons, a shading/texture axis and its half-widths."""

    polys: list[np.ndarray]
    p0: np.ndarray
    p1: np.ndarray
    w0: float
    w1: float
    z: float
    folds: list[tuple[float, float, float, float, float]] = field(default_factory=list)
    flare: float = 0.0  # strength of vertical flare folds (skirts)
    outline: float = 0.45  # darkening of the outline stroke, 0 for none
    stroke: list[np.ndarray] | None = None  # open polylines to stroke instead of the outline


def _raster(polys: list[np.ndarray], height: int, width: int):
    """Rasterise polygons (anti-aliased) into their clipped bounding box."""
    allp = np.concatenate(polys, axis=0)
    x0 = max(int(np.floor(allp[:, 0].min())) - 2, 0)
    y0 = max(int(np.floor(allp[:, 1].min())) - 2, 0)
    x1 = min(int(np.ceil(allp[:, 0].max())) + 2, width)
    y1 = min(int(np.ceil(allp[:, 1].max())) + 2, height)
    if x1 <= x0 or y1 <= y0:
        return None
    mask = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
    off = np.array([x0 + 0.5, y0 + 0.5])
    pts = [np.round((p - off) * _FIX).astype(np.int32) for p in polys]
    for q in pts:  # one call per polygon: fillPoly treats overlaps of a list as holes
        cv2.fillPoly(mask, [q], 255, cv2.LINE_AA, _SHIFT)
    return x0, y0, mask, pts


def _grid(x0: int, y0: int, h: int, w: int):
    xs = np.arange(x0, x0 + w, dtype=np.float32)[None, :] + 0.5
    ys = np.arange(y0, y0 + h, dtype=np.float32)[:, None] + 0.5
    return xs, ys


def _axis_coords(piece: Piece, xs, ys):
    """Local coordinates of pixels: u across (pixels), v along (pixels), s in [-1, 1]."""
    d = piece.p1 - piece.p0
    length = max(float(np.hypot(d[0], d[1])), 1e-6)
    tx, ty = d[0] / length, d[1] / length
    nx, ny = -ty, tx
    rx = xs - np.float32(piece.p0[0])
    ry = ys - np.float32(piece.p0[1])
    v = rx * np.float32(tx) + ry * np.float32(ty)
    u = rx * np.float32(nx) + ry * np.float32(ny)
    t = np.minimum(np.maximum(v * np.float32(1.0 / length), 0.0), 1.0)
    hw = np.maximum(np.float32(piece.w0) + np.float32(piece.w1 - piece.w0) * t, 1e-3)
    s = np.minimum(np.maximum(u / hw, -1.0), 1.0)
    return u, v, s, (nx, ny), length


def _shade(s: np.ndarray, n2: tuple[float, float], ambient: float = 0.42) -> np.ndarray:
    """Lambert shading of a cylinder: normal = s * n (image plane) + sqrt(1 - s^2) * z."""
    lxy = float(n2[0] * _LIGHT[0] + n2[1] * _LIGHT[1])
    ndl = s * np.float32(lxy) + np.sqrt(np.maximum(1.0 - s * s, 0.0)) * np.float32(_LIGHT[2])
    ndl = np.maximum(ndl, 0.0)
    return np.float32(ambient) + np.float32(0.68) * ndl


def make_layer(
    piece: Piece,
    colour_fn,
    *,
    height: int,
    width: int,
    unit: float,
    parsing: str,
    region: str | None = None,
    slot: str | None = None,
    ambient: float = 0.42,
    decorate=None,
) -> Layer | None:
    """Rasterise, texture and shade a piece into a :class:`Layer` (None if off-frame).

    ``colour_fn(u, v, s)`` returns ``(h, w, 3)`` float32 sRGB with ``u, v`` in head units.
    ``decorate(rgb, x0, y0)`` may paint details (lines, buttons, face) onto the layer.
    """
    r = _raster(piece.polys, height, width)
    if r is None:
        return None
    x0, y0, mask, pts = r
    h, w = mask.shape
    alpha = mask.astype(np.float32) * np.float32(1.0 / 255.0)
    xs, ys = _grid(x0, y0, h, w)
    u, v, s, n2, length = _axis_coords(piece, xs, ys)
    shade = _shade(s, n2, ambient)
    solid = getattr(colour_fn, "solid", None)
    if solid is None or piece.folds or piece.flare:
        inv_unit = np.float32(1.0 / unit)
        uu, vv = u * inv_unit, v * inv_unit
    for fu0, fv0, fu1, fv1, depth in piece.folds:
        shade *= 1.0 - depth * _segment_ridge(uu, vv, fu0, fv0, fu1, fv1, 0.05)
    if piece.flare:
        t = np.minimum(np.maximum(v * np.float32(1.0 / length), 0.0), 1.0)
        wave = np.cos(uu * np.float32(2 * np.pi / 0.55) + 1.3)
        shade *= 1.0 - piece.flare * t * np.maximum(wave, 0) ** 2
    if piece.outline > 0:
        edge = np.zeros_like(mask)
        thick = max(1, int(round(unit * 0.025)))
        if piece.stroke is None:
            cv2.polylines(edge, pts, True, 255, thick, cv2.LINE_AA, _SHIFT)
        else:
            off = np.array([x0 + 0.5, y0 + 0.5])
            lines = [np.round((q - off) * _FIX).astype(np.int32) for q in piece.stroke]
            cv2.polylines(edge, lines, False, 255, thick, cv2.LINE_AA, _SHIFT)
        shade *= 1.0 - np.float32(piece.outline / 255.0) * edge
    if solid is not None and decorate is None:
        # Fast path: shade and coverage are 2-D; one 3-D product gives the premultiplied rgb.
        shade = np.minimum(shade, np.float32(255.0 / max(float(solid.max()), 1.0)))
        premult = times_colour(shade * alpha, solid)
    else:
        if solid is not None:
            rgb = times_colour(shade, solid)
        else:
            rgb = colour_fn(uu, vv, s)
            rgb *= stack3(shade)
        if decorate is not None:
            decorate(rgb, x0, y0)
        np.minimum(rgb, 255.0, out=rgb)
        np.maximum(rgb, 0.0, out=rgb)
        premult = rgb * stack3(alpha)
    return Layer(
        z=piece.z,
        y0=y0,
        x0=x0,
        alpha=alpha,
        inv=1.0 - alpha,
        premult=premult,
        hard=mask >= 128,
        parsing=PARSING_INDEX[parsing],
        region=None if region is None else REGION_INDEX[region],
        slot=slot,
    )


def _segment_ridge(u, v, u0, v0, u1, v1, width):
    """exp(-(d / width)^2) of the distance d from (u, v) to a segment, for fold lines."""
    du, dv = u1 - u0, v1 - v0
    ll = du * du + dv * dv + 1e-9
    t = ((u - u0) * du + (v - v0) * dv) * np.float32(1.0 / ll)
    t = np.minimum(np.maximum(t, 0.0), 1.0)
    eu = u - u0 - t * du
    ev = v - v0 - t * dv
    return np.exp(-(eu * eu + ev * ev) * np.float32(1.0 / (width * width)))


def paint(rgb: np.ndarray, x0: int, y0: int, colour, opacity: float, draw) -> None:
    """Blend ``colour`` into a layer's rgb where ``draw(mask, off)`` paints a uint8 mask.

    ``draw`` receives the mask and an offset (subtract it from image coordinates, then scale
    by 16 for the 4 sub-pixel bits); it should draw with ``cv2.LINE_AA`` and ``shift=4``.
    """
    mask = np.zeros(rgb.shape[:2], dtype=np.uint8)
    draw(mask, np.array([x0 + 0.5, y0 + 0.5]))
    m = mask.astype(np.float32) * np.float32(opacity / 255.0)
    blend_into(rgb, colour, m)


def fx(points: np.ndarray, off: np.ndarray) -> np.ndarray:
    """Image points -> cv2 fixed-point int32 relative to ``off`` (see :func:`paint`)."""
    return np.round((np.asarray(points, dtype=np.float64) - off) * _FIX).astype(np.int32)


def _solid(colour):
    """A plain colour; ``make_layer`` shades its ``solid`` attribute directly."""
    col = np.asarray(colour, dtype=np.float32)

    def fn(u, v, s):
        return times_colour(np.ones(u.shape, dtype=np.float32), col)

    fn.solid = col
    return fn


# --------------------------------------------------------------------------- background


@dataclass(frozen=True)
class BackgroundSpec:
    """A backdrop: ``kind`` in ("studio", "wall", "stripes", "room") and two colours."""

    kind: str = "studio"
    colour1: tuple[int, int, int] = (220, 220, 225)
    colour2: tuple[int, int, int] = (180, 180, 190)
    floor: float = 0.86  # floor line as a fraction of the frame height (wall kinds)
    seed: int = 0


BACKGROUND_KINDS = ("studio", "wall", "stripes", "room")


def sample_background(rng: np.random.Generator) -> BackgroundSpec:
    """Sample a muted backdrop colour scheme and kind."""
    hue = rng.uniform(0, 180)
    sat = rng.uniform(10, 70)
    val = rng.uniform(150, 240)
    hsv = np.array([[[hue, sat, val]]], dtype=np.float32)
    c1 = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)[0, 0]
    hsv2 = np.array(
        [[[(hue + rng.uniform(-20, 20)) % 180, sat * 0.8, val * rng.uniform(0.6, 0.85)]]]
    )
    c2 = cv2.cvtColor(hsv2.astype(np.uint8), cv2.COLOR_HSV2RGB)[0, 0]
    return BackgroundSpec(
        kind=str(rng.choice(BACKGROUND_KINDS)),
        colour1=tuple(int(c) for c in c1),
        colour2=tuple(int(c) for c in c2),
        floor=float(rng.uniform(0.8, 0.9)),
        seed=int(rng.integers(2**31)),
    )


@functools.lru_cache(maxsize=8)
def _bg_grids(height: int, width: int):
    ys = (np.arange(height, dtype=np.float32)[:, None] + 0.5) / height
    xs = (np.arange(width, dtype=np.float32)[None, :] + 0.5) / width
    return ys, xs


def render_background(bg: BackgroundSpec, skel: Skeleton, height: int, width: int) -> np.ndarray:
    """Backdrop with the person's soft floor shadow: ``(H, W, 3)`` float32 sRGB 0..255.

    The shadow depends on the body only (never on clothes), so it is shared by a pair.
    """
    ys, xs = _bg_grids(height, width)  # (H, 1) and (1, W), pixel centres in [0, 1]
    c1 = np.asarray(bg.colour1, dtype=np.float32)
    c2 = np.asarray(bg.colour2, dtype=np.float32)
    feet_y = max(skel.points["right_ankle"][1], skel.points["left_ankle"][1]) + 0.3 * skel.unit
    if bg.kind == "studio":
        # A radial gradient is smooth: evaluate it on a coarse grid and upsample.
        sh, sw = max(2, height // 8), max(2, width // 8)
        cy = (np.arange(sh, dtype=np.float32)[:, None] + 0.5) / sh
        cx = (np.arange(sw, dtype=np.float32)[None, :] + 0.5) / sw
        t = np.minimum(((cx - 0.5) ** 2 * 1.2 + (cy - 0.45) ** 2) * 2.2, 1.0)
        small = c1 + (c2 - c1) * t[..., None]
        img = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    else:
        # Wall and floor vary by row only: build one column, then repeat it.
        floor_y = min(max(feet_y / height - 0.12, 0.55), bg.floor)
        col_y = ys[:, 0]
        wall = c1 * (1.0 - np.minimum(col_y / floor_y, 1.0) * 0.1)[:, None]
        floor_t = np.clip((col_y - floor_y) / max(1 - floor_y, 1e-3), 0, 1)
        floor = c2 * (0.8 + 0.2 * floor_t)[:, None]
        column = np.where((col_y >= floor_y)[:, None], floor, wall)
        line = np.abs(col_y - floor_y) * height < max(height * 0.004, 1.0)
        column[line] *= 0.8
        img = np.repeat(column[:, None, :], width, axis=1)
        if bg.kind == "stripes":
            band = (np.floor(xs[0] * width / max(width * 0.06, 4.0)) % 2).astype(np.float32)
            wall_rows = slice(0, int(floor_y * height))
            img[wall_rows] *= (1.0 - 0.06 * band)[None, :, None]
        if bg.kind == "room":
            rng = np.random.default_rng(bg.seed)
            wx = rng.uniform(0.05, 0.6)
            ww = rng.uniform(0.2, 0.3)
            fx0, fx1 = int((wx - 0.015) * width), int((wx + ww + 0.015) * width)
            fy0, fy1 = int(0.065 * height), int((floor_y * 0.6 + 0.015) * height)
            ix0, ix1 = int(wx * width), int((wx + ww) * width)
            iy0, iy1 = int(0.08 * height), int(floor_y * 0.6 * height)
            img[fy0:fy1, fx0:fx1] = 245.0
            sky = np.array([200, 225, 245], dtype=np.float32) * (1 - 0.2 * ys[iy0:iy1])[..., None]
            img[iy0:iy1, ix0:ix1] = sky
    img = np.ascontiguousarray(img, dtype=np.float32)
    # Soft contact shadow under the feet.
    cx = 0.5 * (skel.points["right_ankle"][0] + skel.points["left_ankle"][0])
    half = abs(skel.points["right_ankle"][0] - skel.points["left_ankle"][0]) / 2 + 0.6 * skel.unit
    sh = np.zeros((height, width), dtype=np.uint8)
    cv2.ellipse(
        sh,
        (int(round(cx * 16)), int(round(feet_y * 16))),
        (int(half * 16), int(0.18 * skel.unit * 16)),
        0,
        0,
        360,
        255,
        -1,
        cv2.LINE_AA,
        4,
    )
    k = max(3, int(skel.unit * 0.25) | 1)
    y0 = max(int(feet_y - skel.unit), 0)
    y1 = min(int(feet_y + skel.unit), height)
    if y1 > y0:
        band = cv2.GaussianBlur(sh[y0:y1], (k, k), 0).astype(np.float32) * np.float32(0.35 / 255)
        img[y0:y1] *= stack3(1.0 - band)
    return img


# --------------------------------------------------------------------------- outputs


@dataclass
class Rendering:
    """One rendered image with its ground truth (see the module docstring)."""

    image: np.ndarray  # (H, W, 3) uint8 sRGB
    keypoints: np.ndarray  # (17, 3) float32
    regions: np.ndarray  # (H, W) uint8 REGION_LABELS
    parsing: np.ndarray  # (H, W) uint8 PARSING_LABELS
    garment_masks: dict[str, np.ndarray]  # slot -> (H, W) bool


def check_size(size) -> tuple[int, int]:
    """Validate a ``(height, width)`` frame size in ``[16, 1024]``."""
    try:
        h, w = (int(size[0]), int(size[1]))
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"size must be (height, width), got {size!r}") from None
    if not (16 <= h <= MAX_SIZE and 16 <= w <= MAX_SIZE):
        raise ValueError(f"size must be within 16..{MAX_SIZE} per side, got {h}x{w}")
    return h, w


class _Canvas:
    """Compositing state: image, parsing and per-slot visible coverage; copyable so a pair
    can composite its shared prefix of layers once."""

    def __init__(self, background: np.ndarray, slots: tuple[str, ...]):
        height, width = background.shape[:2]
        self.img = background.copy()
        self.parsing = np.zeros((height, width), dtype=np.uint8)
        self.vis = {slot: np.zeros((height, width), dtype=np.float32) for slot in slots}
        self.started: list[str] = []  # slots already painted (their coverage can shrink)

    def copy(self) -> _Canvas:
        new = object.__new__(_Canvas)
        new.img = self.img.copy()
        new.parsing = self.parsing.copy()
        new.vis = {k: v.copy() for k, v in self.vis.items()}
        new.started = list(self.started)
        return new

    def paint(self, layers: list[Layer]) -> None:
        img, parsing, vis = self.img, self.parsing, self.vis
        for layer in layers:
            sl = layer.slices
            sub = img[sl]
            sub *= layer.inv3
            sub += layer.premult
            np.copyto(parsing[sl], layer.parsing, where=layer.hard)
            for slot in self.started:
                if slot != layer.slot:
                    vis[slot][sl] *= layer.inv
            if layer.slot is not None and layer.slot in vis:
                c = vis[layer.slot][sl]
                c += layer.alpha * (1.0 - c)
                if layer.slot not in self.started:
                    self.started.append(layer.slot)

    def result(self):
        image = (self.img + 0.5).astype(np.uint8)
        return image, self.parsing, {slot: cov > 0 for slot, cov in self.vis.items()}


def composite(background: np.ndarray, layers: list[Layer], slots: tuple[str, ...] = ()):
    """Composite layers (sorted by ``z``) over the background.

    Returns ``(image uint8, parsing uint8, masks)`` where ``masks`` maps each slot in
    ``slots`` to its visible-coverage mask (bool).
    """
    canvas = _Canvas(background, tuple(slots))
    canvas.paint(sorted(layers, key=lambda lay: lay.z))
    return canvas.result()


def region_map(layers: list[Layer], height: int, width: int) -> np.ndarray:
    """Body-region labels from the layers that carry a region label (see module docstring)."""
    regions = np.zeros((height, width), dtype=np.uint8)
    for layer in sorted(layers, key=lambda lay: lay.z):
        if layer.region is not None:
            np.copyto(regions[layer.slices], layer.region, where=layer.hard)
    return regions


@dataclass
class PreparedPerson:
    """A person posed and painted once, reusable with any outfit (the shared layers)."""

    person: PersonSpec
    skeleton: Skeleton
    layers: list[Layer]
    background: np.ndarray
    regions: np.ndarray

    @property
    def size(self) -> tuple[int, int]:
        return self.skeleton.height, self.skeleton.width


def prepare_person(
    person: PersonSpec, background: BackgroundSpec | None = None, size=(512, 384)
) -> PreparedPerson:
    """Pose and paint ``person`` over ``background`` in a frame of ``size`` = (H, W)."""
    height, width = check_size(size)
    if not isinstance(person, PersonSpec):
        raise TypeError(f"person must be a PersonSpec, got {type(person).__name__}")
    from tryon.data import draw_body  # late import: draw_body builds on this module

    background = background or BackgroundSpec()
    skel = build_skeleton(person, height, width)
    layers = draw_body.body_layers(person, skel)
    bg = render_background(background, skel, height, width)
    return PreparedPerson(person, skel, layers, bg, region_map(layers, height, width))


def garment_layers(prepared: PreparedPerson, garment: GarmentSpec) -> list[Layer]:
    """Paint one garment on a prepared person."""
    from tryon.data import draw_garments  # late import: draw_garments builds on this module

    return draw_garments.garment_layers(garment, prepared.person, prepared.skeleton)


def _outfit_layers(prepared, outfit, cache, mask_slots):
    layers = list(prepared.layers)
    slots = []
    for slot, spec in outfit.garments().items():
        key = (id(spec), slot)
        if cache is not None and key in cache:
            glayers = cache[key]
        else:
            glayers = garment_layers(prepared, spec)
            if cache is not None:
                cache[key] = glayers
        layers.extend(glayers)
        if mask_slots is None or slot in mask_slots:
            slots.append(slot)
    return sorted(layers, key=lambda lay: lay.z), tuple(slots)


def _rendering(prepared: PreparedPerson, canvas: _Canvas) -> Rendering:
    image, parsing, masks = canvas.result()
    return Rendering(
        image=image,
        keypoints=prepared.skeleton.keypoints(),
        regions=prepared.regions,
        parsing=parsing,
        garment_masks=masks,
    )


def render_outfit(
    prepared: PreparedPerson,
    outfit: Outfit,
    cache: dict | None = None,
    mask_slots: tuple[str, ...] | None = None,
) -> Rendering:
    """Render a prepared person wearing ``outfit``.

    ``cache`` (a dict, optional) keeps each garment's layers keyed by ``id(spec)`` so a
    garment shared by several renderings of the same person is painted once.
    ``mask_slots`` limits which garment masks are computed (default: every worn slot).
    """
    layers, slots = _outfit_layers(prepared, outfit, cache, mask_slots)
    canvas = _Canvas(prepared.background, slots)
    canvas.paint(layers)
    return _rendering(prepared, canvas)


def render_outfits(
    prepared: PreparedPerson,
    outfit_a: Outfit,
    outfit_b: Outfit,
    mask_slots: tuple[str, ...] | None = None,
) -> tuple[Rendering, Rendering]:
    """Render a prepared person in two outfits; garments that are the same object in both
    are painted once, and the common back-most layers are composited once."""
    cache: dict = {}
    layers_a, slots_a = _outfit_layers(prepared, outfit_a, cache, mask_slots)
    layers_b, slots_b = _outfit_layers(prepared, outfit_b, cache, mask_slots)
    if slots_a != slots_b:  # different slots tracked: no shared state to reuse
        return render_outfit(prepared, outfit_a, cache, mask_slots), render_outfit(
            prepared, outfit_b, cache, mask_slots
        )
    n = 0
    while n < min(len(layers_a), len(layers_b)) and layers_a[n] is layers_b[n]:
        n += 1
    canvas_a = _Canvas(prepared.background, slots_a)
    canvas_a.paint(layers_a[:n])
    canvas_b = canvas_a.copy()
    canvas_a.paint(layers_a[n:])
    canvas_b.paint(layers_b[n:])
    return _rendering(prepared, canvas_a), _rendering(prepared, canvas_b)


def render_person(
    person: PersonSpec,
    outfit: Outfit,
    background: BackgroundSpec | None = None,
    size=(512, 384),
) -> Rendering:
    """Render ``person`` wearing ``outfit`` with its ground truth (see the module docstring).

    Args:
        person: body, pose and placement (:func:`tryon.data.person.sample_person`).
        outfit: top + bottom or a dress (:func:`tryon.data.garments.sample_outfit`).
        background: backdrop; default a plain light studio.
        size: ``(height, width)`` in pixels, each in ``[16, 1024]``; default ``(512, 384)``.
    """
    if not isinstance(outfit, Outfit):
        raise TypeError(f"outfit must be an Outfit, got {type(outfit).__name__}")
    return render_outfit(prepare_person(person, background, size), outfit)


def render_pair(
    person: PersonSpec,
    outfit_a: Outfit,
    outfit_b: Outfit,
    background: BackgroundSpec | None = None,
    size=(512, 384),
) -> tuple[Rendering, Rendering]:
    """Render the same person, pose and background in two outfits, sharing the work.

    Garments that are the same object in both outfits are painted once. Pixels the
    differing garments never reach are bit-identical between the two images.
    """
    return render_outfits(prepare_person(person, background, size), outfit_a, outfit_b)


def garment_colour_fn(spec: GarmentSpec, unit_px: float):
    """Texture function ``(u, v, s) -> rgb`` of a garment's fabric."""
    rng = np.random.default_rng(spec.style_seed)
    style = PatternStyle.sample(rng, spec.pattern)
    c1 = PALETTE[spec.colour].srgb
    c2 = PALETTE[spec.colour2].srgb if spec.colour2 != NONE else None

    def fn(u, v, s):
        return pattern_colour(spec.pattern, u, v, s, c1, c2, style, unit_px)

    return fn


__all__ = [
    "BackgroundSpec",
    "Layer",
    "Piece",
    "PreparedPerson",
    "Rendering",
    "composite",
    "ellipse",
    "chaikin",
    "lerp",
    "tube",
    "make_layer",
    "prepare_person",
    "render_background",
    "render_outfit",
    "render_pair",
    "render_person",
    "sample_background",
]
