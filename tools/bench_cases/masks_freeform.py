"""Free-form masks: our generator vs STTN's matplotlib generator, ms per 16-frame 432x240 clip.

The baseline re-implements STTN's `create_random_shape_with_random_motion` (the mask
generator E2FGVI, FuseFormer, FGT and ProPainter reuse) the way STTN does it: a random
Bezier path drawn as a matplotlib PathPatch into a default figure, the canvas read
back, resized with OpenCV, thresholded, cropped and pasted into PIL masks, then moved
with whole-pixel random-walk steps. Only `fig.canvas.buffer_rgba()` replaces
`tostring_rgb()`, which current matplotlib no longer has. Both sides produce T masks
per clip and run in this process on one core. The mean hole area of each side is
reported too, to show that `profile: sttn` matches the original's statistics. The
procedural object masks (`type: object`) and both bundled hole recipes end to end
(vs the encode floor, as the other recipe cases) are measured alongside.
"""
from __future__ import annotations

import random
import time

import cv2
import numpy as np

T, H, W = 16, 240, 432
TARGET = 10.0


# -- STTN's generator (the baseline) -------------------------------------------------
def _sttn_shape(edge_num, ratio, width, height):
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.patches as patches
    from matplotlib import pyplot as plt
    from matplotlib.path import Path
    from PIL import Image

    points_num = edge_num * 3 + 1
    angles = np.linspace(0, 2 * np.pi, points_num)
    codes = np.full(points_num, Path.CURVE4)
    codes[0] = Path.MOVETO
    verts = np.stack((np.cos(angles), np.sin(angles))).T * (2 * ratio * np.random.random(points_num) + 1 - ratio)[:, None]
    verts[-1, :] = verts[0, :]
    path = Path(verts, codes)
    fig = plt.figure()
    ax = fig.add_subplot(111)
    ax.add_patch(patches.PathPatch(path, facecolor="black", lw=2))
    ax.set_xlim(np.min(verts) * 1.1, np.max(verts) * 1.1)
    ax.set_ylim(np.min(verts) * 1.1, np.max(verts) * 1.1)
    ax.axis("off")
    fig.canvas.draw()
    data = np.asarray(fig.canvas.buffer_rgba())[:, :, :3]
    plt.close(fig)
    data = cv2.resize(data, (width, height))[:, :, 0]
    data = (1 - np.array(data > 0).astype(np.uint8)) * 255
    ys, xs = np.where(data > 0)
    return Image.fromarray(data).crop((xs.min(), ys.min(), xs.max(), ys.max()))


def _velocity(max_speed=3, dist="uniform"):
    speed = np.random.uniform(max_speed) if dist == "uniform" else np.abs(np.random.normal(0, max_speed / 2))
    return speed, np.random.uniform(0, 2 * np.pi)


def _move(X, Y, velocity, region_size):
    region_width, region_height = region_size
    speed, angle = velocity
    X += int(speed * np.cos(angle))
    Y += int(speed * np.sin(angle))
    velocity = (speed + np.random.normal(0, 1.5), angle + np.random.normal(0, 0.25))
    if X > H - region_height or X < 0 or Y > W - region_width or Y < 0:
        velocity = _velocity(3, dist="gaussian")
    return np.clip(X, 0, H - region_height), np.clip(Y, 0, W - region_width), velocity


