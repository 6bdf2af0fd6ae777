"""Subtitles: randomly styled text lines with real timing, burned into the clip.

A clip gets one style (font family, size, colours, outline, shadow, box, placement),
as a real video does, and a timeline of events whose text changes inside the clip.
Each event is rendered once and reused across its frames (with optional fades).
Texts come from bundled corpora, a user text file or a user subtitle file (.srt/.ass:
real timings). A text is only drawn with a font whose cmap has all its characters.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from datagen.errors import InputSkipped
from datagen.layers.base import Layer, LayerSpec, register_layer
from datagen.recipe.dist import Cat, Int, Num
from datagen.recipe.schema import ClipSpec, Strict
from datagen.text import fonts as fontmod
from datagen.text.corpus import (
    bundled_corpora, check_subtitle_file, check_text_file, corpus_path, load_lines, load_subtitle_events,
)
from datagen.text.render import Style, line_width, load_font, render_block
from datagen.text.wrap import wrap
from datagen.timeline import fade_factor, random_events, timed_window_events

COLOURS = ["#FFFFFF", "#F5F5F5", "#FFFF00", "#FFE13C", "#E8E8E8", "#9CF0FF", "#FFD6A0", "#B4FFB4"]


class TextSource(Strict):
    corpus: str | None = Field(None, description="bundled corpus code, e.g. en, zh_hans (see `datagen recipes`)")
    file: str | None = Field(None, description="UTF-8 text file, one subtitle per line")
    subtitles: str | None = Field(None, description=".srt/.ass/.ssa/.vtt file; its own timings are used")
    weight: float = Field(1.0, gt=0)

    @model_validator(mode="after")
    def _exactly_one(self):
        given = [k for k in ("corpus", "file", "subtitles") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of corpus, file, subtitles")
        return self

    @property
    def label(self) -> str:
        return f"corpus:{self.corpus}" if self.corpus else f"file:{self.file}" if self.file else f"subtitles:{self.subtitles}"

    def problem(self) -> tuple[str, str] | None:
        if self.corpus:
            if self.corpus not in bundled_corpora():
                return "corpus", f"no bundled corpus '{self.corpus}' (have: {', '.join(bundled_corpora())})"
            return None
        if self.file:
            p = check_text_file(self.file)
            return ("file", p) if p else None
        p = check_subtitle_file(self.subtitles)
        return ("subtitles", p) if p else None


class FontChoice(Strict):
    dir: str | None = Field(None, description="folder of .ttf/.otf files (default: the bundled fonts/)")
    files: list[str] | None = Field(None, description="explicit font files (instead of a folder)")
    families: list[str] | None = Field(None, description="restrict to these family names")
    style: Cat(fontmod.STYLES) = {"choice": ["regular", "bold", "italic", "bolditalic"], "weights": [0.45, 0.4, 0.1, 0.05]}


class SubtitleStyle(Strict):
    fill: Cat() = {"choice": COLOURS, "weights": [0.55, 0.08, 0.12, 0.08, 0.06, 0.04, 0.04, 0.03]}
    opacity: Num(0.05, 1) = {"choice": [1.0, 0.9, 0.75], "weights": [0.85, 0.1, 0.05]}
    outline_p: float = Field(0.8, ge=0, le=1)
    outline_width: Num(0, 0.5) = {"uniform": [0.04, 0.12]}  # x font size
    outline_color: Cat() = {"choice": ["#000000", "#141414", "#282828", "#202040"], "weights": [0.7, 0.15, 0.1, 0.05]}
    shadow_p: float = Field(0.45, ge=0, le=1)
    shadow_offset: Num(0, 0.5) = {"uniform": [0.02, 0.08]}  # x font size
    shadow_angle: Num(-180, 180) = {"uniform": [20, 70]}  # degrees, 0 = right, 90 = down
    shadow_blur: Num(0, 0.5) = {"uniform": [0.0, 0.08]}  # x font size
    shadow_opacity: Num(0, 1) = {"uniform": [0.4, 0.9]}
    box_p: float = Field(0.1, ge=0, le=1)
    box_color: Cat() = {"choice": ["#000000", "#202020", "#FFFFFF"], "weights": [0.8, 0.15, 0.05]}
    box_opacity: Num(0, 1) = {"uniform": [0.35, 1.0]}
    box_padding: Num(0, 2) = {"uniform": [0.1, 0.4]}  # x font size
    letter_spacing: Num(-0.1, 1) = {"choice": [0.0, 0.02, 0.05, 0.1], "weights": [6, 2, 1, 0.5]}  # x font size
    line_spacing: Num(0.7, 3) = {"uniform": [1.0, 1.25]}
    blur: Num(0, 5) = {"uniform": [0.0, 0.7]}  # px


class SubtitleLayout(Strict):
    size: Num(0.01, 0.5) = {"uniform": [0.055, 0.095]}  # font size / frame height
    max_lines: Int(1, 6) = {"choice": [1, 2], "weights": [0.6, 0.4]}
    max_width: Num(0.1, 1) = {"uniform": [0.75, 0.95]}  # / frame width
    position: Cat(["bottom", "top"]) = {"choice": ["bottom", "top"], "weights": [0.9, 0.1]}
    margin: Num(0, 0.5) = {"uniform": [0.03, 0.12]}  # / frame height
    align: Cat(["center", "left", "right"]) = {"choice": ["center", "left", "right"], "weights": [0.9, 0.05, 0.05]}
    side_margin: Num(0, 0.5) = {"uniform": [0.03, 0.1]}  # / frame width, for left/right alignment
    x_jitter: Num(0, 0.5) = {"uniform": [0.0, 0.02]}  # / frame width
    join_p: float = Field(0.25, ge=0, le=1, description="chance to join two corpus lines into one event")


class SubtitleTiming(Strict):
    duration: Num(0.04, 600) = {"uniform": [0.4, 3.0]}  # seconds
    gap_p: float = Field(0.35, ge=0, le=1)
    gap: Num(0, 600) = {"uniform": [0.1, 1.2]}  # seconds
    fade_p: float = Field(0.15, ge=0, le=1)
    fade: Num(0, 10) = {"uniform": [0.04, 0.25]}  # seconds


class SubtitleSpec(LayerSpec):
    type: Literal["subtitle"] = "subtitle"
    texts: list[TextSource] = Field(default_factory=lambda: [TextSource(corpus="en"), TextSource(corpus="zh_hans")],
                                    min_length=1)
    fonts: FontChoice = FontChoice()
    style: SubtitleStyle = SubtitleStyle()
    layout: SubtitleLayout = SubtitleLayout()
    timing: SubtitleTiming = SubtitleTiming()

    def check_files(self) -> list[tuple[str, str]]:
        out = []
        for i, src in enumerate(self.texts):
            p = src.problem()
            if p:
                out.append((f"texts[{i}].{p[0]}", p[1]))
        f = self.fonts
        if f.files:
            for i, path in enumerate(f.files):
                if not Path(path).is_file():
                    out.append((f"fonts.files[{i}]", f"font file not found: {path}"))
                else:
                    try:
                        fontmod.read_font(path)
                    except ValueError as e:
                        out.append((f"fonts.files[{i}]", f"{path}: {e}"))
        elif f.dir and not Path(f.dir).is_dir():
            out.append(("fonts.dir", f"font folder not found: {f.dir}"))
        if not out:
            cat = _catalog(self)
            fonts = cat.select(f.families)
            if not fonts:
                fams = ", ".join(cat.families()) or "none"
                out.append(("fonts", f"no usable fonts (families {f.families} not among: {fams})"))
            for i, src in enumerate(self.texts):
                if fonts and not src.subtitles and not _any_line_covered(src, fonts):
                    out.append((f"texts[{i}]", f"no line of {src.label} can be drawn with the chosen fonts "
                                               "(their character maps lack its characters)"))
        return out

    def preflight(self, resources=None) -> dict[str, int]:
        return {"font_unreadable": len(_catalog(self).broken)}


def _source_lines(src: TextSource) -> tuple[str, ...]:
    return load_lines(str(corpus_path(src.corpus))) if src.corpus else load_lines(src.file)


def _any_line_covered(src: TextSource, fonts: list[fontmod.FontInfo], probe: int = 200) -> bool:
    lines = _source_lines(src)
    step = max(1, len(lines) // probe)
    return any(f.covers(line) for line in lines[::step] for f in fonts)


def _catalog(spec: SubtitleSpec) -> fontmod.FontCatalog:
    if spec.fonts.files:
        return fontmod.FontCatalog.from_files(list(spec.fonts.files))
    return fontmod.FontCatalog.scan(spec.fonts.dir)


def _pick(rng, items, weights=None):
    if weights is None:
        return items[int(rng.integers(len(items)))]
    p = np.asarray(weights, np.float64)
    return items[int(rng.choice(len(items), p=p / p.sum()))]


@register_layer
class SubtitleLayer(Layer):
    Spec = SubtitleSpec

    def __init__(self, spec: SubtitleSpec, resources=None):
        super().__init__(spec, resources)
        cat = _catalog(spec)
        self.fonts = cat.select(spec.fonts.families)
        self.broken_fonts = cat.broken
        self._covering: dict[str, list] = {}  # text -> fonts whose cmap covers it

    # -- planning --------------------------------------------------------------------
    def _texts(self, src: TextSource) -> tuple[str, ...]:
        return _source_lines(src)

    def _style(self, rng, size_px: int) -> dict:
        s = self.spec.style
        d = {"fill": s.fill.sample(rng), "opacity": round(float(s.opacity.sample(rng)), 4)}
        if rng.random() < s.outline_p:
            d["outline_width"] = round(max(1.0, s.outline_width.sample(rng) * size_px), 2)
            d["outline_color"] = s.outline_color.sample(rng)
        if rng.random() < s.shadow_p:
            off = s.shadow_offset.sample(rng) * size_px
            ang = np.deg2rad(s.shadow_angle.sample(rng))
            d["shadow"] = {"dx": round(float(off * np.cos(ang)), 2), "dy": round(float(off * np.sin(ang)), 2),
                           "blur": round(float(s.shadow_blur.sample(rng) * size_px), 2),
                           "opacity": round(float(s.shadow_opacity.sample(rng)), 3), "color": "#000000"}
        if rng.random() < s.box_p:
            d["box"] = {"padding": round(float(s.box_padding.sample(rng) * size_px), 2),
                        "color": s.box_color.sample(rng), "opacity": round(float(s.box_opacity.sample(rng)), 3)}
        d["letter_spacing"] = round(float(s.letter_spacing.sample(rng) * size_px), 2)
        d["line_spacing"] = round(float(s.line_spacing.sample(rng)), 3)
        d["blur"] = round(float(s.blur.sample(rng)), 3)
        return d

    def _font_for(self, rng, text: str, preferred: fontmod.FontInfo | None, style: str):
        if preferred is not None and preferred.covers(text):
            return preferred
        cands = self._covering.get(text)
        if cands is None:
            if len(self._covering) > 50_000:  # user files can be huge; keep memory flat
                self._covering.clear()
            cands = self._covering[text] = [f for f in self.fonts if f.covers(text)]
        if not cands:
            return None
        same_style = [f for f in cands if f.style == style] or cands
        return _pick(rng, same_style)

    def _event_text(self, rng, src: TextSource, join_p: float) -> str:
        lines = self._texts(src)
        text = lines[int(rng.integers(len(lines)))]
        if rng.random() < join_p:
            text = text + "\n" + lines[int(rng.integers(len(lines)))]
        return text

    def plan(self, rng: np.random.Generator, clip: ClipSpec) -> dict:
        sp, lay, tim = self.spec, self.spec.layout, self.spec.timing
        if not self.fonts:
            raise InputSkipped("no_fonts")
        src = _pick(rng, sp.texts, [t.weight for t in sp.texts])
        size_px = max(6, int(round(lay.size.sample(rng) * clip.height)))
        style_name = sp.fonts.style.sample(rng)
        style = self._style(rng, size_px)
        max_lines = int(lay.max_lines.sample(rng))
        max_w = lay.max_width.sample(rng) * clip.width
        position = lay.position.sample(rng)
        align = lay.align.sample(rng)
        style["align"] = align
        margin_px = int(round(lay.margin.sample(rng) * clip.height))
        if align == "center":
            x_px = clip.width / 2 + rng.uniform(-1, 1) * lay.x_jitter.sample(rng) * clip.width
        else:
            x_px = lay.side_margin.sample(rng) * clip.width
        placement = {"position": position, "align": align, "margin_px": margin_px, "x_px": round(float(x_px), 2)}

        # timeline: from the subtitle file, or simulated
        if src.subtitles:
            tevents = load_subtitle_events(src.subtitles)
            lo, hi = tevents[0].start - clip.frames / clip.fps, tevents[-1].end
            start_s = float(rng.uniform(lo, hi))
            slots = [(fs, fe, tevents[i].text) for fs, fe, i in timed_window_events(tevents, start_s, clip.frames, clip.fps)]
            timing_src = {"subtitles": src.subtitles, "window_start_s": round(start_s, 3)}
        else:
            slots = [(fs, fe, None) for fs, fe in random_events(rng, clip.frames, clip.fps, tim.duration, tim.gap_p, tim.gap)]
            timing_src = {"simulated": True}

        events, font, dropped = [], None, 0
        for fs, fe, given in slots:
            fitted = None
            for _attempt in range(24):
                text = given if given is not None else self._event_text(rng, src, lay.join_p)
                f = self._font_for(rng, text, font, style_name)
                if f is None:
                    if given is not None:
                        break  # the file's own text has characters no font covers
                    continue
                pil_font = load_font(f.path, size_px)
                lines = wrap(text, lambda s: line_width(pil_font, s, style["letter_spacing"]), max_w, max_lines)
                if lines:
                    fitted = (lines, f)
                    break
                if given is not None:  # a file's text must be shown: shrink until it fits
                    size_px = max(6, int(size_px * 0.85))
            if fitted is None:
                dropped += 1
                continue
            lines, font = fitted
            fade_in = fade_out = 0
            if rng.random() < tim.fade_p:
                fade_in = int(round(tim.fade.sample(rng) * clip.fps))
                fade_out = int(round(tim.fade.sample(rng) * clip.fps))
            events.append({"start": fs, "end": fe, "text": "\n".join(lines), "lines": lines,
                           "font": font.label, "font_family": font.family, "font_style": font.style,
                           "fade_in": fade_in, "fade_out": fade_out})
        if dropped:
            placement["dropped_events"] = dropped
        return {"source": src.label, **timing_src, "size_px": size_px, "style": style,
                "placement": placement, "events": events}

    # -- rendering -------------------------------------------------------------------
    def render(self, plan: dict, canvas) -> None:
        style = Style.from_dict(plan["style"])
        pl = plan["placement"]
        for ev in plan["events"]:
            sprite = render_block(ev["lines"], fontmod.resolve_label(ev["font"]), plan["size_px"], style)
            bx0, by0, bx1, by1 = sprite.block
            bw, bh = bx1 - bx0, by1 - by0
            if pl["align"] == "center":
                left = pl["x_px"] - bw / 2
            elif pl["align"] == "left":
                left = pl["x_px"]
            else:
                left = canvas.W - pl["x_px"] - bw
            left = min(max(left, 0), max(canvas.W - bw, 0))
            top = canvas.H - pl["margin_px"] - bh if pl["position"] == "bottom" else pl["margin_px"]
            x, y = int(round(left)) - bx0, int(round(top)) - by0
            for t in range(ev["start"], ev["end"]):
                f = fade_factor(t, ev["start"], ev["end"], ev["fade_in"], ev["fade_out"])
                if f >= 1.0:
                    canvas.overlay(t, x, y, sprite.rgb, sprite.alpha)
                elif f > 0:
                    a = np.rint(sprite.alpha.astype(np.float32) * f).astype(np.uint8)
                    canvas.overlay(t, x, y, sprite.rgb, a)
