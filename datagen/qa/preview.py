"""Animated side-by-side previews of samples: corrupted | mask on corrupted | clean.

For each sample, `previews/KEY.webp` (or `.gif`) plays the clip at its own frame rate
with the three panels side by side under a one-line header, and `previews/KEY.png` is
the same picture for the middle frame (the still contact sheet). The middle panel tints
every masked pixel so a reviewer sees at a glance whether the mask covers exactly what
was drawn. Panels are at clip resolution, scaled down only when wider than
`panel_width`; long clips are subsampled to at most `max_frames` frames (timing kept).
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from tqdm import tqdm

from datagen.errors import UserError
from datagen.qa.describe import background_type, describe_layers, layer_types
from datagen.qa.gallery import PREVIEWS_JSON, write_index
from datagen.qa.select import Skipped, expected_samples, iter_selected, parse_filters, shard_urls
from datagen.reader import Sample, decode_sample

MASK_TINT = np.array([255, 0, 200], np.uint16)  # magenta: rare in footage and text colours
TINT_ALPHA = 150  # of 255
OUTLINE = np.array([0, 255, 0], np.uint8)  # 1-px ring just outside the mask: visible on magenta footage too
GAP = 4  # px between panels
HEADER = 18  # px header strip with panel names and frame number
PANEL_NAMES = ("corrupted", "mask on corrupted", "clean")
FORMATS = ("webp", "gif")
PREVIEW_DIR = "previews"  # inside the gallery folder
WEBP_QUALITIES = (70, 50, 35)  # tried in order until the animation fits its byte budget
WEBP_METHOD = 2  # 2x faster than Pillow's default 4 for ~5% more bytes; 6 is ~15x slower
BYTES_PER_FRAME = 60_000  # budget: a 16-frame preview stays under ~1 MB


@dataclass
class PreviewFiles:
    animation: str  # file name inside the previews folder
    still: str
    width: int
    height: int
    frames: int  # frames in the animation
    bytes: int  # animation + still


def tint_mask(frame: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`frame` with masked pixels blended towards magenta (integer arithmetic) and a green
    1-px ring around the mask, so the mask shows on any footage; pixels outside the mask
    and its ring are untouched."""
    out = frame.copy()
    m = mask > 0
    if m.any():
        px = frame[m].astype(np.uint16)
        out[m] = ((px * (255 - TINT_ALPHA) + MASK_TINT * TINT_ALPHA + 127) // 255).astype(np.uint8)
        ring = cv2.dilate(m.view(np.uint8), np.ones((3, 3), np.uint8)).view(bool) & ~m
        out[ring] = OUTLINE
    return out


@lru_cache(maxsize=1)
def _label_font() -> ImageFont.ImageFont:
    # Pillow's built-in font: no font file needed, the same on every machine
    try:
        return ImageFont.load_default(size=12)
    except TypeError:  # Pillow built without FreeType
        return ImageFont.load_default()


def _scaled(img: np.ndarray, w: int, h: int, nearest: bool = False) -> np.ndarray:
    if img.shape[1] == w and img.shape[0] == h:
        return img
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_NEAREST if nearest else cv2.INTER_AREA)


def panel_size(width: int, height: int, panel_width: int) -> tuple[int, int]:
    """Panel size: clip size, scaled down (aspect kept, even numbers) to at most panel_width."""
    if width <= panel_width:
        return width, height
    s = panel_width / width
    return panel_width, max(2, int(round(height * s / 2)) * 2)


