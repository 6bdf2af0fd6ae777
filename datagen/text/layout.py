"""Subtitle layouts seen on real videos: what text an event shows and where it goes.

Per clip (`layout.mode`): `horizontal` lines at the bottom or top; `bilingual` two
lines in two scripts (e.g. Chinese above English) with their own sizes and fonts;
`vertical` Chinese/Japanese columns along a side edge (events in other scripts stay
horizontal). Per event, with their own probabilities: `dialogue_p` two speakers'
lines with leading dashes (left-aligned block); `italic_p` italics (the family's
italic face, else a synthetic slant); `sign_p` a sign translation at the top of the
frame; `note_p` a translator's note at the opposite edge while the line is shown.

`EventPlanner` draws an event's parts (each: text, lines, font, size); `place_event`
renders them and puts them inside the frame, without randomness.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import Field

from datagen.recipe.dist import Cat, Int, Num
from datagen.recipe.schema import Strict
from datagen.text import fonts as fontmod
from datagen.text.render import Sprite, Style, render_sprites
from datagen.text.scripts import can_be_vertical, is_rtl, script_of
from datagen.text.sources import TextPicker, TextSource, font_fields, pick, pick_source, source_lines, source_script

MODES = ("horizontal", "bilingual", "vertical")
DASHES = {"latin": ["- ", "– "], "cyrillic": ["— ", "- "], "han": ["-", "－"], "japanese": ["－", "-"],
          "hangul": ["- "], "arabic": ["- "], "hebrew": ["- ", "– "]}
NOTE_MARKS = {"latin": ["T/N: {}", "TN: {}", "* {}", "({})"], "cyrillic": ["Прим.: {}", "* {}", "({})"],
              "han": ["注：{}", "译注：{}", "※{}", "（{}）"], "japanese": ["※{}", "注：{}", "（{}）"],
              "hangul": ["※ {}", "({})"], "greek": ["Σ.τ.Μ.: {}", "({})"]}
SYNTHETIC_SLANT = 0.21  # tan(12 degrees): what renderers use for a fake italic


class BilingualSpec(Strict):
    texts: list[TextSource] = Field(default_factory=lambda: [TextSource(corpus="en")], min_length=1)
    size: Num(0.3, 1.5) = {"uniform": [0.6, 0.85]}  # second line's font size / the main size
    order: Cat(["main_first", "main_second"]) = {"choice": ["main_first", "main_second"], "weights": [0.8, 0.2]}
    fill: Cat() = {"choice": ["same", "#FFFFFF", "#FFE13C", "#9CF0FF", "#E0E0E0"],
                   "weights": [0.55, 0.15, 0.15, 0.1, 0.05]}
    max_lines: Int(1, 3) = {"choice": [1, 2], "weights": [0.75, 0.25]}
    gap: Num(0, 1) = {"uniform": [0.0, 0.25]}  # x main size


class VerticalSpec(Strict):
    side: Cat(["right", "left"]) = {"choice": ["right", "left"], "weights": [0.75, 0.25]}
    max_height: Num(0.2, 1) = {"uniform": [0.55, 0.85]}  # column length / frame height
    max_columns: Int(1, 4) = {"choice": [1, 2], "weights": [0.6, 0.4]}
    margin: Num(0, 0.3) = {"uniform": [0.02, 0.08]}  # / frame width
    top: Num(0, 0.5) = {"uniform": [0.04, 0.15]}  # / frame height


class SignSpec(Strict):
    size: Num(0.3, 1.5) = {"uniform": [0.6, 0.9]}  # x main size
    fill: Cat() = {"choice": ["same", "#FFFFFF", "#FFE13C", "#FFB0B0", "#B0FFB0"], "weights": [0.4, 0.2, 0.2, 0.1, 0.1]}
    margin: Num(0, 0.4) = {"uniform": [0.03, 0.12]}  # / frame height
    x: Num(0, 1) = {"uniform": [0.2, 0.8]}  # centre / frame width


class NoteSpec(Strict):
    size: Num(0.2, 1) = {"uniform": [0.5, 0.7]}  # x main size
    max_lines: Int(1, 3) = {"choice": [1, 2], "weights": [0.7, 0.3]}


@dataclass
class EventContext:
    """What the clip fixed before its events are drawn."""

    size_px: int
    max_w: float
    max_lines: int
    font_style: str
    spacing: float
    uppercase: bool
    join_p: float
    width: int
    height: int


class EventPlanner:
    """Draws the text parts of subtitle events for one layer spec (`layout` section)."""

    def __init__(self, picker: TextPicker, layout):
        self.picker = picker
        self.lay = layout

    def _text(self, rng, src: TextSource, join_p: float) -> str:
        lines = source_lines(src)
        text = lines[int(rng.integers(len(lines)))]
        if rng.random() < join_p:
            text = text + "\n" + lines[int(rng.integers(len(lines)))]
        return text

    def _dialogue(self, rng, src: TextSource) -> str:
        lines = source_lines(src)
        i = int(rng.integers(len(lines)))
        j = (i + 1 + int(rng.integers(max(len(lines) - 1, 1)))) % len(lines)  # another speaker's line
        a, b = lines[i], lines[j]
        dash = pick(rng, DASHES.get(script_of(a), ["- "]))
        return f"{dash}{a}\n{dash}{b}"

    def main(self, rng, src: TextSource, given: str | None, ctx: EventContext, mode: str,
             preferred: fontmod.FontInfo | None) -> tuple[dict, fontmod.FontInfo] | None:
        """The main text of an event, its font and lines; None when nothing fits."""
        lay = self.lay
        dialogue = given is None and mode != "vertical" and ctx.max_lines >= 2 and rng.random() < lay.dialogue_p
        size = ctx.size_px
        vmax = lay.vertical.max_height.sample(rng) * ctx.height if mode == "vertical" else 0.0
        for _attempt in range(24):
            text = given if given is not None else (self._dialogue(rng, src) if dialogue
                                                    else self._text(rng, src, ctx.join_p))
            if ctx.uppercase:
                text = text.upper()
            vertical = mode == "vertical" and can_be_vertical(text)
            font = self.picker.font_for(rng, text, preferred, ctx.font_style)
            if font is None:
                if given is not None:
                    return None  # the file's own text has characters no font covers
                continue
            if vertical:
                lines = self.picker.fit(text, font, size, vmax, int(lay.vertical.max_columns.sample(rng)), vertical=True)
            else:
                lines = self.picker.fit(text, font, size, ctx.max_w, 2 if dialogue else ctx.max_lines, ctx.spacing)
                if dialogue and lines and len(lines) != 2:
                    lines = None
            if lines:
                ev = {"text": "\n".join(lines), "lines": lines, **font_fields(font)}
                if size != ctx.size_px:
                    ev["size_px"] = size
                if vertical:
                    ev["vertical"] = True
                if dialogue:  # the speakers' dashes line up at the start of the lines
                    ev["dialogue"] = True
                    ev["style"] = {"align": "right" if is_rtl(text) else "left"}
                return ev, font
            if given is not None:  # a file's text must be shown: shrink until it fits
                size = max(6, int(size * 0.85))
        return None

    def decorate(self, rng, ev: dict, font: fontmod.FontInfo, src: TextSource, ctx: EventContext, mode: str) -> None:
        """Italics, sign placement, translator note and bilingual second line (in place)."""
        lay = self.lay
        horizontal = not ev.get("vertical")
        if horizontal and rng.random() < lay.italic_p:
            face = self.picker.italic_of(font, ev["text"])
            if face is not None:
                ev.update(font_fields(face))
                ev["italic"] = "font"
            else:
                ev["italic"] = "synthetic"
                ev.setdefault("style", {})["shear"] = SYNTHETIC_SLANT
        if horizontal and rng.random() < lay.sign_p:
            sg = lay.sign
            ev["role"] = "sign"
            ev["size_px"] = max(6, int(round(ev.get("size_px", ctx.size_px) * sg.size.sample(rng))))
            ev["margin_px"] = int(round(sg.margin.sample(rng) * ctx.height))
            ev["x_px"] = round(float(sg.x.sample(rng) * ctx.width), 2)
            fill = sg.fill.sample(rng)
            if fill != "same":
                ev.setdefault("style", {}).update(fill=fill, gradient=None)
        parts = []
        if mode == "bilingual" and horizontal:
            part = self._second(rng, ctx, font, script_of(ev["text"]))
            if part:
                parts.append(part)
        if rng.random() < lay.note_p:
            part = self._note(rng, src, ctx)
            if part:
                parts.append(part)
        if parts:
            ev["parts"] = parts

    def _second(self, rng, ctx: EventContext, main_font, main_script: str) -> dict | None:
        bl = self.lay.bilingual
        size = max(6, int(round(ctx.size_px * bl.size.sample(rng))))
        # a second line in another script than the main one, when the recipe offers one
        others = [t for t in bl.texts if source_script(t) != main_script] or list(bl.texts)
        src = pick_source(rng, others)
        for _attempt in range(12):
            text = self._text(rng, src, 0.0)
            font = self.picker.font_for(rng, text, None, ctx.font_style)
            if font is None or font.path == main_font.path:
                others = [f for f in self.picker.covering(text) if f.path != main_font.path]
                font = pick(rng, others) if others else font
            if font is None:
                continue
            lines = self.picker.fit(text, font, size, ctx.max_w, int(bl.max_lines.sample(rng)))
            if lines:
                part = {"role": "translation", "text": "\n".join(lines), "lines": lines, **font_fields(font),
                        "size_px": size, "order": bl.order.sample(rng),
                        "gap_px": round(float(bl.gap.sample(rng) * ctx.size_px), 2)}
                fill = bl.fill.sample(rng)
                if fill != "same":
                    part["style"] = {"fill": fill, "gradient": None}
                return part
        return None

    def _note(self, rng, src: TextSource, ctx: EventContext) -> dict | None:
        nt = self.lay.note
        size = max(6, int(round(ctx.size_px * nt.size.sample(rng))))
        lines_src = source_lines(src)
        for _attempt in range(12):
            body = lines_src[int(rng.integers(len(lines_src)))].replace("\n", " ")
            text = pick(rng, NOTE_MARKS.get(script_of(body), ["* {}", "({})"])).format(body)
            font = self.picker.font_for(rng, text, None, "regular")
            if font is None:
                continue
            lines = self.picker.fit(text, font, size, ctx.max_w, int(nt.max_lines.sample(rng)))
            if lines:
                return {"role": "note", "text": "\n".join(lines), "lines": lines, **font_fields(font), "size_px": size}
        return None


# -- placement (render time, no randomness) ---------------------------------------------
@dataclass
class Placed:
    """A rendered part and where its sprite's top-left corner goes in the frame."""

    role: str
    sprites: list[Sprite]  # one, or [before, after] colours for karaoke
    x: int
    y: int
    lines: list[str]
    font: str
    size_px: int
    style: dict


