"""Garment layers: the pieces of each garment type fitted to a posed skeleton.

Every garment is built from pieces (torso body, sleeves, trouser legs, skirt panel, collar)
that follow the skeleton, with ``ease`` (extra width) from the fit, hems from the length,
necklines, details (plackets, buttons, lapels, pockets, seams, ribbed bands) and fold lines.
Depths follow :mod:`tryon.data.draw_body`: bottoms 40-41, tops and dresses 50-51, sleeves
62-63 (right arm) and 67-68 (left arm).
"""

from __future__ import annotations

import cv2
import numpy as np

from tryon.data.draw_body import SIDES, torso_outline
from tryon.data.garments import GarmentSpec
from tryon.data.person import PersonSpec, Skeleton
from tryon.data.render import Layer, Piece, _solid, fx, garment_colour_fn, make_layer, paint
from tryon.data.shapes import chaikin, ellipse, lerp, tube, tube_sides

EASE = {"slim": 0.05, "regular": 0.11, "loose": 0.2}
TOP_DROP = {
    "t-shirt": 0.4,
    "tank top": 0.32,
    "sweater": 0.5,
    "long-sleeve shirt": 0.5,
    "jacket": 0.7,
}
STITCH = (214, 160, 70)


def garment_layers(spec: GarmentSpec, person: PersonSpec, skel: Skeleton) -> list[Layer]:
    """All layers of ``spec`` worn by ``person`` posed as ``skel``."""
    U = skel.unit
    rng = np.random.default_rng(spec.style_seed + 1)
    colour_fn = garment_colour_fn(spec, U)
    slot = spec.slot
    pieces: list[tuple[Piece, object, object, float]] = []  # piece, colour_fn, decorate, ambient
    ease = EASE[spec.fit] * U
    if spec.category == "upper":
        drop = TOP_DROP[spec.type] * U
        _top(spec, skel, ease, drop, rng, colour_fn, pieces, z=50.0)
    elif spec.type == "skirt":
        _skirt(spec, skel, ease, rng, colour_fn, pieces, z=40.5, waist_t=0.25)
    elif spec.type == "dress":
        _skirt(spec, skel, ease, rng, colour_fn, pieces, z=50.0, waist_t=0.0)
        _top(spec, skel, EASE["slim"] * U, 0.0, rng, colour_fn, pieces, z=50.5, hem_waist=True)
    else:
        _trousers(spec, skel, ease, rng, colour_fn, pieces)
    layers = []
    for piece, fn, deco, ambient in pieces:
        lay = make_layer(
            piece,
            fn,
            height=skel.height,
            width=skel.width,
            unit=U,
            parsing=slot,
            slot=slot,
            ambient=ambient,
            decorate=deco,
        )
        if lay is not None:
            layers.append(lay)
    return layers


def _folds(rng, segments, depth=(0.1, 0.2)):
    out = []
    for u0, v0, u1, v1 in segments:
        j = rng.uniform(-0.06, 0.06, 4)
        out.append((u0 + j[0], v0 + j[1], u1 + j[2], v1 + j[3], float(rng.uniform(*depth))))
    return out


def _darker(spec: GarmentSpec, k: float = 0.6):
    from tryon.data.palette import PALETTE

    return np.asarray(PALETTE[spec.colour].srgb, dtype=np.float32) * k


# --------------------------------------------------------------------------- tops


def _neckline(spec, skel, nr, nl, c, tank):
    """Neckline vertices from the left neck point to the right one (pixels)."""
    U = skel.unit
    kind = spec.neckline
    if kind == "v-neck":
        return [nl, c + np.array([0, 0.62 * U]), nr]
    if kind == "lapel":
        return [nl, c + np.array([0, 0.95 * U]), nr]
    if kind == "turtleneck":
        top = skel.points["chin"][1] - 0.05 * U
        w = skel.radii["neck"] + 0.07 * U
        return [nl, np.array([c[0] + w, top]), np.array([c[0] - w, top]), nr]
    depth = {"crew": 0.12, "collar": 0.1, "scoop": 0.5 if not tank else 0.55}[kind] * U
    rx = (nl[0] - nr[0]) / 2
    t = np.linspace(0, np.pi, 9)
    return list(np.stack([c[0] + rx * np.cos(t), c[1] + depth * np.sin(t)], 1))


