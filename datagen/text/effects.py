"""Subtitle effects over time: karaoke sweeps, typewriter reveals, roll-up and pop-on captions.

`effect.kind` (a weighted choice in the recipe) gives a clip one of:

- `none`: each event appears whole (with optional fades);
- `karaoke`: the fill sweeps from one colour to another, word by word (character by
  character for Chinese/Japanese) over the event; the line is rendered once in each
  colour and the two are combined per frame with a column split, so the alpha (and
  the mask) stay the same for the whole event;
- `typewriter`: characters appear one after another at `rate` per second (the mask
  grows with them);
- `rollup`: broadcast roll-up captions (CEA-608 style): words appear one by one on the
  bottom row of a 2-4 row window; a full row rolls up, the top row leaves;
- `popon`: broadcast pop-on captions: caption-box rows placed left-aligned at a caption
  column, appearing and disappearing at once.

Planning draws every time and colour (`plan_*`); `Animator` turns an event's sprites
into per-frame overlays without randomness. Each row/line is rasterised once.
"""
from __future__ import annotations

import math

import numpy as np
from datagen.recipe.dist import Cat, Int, Num
from datagen.recipe.schema import Strict
from datagen.text.render import LineBox, Sprite, load_font, spaced_stops, to_straight
from datagen.text.scripts import is_rtl, needs_shaping, script_of

EFFECTS = ("none", "karaoke", "typewriter", "rollup", "popon")


class KaraokeSpec(Strict):
    colors: Cat() = {"choice": [["#FFFFFF", "#3C8CFF"], ["#FFFFFF", "#FF4F9A"], ["#FFFF40", "#FF3030"],
                                ["#E0E0E0", "#FFD400"], ["#FFFFFF", "#30D060"]],
                     "weights": [0.3, 0.25, 0.15, 0.15, 0.15]}  # [before, after] the sweep
    lead: Num(0, 0.9) = {"uniform": [0.0, 0.15]}  # share of the event before the sweep starts
    tail: Num(0, 0.9) = {"uniform": [0.0, 0.2]}  # share of the event after it ends


class TypewriterSpec(Strict):
    rate: Num(0.5, 200) = {"uniform": [8, 25]}  # characters per second


class RollupSpec(Strict):
    rows: Int(1, 4) = {"choice": [2, 3, 4], "weights": [0.45, 0.4, 0.15]}  # rows in the caption window
    words_per_second: Num(0.2, 20) = {"uniform": [2.0, 4.0]}
    roll: Num(0, 2) = {"uniform": [0.1, 0.35]}  # seconds a roll-up scroll takes (0 = jump)
    column: Num(0, 0.5) = {"uniform": [0.06, 0.2]}  # left edge of the rows / frame width
    width: Num(0.2, 1) = {"uniform": [0.6, 0.85]}  # row width / frame width
    position: Cat(["bottom", "top"]) = {"choice": ["bottom", "top"], "weights": [0.85, 0.15]}


class PoponSpec(Strict):
    column: Num(0, 0.6) = {"uniform": [0.06, 0.3]}  # left edge of the caption / frame width
    position: Cat(["bottom", "top", "middle"]) = {"choice": ["bottom", "top", "middle"],
                                                  "weights": [0.7, 0.2, 0.1]}


class EffectSpec(Strict):
    kind: Cat(EFFECTS) = "none"
    karaoke: KaraokeSpec = KaraokeSpec()
    typewriter: TypewriterSpec = TypewriterSpec()
    rollup: RollupSpec = RollupSpec()
    popon: PoponSpec = PoponSpec()


# -- planning ---------------------------------------------------------------------------
def units(text: str) -> list[int]:
    """Cut points (character indices) between karaoke units: words, or characters for CJK."""
    if script_of(text) in ("han", "japanese") or " " not in text.strip():
        return list(range(1, len(text) + 1))
    cuts = [i for i in range(1, len(text)) if text[i] == " " and text[i - 1] != " "]
    return cuts + [len(text)]