def ink_box(a: np.ndarray) -> tuple[int, int, int, int]:
    rows = np.flatnonzero(a.any(axis=1))
    cols = np.flatnonzero(a.any(axis=0))
    if rows.size == 0:
        return 0, 0, 0, 0
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _inside(x: float, y: float, sprite: Sprite, W: int, H: int) -> tuple[int, int]:
    """Shift a sprite's origin so its ink stays inside the frame (when it fits at all)."""
    ix0, iy0, ix1, iy1 = ink_box(sprite.alpha)
    x, y = int(round(x)), int(round(y))
    if ix1 - ix0 <= W:
        x = min(max(x, -ix0), W - ix1)
    if iy1 - iy0 <= H:
        y = min(max(y, -iy0), H - iy1)
    return x, y


def _left(bw: float, align: str, x_px: float, W: int) -> float:
    if align == "center":
        left = x_px - bw / 2
    elif align == "left":
        left = x_px
    else:
        left = W - x_px - bw
    return min(max(left, 0), max(W - bw, 0))


def place_event(ev: dict, plan: dict, W: int, H: int, fills: list[str] | None = None,
                split_box: bool = False) -> list[Placed]:
    """Render an event's parts and place them: the main part first in the returned list.

    `fills` (karaoke colours) and `split_box` (reveal effects) apply to the main part."""
    from datagen.text.fonts import resolve_label

    pl = plan["placement"]
    base_style = plan["style"]
    out: list[Placed] = []

    def render(part: dict, role: str, f: list[str] | None = None, split: bool = False) -> Placed:
        style = {**base_style, **part.get("style", {})}
        if part.get("vertical"):
            style["vertical"] = True
        size = int(part.get("size_px", plan["size_px"]))
        sprites = render_sprites(part["lines"], resolve_label(part["font"]), size, Style.from_dict(style), f, split)
        return Placed(role, sprites, 0, 0, part["lines"], part["font"], size, style)

    main = render(ev, ev.get("role", "main"), fills, split_box)
    parts = [render(p, p["role"]) for p in ev.get("parts", [])]

    if ev.get("vertical"):
        s = main.sprites[0]
        bx0, by0, bx1, by1 = s.block
        vp = pl["vertical"]
        left = vp["margin_px"] if vp["side"] == "left" else W - vp["margin_px"] - (bx1 - bx0)
        main.x, main.y = _inside(left - bx0, vp["top_px"] - by0, s, W, H)
        out.append(main)
        for p in parts:  # a note goes to the bottom
            _stack([p], "bottom", pl, W, H, pl["margin_px"])
            out.append(p)
        return out

    anchor = "top" if (ev.get("role") == "sign" or pl["position"] == "top") else "bottom"
    stack, gap = [main], 0.0
    for spec, p in zip(ev.get("parts", []), parts):
        if p.role == "translation":  # the second language above or below the main line
            stack = [main, p] if spec.get("order", "main_first") == "main_first" else [p, main]
            gap = float(spec.get("gap_px", 0.0))
    margin = ev.get("margin_px", pl["margin_px"])
    x_px = ev.get("x_px", pl["x_px"])
    align = "center" if ev.get("role") == "sign" else pl["align"]
    _stack(stack, anchor, pl, W, H, margin, gap, x_px, align)
    out.append(main)
    out.extend(p for p in stack if p is not main)
    notes = [p for p in parts if p.role == "note"]
    if notes:
        _stack(notes, "bottom" if anchor == "top" else "top", pl, W, H, pl["margin_px"], 0.0, W / 2, "center")
        out.extend(notes)
    return out


def _stack(items: list[Placed], anchor: str, pl: dict, W: int, H: int, margin: float, gap: float = 0.0,
           x_px: float | None = None, align: str | None = None) -> None:
    """Stack parts top to bottom against the top or bottom edge; set their origins."""
    x_px = pl["x_px"] if x_px is None else x_px
    align = pl["align"] if align is None else align
    heights = [p.sprites[0].block[3] - p.sprites[0].block[1] for p in items]
    total = sum(heights) + gap * (len(items) - 1)
    top = H - margin - total if anchor == "bottom" else margin
    for p, h in zip(items, heights):
        s = p.sprites[0]
        bx0, by0, bx1, _ = s.block
        left = _left(bx1 - bx0, align, x_px, W)
        p.x, p.y = _inside(left - bx0, top - by0, s, W, H)
        top += h + gap
