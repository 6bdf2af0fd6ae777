"""Procedural object silhouettes with articulated poses: person, car, dog, horse, bird.

Each kind is a tiny kinematic model, not a blob: a person is a torso, head, neck and
two-segment arms and legs driven by a walk/run gait cycle (knees flex in the swing
phase, arms counter-swing, the body rises and falls because the feet stay on the
ground); a car is a body, cabin and wheels with suspension bounce and pitch; a dog or
horse (`datagen.masks.animals`) trots with diagonal leg pairs and a wagging or
swishing tail; a bird flaps its wings.

A kind is registered as `KIND(draw=..., pose=..., speed=..., cycle=..., flies=...)`:

- `draw(rng) -> dict` draws the body proportions and gait (JSON-able);
- `pose(params, phase) -> [polygon, ...]` returns (N, 2) polygons in local units for
  gait phase `phase` (radians): the object's larger extent is about 1, it faces +x,
  y points down, x = 0 is its middle and y = 0 is the ground under it (a bird's
  body centre for flying kinds);
- `speed` is its natural speed in local units per frame at 24 fps, `cycle` the
  distance covered by one gait cycle (so feet do not slide); a drawn `pace` and
  `stride` (default 1) scale them, e.g. a running person has pace 2.6, stride 1.5,
  and a standing one pace 0 (its gait phase then advances slowly: swaying);
  `size` is its typical larger extent relative to a person's height (car 1.3, bird 0.5).

Polygons are filled one by one (see `datagen.masks.raster`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from datagen.masks.raster import capsule, ellipse


@dataclass(frozen=True)
class Kind:
    draw: Callable[[np.random.Generator], dict]
    pose: Callable[[dict, float], list]
    speed: float  # local units per frame at 24 fps
    cycle: float  # local units per gait cycle
    size: float = 1.0  # typical larger extent relative to a person's height
    flies: bool = False


KINDS: dict[str, Kind] = {}


def _u(rng, lo, hi) -> float:
    return round(float(rng.uniform(lo, hi)), 4)


def _dir(angle: float) -> np.ndarray:
    """Unit vector for an angle measured from straight down, positive towards +x (forward)."""
    return np.array([math.sin(angle), math.cos(angle)])


def on_ground(polys: list, feet: list) -> list:
    """Shift polygons vertically so the lowest of the `feet` polygons touches y = 0."""
    lowest = max(float(p[:, 1].max()) for p in feet)
    return [p - np.array([0.0, lowest]) for p in polys]


# -- person ------------------------------------------------------------------------------
def person_draw(rng: np.random.Generator) -> dict:
    gait = str(rng.choice(["walk", "run", "stand"], p=[0.65, 0.2, 0.15]))
    run = gait == "run"
    hip = _u(rng, 0.49, 0.54)
    return {
        "gait": gait, "pace": {"walk": 1.0, "run": 2.6, "stand": 0.0}[gait], "stride": 1.5 if run else 1.0,
        "head": _u(rng, 0.056, 0.068), "torso": _u(rng, 0.12, 0.16), "hip": hip,
        "thigh": round((hip - 0.05) * 0.52, 4), "shin": round((hip - 0.05) * 0.48, 4),
        "upper_arm": _u(rng, 0.155, 0.18), "forearm": _u(rng, 0.15, 0.17),
        "leg_swing": _u(rng, 36, 46) if run else _u(rng, 18, 28),
        "arm_swing": _u(rng, 30, 45) if run else _u(rng, 12, 28),
        "knee_flex": _u(rng, 80, 105) if run else _u(rng, 35, 55),
        "elbow": _u(rng, 75, 95) if run else _u(rng, 8, 25),
        "lean": _u(rng, 7, 14) if run else _u(rng, 0, 4),
        "coat": bool(rng.random() < 0.2), "bag": bool(rng.random() < 0.15),
    }


def person_pose(p: dict, phase: float) -> list:
    r = math.radians
    stand = p["gait"] == "stand"
    hip = np.array([0.0, -p["hip"]])
    polys, feet = [], []
    for k in (0, 1):
        ph = phase + k * math.pi
        if stand:
            theta, flex = r(4) * (1 if k else -1) + r(2) * math.sin(ph), r(3)
        else:
            theta = r(p["leg_swing"]) * math.sin(ph)
            flex = r(p["knee_flex"]) * max(0.0, math.cos(ph)) ** 1.3 + r(6)
        knee = hip + p["thigh"] * _dir(theta)
        shin_a = theta - flex
        ankle = knee + p["shin"] * _dir(shin_a)
        fwd = np.array([math.cos(shin_a), -math.sin(shin_a)])
        foot = capsule(ankle - 0.02 * fwd, ankle + 0.085 * fwd, 0.022, 0.018, 5)
        polys += [capsule(hip, knee, 0.058, 0.043, 6), capsule(knee, ankle, 0.042, 0.028, 6), foot]
        feet.append(foot)
    lean = r(p["lean"])
    up = np.array([math.sin(lean), -math.cos(lean)])
    shoulder = hip + (0.82 - p["hip"]) * up
    head_c = hip + (1.0 - p["hip"] - p["head"]) * up + np.array([0.012, 0.0])
    w = p["torso"]
    polys.append(capsule(hip, shoulder, w * 0.45, w * 0.5, 7))
    polys.append(capsule(shoulder, head_c, 0.024, 0.024, 4))
    polys.append(ellipse(head_c[0], head_c[1], p["head"] * 0.92, p["head"] * 1.08, 0, 16))
    if p["coat"]:
        polys.append(np.array([shoulder + [w * 0.5, 0], shoulder - [w * 0.5, 0],
                               hip + [-w * 0.75, p["thigh"] * 0.8], hip + [w * 0.75, p["thigh"] * 0.8]]))
    for k in (0, 1):
        ph = phase + k * math.pi
        if stand:
            alpha, elbow = r(5) * math.sin(ph) * (1 if k else -1), r(8)
        else:
            alpha, elbow = -r(p["arm_swing"]) * math.sin(ph), r(p["elbow"])
        sh = shoulder + np.array([0.0, 0.03])
        el = sh + p["upper_arm"] * _dir(alpha + lean)
        hand = el + p["forearm"] * _dir(alpha + lean + elbow)
        polys += [capsule(sh, el, 0.033, 0.027, 6), capsule(el, hand, 0.026, 0.022, 6)]
        if p["bag"] and k == 0:
            polys.append(ellipse(hand[0], hand[1] + 0.06, 0.05, 0.065, 0, 10))
    return on_ground(polys, feet)


# -- car ---------------------------------------------------------------------------------
def car_draw(rng: np.random.Generator) -> dict:
    style = str(rng.choice(["sedan", "hatchback", "suv", "van", "pickup"], p=[0.35, 0.2, 0.2, 0.1, 0.15]))
    tall = style in ("suv", "van")
    return {
        "style": style, "clearance": _u(rng, 0.035, 0.06) if not tall else _u(rng, 0.05, 0.075),
        "body": _u(rng, 0.15, 0.2) if not tall else _u(rng, 0.19, 0.24),
        "cabin": _u(rng, 0.11, 0.15) if not tall else _u(rng, 0.14, 0.18),
        "wheel": _u(rng, 0.075, 0.09) if not tall else _u(rng, 0.085, 0.1),
        "axle": _u(rng, 0.3, 0.34), "bounce": _u(rng, 0.003, 0.008),
    }


def car_pose(p: dict, phase: float) -> list:
    c, hb, hc, rw = p["clearance"], p["body"], p["cabin"], p["wheel"]
    dy = p["bounce"] * math.sin(phase)
    pitch = 0.6 * p["bounce"] * math.sin(phase + 1.1)  # front and rear bounce out of step
    base, top = -c - rw * 0.35, -c - rw * 0.35 - hb
    body = np.array([[-0.5, base], [-0.5, top + 0.02], [-0.47, top], [0.36, top + 0.015],
                     [0.49, top + hb * 0.35], [0.5, base - 0.01], [0.48, base]])
    style = p["style"]
    if style == "van":
        cab = [[-0.49, top], [-0.47, top - hc], [0.22, top - hc], [0.36, top + 0.01]]
    elif style == "pickup":
        cab = [[-0.05, top], [-0.03, top - hc], [0.12, top - hc], [0.24, top]]
    elif style == "hatchback":
        cab = [[-0.47, top], [-0.38, top - hc], [0.05, top - hc], [0.22, top]]
    elif style == "suv":
        cab = [[-0.47, top], [-0.45, top - hc], [0.1, top - hc], [0.24, top]]
    else:
        cab = [[-0.38, top], [-0.22, top - hc], [0.06, top - hc], [0.24, top]]
    cab = [[cab[0][0], top + 0.03], *cab, [cab[-1][0], top + 0.03]]  # overlap the body: no seam
    polys = []
    for poly in (body, np.array(cab)):
        q = np.array(poly, np.float64)
        q[:, 1] += dy + pitch * q[:, 0]
        polys.append(q)
    for x in (-p["axle"] * 1.2 + 0.05, p["axle"] * 1.2 - 0.03):
        polys.append(ellipse(x, -rw, rw, rw, 0, 18))
    return polys


KINDS["person"] = Kind(person_draw, person_pose, speed=0.035, cycle=0.85)
KINDS["car"] = Kind(car_draw, car_pose, speed=0.035, cycle=0.5, size=1.3)

from datagen.masks import animals  # noqa: E402  (registers dog, horse, bird)

__all__ = ["KINDS", "Kind", "animals"]
