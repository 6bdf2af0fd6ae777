"""Object-shaped inpainting holes: real DAVIS / YouTube-VOS masks, or procedural silhouettes.

Video object removal is trained and evaluated by pasting real object masks onto other
footage. With `annotations` (DAVIS or YouTube-VOS folders, see `datagen.masks.davis`)
a sample picks a sequence, a window of T label frames (ping-pong when the sequence is
shorter), one object id or the union of all, and pastes it with random scale (times the
scale that makes the annotation frame cover the clip), horizontal flip and offset.
Without annotations (or with probability 1 - `annotations.p`) it draws procedural
objects from `datagen.masks.silhouettes`: walking/running people, cars, trotting dogs
and horses, flapping birds, each moving along a trajectory with per-frame articulation
and optional perspective zoom. Holes are filled with `fill` and grown by `dilate`
(default: the literature's 3x3 cross, 4 iterations), which `json` records.
"""
from __future__ import annotations

import math
from typing import Literal

import cv2
import numpy as np
from pydantic import Field, model_validator

from datagen.compose import clip_sprite
from datagen.errors import InputSkipped
from datagen.layers.base import Layer, LayerSpec, register_layer
from datagen.masks import davis
from datagen.masks.holes import DEFAULT_FILL, FILLS, HoleDilate, cut, dilate
from datagen.masks.raster import fill_polygons_at
from datagen.masks.silhouettes import KINDS
from datagen.recipe.dist import Cat, Int, Num
from datagen.recipe.schema import ClipSpec, Strict
from datagen.rng import child_seed

KIND_NAMES = ("person", "car", "dog", "horse", "bird")
HORIZON = 0.35
"""Height (fraction of the frame from the top) that approaching objects recede towards."""


class ProceduralObjects(Strict):
    kinds: Cat(KIND_NAMES) = {"choice": list(KIND_NAMES), "weights": [0.4, 0.2, 0.2, 0.1, 0.1]}
    count: Int(1, 8) = {"choice": [1, 2], "weights": [0.8, 0.2]}
    size: Num(0.02, 4) = {"uniform": [0.35, 0.9]}  # a person's height / frame height (other kinds in proportion)
    speed: Num(0, 20) = {"uniform": [0.6, 1.4]}  # x the kind's natural speed
    zoom_p: float = Field(0.3, ge=0, le=1, description="chance that an object approaches or recedes")
    zoom: Num(-0.9, 4) = {"uniform": [-0.3, 0.3]}  # relative size change over the clip


class AnnotationObjects(Strict):
    paths: list[str] = Field(min_length=1, description="DAVIS / YouTube-VOS roots or folders of label PNGs")
    p: float = Field(1.0, ge=0, le=1, description="chance to use the annotations (else procedural objects)")
    objects: Cat(["single", "union"]) = {"choice": ["single", "union"], "weights": [0.6, 0.4]}
    stride: Int(1, 30) = 1  # annotation files between consecutive clip frames
    scale: Num(0.05, 8) = {"uniform": [0.6, 1.1]}  # x the scale at which the annotation covers the clip
    flip_p: float = Field(0.5, ge=0, le=1)
    offset: Num(0, 2) = {"uniform": [0.0, 0.25]}  # largest shift from centred, fraction of the frame

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v):
        if isinstance(v, str):
            return {"paths": [v]}
        if isinstance(v, list):
            return {"paths": v}
        return v


class ObjectSpec(LayerSpec):
    type: Literal["object"] = "object"
    annotations: AnnotationObjects | None = None
    procedural: ProceduralObjects = ProceduralObjects()
    fill: Cat(FILLS) = DEFAULT_FILL
    dilate: HoleDilate = HoleDilate(kernel=3, iterations=4, shape="cross")

    def check_files(self) -> list[tuple[str, str]]:
        if not self.annotations:
            return []
        out = []
        for i, p in enumerate(self.annotations.paths):
            problem = davis.check_folder(p)
            if problem:
                out.append((f"annotations.paths[{i}]", problem))
        return out

    def preflight(self) -> dict[str, int]:
        if not self.annotations:
            return {}
        return {"annotation_empty_sequence": davis.scan(list(self.annotations.paths)).empty}


