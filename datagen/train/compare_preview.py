"""Side-by-side previews of several checkpoints on the same clips (`datagen eval --preview DIR`).

For every previewed clip, `DIR/KEY.webp` plays the clip with one panel per method —
**corrupted | each checkpoint's output | clean** — under a header naming them, and
`DIR/KEY.png` is the middle frame. The corrupted panel outlines the ground-truth mask
in green so the region to judge is easy to find on every output. `DIR/index.html` lists
them all (open it from disk). Panel sizing, frame subsampling and WebP settings are
those of `datagen preview` (datagen.qa.preview), so both kinds of preview look alike.
"""
from __future__ import annotations

import html
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from datagen.qa.preview import GAP, HEADER, OUTLINE, WEBP_METHOD, WEBP_QUALITIES, frame_indices, panel_size

BYTES_PER_PANEL_FRAME = 20_000
"""WebP budget per panel and frame: the quality steps down until the animation fits."""
MIN_PANEL_WIDTH = 160
"""Clips narrower than this are shown enlarged (whole-pixel zoom, nearest neighbour)."""


def _font() -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=12)
    except TypeError:  # Pillow built without FreeType
        return ImageFont.load_default()


def outline_mask(frame: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """frame with a 1-px green ring just outside the mask (pixels inside stay as they are)."""
    m = mask.astype(bool)
    if not m.any():
        return frame
    out = frame.copy()
    ring = cv2.dilate(m.view(np.uint8), np.ones((3, 3), np.uint8)).view(bool) & ~m
    out[ring] = OUTLINE
    return out


def compose(panels: list[tuple[str, np.ndarray]], t: int, pw: int, ph: int) -> np.ndarray:
    """Frame t of each (label, (T, H, W, 3) uint8) panel side by side under a header."""
    W = len(panels) * pw + (len(panels) - 1) * GAP
    canvas = np.full((HEADER + ph, W, 3), 32, np.uint8)
    for i, (_, frames) in enumerate(panels):
        f = frames[t]
        if f.shape[1] != pw or f.shape[0] != ph:
            grow = f.shape[1] < pw
            f = cv2.resize(f, (pw, ph), interpolation=cv2.INTER_NEAREST if grow else cv2.INTER_AREA)
        canvas[HEADER:, i * (pw + GAP):i * (pw + GAP) + pw] = f
    img = Image.fromarray(canvas)
    draw = ImageDraw.Draw(img)
    font = _font()
    for i, (label, _) in enumerate(panels):
        text = label
        while text and draw.textlength(text, font=font) > pw - 8:  # clip long labels to their panel
            text = text[:-1]
        draw.text((i * (pw + GAP) + 4, 2), text, fill=(235, 235, 235), font=font)
    return np.asarray(img)


def write_comparison(out_dir: Path, key: str, corrupted: np.ndarray, mask: np.ndarray, clean: np.ndarray,
                     outputs: list[tuple[str, np.ndarray]], fps: float = 12.0, panel_width: int = 320,
                     max_frames: int = 32) -> dict:
    """`out_dir/KEY.webp` (animated) and `out_dir/KEY.png` (middle frame).

    corrupted, clean (T, H, W, 3) and mask (T, H, W) of one clip; outputs: (label, frames)
    per method, in table order. Returns {key, animation, still} (file names).
    """
    T, H, W = clean.shape[:3]
    zoom = max(1, -(-MIN_PANEL_WIDTH // W))  # small clips are enlarged so labels and detail show
    pw, ph = panel_size(W * zoom, H * zoom, panel_width)
    shown = np.stack([outline_mask(corrupted[t], mask[t]) for t in range(T)])
    panels = [("corrupted", shown), *outputs, ("clean", clean)]
    idx = frame_indices(T, max_frames)
    images = [Image.fromarray(compose(panels, t, pw, ph)) for t in idx]
    duration = max(20, int(round(1000.0 / fps * T / len(idx))))
    anim, still = out_dir / f"{key}.webp", out_dir / f"{key}.png"
    for quality in WEBP_QUALITIES:
        images[0].save(anim, format="WEBP", save_all=True, append_images=images[1:], duration=duration, loop=0,
                       quality=quality, method=WEBP_METHOD)
        if anim.stat().st_size <= BYTES_PER_PANEL_FRAME * len(panels) * len(images):
            break
    Image.fromarray(compose(panels, T // 2, pw, ph)).save(still, format="PNG", compress_level=3)
    return {"key": key, "animation": anim.name, "still": still.name}


def write_index(out_dir: Path, entries: list[dict], title: str) -> Path:
    """`out_dir/index.html`: every comparison, one per row."""
    rows = "\n".join(
        f'<figure><img src="{html.escape(e["animation"])}" alt="{html.escape(e["key"])}">'
        f'<figcaption>{html.escape(e["key"])} - <a href="{html.escape(e["still"])}">middle frame</a>'
        "</figcaption></figure>" for e in entries)
    page = (f"<!doctype html><meta charset=utf-8><title>{html.escape(title)}</title>"
            "<style>body{background:#202020;color:#ddd;font:14px sans-serif}img{max-width:100%}"
            "figure{margin:0 0 18px}a{color:#9cf}</style>"
            f"<h1>{html.escape(title)}</h1>\n{rows}\n")
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
