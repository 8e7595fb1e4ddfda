"""Body layers of a posed person: skin, face, hair and shoes (see :mod:`tryon.data.render`).

Depth order (``z``) of the world, back to front: hair behind the body 10, legs 20-21,
feet 25, shoes 26, torso 30, neck 31, bottom garment 40-41, top or dress 50-51, arms
(skin 60-61, sleeves 62-63, hand 64 for the right arm; 65-69 for the left), ears 69.5,
head 70, hair in front 80-81.
"""

from __future__ import annotations

import cv2
import numpy as np

from tryon.data.person import PersonSpec, Skeleton
from tryon.data.render import Layer, Piece, _solid, fx, make_layer, paint
from tryon.data.rgb import channels, times_colour
from tryon.data.shapes import chaikin, ellipse, lerp, tube, tube_sides

SIDES = (("right", -1.0), ("left", 1.0))


def torso_outline(skel: Skeleton, ease: float = 0.0) -> dict[str, np.ndarray]:
    """Key points of the torso outline (pixels), pushed outwards by ``ease`` pixels."""
    p, r, U = skel.points, skel.radii, skel.unit
    out = {}
    for side, sign in SIDES:
        sh = p[f"{side}_shoulder"]
        out[f"{side}_neck"] = p["neck_base"] + np.array([sign * (r["neck"] * 0.95 + ease * 0.3), 0])
        out[f"{side}_trap"] = sh + np.array([-sign * 0.25 * U, -r["shoulder"] * 0.8 - ease * 0.3])
        out[f"{side}_deltoid"] = sh + np.array([sign * (r["shoulder"] * 0.75 + ease), -0.02 * U])
        out[f"{side}_armpit"] = sh + np.array([-sign * (0.14 * U - ease), 0.78 * U])
        out[f"{side}_waist"] = p[f"waist_{side}"] + np.array([sign * ease, 0])
        out[f"{side}_hip"] = p[f"{side}_hip"] + np.array(
            [sign * (r["hip"] * 0.82 + ease), -0.05 * U]
        )
        out[f"{side}_thigh"] = p[f"{side}_hip"] + np.array(
            [sign * (r["hip"] * 0.65 + ease), 0.38 * U]
        )
    return out


