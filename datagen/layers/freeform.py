"""Free-form inpainting holes: STTN's moving Bezier blobs and DeepFill's brush strokes.

These are the masks video-inpainting models train on (STTN's generator is used
unchanged by E2FGVI, FuseFormer, FGT and ProPainter). The corrupted frame is the clean
frame with the hole filled (`fill`), and the mask marks the hole. Profiles:

- `blob`: a closed curve of `corners` cubic Bezier segments with radial `jitter`,
  stretched to a box of `height` x `width` (fractions of the frame: STTN's H/3..H by
  W/3..W), moving with `motion.moving_p` on a sub-pixel random walk that bounces at
  the borders, optionally zooming and rotating over the clip;
- `stroke`: 1-3 DeepFill brush strokes (zig-zag polylines with width and vertex
  jitter), moving and transforming the same way;
- `sttn`: STTN's own parameter ranges and motion (whole-pixel steps, fresh velocity at
  the borders, the matplotlib figure geometry), to compare against published setups;
  `blob`, `stroke` and `motion` settings do not apply to it.

Each of `shapes` shapes draws its own profile; the hole is their union, grown by the
layer's `dilate`. Geometry lives in `datagen.masks`; this module plans and cuts.
"""
from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from datagen.layers.base import Layer, LayerSpec, register_layer
from datagen.masks.holes import DEFAULT_FILL, FILLS, HoleDilate, cut, dilate
from datagen.masks.motion import bounce_walk, ramp
from datagen.masks.raster import affine, fill_polygons
from datagen.masks.strokes import StrokeShape, draw_strokes, plan_strokes, stroke_arrays, strokes_extent
from datagen.masks.sttn_shapes import draw_radii, normalized_outline, sttn_plan, sttn_rasterize
from datagen.recipe.dist import Cat, Int, Num
from datagen.recipe.schema import ClipSpec, Strict
from datagen.rng import child_seed

PROFILES = ("blob", "stroke", "sttn")


class BlobShape(Strict):
    """Parameters of the `blob` profile (defaults: STTN's ranges)."""

    corners: Int(3, 32) = {"randint": [6, 8]}
    jitter: Num(0, 0.95) = {"choice": [0.6, 0.7, 0.8]}  # control-point radii in [1 - j, 1 + j]
    height: Num(0.01, 2) = {"uniform": [0.3333, 1.0]}  # bounding box / frame height
    width: Num(0.01, 2) = {"uniform": [0.3333, 1.0]}  # bounding box / frame width


class FreeformMotion(Strict):
    """How `blob` and `stroke` shapes move. Speeds are fractions of the frame height per
    frame (0.00417-0.0125 is STTN's 1-3 px/frame at 240 p); the speed stays inside the
    range of `speed` after every kick."""

    moving_p: float = Field(0.5, ge=0, le=1, description="chance that a shape moves (else it is static)")
    speed: Num(0, 1) = {"uniform": [0.00417, 0.0125]}
    speed_kick: Num(0, 1) = 0.00625  # std of the per-frame speed kick (STTN: 1.5 px at 240 p)
    angle_kick: Num(0, 6.2832) = 0.25  # std of the per-frame heading kick, radians
    zoom_p: float = Field(0.3, ge=0, le=1, description="chance that a moving shape zooms")
    zoom: Num(-0.9, 4) = {"uniform": [-0.3, 0.3]}  # relative size change from first to last frame
    rotate_p: float = Field(0.3, ge=0, le=1, description="chance that a moving shape rotates")
    rotation: Num(-3600, 3600) = {"uniform": [-45, 45]}  # degrees turned from first to last frame


class FreeformSpec(LayerSpec):
    type: Literal["freeform"] = "freeform"
    profile: Cat(PROFILES) = {"choice": ["blob", "stroke"], "weights": [0.5, 0.5]}
    shapes: Int(1, 16) = {"choice": [1, 2], "weights": [0.75, 0.25]}
    blob: BlobShape = BlobShape()
    stroke: StrokeShape = StrokeShape()
    motion: FreeformMotion = FreeformMotion()
    fill: Cat(FILLS) = DEFAULT_FILL
    dilate: HoleDilate = HoleDilate()


