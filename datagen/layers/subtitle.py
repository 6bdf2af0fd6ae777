"""Subtitles: randomly styled text lines with real timing, burned into the clip.

A clip gets one look, as a real video does: a style preset (`style.preset`: the free
`custom` block below, or white+outline, DVD yellow, thin capitals, caption box, soft
shadow, glow, gradient, translucent; see datagen/text/presets.py), a font family, size,
placement and layout mode (horizontal, bilingual, vertical; datagen/text/layout.py),
and a timeline of events whose text changes inside the clip. An optional effect
(karaoke, typewriter, roll-up or pop-on captions; datagen/text/effects.py) animates it.
Each event is rendered once and reused across its frames (with optional fades).
Texts come from bundled corpora in 19 languages, a user text file or a user subtitle
file (.srt/.ass: real timings, our styles; `type: ass` renders an .ass file's own
styles). A text is only drawn with a font whose cmap has all its characters.
"""
from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from datagen.errors import InputSkipped
from datagen.layers.base import Layer, LayerSpec, register_layer
from datagen.recipe.dist import Cat, Int, Num
from datagen.recipe.schema import ClipSpec, Strict
from datagen.text import effects as fx
from datagen.text import fonts as fontmod
from datagen.text.corpus import load_subtitle_events
from datagen.text.layout import (
    MODES, BilingualSpec, EventContext, EventPlanner, NoteSpec, SignSpec, VerticalSpec, place_event,
)
from datagen.text.presets import STYLE_CHOICES, PresetParams, draw_preset
from datagen.text.render import Style, line_width, load_font, render_sprites
from datagen.text.scripts import script_of
from datagen.text.sources import (  # noqa: F401  (TextSource, FontChoice re-exported)
    FontChoice, TextPicker, TextSource, check_text_layer, font_fields, font_preflight, pick_source,
    source_lines,
)
from datagen.timeline import fade_factor, random_events, timed_window_events

COLOURS = ["#FFFFFF", "#F5F5F5", "#FFFF00", "#FFE13C", "#E8E8E8", "#9CF0FF", "#FFD6A0", "#B4FFB4"]


class SubtitleStyle(Strict):
    preset: Cat(STYLE_CHOICES) = "custom"  # `custom` = the fields below; others: datagen/text/presets.py
    presets: PresetParams = PresetParams()
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
    mode: Cat(MODES) = "horizontal"
    dialogue_p: float = Field(0.0, ge=0, le=1, description="chance of a two-speaker event with leading dashes")
    italic_p: float = Field(0.0, ge=0, le=1, description="chance of an event in italics")
    sign_p: float = Field(0.0, ge=0, le=1, description="chance of an event being a sign translation at the top")
    note_p: float = Field(0.0, ge=0, le=1, description="chance of a translator's note at the other edge")
    bilingual: BilingualSpec = BilingualSpec()
    vertical: VerticalSpec = VerticalSpec()
    sign: SignSpec = SignSpec()
    note: NoteSpec = NoteSpec()


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
    effect: fx.EffectSpec = fx.EffectSpec()

    def check_files(self) -> list[tuple[str, str]]:
        more = ([(self.layout.bilingual.texts, "layout.bilingual.texts")]
                if "bilingual" in (self.layout.mode.values() or []) else [])
        return check_text_layer(self.fonts, self.texts, *more)

    def preflight(self, resources=None) -> dict[str, int]:
        return font_preflight(self.fonts)