def _top(spec, skel, ease, drop, rng, colour_fn, pieces, z, hem_waist=False):
    p, _r, U = skel.points, skel.radii, skel.unit
    t = torso_outline(skel, ease)
    cx = p["neck_base"][0]
    tank = spec.sleeve == "sleeveless"
    wide = 0.1 * U if spec.neckline == "scoop" else 0.0
    if tank:
        wide += 0.06 * U
    nr = t["right_neck"] + np.array([-wide, -0.03 * U])
    nl = t["left_neck"] + np.array([wide, -0.03 * U])
    c = np.array([cx, p["neck_base"][1] - 0.03 * U])
    hip_y = 0.5 * (p["right_hip"][1] + p["left_hip"][1])
    hem_y = (p["waist_right"][1] + 0.25 * U) if hem_waist else hip_y + drop
    outline = {}
    for side, sign in SIDES:
        arm = t[f"{side}_armpit"]
        hip = t[f"{side}_hip"]
        hem_x = hip[0] + sign * (0.02 * U + (0.08 * U if spec.fit == "loose" else 0))
        if hem_waist:
            hem_x = t[f"{side}_waist"][0] + sign * 0.03 * U
        frac = (t[f"{side}_waist"][1] - arm[1]) / max(hem_y - arm[1], 1e-6)
        straight = lerp(arm, np.array([hem_x, hem_y]), frac)[0]
        waist_x = t[f"{side}_waist"][0]
        if spec.fit != "slim":
            waist_x = sign * max(
                sign * waist_x, sign * straight - (0.0 if spec.fit == "loose" else 0.04 * U)
            )
        outline[side] = (arm, np.array([waist_x, t[f"{side}_waist"][1]]), np.array([hem_x, hem_y]))
    if tank:
        shoulders = {}
        for side, sign in SIDES:
            n = nr if sign < 0 else nl
            strap = n + np.array([sign * 0.24 * U, 0.02 * U])
            curve = p[f"{side}_shoulder"] + np.array([-sign * 0.02 * U, 0.4 * U])
            shoulders[side] = [n, strap, curve]
    else:
        shoulders = {
            side: [nr if sign < 0 else nl, t[f"{side}_trap"], t[f"{side}_deltoid"]]
            for side, sign in SIDES
        }
    hem_mid = np.array([cx, hem_y + 0.04 * U])
    right = shoulders["right"] + list(outline["right"])
    left = list(outline["left"])[::-1] + shoulders["left"][::-1]
    neck = _neckline(spec, skel, nr, nl, c, tank)
    body = chaikin(np.array(right + [hem_mid] + left), 1, closed=False)
    poly = np.concatenate([body, np.array(neck[1:-1]).reshape(-1, 2)]) if len(neck) > 2 else body
    half_top = abs(t["left_deltoid"][0] - t["right_deltoid"][0]) / 2
    half_bot = abs(outline["left"][2][0] - outline["right"][2][0]) / 2
    folds = _folds(
        rng,
        [
            (0.75, 0.95, 0.25, 1.7),
            (-0.75, 0.95, -0.2, 1.75),
            (0.3, (hem_y - c[1]) / U - 0.35, -0.2, (hem_y - c[1]) / U - 0.2),
        ],
    )
    decorations = []
    if spec.type == "long-sleeve shirt":
        decorations.append(_placket(spec, skel, c, hem_y))
    if spec.type == "jacket":
        decorations.append(_jacket_details(spec, skel, c, nr, nl, hem_y))
    if spec.type == "sweater":
        decorations.append(_band_line(spec, skel, hem_y - 0.14 * U, outline))
    if spec.neckline in ("crew", "scoop", "v-neck") and spec.type != "dress":
        decorations.append(_neck_trim(spec, skel, neck))
    if spec.neckline == "turtleneck":
        decorations.append(_turtle_rings(spec, skel, c))

    def deco(rgb, x0, y0):
        for d in decorations:
            d(rgb, x0, y0)

    if spec.neckline == "lapel":
        inner = np.array(
            [
                nl + np.array([-0.02 * U, 0]),
                c + np.array([0, 1.0 * U]),
                nr + np.array([0.02 * U, 0]),
            ]
        )
        pieces.append(
            (
                Piece([inner], c, c + np.array([0, U]), 0.3 * U, 0.1 * U, z - 0.1, outline=0.3),
                _solid((238, 238, 232)),
                None,
                0.55,
            )
        )
    pieces.append(
        (
            Piece([poly], p["neck_base"], hem_mid, half_top, half_bot, z, folds=folds),
            colour_fn,
            deco,
            0.42,
        )
    )
    if spec.neckline == "collar":
        for _side, sign in SIDES:
            n = nr if sign < 0 else nl
            flap = np.array(
                [
                    n + np.array([0, -0.1 * U]),
                    n + np.array([sign * 0.06 * U, 0.02 * U]),
                    c + np.array([sign * 0.14 * U, 0.3 * U]),
                    c + np.array([0, 0.14 * U]),
                ]
            )
            pieces.append(
                (
                    Piece(
                        [flap],
                        n,
                        c + np.array([0, 0.3 * U]),
                        0.15 * U,
                        0.1 * U,
                        z + 0.2,
                        outline=0.6,
                    ),
                    colour_fn,
                    None,
                    0.6,
                )
            )
    if spec.sleeve in ("short", "long"):
        for (side, sign), zs in zip(SIDES, (62, 67), strict=True):
            _sleeve(spec, skel, side, sign, ease, zs, rng, colour_fn, pieces)