def plan_karaoke(rng, spec: KaraokeSpec, lines: list[str], start: int, end: int) -> dict:
    before, after = spec.colors.sample(rng)
    dur = end - start
    s0 = start + spec.lead.sample(rng) * dur
    s1 = max(end - spec.tail.sample(rng) * dur, s0 + 1.0)
    if start == 0:  # the event most likely began before the clip: part of the line is already sung
        back = float(rng.uniform(0.0, 0.8)) * (s1 - s0)
        s0, s1 = s0 - back, s1 - back
    cuts = [[li, k] for li, ln in enumerate(lines) for k in units(ln)]
    w = rng.uniform(0.5, 1.5, len(cuts))
    times = np.concatenate([[0.0], np.cumsum(w) / w.sum()])
    return {"type": "karaoke", "before": before, "after": after, "sweep": [round(s0, 3), round(s1, 3)],
            "cuts": cuts, "times": [round(float(x), 4) for x in times]}


def plan_typewriter(rng, spec: TypewriterSpec, text: str, start: int, fps: float) -> dict:
    per_frame = float(spec.rate.sample(rng)) / fps
    n = len(text.replace("\n", ""))
    shown = 1.0
    if start == 0:  # begun before the clip
        shown = float(rng.uniform(1.0, max(1.0, n)))
    return {"type": "typewriter", "start": start, "chars_per_frame": round(per_frame, 4),
            "shown_at_start": round(shown, 3)}


def plan_rollup(rng, spec: RollupSpec, words_of, fit_row, frames: int, fps: float) -> dict:
    """Rows of words with per-word appearance frames.

    `words_of()` returns the words of one more sentence; `fit_row(words)` says whether a
    row of these words fits the row width. The caption stream starts before the clip
    so the window is already full at frame 0."""
    rows_n = int(spec.rows.sample(rng))
    wps = float(spec.words_per_second.sample(rng))
    t = -float(rng.uniform(1.0, rows_n * 4.0))  # usually mid-stream at frame 0, sometimes just begun
    rows: list[dict] = []
    row_words: list[str] = []
    word_times: list[float] = []
    end_s = frames / fps
    while len(rows) < 64:
        sentence = words_of()
        for wd in sentence:
            if row_words and not fit_row([*row_words, wd]):
                rows.append({"words": row_words, "times": word_times})
                row_words, word_times = [], []
            row_words.append(wd)
            word_times.append(t)
            t += float(rng.uniform(0.6, 1.4)) / wps
        t += float(rng.uniform(0.2, 0.6))  # a breath between sentences
        if t > end_s and row_words:
            rows.append({"words": row_words, "times": word_times})
            break
    return {"rows_n": rows_n, "roll_s": round(float(spec.roll.sample(rng)), 3),
            "column": round(float(spec.column.sample(rng)), 4), "position": spec.position.sample(rng), "rows": rows}


def rollup_events(ru: dict, frames: int, fps: float, joiner: str) -> list[dict]:
    """One event per row: visible from its first word until `rows_n` newer rows pushed it out."""
    starts = [int(math.ceil(r["times"][0] * fps - 1e-9)) for r in ru["rows"]]
    events = []
    for i, r in enumerate(ru["rows"]):
        s = starts[i]
        e = starts[i + ru["rows_n"]] if i + ru["rows_n"] < len(starts) else frames
        s, e = max(s, 0), min(e, frames)
        if e <= s:
            continue
        text = joiner.join(r["words"])
        ends, pos = [], 0
        for wd in r["words"]:
            pos += len(wd)
            ends.append(pos)
            pos += len(joiner)
        word_frames = [int(math.ceil(x * fps - 1e-9)) for x in r["times"]]
        events.append({"start": s, "end": e, "text": text, "lines": [text], "fade_in": 0, "fade_out": 0,
                       "effect": {"type": "rollup", "row": i, "row_starts": starts,
                                  "words": [[k, f] for k, f in zip(ends, word_frames)]}})
    return events