def body_layers(person: PersonSpec, skel: Skeleton) -> list[Layer]:
    """All layers of the bare person (skin, face, hair, shoes), see module docstring."""
    H, W, U = skel.height, skel.width, skel.unit
    p, r = skel.points, skel.radii
    skin = np.asarray(person.skin, dtype=np.float32)
    layers: list[Layer] = []
    rng = np.random.default_rng(person.seed)

    def add(piece, colour_fn, parsing, region, **kw):
        lay = make_layer(
            piece, colour_fn, height=H, width=W, unit=U, parsing=parsing, region=region, **kw
        )
        if lay is not None:
            layers.append(lay)

    skin_fn = _solid(skin)
    # Hair behind the body.
    back = hair_back(person, skel)
    hair_fn = _hair_fn(person, U)
    if back is not None:
        add(back, hair_fn, "hair", "hair", ambient=0.5)
    # Legs and feet.
    for side, sign in SIDES:
        hip, knee, ankle = p[f"{side}_hip"], p[f"{side}_knee"], p[f"{side}_ankle"]
        add(
            Piece([tube([hip, knee], [r["hip"], r["knee"]])], hip, knee, r["hip"], r["knee"], 20),
            skin_fn,
            "legs",
            "upper_legs",
        )
        calf = lerp(knee, ankle, 0.3)
        lower = ([knee, calf, ankle], [r["knee"] * 0.95, r["calf"], r["ankle"]])
        add(
            Piece(
                [tube(*lower)], knee, ankle, r["calf"], r["ankle"], 21, stroke=tube_sides(*lower)
            ),
            skin_fn,
            "legs",
            "lower_legs",
        )
        if person.barefoot:  # (a shoe covers the whole foot, so the foot is not drawn)
            foot = _foot(skel, side, sign, 1.0)
            add(
                Piece([foot], ankle, p[f"{side}_toe"], r["ankle"] * 1.3, r["ankle"] * 1.3, 25),
                skin_fn,
                "feet",
                "feet",
            )
        else:
            shoe = _foot(skel, side, sign, 1.18)
            add(
                Piece([shoe], ankle, p[f"{side}_toe"], r["ankle"] * 1.6, r["ankle"] * 1.6, 26),
                _solid(person.shoe_colour),
                "shoes",
                "feet",
                ambient=0.5,
            )
    # Torso and neck.
    t = torso_outline(skel)
    poly = [
        t["right_neck"],
        t["right_trap"],
        t["right_deltoid"],
        t["right_armpit"],
        t["right_waist"],
        t["right_hip"],
        t["right_thigh"],
        p["crotch"],
        t["left_thigh"],
        t["left_hip"],
        t["left_waist"],
        t["left_armpit"],
        t["left_deltoid"],
        t["left_trap"],
        t["left_neck"],
    ]
    torso = chaikin(np.array(poly), 2)
    mid_top = p["neck_base"]
    add(
        Piece(
            [torso],
            mid_top,
            p["crotch"],
            abs(t["left_deltoid"][0] - t["right_deltoid"][0]) / 2,
            abs(t["left_hip"][0] - t["right_hip"][0]) / 2,
            30,
            outline=0.3,
        ),
        skin_fn,
        "neck",
        "torso",
        decorate=_collarbones(skel, skin),
    )
    neck_top = p["chin"] - np.array([0, 0.25 * U])
    neck_bot = p["neck_base"] + np.array([0, 0.12 * U])
    add(
        Piece(
            [tube([neck_top, neck_bot], [r["neck"], r["neck"] * 1.08], cap_end=False)],
            neck_top,
            neck_bot,
            r["neck"],
            r["neck"],
            31,
            outline=0.25,
        ),
        _neck_fn(skin),
        "neck",
        "neck",
        ambient=0.35,
    )
    # Arms and hands.
    for (side, sign), zb in zip(SIDES, (60, 65), strict=True):
        sh, el, wr = p[f"{side}_shoulder"], p[f"{side}_elbow"], p[f"{side}_wrist"]
        sh_in = lerp(sh, el, 0.04)
        add(
            Piece(
                [tube([sh_in, el], [r["shoulder"] * 0.88, r["elbow"]])],
                sh,
                el,
                r["shoulder"],
                r["elbow"],
                zb,
            ),
            skin_fn,
            "arms",
            "upper_arms",
        )
        fore = ([el, wr], [r["elbow"] * 0.95, r["wrist"]])
        add(
            Piece(
                [tube(*fore)],
                el,
                wr,
                r["elbow"],
                r["wrist"],
                zb + 1,
                stroke=tube_sides(*fore, cap_end=False),
            ),
            skin_fn,
            "arms",
            "lower_arms",
        )
        add(_hand(skel, side, sign, zb + 4), skin_fn, "hands", "hands")
    # Head with ears (one layer: the ears are part of the face region), and the face.
    ears, stroke = [], []
    head = _head_polygon(skel)
    for side, sign in SIDES:
        e = p[f"{side}_ear"]
        if f"{side}_ear" in skel.hidden:
            continue
        c = e + np.array([sign * 0.02 * U, 0])
        ears.append(ellipse(c, 0.08 * U, 0.14 * U, n=16))
        # Stroke only the outer half of the ear (the inner half lies on the head).
        start = -np.pi / 2 if sign > 0 else np.pi / 2
        stroke.append(ellipse(c, 0.08 * U, 0.14 * U, start=start, stop=start + np.pi, n=9))
    stroke.append(np.concatenate([head, head[:1]]))
    hc = p["head"]
    add(
        Piece(
            [head, *ears],
            hc - np.array([0, skel.head_ry]),
            hc + np.array([0, skel.head_ry]),
            skel.head_rx,
            skel.head_rx * 0.8,
            70,
            outline=0.35,
            stroke=stroke,
        ),
        _face_fn(skin),
        "face",
        "face",
        ambient=0.5,
        decorate=_face_decorator(person, skel, rng),
    )
    for piece in hair_front(person, skel):
        add(piece, hair_fn, "hair", "hair", ambient=0.5, decorate=_strands(person, skel, piece))
    return layers