def _sleeve(spec, skel, side, sign, ease, z, rng, colour_fn, pieces):
    p, r, U = skel.points, skel.radii, skel.unit
    sh, el, wr = p[f"{side}_shoulder"], p[f"{side}_elbow"], p[f"{side}_wrist"]
    d1 = (el - sh) / max(np.linalg.norm(el - sh), 1e-6)
    e = ease * 0.35 + 0.03 * U
    start = sh + d1 * 0.04 * U
    r0 = r["shoulder"] * 0.9 + e
    # Set-in sleeve for a lowered arm: the sleeve head spans the shoulder (convex hull of the
    # sleeve and the garment's shoulder corner); a raised arm gets a round sleeve head.
    t = torso_outline(skel, ease)
    head = None
    if d1[1] > 0.5:
        head = np.array(
            [
                t[f"{side}_trap"] * 0.5 + t[f"{side}_deltoid"] * 0.5,
                t[f"{side}_deltoid"],
                sh + np.array([-sign * r0, 0.0]),
                sh + np.array([-sign * 0.5 * r0, -0.85 * r0]),
            ]
        )

    def sleeve_poly(axis, radii, cap_end):
        if head is None:
            return tube(axis, radii, cap_start=True, cap_end=cap_end)
        flat = tube(axis, radii, cap_start=False, cap_end=cap_end)
        pts = np.concatenate([flat, head]).astype(np.float32)
        return cv2.convexHull(pts)[:, 0, :].astype(np.float64)

    if spec.sleeve == "short":
        f = 0.38 if spec.type == "dress" else 0.52
        end = lerp(sh, el, f)
        rad_end = r["shoulder"] + (r["elbow"] - r["shoulder"]) * f + e + 0.03 * U
        poly = sleeve_poly([start, end], [r0, rad_end], False)
        folds = _folds(rng, [(-0.1, 0.2, 0.12, 0.4)], (0.08, 0.14))
        pieces.append(
            (
                Piece([poly], start, end, r["shoulder"] * 0.9 + e, rad_end, z, folds=folds),
                colour_fn,
                None,
                0.42,
            )
        )
        return
    d2 = (wr - el) / max(np.linalg.norm(wr - el), 1e-6)
    end = wr + d2 * 0.03 * U
    r_el = r["elbow"] + e
    upper = sleeve_poly([start, el], [r0, r_el], True)
    lower_axis = ([el, end], [r_el * 0.97, r["wrist"] + e * 0.7 + 0.02 * U])
    lower = tube(*lower_axis, cap_end=False)
    ln = np.linalg.norm(end - el) / U
    pieces.append(
        (
            Piece(
                [upper],
                start,
                el,
                r["shoulder"] * 0.9 + e,
                r_el,
                z,
                folds=_folds(rng, [(-0.1, 0.6, 0.1, 0.9)], (0.06, 0.12)),
            ),
            colour_fn,
            None,
            0.42,
        )
    )
    cuff = spec.type in ("long-sleeve shirt", "sweater", "dress")
    deco = _cuff(spec, skel, el, end, r["wrist"] + e) if cuff else None
    pieces.append(
        (
            Piece(
                [lower],
                el,
                end,
                r_el,
                r["wrist"] + e,
                z + 1,
                stroke=tube_sides(*lower_axis, cap_end=False)
                + [tube(*lower_axis, cap_start=False, cap_end=False)[[1, -2]]],
                folds=_folds(
                    rng, [(-0.12, 0.12, 0.12, 0.3), (0.1, ln - 0.3, -0.1, ln - 0.15)], (0.08, 0.16)
                ),
            ),
            colour_fn,
            deco,
            0.42,
        )
    )


