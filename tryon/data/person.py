"""People of the world: body specs, poses, and the posed skeleton in image pixels.

A :class:`PersonSpec` holds everything about a person that does not depend on the clothes:
proportions, skin tone, hair, face colours, shoes, pose and placement in the frame.
:func:`build_skeleton` turns it into a :class:`Skeleton` for a frame size: named joints in
pixels (COCO-17 keypoints of :mod:`tryon.body` plus helper points such as the neck base and
hand tips), limb radii and the head ellipse.

Geometry is laid out in "head units" (the head is 1 unit tall, a fashion-illustration figure
is about 8 heads tall), then scaled and translated so the whole figure (hair, raised hands
and shoes included) spans ``height_frac`` of the frame height, or less if it would be too
wide. Left and right are the person's: the person faces the camera, so their left side is
on the image's right (+x).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tryon.body import KEYPOINT_NAMES

SKIN_TONES: tuple[tuple[int, int, int], ...] = (
    (255, 224, 196),
    (241, 194, 160),
    (224, 172, 128),
    (198, 144, 100),
    (170, 112, 74),
    (141, 85, 54),
    (110, 66, 42),
    (84, 50, 34),
)
HAIR_COLOURS: dict[str, tuple[int, int, int]] = {
    "black": (28, 24, 24),
    "dark brown": (62, 40, 28),
    "brown": (104, 68, 42),
    "auburn": (140, 62, 34),
    "blonde": (222, 188, 120),
    "platinum": (232, 226, 208),
    "grey": (160, 158, 156),
    "ginger": (196, 100, 44),
    "pink": (226, 120, 170),
    "blue": (60, 100, 190),
}
HAIR_STYLES: tuple[str, ...] = ("short", "long", "bob", "bun", "ponytail", "buzz", "curly")
ARM_POSES: tuple[str, ...] = ("down", "raised", "out", "bent", "hip")
LEG_POSES: tuple[str, ...] = ("together", "apart")
SHOE_COLOURS: tuple[tuple[int, int, int], ...] = (
    (30, 30, 32),
    (240, 240, 236),
    (110, 70, 40),
    (150, 30, 40),
    (60, 70, 110),
)


@dataclass(frozen=True)
class Pose:
    """Joint angles in degrees. Arm ``abduction`` is measured from hanging straight down,
    positive away from the body; ``bend`` is the forearm's angle relative to the upper arm,
    negative towards the body's midline. ``kind`` is one of :data:`ARM_POSES` (``"hip"``
    puts the hand on the hip by inverse kinematics and ignores the angles). Leg
    ``spread`` is each leg's angle from vertical, positive outwards."""

    right_arm: tuple[str, float, float] = ("down", 8.0, 0.0)
    left_arm: tuple[str, float, float] = ("down", 8.0, 0.0)
    right_leg: float = 3.0
    left_leg: float = 3.0
    head_tilt: float = 0.0
    head_turn: float = 0.0  # -1..1, the face turned towards the person's right (-) or left (+)


@dataclass(frozen=True)
class PersonSpec:
    """A person, in head units (see the module docstring) and colours as sRGB 0..255."""

    skin: tuple[int, int, int] = SKIN_TONES[2]
    hair_style: str = "short"
    hair_colour: tuple[int, int, int] = HAIR_COLOURS["brown"]
    eye_colour: tuple[int, int, int] = (70, 50, 30)
    lip_colour: tuple[int, int, int] = (180, 90, 90)
    shoe_colour: tuple[int, int, int] = SHOE_COLOURS[0]
    barefoot: bool = False
    shoulder: float = 0.85  # half shoulder width
    waist: float = 0.62  # half waist width
    hips: float = 0.5  # half distance between the hip joints
    limb: float = 1.0  # limb thickness factor
    legs: float = 1.0  # leg length factor
    arms: float = 1.0  # arm length factor
    neck: float = 1.0  # neck length factor
    pose: Pose = field(default_factory=Pose)
    height_frac: float = 0.92  # fraction of the frame height the figure spans
    x_offset: float = 0.0  # -1..1, horizontal placement within the free margin
    seed: int = 0  # details (hair strands, face) that need their own randomness