def _neck_fn(skin):
    col = np.asarray(skin, dtype=np.float32)

    def fn(u, v, s):
        # The chin shades the top of the neck.
        shadow = 1.0 - 0.25 * np.clip(1.0 - v / 0.25, 0, 1)
        return times_colour(shadow, col)

    return fn


def _face_fn(skin):
    return _solid(skin)


def _hair_fn(person: PersonSpec, unit: float):
    col = np.asarray(person.hair_colour, dtype=np.float32)

    def fn(u, v, s):
        # A soft sheen band across the crown.
        sheen = np.exp(-(((v - 0.25) / 0.12) ** 2)) * (1 - np.abs(s)) * 0.25
        return channels(lambda k: col[k] * (1.0 + sheen) + 12.0 * sheen)

    return fn


def _head_polygon(skel: Skeleton) -> np.ndarray:
    c = skel.points["head"]
    t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    x = np.cos(t) * skel.head_rx
    y = np.sin(t) * skel.head_ry
    lower = np.sin(t) > 0
    x = np.where(lower, x * (1.0 - 0.22 * np.sin(t) ** 2), x)  # narrower jaw
    return np.stack([c[0] + x, c[1] + y], axis=1)


def _foot(skel: Skeleton, side: str, sign: float, grow: float) -> np.ndarray:
    p, U = skel.points, skel.unit
    ankle, toe = p[f"{side}_ankle"], p[f"{side}_toe"]
    c = lerp(ankle, toe, 0.55)
    rx = 0.16 * U * grow
    ry = 0.23 * U * grow
    pts = ellipse(c, rx, ry, n=20)
    # Flat sole.
    sole = toe[1] + 0.06 * U * grow
    pts[:, 1] = np.minimum(pts[:, 1], sole)
    top = ellipse(ankle, r_ankle(skel) * 1.05 * grow, 0.1 * U, n=12)
    return cv2.convexHull(np.concatenate([pts, top]).astype(np.float32))[:, 0, :].astype(np.float64)


def r_ankle(skel: Skeleton) -> float:
    return skel.radii["ankle"]


def _hand(skel: Skeleton, side: str, sign: float, z: float) -> Piece:
    p, r, _U = skel.points, skel.radii, skel.unit
    wr, tip = p[f"{side}_wrist"], p[f"{side}_hand_tip"]
    d = tip - wr
    palm = lerp(wr, tip, 0.45)
    mitt = tube([wr, palm, tip - d * 0.08], [r["wrist"] * 1.0, r["hand"], r["hand"] * 0.75])
    n = np.array([-d[1], d[0]]) / max(np.linalg.norm(d), 1e-6)
    # The thumb on the side of the hand nearer the body's midline.
    mid_x = p["neck_base"][0]
    if abs(palm[0] + n[0] - mid_x) > abs(palm[0] - n[0] - mid_x):
        n = -n
    thumb_base = lerp(wr, tip, 0.25) + n * r["hand"] * 0.7
    thumb = tube(
        [thumb_base, thumb_base + d * 0.35 + n * r["hand"] * 0.4],
        [r["hand"] * 0.38, r["hand"] * 0.3],
    )
    return Piece([mitt, thumb], wr, tip, r["hand"], r["hand"] * 0.8, z, outline=0.4)