def _line_deco(points_list, colour, opacity, width, closed=False):
    def deco(rgb, x0, y0):
        def draw(mask, off):
            for pts in points_list:
                cv2.polylines(mask, [fx(np.asarray(pts), off)], closed, 255, width, cv2.LINE_AA, 4)

        paint(rgb, x0, y0, colour, opacity, draw)

    return deco


def _placket(spec, skel, c, hem_y):
    U = skel.unit
    line = [c + np.array([0, 0.14 * U]), np.array([c[0], hem_y])]
    lines = _line_deco([line], _darker(spec, 0.55), 0.7, max(1, int(0.03 * U)))
    buttons = [
        np.array([c[0] + 0.05 * U, y])
        for y in np.arange(c[1] + 0.45 * U, hem_y - 0.2 * U, 0.55 * U)
    ]

    def deco(rgb, x0, y0):
        lines(rgb, x0, y0)

        def draw(mask, off):
            for b in buttons:
                cv2.circle(mask, tuple(fx(b, off)), int(0.045 * U * 16), 255, -1, cv2.LINE_AA, 4)

        paint(rgb, x0, y0, (235, 232, 225), 0.9, draw)

    return deco


def _jacket_details(spec, skel, c, nr, nl, hem_y):
    U = skel.unit
    tip = c + np.array([0, 0.95 * U])
    lines = []
    for n, sign in ((nr, -1.0), (nl, 1.0)):
        notch = lerp(n, tip, 0.35) + np.array([sign * 0.2 * U, 0])
        lines.append([n, notch, lerp(n, tip, 0.5) + np.array([sign * 0.05 * U, 0]), tip])
    lines.append([tip, np.array([c[0], hem_y])])
    for sign in (-1.0, 1.0):
        y = hem_y - 0.45 * U
        lines.append([np.array([c[0] + sign * 0.25 * U, y]), np.array([c[0] + sign * 0.65 * U, y])])
    d = _line_deco(lines, _darker(spec, 0.45), 0.8, max(1, int(0.03 * U)))
    buttons = [tip + np.array([0.0, 0.3 * U]), tip + np.array([0.0, 0.75 * U])]

    def deco(rgb, x0, y0):
        d(rgb, x0, y0)

        def draw(mask, off):
            for b in buttons:
                cv2.circle(mask, tuple(fx(b, off)), int(0.05 * U * 16), 255, -1, cv2.LINE_AA, 4)

        paint(rgb, x0, y0, _darker(spec, 0.35), 0.9, draw)

    return deco


