"""The sample contract: build one sample from (recipe, seed, index) and encode it to files.

Files of sample KEY (see README, "Sample format"):

    KEY.clean.000.jpg ...      background frames
    KEY.corrupted.000.jpg ...  the same frames with the overlays composited / holes cut
    KEY.mask.000.png ...       single-channel, 255 where the model must fill, 0 elsewhere
    KEY.alpha.000.png ...      (encode.alpha) the soft 8-bit overlay alpha
    KEY.json                   everything drawn: background plan, layer plans, per-frame boxes
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field

import cv2
import numpy as np

from datagen import FORMAT_VERSION, jpeg_patch, rng as rngmod
from datagen.backgrounds import make_background
from datagen.compose import Canvas
from datagen.errors import InputSkipped, UserError
from datagen.layers import make_layer
from datagen.recipe.load import recipe_sha256
from datagen.recipe.schema import RecipeBase

MAX_TRIES = 64
"""Fresh plans tried when inputs are skipped before a sample gives up."""

STREAMS = ("clean", "corrupted", "mask", "alpha")


def sample_key(recipe_name: str, seed: int, index: int) -> str:
    name = re.sub(r"[^A-Za-z0-9_-]", "_", recipe_name)
    return f"{name}-s{seed}-{index:08d}"


def frame_digits(frames: int) -> int:
    return max(3, len(str(frames - 1)))


@dataclass
class BuiltSample:
    key: str
    clean: np.ndarray  # (T, H, W, 3) uint8 RGB
    corrupted: np.ndarray  # (T, H, W, 3) uint8 RGB
    mask: np.ndarray  # (T, H, W) uint8 {0, 255}
    alpha: np.ndarray | None  # (T, H, W) uint8; None unless the recipe writes alpha (encode.alpha)
    drawn: np.ndarray  # (T,) bool: frame differs from clean (before dilation)
    meta: dict
    skipped: Counter = field(default_factory=Counter)


class SampleBuilder:
    """Holds a recipe's instantiated components; builds and encodes samples.

    One per worker process: fonts, corpora and source indexes are loaded once.
    """

    def __init__(self, recipe: RecipeBase, resources=None):
        from datagen.resources import Resources

        self.recipe = recipe
        self.resources = resources or Resources()
        self.backgrounds = [make_background(s, self.resources) for s in recipe.background]
        self.bg_weights = np.array([s.weight for s in recipe.background], dtype=np.float64)
        self.layers = [make_layer(s, self.resources) for s in recipe.layers]
        self.recipe_sha = recipe_sha256(recipe)
        self._empty_png: bytes | None = None
        self._jpeg = jpeg_patch.CellEncoder(recipe.encode.quality)

    # -- building --------------------------------------------------------------------
    def _background(self, seed: int, index: int, skipped: Counter):
        clip = self.recipe.clip
        rng = rngmod.stream(seed, index, rngmod.BACKGROUND)
        last = None
        for _ in range(MAX_TRIES):
            k = 0 if len(self.backgrounds) == 1 else rngmod.weighted_index(rng, self.bg_weights.tolist())
            src = self.backgrounds[k]
            try:
                plan = src.plan(rng, clip)
                frames = src.render(plan, clip)
            except InputSkipped as e:
                skipped[f"background:{e.reason}"] += 1
                last = e
                continue
            exp = (clip.frames, clip.height, clip.width, 3)
            if frames.shape != exp or frames.dtype != np.uint8:
                raise RuntimeError(f"background {src.type_name} returned {frames.shape} {frames.dtype}, not {exp}")
            return {"type": src.type_name, **plan}, np.ascontiguousarray(frames)
        raise UserError(f"sample {index}: no usable background after {MAX_TRIES} tries (last problem: {last})")

    def build(self, seed: int, index: int) -> BuiltSample:
        recipe = self.recipe
        skipped: Counter = Counter()
        bg_plan, clean = self._background(seed, index, skipped)
        canvas = Canvas(clean, recipe.mask, alpha=recipe.encode.alpha)
        layer_meta = []
        for k, layer in enumerate(self.layers):
            rng = rngmod.layer_stream(seed, index, k)
            if layer.spec.p < 1.0 and rng.random() >= layer.spec.p:
                continue
            for _ in range(MAX_TRIES):
                try:
                    plan = layer.plan(rng, recipe.clip)
                    canvas.begin_layer()
                    layer.render(plan, canvas)
                    break
                except InputSkipped as e:
                    if canvas.layer_drew():  # a retry would draw over a half-drawn layer
                        raise RuntimeError(
                            f"layer {layer.type_name} raised InputSkipped after drawing; "
                            "raise it from plan() or before the first draw") from e
                    skipped[f"{layer.type_name}:{e.reason}"] += 1
            else:
                raise UserError(f"sample {index}: layer {k} ({layer.type_name}) found no usable input")
            entry = {"type": layer.type_name}
            if layer.spec.label:
                entry["label"] = layer.spec.label
            entry["params"] = plan
            entry["frames"] = canvas.end_layer()
            layer_meta.append(entry)
        counts = [np.count_nonzero(m) for m in canvas.mask]  # per frame: fast popcount path
        drawn = np.array(counts) > 0
        canvas.finish()
        if recipe.mask.dilate.iterations > 0:  # coverage is of the final (dilated) mask
            counts = [np.count_nonzero(m) for m in canvas.mask]
        key = sample_key(recipe.name, seed, index)
        meta = {
            "format_version": FORMAT_VERSION,
            "key": key,
            "recipe": recipe.name,
            "recipe_sha256": self.recipe_sha,
            "seed": int(seed),
            "index": int(index),
            "clip": recipe.clip.model_dump(mode="json"),
            "encode": recipe.encode.model_dump(mode="json"),
            "mask": recipe.mask.model_dump(mode="json"),
            "background": bg_plan,
            "layers": layer_meta,
            "mask_coverage": [round(c / (canvas.H * canvas.W), 6) for c in counts],
        }
        if skipped:
            meta["skipped_inputs"] = dict(sorted(skipped.items()))
        return BuiltSample(key, clean, canvas.frames, canvas.mask, canvas.alpha, drawn, meta, skipped)

    # -- encoding --------------------------------------------------------------------
    def _encode_rgb(self, frame: np.ndarray) -> bytes:
        enc = self.recipe.encode
        if enc.format == "jpg":
            return self._jpeg.encode(frame)
        bgr = cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)
        if enc.format == "webp":
            ok, buf = cv2.imencode(".webp", bgr, [cv2.IMWRITE_WEBP_QUALITY, enc.quality])
        else:
            ok, buf = cv2.imencode(".png", bgr)
        if not ok:
            raise RuntimeError(f"encoding a frame as {enc.format} failed")
        return buf.tobytes()

    @staticmethod
    def _encode_png(gray: np.ndarray) -> bytes:
        ok, buf = cv2.imencode(".png", gray)
        if not ok:
            raise RuntimeError("encoding a mask as png failed")
        return buf.tobytes()

    def encode(self, s: BuiltSample) -> dict[str, bytes]:
        """The sample's files as {field: bytes}, field names without the key.

        Encoders are deterministic, so identical inputs are encoded once: a frame nothing
        was drawn on reuses the clean frame's bytes, a drawn JPEG frame re-encodes only the
        cells its mask touches (`datagen.jpeg_patch`: the same bytes as a whole encode), and a
        mask (or alpha) equal to the previous frame's (a still subtitle, a static logo)
        reuses that frame's PNG."""
        ext = self.recipe.encode.format
        nd = frame_digits(s.clean.shape[0])
        files: dict[str, bytes] = {}
        if self._empty_png is None:
            self._empty_png = self._encode_png(np.zeros(s.mask.shape[1:], np.uint8))
        prev: dict[str, tuple] = {}

        def png(stream: str, img: np.ndarray, t: int) -> bytes:
            if not s.drawn[t]:  # nothing drawn: the mask (and the alpha) is empty
                return self._empty_png
            last = prev.get(stream)
            if last is not None and np.array_equal(last[0], img):
                return last[1]
            data = self._encode_png(img)
            prev[stream] = (img, data)
            return data

        jpg = ext == "jpg"
        clean = b""  # the previous clean frame's file inside the loop (read only when t > 0)
        for t in range(s.clean.shape[0]):
            n = f"{t:0{nd}d}"
            # a JPEG frame equal to the previous one in some cells (a locked-off camera)
            # patches the previous frame's file (`clean`, still the previous frame's here)
            same = jpeg_patch.differing_cells(s.clean[t], s.clean[t - 1]) if jpg and t else None
            clean = self._encode_rgb(s.clean[t]) if same is None else self._jpeg.patch(clean, s.clean[t], same)
            files[f"clean.{n}.{ext}"] = clean
            # a frame nothing was drawn on is identical to clean: same bytes, no second encode
            if not s.drawn[t]:
                files[f"corrupted.{n}.{ext}"] = clean
            elif jpg:  # equal to clean outside the mask: only the mask's cells are encoded
                files[f"corrupted.{n}.{ext}"] = self._jpeg.patch(clean, s.corrupted[t],
                                                                 jpeg_patch.changed_cells(s.mask[t]))
            else:
                files[f"corrupted.{n}.{ext}"] = self._encode_rgb(s.corrupted[t])
            files[f"mask.{n}.png"] = png("mask", s.mask[t], t)
            if self.recipe.encode.alpha:
                files[f"alpha.{n}.png"] = png("alpha", s.alpha[t], t)
        files["json"] = json.dumps(s.meta, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return files