def _sample_arm(rng: np.random.Generator, kind: str) -> tuple[str, float, float]:
    if kind == "down":
        return (kind, float(rng.uniform(4, 14)), float(rng.uniform(-8, 12)))
    if kind == "raised":
        return (kind, float(rng.uniform(125, 160)), float(rng.uniform(-25, 10)))
    if kind == "out":
        return (kind, float(rng.uniform(40, 75)), float(rng.uniform(-10, 45)))
    if kind == "bent":
        return (kind, float(rng.uniform(6, 22)), float(rng.uniform(-115, -70)))
    return ("hip", 0.0, 0.0)


def sample_pose(rng: np.random.Generator) -> Pose:
    """Sample a pose: arms down, raised, out, bent or on the hips; legs together or apart."""
    preset = rng.choice(
        ["down", "hips", "one_hip", "raised_one", "bent", "out", "mixed"],
        p=[0.28, 0.14, 0.12, 0.1, 0.12, 0.08, 0.16],
    )
    if preset == "down":
        kinds = ("down", "down")
    elif preset == "hips":
        kinds = ("hip", "hip")
    elif preset == "one_hip":
        kinds = ("hip", "down")
    elif preset == "raised_one":
        kinds = ("raised", "down")
    elif preset == "bent":
        kinds = ("bent", "bent") if rng.random() < 0.5 else ("bent", "down")
    elif preset == "out":
        kinds = ("out", "out")
    else:
        kinds = tuple(rng.choice(ARM_POSES, size=2))
    if rng.random() < 0.5:
        kinds = kinds[::-1]
    apart = rng.random() < 0.4
    spread = (lambda: float(rng.uniform(7, 14))) if apart else (lambda: float(rng.uniform(1, 4)))
    return Pose(
        right_arm=_sample_arm(rng, str(kinds[0])),
        left_arm=_sample_arm(rng, str(kinds[1])),
        right_leg=spread(),
        left_leg=spread(),
        head_tilt=float(rng.uniform(-6, 6)),
        head_turn=float(rng.uniform(-1, 1) if rng.random() < 0.3 else rng.uniform(-0.2, 0.2)),
    )