def _collarbones(skel: Skeleton, skin):
    p, U = skel.points, skel.unit
    dark = np.asarray(skin, dtype=np.float32) * 0.75

    def deco(rgb, x0, y0):
        def draw(mask, off):
            for side, sign in SIDES:
                a = p["neck_base"] + np.array([sign * 0.1 * U, 0.2 * U])
                b = p[f"{side}_shoulder"] + np.array([-sign * 0.25 * U, 0.02 * U])
                cv2.polylines(
                    mask,
                    [fx(np.array([a, b]), off)],
                    False,
                    255,
                    max(1, int(0.03 * U)),
                    cv2.LINE_AA,
                    4,
                )

        paint(rgb, x0, y0, dark, 0.5, draw)

    return deco


def _face_decorator(person: PersonSpec, skel: Skeleton, rng: np.random.Generator):
    p, U = skel.points, skel.unit
    skin = np.asarray(person.skin, dtype=np.float32)
    hair = np.asarray(person.hair_colour, dtype=np.float32)
    brow_col = np.minimum(hair, skin * 0.45) if hair.mean() > skin.mean() * 0.7 else hair
    brow_raise = rng.uniform(-0.02, 0.03)
    smile = rng.uniform(0.0, 0.05)
    lw = max(1, int(round(0.035 * U)))

    def deco(rgb, x0, y0):
        nose = p["nose"]

        # Cheeks.
        def cheeks(mask, off):
            for side, sign in SIDES:
                c = p[f"{side}_eye"] + np.array([sign * 0.04 * U, 0.22 * U])
                cv2.ellipse(
                    mask,
                    tuple(fx(c, off)),
                    (int(0.08 * U * 16), int(0.05 * U * 16)),
                    0,
                    0,
                    360,
                    255,
                    -1,
                    cv2.LINE_AA,
                    4,
                )

        paint(rgb, x0, y0, np.array([230, 120, 120]), 0.12, cheeks)

        def whites(mask, off):
            for side, _ in SIDES:
                c = p[f"{side}_eye"]
                cv2.ellipse(
                    mask,
                    tuple(fx(c, off)),
                    (int(0.075 * U * 16), int(0.042 * U * 16)),
                    0,
                    0,
                    360,
                    255,
                    -1,
                    cv2.LINE_AA,
                    4,
                )

        paint(rgb, x0, y0, np.array([250, 250, 248]), 1.0, whites)

        def irises(mask, off):
            for side, _ in SIDES:
                c = p[f"{side}_eye"] + np.array([0, 0.004 * U])
                cv2.circle(mask, tuple(fx(c, off)), int(0.04 * U * 16), 255, -1, cv2.LINE_AA, 4)

        paint(rgb, x0, y0, person.eye_colour, 1.0, irises)

        def pupils(mask, off):
            for side, _ in SIDES:
                c = p[f"{side}_eye"] + np.array([0, 0.004 * U])
                cv2.circle(mask, tuple(fx(c, off)), int(0.018 * U * 16), 255, -1, cv2.LINE_AA, 4)

        paint(rgb, x0, y0, np.array([15, 12, 12]), 1.0, pupils)

        def lids(mask, off):
            for side, _ in SIDES:
                c = p[f"{side}_eye"]
                arc = ellipse(c, 0.082 * U, 0.05 * U, start=np.pi * 1.05, stop=np.pi * 1.95, n=10)
                cv2.polylines(mask, [fx(arc, off)], False, 255, lw, cv2.LINE_AA, 4)

        paint(rgb, x0, y0, np.array([30, 22, 20]), 0.9, lids)

        def brows(mask, off):
            for side, sign in SIDES:
                c = p[f"{side}_eye"] + np.array([sign * 0.01 * U, -(0.1 + brow_raise) * U])
                arc = ellipse(c, 0.1 * U, 0.035 * U, start=np.pi * 1.1, stop=np.pi * 1.9, n=8)
                cv2.polylines(
                    mask, [fx(arc, off)], False, 255, max(1, int(0.045 * U)), cv2.LINE_AA, 4
                )

        paint(rgb, x0, y0, brow_col, 0.95, brows)

        def nose_line(mask, off):
            pts = np.array(
                [
                    nose + np.array([0.015 * U, -0.1 * U]),
                    nose + np.array([0.03 * U, 0]),
                    nose + np.array([-0.03 * U, 0.01 * U]),
                ]
            )
            cv2.polylines(mask, [fx(pts, off)], False, 255, lw, cv2.LINE_AA, 4)

        paint(rgb, x0, y0, skin * 0.62, 0.8, nose_line)

        def mouth(mask, off):
            c = nose + np.array([0, 0.17 * U])
            cv2.ellipse(
                mask,
                tuple(fx(c, off)),
                (int(0.1 * U * 16), int((0.03 + smile) * U * 16)),
                0,
                0,
                180,
                255,
                -1,
                cv2.LINE_AA,
                4,
            )
            cv2.ellipse(
                mask,
                tuple(fx(c, off)),
                (int(0.1 * U * 16), int(0.018 * U * 16)),
                0,
                180,
                360,
                255,
                -1,
                cv2.LINE_AA,
                4,
            )

        paint(rgb, x0, y0, person.lip_colour, 0.9, mouth)

    return deco