def sttn_masks(video_length=T):
    """STTN: a list of `video_length` PIL 'L' masks (255 = hole)."""
    from PIL import Image

    height = random.randint(H // 3, H - 1)
    width = random.randint(W // 3, W - 1)
    edge_num = random.randint(6, 8)
    ratio = random.randint(6, 8) / 10
    region = _sttn_shape(edge_num, ratio, width, height)
    rw, rh = region.size
    x, y = random.randint(0, H - rh), random.randint(0, W - rw)
    velocity = _velocity(3)
    m = Image.fromarray(np.zeros((H, W), np.uint8))
    m.paste(region, (y, x, y + rw, x + rh))
    masks = [m.convert("L")]
    if random.uniform(0, 1) > 0.5:
        return masks * video_length
    for _ in range(video_length - 1):
        x, y, velocity = _move(x, y, velocity, region.size)
        m = Image.fromarray(np.zeros((H, W), np.uint8))
        m.paste(region, (y, x, y + rw, x + rh))
        masks.append(m.convert("L"))
    return masks


# -- ours ----------------------------------------------------------------------------
def _ours(profile: str):
    from datagen.layers.freeform import FreeformLayer, FreeformSpec, freeform_masks
    from datagen.recipe.schema import ClipSpec

    clip = ClipSpec(frames=T, width=W, height=H)
    layer = FreeformLayer(FreeformSpec(profile=profile, shapes=1))

    def one(rng):
        return freeform_masks(layer.plan(rng, clip), T, H, W)

    return one


def _time(fn, n):
    """ms per call; outputs are dropped as they come, as a pipeline would."""
    t0 = time.perf_counter()
    for i in range(n):
        fn(i)
    return (time.perf_counter() - t0) / n * 1000


AREA_DRAWS = 200


def _interleaved(fns: dict, rounds: int, per_round: dict) -> dict:
    """Median ms per call of each function, timed in alternating blocks so that load from
    other processes hits every side alike."""
    times: dict = {k: [] for k in fns}
    seeds = {k: 0 for k in fns}
    for _ in range(rounds):
        for k, fn in fns.items():
            n = per_round[k]
            t0 = time.perf_counter()
            for i in range(seeds[k], seeds[k] + n):
                fn(i)
            times[k].append((time.perf_counter() - t0) / n * 1000)
            seeds[k] += n
    return {k: float(np.median(v)) for k, v in times.items()}


def run(args):
    cv2.setNumThreads(1)
    rounds = 4 if args.quick else 12
    random.seed(0)
    np.random.seed(0)
    sttn_masks()  # import matplotlib and warm its font cache outside the timing
    ours = {p: _ours(p) for p in ("sttn", "blob", "stroke")}
    for one in ours.values():
        one(np.random.default_rng(10**9))
    fns = {"ref": lambda i: sttn_masks(), **{p: (lambda one: lambda i: one(np.random.default_rng(i)))(one)
                                            for p, one in ours.items()}}
    ms = _interleaved(fns, rounds, {"ref": 8, "sttn": 60, "blob": 60, "stroke": 60})
    random.seed(1)
    np.random.seed(1)
    ref_area = float(np.mean([np.mean([np.asarray(m) > 0 for m in sttn_masks()]) for _ in range(AREA_DRAWS)]))
    rows = [{"metric": "STTN matplotlib generator: ms per 16x432x240 clip", "value": ms["ref"], "unit": "ms",
             "note": f"mean hole area {ref_area:.3f}"}]
    for profile, one in ours.items():
        area = float(np.mean([one(np.random.default_rng(i)).mean() / 255 for i in range(AREA_DRAWS)]))
        ratio = ms["ref"] / ms[profile]
        rows.append({"metric": f"freeform profile {profile}: ms per clip (plan + T masks)", "value": ms[profile],
                     "unit": "ms", "note": f"mean hole area {area:.3f}"})
        rows.append({"metric": f"freeform profile {profile}: speed-up vs STTN (target >= {TARGET:g})",
                     "value": ratio, "unit": "x", "note": "PASS" if ratio >= TARGET else "BELOW TARGET"})
    rows.append(_objects(40 if args.quick else 200))
    from bench_cases._common import measure_recipe, rows_for

    for name in ("freeform", "objects"):
        rows += rows_for(f"{name} 432x240x16", measure_recipe(name, 12 if args.quick else 40))
    return rows


def _objects(n):
    from datagen.layers.object import ObjectLayer, ObjectSpec
    from datagen.recipe.schema import ClipSpec

    clip = ClipSpec(frames=T, width=W, height=H)
    layer = ObjectLayer(ObjectSpec())
    ms = _time(lambda i: layer.masks(layer.plan(np.random.default_rng(i), clip), T, H, W), n)
    area = float(np.mean([layer.masks(layer.plan(np.random.default_rng(i), clip), T, H, W).mean() / 255
                          for i in range(AREA_DRAWS)]))
    return {"metric": "object (procedural, default): ms per clip (plan + T masks)", "value": ms, "unit": "ms",
            "note": f"mean hole area {area:.3f}"}