def sample_person(rng: np.random.Generator) -> PersonSpec:
    """Sample a person: proportions, colours, hair, shoes, pose and placement."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    tone = np.array(SKIN_TONES[int(rng.integers(len(SKIN_TONES)))], dtype=np.float64)
    tone = np.clip(tone * rng.uniform(0.95, 1.04) + rng.normal(0, 3, 3), 0, 255)
    build = rng.uniform(-1, 1)  # -1 narrow hips / broad shoulders .. 1 the reverse
    hair_names = list(HAIR_COLOURS)
    weights = np.array([3, 3, 3, 1.5, 2, 0.5, 0.7, 1, 0.3, 0.3])
    hair = hair_names[int(rng.choice(len(hair_names), p=weights / weights.sum()))]
    eye = ((70, 50, 30), (40, 30, 20), (60, 100, 140), (70, 110, 70))[int(rng.integers(4))]
    lip = np.clip(tone * np.array([0.82, 0.55, 0.55]) + np.array([20, 0, 5]), 0, 255)
    return PersonSpec(
        skin=tuple(int(round(v)) for v in tone),
        hair_style=str(rng.choice(HAIR_STYLES)),
        hair_colour=HAIR_COLOURS[hair],
        eye_colour=eye,
        lip_colour=tuple(int(v) for v in lip),
        shoe_colour=SHOE_COLOURS[int(rng.integers(len(SHOE_COLOURS)))],
        barefoot=bool(rng.random() < 0.08),
        shoulder=float(rng.uniform(0.76, 0.92) - 0.05 * build),
        waist=float(rng.uniform(0.5, 0.66) + 0.03 * build),
        hips=float(rng.uniform(0.42, 0.5) + 0.05 * build),
        limb=float(rng.uniform(0.85, 1.15)),
        legs=float(rng.uniform(0.94, 1.06)),
        arms=float(rng.uniform(0.96, 1.04)),
        neck=float(rng.uniform(0.85, 1.15)),
        pose=sample_pose(rng),
        height_frac=float(rng.uniform(0.84, 0.95)),
        x_offset=float(rng.uniform(-1, 1)),
        seed=int(rng.integers(2**31)),
    )


@dataclass
class Skeleton:
    """A posed figure in image pixels.

    ``points`` maps names to ``(2,)`` float arrays (x, y): the 17 names of
    :data:`tryon.body.KEYPOINT_NAMES` plus ``head`` (head-ellipse centre), ``neck_base``,
    ``chin``, ``waist_right``/``waist_left``, ``crotch``, ``*_hand_tip`` and ``*_toe``.
    ``unit`` is the head height in pixels; ``radii`` maps limb joints to half-widths in
    pixels; ``head_rx``/``head_ry`` are the head ellipse radii.
    """

    points: dict[str, np.ndarray]
    radii: dict[str, float]
    unit: float
    head_rx: float
    head_ry: float
    height: int
    width: int
    hidden: frozenset[str] = frozenset()  # keypoints hidden by a head turn (far ear)

    def keypoints(self) -> np.ndarray:
        """``(17, 3)`` float32 keypoints in :data:`tryon.body.KEYPOINT_NAMES` order.

        Visibility is 1, except 0 for an ear hidden by a strong head turn. Joints covered by
        another body part (an arm across the body) still count as visible."""
        kp = np.ones((len(KEYPOINT_NAMES), 3), dtype=np.float32)
        for i, name in enumerate(KEYPOINT_NAMES):
            kp[i, :2] = self.points[name]
            if name in self.hidden:
                kp[i, 2] = 0.0
        return kp

    def side(self, name: str) -> float:
        """Image-x sign of a side name: ``-1`` for ``right`` (image left), ``+1`` for ``left``."""
        return -1.0 if name.startswith("right") else 1.0


def _arm(shoulder, kind, abd, bend, sign, l1, l2, hip_target):
    """Elbow and wrist for one arm (head units)."""
    if kind == "hip":
        target = hip_target
        d = target - shoulder
        dist = float(np.clip(np.linalg.norm(d), 1e-6, (l1 + l2) * 0.995))
        cos_a = (l1 * l1 + dist * dist - l2 * l2) / (2 * l1 * dist)
        a = float(np.arccos(np.clip(cos_a, -1, 1)))
        base = np.arctan2(d[1], d[0])
        # Elbow outwards: rotate away from the body's midline.
        cand = [base + a, base - a]
        elbows = [shoulder + l1 * np.array([np.cos(t), np.sin(t)]) for t in cand]
        elbow = max(elbows, key=lambda e: e[0] * sign)
        wrist = elbow + _unit(target - elbow) * l2
        return elbow, wrist
    a1 = np.radians(abd)
    dir1 = np.array([sign * np.sin(a1), np.cos(a1)])
    elbow = shoulder + l1 * dir1
    a2 = np.radians(abd + bend)
    dir2 = np.array([sign * np.sin(a2), np.cos(a2)])
    return elbow, elbow + l2 * dir2


def _unit(v):
    return v / max(float(np.linalg.norm(v)), 1e-9)


def build_skeleton(person: PersonSpec, height: int, width: int) -> Skeleton:
    """Pose ``person`` and place it in a ``height`` x ``width`` frame (see module docstring)."""
    if height < 16 or width < 16:
        raise ValueError(f"frame must be at least 16x16, got {height}x{width}")
    pose = person.pose
    u: dict[str, np.ndarray] = {}
    head = np.array([0.0, 0.5])
    u["head"] = head
    hrx, hry = 0.37, 0.5
    neck_base = np.array([0.0, 1.0 + 0.24 * person.neck])
    u["neck_base"] = neck_base
    u["chin"] = np.array([0.0, 0.98])
    sh_y = neck_base[1] + 0.16
    leg_len = person.legs
    hip_y = sh_y + 2.4
    for side, sign in (("right", -1.0), ("left", 1.0)):
        u[f"{side}_shoulder"] = np.array([sign * person.shoulder, sh_y])
        u[f"{side}_hip"] = np.array([sign * person.hips, hip_y])
        u[f"waist_{side}"] = np.array([sign * person.waist, sh_y + 1.5])
    u["crotch"] = np.array([0.0, hip_y + 0.38])
    l1, l2 = 1.45 * person.arms, 1.2 * person.arms
    for side, sign in (("right", -1.0), ("left", 1.0)):
        kind, abd, bend = getattr(pose, f"{side}_arm")
        target = np.array([sign * (person.hips + 0.32 * person.limb + 0.05), hip_y - 0.55])
        elbow, wrist = _arm(u[f"{side}_shoulder"], kind, abd, bend, sign, l1, l2, target)
        u[f"{side}_elbow"] = elbow
        u[f"{side}_wrist"] = wrist
        hand_dir = _unit(wrist - elbow)
        if kind == "hip":
            hand_dir = _unit(np.array([-sign * 0.45, 1.0]))
        u[f"{side}_hand_tip"] = wrist + hand_dir * 0.62
        spread = np.radians(getattr(pose, f"{side}_leg"))
        thigh, shin = 2.0 * leg_len, 1.78 * leg_len
        knee = u[f"{side}_hip"] + thigh * np.array([sign * np.sin(spread), np.cos(spread)])
        shin_a = spread * 0.8
        ankle = knee + shin * np.array([sign * np.sin(shin_a), np.cos(shin_a)])
        u[f"{side}_knee"] = knee
        u[f"{side}_ankle"] = ankle
        u[f"{side}_toe"] = ankle + np.array([sign * 0.1, 0.3])
    tilt = np.radians(pose.head_tilt)
    turn = float(np.clip(pose.head_turn, -1.0, 1.0))
    # A head turn slides the face towards the turn and hides the ear on that side.
    face_dx = np.sin(tilt) * 0.06 + turn * 0.07
    u["nose"] = head + np.array([face_dx + turn * 0.03, 0.14])
    hidden = set()
    for side, sign in (("right", -1.0), ("left", 1.0)):
        u[f"{side}_eye"] = head + np.array([face_dx + sign * 0.15 * (1 - 0.25 * abs(turn)), 0.0])
        u[f"{side}_ear"] = head + np.array([sign * hrx * 0.97, 0.04])
        if turn * sign > 0.5:
            hidden.add(f"{side}_ear")

    radii = {
        "shoulder": 0.21 * person.limb,
        "elbow": 0.15 * person.limb,
        "wrist": 0.1 * person.limb,
        "hip": 0.4 * person.limb,
        "knee": 0.2 * person.limb,
        "calf": 0.23 * person.limb,
        "ankle": 0.11 * person.limb,
        "neck": 0.19 + 0.02 * person.limb,
        "hand": 0.13 * person.limb,
    }
    # Extent of the figure in head units, including hair volume, hands and shoes.
    pts = np.stack(list(u.values()))
    xmin = min(pts[:, 0].min() - 0.25, -hrx - 0.3)
    xmax = max(pts[:, 0].max() + 0.25, hrx + 0.3)
    ymin = min(pts[:, 1].min() - 0.2, -0.12)
    ymax = max(u["right_ankle"][1], u["left_ankle"][1]) + 0.38
    scale = person.height_frac * height / (ymax - ymin)
    scale = min(scale, 0.96 * width / (xmax - xmin))
    span_w = (xmax - xmin) * scale
    free = max(width - span_w, 0.0)
    x_left = free / 2 + person.x_offset * free * 0.4
    bottom_margin = (height - (ymax - ymin) * scale) * 0.35
    ty = height - bottom_margin - ymax * scale
    tx = x_left - xmin * scale
    points = {k: np.array([v[0] * scale + tx, v[1] * scale + ty]) for k, v in u.items()}
    return Skeleton(
        points=points,
        radii={k: v * scale for k, v in radii.items()},
        unit=scale,
        head_rx=hrx * scale,
        head_ry=hry * scale,
        height=height,
        width=width,
        hidden=frozenset(hidden),
    )
