"""Danmaku (bullet comments): many short comments scrolling right to left across the frame.

As on video sites with bullet comments, comments fly in lanes from the right edge to
the left at different speeds (every comment crosses the frame in about the same time,
so longer ones move faster), sizes and colours, entering and leaving the frame; a few
are pinned at the top or bottom centre for a few seconds. Lanes fill from the top of
the display `area`. With `no_overlap` (the default) a comment only takes a lane where
it never touches another comment during the clip, given both their speeds (checked
frame by frame at the exact integer positions that are drawn); comments that find no
free lane are dropped (counted in `json`), as players do.

Each comment is rendered once and its sprite moved; the stream starts before the clip
so the frame is already busy at frame 0.
"""
from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field

from datagen.errors import InputSkipped
from datagen.layers.base import Layer, LayerSpec, register_layer
from datagen.recipe.dist import Cat, Int, Num
from datagen.recipe.schema import ClipSpec, Strict
from datagen.text import fonts as fontmod
from datagen.text.render import Style, line_width, load_font, render_block
from datagen.text.scripts import script_of
from datagen.text.sources import (
    FontChoice, TextPicker, TextSource, check_text_layer, font_fields, font_preflight, pick_source,
    source_lines,
)

REACTIONS = {
    "han": ["哈哈哈哈哈", "哈哈哈", "哈哈哈哈哈哈哈哈", "233333", "2333", "666666", "666", "前方高能", "awsl", "泪目",
            "好家伙", "？？？", "草", "绝了", "来了来了", "打卡", "hhhhh", "牛啊", "名场面", "爷青回"],
    "japanese": ["www", "wwwwww", "草", "かわいい", "8888888", "きたー", "うおおお", "ｗｗｗ", "神回", "乙"],
    "hangul": ["ㅋㅋㅋㅋㅋ", "ㅋㅋㅋ", "ㅎㅎㅎ", "대박", "와", "헐", "ㅠㅠ"],
    "cyrillic": ["ахаха", "лол", "класс", "!!!", "ору"],
    "latin": ["lol", "LOL", "lmao", "haha", "hahaha", "???", "!!!", "W", "GG", "first", "OMG", "nice", "F", "xD"],
}
"""Typical short reactions per script: bullet comments are mostly these, not sentences."""

PALETTE = {"choice": ["#FFFFFF", "#FE0302", "#FFFF00", "#00CD00", "#4266BE", "#FF7204", "#CC0273", "#89D5FF"],
           "weights": [0.72, 0.04, 0.06, 0.04, 0.03, 0.04, 0.03, 0.04]}


class DanmakuStyle(Strict):
    colors: Cat() = PALETTE  # per comment
    opacity: Num(0.05, 1) = {"uniform": [0.55, 1.0]}  # per clip (a viewer setting)
    edge: Cat(["outline", "shadow", "none"]) = {"choice": ["outline", "shadow", "none"], "weights": [0.6, 0.3, 0.1]}
    outline_width: Num(0, 0.3) = {"uniform": [0.04, 0.09]}  # x font size


class DanmakuSpec(LayerSpec):
    type: Literal["danmaku"] = "danmaku"
    texts: list[TextSource] = Field(default_factory=lambda: [TextSource(corpus="zh_hans", weight=3),
                                                             TextSource(corpus="ja"), TextSource(corpus="en")],
                                    min_length=1)
    fonts: FontChoice = FontChoice(style={"choice": ["bold", "regular"], "weights": [0.6, 0.4]})
    size: Num(0.02, 0.3) = {"uniform": [0.055, 0.085]}  # font size / frame height, per clip
    size_scale: Num(0.3, 3) = {"choice": [1.0, 0.75, 1.3], "weights": [0.85, 0.08, 0.07]}  # per comment
    crossing: Num(0.3, 60) = {"uniform": [4.0, 8.0]}  # seconds a comment takes to cross the frame, per clip
    crossing_jitter: Num(0, 0.9) = {"uniform": [0.0, 0.25]}  # per comment, +- share of the crossing time
    density: Num(0, 20) = {"uniform": [0.15, 0.6]}  # new comments per lane per second
    area: Num(0.05, 1) = {"choice": [1.0, 0.75, 0.5, 0.25], "weights": [0.5, 0.2, 0.2, 0.1]}  # frame height with lanes
    lane_spacing: Num(1, 3) = {"uniform": [1.1, 1.35]}  # lane height / line height
    no_overlap: bool = Field(True, description="comments never touch: a comment only takes a free lane")
    gap: Num(0, 2) = {"uniform": [0.3, 1.0]}  # least horizontal gap between comments in a lane, x font size
    fixed_p: float = Field(0.05, ge=0, le=1, description="share of comments pinned at the top/bottom centre")
    fixed_duration: Num(0.1, 60) = {"uniform": [2.0, 4.0]}  # seconds
    reaction_p: float = Field(0.35, ge=0, le=1, description="share of short reactions (laughter, 666, www...)")
    max_chars: Int(1, 200) = {"randint": [8, 20]}  # longer corpus lines are cut, per comment
    style: DanmakuStyle = DanmakuStyle()

    def check_files(self) -> list[tuple[str, str]]:
        return check_text_layer(self.fonts, self.texts)

    def preflight(self, resources=None) -> dict[str, int]:
        return font_preflight(self.fonts)