def compose_frame(sample: Sample, t: int, pw: int, ph: int) -> np.ndarray:
    """The three panels of frame t side by side, with the header strip (RGB uint8)."""
    corrupted = _scaled(sample.corrupted[t], pw, ph)
    mask = _scaled(sample.mask[t], pw, ph, nearest=True)
    clean = _scaled(sample.clean[t], pw, ph)
    W = 3 * pw + 2 * GAP
    canvas = np.full((HEADER + ph, W, 3), 32, np.uint8)
    for i, panel in enumerate((corrupted, tint_mask(corrupted, mask), clean)):
        x = i * (pw + GAP)
        canvas[HEADER:, x:x + pw] = panel
    img = Image.fromarray(canvas)
    draw = ImageDraw.Draw(img)
    font = _label_font()
    for i, name in enumerate(PANEL_NAMES):
        draw.text((i * (pw + GAP) + 4, 2), name, fill=(235, 235, 235), font=font)
    T = sample.clean.shape[0]
    label = f"frame {t + 1}/{T}"
    draw.text((W - 4 - draw.textlength(label, font=font), 2), label, fill=(170, 170, 170), font=font)
    return np.asarray(img)


def frame_indices(T: int, max_frames: int) -> list[int]:
    if T <= max_frames:
        return list(range(T))
    return sorted({int(round(i * (T - 1) / (max_frames - 1))) for i in range(max_frames)})