@register_layer
class SubtitleLayer(Layer):
    Spec = SubtitleSpec

    def __init__(self, spec: SubtitleSpec, resources=None):
        super().__init__(spec, resources)
        cat = spec.fonts.catalog()
        self.fonts = cat.select(spec.fonts.families)
        self.broken_fonts = cat.broken
        self.picker = TextPicker(self.fonts)
        self.events = EventPlanner(self.picker, spec.layout)

    # -- planning --------------------------------------------------------------------
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

    def _look(self, rng, size_px: int, effect: str) -> tuple[dict, int, str, bool]:
        """The clip's style dict, font size, font style and whether text is set in capitals."""
        sp = self.spec
        font_style = sp.fonts.style.sample(rng)
        preset = sp.style.preset.sample(rng)
        if effect in ("rollup", "popon"):
            preset = "cc_box"  # broadcast captions
        style = self._style(rng, size_px) if preset == "custom" else draw_preset(sp.style.presets, preset, rng, size_px)
        size_px = max(6, int(round(size_px * style.pop("size_scale", 1.0))))
        font_style = style.pop("font_style", font_style)
        return style, size_px, font_style, bool(style.pop("uppercase", False))

    def plan(self, rng: np.random.Generator, clip: ClipSpec) -> dict:
        sp, lay, tim = self.spec, self.spec.layout, self.spec.timing
        if not self.fonts:
            raise InputSkipped("no_fonts")
        src = pick_source(rng, sp.texts)
        size_px = max(6, int(round(lay.size.sample(rng) * clip.height)))
        effect = sp.effect.kind.sample(rng)
        if effect == "rollup" and src.subtitles:
            effect = "popon"  # a file's own timed lines become pop-on captions
        style, size_px, font_style, upper = self._look(rng, size_px, effect)
        max_lines = int(lay.max_lines.sample(rng))
        max_w = lay.max_width.sample(rng) * clip.width
        position = lay.position.sample(rng)
        align = lay.align.sample(rng)
        margin_px = int(round(lay.margin.sample(rng) * clip.height))
        if align == "center":
            x_px = clip.width / 2 + rng.uniform(-1, 1) * lay.x_jitter.sample(rng) * clip.width
        else:
            x_px = lay.side_margin.sample(rng) * clip.width
        mode = lay.mode.sample(rng) if effect not in ("rollup", "popon") else "horizontal"
        if effect == "popon":
            po = sp.effect.popon
            align, x_px = "left", po.column.sample(rng) * clip.width
            where = po.position.sample(rng)
            position = "top" if where in ("top", "middle") else "bottom"
            if where == "middle":
                margin_px = int(round(rng.uniform(0.3, 0.45) * clip.height))
            max_w = min(max_w, clip.width * 0.97 - x_px)  # left-aligned at the column: end inside the frame
        style["align"] = align
        placement = {"position": position, "align": align, "margin_px": margin_px, "x_px": round(float(x_px), 2)}
        if mode == "vertical":
            vs = lay.vertical
            placement["vertical"] = {"side": vs.side.sample(rng),
                                     "margin_px": int(round(vs.margin.sample(rng) * clip.width)),
                                     "top_px": int(round(vs.top.sample(rng) * clip.height))}
        head = {"source": src.label, "size_px": size_px, "style": style, "placement": placement}
        if style.get("preset"):
            head["preset"] = style["preset"]
        if upper:
            head["uppercase"] = True
        if mode != "horizontal":
            head["layout"] = mode
        if effect != "none":
            head["effect"] = effect
        if effect == "rollup" and not src.subtitles:
            return self._plan_rollup(rng, src, clip, head, max_w)

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

        ctx = EventContext(size_px, max_w, max_lines, font_style, float(style.get("letter_spacing", 0.0)), upper,
                           lay.join_p, clip.width, clip.height)
        events, font, dropped = [], None, 0
        for fs, fe, given in slots:
            got = self.events.main(rng, src, given, ctx, mode, font)
            if got is None:
                dropped += 1
                continue
            ev, font = got
            self.events.decorate(rng, ev, font, src, ctx, mode)
            fade_in = fade_out = 0
            if effect != "popon" and rng.random() < tim.fade_p:
                fade_in = int(round(tim.fade.sample(rng) * clip.fps))
                fade_out = int(round(tim.fade.sample(rng) * clip.fps))
            ev = {"start": fs, "end": fe, **ev, "fade_in": fade_in, "fade_out": fade_out}
            if effect == "karaoke" and not ev.get("vertical"):
                ev["effect"] = fx.plan_karaoke(rng, sp.effect.karaoke, ev["lines"], fs, fe)
            elif effect == "typewriter" and not ev.get("vertical"):
                ev["effect"] = fx.plan_typewriter(rng, sp.effect.typewriter, ev["text"], fs, clip.fps)
            events.append(ev)
        if dropped:
            placement["dropped_events"] = dropped
        return {**head, **timing_src, "events": events}

    def _plan_rollup(self, rng, src: TextSource, clip: ClipSpec, head: dict, max_w: float) -> dict:
        """Roll-up captions: a word stream filling rows that scroll up (one event per row)."""
        lines = source_lines(src)
        cjk = script_of("".join(lines[:20])) in ("han", "japanese")
        joiner = "" if cjk else " "
        ru_spec = self.spec.effect.rollup
        font = None
        for _ in range(24):
            font = self.picker.font_for(rng, lines[int(rng.integers(len(lines)))], None, "regular")
            if font is not None:
                break
        if font is None:
            raise InputSkipped("no_font_for_text")
        size = head["size_px"]
        pil_font = load_font(font.path, size)
        row_w = float(ru_spec.width.sample(rng)) * clip.width

        def words_of() -> list[str]:
            for _ in range(24):
                line = lines[int(rng.integers(len(lines)))].replace("\n", " ")
                if head.get("uppercase"):
                    line = line.upper()
                if font.covers(line):
                    if cjk:
                        return [line[i:i + 3] for i in range(0, len(line), 3)]
                    return line.split()
            return ["..."] if font.covers("...") else ["-"]

        ru = fx.plan_rollup(rng, ru_spec, words_of, lambda ws: line_width(pil_font, joiner.join(ws)) <= row_w,
                            clip.frames, clip.fps)
        events = fx.rollup_events(ru, clip.frames, clip.fps, joiner)
        for ev in events:
            ev.update(font_fields(font))
        head["placement"].update(position=ru["position"], align="left", x_px=round(ru["column"] * clip.width, 2))
        head["style"]["align"] = "left"
        head["rollup"] = {"rows": ru["rows_n"], "roll_frames": round(ru["roll_s"] * clip.fps, 3)}
        return {**head, "simulated": True, "events": events}

    # -- rendering -------------------------------------------------------------------
    def render(self, plan: dict, canvas) -> None:
        if "rollup" in plan:
            return self._render_rollup(plan, canvas)
        for ev in plan["events"]:
            eff = ev.get("effect")
            fills = [eff["before"], eff["after"]] if eff and eff["type"] == "karaoke" else None
            reveal = bool(eff) and eff["type"] == "typewriter"
            placed = place_event(ev, plan, canvas.W, canvas.H, fills, split_box=reveal)
            main = placed[0]
            anim = fx.Animator(eff, main.sprites, main.lines, fontmod.resolve_label(main.font), main.size_px, main.style)
            full = [t for t in range(ev["start"], ev["end"])
                    if fade_factor(t, ev["start"], ev["end"], ev["fade_in"], ev["fade_out"]) >= 1.0]
            if not eff and full:  # a still event: blend its fully opaque frames in one go
                for p in placed:
                    canvas.overlay_frames(full[0], full[-1] + 1, p.x, p.y, p.sprites[0].rgb, p.sprites[0].alpha)
            for t in range(ev["start"], ev["end"]):
                if not eff and full and full[0] <= t <= full[-1]:
                    continue
                f = fade_factor(t, ev["start"], ev["end"], ev["fade_in"], ev["fade_out"])
                if f <= 0:
                    continue
                for k, p in enumerate(placed):
                    rgb, a = anim.frame(t) if k == 0 else (p.sprites[0].rgb, p.sprites[0].alpha)
                    if f < 1.0:
                        a = np.rint(a.astype(np.float32) * f).astype(np.uint8)
                    canvas.overlay(t, p.x, p.y, rgb, a)

    def _render_rollup(self, plan: dict, canvas) -> None:
        pl, ru = plan["placement"], plan["rollup"]
        style = Style.from_dict(plan["style"])
        for ev in plan["events"]:
            path = fontmod.resolve_label(ev["font"])
            sprite = render_sprites(ev["lines"], path, plan["size_px"], style, split_box=True)[0]
            bx0, by0, bx1, by1 = sprite.block
            row_h = by1 - by0
            slot0 = canvas.H - pl["margin_px"] - row_h if pl["position"] == "bottom" else \
                pl["margin_px"] + (ru["rows"] - 1) * row_h
            anim = fx.Animator(ev["effect"], [sprite], ev["lines"], path, plan["size_px"], plan["style"])
            x = int(round(pl["x_px"])) - bx0
            for t in range(ev["start"], ev["end"]):
                off = fx.rollup_offset(ev["effect"], t, ru["rows"], ru["roll_frames"], row_h)
                if off is None:
                    continue
                rgb, a = anim.frame(t)
                canvas.overlay(t, x, int(round(slot0 + off)) - by0, rgb, a)
