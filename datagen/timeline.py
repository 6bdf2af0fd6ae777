"""Event timing inside a clip: when an overlay (a subtitle line, an icon) is on screen.

`random_events` simulates a subtitle track around the clip: events of random duration
separated by gaps (or back to back), with the clip window landing at a random point of
that track. So the text changes inside some clips, some frames have no event (empty
mask), and a few clips have none at all. Times are seconds; frames are [start, end).
"""
from __future__ import annotations

import numpy as np

from datagen.recipe.dist import Dist


def random_events(
    rng: np.random.Generator,
    frames: int,
    fps: float,
    duration: Dist,
    gap_p: float,
    gap: Dist,
    max_events: int = 64,
) -> list[tuple[int, int]]:
    clip_s = frames / fps
    d0 = float(duration.sample(rng))
    g0 = float(gap.sample(rng)) if rng.random() < gap_p else 0.0
    t = -float(rng.uniform(0.0, d0 + g0))  # the clip starts somewhere in the first cycle
    d, g = d0, g0
    events = []
    while t < clip_s and len(events) < max_events:
        s, e = t, t + max(d, 1.0 / fps)
        fs, fe = int(round(s * fps)), int(round(e * fps))
        fs, fe = max(fs, 0), min(fe, frames)
        if fe > fs:
            events.append((fs, fe))
        t = e + g
        d = float(duration.sample(rng))
        g = float(gap.sample(rng)) if rng.random() < gap_p else 0.0
    # back-to-back events that round onto the same frame must not overlap
    out = []
    for fs, fe in events:
        if out and fs < out[-1][1]:
            fs = out[-1][1]
        if fe > fs:
            out.append((fs, fe))
    return out


def timed_window_events(events, start_s: float, frames: int, fps: float) -> list[tuple[int, int, int]]:
    """Map timed events (objects with .start/.end seconds) into a clip window starting at start_s.

    Returns (first_frame, end_frame, event_index) for events visible in the window.
    Frame t shows time start_s + t / fps.
    """
    out = []
    for i, ev in enumerate(events):
        fs = int(np.ceil((ev.start - start_s) * fps - 1e-9))
        fe = int(np.ceil((ev.end - start_s) * fps - 1e-9))
        fs, fe = max(fs, 0), min(fe, frames)
        if fe > fs:
            out.append((fs, fe, i))
    prev_end = 0
    cleaned = []
    for fs, fe, i in out:
        fs = max(fs, prev_end)
        if fe > fs:
            cleaned.append((fs, fe, i))
            prev_end = fe
    return cleaned


def fade_factor(t: int, start: int, end: int, fade_in: int, fade_out: int) -> float:
    """Opacity multiplier of an event at frame t (linear fades, in frames)."""
    f = 1.0
    if fade_in > 0:
        f = min(f, (t - start + 1) / (fade_in + 1))
    if fade_out > 0:
        f = min(f, (end - t) / (fade_out + 1))
    return max(0.0, min(1.0, f))