@register_layer
class FreeformLayer(Layer):
    Spec = FreeformSpec

    # -- planning --------------------------------------------------------------------
    def plan(self, rng: np.random.Generator, clip: ClipSpec) -> dict:
        sp = self.spec
        T, H, W = clip.frames, clip.height, clip.width
        shapes = []
        for _ in range(int(sp.shapes.sample(rng))):
            profile = sp.profile.sample(rng)
            if profile == "sttn":
                shapes.append(sttn_plan(rng, T, H, W))
            elif profile == "blob":
                shapes.append(self._blob(rng, T, H, W))
            else:
                shapes.append(self._stroke(rng, T, H, W))
        return {"shapes": shapes, "fill": sp.fill.sample(rng), "fill_seed": child_seed(rng),
                "dilate": sp.dilate.draw(rng)}

    def _blob(self, rng, T: int, H: int, W: int) -> dict:
        b = self.spec.blob
        corners = int(b.corners.sample(rng))
        jitter = round(float(b.jitter.sample(rng)), 4)
        radii = draw_radii(rng, corners, jitter)
        w, h = float(b.width.sample(rng)) * W, float(b.height.sample(rng)) * H
        moving, frames = self._path(rng, T, H, W, w / 2, h / 2, None)
        return {"profile": "blob", "corners": corners, "jitter": jitter, "radii": radii,
                "size": [round(w, 2), round(h, 2)], "moving": moving, "frames": frames}

    def _stroke(self, rng, T: int, H: int, W: int) -> dict:
        strokes = plan_strokes(rng, H, W, self.spec.stroke)
        x0, y0, x1, y1 = strokes_extent(strokes)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        for s in strokes:  # store the strokes around their own centre; frames say where it is
            s["points"] = [[round(x - cx, 2), round(y - cy, 2)] for x, y in s["points"]]
        moving, frames = self._path(rng, T, H, W, (x1 - x0) / 2, (y1 - y0) / 2, (cx, cy))
        return {"profile": "stroke", "strokes": strokes, "moving": moving, "frames": frames}

    def _path(self, rng, T: int, H: int, W: int, hx: float, hy: float, start) -> tuple[bool, list]:
        """Per-frame [cx, cy, scale, angle_deg]. The centre stays where at most half of the
        shape's half-extent crosses a border, so even a frame-sized shape has room to move."""
        m = self.spec.motion
        hx, hy = min(hx, W / 2), min(hy, H / 2)
        box = (hx / 2, hy / 2, W - hx / 2, H - hy / 2)
        if start is None:
            start = (rng.uniform(box[0], box[2]), rng.uniform(box[1], box[3]))
        cx = min(max(float(start[0]), box[0]), box[2])
        cy = min(max(float(start[1]), box[1]), box[3])
        moving = bool(rng.random() < m.moving_p)
        if not moving:
            return False, [[round(cx, 3), round(cy, 3), 1.0, 0.0]] * T
        lo, hi = m.speed.support()
        centres = bounce_walk(rng, T, (cx, cy), box, float(m.speed.sample(rng)) * H, (lo * H, hi * H),
                              float(m.speed_kick.sample(rng)) * H, float(m.angle_kick.sample(rng)))
        zoom = float(m.zoom.sample(rng)) if rng.random() < m.zoom_p else 0.0
        turn = float(m.rotation.sample(rng)) if rng.random() < m.rotate_p else 0.0
        frames = [[round(x, 3), round(y, 3), round(1 + z, 5), round(a, 4)]
                  for (x, y), z, a in zip(centres, ramp(T, zoom), ramp(T, turn))]
        return True, frames

    # -- rendering -------------------------------------------------------------------
    def render(self, plan: dict, canvas) -> None:
        masks = freeform_masks(plan, canvas.T, canvas.H, canvas.W)
        cut(canvas, masks, plan["fill"], plan["fill_seed"])


def freeform_masks(plan: dict, T: int, H: int, W: int) -> np.ndarray:
    """The (T, H, W) uint8 hole of a freeform plan (255 inside), after its dilation."""
    masks = np.zeros((T, H, W), np.uint8)
    for shape in plan["shapes"]:
        if shape["profile"] == "sttn":
            sttn_rasterize(shape, masks)
            continue
        draw = _drawer(shape)
        if shape["moving"]:
            for t, frame in enumerate(shape["frames"]):
                draw(masks[t], *frame)
        else:  # a static shape is drawn once and added to every frame
            still = np.zeros((H, W), np.uint8)
            draw(still, *shape["frames"][0])
            np.bitwise_or(masks, still, out=masks)
    return dilate(masks, plan["dilate"])


def _drawer(shape: dict):
    """draw(mask, cx, cy, scale, angle_deg) for a blob or stroke shape."""
    if shape["profile"] == "blob":
        outline = normalized_outline(shape["radii"], *shape["size"])
        return lambda mask, cx, cy, s, a: fill_polygons(mask, [affine(outline, cx, cy, s, a)])
    strokes = stroke_arrays(shape["strokes"])
    return lambda mask, cx, cy, s, a: draw_strokes(mask, strokes, lambda p: affine(p, cx, cy, s, a), s)


def hole_area(plan: dict, T: int, H: int, W: int) -> float:
    """Mean fraction of the frame covered by the hole (documentation and tests)."""
    return float(freeform_masks(plan, T, H, W).mean() / 255)