# -- per-frame animation ----------------------------------------------------------------
def _line_rows(sprite: Sprite) -> np.ndarray:
    """Index of the line each sprite row belongs to (nearest line centre)."""
    H = sprite.alpha.shape[0]
    centers = np.array([(b.y0 + b.y1) / 2 for b in sprite.lines], np.float32)
    return np.argmin(np.abs(np.arange(H, dtype=np.float32)[:, None] - centers[None, :]), axis=1)


def _stop_x(font, box: LineBox, line: str, k: int, spacing: float, rtl: bool) -> float:
    """Sprite x where character k of a line ends (its left side for right-to-left lines)."""
    if spacing and not needs_shaping(line):  # between two letters: the middle of their gap
        adv = spaced_stops(font, line, spacing)[k] - (spacing / 2 if 0 < k < len(line) else 0.0)
    else:
        adv = float(font.getlength(line[:k])) if k > 0 else 0.0
    return box.x1 - adv if rtl else box.x0 + adv


class Animator:
    """Per-frame RGB/alpha of one event's main sprite under its effect (None = static)."""

    def __init__(self, effect: dict | None, sprites: list[Sprite], lines: list[str], font_path: str,
                 size_px: int, style: dict):
        self.effect = effect or {}
        self.kind = self.effect.get("type")
        self.sprite = sprites[0]
        self.sprites = sprites
        self.lines = lines
        self.rtl = [is_rtl(ln) for ln in lines]
        self.font = load_font(font_path, size_px)
        self.spacing = float(style.get("letter_spacing", 0.0))
        self.outline = float(style.get("outline_width", 0.0))
        self.box_pad = float((style.get("box") or {}).get("padding", 0.0))
        self.rows = _line_rows(self.sprite) if self.kind in ("karaoke", "typewriter", "rollup") else None
        self._stops: dict[tuple[int, int], float] = {}
        self._frames: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

    def stop(self, li: int, k: int) -> float:
        key = (li, k)
        if key not in self._stops:
            self._stops[key] = _stop_x(self.font, self.sprite.lines[li], self.lines[li], k, self.spacing, self.rtl[li])
        return self._stops[key]

    def _shown(self, line: int, x: float, soft: bool) -> np.ndarray:
        """(H, W) share shown: rows of earlier lines all, of later lines none, of `line` up to x."""
        cols = np.arange(self.sprite.alpha.shape[1], dtype=np.float32)
        rtl = line < len(self.lines) and self.rtl[line]
        d = cols - x if rtl else x - cols
        part = np.clip(d + 0.5, 0.0, 1.0) if soft else (d > 0).astype(np.float32)
        rows = self.rows[:, None]
        return np.where(rows < line, 1.0, np.where(rows == line, part[None, :], 0.0)).astype(np.float32)

    def frame(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        if self.kind == "karaoke":
            return self._karaoke(t)
        if self.kind == "typewriter":
            return self._reveal_chars(t)
        if self.kind == "rollup":
            return self._reveal_words(t)
        return self.sprite.rgb, self.sprite.alpha

    def _karaoke(self, t: int):
        e = self.effect
        s0, s1 = e["sweep"]
        tau = min(max((t - s0) / max(s1 - s0, 1e-6), 0.0), 1.0)
        times = e["times"]
        u = int(np.searchsorted(times, tau, side="right")) - 1
        if u >= len(e["cuts"]):
            li, x = len(self.lines), 0.0
        else:
            li, k = e["cuts"][u]
            prev_k = e["cuts"][u - 1][1] if u > 0 and e["cuts"][u - 1][0] == li else 0
            f = (tau - times[u]) / max(times[u + 1] - times[u], 1e-9)
            xa, xb = self.stop(li, prev_k), self.stop(li, k)
            x = xa + f * (xb - xa)
        return self._sung(li, x), self.sprite.alpha

    def _sung(self, line: int, x: float) -> np.ndarray:
        """Before-colour sprite with the lines before `line`, and `line` up to x, in the after colour.

        Whole rows and column runs are copied; only the one or two columns at x are blended."""
        before, after = self.sprites[0].rgb, self.sprites[1].rgb
        rgb = before.copy()
        rows = np.flatnonzero(self.rows < line)
        if rows.size:
            rgb[rows[0]:rows[-1] + 1] = after[rows[0]:rows[-1] + 1]
        rows = np.flatnonzero(self.rows == line)
        if line >= len(self.lines) or not rows.size:
            return rgb
        r = slice(rows[0], rows[-1] + 1)
        W = rgb.shape[1]
        rtl = self.rtl[line]
        for c in range(int(math.floor(x - 0.5)), int(math.floor(x + 0.5)) + 1):
            if 0 <= c < W:  # share of the after colour: clip(d + 0.5) with d the distance past the cut
                w = min(max((c - x if rtl else x - c) + 0.5, 0.0), 1.0)
                mix = before[r, c].astype(np.float32) * (1.0 - w) + after[r, c].astype(np.float32) * w
                rgb[r, c] = np.rint(mix).astype(np.uint8)
        full = slice(int(math.floor(x + 0.5)) + 1, W) if rtl else slice(0, max(int(math.floor(x - 0.5)), 0))
        rgb[r, full] = after[r, full]
        return rgb

    def _masked(self, li: int, k: int):
        """The sprite with only the first k characters of line li (and the lines before) shown."""
        key = ("masked", li, k)
        if key not in self._frames:  # the same reveal state lasts several frames
            self._frames[key] = self._cut(li, k)
        return self._frames[key]

    def _cut(self, li: int, k: int):
        sign = -1.0 if self.rtl[li] else 1.0
        stop = self.stop(li, k)
        keep_t = self._shown(li, stop + sign * self.outline, soft=False)
        if not self.sprite.layers:
            return self.sprite.rgb, (self.sprite.alpha * keep_t).astype(np.uint8)
        # a caption box reaches its padding past the last shown character
        keep_b = self._shown(li, stop + sign * (self.outline + self.box_pad), soft=False)
        (cb, ab), (ct, at) = self.sprite.layers["box"], self.sprite.layers["text"]
        at = at * keep_t
        ab = ab * keep_b
        c = ct * keep_t[..., None] + cb * keep_b[..., None] * (1.0 - at)[..., None]
        return to_straight(c, at + ab * (1.0 - at))

    def _reveal_chars(self, t: int):
        e = self.effect
        n = int(e["shown_at_start"] + e["chars_per_frame"] * (t - e["start"]))
        for li, ln in enumerate(self.lines):
            if n <= len(ln):
                return self._masked(li, max(n, 1) if li == 0 else n)
            n -= len(ln)
        return self.sprite.rgb, self.sprite.alpha

    def _reveal_words(self, t: int):
        k = 0
        for end, f in self.effect["words"]:
            if f <= t:
                k = end
        if k >= len(self.lines[0]):
            return self.sprite.rgb, self.sprite.alpha
        return self._masked(0, max(k, 1))


def rollup_offset(effect: dict, t: int, rows_n: int, roll_frames: float, row_h: float) -> float | None:
    """Vertical offset (px, up is negative) of a roll-up row at frame t, or None when not shown."""
    starts = effect["row_starts"]
    i = effect["row"]
    newer = sum(1 for s in starts[i + 1:] if s <= t)
    if newer >= rows_n:
        return None
    slot = float(newer)
    last = max((s for s in starts[i + 1:] if s <= t), default=None)
    if last is not None and roll_frames > 0 and t - last < roll_frames:
        slot -= 1.0 - (t - last) / roll_frames
    return -slot * row_h