@register_layer
class ObjectLayer(Layer):
    Spec = ObjectSpec

    def __init__(self, spec: ObjectSpec, resources=None):
        super().__init__(spec, resources)
        self.index = None
        if spec.annotations:
            paths = list(spec.annotations.paths)
            self.index = (resources.get(("annotation_index", tuple(paths)), lambda: davis.scan(paths))
                          if resources is not None else davis.scan(paths))
        self._window: tuple = (None, None)  # the last label window read: plan and render share it

    # -- planning --------------------------------------------------------------------
    def plan(self, rng: np.random.Generator, clip: ClipSpec) -> dict:
        sp = self.spec
        use = self.index is not None and self.index.sequences and rng.random() < sp.annotations.p
        body = self._plan_annotation(rng, clip) if use else self._plan_procedural(rng, clip)
        return {**body, "fill": sp.fill.sample(rng), "fill_seed": child_seed(rng), "dilate": sp.dilate.draw(rng)}

    def _labels(self, seq_dir: str, files: list[str]) -> np.ndarray:
        key = (seq_dir, tuple(files))
        if self._window[0] != key:
            self._window = (key, davis.load_window(seq_dir, files))
        return self._window[1]

    def _plan_annotation(self, rng, clip: ClipSpec) -> dict:
        a = self.spec.annotations
        T, H, W = clip.frames, clip.height, clip.width
        seq = self.index.sequences[int(rng.integers(len(self.index.sequences)))]
        files, pingpong = davis.window_files(rng, seq, T, int(a.stride.sample(rng)))
        labels = self._labels(seq.dir, files)
        ids = davis.object_ids(labels)
        if not ids:
            raise InputSkipped("annotation_empty", seq.dir)
        mode = a.objects.sample(rng)
        if mode == "single":
            first = davis.object_ids(labels[0]) or ids
            ids = [first[int(rng.integers(len(first)))]]
        h0, w0 = labels.shape[1:]
        s = max(H / h0, W / w0) * float(a.scale.sample(rng))
        sw, sh = max(1, round(w0 * s)), max(1, round(h0 * s))
        flip = bool(rng.random() < a.flip_p)
        off = float(a.offset.sample(rng))
        x = (W - sw) / 2 + rng.uniform(-1, 1) * off * W
        y = (H - sh) / 2 + rng.uniform(-1, 1) * off * H
        # keep the centre of the object's box (over the window) inside the frame
        ys, xs = np.nonzero(np.isin(labels, ids).any(axis=0))
        cx = (xs.min() + xs.max() + 1) / 2 * sw / w0
        cx = sw - cx if flip else cx
        cy = (ys.min() + ys.max() + 1) / 2 * sh / h0
        x = min(max(x, -cx), W - cx)
        y = min(max(y, -cy), H - cy)
        return {"source": "annotations", "sequence": seq.dir, "files": files, "pingpong": pingpong,
                "objects": mode, "ids": ids, "annotation_size": [int(w0), int(h0)], "size": [sw, sh],
                "flip": flip, "position": [int(round(x)), int(round(y))]}

    def _plan_procedural(self, rng, clip: ClipSpec) -> dict:
        pr = self.spec.procedural
        T, H, W = clip.frames, clip.height, clip.width
        objects = []
        for _ in range(int(pr.count.sample(rng))):
            name = pr.kinds.sample(rng)
            kind = KINDS[name]
            params = kind.draw(rng)
            scale = float(pr.size.sample(rng)) * kind.size * H  # px per local unit
            flip = bool(rng.random() < 0.5)  # facing left
            pace = float(params.get("pace", 1.0)) * float(pr.speed.sample(rng))
            step = kind.speed * pace * 24.0 / clip.fps  # local units per frame
            dphase = 2 * math.pi * step / (kind.cycle * params.get("stride", 1.0)) if step > 0 else 0.15
            zoom = float(pr.zoom.sample(rng)) if rng.random() < pr.zoom_p else 0.0
            x_mid = rng.uniform(0.1, 0.9) * W
            phase0 = rng.uniform(0, 2 * math.pi)
            if kind.flies:
                y_mid = rng.uniform(0.15, 0.55) * H
            else:  # stand on the lower part of the frame, head inside the frame where possible
                top = -min(float(q[:, 1].min()) for q in kind.pose(params, phase0)) * scale
                y_mid = rng.uniform(min(H, max(0.6 * H, top + 0.02 * H)), H)
            climb = rng.uniform(-0.3, 0.3) * step  # fliers drift up or down
            frames = []
            for t in range(T):
                u = t - (T - 1) / 2
                z = 1 + zoom * (t / (T - 1) - 0.5) if T > 1 else 1.0
                x = x_mid + (-1 if flip else 1) * step * scale * u
                if kind.flies:
                    y = y_mid + climb * scale * u
                else:
                    y = HORIZON * H + (y_mid - HORIZON * H) * z  # nearer objects stand lower
                frames.append([round(x, 3), round(y, 3), round(scale * z, 4), round(phase0 + dphase * t, 5)])
            objects.append({"kind": name, "params": params, "flip": flip, "frames": frames})
        return {"source": "procedural", "objects": objects}

    # -- rendering -------------------------------------------------------------------
    def render(self, plan: dict, canvas) -> None:
        masks = self.masks(plan, canvas.T, canvas.H, canvas.W)
        cut(canvas, masks, plan["fill"], plan["fill_seed"])

    def masks(self, plan: dict, T: int, H: int, W: int) -> np.ndarray:
        """The (T, H, W) uint8 hole of a plan (255 inside), after its dilation."""
        masks = np.zeros((T, H, W), np.uint8)
        if plan["source"] == "annotations":
            self._paste_annotations(plan, masks)
        else:
            for obj in plan["objects"]:
                kind = KINDS[obj["kind"]]
                for t, (x, y, scale, phase) in enumerate(obj["frames"]):
                    fill_polygons_at(masks[t], kind.pose(obj["params"], phase), x, y, scale, 0.0, obj["flip"])
        return dilate(masks, plan["dilate"])

    def _paste_annotations(self, plan: dict, masks: np.ndarray) -> None:
        labels = self._labels(plan["sequence"], plan["files"])
        sw, sh = plan["size"]
        x, y = plan["position"]
        H, W = masks.shape[1:]
        cut_ = clip_sprite(x, y, sh, sw, H, W)
        if cut_ is None:
            return
        (fy, fx), (sy, sx) = cut_
        shrink = sw < labels.shape[2]
        for t in range(masks.shape[0]):
            m = np.isin(labels[t], plan["ids"]).astype(np.uint8) * 255
            m = cv2.resize(m, (sw, sh), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
            if plan["flip"]:
                m = m[:, ::-1]
            masks[t, fy, fx] = np.where(m[sy, sx] >= 128, 255, 0).astype(np.uint8)