def _band_line(spec, skel, y, outline):
    xr = outline["right"][2][0]
    xl = outline["left"][2][0]
    return _line_deco(
        [[np.array([xr, y]), np.array([xl, y])]],
        _darker(spec, 0.7),
        0.6,
        max(1, int(0.03 * skel.unit)),
    )


def _neck_trim(spec, skel, neck):
    return _line_deco([neck], _darker(spec, 0.65), 0.7, max(1, int(0.05 * skel.unit)))


def _turtle_rings(spec, skel, c):
    U = skel.unit
    w = skel.radii["neck"] + 0.07 * U
    lines = [
        [np.array([c[0] - w, y]), np.array([c[0] + w, y + 0.02 * U])]
        for y in (c[1] - 0.12 * U, c[1] - 0.26 * U)
    ]
    return _line_deco(lines, _darker(spec, 0.7), 0.6, max(1, int(0.03 * U)))


def _cuff(spec, skel, el, end, rad):
    d = (end - el) / max(np.linalg.norm(end - el), 1e-6)
    n = np.array([-d[1], d[0]])
    a = end - d * 0.18 * skel.unit
    return _line_deco(
        [[a - n * rad, a + n * rad]], _darker(spec, 0.65), 0.7, max(1, int(0.03 * skel.unit))
    )


# --------------------------------------------------------------------------- bottoms


def _leg_at(skel: Skeleton, side: str, y: float) -> tuple[float, float]:
    """x of a leg's axis and its radius at image height ``y``."""
    p, r = skel.points, skel.radii
    ys = [p[f"{side}_hip"][1], p[f"{side}_knee"][1], p[f"{side}_ankle"][1]]
    xs = [p[f"{side}_hip"][0], p[f"{side}_knee"][0], p[f"{side}_ankle"][0]]
    rs = [r["hip"], r["calf"], r["ankle"]]
    return float(np.interp(y, ys, xs)), float(np.interp(y, ys, rs))


