"""Animal silhouettes for `datagen.masks.silhouettes`: trotting dog and horse, flapping bird.

Quadrupeds share one model: an elliptic body on four two-segment legs that trot in
diagonal pairs (front-left with rear-right), hind legs with a backward hock, a neck
and head, ears, and a tail that wags (dog) or hangs and swishes (horse). Local units:
nose to rump is about 1, ground at y = 0, facing +x. The bird is seen from the side,
slightly from above, with near and far wings rotating about the body axis; its
reference point is the body centre.
"""
from __future__ import annotations

import math

import numpy as np

from datagen.masks.raster import capsule, ellipse
from datagen.masks.silhouettes import KINDS, Kind, _dir, _u, on_ground


# -- quadrupeds --------------------------------------------------------------------------
def dog_draw(rng: np.random.Generator) -> dict:
    return {"species": "dog", "body_rx": _u(rng, 0.25, 0.3), "body_ry": _u(rng, 0.085, 0.12),
            "leg": _u(rng, 0.24, 0.34), "leg_r": _u(rng, 0.026, 0.036), "neck": _u(rng, 0.1, 0.15),
            "neck_angle": _u(rng, 35, 60), "head": _u(rng, 0.065, 0.08), "snout": _u(rng, 0.08, 0.12),
            "ears": str(rng.choice(["pointy", "floppy"])), "tail": _u(rng, 0.14, 0.24),
            "tail_angle": _u(rng, 20, 70), "swing": _u(rng, 22, 32), "pace": _u(rng, 0.8, 1.4), "stride": 1.0}


def horse_draw(rng: np.random.Generator) -> dict:
    return {"species": "horse", "body_rx": _u(rng, 0.3, 0.34), "body_ry": _u(rng, 0.1, 0.125),
            "leg": _u(rng, 0.4, 0.46), "leg_r": _u(rng, 0.019, 0.024), "neck": _u(rng, 0.24, 0.3),
            "neck_angle": _u(rng, 48, 62), "head": _u(rng, 0.045, 0.055), "snout": _u(rng, 0.15, 0.2),
            "ears": "small", "tail": _u(rng, 0.28, 0.36), "tail_angle": _u(rng, -30, -10),
            "swing": _u(rng, 18, 26), "pace": _u(rng, 0.8, 1.3), "stride": 1.3}


def quadruped_pose(p: dict, phase: float) -> list:
    r = math.radians
    rx, ry, leg = p["body_rx"], p["body_ry"], p["leg"]
    cx, cy = -0.06, -(leg + ry * 0.55)
    cy += 0.012 * leg * math.cos(2 * phase)  # the trunk rises between footfalls
    polys = [ellipse(cx, cy, rx, ry, 0, 24)]
    upper, lower, lr = leg * 0.52, leg * 0.52, p["leg_r"]
    feet = []
    # (attachment x, phase offset, is_front, depth offset): FL+RR and FR+RL move together
    for ax, off, front, dx in ((cx + rx * 0.68, 0.0, True, 0.0), (cx - rx * 0.68, 0.0, False, 0.0),
                               (cx + rx * 0.68, math.pi, True, 0.025), (cx - rx * 0.68, math.pi, False, 0.025)):
        ph = phase + off
        swing = r(p["swing"]) * math.sin(ph)
        lift = max(0.0, math.cos(ph))
        top = np.array([ax + dx, cy + ry * 0.25])
        if front:
            a_up, a_low = swing - r(4), swing - r(4) - r(55) * lift
        else:
            a_up, a_low = swing + r(15), swing + r(15) - r(35) - r(30) * lift
        knee = top + upper * _dir(a_up)
        foot = knee + lower * _dir(a_low)
        paw = ellipse(foot[0] + lr * 0.6, foot[1] - lr * 0.2, lr * 1.3, lr * 0.8, 0, 10)
        polys += [capsule(top, knee, lr * (1.9 if not front else 1.5), lr * 1.1, 6),
                  capsule(knee, foot, lr * 1.05, lr * 0.85, 6), paw]
        feet.append(paw)
    # neck and head
    na = r(p["neck_angle"])
    base = np.array([cx + rx * 0.8, cy - ry * 0.25])
    head = base + p["neck"] * np.array([math.cos(na), -math.sin(na)])
    head[1] += 0.01 * math.sin(2 * phase)
    dog = p["species"] == "dog"
    polys.append(capsule(base, head, ry * (0.75 if dog else 0.6), p["head"] * 0.8, 6))
    hr = p["head"]
    polys.append(ellipse(head[0], head[1], hr * 1.05, hr * 0.9, 0, 14))
    snout_dir = r(15 if dog else 60)
    tip = head + p["snout"] * np.array([math.cos(snout_dir), math.sin(snout_dir)])
    polys.append(capsule(head, tip, hr * (0.6 if dog else 0.8), hr * (0.38 if dog else 0.6), 6))
    if p["ears"] == "pointy":
        polys.append(np.array([head + [-hr * 0.6, -hr * 0.5], head + [-hr * 0.1, -hr * 2.0], head + [hr * 0.3, -hr * 0.6]]))
    elif p["ears"] == "floppy":
        polys.append(capsule(head + [-hr * 0.3, -hr * 0.6], head + [-hr * 0.8, hr * 0.6], hr * 0.35, hr * 0.3, 5))
    else:
        polys.append(np.array([head + [-hr * 0.9, -hr * 0.5], head + [-hr * 0.7, -hr * 1.9], head + [-hr * 0.2, -hr * 0.7]]))
    # tail: wags (dog) or hangs and swishes (horse)
    root = np.array([cx - rx * 0.95, cy - ry * 0.35])
    if dog:
        ta = r(p["tail_angle"]) + r(18) * math.sin(3 * phase)
        mid = root + p["tail"] * 0.5 * np.array([-math.cos(ta), -math.sin(ta)])
        end = mid + p["tail"] * 0.5 * np.array([-math.cos(ta + r(25)), -math.sin(ta + r(25))])
        polys += [capsule(root, mid, 0.022, 0.018, 5), capsule(mid, end, 0.018, 0.01, 5)]
    else:
        ta = r(p["tail_angle"]) + r(8) * math.sin(phase)
        end = root + p["tail"] * np.array([-math.sin(-ta) * 0.6 - 0.15, math.cos(ta)])
        polys.append(capsule(root, end, 0.02, 0.04, 6))
        polys.append(capsule(base + [0.0, -ry * 0.3], head + [-hr * 0.9, 0.0], 0.022, 0.018, 4))  # mane
    return on_ground(polys, feet)


