"""How an animated icon changes over the clip: one motion per icon, parameters from ranges.

- static:  stays put (a multi-frame sprite still animates)
- blink:   on/off with a period and duty cycle ("LIVE" dots, REC lights)
- pulse:   opacity or scale oscillates (a beating heart, a breathing badge)
- jump:    bounces with gravity and restitution, relaunched when it runs out of energy
           (a bouncing arrow); with `inside`, it never leaves the frame
- move:    roams on a linear (bouncing off the borders) or smooth (B-spline) path at
           constant speed, or slides in from / out of an edge ("subscribe" buttons), or
           flies across; with `inside`, it only roams inside the frame
- rotate:  spins or wobbles
- appear:  appears and/or disappears at random frames (cut, fade or pop)

`plan_motion` returns the motion's drawn parameters and a per-frame `track` of centre
position, scale, angle, opacity and visibility; everything is plain JSON.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pydantic import Field

from datagen.recipe.dist import Cat, Num
from datagen.recipe.schema import Strict

MOTIONS = ["static", "blink", "pulse", "jump", "move", "rotate", "appear"]
PULSE_WHAT = ["scale", "opacity"]
MOVE_MODES = ["roam", "enter", "leave", "across"]
MOVE_PATHS = ["linear", "smooth"]
ROTATE_MODES = ["spin", "wobble"]
APPEAR_MODES = ["appear", "disappear", "both"]
TRANSITIONS = ["cut", "fade", "pop"]
MIN_SPEED_PX = 2.2  # px per frame: a roaming icon visibly moves on every frame


class BlinkSpec(Strict):
    period: Num(0.05, 60) = {"uniform": [0.4, 1.2]}  # seconds per on+off cycle
    duty: Num(0.05, 0.95) = {"uniform": [0.35, 0.7]}  # share of the cycle the icon is on


class PulseSpec(Strict):
    what: Cat(PULSE_WHAT) = {"choice": PULSE_WHAT, "weights": [0.6, 0.4]}
    period: Num(0.05, 60) = {"uniform": [0.5, 1.4]}  # seconds
    scale_amount: Num(0, 0.9) = {"uniform": [0.08, 0.3]}  # scale swings 1 +- this
    opacity_amount: Num(0, 0.95) = {"uniform": [0.35, 0.85]}  # opacity dips by this share


class JumpSpec(Strict):
    height: Num(0, 1) = {"uniform": [0.08, 0.35]}  # first bounce height / frame height
    period: Num(0.1, 10) = {"uniform": [0.4, 1.0]}  # seconds of the first bounce (up and down)
    restitution: Num(0, 1) = {"uniform": [0.5, 0.85]}  # speed kept at each bounce
    drift_p: float = Field(0.5, ge=0, le=1, description="chance of drifting sideways while bouncing")
    drift: Num(0, 10) = {"uniform": [0.1, 0.45]}  # frame widths per second
    inside: bool = Field(True, description="stay fully inside the frame (bounce off the sides)")


class MoveSpec(Strict):
    mode: Cat(MOVE_MODES) = {"choice": MOVE_MODES, "weights": [2, 2, 1, 1]}
    path: Cat(MOVE_PATHS) = {"choice": MOVE_PATHS, "weights": [1, 1]}
    speed: Num(0, 20) = {"uniform": [0.15, 0.6]}  # roaming speed, frame widths per second
    inside: bool = Field(False, description="stay fully inside the frame (then only 'roam' is used)")


class RotateSpec(Strict):
    mode: Cat(ROTATE_MODES) = {"choice": ROTATE_MODES, "weights": [0.5, 0.5]}
    speed: Num(0, 3600) = {"uniform": [90, 360]}  # spin, degrees per second
    amplitude: Num(0, 180) = {"uniform": [8, 25]}  # wobble, degrees
    period: Num(0.05, 60) = {"uniform": [0.4, 1.2]}  # wobble, seconds


class AppearSpec(Strict):
    mode: Cat(APPEAR_MODES) = {"choice": APPEAR_MODES, "weights": [2, 1, 1]}
    transition: Cat(TRANSITIONS) = {"choice": TRANSITIONS, "weights": [1, 1, 1]}
    duration: Num(0, 10) = {"uniform": [0.1, 0.35]}  # seconds of the fade or pop


class MotionSpec(Strict):
    type: Cat(MOTIONS) = {"choice": MOTIONS, "weights": [0.5, 1.5, 1.5, 1.2, 1.5, 1.0, 1.0]}
    blink: BlinkSpec = BlinkSpec()
    pulse: PulseSpec = PulseSpec()
    jump: JumpSpec = JumpSpec()
    move: MoveSpec = MoveSpec()
    rotate: RotateSpec = RotateSpec()
    appear: AppearSpec = AppearSpec()


@dataclass(frozen=True)
class Stage:
    """The frame and the icon: W x H frame, w x h icon (largest extent over the motion), T frames."""
    W: int
    H: int
    w: int
    h: int
    T: int
    fps: float

    def region(self) -> tuple[float, float, float, float]:
        """Centre positions that keep the icon fully inside: x0, y0, x1, y1."""
        x0, y0 = self.w / 2, self.h / 2
        x1, y1 = max(self.W - self.w / 2, x0), max(self.H - self.h / 2, y0)
        return x0, y0, x1, y1


def extents(track: dict, w: int, h: int) -> tuple[int, int]:
    """Largest width and height the icon reaches over its track (scale and rotation)."""
    ew, eh = float(w), float(h)
    for k, a in zip(track["scale"], track["angle"]):
        c, s = abs(math.cos(math.radians(a))), abs(math.sin(math.radians(a)))
        ew = max(ew, k * (w * c + h * s))
        eh = max(eh, k * (w * s + h * c))
    return int(math.ceil(ew)) + 2, int(math.ceil(eh)) + 2


def base_track(T: int, cx: float, cy: float) -> dict:
    return {"cx": [cx] * T, "cy": [cy] * T, "scale": [1.0] * T, "angle": [0.0] * T, "opacity": [1.0] * T,
            "visible": [True] * T}


def _wave(t: np.ndarray, period_frames: float, phase: float) -> np.ndarray:
    return np.sin(2 * np.pi * t / max(period_frames, 1e-6) + phase)


def blink(rng, spec: BlinkSpec, st: Stage, tr: dict) -> dict:
    period = max(2, int(round(spec.period.sample(rng) * st.fps)))
    on = min(max(1, int(round(spec.duty.sample(rng) * period))), period - 1)
    # a phase that shows the icon at least once in the clip
    phases = [p for p in range(period) if any((t + p) % period < on for t in range(st.T))]
    phase = phases[int(rng.integers(len(phases)))]
    tr["visible"] = [bool((t + phase) % period < on) for t in range(st.T)]
    return {"period_frames": period, "on_frames": on, "phase": phase}


def pulse(rng, spec: PulseSpec, st: Stage, tr: dict) -> dict:
    what = spec.what.sample(rng)
    period = spec.period.sample(rng) * st.fps
    phase = float(rng.uniform(0, 2 * np.pi))
    w = _wave(np.arange(st.T, dtype=np.float64), period, phase)
    if what == "scale":
        amount = float(spec.scale_amount.sample(rng))
        tr["scale"] = [round(1.0 + amount * float(v), 4) for v in w]
    else:
        amount = float(spec.opacity_amount.sample(rng))
        tr["opacity"] = [round(1.0 - amount * (0.5 + 0.5 * float(v)), 4) for v in w]
    return {"what": what, "period_frames": round(period, 3), "amount": round(amount, 4), "phase": round(phase, 4)}


def jump(rng, spec: JumpSpec, st: Stage, tr: dict) -> dict:
    x0, y0, x1, y1 = st.region()
    floor = float(rng.uniform(y0 + 0.5 * (y1 - y0), y1)) if y1 > y0 else y0
    height = min(spec.height.sample(rng) * st.H, floor - y0)
    period = spec.period.sample(rng)
    e = float(spec.restitution.sample(rng))
    g = 8.0 * max(height, 1e-3) / period ** 2  # px / s^2: a bounce of `height` takes `period`
    v0 = math.sqrt(2.0 * g * max(height, 1e-3))
    vx = 0.0
    if rng.random() < spec.drift_p:
        vx = float(spec.drift.sample(rng)) * st.W * (1 if rng.random() < 0.5 else -1)
    x = float(rng.uniform(x0, x1))
    y, vy = 0.0, v0  # height above the floor, upward speed
    steps, dt = 8, 1.0 / (8 * st.fps)
    preroll = int(rng.integers(0, max(1, int(period * st.fps * steps))))
    xs, ys = [], []
    for i in range(preroll + st.T * steps):
        y += vy * dt
        vy -= g * dt
        if y < 0:
            y = -y
            vy = abs(vy) * e
            if vy < math.sqrt(0.3) * v0:  # ran out of energy: jump again
                vy = v0
        x += vx * dt
        if spec.inside and x1 > x0:
            if x < x0 or x > x1:
                x = 2 * x0 - x if x < x0 else 2 * x1 - x
                vx = -vx
        if i >= preroll and (i - preroll) % steps == 0:
            xs.append(round(x, 2))
            ys.append(round(floor - y, 2))
    tr["cx"], tr["cy"] = xs, ys
    return {"floor_y": round(floor, 2), "height_px": round(height, 2), "period_s": round(period, 3),
            "restitution": round(e, 3), "drift_px_s": round(vx, 2), "inside": spec.inside}


def _bspline(points: np.ndarray, per_segment: int = 24) -> np.ndarray:
    """Dense samples of the uniform cubic B-spline of control points (inside their convex hull)."""
    u = np.linspace(0, 1, per_segment, endpoint=False)[:, None]
    b = [(1 - u) ** 3 / 6, (3 * u ** 3 - 6 * u ** 2 + 4) / 6, (-3 * u ** 3 + 3 * u ** 2 + 3 * u + 1) / 6, u ** 3 / 6]
    segs = [b[0] * points[i] + b[1] * points[i + 1] + b[2] * points[i + 2] + b[3] * points[i + 3]
            for i in range(len(points) - 3)]
    return np.concatenate(segs + [points[-3:-2] / 6 + 4 * points[-2:-1] / 6 + points[-1:] / 6])


def _along(poly: np.ndarray, dist: np.ndarray) -> np.ndarray:
    seg = np.linalg.norm(np.diff(poly, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    return np.stack([np.interp(dist, s, poly[:, 0]), np.interp(dist, s, poly[:, 1])], axis=1)


def _pingpong(v: np.ndarray, lo: float, hi: float) -> np.ndarray:
    if hi <= lo:
        return np.full_like(v, lo)
    span = hi - lo
    m = np.mod(v - lo, 2 * span)
    return lo + np.where(m > span, 2 * span - m, m)


def _next_point(rng, p0: np.ndarray, heading: float, span: float, box) -> tuple[float, np.ndarray]:
    """The next control point of a smooth path: ahead of `p0`, inside `box`, turning at most
    100 degrees (150 near a border), so the curve never folds back on itself (no cusps)."""
    x0, y0, x1, y1 = box
    for max_turn, lo, hi, tries in ((1.75, 0.3, 0.7, 16), (2.6, 0.15, 0.4, 48)):
        for _ in range(tries):
            h = heading + float(rng.uniform(-max_turn, max_turn))
            p = p0 + float(rng.uniform(lo, hi)) * span * np.array([math.cos(h), math.sin(h)])
            if x0 <= p[0] <= x1 and y0 <= p[1] <= y1:
                return h, p
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])  # cornered: head for the middle
    d = centre - p0
    return math.atan2(d[1], d[0]), p0 + 0.5 * d


def _roam(rng, spec: MoveSpec, st: Stage, path: str) -> tuple[np.ndarray, dict]:
    x0, y0, x1, y1 = st.region()
    speed = max(MIN_SPEED_PX, float(spec.speed.sample(rng)) * st.W / st.fps)
    t = np.arange(st.T, dtype=np.float64)
    start = np.array([rng.uniform(x0, x1), rng.uniform(y0, y1)])
    if path == "linear":  # straight lines, bouncing off the borders (like a screensaver logo)
        a = float(rng.uniform(0, 2 * np.pi))
        c, s = math.cos(a), math.sin(a)
        if abs(c) < 0.5 or abs(s) < 0.5:  # diagonal-ish, so both axes keep moving
            c, s = math.copysign(0.7071, c), math.copysign(0.7071, s)
        pos = np.stack([_pingpong(start[0] + c * speed * t, x0, x1), _pingpong(start[1] + s * speed * t, y0, y1)], 1)
        return pos, {"speed_px": round(speed, 3), "direction_deg": round(math.degrees(math.atan2(s, c)), 2)}
    need = speed * (st.T - 1) + 1
    span = max(min(x1 - x0, y1 - y0), 1.0)
    pts = [start, start]  # a doubled first point: the curve starts there
    heading = float(rng.uniform(0, 2 * np.pi))
    length = 0.0
    while length < need and len(pts) < 256:
        heading, p = _next_point(rng, pts[-1], heading, span, (x0, y0, x1, y1))
        pts.append(p)
        if len(pts) >= 4:
            poly = _bspline(np.array(pts))
            length = float(np.linalg.norm(np.diff(poly, axis=0), axis=1).sum())
    poly = _bspline(np.array(pts + [pts[-1]]))
    return _along(poly, t * speed), {"speed_px": round(speed, 3), "control_points": len(pts)}


def _ease(u: np.ndarray, kind: str) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    if kind == "out":
        return 1 - (1 - u) ** 2
    if kind == "in":
        return u ** 2
    return u


def _offscreen(rng, st: Stage, p: np.ndarray) -> tuple[str, np.ndarray]:
    edge = ["left", "right", "bottom", "top"][int(rng.choice(4, p=[0.35, 0.35, 0.2, 0.1]))]
    q = p.copy()
    if edge == "left":
        q[0] = -st.w / 2 - 2
    elif edge == "right":
        q[0] = st.W + st.w / 2 + 2
    elif edge == "top":
        q[1] = -st.h / 2 - 2
    else:
        q[1] = st.H + st.h / 2 + 2
    return edge, q


def move(rng, spec: MoveSpec, st: Stage, tr: dict, rest: tuple[float, float]) -> dict:
    mode = "roam" if spec.inside else spec.mode.sample(rng)
    path = spec.path.sample(rng)
    t = np.arange(st.T, dtype=np.float64)
    params: dict = {"mode": mode, "path": path, "inside": spec.inside}
    R = np.array(rest, np.float64)
    if mode == "roam":
        pos, extra = _roam(rng, spec, st, path)
        params.update(extra)
    elif mode in ("enter", "leave"):
        edge, S = _offscreen(rng, st, R)
        if mode == "enter":  # off-frame at the start, settled inside by 35-80 % of the clip
            ts = float(rng.uniform(0.0, 0.2)) * st.T
            te = float(rng.uniform(0.35, 0.8)) * st.T
            u = _ease((t - ts) / max(te - ts, 1.0), "out" if path == "smooth" else "linear")
            pos = S + (R - S) * u[:, None]
        else:  # rests, then is gone by 90 % of the clip at the latest
            ts = float(rng.uniform(0.05, 0.45)) * st.T
            te = ts + float(rng.uniform(0.25, 0.45)) * st.T
            u = _ease((t - ts) / max(te - ts, 1.0), "in" if path == "smooth" else "linear")
            pos = R + (S - R) * u[:, None]
        params.update(edge=edge, start_frame=round(ts, 2), end_frame=round(te, 2), rest=[round(v, 2) for v in R])
    else:  # across: off one edge, through the frame, off the opposite edge
        edge, S = _offscreen(rng, st, R)
        E = np.array([st.W, st.H], np.float64) - S  # the opposite edge...
        x0, y0, x1, y1 = st.region()
        if edge in ("left", "right"):  # ...at another height or column
            E[1] = float(rng.uniform(y0, y1))
        else:
            E[0] = float(rng.uniform(x0, x1))
        ts = float(rng.uniform(-0.3, 0.1)) * st.T
        te = float(rng.uniform(0.9, 1.5)) * st.T
        u = _ease((t - ts) / max(te - ts, 1.0), "linear")
        pos = S + (E - S) * u[:, None]
        if path == "smooth":  # a gentle wave across the straight line
            n = np.array([-(E - S)[1], (E - S)[0]]) / max(np.linalg.norm(E - S), 1e-6)
            amp = float(rng.uniform(0.05, 0.15)) * st.H
            pos = pos + n * (amp * np.sin(2 * np.pi * u * float(rng.uniform(0.5, 1.5))))[:, None]
        params.update(edge=edge, start_frame=round(ts, 2), end_frame=round(te, 2))
    tr["cx"] = [round(float(v), 2) for v in pos[:, 0]]
    tr["cy"] = [round(float(v), 2) for v in pos[:, 1]]
    return params


def rotate(rng, spec: RotateSpec, st: Stage, tr: dict) -> dict:
    mode = spec.mode.sample(rng)
    t = np.arange(st.T, dtype=np.float64)
    if mode == "spin":
        speed = float(spec.speed.sample(rng)) * (1 if rng.random() < 0.5 else -1)
        a0 = float(rng.uniform(0, 360))
        tr["angle"] = [round(float((a0 + speed * v / st.fps) % 360), 2) for v in t]
        return {"mode": mode, "deg_per_s": round(speed, 2)}
    amp = float(spec.amplitude.sample(rng))
    period = spec.period.sample(rng) * st.fps
    phase = float(rng.uniform(0, 2 * np.pi))
    tr["angle"] = [round(float(amp * w), 2) for w in _wave(t, period, phase)]
    return {"mode": mode, "amplitude_deg": round(amp, 2), "period_frames": round(period, 3)}


def appear(rng, spec: AppearSpec, st: Stage, tr: dict) -> dict:
    mode = spec.mode.sample(rng)
    kind = spec.transition.sample(rng)
    n = max(1, int(round(spec.duration.sample(rng) * st.fps))) if kind != "cut" else 0
    T = st.T
    if T < 3:  # no room to appear and disappear inside the clip
        mode = "appear" if T == 2 else "none"
    a = int(rng.integers(1, T // 2 + 1)) if mode in ("appear", "both") else 0
    d = int(rng.integers(max(a + 1, T // 2), T)) if mode in ("disappear", "both") else T
    for t in range(T):
        on = a <= t < d
        tr["visible"][t] = on
        if not on or n == 0:
            continue
        k = min((t - a + 1) / (n + 1) if mode != "disappear" else 1.0,
                (d - t) / (n + 1) if mode != "appear" else 1.0, 1.0)
        if kind == "fade":
            tr["opacity"][t] = round(k, 4)
        elif k < 1.0:  # pop: grow past full size and settle back ("ease out back")
            tr["scale"][t] = round(max(0.05, 1 + 2.70158 * (k - 1) ** 3 + 1.70158 * (k - 1) ** 2), 4)
    return {"mode": mode, "transition": kind, "appear_frame": a, "disappear_frame": d, "transition_frames": n}


def plan_motion(rng, spec: MotionSpec, kind: str, st: Stage, anchor: tuple[float, float]) -> dict:
    """The motion's parameters and per-frame track for an icon whose still centre is `anchor`."""
    tr = base_track(st.T, round(anchor[0], 2), round(anchor[1], 2))
    if kind == "blink":
        params = blink(rng, spec.blink, st, tr)
    elif kind == "pulse":
        params = pulse(rng, spec.pulse, st, tr)
    elif kind == "jump":
        params = jump(rng, spec.jump, st, tr)
    elif kind == "move":
        params = move(rng, spec.move, st, tr, anchor)
    elif kind == "rotate":
        params = rotate(rng, spec.rotate, st, tr)
    elif kind == "appear":
        params = appear(rng, spec.appear, st, tr)
    else:
        params = {}
    return {"type": kind, **params, "track": tr}