def _skirt(spec, skel, ease, rng, colour_fn, pieces, z, waist_t):
    p, _r, U = skel.points, skel.radii, skel.unit
    t = torso_outline(skel, 0.0)
    cx = 0.5 * (p["right_hip"][0] + p["left_hip"][0])
    wy = p["waist_right"][1]
    hy = 0.5 * (p["right_hip"][1] + p["left_hip"][1])
    top_y = wy + (hy - wy) * waist_t
    knee_y = 0.5 * (p["right_knee"][1] + p["left_knee"][1])
    ankle_y = 0.5 * (p["right_ankle"][1] + p["left_ankle"][1])
    hem_y = {
        "mini": hy + 1.0 * U,
        "knee": knee_y + 0.15 * U,
        "midi": lerp([0, knee_y], [0, ankle_y], 0.55)[1],
        "maxi": ankle_y + 0.2 * U,
    }[spec.length]
    legs = max(abs(_leg_at(skel, s, hem_y)[0] - cx) + _leg_at(skel, s, hem_y)[1] for s, _ in SIDES)
    hip_half = 0.5 * abs(t["left_hip"][0] - t["right_hip"][0]) + ease * 0.5
    waist_half = 0.5 * abs(t["left_waist"][0] - t["right_waist"][0]) + ease * 0.3
    waist_half = waist_half + (hip_half - waist_half) * waist_t
    length = hem_y - hy
    hem_half = {
        "slim": max(legs + 0.05 * U, hip_half * 0.95),
        "regular": max(legs + 0.12 * U, hip_half + 0.28 * length),
        "loose": max(legs + 0.22 * U, hip_half + 0.55 * length),
    }[spec.fit]
    xs = np.linspace(-1, 1, 13)
    wave = 0.05 * U * np.sin(xs * np.pi * 3 + rng.uniform(0, 6)) if spec.fit == "loose" else 0 * xs
    hem = np.stack([cx + xs * hem_half, hem_y + 0.08 * U * (1 - xs * xs) + wave], 1)
    # Sides: straight from the hips to the hem, but never inside the legs.
    sides = {}
    for side, sign in SIDES:
        pts = []
        if hem_y > hy + 0.3 * U:
            for f in np.linspace(0.0, 1.0, 6)[:-1]:
                y = hy + (hem_y - hy) * f
                lx, lr = _leg_at(skel, side, y)
                half = max(hip_half + (hem_half - hip_half) * f, abs(lx - cx) + lr + 0.07 * U)
                pts.append([cx + sign * half, y])
        sides[side] = np.array(pts).reshape(-1, 2)
    poly = np.concatenate(
        [
            [[cx + waist_half, top_y]],
            sides["left"],
            hem[::-1],
            sides["right"][::-1],
            [[cx - waist_half, top_y]],
        ]
    )
    poly = chaikin(poly, 1)
    flare = {"slim": 0.05, "regular": 0.18, "loose": 0.3}[spec.fit]
    top, bot = np.array([cx, top_y]), np.array([cx, hem_y])
    band = _line_deco(
        [
            [
                np.array([cx - waist_half, top_y + 0.12 * U]),
                np.array([cx + waist_half, top_y + 0.12 * U]),
            ]
        ],
        _darker(spec, 0.7),
        0.6,
        max(1, int(0.03 * U)),
    )
    pieces.append(
        (
            Piece([poly], top, bot, waist_half, hem_half, z, flare=flare),
            colour_fn,
            band if spec.type == "skirt" else None,
            0.42,
        )
    )