def write_preview(
    sample: Sample,
    out_dir: Path,
    fps: float,
    fmt: str = "webp",
    panel_width: int = 480,
    max_frames: int = 64,
) -> PreviewFiles:
    """Write `out_dir/KEY.{fmt}` (animated) and `out_dir/KEY.png` (middle frame).

    WebP quality steps down (WEBP_QUALITIES) while the animation is over
    BYTES_PER_FRAME per frame, so busy footage still gives small files.
    """
    if fmt not in FORMATS:
        raise ValueError(f"preview format must be one of {FORMATS}, got {fmt!r}")
    T, H, W = sample.clean.shape[:3]
    pw, ph = panel_size(W, H, panel_width)
    idx = frame_indices(T, max_frames)
    frames = [compose_frame(sample, t, pw, ph) for t in idx]
    still = compose_frame(sample, T // 2, pw, ph)
    # subsampled clips keep their real duration: each shown frame lasts longer
    duration = max(20, int(round(1000.0 / fps * T / len(idx))))
    anim_path = out_dir / f"{sample.key}.{fmt}"
    still_path = out_dir / f"{sample.key}.png"
    images = [Image.fromarray(f) for f in frames]
    if fmt == "webp":
        for quality in WEBP_QUALITIES:
            images[0].save(anim_path, format="WEBP", save_all=True, append_images=images[1:], duration=duration,
                           loop=0, quality=quality, method=WEBP_METHOD)
            if anim_path.stat().st_size <= BYTES_PER_FRAME * len(images):
                break
    else:
        pal = [im.quantize(colors=255, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE) for im in images]
        pal[0].save(anim_path, format="GIF", save_all=True, append_images=pal[1:], duration=duration, loop=0,
                    optimize=False, disposal=1)
    Image.fromarray(still).save(still_path, format="PNG", compress_level=3)
    return PreviewFiles(
        animation=anim_path.name, still=still_path.name, width=still.shape[1], height=still.shape[0],
        frames=len(idx), bytes=anim_path.stat().st_size + still_path.stat().st_size,
    )


# -- a preview set for a dataset ---------------------------------------------------------
def _card(url: str, key: str, files: dict, meta: dict, out_dir: str, fmt: str, panel_width: int) -> dict:
    """Decode one sample, write its previews, return its gallery card (or {"skip": reason})."""
    try:
        sample = decode_sample(key, files, shard=url)
    except (ValueError, KeyError, UnicodeDecodeError) as e:
        return {"skip": (key, f"undecodable sample ({e})")}
    clip = meta.get("clip") if isinstance(meta.get("clip"), dict) else {}
    fps = float(clip.get("fps") or 24.0)
    pf = write_preview(sample, Path(out_dir) / PREVIEW_DIR, fps, fmt, panel_width)
    cov = (sample.mask > 0).reshape(sample.mask.shape[0], -1).mean(axis=1)
    layers = meta.get("layers") if isinstance(meta.get("layers"), list) else []
    return {
        "key": key, "shard": os.path.basename(url), "index": meta.get("index"),
        "animation": f"{PREVIEW_DIR}/{pf.animation}", "still": f"{PREVIEW_DIR}/{pf.still}",
        "width": pf.width, "height": pf.height, "frames": pf.frames, "bytes": pf.bytes,
        "types": layer_types(meta), "background": background_type(meta),
        "coverage": {"mean": round(float(cov.mean()), 6), "max": round(float(cov.max()), 6)},
        "layers": [i.to_dict() for i in describe_layers(meta)],
        "params": [{k: v for k, v in layer.items() if k != "frames"} for layer in layers if isinstance(layer, dict)],
    }


_pool_args: dict = {}


def _init_pool(out_dir: str, fmt: str, panel_width: int) -> None:
    cv2.setNumThreads(1)
    _pool_args.update(out_dir=out_dir, fmt=fmt, panel_width=panel_width)


def _pool_card(item: tuple) -> dict:
    return _card(*item, **_pool_args)


def make_previews(
    specs: list[str], out: str, samples: int = 24, filters: list[str] | None = None, fmt: str = "webp",
    panel_width: int = 480, workers: int = 1, progress: bool = True,
):
    """Previews of the first `samples` samples that pass `filters`, plus previews.json and index.html.

    Returns (index path, cards, skipped). Decoding and encoding run in `workers` processes
    while this process streams the shards; at most 2 samples per worker are in flight.
    """
    if samples < 1:
        raise UserError(f"--samples must be >= 1, got {samples}")
    if fmt not in FORMATS:
        raise UserError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    flt = parse_filters(filters)
    urls = shard_urls(specs)
    out_dir = Path(out)
    try:
        (out_dir / PREVIEW_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot create output directory ({e.strerror})", path=str(out_dir)) from None
    skipped = Skipped()
    cards: list[dict] = []
    items = iter_selected(urls, flt, skipped, limit=samples)
    available = None if flt else expected_samples(specs)
    total = min(samples, available) if available else samples
    bar = tqdm(total=total, unit="sample", desc="preview", disable=not progress, dynamic_ncols=True)
    results: dict[int, dict] = {}  # order -> card, so the gallery keeps shard order

    try:
        if workers <= 1 or samples < 4:
            for i, (url, key, files, meta) in enumerate(items):
                results[i] = _card(url, key, files, meta, str(out_dir), fmt, panel_width)
                bar.update(1)
        else:
            with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"), initializer=_init_pool,
                                     initargs=(str(out_dir), fmt, panel_width)) as pool:
                pending: dict = {}

                def collect(done) -> None:
                    for f in done:
                        results[pending.pop(f)] = f.result()
                        bar.update(1)

                for i, item in enumerate(items):
                    pending[pool.submit(_pool_card, item)] = i
                    if len(pending) >= 2 * workers:
                        collect(wait(pending, return_when=FIRST_COMPLETED).done)
                collect(wait(pending).done)
    finally:
        bar.close()
    for i in sorted(results):
        if "skip" in results[i]:
            skipped.add(*results[i]["skip"])
        else:
            cards.append(results[i])
    _remove_stale(out_dir / PREVIEW_DIR, {Path(c[k]).name for c in cards for k in ("animation", "still")})
    doc = {"source": [str(s) for s in specs], "filters": list(filters or []), "format": fmt, "cards": cards,
           "skipped": [list(s) for s in skipped.items]}
    (out_dir / PREVIEWS_JSON).write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return write_index(out_dir), cards, skipped


def _remove_stale(folder: Path, keep: set[str]) -> None:
    """Previews of an earlier run that this run did not write (fewer samples, other filter)."""
    for p in folder.iterdir():
        if p.suffix in (".webp", ".gif", ".png") and p.name not in keep:
            p.unlink()