# -- bird --------------------------------------------------------------------------------
def bird_draw(rng: np.random.Generator) -> dict:
    return {"body_rx": _u(rng, 0.24, 0.3), "body_ry": _u(rng, 0.08, 0.11), "head": _u(rng, 0.07, 0.09),
            "wing": _u(rng, 0.5, 0.7), "chord": _u(rng, 0.24, 0.32), "flap": _u(rng, 45, 70),
            "tail": _u(rng, 0.16, 0.24), "pace": _u(rng, 0.9, 1.6), "stride": _u(rng, 0.35, 0.6)}


def bird_pose(p: dict, phase: float) -> list:
    rx, ry, hr = p["body_rx"], p["body_ry"], p["head"]
    bob = 0.02 * math.sin(phase + 0.5)
    polys = [ellipse(0.0, bob, rx, ry, -8, 20),
             ellipse(rx * 0.95, bob - ry * 0.7, hr, hr, 0, 12),
             np.array([[rx * 0.95 + hr * 0.8, bob - ry * 0.9], [rx * 0.95 + hr * 2.1, bob - ry * 0.5],
                       [rx * 0.95 + hr * 0.8, bob - ry * 0.3]]),
             np.array([[-rx * 0.7, bob - ry * 0.2], [-rx - p["tail"], bob - ry * 0.9],
                       [-rx - p["tail"] * 1.05, bob + ry * 0.4], [-rx * 0.7, bob + ry * 0.4]])]
    beta = math.radians(p["flap"]) * math.sin(phase)
    span = np.linspace(0.0, 1.0, 7)
    lead = 0.12 - 0.3 * span ** 2  # the leading edge sweeps back towards the tip
    chord = p["chord"] * (1 - 0.85 * span ** 1.5)
    for view in (0.45, -0.45):  # near and far wing: seen slightly from above, they spread apart
        s = span * p["wing"]
        y = -s * math.sin(beta) + view * s * math.cos(beta)
        front = np.stack([lead, y], 1)
        back = np.stack([lead - chord, y], 1)[::-1]
        polys.append(np.concatenate([front, back]) + np.array([0.0, bob - ry * 0.4]))
    return polys


KINDS["dog"] = Kind(dog_draw, quadruped_pose, speed=0.05, cycle=0.55, size=0.8)
KINDS["horse"] = Kind(horse_draw, quadruped_pose, speed=0.04, cycle=0.8, size=1.2)
KINDS["bird"] = Kind(bird_draw, bird_pose, speed=0.06, cycle=0.45, size=0.5, flies=True)