def _strands(person: PersonSpec, skel: Skeleton, piece: Piece):
    """A few darker strand lines along a hair piece."""
    dark = np.asarray(person.hair_colour, dtype=np.float32) * 0.6 + 5
    rng = np.random.default_rng(person.seed + 7)
    U = skel.unit

    def deco(rgb, x0, y0):
        pts = piece.polys[0]
        c = pts.mean(axis=0)

        def draw(mask, off):
            for _ in range(5):
                a = pts[int(rng.integers(len(pts)))]
                b = lerp(a, c, rng.uniform(0.3, 0.7))
                cv2.polylines(
                    mask,
                    [fx(np.array([a, b]), off)],
                    False,
                    255,
                    max(1, int(0.02 * U)),
                    cv2.LINE_AA,
                    4,
                )

        paint(rgb, x0, y0, dark, 0.5, draw)

    return deco


def hair_back(person: PersonSpec, skel: Skeleton) -> Piece | None:
    """Hair that falls behind the head and shoulders (long, ponytail, curly), or None."""
    p, U = skel.points, skel.unit
    hc, rx, ry = p["head"], skel.head_rx, skel.head_ry
    style = person.hair_style
    if style == "long":
        top = hc - np.array([0, ry * 1.08])
        bottom_y = p["right_shoulder"][1] + 1.0 * U
        poly = np.array(
            [
                hc + np.array([-rx * 1.18, -ry * 0.3]),
                top + np.array([-rx * 0.6, 0]),
                top + np.array([rx * 0.6, 0]),
                hc + np.array([rx * 1.18, -ry * 0.3]),
                [hc[0] + rx * 1.35, bottom_y - 0.2 * U],
                [hc[0] + rx * 1.1, bottom_y],
                [hc[0] - rx * 1.1, bottom_y],
                [hc[0] - rx * 1.35, bottom_y - 0.2 * U],
            ]
        )
        poly = chaikin(poly, 2)
        return Piece([poly], top, np.array([hc[0], bottom_y]), rx * 1.2, rx * 1.3, 10)
    if style == "ponytail":
        side = 1.0 if person.seed % 2 else -1.0
        start = hc + np.array([side * rx * 0.7, -ry * 0.2])
        end = start + np.array([side * 0.35 * U, 1.3 * U])
        mid = lerp(start, end, 0.4) + np.array([side * 0.2 * U, 0])
        poly = tube([start, mid, end], [0.2 * U, 0.17 * U, 0.06 * U])
        return Piece([poly], start, end, 0.18 * U, 0.1 * U, 10)
    if style == "curly":
        t = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        rr = 1.0 + 0.06 * np.cos(t * 11)
        c = hc + np.array([0, -0.08 * U])
        poly = np.stack([c[0] + rx * 1.55 * rr * np.cos(t), c[1] + ry * 1.2 * rr * np.sin(t)], 1)
        return Piece([poly], c - np.array([0, ry]), c + np.array([0, ry]), rx * 1.5, rx * 1.5, 10)
    return None