def _trousers(spec, skel, ease, rng, colour_fn, pieces):
    p, r, U = skel.points, skel.radii, skel.unit
    t = torso_outline(skel, ease * 0.5)
    cx = 0.5 * (p["right_hip"][0] + p["left_hip"][0])
    wy = p["waist_right"][1]
    hy = 0.5 * (p["right_hip"][1] + p["left_hip"][1])
    top_y = wy + (hy - wy) * 0.35
    pelvis = []
    for side, _sign in SIDES:
        w = lerp(t[f"{side}_waist"], t[f"{side}_hip"], 0.35)
        pelvis.append([np.array([w[0], top_y]), t[f"{side}_hip"], t[f"{side}_thigh"]])
    crotch = p["crotch"] + np.array([0, 0.06 * U])
    poly = np.array(pelvis[0] + [crotch] + pelvis[1][::-1])
    poly = chaikin(poly, 1)
    jeans = spec.pattern == "denim"
    deco = (
        _jeans_details(spec, skel, cx, top_y, crotch, pelvis)
        if jeans
        else _waistband(spec, skel, cx, top_y, pelvis)
    )
    half = abs(pelvis[1][1][0] - pelvis[0][1][0]) / 2
    pieces.append(
        (
            Piece(
                [poly],
                np.array([cx, top_y]),
                crotch,
                half,
                half,
                41,
                folds=_folds(rng, [(0.3, 0.4, 0.05, 0.75), (-0.3, 0.4, -0.05, 0.75)], (0.06, 0.12)),
            ),
            colour_fn,
            deco,
            0.42,
        )
    )
    extra = {"slim": (0.06, 0.06), "regular": (0.1, 0.12), "loose": (0.22, 0.3)}[spec.fit]
    for side, sign in SIDES:
        hip, knee, ankle = p[f"{side}_hip"], p[f"{side}_knee"], p[f"{side}_ankle"]
        start = hip + np.array([-sign * 0.04 * U, -0.1 * U])
        r0 = r["hip"] * 0.92 + ease * 0.5 + 0.02 * U
        if spec.type == "shorts":
            f = 0.45 if spec.length == "short" else 0.92
            hem = lerp(hip, knee, f)
            rh = r["hip"] + (r["knee"] - r["hip"]) * f + extra[0] + 0.04 * U
            axis = [start, hem]
            radii = [r0, rh]
        else:
            d = (ankle - knee) / max(np.linalg.norm(ankle - knee), 1e-6)
            hem = ankle + d * 0.14 * U if spec.length == "full" else lerp(knee, ankle, 0.72)
            rk = r["knee"] + extra[0] + 0.02 * U
            rh = (r["ankle"] + 0.06 * U if spec.fit == "slim" else r["knee"] * 0.9) + extra[1]
            axis = [start, knee, hem]
            radii = [r0, rk, rh]
        poly = tube(axis, radii, cap_end=False)
        lk = np.linalg.norm(knee - start) / U
        ln = np.linalg.norm(hem - start) / U
        segs = [(sign * 0.1, 0.5, -sign * 0.05, 0.9)]
        if spec.type != "shorts":
            segs += [(-0.15, lk - 0.05, 0.12, lk + 0.1), (0.12, lk + 0.25, -0.1, lk + 0.35)]
            if spec.length == "full":
                segs += [(-0.12, ln - 0.35, 0.1, ln - 0.25)]
        seam = None
        if jeans:
            n_out = np.array([sign, 0.0])
            seam = _line_deco(
                [[a + n_out * (rr - 0.05 * U) for a, rr in zip(axis, radii, strict=True)]],
                STITCH,
                0.55,
                max(1, int(0.02 * U)),
            )
        pieces.append(
            (
                Piece([poly], start, hem, r0, rh, 40, folds=_folds(rng, segs, (0.08, 0.16))),
                colour_fn,
                seam,
                0.42,
            )
        )


def _waistband(spec, skel, cx, top_y, pelvis):
    U = skel.unit
    y = top_y + 0.13 * U
    return _line_deco(
        [
            [np.array([pelvis[0][0][0], y]), np.array([pelvis[1][0][0], y])],
            [np.array([cx, y]), np.array([cx, y + 0.45 * U])],
        ],
        _darker(spec, 0.6),
        0.6,
        max(1, int(0.03 * U)),
    )


def _jeans_details(spec, skel, cx, top_y, crotch, pelvis):
    U = skel.unit
    y = top_y + 0.13 * U
    band = [np.array([pelvis[0][0][0], y]), np.array([pelvis[1][0][0], y])]
    fly = [
        np.array([cx + 0.02 * U, y]),
        np.array([cx + 0.12 * U, y + 0.45 * U]),
        np.array([cx, crotch[1] - 0.1 * U]),
    ]
    pockets = []
    for _side, sign in SIDES:
        a = np.array([cx + sign * 0.45 * U, y])
        pockets.append(
            list(
                ellipse(
                    a + np.array([sign * 0.25 * U, 0]),
                    0.25 * U,
                    0.3 * U,
                    start=np.pi * (0.5 if sign > 0 else 0.0),
                    stop=np.pi * (1.0 if sign > 0 else 0.5),
                    n=8,
                )
            )
        )
    stitch = _line_deco([band, fly] + pockets, STITCH, 0.7, max(1, int(0.025 * U)))
    dark = _line_deco([band], _darker(spec, 0.5), 0.5, max(1, int(0.03 * U)))

    def deco(rgb, x0, y0):
        dark(rgb, x0, y0)
        stitch(rgb, x0, y0)

    return deco