def comment_x(c: dict, t: int, W: int) -> int:
    """Left edge of a comment's text box on frame t (the same integer for planning and drawing)."""
    if c.get("fixed"):
        return int(math.floor((W - c["width"]) / 2 + 0.5))
    return int(math.floor(W - c["speed"] * (t - c["arrive"]) + 0.5))


def visible_frames(c: dict, T: int, W: int) -> range:
    """Frames of the clip on which any of the comment's box is inside the frame."""
    if "start" in c:
        return range(c["start"], c["end"])
    if c.get("fixed"):
        return range(max(int(math.ceil(c["arrive"])), 0), min(int(math.ceil(c["arrive"] + c["duration"])), T))
    # box [x, x + width) meets [0, W) while x < W and x + width > 0
    t0 = max(int(math.floor(c["arrive"])), 0)
    frames = [t for t in range(t0, T) if comment_x(c, t, W) < W and comment_x(c, t, W) + c["width"] > 0]
    return range(frames[0], frames[-1] + 1) if frames else range(0)


def collides(a: dict, b: dict, T: int, W: int, gap: float) -> bool:
    """Whether two comments of one lane come closer than `gap` px on any frame both are shown."""
    fa, fb = visible_frames(a, T, W), visible_frames(b, T, W)
    for t in range(max(fa.start, fb.start), min(fa.stop, fb.stop)):
        xa, xb = comment_x(a, t, W), comment_x(b, t, W)
        if xa < xb + b["width"] + gap and xb < xa + a["width"] + gap:
            return True
    return False


def short_text(text: str, max_chars: int) -> str:
    """A bullet comment from a corpus line: its first clause, cut to max_chars at a break."""
    text = text.replace("\n", " ").strip()
    if len(text) <= max_chars:
        return text
    for sep in "，。！？,.!?；;":
        head = text.split(sep)[0].strip()
        if 0 < len(head) <= max_chars:
            return head
    cut = text[:max_chars]
    if " " in cut:
        cut = cut[:cut.rindex(" ")]
    return cut.strip() or text[:max_chars]