def hair_front(person: PersonSpec, skel: Skeleton) -> list[Piece]:
    """Hair in front of the head: a cap shaped by the style, plus locks over the shoulders."""
    p, U = skel.points, skel.unit
    hc, rx, ry = p["head"], skel.head_rx, skel.head_ry
    style = person.hair_style
    pieces = []
    top = hc - np.array([0, ry])
    # Cap: the upper part of a slightly enlarged head ellipse, with a fringe edge.
    grow = {
        "buzz": 1.02,
        "bun": 1.05,
        "ponytail": 1.05,
        "short": 1.1,
        "bob": 1.12,
        "long": 1.1,
        "curly": 1.2,
    }[style]
    depth = {
        "buzz": -0.45,
        "bun": -0.4,
        "ponytail": -0.4,
        "short": -0.35,
        "bob": -0.3,
        "long": -0.35,
        "curly": -0.3,
    }[style]
    t = np.linspace(np.pi * 0.93, np.pi * 2.07, 30)
    arc = np.stack([hc[0] + np.cos(t) * rx * grow, hc[1] + np.sin(t) * ry * grow], 1)
    if style == "bob":
        arc_l = np.array(
            [[hc[0] + rx * 1.12, hc[1] + 0.75 * ry], [hc[0] + rx * 0.75, hc[1] + 0.8 * ry]]
        )
        arc_r = np.array(
            [[hc[0] - rx * 0.75, hc[1] + 0.8 * ry], [hc[0] - rx * 1.12, hc[1] + 0.75 * ry]]
        )
        fringe = np.array(
            [[hc[0] + rx * 0.75, hc[1] - 0.3 * ry], [hc[0] - rx * 0.75, hc[1] - 0.3 * ry]]
        )
        cap = np.concatenate(
            [
                arc,
                arc_l,
                [[hc[0] + rx * 0.8, hc[1] + 0.1 * ry]],
                fringe,
                [[hc[0] - rx * 0.8, hc[1] + 0.1 * ry]],
                arc_r,
            ]
        )
    else:
        part = 0.25 if person.seed % 3 else -0.25
        fringe = np.array(
            [
                [hc[0] + rx * 0.85, hc[1] + depth * 0.5 * ry],
                [hc[0] + rx * part, hc[1] + (depth - 0.15) * ry],
                [hc[0] - rx * 0.85, hc[1] + depth * 0.5 * ry],
            ]
        )
        side_drop = 0.15 if style in ("short", "long", "curly") else -0.05
        cap = np.concatenate(
            [
                [[hc[0] - rx * grow * 0.98, hc[1] + side_drop * ry]],
                arc,
                [[hc[0] + rx * grow * 0.98, hc[1] + side_drop * ry]],
                fringe,
            ]
        )
    cap = chaikin(cap, 1)
    pieces.append(Piece([cap], top, hc, rx, rx, 80, outline=0.3))
    if style == "bun":
        c = top + np.array([0, -0.12 * U])
        pieces.append(
            Piece(
                [ellipse(c, 0.22 * U, 0.18 * U, n=20)],
                c - np.array([0, 0.18 * U]),
                c + np.array([0, 0.18 * U]),
                0.22 * U,
                0.22 * U,
                79,
                outline=0.3,
            )
        )
    if style == "long":
        for side, sign in SIDES:
            a = hc + np.array([sign * rx * 1.0, -0.1 * ry])
            b = np.array([a[0] + sign * 0.05 * U, p[f"{side}_shoulder"][1] + 0.9 * U])
            m = lerp(a, b, 0.5) + np.array([sign * 0.12 * U, 0])
            lock = tube([a, m, b], [0.14 * U, 0.16 * U, 0.07 * U])
            pieces.append(Piece([lock], a, b, 0.15 * U, 0.1 * U, 81, outline=0.3))
    return pieces
