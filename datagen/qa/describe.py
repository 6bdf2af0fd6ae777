"""What was drawn in a sample, read back from its `json`: layer types, texts, fonts,
opacity and motion, for the gallery and the statistics.

Layer params differ per layer type and new types appear over time, so this reads
them defensively: it walks a layer's `params` and collects well-known keys wherever
they appear (`text`, `font`, `font_family`, `opacity`, `motion`), never assuming a
layout. For subtitles that finds `events[*].text/font/font_family` and
`style.opacity`; a logo's `opacity` or `motion: {type: ...}` is found the same way,
and `profile`/`kind`/`source`/`fill`/`blend` strings name the variant drawn (a freeform
hole's stroke profile, an object hole's kind).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePath

from datagen.text.scripts import char_script as letter_script

MOTION_NAME_KEYS = ("type", "kind", "name", "path")
VARIANT_KEYS = ("profile", "kind", "source", "fill", "blend")  # what a layer drew, for holes and logos

# the generator's script of a letter (datagen.text.scripts) under the name QA reports
_REPORTED = {"latin": "Latin", "greek": "Greek", "cyrillic": "Cyrillic", "hebrew": "Hebrew", "arabic": "Arabic",
             "devanagari": "Devanagari", "thai": "Thai", "hangul": "Hangul", "kana": "CJK", "han": "CJK"}


def char_script(ch: str) -> str | None:
    """Script of one letter or combining mark; None for digits, punctuation, spaces."""
    if not unicodedata.category(ch).startswith(("L", "M")):
        return None
    if 0xFF21 <= ord(ch) <= 0xFF5A:  # full-width Latin letters (danmaku "ｗｗｗ")
        return "Latin"
    return _REPORTED.get(letter_script(ch), "other")


def text_script(text: str) -> str:
    """The script most letters of `text` are in ("none" when it has no letters)."""
    counts: dict[str, int] = {}
    for ch in text:
        s = char_script(ch)
        if s is not None:
            counts[s] = counts.get(s, 0) + 1
    if not counts:
        return "none"
    return max(sorted(counts), key=lambda s: counts[s])


def text_length(text: str) -> int:
    """Characters drawn (line breaks do not count)."""
    return sum(1 for ch in text if ch not in "\r\n")


@dataclass
class TextItem:
    text: str
    start: int | None = None  # first frame, when the params say (subtitle events)
    end: int | None = None  # one past the last frame


@dataclass
class LayerInfo:
    type: str
    label: str | None = None
    texts: list[TextItem] = field(default_factory=list)
    fonts: list[str] = field(default_factory=list)  # font files as recorded
    families: list[str] = field(default_factory=list)
    opacities: list[float] = field(default_factory=list)
    motions: list[str] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)  # "profile=stroke", "kind=dog", "fill=black", ...
    visible_frames: int = 0
    frames: int = 0

    @property
    def font_names(self) -> list[str]:
        """Family names, or file names for fonts recorded without a family."""
        return self.families or [PurePath(f).name for f in self.fonts]

    def to_dict(self) -> dict:
        return {
            "type": self.type, "label": self.label,
            "texts": [{"text": t.text, "start": t.start, "end": t.end} for t in self.texts],
            "fonts": self.fonts, "families": self.families, "opacities": self.opacities,
            "motions": self.motions, "variants": self.variants,
            "visible_frames": self.visible_frames, "frames": self.frames,
        }


def _motion_name(value) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for k in MOTION_NAME_KEYS:
            if isinstance(value.get(k), str):
                return value[k]
        return "custom"
    return None


def variant_value(value: str) -> str | None:
    """A variant name fit for counting: colours dropped, per-item ids cut off
    ("symbol:0661d675e94f" -> "symbol", "library-0-0015" -> "library")."""
    if re.fullmatch(r"#[0-9A-Fa-f]{3,8}", value):
        return None
    value = re.sub(r"[:-][0-9a-f]{8,}$", "", value)
    return re.sub(r"(-\d+)+$", "", value) or None


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _unique(items: list) -> list:
    return list(dict.fromkeys(items))


def describe_layer(layer: dict) -> LayerInfo:
    """Collect the reviewer-relevant parameters of one `layers[*]` entry."""
    info = LayerInfo(type=str(layer.get("type", "?")), label=layer.get("label"))
    opacities: list[tuple[int, float]] = []  # (depth, value): the shallowest is the layer's own

    def walk(node, depth: int) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "text" and isinstance(v, str):
                    s, e = node.get("start"), node.get("end")
                    info.texts.append(TextItem(v, s if _is_number(s) else None, e if _is_number(e) else None))
                elif k == "font" and isinstance(v, str):
                    info.fonts.append(v)
                elif k in ("font_family", "family") and isinstance(v, str):
                    info.families.append(v)
                elif k == "opacity" and _is_number(v):
                    opacities.append((depth, float(v)))
                elif k in ("motion", "motion_type"):
                    name = _motion_name(v)
                    if name:
                        info.motions.append(name)
                elif k == "moving" and isinstance(v, bool):
                    info.motions.append("moving" if v else "static")
                elif k in VARIANT_KEYS and isinstance(v, str) and depth <= 3 and variant_value(v):
                    info.variants.append(f"{k}={variant_value(v)}")
                if isinstance(v, (dict, list)):
                    walk(v, depth + 1)
        elif isinstance(node, list):
            for v in node:
                walk(v, depth + 1)

    params = layer.get("params")
    if isinstance(params, (dict, list)):
        walk(params, 0)
    if opacities:
        top = min(d for d, _ in opacities)
        info.opacities = [v for d, v in opacities if d == top]
    info.fonts = _unique(info.fonts)
    info.families = _unique(info.families)
    info.motions = _unique(info.motions)
    info.variants = _unique(info.variants)
    frames = layer.get("frames")
    if isinstance(frames, list):
        info.frames = len(frames)
        info.visible_frames = sum(1 for f in frames if isinstance(f, dict) and f.get("visible"))
    return info


def describe_layers(meta: dict) -> list[LayerInfo]:
    layers = meta.get("layers")
    if not isinstance(layers, list):
        return []
    return [describe_layer(layer) for layer in layers if isinstance(layer, dict)]


def layer_types(meta: dict) -> list[str]:
    """Distinct layer types of a sample in drawing order; ["none"] when nothing was drawn."""
    types = _unique(info.type for info in describe_layers(meta))
    return types or ["none"]


def background_type(meta: dict) -> str:
    bg = meta.get("background")
    return str(bg.get("type", "?")) if isinstance(bg, dict) else "?"