@register_layer
class DanmakuLayer(Layer):
    Spec = DanmakuSpec

    def __init__(self, spec: DanmakuSpec, resources=None):
        super().__init__(spec, resources)
        self.fonts = spec.fonts.selected()
        self.picker = TextPicker(self.fonts)

    def _comment_text(self, rng, src: TextSource) -> str:
        lines = source_lines(src)
        sample = lines[int(rng.integers(len(lines)))]
        if rng.random() < self.spec.reaction_p:
            pool = REACTIONS.get(script_of(sample), REACTIONS["latin"])
            return pool[int(rng.integers(len(pool)))]
        return short_text(sample, int(self.spec.max_chars.sample(rng)))

    def plan(self, rng: np.random.Generator, clip: ClipSpec) -> dict:
        sp, st = self.spec, self.spec.style
        if not self.fonts:
            raise InputSkipped("no_fonts")
        W, H, T, fps = clip.width, clip.height, clip.frames, clip.fps
        size_px = max(6, int(round(sp.size.sample(rng) * H)))
        font_style = sp.fonts.style.sample(rng)
        edge = st.edge.sample(rng)
        outline = round(max(1.0, st.outline_width.sample(rng) * size_px), 2) if edge != "none" else 0.0
        opacity = round(float(st.opacity.sample(rng)), 3)
        crossing_f = float(sp.crossing.sample(rng)) * fps
        sup = sp.size_scale.support() or (1.0, 1.0)
        line_h = size_px * max(sup[1], 1.0) * 1.2 + 2 * outline + 2
        lane_h = int(math.ceil(line_h * float(sp.lane_spacing.sample(rng))))
        area = float(sp.area.sample(rng))
        lanes = max(1, int(area * H // lane_h))
        rate = float(sp.density.sample(rng)) * lanes / fps  # arrivals per frame
        gap = float(sp.gap.sample(rng)) * size_px
        slowest = crossing_f * (1 + float((sp.crossing_jitter.support() or (0, 0))[1]))
        longest = max(slowest, float((sp.fixed_duration.support() or (0, 0))[1]) * fps)
        t, arrivals = -longest, []
        while rate > 0 and len(arrivals) < 400:
            t += float(rng.exponential(1.0 / rate))
            if t >= T:
                break
            arrivals.append(t)

        font = None
        by_lane: dict[int, list[dict]] = {}
        comments, dropped = [], 0
        for arrive in arrivals:
            if arrive + longest < 0:  # gone before the clip starts, whatever it says
                continue
            src = pick_source(rng, sp.texts)
            text = self._comment_text(rng, src)
            f = self.picker.font_for(rng, text, font, font_style)
            if f is None:
                continue
            font = font or f
            scale = float(sp.size_scale.sample(rng))
            size = max(6, int(round(size_px * scale)))
            asc, desc = load_font(f.path, size).getmetrics()
            while asc + desc + 2 * outline + 2 > lane_h and size > 6:  # a tall fallback font still fits its lane
                size -= 1
                asc, desc = load_font(f.path, size).getmetrics()
            width = int(math.ceil(line_width(load_font(f.path, size), text)))
            c = {"text": text, **font_fields(f), "size_px": size, "color": st.colors.sample(rng),
                 "width": width, "arrive": round(arrive, 3)}
            if rng.random() < sp.fixed_p:
                c["fixed"] = "top" if rng.random() < 0.6 else "bottom"
                c["duration"] = round(float(sp.fixed_duration.sample(rng)) * fps, 3)
            else:
                jitter = float(sp.crossing_jitter.sample(rng)) * float(rng.uniform(-1, 1))
                c["speed"] = round((W + width) / (crossing_f * (1 + jitter)), 4)
            shown = visible_frames(c, T, W)
            if not shown:
                continue
            c["start"], c["end"] = shown.start, shown.stop
            order = range(lanes - 1, -1, -1) if c.get("fixed") == "bottom" else range(lanes)
            lane = None
            for L in order:
                if not sp.no_overlap or not any(collides(c, o, T, W, gap) for o in by_lane.get(L, [])):
                    lane = L
                    break
            if lane is None:
                dropped += 1
                continue
            c["lane"] = lane
            c["y"] = int(lane * lane_h + (lane_h - (asc + desc)) // 2)
            by_lane.setdefault(lane, []).append(c)
            comments.append(c)
        return {"size_px": size_px, "lanes": lanes, "lane_h": lane_h, "gap_px": round(gap, 2),
                "no_overlap": sp.no_overlap, "style": {"edge": edge, "outline_width": outline, "opacity": opacity},
                "comments": comments, "dropped": dropped}

    def render(self, plan: dict, canvas) -> None:
        st = plan["style"]
        T, W = canvas.T, canvas.W
        for c in plan["comments"]:
            style = Style(fill=c["color"], opacity=st["opacity"], line_spacing=1.0)
            if st["edge"] == "outline":
                style.outline_width, style.outline_color = st["outline_width"], "#000000"
            elif st["edge"] == "shadow":
                d = max(1.0, st["outline_width"])
                style.shadow = {"dx": d, "dy": d, "blur": 0.0, "opacity": 0.9, "color": "#000000"}
            sprite = render_block([c["text"]], fontmod.resolve_label(c["font"]), c["size_px"], style)
            bx0, by0 = sprite.block[0], sprite.block[1]
            # the text's ascent starts at the lane's line top
            for t in visible_frames(c, T, W):
                canvas.overlay(t, comment_x(c, t, W) - bx0, c["y"] - by0, sprite.rgb, sprite.alpha)
