"""Window quality filters: shot cuts, nearly static, nearly black, burnt-in text in the lower band.

A training clip that crosses a cut teaches a temporal model that content can jump; a static
or black clip teaches nothing; footage that already carries hard subtitles would make the
"clean" target dirty. Each test gives a number; the recipe's threshold decides (see
`FootageFilters`). Frames are analysed small (about 64 px wide, area-averaged), which is fast and
ignores noise and compression grain:

- **cut**: half the L1 distance between consecutive frames' colour histograms (YCrCb,
  8x4x4 bins), 0 (same colours) to 1 (disjoint). A cut between two shots of similar colour
  is missed; a flash or a fast whip-pan can be taken for a cut.
- **static**: mean absolute luma change between consecutive frames, in 8-bit levels.
- **black**: a frame whose mean luma is below the level is black; a window with more than
  half of its frames black is rejected.
- **text** (optional): burnt-in text in the lower band. Text is many strong vertical edges
  that stay put while the picture moves: edges present in most frames of the window, summed
  per row, the densest strip of text-line height in the bottom 30% of the frame, minus the
  typical strip density above it. Limits: it also fires on static fine structure that sits
  only in the lower band (railings, captions that are part of the scene, on-screen UI),
  misses faint, small, thin or low-contrast text and text shown in fewer than about half of
  the window's frames, and cannot see text outside the lower band.
"""
from __future__ import annotations

import cv2
import numpy as np

from datagen.errors import InputSkipped

ANALYSIS_WIDTH = 64
TEXT_BAND = 0.3  # bottom fraction of the frame searched for text
TEXT_EDGE = 48  # |d luma / dx| (Sobel, 8-bit levels) of a text stroke's edge
TEXT_PERSIST = 0.6  # fraction of the window's frames an edge pixel must be present in
TEXT_LINE = 0.07  # text line height, fraction of the frame height


def small_frames(frames: np.ndarray) -> np.ndarray:
    """(T, h, w, 3) area-averaged copies, about 64 px wide (an integer factor: OpenCV's fast path)."""
    H, W = frames.shape[1:3]
    b = max(1, W // ANALYSIS_WIDTH)
    w, h = W // b, max(1, H // b)
    return np.stack([cv2.resize(f[:h * b, :w * b], (w, h), interpolation=cv2.INTER_AREA) for f in frames])


def luma(frames: np.ndarray) -> np.ndarray:
    return np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])


def cut_scores(small: np.ndarray) -> np.ndarray:
    """Histogram distance in [0, 1] between each pair of consecutive frames (T-1 values)."""
    hists = []
    for f in small:
        ycc = cv2.cvtColor(f, cv2.COLOR_RGB2YCrCb)
        h = cv2.calcHist([ycc], [0, 1, 2], None, [8, 4, 4], [0, 256, 0, 256, 0, 256]).ravel()
        hists.append(h / max(h.sum(), 1.0))
    hists = np.asarray(hists)
    return 0.5 * np.abs(np.diff(hists, axis=0)).sum(axis=1)


def motion_score(small_luma: np.ndarray) -> float:
    """Mean absolute luma change between consecutive frames (8-bit levels)."""
    if len(small_luma) < 2:
        return 0.0
    return float(np.abs(np.diff(small_luma.astype(np.int16), axis=0)).mean())


def black_fraction(small_luma: np.ndarray, level: float) -> float:
    return float((small_luma.reshape(len(small_luma), -1).mean(axis=1) < level).mean())


def text_score(frames: np.ndarray) -> float:
    """Density of persistent strong vertical edges in the lower band above the frame's norm."""
    T, H, W = frames.shape[:3]
    edges = np.zeros((H, W), np.float32)
    for g in luma(frames):
        gx = cv2.convertScaleAbs(cv2.Sobel(g, cv2.CV_16S, 1, 0, ksize=3), alpha=0.25)
        edges += gx >= TEXT_EDGE
    persistent = (edges >= TEXT_PERSIST * T).astype(np.float32)
    rows = persistent.mean(axis=1)
    k = max(3, round(TEXT_LINE * H))
    strips = np.convolve(rows, np.ones(k, np.float32) / k, mode="same")
    y0 = int(H * (1 - TEXT_BAND))
    return float(strips[y0:].max() - np.median(strips[:y0]))


def check_window(frames: np.ndarray, thresholds: dict) -> None:
    """Raise InputSkipped(shot_cut | static | black | text_band) when a test fails.

    `thresholds` holds the sampled recipe values (None or absent = test off).
    """
    small = small_frames(frames)
    small_y = luma(small)
    if thresholds.get("black") is not None and black_fraction(small_y, thresholds["black"]) > 0.5:
        raise InputSkipped("black")
    if thresholds.get("static") is not None and motion_score(small_y) < thresholds["static"]:
        raise InputSkipped("static")
    if thresholds.get("cut") is not None and len(small) > 1 and cut_scores(small).max() > thresholds["cut"]:
        raise InputSkipped("shot_cut")
    if thresholds.get("text") is not None and text_score(frames) > thresholds["text"]:
        raise InputSkipped("text_band")
